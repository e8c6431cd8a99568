"""Registry of the benchmark datasets tsmem is measured on, with their standard splits.

>>> from tsmem.datasets import load_dataset, standard_split
>>> y = load_dataset("air_passengers")  # bundled: works offline, no setup
>>> train, val, test = standard_split("air_passengers", y)
>>> len(train), len(val), len(test)
(120, 12, 12)

Where the files come from
-------------------------
Three small classic series ship inside the package (the repository's top-level
``datasets/`` folder, installed as ``tsmem._bundled``): ``air_passengers``,
``sunspots`` and ``melbourne_temp``. The benchmarks are too large (or licensed
too strictly) to bundle and are read from a *data directory*, the first of

1. the ``data_dir`` argument,
2. the ``TSMEM_DATA_DIR`` environment variable,
3. the user cache, ``$XDG_CACHE_HOME/tsmem`` or ``~/.cache/tsmem``,

laid out as ``ett/ETTh1.csv.gz``, ``m4/Hourly-train.csv.gz``, ... (see
:attr:`DatasetInfo.files`). Each file is also found under its other
compression: ``ett/ETTh1.csv`` for ``ett/ETTh1.csv.gz``, and
``autoformer/national_illness.csv.gz`` for ``autoformer/national_illness.csv``. tsmem never
downloads anything: a missing file raises a ``FileNotFoundError`` that names
every path looked at, the upstream source and where to put the file.

What :func:`load_dataset` returns
---------------------------------
- ETT, weather, ILI: a wide ``DataFrame`` indexed by a ``DatetimeIndex`` named
  ``date``, every channel a float column in the file's order (target ``OT``
  last). The index carries its frequency when the timestamps are regular;
  weather's are not (a repeated timestamp and a 100-minute gap in the
  distributed file, kept as is), so its ``index.freq`` is ``None``.
- exchange_rate: a wide ``DataFrame`` with a ``RangeIndex`` (the file has no
  timestamps, and none are invented) and one column per country.
- m4_hourly, m4_weekly: a long ``DataFrame`` with columns ``unique_id``,
  ``ds``, ``y`` (Nixtla's convention): each series' training values followed
  by its 48 (13) test values, series in M4 order (H1..H414), time ascending.
- bundled: a ``pd.Series`` with a ``DatetimeIndex`` named ``date`` and its
  frequency set.

Standard splits
---------------
:func:`standard_split` cuts what :func:`load_dataset` returns into
``(train, val, test)`` following each benchmark's published protocol;
:func:`split_borders` gives the same borders as row positions for windowing
code. See :attr:`DatasetInfo.split` for each dataset's rule.
"""

from __future__ import annotations

import importlib.resources
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, NamedTuple

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

__all__ = [
    "DatasetInfo",
    "dataset_info",
    "list_datasets",
    "load_dataset",
    "split_borders",
    "standard_split",
]

DATA_DIR_ENV = "TSMEM_DATA_DIR"
_BUNDLED_PACKAGE = "tsmem._bundled"

# What a reader gets for each file: a local path, or an open handle on a bundled resource.
_Source = Path | IO[bytes]
Borders = tuple[int, int, int, int]


@dataclass(frozen=True)
class DatasetInfo:
    """What tsmem knows about a dataset: provenance, shape of the data, protocol.

    Attributes
    ----------
    name : str
        Registry name, lower case.
    description : str
        What the data are, with their quirks.
    frequency : str or None
        Pandas offset alias of the time step (``"h"``, ``"15min"``, ``"MS"``,
        ...); ``None`` when the file has no timestamps.
    target : tuple of str
        Target column(s) of the standard task (``("y",)`` for the long M4 frames).
    season_length : int
        Dominant seasonal period in steps (seasonal naive lag, MASE lag).
    horizons : tuple of int
        Forecast horizons of the standard protocol (see ``protocol``).
    lookback : int or None
        Standard input length, ``None`` where the protocol fixes none.
    protocol : str
        The evaluation protocol the horizons, lookback and split come from,
        and common alternatives.
    split : str
        The rule :func:`standard_split` applies.
    citation : str
        What to cite.
    source : str
        Upstream repository, path and commit of the file(s).
    files : tuple of str
        File paths relative to the data directory (bundled: to ``tsmem._bundled``).
    bundled : bool
        Whether the data ship inside the package.
    """

    name: str
    description: str
    frequency: str | None
    target: tuple[str, ...]
    season_length: int
    horizons: tuple[int, ...]
    lookback: int | None
    protocol: str
    split: str
    citation: str
    source: str
    files: tuple[str, ...]
    bundled: bool


