"""Split rules: ``n_rows -> (0, train_end, val_end, test_end)``, half-open borders.

Each registry entry carries one of these rules; :func:`tsmem.datasets.split_borders`
applies it and checks the result. The rules follow each benchmark's published
protocol (Informer's fixed ETT rows, LSTNet's 60/20/20, Autoformer's 70/10/20) or
hold out the last two blocks of a series.
"""

from __future__ import annotations

from collections.abc import Callable

from tsmem.datasets.info import Borders


def _fixed_borders(train_end: int, val_end: int, test_end: int) -> Callable[[int], Borders]:
    """Informer's ETT borders: fixed row numbers; rows after ``test_end`` are unused."""
    return lambda n_rows: (0, train_end, val_end, test_end)


def _lstnet_borders(n_rows: int) -> Borders:
    """LSTNet ``Data_utility``: 60/20/20 with ``int(0.6 n)`` and ``int(0.8 n)``."""
    return 0, int(0.6 * n_rows), int(0.8 * n_rows), n_rows


def _autoformer_borders(n_rows: int) -> Borders:
    """Autoformer ``Dataset_Custom``: 70/10/20, test rounded down, val the remainder."""
    num_train = int(n_rows * 0.7)
    num_test = int(n_rows * 0.2)
    return 0, num_train, n_rows - num_test, n_rows


def _last_two_blocks(size: int) -> Callable[[int], Borders]:
    """Test = the last ``size`` rows, val = the ``size`` rows before, train = the rest."""
    return lambda n_rows: (0, n_rows - 2 * size, n_rows - size, n_rows)
