"""Plots of forecasts and of what a memory network read (matplotlib).

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from tsmem.datasets import load_dataset
>>> from tsmem.estimators import SeasonalNaive
>>> y = load_dataset("air_passengers")
>>> forecast = SeasonalNaive(season_length=12).fit(y).predict(horizon=12, quantiles=[0.1, 0.9])
>>> ax = plot_forecast(y, forecast, last=48)
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from tsmem.data.panel import quantile_column


def plot_forecast(
    y: pd.Series,
    forecast: pd.Series | pd.DataFrame,
    actual: pd.Series | None = None,
    last: int | None = None,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """History, forecast and, when the forecast has quantiles, the widest interval.

    Parameters
    ----------
    y
        The history (one series).
    forecast
        What ``predict`` returned for it: a Series, or a frame with the point
        column and ``<name>_q<level>`` columns.
    actual
        The true future values, drawn for comparison.
    last
        Show only the last ``last`` steps of history.
    ax
        A matplotlib ``Axes`` to draw on (default: a new figure).
    """
    ax = ax or plt.subplots(figsize=(10, 4))[1]
    history = y if last is None else y.iloc[-last:]
    ax.plot(history.index, history.to_numpy(), color="0.3", lw=1, label="history")
    if actual is not None:
        ax.plot(actual.index, actual.to_numpy(), color="black", lw=1, ls="--", label="actual")
    point, low, high, levels = _forecast_parts(forecast, y.name)
    ax.plot(point.index, point.to_numpy(), color="tab:blue", lw=1.5, label="forecast")
    if low is not None:
        ax.fill_between(point.index, low, high, color="tab:blue", alpha=0.2, label=f"{levels[0]:g}–{levels[1]:g} quantiles")
    ax.set_title(title or f"{y.name or 'y'}: forecast")
    ax.legend(loc="upper left")
    return ax


def plot_attention(explanation: pd.DataFrame, y: pd.Series | None = None, hop: int | None = None, ax: Any = None) -> Any:
    """Where the forecast looked: attention weight over the history's windows.

    Parameters
    ----------
    explanation
        What ``MemNetForecaster.explain`` returned (one series and channel are drawn:
        the first of each).
    y
        The history, drawn underneath for context.
    hop
        The hop to draw (default: the weights summed over hops, divided by K).
    ax
        A matplotlib ``Axes`` (default: a new figure).
    """
    rows = explanation[
        (explanation.unique_id.astype(str) == str(explanation.unique_id.iloc[0]))
        & (explanation.channel == explanation.channel.iloc[0])
    ]
    if hop is not None:
        rows = rows[rows.hop == hop]
    weights = rows.groupby(["window_start", "window_end"], sort=True)["weight"].mean().reset_index()
    ax = ax or plt.subplots(figsize=(10, 4))[1]
    if y is not None:
        shown = y[y.index >= weights.window_start.min()]
        ax.plot(shown.index, shown.to_numpy(), color="0.3", lw=1)
        weight_ax = ax.twinx()
    else:
        weight_ax = ax
    centres = weights.window_start + (weights.window_end - weights.window_start) / 2
    widths = (weights.window_end - weights.window_start).to_numpy()
    weight_ax.bar(centres, weights.weight, width=widths if np.issubdtype(widths.dtype, np.number) else widths, color="tab:orange", alpha=0.4)
    weight_ax.set_ylabel("attention weight" + ("" if hop is None else f" (hop {hop})"))
    ax.set_title("What the forecast read: attention over past windows")
    return ax


def _forecast_parts(forecast: pd.Series | pd.DataFrame, name: Any):
    if isinstance(forecast, pd.Series):
        return forecast, None, None, None
    column = name if name in forecast.columns else forecast.columns[0]
    levels = sorted(float(c.rsplit("_q", 1)[1]) for c in forecast.columns if isinstance(c, str) and "_q" in c)
    point = forecast[column]
    if len(levels) < 2:
        return point, None, None, None
    low, high = levels[0], levels[-1]
    prefix = column if column is not None else "y"
    return point, forecast[quantile_column(prefix, low)], forecast[quantile_column(prefix, high)], (low, high)
