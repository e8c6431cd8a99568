"""Calendar features of timestamps, for temporal encodings ("the same hour last week").

Each feature is a position in a cycle (hour of day, day of week, ...) encoded
as a sine/cosine pair, so midnight sits next to 23:00. Which cycles are used
depends on the series' step: an hourly series gets hour of day, day of week and
day of year; a monthly one only month of year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# (name, position in the cycle, cycle length, used for steps in [min, max) seconds).
# A cycle helps when the series samples it finely and it is not constant: an
# hour-of-day cycle says nothing about daily data, day of year little about hours
# beyond what the month adds, and so on.
_HOUR, _DAY = 3600, 86400
_CYCLES = (
    ("minute_of_hour", lambda ix: ix.minute, 60, 0, _HOUR),
    ("hour_of_day", lambda ix: ix.hour, 24, 0, _DAY),
    ("day_of_week", lambda ix: ix.day_of_week, 7, 0, 7 * _DAY),
    ("day_of_month", lambda ix: ix.day - 1, 31, 0, 7 * _DAY),
    ("day_of_year", lambda ix: ix.day_of_year - 1, 366, 0, 28 * _DAY),
    ("month_of_year", lambda ix: ix.month - 1, 12, 28 * _DAY, 365 * _DAY),
)


def calendar_features(index: pd.Index) -> pd.DataFrame:
    """Sine/cosine calendar features for every timestamp of ``index``.

    Parameters
    ----------
    index
        A ``DatetimeIndex`` or ``PeriodIndex``; an integer index has no calendar
        and gets a frame with no columns.

    Returns
    -------
    pd.DataFrame
        Indexed like ``index``, two columns per cycle (``hour_of_day_sin``, ...),
        values in [-1, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> ix = pd.date_range("2024-01-01", periods=48, freq="h")
    >>> list(calendar_features(ix).columns)[:2]
    ['hour_of_day_sin', 'hour_of_day_cos']
    """
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    if not isinstance(index, pd.DatetimeIndex):
        return pd.DataFrame(index=index)
    step = _step_seconds(index)
    columns = {}
    for name, position, period, min_step, max_step in _CYCLES:
        if min_step <= step < max_step:
            angle = 2 * np.pi * np.asarray(position(index), dtype=np.float64) / period
            columns[f"{name}_sin"], columns[f"{name}_cos"] = np.sin(angle), np.cos(angle)
    return pd.DataFrame(columns, index=index)


def n_calendar_features(index: pd.Index) -> int:
    """How many columns :func:`calendar_features` gives for this index."""
    return calendar_features(index[:2]).shape[1] if len(index) >= 2 else 0


def _step_seconds(index: pd.DatetimeIndex) -> float:
    if index.freq is not None and len(index) >= 1:
        return ((index[0] + index.freq) - index[0]).total_seconds()
    if len(index) >= 2:
        return float(np.median(np.diff(index.to_numpy()) / np.timedelta64(1, "s")))
    return float("inf")
