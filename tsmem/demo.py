"""``tsmem demo``: the README's main job, on a dataset bundled with the package.

It backtests the forecasters on the last years of Melbourne's daily minimum
temperatures (no download, no set-up) and prints one table, best first.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import pandas as pd

from tsmem.backtest import backtest
from tsmem.data import fill_missing
from tsmem.datasets import dataset_info, load_dataset
from tsmem.estimators import Drift, Naive, Naive2, SeasonalNaive

DEFAULT_DATASET = "melbourne_temp"


def demo_models(season_length: int) -> dict[str, object]:
    """The forecasters the demo compares, by display name."""
    return {
        "Naive": Naive(),
        "SeasonalNaive": SeasonalNaive(season_length=season_length),
        "Naive2": Naive2(season_length=season_length),
        "Drift": Drift(),
    }


def run_demo(dataset: str = DEFAULT_DATASET, horizon: int = 14, n_windows: int = 12) -> pd.DataFrame:
    """Backtest every demo model on ``dataset``; returns the metrics table (one row a model)."""
    info = dataset_info(dataset)
    y = fill_missing(load_dataset(dataset))  # Melbourne misses two days: filled explicitly
    print(f"{info.name}: {len(y)} observations, {info.frequency} steps; "
          f"{n_windows} rolling windows of {horizon} steps, season length {info.season_length}\n")
    rows = {}
    for name, model in demo_models(info.season_length).items():
        start = time.perf_counter()
        result = backtest(model, y, horizon=horizon, n_windows=n_windows, season_length=info.season_length)
        rows[name] = result.metrics.loc["overall"].to_dict() | {"seconds": time.perf_counter() - start}
    table = pd.DataFrame.from_dict(rows, orient="index").sort_values("mae")
    print(table.round(3).to_string())
    return table


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="tsmem demo", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=DEFAULT_DATASET, help="a bundled or registered dataset name")
    parser.add_argument("--horizon", type=int, default=14, help="steps forecast at each origin")
    parser.add_argument("--windows", type=int, default=12, help="rolling forecast origins")
    args = parser.parse_args(argv)
    run_demo(args.dataset, args.horizon, args.windows)
