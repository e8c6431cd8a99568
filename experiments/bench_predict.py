"""Prediction latency of a fitted ``MemNetForecaster``: ``predict()`` against the bare network.

For each case a model is fitted briefly (the latency does not depend on how well it
learned), then, alternating in one loop so both see the same machine load:

* ``predict()``: the whole public call (checks, scaling, the network's input, the
  forward under ``torch.inference_mode``, back to pandas);
* ``forward``: ``model.module_(x)`` under ``torch.inference_mode`` on the very input
  ``predict`` builds (made once, outside the timing).

Cases: one hourly series of 3,900 steps; M4 Hourly's 414 series in one call (from
``TSMEM_DATA_DIR``; 414 synthetic series of 960 steps when it is absent); 10,000 short
synthetic series (120 steps) in one call. Medians of ``--repeats`` calls after a warm-up.
Prints the table and writes it to ``experiments/results/bench_predict.md`` (``--quick``:
smaller cases, to the git-ignored scratch folder).

Usage::

    OMP_NUM_THREADS=1 python experiments/bench_predict.py --threads 1
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
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


def synthetic_panel(n_series: int, length: int, seed: int = 0) -> pd.DataFrame:
    """A long frame of daily-cycle hourly series with noise, levels differing by series."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    values = (10 + rng.uniform(0, 5, (n_series, 1)) * np.sin(2 * np.pi * t / 24)
              + rng.uniform(20, 100, (n_series, 1)) + rng.normal(0, 1, (n_series, length)))
    ds = pd.date_range("2020-01-01", periods=length, freq="h")
    return pd.DataFrame({
        "unique_id": np.repeat([f"s{i}" for i in range(n_series)], length),
        "ds": np.tile(ds, n_series),
        "y": values.ravel(),
    })


def m4_hourly_or_synthetic(n_series: int) -> tuple[pd.DataFrame, str]:
    if n_series == 414:
        try:
            from tsmem.datasets import load_dataset

            return load_dataset("m4_hourly"), "M4 Hourly"
        except Exception as error:  # no data folder: the same shape, made up
            print(f"M4 Hourly not available ({type(error).__name__}); using synthetic series")
    return synthetic_panel(n_series, 960, seed=1), "synthetic, 960 steps"


def fitted(y, horizon: int) -> MemNetForecaster:
    model = MemNetForecaster(
        horizon=horizon, max_epochs=1, random_state=0, verbose=False,
        trainer_kwargs={"accelerator": "cpu", "limit_train_batches": 2, "limit_val_batches": 2},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(y)


def measure(model: MemNetForecaster, repeats: int) -> dict[str, float]:
    """Median seconds of predict() and of the bare forward, measured alternately."""
    history = model.train_
    values = model._scaler_for(history).transform(list(history.values))
    x, inputs = model._inputs(values, list(history.index))

    def forward() -> None:
        with torch.inference_mode():
            model.module_(x, **inputs)

    forward(), model.predict()  # warm-up
    times: dict[str, list[float]] = {"forward": [], "predict": []}
    for _ in range(repeats):
        for name, call in (("forward", forward), ("predict", model.predict)):
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    result = {name: statistics.median(t) for name, t in times.items()}
    result["shape"] = tuple(x.shape)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small cases, scratch output")
    parser.add_argument("--repeats", type=int, default=None, help="timed calls per case")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--results", default=None, help="output folder")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    repeats = args.repeats or (5 if args.quick else 30)
    many = 500 if args.quick else 10_000
    panel_size = 50 if args.quick else 414
    m4, m4_label = m4_hourly_or_synthetic(panel_size)
    one = synthetic_panel(1, 3900).set_index("ds")["y"]
    cases = [
        ("one series", "synthetic hourly, 3,900 steps", one, 48),
        (f"{m4['unique_id'].nunique()} series", m4_label, m4, 48),
        (f"{many:,} series", "synthetic, 120 steps", synthetic_panel(many, 120, seed=2), 12),
    ]
    rows = []
    for name, data, y, horizon in cases:
        model = fitted(y, horizon)
        r = measure(model, max(3, repeats // 10) if "10,000" in name else repeats)
        ratio = r["predict"] / r["forward"]
        rows.append([name, data, "x".join(map(str, r["shape"])), horizon, f"{r['forward'] * 1e3:.2f}",
                     f"{r['predict'] * 1e3:.2f}", f"{ratio:.2f}x",
                     f"{(r['predict'] - r['forward']) * 1e3:.2f}"])
        print(f"{name}: forward {r['forward'] * 1e3:.2f} ms, predict {r['predict'] * 1e3:.2f} ms, "
              f"{ratio:.2f}x", flush=True)
    table = markdown_table(
        ["case", "data", "network input (S x L x C)", "horizon", "forward ms", "predict() ms",
         "predict / forward", "overhead ms"], rows,
    )
    data_dir = f"TSMEM_DATA_DIR={os.environ['TSMEM_DATA_DIR']} " if os.environ.get("TSMEM_DATA_DIR") else ""
    command = f"{data_dir}OMP_NUM_THREADS=1 python " + " ".join(map(shlex.quote, ["experiments/bench_predict.py", *sys.argv[1:]]))
    report = "\n".join([
        "# Prediction latency: `MemNetForecaster.predict()` vs the bare network forward", "",
        f"Command: `{command}` (commit {git_commit()}; torch {torch.__version__}, "
        f"{args.threads} thread(s), {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores shared with other jobs).", "",
        "Medians of alternating calls; the forward runs under `torch.inference_mode` on the input "
        "`predict` builds. Default network (long memory: the whole history), 1 short epoch of "
        "training.", "",
        table, "",
    ])
    print(table)
    out = results_dir(args.results, args.quick, ROOT)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_predict.md").write_text(report)
    print(f"wrote {out / 'bench_predict.md'}")


if __name__ == "__main__":
    main()
