"""Standard splits: :func:`split_borders` as row positions, :func:`standard_split` on the data.

Both apply the dataset's registered rule (:attr:`DatasetInfo.split`). The wide
frames and Series are cut at the borders; the long M4 frames are cut per series
by ``_split_long``. With ``lookback > 0`` val and test start early enough that
their first window has its input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tsmem.datasets.info import Borders, DatasetInfo
from tsmem.datasets.registry import _entry


def split_borders(name_or_info: str | DatasetInfo, n_rows: int) -> Borders:
    """Row borders ``(0, train_end, val_end, test_end)`` of the standard split.

    Train is rows ``[0, train_end)``, val ``[train_end, val_end)``, test
    ``[val_end, test_end)``. For the M4 datasets ``n_rows`` is the length of
    one series (train + test) and the borders apply to that series.

    Parameters
    ----------
    name_or_info : str or DatasetInfo
        The dataset.
    n_rows : int
        Number of rows (time steps) of the loaded data.

    Returns
    -------
    tuple of 4 int

    Raises
    ------
    ValueError
        If ``n_rows`` is too short for the split.

    Examples
    --------
    >>> split_borders("exchange_rate", 7588)
    (0, 4552, 6070, 7588)
    """
    entry = _entry(name_or_info)
    if isinstance(n_rows, bool) or not isinstance(n_rows, (int, np.integer)) or n_rows < 0:
        raise ValueError(f"n_rows must be a non-negative int; got {n_rows!r}.")
    borders = tuple(int(border) for border in entry.borders(int(n_rows)))
    start, train_end, val_end, test_end = borders
    if not (start < train_end < val_end < test_end <= n_rows):
        raise ValueError(
            f"{entry.info.name}: {n_rows} rows are too few for the standard split "
            f"({entry.info.split}); it would give borders {borders}."
        )
    return borders  # type: ignore[return-value]


def standard_split(
    name_or_info: str | DatasetInfo,
    data: pd.DataFrame | pd.Series,
    lookback: int = 0,
) -> tuple[pd.DataFrame | pd.Series, pd.DataFrame | pd.Series, pd.DataFrame | pd.Series]:
    """Cut loaded data into ``(train, val, test)`` by the dataset's standard protocol.

    Parameters
    ----------
    name_or_info : str or DatasetInfo
        The dataset whose rule to apply (:attr:`DatasetInfo.split`).
    data : DataFrame or Series
        What :func:`load_dataset` returned for it (the M4 frames must be
        sorted by time within each series, as loaded).
    lookback : int, default 0
        With ``lookback > 0``, val and test each start ``lookback`` rows (per
        series for M4) before their borders, so that their first window has
        its input (the Informer convention). Those leading context rows belong
        to the previous part and must not be scored: the scored targets of val
        and test are their rows from ``lookback`` on.

    Returns
    -------
    train, val, test
        Same type as ``data``, original index kept. Rows after the test
        border (ETT's unused tail) are in none of them.

    Raises
    ------
    ValueError
        If the data are too short for the split or for ``lookback``.

    Examples
    --------
    >>> from tsmem.datasets import load_dataset
    >>> y = load_dataset("air_passengers")
    >>> train, val, test = standard_split("air_passengers", y, lookback=24)
    >>> len(train), len(val), len(test), str(test.index[24].date())
    (120, 36, 36, '1960-01-01')
    """
    entry = _entry(name_or_info)
    if isinstance(lookback, bool) or not isinstance(lookback, (int, np.integer)) or lookback < 0:
        raise ValueError(f"lookback must be a non-negative int; got {lookback!r}.")
    if entry.info.name.startswith("m4_"):
        return _split_long(entry.info, data, int(lookback))
    _, train_end, val_end, test_end = split_borders(entry.info, len(data))
    if lookback > train_end:
        raise ValueError(
            f"lookback={lookback} reaches before the first row: the validation part starts "
            f"at row {train_end}."
        )
    return (
        data.iloc[:train_end],
        data.iloc[train_end - lookback : val_end],
        data.iloc[val_end - lookback : test_end],
    )


def _split_long(
    info: DatasetInfo, data: pd.DataFrame, lookback: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The per-series tail split of a long ``unique_id, ds, y`` frame, vectorised."""
    missing = {"unique_id", "ds"}.difference(getattr(data, "columns", ()))
    if missing:
        raise ValueError(
            f"{info.name}: expected the long unique_id, ds, y frame that load_dataset "
            f"returns; missing columns {sorted(missing)}."
        )
    by_series = data.groupby("unique_id", sort=False)["ds"]
    if not by_series.is_monotonic_increasing.all():
        raise ValueError(f"{info.name}: rows must be sorted by ds within each series.")
    horizon = info.horizons[0]
    position = by_series.cumcount().to_numpy()  # step within the series
    length = by_series.transform("size").to_numpy()
    val_start, test_start = length - 2 * horizon, length - horizon
    too_short = val_start - lookback < 1
    if too_short.any():
        first = data["unique_id"].to_numpy()[too_short][0]
        raise ValueError(
            f"{info.name}: series {first!r} is too short for train + 2 x {horizon} points "
            f"with lookback={lookback}."
        )
    train = data[position < val_start]
    val = data[(position >= val_start - lookback) & (position < test_start)]
    test = data[position >= test_start - lookback]
    return train, val, test
