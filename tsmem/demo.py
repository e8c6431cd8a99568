"""``tsmem demo``: the README's main job, on a dataset bundled with the package.

It backtests the forecasters on Melbourne's daily minimum temperatures (no
download, no set-up): twelve forecast origins, two weeks ahead each, over the
last half year. Every model is fitted once, on the data before the first
origin, then forecasts from each newer history without refitting. The memory
network takes its default sizes from the data (windows of about the horizon
reaching back over the whole history), with calendar encodings of its slots, so
it can read "the same weeks last year". Beside it: AutoARIMA (with a long season
such as 365 days entering as Fourier terms, "dynamic harmonic regression", since
a seasonal ARIMA cannot carry 365 states), Theta and the naive forecasts.

Progress goes to stderr (the memory network's epoch bar on a terminal); each
model's line and the final table, best first, to stdout. ``--plots DIR`` also
draws the last forecast and the windows it read.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from tsmem.estimators import MemNetForecaster

# The libraries (pandas, statsmodels, torch) are imported inside the functions that use
# them, so `tsmem demo --help` answers at once.

DEFAULT_DATASET = "melbourne_temp"
#: Bundled datasets and their demo backtest: (horizon, forecast origins).
BUNDLED = {"melbourne_temp": (14, 12), "sunspots": (12, 12), "air_passengers": (12, 3)}
#: Seasons longer than this enter ARIMA as Fourier terms rather than seasonal lags.
LONG_SEASON = 24
FOURIER_TERMS = 2
#: The one model the Fourier terms are for: ARIMA reads a long season only through them,
#: the memory network reads the calendar itself (its slots' calendar encodings).
FOURIER_MODEL = "AutoARIMA+Fourier"


def demo_models(season_length: int, horizon: int) -> dict[str, object]:
    """The forecasters the demo compares, by display name."""
    from tsmem.estimators import (
        AutoARIMA,
        Drift,
        MemNetForecaster,
        Naive,
        Naive2,
        SeasonalNaive,
        Theta,
    )

    return {
        # Sizes (window, stride, lookback, epochs) from the data; calendar encodings of
        # the slots let it find the same time of year. verbose=1: an epoch bar on a terminal.
        "MemNet": MemNetForecaster(
            horizon=horizon, temporal_encoding=("learned", "calendar"), random_state=0, verbose=1
        ),
        **(
            {FOURIER_MODEL: AutoARIMA()}
            if season_length > LONG_SEASON
            else {"AutoARIMA": AutoARIMA(season_length=season_length)}
        ),
        "Theta": Theta(season_length=season_length),
        "SeasonalNaive": SeasonalNaive(season_length=season_length),
        "Naive": Naive(),
        "Naive2": Naive2(season_length=season_length),
        "Drift": Drift(),
    }


def demo_regressors(y: pd.Series, season_length: int) -> pd.DataFrame | None:
    """Fourier terms of a long season, for `FOURIER_MODEL`; None otherwise.

    Examples
    --------
    >>> from tsmem.datasets import load_dataset
    >>> y = load_dataset("melbourne_temp")
    >>> list(demo_regressors(y, season_length=365).columns)
    ['sin1_365', 'cos1_365', 'sin2_365', 'cos2_365']
    >>> demo_regressors(y, season_length=12) is None  # a short season stays in the ARIMA
    True
    """
    from tsmem.estimators import fourier_terms

    if season_length <= LONG_SEASON:
        return None
    return fourier_terms(y.index, period=season_length, n_terms=FOURIER_TERMS)


def run_demo(
    dataset: str = DEFAULT_DATASET,
    horizon: int | None = None,
    n_windows: int | None = None,
    plots: str | None = None,
) -> pd.DataFrame:
    """Backtest every demo model on ``dataset``; returns the metrics table (one row a model).

    ``horizon`` and ``n_windows`` default to the dataset's entry in :data:`BUNDLED`.
    """
    import pandas as pd

    from tsmem.backtest import backtest
    from tsmem.data import fill_missing
    from tsmem.datasets import dataset_info, load_dataset

    default_horizon, default_windows = BUNDLED.get(dataset, (14, 12))
    horizon = default_horizon if horizon is None else horizon
    n_windows = default_windows if n_windows is None else n_windows
    info = dataset_info(dataset)
    y = fill_missing(load_dataset(dataset), method="interpolate")  # Melbourne misses two days
    print(
        f"{info.name}: {len(y)} observations, step {info.frequency}; {n_windows} forecast origins, "
        f"{horizon} steps ahead each; season length {info.season_length}\n"
    )
    rows = {}
    regressors = demo_regressors(y, info.season_length)
    models = demo_models(info.season_length, horizon)
    width = max(map(len, models))  # "AutoARIMA+Fourier" sets the column, not a fixed guess
    began = time.perf_counter()
    for number, (name, model) in enumerate(models.items(), start=1):
        print(f"[{number}/{len(models)}] backtesting {name}...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        result = backtest(model, y, horizon=horizon, n_windows=n_windows, refit=False,
                          season_length=info.season_length, progress=False,
                          X=regressors if name == FOURIER_MODEL else None)
        # The wall time of this model's whole backtest: its fit and every origin's forecast.
        rows[name] = result.metrics.loc["overall"].to_dict() | {"seconds": time.perf_counter() - start}
        print(f"  {name:<{width}}  MAE {rows[name]['mae']:7.3f}  ({rows[name]['seconds']:6.1f} s)", flush=True)
    table = pd.DataFrame.from_dict(rows, orient="index").sort_values("mae")
    print("\nBacktest, mean over origins (MASE scaled by the in-sample seasonal naive):")
    print(table.round(3).to_string())
    print(f"\nAll {len(models)} backtests: {time.perf_counter() - began:.0f} s")
    if plots:
        _draw(y, demo_models(info.season_length, horizon)["MemNet"], horizon, n_windows, Path(plots))
    return table


def _draw(y: pd.Series, model: MemNetForecaster, horizon: int, n_windows: int, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from tsmem.plotting import plot_attention, plot_forecast

    folder.mkdir(parents=True, exist_ok=True)
    model.set_params(quantiles=(0.1, 0.5, 0.9))
    history, actual = y.iloc[: len(y) - horizon], y.iloc[len(y) - horizon :]
    model.fit(y.iloc[: len(y) - horizon * n_windows])
    forecast = model.predict(y=history, quantiles=[0.1, 0.9])
    plot_forecast(history, forecast, actual=actual, last=8 * horizon).figure.savefig(folder / "forecast.png", dpi=120)
    plot_attention(model.explain(y=history), history).figure.savefig(folder / "attention.png", dpi=120)
    print(f"\nPlots written to {folder}/forecast.png and {folder}/attention.png")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="tsmem demo", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=DEFAULT_DATASET, choices=BUNDLED, help="a bundled dataset")
    parser.add_argument("--horizon", type=int, help="steps forecast at each origin (default: 14 days, 12 months)")
    parser.add_argument("--windows", type=int, help="forecast origins (default: 12; 3 for air_passengers)")
    parser.add_argument("--plots", metavar="DIR", help="also write forecast.png and attention.png here")
    args = parser.parse_args(argv)
    try:
        run_demo(args.dataset, args.horizon, args.windows, args.plots)
    except ValueError as error:  # settings the data cannot support: one line, not a traceback
        parser.error(str(error))
