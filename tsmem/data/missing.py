"""Put a series on a regular grid and fill its missing values, explicitly.

Models refuse NaN and gaps by default (a silent fill is a silent wrong answer);
this is the explicit option the error messages point to.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from tsmem.data.convert import is_long_frame
from tsmem.data.panel import ID_COL, TARGET_COL, TIME_COL

FillMethod = Literal["interpolate", "ffill", "zero"]
_METHODS = ("interpolate", "ffill", "zero")
#: Calendar grids tried when pandas cannot infer one (too few regular stretches).
_CALENDAR = ("MS", "ME", "QS", "QE", "YS", "YE", "B")


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
        ``"ffill"`` (last value carried forward, the first ones backward) or ``"zero"``
        (the only one that fills a series with no values at all).
    freq
        The grid's pandas frequency (``"h"``, ``"D"``, ``"MS"``...). By default
        pandas' own inference, on the stretches between gaps when there are gaps
        (so a monthly series stays on month starts), checked to hold every
        timestamp; a ``ValueError`` asks for ``freq`` when none does.

    Raises
    ------
    ValueError
        For an unknown ``freq``, timestamps off every regular grid, or a series
        with no value to fill from (all NaN).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = pd.Series([1.0, np.nan, 3.0], index=pd.date_range("2024-01-01", periods=3, freq="D"))
    >>> fill_missing(y).tolist()
    [1.0, 2.0, 3.0]

    A month missing from a monthly series is inserted on the month start:

    >>> months = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-04-01", "2024-05-01"])
    >>> fill_missing(pd.Series([1.0, 2.0, 4.0, 5.0], index=months)).index.month.tolist()
    [1, 2, 3, 4, 5]
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}.")
    freq = _check_freq(freq)
    if is_long_frame(y):
        return _fill_long(y, method, freq)
    if not isinstance(y, pd.Series | pd.DataFrame):
        raise TypeError(f"fill_missing takes a pandas Series or DataFrame, not {type(y).__name__}.")
    filled = _on_grid(y, freq, "y").replace([np.inf, -np.inf], np.nan)
    return _fill(filled, method, "y")


def _check_freq(freq: object) -> pd.DateOffset | None:
    if freq is None:
        return None
    try:
        return to_offset(freq)
    except (TypeError, ValueError):
        raise ValueError(
            f"freq={freq!r} is not a pandas frequency; use an alias such as 'h', 'D', 'W', "
            "'MS' (month start), 'ME' (month end), 'QS' or 'YS', or leave it None to infer it."
        ) from None


def _on_grid(y: pd.Series | pd.DataFrame, freq: pd.DateOffset | None, label: str) -> pd.Series | pd.DataFrame:
    if not isinstance(y.index, pd.DatetimeIndex | pd.PeriodIndex):
        return y.copy()  # integer positions have no gaps to insert
    y = y.sort_index()
    if y.index.has_duplicates:
        raise ValueError(f"{label} has duplicate timestamps; aggregate them first, e.g. y.groupby(level=0).mean().")
    if isinstance(y.index, pd.PeriodIndex):
        grid = pd.period_range(y.index[0], y.index[-1], freq=y.index.freq)
        return y.reindex(grid) if freq is None else y.asfreq(freq)
    if freq is None and len(y) > 2:
        freq = _infer_grid(y.index, label)
    return y.asfreq(freq) if freq is not None else y.copy()


def _infer_grid(index: pd.DatetimeIndex, label: str) -> pd.DateOffset:
    """The frequency of a regular grid that holds every timestamp of ``index``.

    pandas infers calendar frequencies (month starts, business days...) from runs
    of regular steps, so it is asked about stretches of three timestamps, the
    answers (and the most common fixed step) are tried, and of the grids that hold
    every timestamp the one with the fewest steps wins.
    """
    whole = _inferred(index)
    if whole is not None:
        return whole
    starts = np.unique(np.linspace(0, len(index) - 3, num=min(len(index) - 2, 200)).astype(int))
    stretches = [_inferred(index[i : i + 3]) for i in starts]
    names = sorted({offset.freqstr for offset in stretches if offset is not None})
    steps, step_counts = np.unique(np.diff(index.to_numpy()), return_counts=True)  # timedelta64
    candidates = [to_offset(name) for name in [*names, *_CALENDAR]]
    candidates.append(to_offset(pd.Timedelta(steps[step_counts.argmax()])))
    grids = [(len(grid), offset) for offset in candidates
             if index.isin(grid := pd.date_range(index[0], index[-1], freq=offset)).all()]
    if grids:
        return min(grids, key=lambda pair: pair[0])[1]  # the coarsest: business days, not days
    raise ValueError(
        f"{label}'s timestamps lie on no regular grid (the usual step is "
        f"{pd.Timedelta(steps[step_counts.argmax()])}, but not every timestamp fits it). "
        "Pass the frequency, e.g. fill_missing(y, freq='MS'), or resample first: y.resample('D').mean()."
    )


def _inferred(index: pd.DatetimeIndex) -> pd.DateOffset | None:
    return pd.DatetimeIndex(index, freq="infer").freq  # pandas' inference; None when irregular


def _fill(y: pd.Series | pd.DataFrame, method: FillMethod, label: str) -> pd.Series | pd.DataFrame:
    if method == "zero":  # needs no value to fill from
        return y.fillna(0.0)
    frame = y.to_frame() if isinstance(y, pd.Series) else y
    empty = list(frame.columns[frame.isna().all().to_numpy()])
    if empty:
        where = label if isinstance(y, pd.Series) else f"column(s) {empty} of {label}"
        raise ValueError(
            f"{where} has no values (all NaN or infinite): there is nothing to {method} from. "
            "Drop it, pass its values, or fill it with method='zero'."
        )
    if method == "interpolate":
        y = y.interpolate(method="linear", limit_direction="both")
    return y.ffill().bfill()


def _fill_long(y: pd.DataFrame, method: FillMethod, freq: pd.DateOffset | None) -> pd.DataFrame:
    missing_ids = y[ID_COL].isna().to_numpy()
    if missing_ids.any():
        raise ValueError(
            f"y has {int(missing_ids.sum())} row(s) with a missing 'unique_id', at index label(s) "
            f"{list(y.index[missing_ids][:5])}. Fill in the ids or drop those rows."
        )
    parts = []
    for series_id, group in y.groupby(ID_COL, sort=False):
        label = f"series {series_id!r} of y"
        series = _on_grid(group.set_index(TIME_COL)[TARGET_COL], freq, label).replace([np.inf, -np.inf], np.nan)
        part = _fill(series, method, label).rename(TARGET_COL).rename_axis(TIME_COL).reset_index()
        part.insert(0, ID_COL, series_id)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