# ---------------------------------------------------------------------------
# Split rules: n_rows -> (0, train_end, val_end, test_end), half-open borders
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Readers: (info, sources) -> the pandas object load_dataset returns
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------

# Upstream of every benchmark file (relative path in the data directory -> source),
# quoted in the missing-file error so the user can fetch it themselves.
_UPSTREAM = {
    "ett/ETTh1.csv.gz": "zhouhaoyi/ETDataset, ETT-small/ETTh1.csv "
    "(commit 1d16c8f4f943005d613b5bc962e9eeb06058cf07)",
    "ett/ETTh2.csv.gz": "zhouhaoyi/ETDataset, ETT-small/ETTh2.csv "
    "(commit 1d16c8f4f943005d613b5bc962e9eeb06058cf07)",
    "ett/ETTm1.csv.gz": "zhouhaoyi/ETDataset, ETT-small/ETTm1.csv (identical gzip copy: "
    "ljnvs/HiCR-Mamba, datasets/ETT-small/ETTm1.csv.gz, commit d472c100956ed4373e9ca3700481ce88f8f1e4dd)",
    "ett/ETTm2.csv.gz": "zhouhaoyi/ETDataset, ETT-small/ETTm2.csv (identical gzip copy: "
    "ljnvs/HiCR-Mamba, datasets/ETT-small/ETTm2.csv.gz, commit d472c100956ed4373e9ca3700481ce88f8f1e4dd)",
    "m4/Hourly-train.csv.gz": "Mcompetitions/M4-methods, Dataset/Train/Hourly-train.csv "
    "(commit 6c1067e5a57161249b17289a565178dc7a3fb3ca)",
    "m4/Hourly-test.csv.gz": "Mcompetitions/M4-methods, Dataset/Test/Hourly-test.csv "
    "(commit 6c1067e5a57161249b17289a565178dc7a3fb3ca)",
    "m4/Weekly-train.csv.gz": "Mcompetitions/M4-methods, Dataset/Train/Weekly-train.csv "
    "(commit 6c1067e5a57161249b17289a565178dc7a3fb3ca)",
    "m4/Weekly-test.csv.gz": "Mcompetitions/M4-methods, Dataset/Test/Weekly-test.csv "
    "(commit 6c1067e5a57161249b17289a565178dc7a3fb3ca)",
    "m4/m4_series_info_hourly_weekly.csv": "built for tsmem's benchmark data folder from the "
    "Monash Forecasting Repository's m4_hourly_dataset.tsf / m4_weekly_dataset.tsf (start "
    "timestamps) and the M4 train files (columns M4id,SP,start_timestamp,n_train,horizon,"
    "mase_period); see the benchmark data README, section 2",
    "lstnet/exchange_rate.txt.gz": "laiguokun/multivariate-time-series-data, "
    "exchange_rate/exchange_rate.txt.gz (commit 7f402f185cc2435b5e66aed13a3b560ed142e023)",
    "autoformer/weather.csv.gz": "Autoformer's weather.csv; verbatim gzip copy: ljnvs/HiCR-Mamba, "
    "datasets/weather/weather.csv.gz (commit d472c100956ed4373e9ca3700481ce88f8f1e4dd)",
    "autoformer/national_illness.csv": "Autoformer's national_illness.csv; verbatim copy: "
    "junwoopark92/Self-Supervised-Contrastive-Forecsating, dataset/illness/national_illness.csv "
    "(commit f394705adbf5217811276f5e59576c6e7ea7586c)",
}

