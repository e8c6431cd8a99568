"""The measuring scripts under ``experiments/`` still run against the current API.

They are not imported by the package, so nothing else would notice when a change
to tsmem breaks them; the quick modes run here in a subprocess, writing to a
temporary folder (never over the committed results).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tsmem.benchmarks import main as benchmark_main

ROOT = Path(__file__).resolve().parents[1]


def test_training_benchmark_quick_mode_measures_both_loops(tmp_path):
    script = ROOT / "experiments" / "bench_training.py"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    subprocess.run(
        [sys.executable, str(script), "--quick", "--results", str(tmp_path)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    with open(tmp_path / "bench_training.csv") as file:
        rows = list(csv.DictReader(file))
    variants = {r["variant"] for r in rows if r["section"] == "overhead"}
    assert {"bare", "lightning"} <= variants
    assert all(float(r["ms_per_step"]) > 0 for r in rows)
    assert "Lightning overhead" in (tmp_path / "bench_training.md").read_text()


@pytest.mark.skipif(not os.environ.get("TSMEM_DATA_DIR"), reason="needs the ETTh1 file: set TSMEM_DATA_DIR")
def test_quick_benchmark_prints_its_table_and_writes_to_scratch(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the scratch folder is relative to the working directory
    benchmark_main(["etth1_univariate", "--quick", "--models", "naive"])
    out = capsys.readouterr().out
    assert "| naive | " in out  # the table itself, not only where it went
    report = Path("runs") / "experiments" / "etth1_univariate_quick.md"
    assert f"report written to {report}" in out and (tmp_path / report).is_file()
    assert not (tmp_path / "experiments").exists()  # nothing beside the tracked results
