"""The memory network trained on a GPU: speed-up over the CPU, and bf16 against fp32.

Fits ``MemNetForecaster`` the same way under each Trainer setting given by ``--runs``
(``cpu``: fp32 on the CPU with every core torch uses; ``gpu``: fp32 on the first GPU;
``bf16``: ``precision="bf16-mixed"`` on the GPU), side by side in one process, on two
workloads:

* ``m4``: the global network of ``experiments/memory.py`` on all 414 M4 Hourly series
  (lookback 336, week-long windows a day apart, ten best analogues, batch 256, every 4th
  window, MAE), ``--epochs`` epochs with no early stopping, forecast H = 48 and scored
  (sMAPE, MASE, OWA) on the M4 test split;
* ``small``: the one-series fit of ``tests/test_ddp.py`` (a noisy daily sine, H = 12,
  d_model 16, batch 32, 10 epochs), where a GPU should not pay: the steps are too small.

Each fit is seeded (``random_state=0``, which makes Lightning ask torch for
deterministic algorithms). Where an operation has no deterministic GPU kernel, torch
refuses it; the script then records the refusal and fits again with
``deterministic="warn"`` (the ``fit`` column says which). Reported per run: the seconds
of ``fit`` and of ``predict``, the speed-up over ``cpu`` in the same process, the
forecast's largest gap from the ``cpu`` one (in units of each series' standard
deviation) and the error scores.

Prints the table and writes it to ``experiments/results/bench_gpu.md`` (with the command,
the machine and the versions); ``--results DIR`` anywhere.

Usage::

    TSMEM_DATA_DIR=... python experiments/bench_gpu.py --epochs 5
    python experiments/bench_gpu.py --quick --runs cpu      # a seconds-long check on a CPU
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from tsmem.benchmarks.outputs import results_dir
from tsmem.benchmarks.protocols import M4Protocol
from tsmem.benchmarks.provenance import git_commit, markdown_table
from tsmem.benchmarks.zoo import M4_WEEKS
from tsmem.datasets import load_dataset
from tsmem.estimators import MemNetForecaster

ROOT = Path(__file__).resolve().parents[1]
TRAINERS = {
    "cpu": {"accelerator": "cpu", "devices": 1},
    "gpu": {"accelerator": "gpu", "devices": 1},
    "bf16": {"accelerator": "gpu", "devices": 1, "precision": "bf16-mixed"},
}
M4_NETWORK = dict(lookback=336, horizon=48, **M4_WEEKS, batch_size=256, train_step=4, loss="mae",
                  val_size=48)
SMALL_NETWORK = dict(lookback=48, horizon=12, window=24, stride=24, d_model=16, max_epochs=10,
                     patience=100, learning_rate=1e-2, batch_size=32)


def m4_workload(data_dir: str | None, n_series: int | None, epochs: int):
    """M4 Hourly's train and test parts, and the network options for ``epochs`` epochs."""
    data = load_dataset("m4_hourly", data_dir=data_dir)
    if n_series is not None:
        data = data[data["unique_id"].isin(data["unique_id"].unique()[:n_series])]
    test = data.groupby("unique_id", sort=False).tail(48)
    return data.drop(test.index), test, M4_NETWORK | {"max_epochs": epochs, "patience": epochs}


def small_workload(epochs: int):
    """A daily sine of amplitude 10 with unit noise, its last 12 steps held out."""
    t = np.arange(24 * 30)
    values = 10 * np.sin(2 * np.pi * t / 24) + np.random.default_rng(0).normal(0, 1, t.size)
    y = pd.Series(values, index=pd.date_range("2024-01-01", periods=t.size, freq="h"))
    return y.iloc[:-12], y.iloc[-12:], SMALL_NETWORK | {"max_epochs": epochs}


def fit_once(params: dict[str, Any], trainer: dict[str, Any], train: Any) -> tuple[MemNetForecaster, str, float]:
    """Fit seeded; where torch refuses a nondeterministic GPU kernel, again with ``"warn"``."""
    started = time.perf_counter()
    try:
        model = MemNetForecaster(**params, random_state=0, trainer_kwargs=dict(trainer)).fit(train)
        return model, "deterministic", time.perf_counter() - started
    except RuntimeError as error:
        if "deterministic" not in str(error):
            raise
        print(f"  refused as deterministic: {str(error).splitlines()[0][:160]}", flush=True)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MemNetForecaster(**params, random_state=0,
                                 trainer_kwargs=dict(trainer) | {"deterministic": "warn"}).fit(train)
    return model, "deterministic='warn'", time.perf_counter() - started


