"""Readers: ``(info, sources) -> the pandas object load_dataset returns``.

One reader per file format: the dated wide CSVs (ETT, weather, ILI), LSTNet's
headerless exchange-rate matrix, the M4 train/test/info files (turned into a long
``unique_id, ds, y`` frame) and the two-column bundled classics. Each is handed
the dataset's :class:`DatasetInfo` and one source (path or open handle) per file.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from tsmem.datasets.info import DatasetInfo, _Source


def _inferred_offset(index: pd.DatetimeIndex) -> pd.DateOffset | None:
    """The index's regular step as an offset, or None if it has gaps or repeats."""
    if len(index) < 3 or not index.is_unique or not index.is_monotonic_increasing:
        return None
    with warnings.catch_warnings():
        # pandas 3 warns that infer_freq will return an offset instead of a string;
        # to_offset below accepts both, so either behaviour gives the same result.
        warnings.filterwarnings("ignore", message=".*infer_freq", category=DeprecationWarning)
        alias = pd.infer_freq(index)
    return None if alias is None else to_offset(alias)


def _with_regular_freq(data: pd.DataFrame) -> pd.DataFrame:
    """Set the index's ``freq`` when the timestamps are regular; leave it None otherwise."""
    offset = _inferred_offset(data.index)
    # asfreq on an already regular index adds no rows; it only records the frequency.
    return data if offset is None else data.asfreq(offset)


def _read_dated_wide(info: DatasetInfo, sources: Sequence[_Source]) -> pd.DataFrame:
    """ETT / weather / ILI: ``date`` column first, then the channels."""
    data = pd.read_csv(sources[0], index_col="date", parse_dates=["date"])
    return _with_regular_freq(data.astype(float))


_EXCHANGE_RATE_COUNTRIES = (
    "Australia",
    "British",
    "Canada",
    "Switzerland",
    "China",
    "Japan",
    "New Zealand",
    "Singapore",
)


def _read_exchange_rate(info: DatasetInfo, sources: Sequence[_Source]) -> pd.DataFrame:
    """LSTNet's headerless matrix; column names from the upstream README's order."""
    return pd.read_csv(sources[0], header=None, names=list(_EXCHANGE_RATE_COUNTRIES), dtype=float)


def _read_m4_wide(source: _Source) -> pd.DataFrame:
    """An M4 train or test file: one row per series, id in ``V1``, NaN-padded on the right."""
    return pd.read_csv(source, index_col=0)


def _read_m4(info: DatasetInfo, sources: Sequence[_Source]) -> pd.DataFrame:
    """M4 train + test files and the series info file -> long ``unique_id, ds, y``.

    Vectorised: each value's position inside its series is computed with
    array arithmetic, so there is no Python loop over series or rows.
    """
    train = _read_m4_wide(sources[0])
    test = _read_m4_wide(sources[1])
    series_info = pd.read_csv(sources[2], index_col="M4id", parse_dates=["start_timestamp"])
    ids = train.index
    if not test.index.equals(ids):
        raise ValueError(f"{info.name}: the train and test files list different series.")
    missing_info = ids.difference(series_info.index)
    if len(missing_info):
        raise ValueError(f"{info.name}: no start timestamp for series {list(missing_info[:5])}.")
    series_info = series_info.loc[ids]  # M4 order

    train_values = train.to_numpy(dtype=float)  # (n_series, max_train_length), NaN-padded
    test_values = test.to_numpy(dtype=float)  # (n_series, horizon)
    observed = ~np.isnan(train_values)
    train_length = observed.sum(axis=1)  # (n_series,)
    # The observed values must be a prefix of each row, else the ravel below would misorder them.
    is_prefix = np.arange(train_values.shape[1]) < train_length[:, None]
    if not np.array_equal(observed, is_prefix):
        raise ValueError(f"{info.name}: a train row has missing values before its end.")
    if not np.array_equal(train_length, series_info["n_train"].to_numpy()):
        raise ValueError(f"{info.name}: train lengths disagree with the series info file.")
    horizon = test_values.shape[1]
    if np.isnan(test_values).any() or horizon != info.horizons[0]:
        raise ValueError(
            f"{info.name}: expected a complete test file with {info.horizons[0]} columns."
        )

    length = train_length + horizon  # (n_series,) values per series in the long frame
    series_offset = np.cumsum(length) - length  # where each series starts in the long frame
    step_in_series = np.arange(length.sum()) - np.repeat(series_offset, length)  # (n_rows,)
    in_train = step_in_series < np.repeat(train_length, length)
    y = np.empty(length.sum())
    # Row-major order of both matrices is series by series, time ascending: the long order.
    y[in_train] = train_values[observed]
    y[~in_train] = test_values.ravel()

    step = pd.Timedelta(to_offset(info.frequency)).to_timedelta64()
    start = np.repeat(series_info["start_timestamp"].to_numpy(), length)
    return pd.DataFrame(
        {
            "unique_id": np.repeat(ids.to_numpy(dtype=object), length),
            "ds": start + step_in_series * step,
            "y": y,
        }
    )


def _read_bundled_series(
    info: DatasetInfo, sources: Sequence[_Source], *, series_name: str
) -> pd.Series:
    """A two-column classic CSV (date, value) -> a float Series with its frequency set.

    ``asfreq`` reindexes to the regular calendar: for Melbourne this inserts the
    two days missing from the file as NaN, so the timestamps stay truthful.
    """
    frame = pd.read_csv(sources[0], index_col=0, parse_dates=[0])
    series = frame.iloc[:, 0].astype(float).rename(series_name)
    series.index.name = "date"
    return series.asfreq(info.frequency)
