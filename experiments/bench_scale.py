"""Scale test: the memory network on a large synthetic panel, with its peak memory.

Fits one epoch of ``MemNetForecaster`` (the default network: long memory over the whole
history) on ``--series`` synthetic hourly series of ``--length`` steps, then forecasts
all of them in one ``predict()`` call. Training windows are index arithmetic over one
flat buffer (:class:`tsmem.training.windows.WindowDataset`), never copied out, so memory
should grow with the data, not with the number of windows. Reports wall times, the
number of windows and steps, and the process's peak resident memory
(``resource.getrusage``) after building the data, after the fit and after the forecast,
beside the size of the values themselves.

Prints a table and appends it to ``experiments/results/bench_scale.md`` (``--quick``:
a small panel, to the git-ignored scratch folder).

Usage::

    OMP_NUM_THREADS=1 python experiments/bench_scale.py --series 10000 --length 1000
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from tsmem.benchmarks.outputs import results_dir
from tsmem.benchmarks.provenance import git_commit, markdown_table
from tsmem.estimators import MemNetForecaster

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_panel(n_series: int, length: int, seed: int = 0) -> pd.DataFrame:
    """A long ``unique_id/ds/y`` frame: daily cycles of random amplitude, level and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(length, dtype=np.float64)
    amplitude = rng.uniform(1, 5, (n_series, 1))
    level = rng.uniform(20, 100, (n_series, 1))
    values = level + amplitude * np.sin(2 * np.pi * t / 24) + rng.normal(0, 1, (n_series, length))
    ids = np.array([f"s{i}" for i in range(n_series)], dtype=object)
    return pd.DataFrame({
        "unique_id": np.repeat(ids, length),
        "ds": np.tile(pd.date_range("2020-01-01", periods=length, freq="h").to_numpy(), n_series),
        "y": values.ravel(),
    })


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--length", type=int, default=1_000)
    parser.add_argument("--horizon", type=int, default=24)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--train-step", type=int, default=24,
                        help="steps between training windows' starts (1: every window)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="200 x 300, scratch output")
    parser.add_argument("--results", default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.series, args.length = 200, 300
    torch.set_num_threads(args.threads)

    start = time.perf_counter()
    y = synthetic_panel(args.series, args.length)
    data_s, data_rss = time.perf_counter() - start, peak_rss_mib()
    values_mib = args.series * args.length * 8 / 2**20

    model = MemNetForecaster(
        horizon=args.horizon, batch_size=args.batch_size, train_step=args.train_step,
        season_length=24, max_epochs=1, val_size=0, random_state=0, verbose=False,
        trainer_kwargs={"accelerator": "cpu"},
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(y)
    fit_s, fit_rss = time.perf_counter() - start, peak_rss_mib()
    n_windows = len(model._datamodule(model.train_, model.sizes_).windows("train"))
    steps = -(-n_windows // args.batch_size)

    start = time.perf_counter()
    forecast = model.predict()
    predict_s, predict_rss = time.perf_counter() - start, peak_rss_mib()
    assert forecast["unique_id"].nunique() == args.series and len(forecast) == args.series * args.horizon
    assert np.isfinite(forecast["y"].to_numpy()).all()

    row = [f"{args.series:,} x {args.length:,}", f"{values_mib:.0f}", f"{n_windows:,}", f"{steps:,}",
           f"{data_s:.1f}", f"{data_rss:.0f}", f"{fit_s:.1f}", f"{fit_s / steps * 1e3:.0f}",
           f"{fit_rss:.0f}", f"{predict_s:.2f}", f"{predict_rss:.0f}"]
    headers = ["series x steps", "values MiB", "train windows", "steps (1 epoch)", "data s",
               "peak RSS after data MiB", "fit s", "ms/step", "peak RSS after fit MiB",
               "predict s (all series)", "peak RSS after predict MiB"]
    table = markdown_table(headers, [row])
    print(table)
    command = "OMP_NUM_THREADS=1 python " + " ".join(map(shlex.quote, ["experiments/bench_scale.py", *sys.argv[1:]]))
    out = results_dir(args.results, args.quick, ROOT)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "bench_scale.md"
    header = "" if path.exists() else (
        "# Scale test: one epoch of the memory network on a large panel, then one predict\n\n"
        "Synthetic hourly series (daily cycle, random level and amplitude, noise); default "
        "network (long memory over the whole history), one epoch, no validation, "
        f"batch {args.batch_size}. Peak RSS from `resource.getrusage` (monotone: each column is "
        f"the peak so far). Shared {os.cpu_count()}-core machine, {args.threads} torch thread(s).\n"
    )
    path.write_text(path.read_text() + "\n" if path.exists() else header)
    with path.open("a") as file:
        file.write(f"\n`{command}` (commit {git_commit()}, torch {torch.__version__}, "
                   f"train_step {args.train_step}, horizon {args.horizon}, lookback "
                   f"{model.config_.lookback}, context {model.config_.context_length}, "
                   f"memory {model.config_.memory!r})\n\n{table}\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
