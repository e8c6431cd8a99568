"""One conversion from whatever the user passes to a validated :class:`Panel`.

Accepted inputs:

* ``pd.Series`` with a ``DatetimeIndex``, ``PeriodIndex`` or integer/``RangeIndex``;
* a wide ``pd.DataFrame`` (one column per channel, the time in the index);
* a long ``pd.DataFrame`` with columns ``unique_id``, ``ds``, ``y`` (many series);
* a numpy array, 1-D (one series) or 2-D ``(T, C)``, given integer positions.

The frequency is inferred by pandas and kept on each index, so forecasts get
the right future timestamps.

Examples
--------
>>> import pandas as pd
>>> from tsmem.data import to_panel
>>> y = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-01-01", periods=3, freq="D"))
>>> panel = to_panel(y)
>>> panel.n_series, panel.n_channels, panel.index[0].freqstr
(1, 1, 'D')
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from tsmem.data.panel import ID_COL, TARGET_COL, TIME_COL, Panel
from tsmem.data.validate import check_finite, check_length, check_numeric, regular_index

LONG_COLUMNS = (ID_COL, TIME_COL, TARGET_COL)


def to_panel(
    y: object,
    *,
    min_length: int = 1,
    needed_by: str = "this model",
    label: str = "y",
    allow_nan: bool = False,
    extendable: bool = False,
) -> Panel:
    """Convert user input to a :class:`Panel`, raising a clear ``ValueError`` on bad data.

    Parameters
    ----------
    y
        A ``pd.Series``, wide or long ``pd.DataFrame``, or numpy array (see module doc).
    min_length
        Fewest observations every series must have.
    needed_by
        Who needs ``min_length`` (e.g. ``"SeasonalNaive(season_length=24)"``), for the message.
    label
        What to call the input in messages (``"y"`` or ``"X"``).
    allow_nan
        Accept NaN (not inf) values; only for inputs that may legitimately miss values.
    extendable
        Every series must have a known frequency, so its forecasts get future
        timestamps (a lone timestamp has none unless the other series lend theirs).
    """
    if isinstance(y, Panel):
        panel = y
    elif isinstance(y, pd.Series):
        panel = _from_series(y, label)
    elif isinstance(y, pd.DataFrame):
        panel = _from_long(y, label) if _looks_long(y) else _from_wide(y, label)
    elif isinstance(y, np.ndarray | list | tuple):
        panel = _from_array(np.asarray(y), label)
    else:
        raise TypeError(
            f"{label} must be a pandas Series, a DataFrame (wide, or long with columns "
            f"unique_id, ds, y) or a numpy array, not {type(y).__name__}."
        )
    for series_id, values, index in zip(panel.ids, panel.values, panel.index, strict=True):
        where = _describe(label, panel, series_id)
        check_length(len(values), min_length, where, needed_by)
        if allow_nan:
            values = np.where(np.isnan(values), 0.0, values)
        check_finite(values, index, where)
        if extendable and isinstance(index, pd.DatetimeIndex) and index.freq is None:
            raise ValueError(
                f"{where} has a single timestamp ({index[0]}), so its frequency is unknown and "
                "its forecasts have no timestamps. Pass a longer history, or set the frequency, "
                "e.g. y.index = pd.DatetimeIndex(y.index, freq='D')."
            )
    return panel


def is_long_frame(frame: object) -> bool:
    """True when ``frame`` is a DataFrame in the long ``unique_id/ds/y`` layout."""
    return isinstance(frame, pd.DataFrame) and _looks_long(frame)


# -- one function per input type ----------------------------------------------
def _from_series(y: pd.Series, label: str) -> Panel:
    check_numeric(y.to_frame(), label)
    index = regular_index(y.index, label)
    name = y.name
    values = y.to_numpy(dtype=np.float64, copy=True).reshape(-1, 1)
    return Panel((values,), (index,), (name,), (name if name is not None else TARGET_COL,), "series", name)


def _from_wide(y: pd.DataFrame, label: str) -> Panel:
    if y.shape[1] == 0:
        raise ValueError(f"{label} has no columns: pass at least one numeric column.")
    if y.columns.has_duplicates:
        raise ValueError(f"{label} has duplicate column names {list(y.columns[y.columns.duplicated()])}; rename them.")
    check_numeric(y, label)
    index = regular_index(y.index, label)
    values = y.to_numpy(dtype=np.float64, copy=True)
    return Panel((values,), (index,), (None,), tuple(y.columns), "wide")


def _from_array(y: np.ndarray, label: str) -> Panel:
    if y.ndim not in (1, 2):
        raise ValueError(
            f"{label} as an array must be 1-D (one series) or 2-D (time, channels), "
            f"got shape {y.shape}. For many series pass a long DataFrame (unique_id, ds, y)."
        )
    if np.issubdtype(y.dtype, np.complexfloating):
        raise TypeError(
            f"{label} holds complex numbers (dtype {y.dtype}); tsmem forecasts real values. "
            "Pass the real part, the modulus or both as channels."
        )
    if not np.issubdtype(y.dtype, np.number) or y.dtype == bool:
        raise ValueError(f"{label} must hold numbers, got an array of dtype {y.dtype}.")
    if y.ndim == 1:
        return _from_series(pd.Series(y.astype(np.float64)), label)
    return _from_wide(pd.DataFrame(y.astype(np.float64)), label)


def _looks_long(frame: pd.DataFrame) -> bool:
    return ID_COL in frame.columns or TIME_COL in frame.columns


def _from_long(y: pd.DataFrame, label: str) -> Panel:
    missing = [c for c in LONG_COLUMNS if c not in y.columns]
    if missing:
        raise ValueError(
            f"{label} looks like a long frame but lacks column(s) {missing}: a long frame "
            f"needs exactly {list(LONG_COLUMNS)} (one row per series and timestamp)."
        )
    unknown = [c for c in y.columns if c not in LONG_COLUMNS]
    if unknown:
        raise ValueError(
            f"{label} has unknown column(s) {unknown}: a long frame holds only "
            f"{list(LONG_COLUMNS)}. Pass exogenous regressors as X."
        )
    if len(y) == 0:
        raise ValueError(f"{label} is empty: pass at least one observation.")
    check_numeric(y[[TARGET_COL]], label)
    _check_no_missing_keys(y, label)
    times = y[TIME_COL]
    if not (pd.api.types.is_datetime64_any_dtype(times) or pd.api.types.is_integer_dtype(times)):
        raise ValueError(
            f"Column 'ds' of {label} has dtype {times.dtype}; it must hold timestamps or "
            "integers. Convert it, e.g. y['ds'] = pd.to_datetime(y['ds'])."
        )
    values, indexes, ids = [], [], []
    for series_id, group in y.groupby(ID_COL, sort=False):
        where = f"series {series_id!r} of {label}"
        indexes.append(regular_index(pd.Index(group[TIME_COL]), where))
        values.append(group[TARGET_COL].to_numpy(dtype=np.float64, copy=True).reshape(-1, 1))
        ids.append(series_id)
    _check_same_frequency(indexes, ids, label)
    return Panel(tuple(values), tuple(_lend_frequency(indexes)), tuple(ids), (TARGET_COL,), "long")


def _check_no_missing_keys(y: pd.DataFrame, label: str) -> None:
    """Refuse rows with no series id or no timestamp (groupby would drop them silently)."""
    for column in (ID_COL, TIME_COL):
        missing = np.flatnonzero(y[column].isna().to_numpy())
        if len(missing):
            rows = list(y.index[missing[:5]])
            raise ValueError(
                f"{label} has {len(missing)} row(s) with a missing {column!r} (NaN/None/NaT), "
                f"at index label(s) {rows}{' ...' if len(missing) > 5 else ''}. Fill in "
                f"{column!r} or drop those rows, e.g. y.dropna(subset=[{column!r}])."
            )


def _lend_frequency(indexes: list[pd.Index]) -> list[pd.Index]:
    """Give a one-timestamp series the frequency its siblings share, when it fits."""
    freqs = {ix.freq for ix in indexes if isinstance(ix, pd.DatetimeIndex) and ix.freq is not None}
    if len(freqs) != 1:
        return indexes
    (freq,) = freqs
    lent = []
    for ix in indexes:
        if isinstance(ix, pd.DatetimeIndex) and ix.freq is None and freq.is_on_offset(ix[0]):
            ix = pd.DatetimeIndex(ix, freq=freq)
        lent.append(ix)
    return lent


def nominal_step(index: pd.Index) -> float | None:
    """The median step of a time index, in seconds (None for integer positions, or a
    lone timestamp with no frequency). Calendar steps vary (a month is 28 to 31 days,
    a business day 1 or 3), so compare them with some tolerance."""
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    if not isinstance(index, pd.DatetimeIndex):
        return None
    if len(index) > 1:
        return float(np.median(np.diff(index.asi8))) / 1e9 * _seconds_per_unit(index)
    return None if index.freq is None else (index[0] + index.freq - index[0]).total_seconds()


def _seconds_per_unit(index: pd.DatetimeIndex) -> float:
    """``asi8`` counts the index's own unit (ns, us, ms or s): rescale to nanoseconds / 1e9."""
    return {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[index.unit]


def _check_same_frequency(indexes: list[pd.Index], ids: list[Hashable], label: str) -> None:
    """Refuse series whose steps differ (hourly beside daily), whatever the offsets' names."""

    def step(index: pd.Index) -> float:
        return float(index[1] - index[0]) if isinstance(index, pd.RangeIndex) else nominal_step(index)

    steps = [(series_id, step(ix), ix) for series_id, ix in zip(ids, indexes, strict=True) if len(ix) > 1]
    for series_id, seconds, index in steps[1:]:
        first_id, first_seconds, first_index = steps[0]
        same_offset = getattr(index, "freq", None) is not None and index.freq == getattr(first_index, "freq", None)
        if not same_offset and max(seconds, first_seconds) > 1.15 * min(seconds, first_seconds):
            raise ValueError(
                f"{label} mixes frequencies: series {first_id!r} steps by "
                f"{_step_name(first_index)} but series {series_id!r} by {_step_name(index)}. "
                "Resample them to one frequency or model them separately."
            )


def _step_name(index: pd.Index) -> str:
    return str(getattr(index, "freqstr", None) or index[1] - index[0])


def _describe(label: str, panel: Panel, series_id: Hashable) -> str:
    return f"series {series_id!r} of {label}" if panel.layout == "long" else label
