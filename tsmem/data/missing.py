"""Put a series on a regular grid and fill its missing values, explicitly.

Models refuse NaN and gaps by default (a silent fill is a silent wrong answer);
this is the explicit option the error messages point to.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from tsmem.data.convert import is_long_frame
from tsmem.data.panel import ID_COL, TARGET_COL, TIME_COL

FillMethod = Literal["interpolate", "ffill", "zero"]
_METHODS = ("interpolate", "ffill", "zero")


def fill_missing(
    y: pd.Series | pd.DataFrame,
    method: FillMethod = "interpolate",
    freq: str | None = None,
) -> pd.Series | pd.DataFrame:
    """Return a copy of ``y`` with missing timestamps inserted and NaN/inf filled.

    Parameters
    ----------
    y
        A ``pd.Series``, a wide ``pd.DataFrame`` indexed by time, or a long frame
        with columns ``unique_id, ds, y`` (each series filled on its own).
    method
        ``"interpolate"`` (linear in time, edges carried from the nearest value),
        ``"ffill"`` (last value carried forward, the first ones backward) or ``"zero"``.
    freq
        The grid's pandas frequency (``"h"``, ``"D"``, ``"MS"``...). By default the
        most common step between timestamps, which works for fixed steps (hours,
        days) but not calendar ones (months): pass ``freq`` for those.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = pd.Series([1.0, np.nan, 3.0], index=pd.date_range("2024-01-01", periods=3, freq="D"))
    >>> fill_missing(y).tolist()
    [1.0, 2.0, 3.0]
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}.")
    if is_long_frame(y):
        return _fill_long(y, method, freq)
    if not isinstance(y, pd.Series | pd.DataFrame):
        raise TypeError(f"fill_missing takes a pandas Series or DataFrame, not {type(y).__name__}.")
    filled = _on_grid(y, freq).replace([np.inf, -np.inf], np.nan)
    return _fill(filled, method)


def _on_grid(y: pd.Series | pd.DataFrame, freq: str | None) -> pd.Series | pd.DataFrame:
    if not isinstance(y.index, pd.DatetimeIndex | pd.PeriodIndex):
        return y.copy()  # integer positions have no gaps to insert
    y = y.sort_index()
    if y.index.has_duplicates:
        raise ValueError("y has duplicate timestamps; aggregate them first, e.g. y.groupby(level=0).mean().")
    if freq is None and isinstance(y.index, pd.DatetimeIndex) and len(y) > 2:
        freq = pd.DatetimeIndex(y.index, freq="infer").freq or _most_common_step(y.index)
    return y.asfreq(freq) if freq is not None else y.copy()


def _most_common_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    steps, counts = np.unique(np.diff(index.to_numpy()), return_counts=True)  # timedelta64, any unit
    return pd.Timedelta(steps[counts.argmax()])


def _fill(y: pd.Series | pd.DataFrame, method: FillMethod) -> pd.Series | pd.DataFrame:
    if method == "zero":
        return y.fillna(0.0)
    if method == "interpolate":
        y = y.interpolate(method="linear", limit_direction="both")
    return y.ffill().bfill()


def _fill_long(y: pd.DataFrame, method: FillMethod, freq: str | None) -> pd.DataFrame:
    parts = []
    for series_id, group in y.groupby(ID_COL, sort=False):
        series = _on_grid(group.set_index(TIME_COL)[TARGET_COL], freq).replace([np.inf, -np.inf], np.nan)
        part = _fill(series, method).rename(TARGET_COL).rename_axis(TIME_COL).reset_index()
        part.insert(0, ID_COL, series_id)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
