"""The dominant seasonal period of a series, from its calendar and its autocorrelation.

A model's defaults should follow the data: a window of one season lets a memory
slot hold "the same moment last cycle". The period is read in two ways and the
calendar's candidates win when the autocorrelation confirms them:

1. the usual periods of the index's frequency (hourly: a day, then a week; daily: a
   week, then a year; monthly: a year; ...), kept when the sample autocorrelation at
   that lag is clearly positive and above its value half a period away;
2. otherwise the highest prominent peak of the autocorrelation function
   (statsmodels' ``acf``; peaks by scipy's ``find_peaks``) between lag 2 and a third
   of the series, if it clears the same bar.

A linear trend is removed first, so a trend's slow ACF decay does not hide the cycle.

>>> import numpy as np, pandas as pd
>>> t = np.arange(400)
>>> y = pd.Series(np.sin(2 * np.pi * t / 7), index=pd.date_range("2024-01-01", periods=400, freq="D"))
>>> dominant_period(y.to_numpy(), y.index)
7
>>> dominant_period(np.random.default_rng(0).normal(size=300))
1
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import find_peaks
from statsmodels.tsa.stattools import acf

#: Candidate periods per pandas frequency prefix, most common first.
_CALENDAR_PERIODS: dict[str, tuple[int, ...]] = {
    "min": (60, 1440),
    "T": (60, 1440),
    "h": (24, 168),
    "H": (24, 168),
    "B": (5,),
    "D": (7, 365),
    "W": (52,),
    "M": (12,),
    "MS": (12,),
    "ME": (12,),
    "Q": (4,),
    "QS": (4,),
    "QE": (4,),
}

#: Autocorrelation a period must reach to count (a weak but real cycle clears it;
#: white noise's sample ACF stays within about 2/√T of 0).
_MIN_ACF = 0.2
_MIN_PROMINENCE = 0.1


def calendar_periods(index: pd.Index | None) -> tuple[int, ...]:
    """The usual seasonal periods of ``index``'s frequency (empty when unknown)."""
    freq = getattr(index, "freqstr", None)
    if not freq:
        return ()
    multiple = "".join(ch for ch in freq if ch.isdigit())
    prefix = freq.lstrip("0123456789").split("-")[0]
    periods = _CALENDAR_PERIODS.get(prefix, ())
    step = int(multiple) if multiple else 1
    # "2h" data has a daily period of 12 steps; drop periods that are not whole steps.
    return tuple(p // step for p in periods if p % step == 0 and p // step >= 2)


def dominant_period(values: np.ndarray, index: pd.Index | None = None, max_period: int = 400) -> int:
    """The series' dominant seasonal period in steps, or 1 when none is clear.

    Parameters
    ----------
    values : np.ndarray
        (T,) or (T, C) observations (channels are averaged after standardising).
    index : pd.Index, optional
        Timestamps; their frequency proposes the calendar periods.
    max_period : int, default 400
        Longest period considered.

    Returns
    -------
    int
        A period ``>= 2`` seen in the autocorrelation, or 1.
    """
    y = np.asarray(values, dtype=float)
    if y.ndim == 2:
        y = ((y - y.mean(axis=0)) / (y.std(axis=0) + 1e-12)).mean(axis=1)
    y = y[np.isfinite(y)]
    longest = min(max_period, len(y) // 3)
    if longest < 2 or np.std(y) == 0:
        return 1
    t = np.arange(len(y))
    y = y - np.polyval(np.polyfit(t, y, 1), t)
    r = acf(y, nlags=longest, fft=True)
    for period in calendar_periods(index):
        # A cycle's ACF dips half a period away; a merely persistent series' does not.
        if period <= longest and r[period] >= _MIN_ACF and r[period] > r[period // 2]:
            return int(period)
    # A cycle's peak rises well above the troughs beside it; noise wiggles do not.
    peaks, _ = find_peaks(r[: longest + 1], prominence=_MIN_PROMINENCE)
    peaks = peaks[peaks >= 2]
    if len(peaks) == 0:
        return 1
    best = int(peaks[np.argmax(r[peaks])])
    return best if r[best] >= _MIN_ACF else 1
