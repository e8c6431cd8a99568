"""experiments/bench_throughput.py --quick runs end to end and reports what it measured."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not os.environ.get("TSMEM_DATA_DIR"), reason="needs ETTh1 and M4 Hourly: set TSMEM_DATA_DIR")
def test_throughput_quick_mode_reports_throughput_breakdown_and_accuracy(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    script = ROOT / "experiments" / "bench_throughput.py"
    subprocess.run(
        [sys.executable, str(script), "--quick", "--results", str(tmp_path)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    report = (tmp_path / "bench_throughput.md").read_text()
    assert "QUICK MODE" in report
    # (a) a positive throughput for both data sets
    rates = re.findall(r"\| 1 × 5 \| [\d.]+ \| ([\d,]+) \|", report)
    assert len(rates) == 2 and all(int(r.replace(",", "")) > 0 for r in rates), report
    # (b) the parts of a step add up to the step (the rest is what is left, so check the parts)
    step = re.search(r"\| = one training step \| ([\d.]+) \| ([\d.]+) \|", report)
    forward = re.search(r"\| forward \+ loss \(training_step\) \| ([\d.]+) ", report)
    assert step and forward and 0 < float(forward.group(1)) < float(step.group(1))
    # (c) an OWA per epoch and for the fitted model, beside NHITS
    owas = re.findall(r"^\| (?:\d+|fitted: best of \d+) \|.*\| ([\d.]+) \| ([\d.]+) \|$", report, re.M)
    assert len(owas) == 3 and all(0 < float(a) < 5 for a, _ in owas), owas
    assert "| NHITS (NeuralForecast, issue 15) | 223 |" in report