_BUNDLED_SOURCE = (
    "jbrownlee/Datasets (commit d20fcb6402ae34e653d4513b00f39257bb37ed7f), "
    "from Hyndman's Time Series Data Library; see datasets/README.md"
)

_INFORMER = (
    "Zhou et al., 'Informer: Beyond Efficient Transformer for Long Sequence Time-Series "
    "Forecasting', AAAI 2021"
)
_AUTOFORMER = (
    "Wu et al., 'Autoformer: Decomposition Transformers with Auto-Correlation for Long-Term "
    "Series Forecasting', NeurIPS 2021"
)
_LSTNET = (
    "Lai et al., 'Modeling Long- and Short-Term Temporal Patterns with Deep Neural Networks', "
    "SIGIR 2018"
)
_M4 = (
    "Makridakis, Spiliotis & Assimakopoulos, 'The M4 Competition: 100,000 time series and "
    "61 forecasting methods', IJF 2020"
)
_TSDL = "Hyndman, R.J., Time Series Data Library (via jbrownlee/Datasets)"


class _Entry(NamedTuple):
    info: DatasetInfo
    read: Callable[[DatasetInfo, Sequence[_Source]], pd.DataFrame | pd.Series]
    borders: Callable[[int], Borders]


def _ett_entry(name: str, file_stem: str, hourly: bool) -> _Entry:
    scale = 1 if hourly else 4  # ETTm has 4 rows per hour: every border is multiplied by 4
    train_end, val_end, test_end = 8640 * scale, 11520 * scale, 14400 * scale
    horizons = (24, 48, 168, 336, 720) if hourly else (24, 48, 96, 288, 672)
    relpath = f"ett/{file_stem}.csv.gz"
    info = DatasetInfo(
        name=name,
        description=(
            f"Electricity Transformer Temperature, {file_stem}: 6 load channels and the oil "
            f"temperature OT, every {'hour' if hourly else '15 minutes'} from 2016-07-01 00:00 "
            f"to 2018-06-26 {'19:00' if hourly else '19:45'} ({17420 * scale} rows, no gaps). "
            "Licence CC BY-ND 4.0: redistribute only unmodified files."
        ),
        frequency="h" if hourly else "15min",
        target=("OT",),
        season_length=24 * scale,
        horizons=horizons,
        lookback=96,
        protocol=(
            "Informer univariate (target OT): horizons "
            f"{'/'.join(map(str, horizons))}, MSE/MAE on the train-standardised scale, test "
            "windows with stride 1. Long-horizon protocol (Autoformer and later, multivariate): "
            "horizons 96/192/336/720 with lookback 96 (DLinear, PatchTST: 336)."
        ),
        split=(
            f"Informer rows [0, {train_end}) / [{train_end}, {val_end}) / [{val_end}, "
            f"{test_end}) (12/4/4 months of 30 days); the last {17420 * scale - test_end} rows "
            "are not used."
        ),
        citation=_INFORMER,
        source=_UPSTREAM[relpath],
        files=(relpath,),
        bundled=False,
    )
    return _Entry(info, _read_dated_wide, _fixed_borders(train_end, val_end, test_end))


def _m4_entry(name: str, period: str) -> _Entry:
    hourly = period == "Hourly"
    horizon = 48 if hourly else 13
    files = (
        f"m4/{period}-train.csv.gz",
        f"m4/{period}-test.csv.gz",
        "m4/m4_series_info_hourly_weekly.csv",
    )
    weekly_note = (
        " Weekly start timestamps fall on different weekdays (mostly Wednesday, Friday or "
        "Saturday, at 12:00), so the step is a fixed 7 days rather than one W-<day> anchor."
    )
    info = DatasetInfo(
        name=name,
        description=(
            f"M4 competition, {period} subset: "
            + (
                "414 series H1..H414 with 700 or 960 training points"
                if hourly
                else "359 series W1..W359 with 80 to 2597 training points"
            )
            + f" and {horizon} test points each. Timestamps start at each series' "
            "start_timestamp from the Monash Forecasting Repository."
            + ("" if hourly else weekly_note)
        ),
        frequency="h" if hourly else "7D",
        target=("y",),
        season_length=24 if hourly else 1,
        horizons=(horizon,),
        lookback=None,
        protocol=(
            f"M4: forecast the last {horizon} points of every series; sMAPE and MASE "
            f"(m = {24 if hourly else 1}) averaged over series, OWA relative to Naive2"
            + (" (Naive2 on Hourly: sMAPE 18.383, MASE 2.395)." if hourly else ".")
        ),
        split=(
            f"Per series: test = the last {horizon} points (the M4 test file); val = the {horizon} "
            "points before (tsmem's choice: M4 has no validation set); train = the rest."
        ),
        citation=_M4,
        source="; ".join(_UPSTREAM[path] for path in files),
        files=files,
        bundled=False,
    )
    return _Entry(info, _read_m4, _last_two_blocks(horizon))


