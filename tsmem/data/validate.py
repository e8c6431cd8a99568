"""Checks that turn bad input into a ``ValueError`` naming the problem and the fix.

Each check names the offending series or column (``label``) so a user with
hundreds of series knows where to look.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

FILL_HINT = "tsmem.data.fill_missing(y, method='interpolate')"


def regular_index(index: pd.Index, label: str) -> pd.Index:
    """Return ``index`` as a regular time index, or raise a ``ValueError`` saying why not.

    A ``DatetimeIndex`` comes back with its ``freq`` set (inferred by pandas when
    missing), an integer index as a ``RangeIndex``, a ``PeriodIndex`` unchanged.
    """
    if isinstance(index, pd.MultiIndex):
        raise ValueError(
            f"{label} has a MultiIndex. For many series pass a long frame with columns "
            "unique_id, ds, y (e.g. y.reset_index()), or one series at a time."
        )
    if isinstance(index, pd.RangeIndex):
        if index.step <= 0:
            raise ValueError(f"{label} has a decreasing RangeIndex; reverse it with y.iloc[::-1].")
        return index
    if isinstance(index, pd.DatetimeIndex | pd.PeriodIndex):
        _check_sorted_unique(index, label)
        if isinstance(index, pd.PeriodIndex):
            _check_no_period_gaps(index, label)
            return index
        return _datetime_with_freq(index, label)
    if pd.api.types.is_integer_dtype(index.dtype):
        _check_sorted_unique(index, label)
        return _as_range_index(index, label)
    raise ValueError(
        f"{label} has an index of dtype {index.dtype}; tsmem needs timestamps "
        "(DatetimeIndex or PeriodIndex) or integer positions. Convert it, e.g. "
        "y.index = pd.to_datetime(y.index), or reset it with y.reset_index(drop=True)."
    )


def check_numeric(frame: pd.DataFrame, label: str) -> None:
    """Raise when a column is not real-valued (bool, object and complex columns included)."""
    for column in frame.columns:
        dtype = frame[column].dtype
        if pd.api.types.is_complex_dtype(dtype):
            # Casting to float would drop the imaginary part with only a numpy warning.
            raise TypeError(
                f"Column {column!r} of {label} holds complex numbers (dtype {dtype}); tsmem "
                "forecasts real values. Pass the real part, the modulus or both as channels."
            )
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise ValueError(
                f"Column {column!r} of {label} is not numeric (dtype {dtype}). "
                "Convert it with pd.to_numeric, or drop it."
            )


def check_finite(values: np.ndarray, index: pd.Index, label: str) -> None:
    """Raise when ``values`` (T, C) holds NaN or infinite values."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    first = index[np.flatnonzero(bad.any(axis=1))[0]]
    n_nan, n_inf = int(np.isnan(values).sum()), int(np.isinf(values).sum())
    what = " and ".join(
        part for part in (f"{n_nan} missing (NaN)" if n_nan else "", f"{n_inf} infinite" if n_inf else "") if part
    )
    raise ValueError(
        f"{label} has {what} values, the first at {first}. Fill them first, e.g. "
        f"{FILL_HINT}, or drop them."
    )


def check_length(n_obs: int, min_length: int, label: str, needed_by: str) -> None:
    """Raise when a series is empty or shorter than a model needs."""
    if n_obs == 0:
        raise ValueError(f"{label} is empty: pass at least one observation.")
    if n_obs < min_length:
        raise ValueError(
            f"{label} has {n_obs} observations but {needed_by} needs at least {min_length}. "
            "Pass a longer history or choose smaller settings."
        )


