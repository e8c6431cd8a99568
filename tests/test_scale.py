"""The scale and prediction-latency scripts keep working (their quick modes, written to a
temporary folder). They measure speed and memory; the tests only check that they run,
forecast every series and write their tables, never a time."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(script: str, out: Path) -> str:
    run = subprocess.run(
        [sys.executable, str(ROOT / "experiments" / script), "--quick", "--results", str(out)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def test_scale_script_fits_an_epoch_and_forecasts_every_series(tmp_path):
    _run("bench_scale.py", tmp_path)  # the script asserts one finite forecast per series
    report = (tmp_path / "bench_scale.md").read_text()
    row = next(line for line in report.splitlines() if line.startswith("| 200 x 300"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    windows, steps = int(cells[2].replace(",", "")), int(cells[3].replace(",", ""))
    assert windows >= 200 and steps == -(-windows // 1024)  # every series trains; batches of 1024
    peak_after_data, peak_after_fit, peak_after_predict = map(float, (cells[5], cells[8], cells[10]))
    assert 0 < peak_after_data <= peak_after_fit <= peak_after_predict


def test_predict_benchmark_compares_predict_with_the_forward(tmp_path):
    _run("bench_predict.py", tmp_path)
    report = (tmp_path / "bench_predict.md").read_text()
    ratios = [float(r) for r in re.findall(r"\| (\d+\.\d+)x \|", report)]
    # three MemNet cases (predict / forward), then AutoARIMA's point and interval rows
    assert len(ratios) == 5 and all(r >= 0.5 for r in ratios)
    assert "| one series |" in report and "| 500 series |" in report
    assert "| one series, point |" in report and "| one series, 80% interval |" in report
