"""Rolling-origin evaluation of any tsmem forecaster.

The last ``n_windows`` forecast origins ("cutoffs") of every series are spaced
``step`` apart, the last one ``horizon`` steps before the end. At each cutoff
the model sees only the history up to it: it is refitted there (``refit``) or
forecasts from that history with the parameters it already has.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from tsmem.backtest import backtest
>>> from tsmem.estimators import SeasonalNaive
>>> y = pd.Series(np.tile([1.0, 2.0, 3.0, 4.0], 10), index=pd.date_range("2024-01", periods=40, freq="MS"))
>>> result = backtest(SeasonalNaive(season_length=4), y, horizon=4, n_windows=3)
>>> float(result.metrics.loc["overall", "mae"])
0.0

Regressors known in advance, such as Fourier terms of a long season, go in as
``X`` covering the whole series; each cutoff takes the rows it may use:

>>> from tsmem.estimators import ARIMA, fourier_terms
>>> days = pd.date_range("2024-01-01", periods=300, freq="D")
>>> noise = np.random.default_rng(0).normal(0, 0.1, 300)  # an exact cycle leaves the MLE no optimum
>>> cycle = pd.Series(10 + np.sin(2 * np.pi * np.arange(300) / 50) + noise, index=days)
>>> X = fourier_terms(days, period=50, n_terms=1)
>>> result = backtest(ARIMA(order=(1, 0, 0), trend="c"), cycle, horizon=25, n_windows=2, X=X)
>>> float(result.metrics.loc["overall", "mae"]) < 0.1  # the noise's size: the cycle is forecast
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from tqdm.auto import tqdm

from tsmem import metrics as tsm
from tsmem.data.convert import to_panel
from tsmem.data.panel import Panel, quantile_column
from tsmem.data.validate import check_int
from tsmem.estimators.base import BaseForecaster, with_interval_bounds


@dataclass(frozen=True)
class BacktestResult:
    """What :func:`backtest` returns.

    Attributes
    ----------
    forecasts
        Long frame: ``unique_id, channel, cutoff, ds, y`` (the actual value),
        ``y_pred`` and one ``y_pred_q<level>`` column per quantile.
    metrics
        One row per series (or channel, for a wide frame), plus an ``"overall"``
        row: the mean over rows of each metric, each computed over all windows and
        steps (MASE per window, scaled by that window's history, then averaged).
    """

    forecasts: pd.DataFrame
    metrics: pd.DataFrame


def backtest(
    estimator: BaseForecaster,
    y: Any,
    horizon: int,
    n_windows: int = 5,
    step: int | None = None,
    refit: bool | int = True,
    metrics: Sequence[str] = ("mae", "rmse", "smape", "mase"),
    season_length: int = 1,
    quantiles: Sequence[float] | None = None,
    progress: bool | None = None,
    X: pd.DataFrame | None = None,
    levels: Sequence[float] | None = None,
) -> BacktestResult:
    """Evaluate ``estimator`` on rolling forecast origins.

    Parameters
    ----------
    estimator
        Any tsmem forecaster; it is cloned, never modified.
    y
        The series, in any layout ``fit`` accepts.
    horizon
        Steps forecast at each cutoff.
    n_windows
        Number of cutoffs per series.
    step
        Steps between cutoffs (default ``horizon``: windows that do not overlap).
    refit
        ``True``: refit at every cutoff. ``False``: fit once at the first cutoff,
        then forecast from each newer history without refitting. An int ``k``:
        refit every ``k`` windows.
    metrics
        Names from :data:`tsmem.metrics.METRICS`; ``"mase"`` scales by the in-sample
        seasonal naive error with lag ``season_length``.
    season_length
        Season for MASE (a positive integer).
    quantiles
        Quantile levels in (0, 1) to forecast as well (the estimator must support them).
    progress
        Show a progress bar (default: only in an interactive terminal).
    X
        Exogenous regressors for models that take them, in the layout ``fit``
        accepts and covering every timestamp of ``y`` (rows are looked up by
        timestamp: each cutoff's fit gets the history's rows, its forecast the
        next ``horizon`` rows). Known-in-advance values only, such as calendar or
        Fourier terms (:func:`tsmem.estimators.fourier_terms`): the backtest
        hands the model ``X`` at the forecast steps as if it were known then.
    levels
        Central prediction intervals by coverage in percent (``[80, 95]``), forecast as
        the quantiles of their bounds, as in :meth:`BaseForecaster.predict`.
    """
    if not isinstance(estimator, BaseForecaster):
        raise TypeError(f"estimator must be a tsmem forecaster (e.g. Naive()), not {type(estimator).__name__}.")
    horizon, n_windows = check_int(horizon, "horizon"), check_int(n_windows, "n_windows")
    step = horizon if step is None else check_int(step, "step")
    season_length = check_int(season_length, "season_length")
    metrics = _check_metrics(metrics)
    wanted = estimator._check_quantiles(with_interval_bounds(quantiles, levels))
    panel = to_panel(y)
    cutoffs = _cutoffs(panel, horizon, n_windows, step)
    every = _refit_every(refit, n_windows)
    parts, points, model = [], [], None
    hide_bar = None if progress is None else not progress  # None: tqdm shows it on a terminal only
    for k in tqdm(range(n_windows), desc="backtest", disable=hide_bar):
        history = panel.head(cutoffs[:, k])
        if model is None or (every and k % every == 0):
            model = clone(estimator).fit(history, X=X)
        point, q = model._forecast(horizon, history, X, wanted)
        points.append(point)
        parts.append(_window_frame(panel, cutoffs[:, k], horizon, point, q, wanted))
    forecasts = pd.concat(parts, ignore_index=True)
    return BacktestResult(forecasts, _score(panel, cutoffs, np.stack(points, axis=1), metrics, season_length))


def _score(
    panel: Panel, cutoffs: np.ndarray, points: np.ndarray, metrics: Sequence[str], season_length: int
) -> pd.DataFrame:
    """Metrics per series and channel over all windows, plus an ``overall`` mean.

    ``points`` is (S, n_windows, H, C); ``cutoffs`` (S, n_windows) history lengths.
    """
    horizon = points.shape[2]
    rows = {}
    for s, values in enumerate(panel.values):
        actual = np.stack([values[n : n + horizon] for n in cutoffs[s]])  # (n_windows, H, C)
        for c, channel in enumerate(panel.columns):
            row = {}
            for name in metrics:
                if name == "mase":
                    row[name] = _mase(values[:, c], cutoffs[s], actual[..., c], points[s, ..., c], season_length)
                else:
                    row[name] = tsm.get_metric(name)(actual[..., c].ravel(), points[s, ..., c].ravel())
            rows[_row_name(panel.ids[s], channel, panel)] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.loc["overall"] = table.mean()
    return table


# -- helpers ----------------------------------------------------------------------
def _check_metrics(metrics: Sequence[str]) -> tuple[str, ...]:
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    if not names:
        raise ValueError("metrics is empty: name at least one, e.g. metrics=('mae',).")
    for name in names:
        if name != "mase":
            tsm.get_metric(name)  # a clear error for an unknown name
    return names


def _cutoffs(panel: Panel, horizon: int, n_windows: int, step: int) -> np.ndarray:
    back = horizon + step * np.arange(n_windows - 1, -1, -1)  # steps from the end, oldest first
    cutoffs = panel.lengths[:, None] - back[None, :]  # (S, n_windows) history lengths
    short = np.flatnonzero(cutoffs[:, 0] < 1)
    if len(short):
        needed = int(back[0]) + 1
        raise ValueError(
            f"Series {panel.ids[short[0]]!r} has {panel.lengths[short[0]]} observations; "
            f"{n_windows} windows of horizon {horizon} and step {step} need at least {needed}. "
            "Use fewer windows or a smaller step."
        )
    return cutoffs


def _refit_every(refit: bool | int, n_windows: int) -> int:
    if refit is True:
        return 1
    if refit is False or refit == 0:
        return 0
    if not isinstance(refit, int | np.integer) or refit < 0:  # bool is handled above
        raise ValueError(f"refit must be True, False or a positive int, got {refit!r}.")
    return int(refit)


def _window_frame(
    panel: Panel,
    cutoff_lengths: np.ndarray,
    horizon: int,
    point: np.ndarray,
    q: np.ndarray | None,
    levels: tuple[float, ...],
) -> pd.DataFrame:
    """One window's forecasts and actuals as long rows (series × channel × step)."""
    frames = []
    for s, (values, index) in enumerate(zip(panel.values, panel.index, strict=True)):
        n = cutoff_lengths[s]
        actual = values[n : n + horizon]  # (H, C)
        for c, channel in enumerate(panel.columns):
            frame = {
                "unique_id": panel.ids[s],
                "channel": channel,
                "cutoff": index[n - 1],
                "ds": index[n : n + horizon],
                "y": actual[:, c],
                "y_pred": point[s, :, c],
            }
            for j, level in enumerate(levels):
                frame[quantile_column("y_pred", level)] = q[s, :, c, j]
            frames.append(pd.DataFrame(frame))
    return pd.concat(frames, ignore_index=True)


def _mase(values: np.ndarray, cutoffs: np.ndarray, actual: np.ndarray, point: np.ndarray, season_length: int) -> float:
    """MASE per window (scaled by the history before that window's cutoff), averaged."""
    scores = []
    for n, window_actual, window_point in zip(cutoffs, actual, point, strict=True):
        try:
            scores.append(tsm.mase(window_actual, window_point, values[:n], season_length))
        except ValueError:
            # MASE is undefined for this window (history too short for the season, or
            # exactly periodic): leave a gap in the table rather than fail the backtest.
            scores.append(np.nan)
    return float(np.nanmean(scores)) if not np.isnan(scores).all() else float("nan")


def _row_name(sid: Any, channel: Any, panel: Panel) -> str:
    if panel.layout == "long":
        return str(sid)
    if panel.layout == "wide":
        return str(channel)
    return str(channel if sid is None else sid)
