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
    overhead = [r for r in rows if r["section"] == "overhead"]
    batch_sizes = {r["batch_size"] for r in overhead}
    # every loop timed at every batch size, on the same model
    assert {(r["variant"], r["batch_size"]) for r in overhead} == {
        (v, b)
        for v in ("bare", "lightning", "lightning, per-step log (before)", "lightning+logger", "lightning+bar")
        for b in batch_sizes
    }
    for r in rows:
        ms, per_s, batch = float(r["ms_per_step"]), float(r["samples_per_s"]), int(r["batch_size"])
        assert 0 < ms < float("inf")
        assert per_s * ms / 1000 == pytest.approx(batch, rel=1e-9)  # both figures from one timing
    # the slot counts reached the network: N = (L - 2w) // s + 1 with w = 16, s = 8
    scaling = [r for r in rows if r["section"] in ("slots", "hops")]
    assert all(int(r["lookback"]) == 32 + 8 * (int(r["n_slots"]) - 1) for r in scaling)
    assert len({r["n_slots"] for r in scaling if r["section"] == "slots"}) > 1
    assert len({r["hops"] for r in scaling if r["section"] == "hops"}) > 1
    report = (tmp_path / "bench_training.md").read_text()
    assert "Lightning overhead" in report and "QUICK MODE" in report
    bare = next(r for r in overhead if r["variant"] == "bare")
    assert f"| {bare['batch_size']} | bare | {float(bare['ms_per_step']):.2f} |" in report  # the table is the CSV


@pytest.mark.skipif(not os.environ.get("TSMEM_DATA_DIR"), reason="needs the ETTh1 file: set TSMEM_DATA_DIR")
def test_quick_benchmark_prints_its_table_and_writes_to_scratch(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the scratch folder is relative to the working directory
    benchmark_main(["etth1_univariate", "--quick", "--models", "naive"])
    out = capsys.readouterr().out
    assert "| naive | " in out  # the table itself, not only where it went
    report = Path("runs") / "experiments" / "etth1_univariate_quick.md"
    assert f"report written to {report}" in out and (tmp_path / report).is_file()
    assert not (tmp_path / "experiments").exists()  # nothing beside the tracked results


def _script(name: str):
    """An experiments/ script as a module, to call its ``main(argv)`` in this process."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "experiments" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gpu_benchmark_on_the_cpu_fits_the_same_model_twice(tmp_path):
    """Two seeded CPU runs side by side: the second is the same fit (gap 0), and the table
    says so; a GPU run asked of a machine without one is refused before any work."""
    bench_gpu = _script("bench_gpu")
    bench_gpu.main(["--quick", "--runs", "cpu", "cpu", "--workloads", "small", "--results", str(tmp_path)])
    table = [line for line in (tmp_path / "bench_gpu.md").read_text().splitlines() if line.startswith("| small")]
    assert len(table) == 2
    assert all(" | deterministic | 2 | " in line and " | 0.0 | " in line for line in table)  # gap_sd 0
    if not __import__("torch").cuda.is_available():
        with pytest.raises(SystemExit):
            bench_gpu.main(["--runs", "gpu", "--workloads", "small", "--results", str(tmp_path)])


@pytest.mark.skipif(not os.environ.get("TSMEM_DATA_DIR"), reason="needs M4 Hourly: set TSMEM_DATA_DIR")
def test_m4_members_pool_and_median(tmp_path):
    """Members saved one by one make one pool; combine scores the per-step median of the
    memory networks and the median of (that median, each other member)."""
    import numpy as np

    members = _script("m4_members")
    pool = tmp_path / "pool"
    common = ["--out", str(pool), "--n-series", "6"]
    members.main(["train", *common, "--max-epochs", "1", "--lookbacks", "168", "336", "--losses", "mae"])
    members.main(["train", *common, "--estimators", "analog"])
    assert sorted(p.stem for p in pool.glob("*.npz")) == ["L168_mae_s0", "L336_mae_s0", "analog"]
    members.main(["combine", "--out", str(pool), "--results", str(tmp_path)])
    report = (tmp_path / "m4_members.md").read_text()
    assert "| median of 2 memory networks |" in report and "| median of (that median, analog) |" in report

    # the median row is the score of the median of the saved forecasts
    m4 = members.protocol(336, 6, os.environ["TSMEM_DATA_DIR"], "cpu")
    train, test = m4.split(members.HORIZON)
    saved = [np.load(pool / f"{name}.npz")["forecast"] for name in ("L168_mae_s0", "L336_mae_s0")]
    owa = m4.score(train, test, list(np.median(np.stack(saved), axis=0)))["owa"]
    row = next(line for line in report.splitlines() if line.startswith("| median of 2"))
    assert float(row.split("|")[4]) == pytest.approx(owa, abs=1e-4)

    # a pool mixing different series counts is refused with the fix
    members.main(["train", "--out", str(pool), "--n-series", "4", "--estimators", "analog"])
    (pool / "analog.npz").rename(pool / "L1_x_s0.npz")
    with pytest.raises(SystemExit, match="same --n-series"):
        members.main(["combine", "--out", str(pool)])


def test_choose_on_validation_picks_the_lowest_validation_loss_never_the_test(tmp_path):
    """Per horizon and seed the candidate with the lower val_loss is kept even where its
    test error is worse; a row in two files is refused."""
    choose = _script("choose_on_validation")
    header = "model,horizon,seed,mse,val_loss,commit\n"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(header + "a,24,0,0.50,0.10,c1\na,24,1,0.10,0.30,c1\nbase,24,0,0.2,0.9,c1\nbase,24,1,0.2,0.9,c1\n")
    second.write_text(header + "old_b,24,0,0.05,0.20,c2\nold_b,24,1,0.90,0.20,c2\n")
    choose.main(["demo", str(first), str(second), "--candidates", "a", "b", "--baseline", "base",
                 "--rename", "old_b=b", "--results", str(tmp_path)])
    report = (tmp_path / "choice_demo.md").read_text()
    chosen = next(line for line in report.splitlines() if line.startswith("| chosen on validation"))
    # seed 0: a (val .10, test .50); seed 1: b (val .20, test .90): mean test .70, the worse one
    assert "| 0.7000 ± 0.2828 |" in chosen and chosen.endswith("| a, b |")
    assert "| base | 24 | 0.2000" in report and "c1, c2" in report
    second.write_text(header + "a,24,0,0.05,0.20,c2\n")
    with pytest.raises(ValueError, match="a h=24 seed=0 is in"):
        choose.main(["demo", str(first), str(second), "--candidates", "a", "--results", str(tmp_path)])