def _autoformer_entry(
    name: str,
    relpath: str,
    description: str,
    frequency: str,
    season_length: int,
    horizons: tuple[int, ...],
    lookback: int,
) -> _Entry:
    info = DatasetInfo(
        name=name,
        description=description,
        frequency=frequency,
        target=("OT",),
        season_length=season_length,
        horizons=horizons,
        lookback=lookback,
        protocol=(
            f"Autoformer long-term forecasting: lookback {lookback}, horizons "
            f"{'/'.join(map(str, horizons))}, MSE/MAE on the train-standardised scale."
        ),
        split="Autoformer 70/10/20: num_train = int(N*0.7), num_test = int(N*0.2), val the rest.",
        citation=_AUTOFORMER,
        source=_UPSTREAM[relpath],
        files=(relpath,),
        bundled=False,
    )
    return _Entry(info, _read_dated_wide, _autoformer_borders)


def _bundled_entry(
    name: str,
    filename: str,
    series_name: str,
    description: str,
    frequency: str,
    season_length: int,
    horizons: tuple[int, ...],
    holdout: int,
    protocol: str,
) -> _Entry:
    info = DatasetInfo(
        name=name,
        description=description,
        frequency=frequency,
        target=(series_name,),
        season_length=season_length,
        horizons=horizons,
        lookback=None,
        protocol=protocol,
        split=(
            f"test = the last {holdout} points (one year), val = the {holdout} before, "
            "train = the rest."
        ),
        citation=_TSDL,
        source=_BUNDLED_SOURCE,
        files=(filename,),
        bundled=True,
    )
    read = partial(_read_bundled_series, series_name=series_name)
    return _Entry(info, read, _last_two_blocks(holdout))


