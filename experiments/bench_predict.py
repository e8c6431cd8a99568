"""Prediction latency: ``predict()`` against the bare network forward or statsmodels' forecast.

``predict()`` of a fitted ``MemNetForecaster`` against the bare network, and of a fitted
``AutoARIMA`` against statsmodels' own forecast call on already filtered results.

For each case a model is fitted briefly (the latency does not depend on how well it
learned), then, alternating in one loop so both see the same machine load:

* ``predict()``: the whole public call (checks, scaling, the network's input, the
  forward under ``torch.inference_mode``, back to pandas);
* ``forward``: ``model.module_(x)`` under ``torch.inference_mode`` on the very input
  ``predict`` builds (made once, outside the timing).

Cases: one hourly series of 3,900 steps; M4 Hourly's 414 series in one call (from
``TSMEM_DATA_DIR``; 414 synthetic series of 960 steps when it is absent); 10,000 short
synthetic series (120 steps) in one call.

AutoARIMA, one series: ``AutoARIMA(season_length=24)`` fitted to a fixed synthetic hourly
series of 576 steps, then, alternating: ``predict(horizon=48)`` (and with two quantiles),
statsmodels' ``get_forecast(48)`` on a results object of the same model and parameters
already filtered (and its ``conf_int``), and, for reference, statsmodels from scratch
(``SARIMAX(...).filter(params).get_forecast(48)``).

Medians of ``--repeats`` calls after a warm-up. Prints the tables and writes them to
``experiments/results/bench_predict.md`` (``--quick``, or only some ``--cases``: to the
git-ignored scratch folder).

Usage::

    OMP_NUM_THREADS=1 python experiments/bench_predict.py --threads 1
    OMP_NUM_THREADS=1 python experiments/bench_predict.py --cases arima  # AutoARIMA alone
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
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from tsmem.benchmarks.outputs import results_dir
from tsmem.benchmarks.provenance import git_commit, markdown_table
from tsmem.estimators import AutoARIMA, MemNetForecaster
from tsmem.estimators.sarimax_state import quiet_statsmodels, sarimax

ROOT = Path(__file__).resolve().parents[1]
CASES = ("memnet", "arima")


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

    result: dict = alternate({"forward": forward, "predict": model.predict}, repeats)
    result["shape"] = tuple(x.shape)
    return result


def alternate(calls: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds of each call, the calls alternating so all see the same machine load."""
    for call in calls.values():  # warm-up
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def arima_series(length: int = 576, seed: int = 0) -> pd.Series:
    """A daily cycle on a random walk, hourly (AutoARIMA picks a seasonal model, m = 24)."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    values = 10 + 3 * np.sin(2 * np.pi * t / 24) + np.cumsum(rng.normal(0, 0.3, length))
    return pd.Series(values, index=pd.date_range("2020-01-01", periods=length, freq="h"), name="y")


def arima_rows(repeats: int, horizon: int = 48) -> list[list]:
    """AutoARIMA's predict() against statsmodels' forecast on its already filtered results."""
    y = arima_series()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoARIMA(season_length=24).fit(y)
    state, scale = model.states_[0], model.scales_[0]
    values = y.to_numpy() / scale  # the state's parameters are for the series in these units

    def filtered():
        with quiet_statsmodels():
            model = sarimax(values, None, state.order, state.seasonal_order, state.trend)
            return model.filter(state.params, cov_type="none")

    results = filtered()
    calls = {
        "own": lambda: results.get_forecast(horizon).predicted_mean,
        "predict": lambda: model.predict(horizon=horizon),
        "scratch": lambda: filtered().get_forecast(horizon).predicted_mean,
        "own_q": lambda: results.get_forecast(horizon).conf_int(alpha=0.2),
        "predict_q": lambda: model.predict(horizon=horizon, quantiles=[0.1, 0.9]),
    }
    r = alternate(calls, repeats)
    spec = f"{state.order}{state.seasonal_order[:3]}[{state.seasonal_order[3]}]".replace(" ", "")
    rows = []
    for what, own, ours in (("point", "own", "predict"), ("80% interval", "own_q", "predict_q")):
        rows.append(["one series, " + what, "synthetic hourly, 576 steps", spec, horizon,
                     f"{r[own] * 1e3:.2f}", f"{r[ours] * 1e3:.2f}", f"{r[ours] / r[own]:.2f}x",
                     f"{r['scratch'] * 1e3:.2f}" if what == "point" else ""])
        print(f"AutoARIMA {what}: get_forecast {r[own] * 1e3:.2f} ms, predict {r[ours] * 1e3:.2f} ms, "
              f"{r[ours] / r[own]:.2f}x (filter + forecast from scratch {r['scratch'] * 1e3:.2f} ms)", flush=True)
    return rows


def memnet_section(args: argparse.Namespace, repeats: int) -> list[str]:
    """MemNetForecaster's cases: the markdown lines of their table."""
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
    print(table)
    return [
        "## `MemNetForecaster.predict()` vs the bare network forward", "",
        "Medians of alternating calls; the forward runs under `torch.inference_mode` on the input "
        "`predict` builds. Default network (long memory: the whole history), 1 short epoch of "
        "training.", "",
        table, "",
    ]


def arima_section(repeats: int) -> list[str]:
    """AutoARIMA's case: the markdown lines of its table."""
    table = markdown_table(
        ["case", "data", "model picked", "horizon", "statsmodels get_forecast ms", "predict() ms",
         "predict / get_forecast", "statsmodels filter + get_forecast ms"], arima_rows(repeats),
    )
    print(table)
    return [
        "## `AutoARIMA.predict()` vs statsmodels' own forecast call", "",
        "Medians of alternating calls. `get_forecast(48)` (with `conf_int(alpha=0.2)` for the "
        "interval row) runs on a SARIMAX results object of the same model and parameters, already "
        "filtered over the series; `predict()` is the whole public call, to a pandas result. "
        "The last column is statsmodels from scratch (build, filter the 576 steps, forecast).", "",
        table, "",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small cases, scratch output")
    parser.add_argument("--repeats", type=int, default=None, help="timed calls per case")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--results", default=None, help="output folder")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES),
                        help="which to run: MemNetForecaster's three cases, AutoARIMA's one series "
                             "(fewer than all: the report goes to the scratch folder)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    repeats = args.repeats or (5 if args.quick else 30)
    sections = []
    if "memnet" in args.cases:
        sections += memnet_section(args, repeats)
    if "arima" in args.cases:
        sections += arima_section(repeats)
    data_dir = f"TSMEM_DATA_DIR={os.environ['TSMEM_DATA_DIR']} " if os.environ.get("TSMEM_DATA_DIR") else ""
    command = f"{data_dir}OMP_NUM_THREADS=1 python " + " ".join(map(shlex.quote, ["experiments/bench_predict.py", *sys.argv[1:]]))
    report = "\n".join([
        "# Prediction latency: `predict()` against the bare computation", "",
        f"Command: `{command}` (commit {git_commit()}; torch {torch.__version__}, "
        f"{args.threads} thread(s), {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores shared with other jobs).", "",
        *sections,
    ])
    out = results_dir(args.results, args.quick or set(args.cases) != set(CASES), ROOT)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_predict.md").write_text(report)
    print(f"wrote {out / 'bench_predict.md'}")


if __name__ == "__main__":
    main()
