"""The registry: every dataset's :class:`DatasetInfo`, reader and split rule, by name.

``_ENTRIES`` maps each lower-case name to an ``_Entry``, built by one helper per
family (ETT, M4, Autoformer, bundled) plus exchange_rate spelled out in full.
:func:`list_datasets` and :func:`dataset_info` answer from it without reading
any data, and ``_entry`` is the one lookup the rest of the package goes through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple

import pandas as pd

from tsmem.datasets.borders import (
    _autoformer_borders,
    _fixed_borders,
    _last_two_blocks,
    _lstnet_borders,
)
from tsmem.datasets.info import Borders, DatasetInfo, _Source
from tsmem.datasets.provenance import (
    _AUTOFORMER,
    _BUNDLED_SOURCE,
    _INFORMER,
    _LSTNET,
    _M4,
    _TSDL,
    _UPSTREAM,
)
from tsmem.datasets.readers import (
    _EXCHANGE_RATE_COUNTRIES,
    _read_bundled_series,
    _read_dated_wide,
    _read_exchange_rate,
    _read_m4,
)


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