_ENTRIES: dict[str, _Entry] = {
    entry.info.name: entry
    for entry in (
        _ett_entry("etth1", "ETTh1", hourly=True),
        _ett_entry("etth2", "ETTh2", hourly=True),
        _ett_entry("ettm1", "ETTm1", hourly=False),
        _ett_entry("ettm2", "ETTm2", hourly=False),
        _m4_entry("m4_hourly", "Hourly"),
        _m4_entry("m4_weekly", "Weekly"),
        _Entry(
            DatasetInfo(
                name="exchange_rate",
                description=(
                    "Daily exchange rates of 8 countries (Australia, British, Canada, Switzerland, "
                    "China, Japan, New Zealand, Singapore; order from the upstream README), "
                    "1990-2016 per that README, 7588 rows. The file has no timestamps, so the "
                    "index is a RangeIndex. (Autoformer's exchange_rate.csv is the same matrix "
                    "with synthetic dates and columns 6/7 swapped.)"
                ),
                frequency=None,
                target=_EXCHANGE_RATE_COUNTRIES,
                season_length=1,
                horizons=(3, 6, 12, 24),
                lookback=168,
                protocol=(
                    "LSTNet: all 8 channels, horizons 3/6/12/24 (the value h steps after the "
                    "window), window 24*7 = 168, RSE and CORR. Autoformer and later use a 70/10/20 "
                    "split and horizons 96/192/336/720 instead."
                ),
                split=(
                    "LSTNet 60/20/20: rows [0, int(0.6N)) / [int(0.6N), int(0.8N)) / "
                    "[int(0.8N), N)."
                ),
                citation=_LSTNET,
                source=_UPSTREAM["lstnet/exchange_rate.txt.gz"],
                files=("lstnet/exchange_rate.txt.gz",),
                bundled=False,
            ),
            _read_exchange_rate,
            _lstnet_borders,
        ),
        _autoformer_entry(
            "weather",
            "autoformer/weather.csv.gz",
            description=(
                "Jena weather station (Max Planck Institute for Biogeochemistry), 21 channels "
                "every 10 minutes from 2020-01-01 00:10 to 2021-01-01 00:00, 52696 rows, target "
                "OT last. Quirks of the distributed file, kept as is: row 19044 repeats the "
                "timestamp 2020-05-12 06:00, and there is a 1 h 40 min gap after 2020-05-29 "
                "09:30; so index.freq is None (the nominal step is 10 min). Three column names "
                "contain U+FFFD characters, as distributed."
            ),
            frequency="10min",
            season_length=144,
            horizons=(96, 192, 336, 720),
            lookback=96,
        ),
        _autoformer_entry(
            "ili",
            "autoformer/national_illness.csv",
            description=(
                "CDC ILINet influenza-like illness, weekly (Tuesdays) from 2002-01-01 to "
                "2020-06-30, 966 rows, 7 channels, target OT (ILINet's total patients) last."
            ),
            frequency="W-TUE",
            season_length=52,
            horizons=(24, 36, 48, 60),
            lookback=36,
        ),
        _bundled_entry(
            "air_passengers",
            "airline-passengers.csv",
            series_name="passengers",
            description=(
                "Monthly international airline passengers in thousands, 1949-01 to 1960-12, "
                "144 points (Box & Jenkins' series G)."
            ),
            frequency="MS",
            season_length=12,
            horizons=(12, 24),
            holdout=12,
            protocol=(
                "Common practice: hold out the last 12 or 24 months; Box-Jenkins' 'airline "
                "model' is a SARIMA(0,1,1)(0,1,1)12 on the log series."
            ),
        ),
        _bundled_entry(
            "sunspots",
            "monthly-sunspots.csv",
            series_name="sunspots",
            description=(
                "Monthly mean sunspot numbers, 1749-01 to 1983-12, 2820 points. The dominant "
                "period is the ~11-year solar cycle (about 132 months, not exact), which is "
                "what season_length records; there is no calendar seasonality."
            ),
            frequency="MS",
            season_length=132,
            horizons=(12,),
            holdout=12,
            protocol=(
                "No standard protocol. A solar cycle is about 132 months, so a lookback "
                "of at least that shows a model one full cycle."
            ),
        ),
        _bundled_entry(
            "melbourne_temp",
            "daily-min-temperatures.csv",
            series_name="min_temperature",
            description=(
                "Daily minimum temperature in Melbourne (deg C), 1981-01-01 to 1990-12-31. The "
                "file has 3650 rows: 1984-12-31 and 1988-12-31 are missing. load_dataset "
                "reindexes to the daily calendar, so the Series has 3652 points with NaN on "
                "those two days; fill them (e.g. by interpolation) before fitting."
            ),
            frequency="D",
            season_length=365,
            horizons=(365,),
            holdout=365,
            protocol="Common practice: hold out the last year.",
        ),
    )
}


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def list_datasets() -> list[str]:
    """Names of all registered datasets, benchmarks first, then the bundled ones.

    Examples
    --------
    >>> "etth1" in list_datasets()
    True
    """
    return list(_ENTRIES)


def _entry(name_or_info: str | DatasetInfo) -> _Entry:
    """Registry entry for a name (case-insensitive) or a DatasetInfo."""
    if isinstance(name_or_info, DatasetInfo):
        name_or_info = name_or_info.name
    if not isinstance(name_or_info, str):
        raise TypeError(
            f"Expected a dataset name or DatasetInfo; got {type(name_or_info).__name__}."
        )
    key = name_or_info.strip().lower()
    if key not in _ENTRIES:
        raise ValueError(f"Unknown dataset {name_or_info!r}; choose one of {list_datasets()}.")
    return _ENTRIES[key]


