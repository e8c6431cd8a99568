"""Windows over series, built by index arithmetic: no per-sample Python loops.

A panel's series are laid end to end in one flat ``(sum T_i, C)`` buffer; a
window is then a start offset into it, and a batch of windows is one fancy
index. This keeps dataset ``__getitem__`` cheap for millions of windows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def sliding_windows(values: np.ndarray, length: int, step: int = 1) -> np.ndarray:
    """All windows of ``length`` steps of ``values`` (T, C), every ``step`` steps.

    Returns a read-only view of shape ``(n_windows, length, C)``, the last window
    ending at the last observation.

    Examples
    --------
    >>> import numpy as np
    >>> sliding_windows(np.arange(5.0).reshape(-1, 1), 3)[:, :, 0]
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    """
    if length < 1 or step < 1:
        raise ValueError(f"length and step must be >= 1, got length={length}, step={step}.")
    if len(values) < length:
        raise ValueError(f"A window of {length} steps needs at least {length} observations, got {len(values)}.")
    views = np.lib.stride_tricks.sliding_window_view(values, length, axis=0)  # (T-length+1, C, length)
    views = views.transpose(0, 2, 1)  # (n, length, C)
    first = (len(views) - 1) % step  # so that the last window is always kept
    return views[first::step]


def window_starts(
    bounds: Sequence[tuple[int, int]], size: int, step: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Every window of ``size`` steps that fits inside each series' ``[lo, hi)`` rows.

    Parameters
    ----------
    bounds
        Per series, the rows ``[lo, hi)`` a window may cover.
    size
        Window length (lookback + horizon for a training sample).
    step
        Distance between consecutive windows; the last window of each series
        always ends at ``hi``.

    Returns
    -------
    series, starts
        Two int64 arrays: window ``k`` covers rows ``starts[k] : starts[k] + size``
        of series ``series[k]``.
    """
    lo = np.array([b[0] for b in bounds], dtype=np.int64)
    hi = np.array([b[1] for b in bounds], dtype=np.int64)
    last_start = hi - size
    counts = np.where(last_start >= lo, (last_start - lo) // step + 1, 0)
    series = np.repeat(np.arange(len(counts)), counts)
    # Position of each window within its own series, counted back from the last one.
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    back = counts[series] - 1 - within
    starts = last_start[series] - back * step
    return series, starts


def concat_series(values: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Lay series end to end: returns the ``(sum T_i, C)`` buffer and each series' offset."""
    lengths = np.array([len(v) for v in values], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return np.concatenate(values, axis=0), offsets


def gather_windows(
    buffer: np.ndarray, offsets: np.ndarray, series: np.ndarray, starts: np.ndarray, size: int
) -> np.ndarray:
    """Windows ``(n, size, C)`` from the flat buffer, in one fancy index."""
    rows = (offsets[series] + starts)[:, None] + np.arange(size)  # (n, size)
    return buffer[rows]