def scores(workload: str, train: Any, test: Any, forecast: Any) -> dict[str, float]:
    """sMAPE/MASE/OWA over M4's series; MAE for the one small series."""
    if workload == "small":
        return {"mae": float(np.mean(np.abs(test.to_numpy() - forecast.to_numpy())))}
    by_series = [g.to_numpy() for _, g in forecast.groupby("unique_id", sort=False)["y"]]
    result = M4Protocol(name="m4_hourly").score(train, test, by_series)
    return {name: result[name] for name in ("smape", "mase", "owa")}


def values(forecast: Any) -> np.ndarray:
    return (forecast["y"] if isinstance(forecast, pd.DataFrame) else forecast).to_numpy(dtype=float)


def run_workload(name: str, runs: list[str], train: Any, test: Any, params: dict[str, Any]) -> list[dict]:
    """Every run of one workload, the first (normally ``cpu``) the reference."""
    scale = _series_scale(train, test)
    rows, reference = [], None
    for run in runs:
        print(f"{name}: {run} ...", flush=True)
        model, how, fit_seconds = fit_once(params, TRAINERS[run], train)
        started = time.perf_counter()
        forecast = model.predict()
        predict_seconds = time.perf_counter() - started
        reference = values(forecast) if reference is None else reference
        gap = float(np.max(np.abs(values(forecast) - reference) / scale))
        rows.append({"workload": name, "run": run, "fit": how, "epochs": model.n_epochs_,
                     "fit_s": round(fit_seconds, 1), "predict_s": round(predict_seconds, 2),
                     "gap_sd": round(gap, 4)} | {k: round(v, 4) for k, v in scores(name, train, test, forecast).items()})
        print(f"  {rows[-1]}", flush=True)
    base = rows[0]["fit_s"]
    for row in rows:
        row["speedup"] = round(base / row["fit_s"], 2)
    return rows


def _series_scale(train: Any, test: Any) -> np.ndarray:
    """Each forecast step's series standard deviation over its training part."""
    if isinstance(train, pd.Series):
        return np.full(len(test), train.std())
    sd = train.groupby("unique_id", sort=False)["y"].std()
    return test["unique_id"].map(sd).to_numpy()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", choices=sorted(TRAINERS), default=["cpu", "gpu", "bf16"])
    parser.add_argument("--workloads", nargs="+", choices=["m4", "small"], default=["small", "m4"])
    parser.add_argument("--epochs", type=int, default=5, help="M4 epochs per fit (no early stopping)")
    parser.add_argument("--quick", action="store_true", help="20 M4 series, 1 epoch")
    parser.add_argument("--results", help="folder for bench_gpu.md (default experiments/results)")
    parser.add_argument("--data-dir", default=os.environ.get("TSMEM_DATA_DIR"))
    args = parser.parse_args(argv)
    if "gpu" in " ".join(args.runs) or "bf16" in args.runs:
        if not torch.cuda.is_available():
            parser.error("--runs gpu/bf16 need a CUDA GPU (torch.cuda.is_available() is False); "
                         "on a CPU-only machine pass --runs cpu")
    rows = []
    if "small" in args.workloads:
        rows += run_workload("small", args.runs, *small_workload(2 if args.quick else 10))
    if "m4" in args.workloads:
        n_series, epochs = (20, 1) if args.quick else (None, args.epochs)
        rows += run_workload("m4", args.runs, *m4_workload(args.data_dir, n_series, epochs))
    report(rows, args)


def report(rows: list[dict], args: argparse.Namespace) -> None:
    columns = [key for key in dict.fromkeys(key for row in rows for key in row) if key != "speedup"]
    columns.append("speedup")
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    import pytorch_lightning as pl

    lines = [
        "# The memory network on a GPU", "",
        "Written by `experiments/bench_gpu.py` (its docstring says what is measured). Command: "
        f"`python {shlex.join(['experiments/bench_gpu.py', *sys.argv[1:]])}` at {git_commit()}.",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (torch uses {torch.get_num_threads()} "
        f"threads), GPU {gpu}; torch {torch.__version__}, Lightning {pl.__version__}, "
        f"Python {platform.python_version()}.", "",
        "`speedup`: the `cpu` run's fit seconds over this run's, in the same process. `gap_sd`: "
        "the largest gap between this forecast and the `cpu` one, in standard deviations of "
        "the series.", "",
        markdown_table(columns, [[row.get(c, "") for c in columns] for row in rows]), "",
    ]
    text = "\n".join(lines)
    print(text)
    folder = results_dir(args.results, args.quick, ROOT)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench_gpu.md").write_text(text)


if __name__ == "__main__":
    main()