def check_int(value: object, name: str, minimum: int = 1) -> int:
    """``value`` as an ``int`` when it is an integer >= ``minimum``, else a clear error.

    A ``TypeError`` for a non-integer (``"12"``, ``1.5``, ``True``), a ``ValueError``
    for one below ``minimum``.

    Examples
    --------
    >>> check_int(3, "horizon")
    3
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}.")
    return int(value)


def isolated_spikes(values: np.ndarray, ratio: float = 1000.0) -> np.ndarray:
    """Positions of values that jump ``ratio`` times the usual step away and straight back.

    The usual step is the median of ``|diff(values)|`` (the median ``|value|``
    when that is 0). A spike's two neighbours must agree with each
    other, so steady growth, level shifts and intermittent demand are not spikes.

    Examples
    --------
    >>> isolated_spikes(np.array([1.0, 2.0, 1.0, 1e9, 2.0, 1.0, 2.0])).tolist()
    [3]
    """
    if len(values) < 3:
        return np.array([], dtype=int)
    with np.errstate(over="ignore", invalid="ignore"):  # steps between values near 1e308
        steps = np.abs(np.diff(values))
        usual = np.median(steps) or np.median(np.abs(values))
        if not usual > 0:
            return np.array([], dtype=int)
        middle, before, after = values[1:-1], values[:-2], values[2:]
        jump = np.minimum(np.abs(middle - before), np.abs(middle - after))
        return np.flatnonzero((jump > ratio * usual) & (np.abs(before - after) < jump / 10)) + 1


# -- helpers -----------------------------------------------------------------
def _check_sorted_unique(index: pd.Index, label: str) -> None:
    if index.has_duplicates:
        duplicated = index[index.duplicated()]
        raise ValueError(
            f"{label} has {len(duplicated)} duplicate timestamps, e.g. {duplicated[0]}. "
            "Aggregate them first, e.g. y.groupby(level=0).mean()."
        )
    if not index.is_monotonic_increasing:
        position = int(np.flatnonzero(np.asarray(index[1:] < index[:-1]))[0]) + 1
        raise ValueError(
            f"{label} is not sorted by time (out of order near position {position}, "
            f"{index[position]}). Sort it first with y.sort_index() (or "
            "y.sort_values(['unique_id', 'ds']) for a long frame)."
        )


def _datetime_with_freq(index: pd.DatetimeIndex, label: str) -> pd.DatetimeIndex:
    if index.freq is not None or len(index) < 2:
        return index
    if len(index) == 2:
        step = index[1] - index[0]
        days, rest = divmod(step, pd.Timedelta(days=1))
        return pd.DatetimeIndex(index, freq=pd.offsets.Day(days) if days and not rest else to_offset(step))
    inferred = pd.DatetimeIndex(index, freq="infer")  # pandas' own inference
    if inferred.freq is None:
        raise ValueError(_irregular_message(index, label))
    return inferred


def _irregular_message(index: pd.DatetimeIndex, label: str) -> str:
    steps = np.diff(index.to_numpy())  # timedelta64 in the index's own unit
    values, counts = np.unique(steps, return_counts=True)
    usual = values[counts.argmax()]
    odd = np.flatnonzero(steps != usual)
    first = odd[0]
    return (
        f"{label} has irregular timestamps: the usual step is {pd.Timedelta(usual)}, "
        f"but {len(odd)} steps differ, the first from {index[first]} to {index[first + 1]}. "
        "Put it on a regular grid, e.g. tsmem.data.fill_missing(y, freq=..., "
        "method='interpolate') inserts the missing steps and fills them."
    )


def _check_no_period_gaps(index: pd.PeriodIndex, label: str) -> None:
    expected = pd.period_range(index[0], periods=len(index), freq=index.freq)
    if not index.equals(expected):
        first = int(np.flatnonzero(index != expected)[0])
        raise ValueError(
            f"{label} has missing periods: {expected[first]} is absent (found {index[first]}). "
            f"Insert them with y.resample('{index.freqstr}').asfreq() and fill them, "
            f"e.g. {FILL_HINT}."
        )


def _as_range_index(index: pd.Index, label: str) -> pd.RangeIndex:
    positions = np.asarray(index, dtype=np.int64)
    if len(positions) < 2:
        start = int(positions[0]) if len(positions) else 0
        return pd.RangeIndex(start, start + len(positions), name=index.name)
    steps = np.diff(positions)
    if (steps != steps[0]).any():
        first = int(np.flatnonzero(steps != steps[0])[0])
        raise ValueError(
            f"{label} has an irregular integer index: step {steps[0]} at first, then "
            f"{positions[first + 1]} follows {positions[first]}. Reindex it, e.g. "
            "y.reindex(range(start, stop, step)), then fill the gaps."
        )
    step = int(steps[0])
    return pd.RangeIndex(int(positions[0]), int(positions[-1]) + step, step, name=index.name)