def dataset_info(name: str) -> DatasetInfo:
    """Describe a dataset without reading it.

    Parameters
    ----------
    name : str
        Registry name (case-insensitive), see :func:`list_datasets`.

    Returns
    -------
    DatasetInfo

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.

    Examples
    --------
    >>> info = dataset_info("ETTh1")
    >>> info.frequency, info.season_length, info.horizons
    ('h', 24, (24, 48, 168, 336, 720))
    """
    return _entry(name).info


def load_dataset(
    name: str, data_dir: str | os.PathLike[str] | None = None
) -> pd.DataFrame | pd.Series:
    """Read a registered dataset into pandas, timestamps kept.

    Parameters
    ----------
    name : str
        Registry name (case-insensitive), see :func:`list_datasets`.
    data_dir : str or path-like, optional
        Folder holding the benchmark files (layout ``ett/ETTh1.csv.gz``, ...).
        Defaults to ``$TSMEM_DATA_DIR``, then ``$XDG_CACHE_HOME/tsmem`` or
        ``~/.cache/tsmem``. Ignored for bundled datasets.

    Returns
    -------
    pandas.DataFrame or pandas.Series
        Wide DataFrame (ETT, weather, ILI, exchange_rate), long ``unique_id,
        ds, y`` DataFrame (M4), or Series (bundled); see the module docstring.

    Raises
    ------
    ValueError
        For an unknown name.
    FileNotFoundError
        When a benchmark file is not in the data directory; the message says
        where tsmem looked, the upstream source, and where to put the file.

    Examples
    --------
    >>> y = load_dataset("air_passengers")
    >>> y.index.freqstr, len(y), float(y.iloc[0])
    ('MS', 144, 112.0)
    """
    entry = _entry(name)
    if entry.info.bundled:
        return _load_bundled(entry)
    return entry.read(entry.info, _locate_files(entry.info, data_dir))


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


# ---------------------------------------------------------------------------
# Finding files
# ---------------------------------------------------------------------------


def _load_bundled(entry: _Entry) -> pd.Series:
    """Read a bundled file through importlib.resources, so it works from a wheel too."""
    resource = importlib.resources.files(_BUNDLED_PACKAGE).joinpath(entry.info.files[0])
    with resource.open("rb") as handle:
        return entry.read(entry.info, [handle])


def _data_root(data_dir: str | os.PathLike[str] | None) -> tuple[Path, str]:
    """The data directory in effect and a phrase saying why it was chosen."""
    if data_dir is not None:
        return Path(data_dir).expanduser(), "the data_dir argument"
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser(), f"the {DATA_DIR_ENV} environment variable"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "tsmem", (
        f"the default cache directory (neither data_dir nor {DATA_DIR_ENV} was given)"
    )


def _name_variants(relpath: str) -> list[str]:
    """The registered name first, then the same file (un)compressed."""
    alternative = relpath.removesuffix(".gz") if relpath.endswith(".gz") else relpath + ".gz"
    return [relpath, alternative]


def _locate_files(info: DatasetInfo, data_dir: str | os.PathLike[str] | None) -> list[Path]:
    """Path of each of the dataset's files, or one FileNotFoundError listing all missing ones."""
    root, why = _data_root(data_dir)
    found, missing = [], []
    for relpath in info.files:
        candidates = [root / variant for variant in _name_variants(relpath)]
        existing = [path for path in candidates if path.is_file()]
        if existing:
            found.append(existing[0])
        else:
            looked = " and ".join(str(path) for path in candidates)
            missing.append(
                f"  - {relpath}: looked for {looked}\n"
                f"    upstream: {_UPSTREAM.get(relpath, info.source)}"
            )
    if missing:
        raise FileNotFoundError(
            f"Dataset {info.name!r} is not bundled with tsmem and {len(missing)} of its "
            f"files are missing from the data directory {root} (from {why}):\n"
            + "\n".join(missing)
            + f"\nPut each file at the path shown (gzipped or not), or point data_dir= or "
            f"{DATA_DIR_ENV} at a folder with this layout. tsmem never downloads data."
        )
    return found
