"""Temporal train / validation / test splits that cannot leak the future.

Sizes count *target* steps at the end of each series. The validation and test
parts may carry ``lookback`` context rows from before their first target (the
Informer convention), but the train part never sees a row of them.
"""

from __future__ import annotations

import numpy as np

from tsmem.data.panel import Panel


def split_sizes(length: int, size: int | float, label: str) -> int:
    """Resolve a size given as a count (int) or a fraction of ``length`` (float in (0, 1)).

    A whole float of at least 1 (``48.0``, as config parsers may deliver ``48``) is a count.
    """
    if isinstance(size, float) and size >= 1 and size.is_integer():
        size = int(size)
    if isinstance(size, float):
        if not 0 <= size < 1:
            raise ValueError(f"{label} as a fraction must lie in [0, 1), got {size}.")
        return int(length * size)
    if size < 0:
        raise ValueError(f"{label} must be >= 0, got {size}.")
    return int(size)


def temporal_split(
    panel: Panel, test_size: int | float, val_size: int | float = 0, lookback: int = 0
) -> tuple[Panel, Panel | None, Panel | None]:
    """Split every series of ``panel`` at its end into train, validation and test.

    Parameters
    ----------
    panel
        The series to split.
    test_size, val_size
        Target steps (int) or fraction of each series (float) for the test and
        validation parts; 0 gives ``None`` for that part.
    lookback
        Context rows given to the validation and test parts before their first
        target step.

    Returns
    -------
    train, val, test
        Panels; ``val``/``test`` are None when their size is 0.
    """
    ends = []
    for length, series_id in zip(panel.lengths, panel.ids, strict=True):
        n_test = split_sizes(length, test_size, "test_size")
        n_val = split_sizes(length, val_size, "val_size")
        n_train = length - n_test - n_val
        if n_train < 1:
            raise ValueError(
                f"Series {series_id!r} has {length} observations: too few for a test part of "
                f"{n_test} and a validation part of {n_val}. Use smaller sizes."
            )
        ends.append((n_train, n_train + n_val, length))
    ends = np.array(ends)
    train = panel.head(ends[:, 0])
    val = _part(panel, ends[:, 0], ends[:, 1], lookback) if (ends[:, 1] > ends[:, 0]).all() else None
    test = _part(panel, ends[:, 1], ends[:, 2], lookback) if (ends[:, 2] > ends[:, 1]).all() else None
    return train, val, test


def _part(panel: Panel, starts: np.ndarray, stops: np.ndarray, lookback: int) -> Panel:
    first = np.maximum(starts - lookback, 0)
    return panel.replace(
        [v[a:b] for v, a, b in zip(panel.values, first, stops, strict=True)],
        [ix[a:b] for ix, a, b in zip(panel.index, first, stops, strict=True)],
    )
