"""Tests of the dataset registry: bundled data, file lookup, errors, standard splits.

Tests marked by ``needs_benchmark_data`` read the real benchmark files and run
only when TSMEM_DATA_DIR points at them; everything else runs offline on the
bundled series and on small synthetic files written to a tmp dir.
"""

import doctest
import gzip
import os
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tsmem.datasets
from tsmem.datasets import (
    DatasetInfo,
    dataset_info,
    list_datasets,
    load_dataset,
    split_borders,
    standard_split,
)

BENCHMARKS = [
    "etth1",
    "etth2",
    "ettm1",
    "ettm2",
    "m4_hourly",
    "m4_weekly",
    "exchange_rate",
    "weather",
    "ili",
]
BUNDLED = ["air_passengers", "sunspots", "melbourne_temp"]


@pytest.fixture
def no_data_dir(monkeypatch, tmp_path):
    """No TSMEM_DATA_DIR and an empty user cache: only bundled data can load."""
    monkeypatch.delenv("TSMEM_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------


def test_registry_lists_every_dataset():
    assert list_datasets() == BENCHMARKS + BUNDLED


@pytest.mark.parametrize("name", BENCHMARKS + BUNDLED)
def test_info_is_consistent(name):
    info = dataset_info(name.upper())
    assert isinstance(info, DatasetInfo)
    assert info.name == name
    assert info.bundled == (name in BUNDLED)
    assert info.files and info.citation and info.source and info.split
    assert info.season_length >= 1 and all(h > 0 for h in info.horizons)
    with pytest.raises(FrozenInstanceError):
        info.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("call", [dataset_info, load_dataset, lambda name: split_borders(name, 10)])
def test_unknown_name_lists_valid_names(call):
    with pytest.raises(ValueError, match=r"Unknown dataset 'etth3'.*'etth1'.*'air_passengers'"):
        call("etth3")


def test_docstring_examples_run():
    failures, tried = doctest.testmod(tsmem.datasets, verbose=False)
    assert tried > 0
    assert failures == 0


# ---------------------------------------------------------------------------
# Bundled series (no data directory needed)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "length", "freq", "first", "last", "series_name"),
    [
        ("air_passengers", 144, "MS", "1949-01-01", "1960-12-01", "passengers"),
        ("sunspots", 2820, "MS", "1749-01-01", "1983-12-01", "sunspots"),
        ("melbourne_temp", 3652, "D", "1981-01-01", "1990-12-31", "min_temperature"),
    ],
)
def test_bundled_series_load_without_a_data_dir(
    no_data_dir, name, length, freq, first, last, series_name
):
    y = load_dataset(name)
    assert isinstance(y, pd.Series)
    assert y.name == series_name and y.dtype == float
    assert isinstance(y.index, pd.DatetimeIndex) and y.index.name == "date"
    assert len(y) == length
    assert y.index.freqstr == freq == dataset_info(name).frequency
    assert y.index[0] == pd.Timestamp(first)
    assert y.index[-1] == pd.Timestamp(last)


def test_bundled_values_match_the_files():
    passengers = load_dataset("air_passengers")
    assert (passengers.iloc[0], passengers.iloc[-1]) == (112.0, 432.0)
    assert load_dataset("sunspots").iloc[0] == 58.0
    assert load_dataset("melbourne_temp").iloc[0] == 20.7


def test_melbourne_missing_leap_days_are_nan():
    y = load_dataset("melbourne_temp")
    missing = y.index[y.isna()]
    assert list(missing) == [pd.Timestamp("1984-12-31"), pd.Timestamp("1988-12-31")]
    assert y.notna().sum() == 3650


def test_bundled_ignores_data_dir(tmp_path):
    assert len(load_dataset("air_passengers", data_dir=tmp_path / "nowhere")) == 144


def _not_installed(monkeypatch):
    """As in a source checkout imported through PYTHONPATH: no tsmem._bundled package."""
    import importlib.resources

    real = importlib.resources.files

    def files(anchor):
        if anchor == "tsmem._bundled":
            raise ModuleNotFoundError("No module named 'tsmem._bundled'")
        return real(anchor)

    monkeypatch.setattr(importlib.resources, "files", files)


def test_bundled_files_load_from_a_source_checkout(monkeypatch):
    _not_installed(monkeypatch)
    assert load_dataset("air_passengers").iloc[-1] == 432.0


def test_bundled_files_missing_altogether_is_a_clear_error(monkeypatch, tmp_path):
    import tsmem.datasets.files as files

    _not_installed(monkeypatch)
    monkeypatch.setattr(files, "__file__", str(tmp_path / "tsmem" / "datasets" / "files.py"))
    with pytest.raises(FileNotFoundError, match=r"bundled datasets are missing.*pip install"):
        load_dataset("air_passengers")


# ---------------------------------------------------------------------------
# Missing files
# ---------------------------------------------------------------------------


def test_missing_file_error_says_where_it_looked_and_where_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        load_dataset("ETTh1", data_dir=tmp_path)
    message = str(caught.value)
    assert "'etth1'" in message
    assert str(tmp_path / "ett" / "ETTh1.csv.gz") in message
    assert str(tmp_path / "ett" / "ETTh1.csv") in message
    assert "zhouhaoyi/ETDataset" in message and "ETT-small/ETTh1.csv" in message
    assert "data_dir argument" in message
    assert "TSMEM_DATA_DIR" in message


def test_missing_file_error_lists_every_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        load_dataset("m4_hourly", data_dir=tmp_path)
    message = str(caught.value)
    for relpath in ("m4/Hourly-train.csv.gz", "m4/Hourly-test.csv.gz"):
        assert str(tmp_path / relpath) in message
    # The series table ships inside tsmem: never reported missing.
    assert "m4_series_info_hourly_weekly" not in message
    assert "Mcompetitions/M4-methods" in message


def test_env_var_then_user_cache_are_searched(monkeypatch, tmp_path):
    monkeypatch.setenv("TSMEM_DATA_DIR", str(tmp_path / "from-env"))
    with pytest.raises(FileNotFoundError, match="TSMEM_DATA_DIR environment variable"):
        load_dataset("ili")
    monkeypatch.delenv("TSMEM_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError) as caught:
        load_dataset("ili")
    assert str(tmp_path / "cache" / "tsmem" / "autoformer" / "national_illness.csv") in str(
        caught.value
    )
    assert "default cache directory" in str(caught.value)


# ---------------------------------------------------------------------------
# Readers, on small synthetic files in the benchmark layout
# ---------------------------------------------------------------------------


def test_uncompressed_ett_file_loads_with_its_frequency(tmp_path):
    (tmp_path / "ett").mkdir()
    dates = pd.date_range("2016-07-01", periods=5, freq="h")
    frame = pd.DataFrame(
        {
            column: np.arange(5.0)
            for column in ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
        },
        index=pd.Index(dates, name="date"),
    )
    frame.to_csv(tmp_path / "ett" / "ETTh1.csv")  # no .gz: the plain name is accepted too
    loaded = load_dataset("etth1", data_dir=tmp_path)
    assert loaded.index.freqstr == "h"
    assert list(loaded.columns)[-1] == "OT"
    assert (loaded.dtypes == "float64").all()


def test_gzipped_exchange_rate_has_a_range_index_and_country_columns(tmp_path):
    (tmp_path / "lstnet").mkdir()
    with gzip.open(tmp_path / "lstnet" / "exchange_rate.txt.gz", "wt") as handle:
        handle.write("0.5,1.6,0.8,0.6,0.2,0.006,0.59,0.52\n" * 3)
    loaded = load_dataset("exchange_rate", data_dir=tmp_path)
    assert isinstance(loaded.index, pd.RangeIndex) and len(loaded) == 3
    assert list(loaded.columns) == list(dataset_info("exchange_rate").target)
    assert loaded.columns[0] == "Australia" and loaded.columns[-1] == "Singapore"


def _write_m4_hourly(root: Path, train_lengths: list[int], starts: list[str]) -> list[np.ndarray]:
    """Write R-style M4 Hourly files for a few series; return each full series."""
    (root / "m4").mkdir()
    horizon = 48
    ids = [f"H{i + 1}" for i in range(len(train_lengths))]
    full = [np.arange(n + horizon, dtype=float) + 1000 * i for i, n in enumerate(train_lengths)]
    width = max(train_lengths)
    train = pd.DataFrame(
        [np.pad(y[:-horizon], (0, width - len(y) + horizon), constant_values=np.nan) for y in full],
        index=ids,
        columns=[f"V{j}" for j in range(2, width + 2)],
    )
    test = pd.DataFrame(
        [y[-horizon:] for y in full], index=ids, columns=[f"V{j}" for j in range(2, horizon + 2)]
    )
    train.rename_axis("V1").to_csv(root / "m4" / "Hourly-train.csv.gz")
    test.rename_axis("V1").to_csv(root / "m4" / "Hourly-test.csv.gz")
    pd.DataFrame(
        {
            "M4id": ids,
            "SP": "Hourly",
            "start_timestamp": starts,
            "n_train": train_lengths,
            "horizon": horizon,
            "mase_period": 24,
        }
    ).to_csv(root / "m4" / "m4_series_info_hourly_weekly.csv", index=False)
    return full


def test_m4_reader_builds_the_long_frame(tmp_path):
    full = _write_m4_hourly(tmp_path, [100, 130], ["2015-07-01 12:00:00", "2016-01-02 03:00:00"])
    long = load_dataset("m4_hourly", data_dir=tmp_path)
    assert list(long.columns) == ["unique_id", "ds", "y"]
    assert list(long["unique_id"].unique()) == ["H1", "H2"]
    for uid, expected, start in zip(
        ["H1", "H2"], full, ["2015-07-01 12:00", "2016-01-02 03:00"], strict=True
    ):
        one = long[long["unique_id"] == uid]
        np.testing.assert_array_equal(one["y"].to_numpy(), expected)
        assert one["ds"].iloc[0] == pd.Timestamp(start)
        assert (one["ds"].diff().iloc[1:] == pd.Timedelta(hours=1)).all()


def test_m4_reader_rejects_lengths_that_disagree_with_the_info_file(tmp_path):
    _write_m4_hourly(tmp_path, [100, 130], ["2015-07-01 12:00:00"] * 2)
    info_path = tmp_path / "m4" / "m4_series_info_hourly_weekly.csv"
    info = pd.read_csv(info_path)
    info.loc[0, "n_train"] = 99
    info.to_csv(info_path, index=False)
    with pytest.raises(ValueError, match="train lengths disagree"):
        load_dataset("m4_hourly", data_dir=tmp_path)


# ---------------------------------------------------------------------------
# Standard splits
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "n_rows", "borders"),
    [
        ("etth1", 17420, (0, 8640, 11520, 14400)),
        ("ettm2", 69680, (0, 34560, 46080, 57600)),
        ("exchange_rate", 7588, (0, 4552, 6070, 7588)),
        ("weather", 52696, (0, 36887, 42157, 52696)),
        ("ili", 966, (0, 676, 773, 966)),
        ("m4_hourly", 748, (0, 652, 700, 748)),
        ("m4_weekly", 93, (0, 67, 80, 93)),
        ("air_passengers", 144, (0, 120, 132, 144)),
        ("melbourne_temp", 3652, (0, 2922, 3287, 3652)),
    ],
)
def test_split_borders_follow_the_published_protocols(name, n_rows, borders):
    assert split_borders(name, n_rows) == borders


def test_split_borders_reject_too_few_rows():
    with pytest.raises(ValueError, match="too few for the standard split"):
        split_borders("etth1", 14000)


def _assert_ordered_without_leaks(train, val, test, lookback=0):
    """Scored val/test rows come after all rows before them; context rows are the rows just before."""
    assert train.index.max() < val.index[lookback]
    assert val.index.max() < test.index[lookback]
    if lookback:
        assert val.index[:lookback].equals(train.index[-lookback:])
        assert test.index[:lookback].equals(val.index[-lookback:])


@pytest.mark.parametrize("lookback", [0, 24])
def test_bundled_split_holds_out_the_last_year(lookback):
    y = load_dataset("air_passengers")
    train, val, test = standard_split("air_passengers", y, lookback=lookback)
    assert (len(train), len(val), len(test)) == (120, 12 + lookback, 12 + lookback)
    assert test.index[lookback] == pd.Timestamp("1960-01-01")
    assert val.index[lookback] == pd.Timestamp("1959-01-01")
    _assert_ordered_without_leaks(train, val, test, lookback)
    # Context rows are copies of what precedes the border, the scored rows are unchanged.
    pd.testing.assert_series_equal(test.iloc[lookback:], y.iloc[-12:])


def test_ett_split_on_a_frame_of_the_right_length():
    frame = pd.DataFrame({"OT": np.arange(17420.0)})
    train, val, test = standard_split(dataset_info("etth1"), frame, lookback=96)
    assert (len(train), len(val), len(test)) == (8640, 2880 + 96, 2880 + 96)
    assert test["OT"].iloc[-1] == 14399  # the tail after row 14400 is unused
    _assert_ordered_without_leaks(train, val, test, lookback=96)


def test_split_rejects_bad_lookback():
    y = load_dataset("air_passengers")
    with pytest.raises(ValueError, match="reaches before the first row"):
        standard_split("air_passengers", y, lookback=121)
    with pytest.raises(ValueError, match="non-negative int"):
        standard_split("air_passengers", y, lookback=-1)


def test_m4_split_is_per_series(tmp_path):
    _write_m4_hourly(tmp_path, [100, 130], ["2015-07-01 12:00:00"] * 2)
    long = load_dataset("m4_hourly", data_dir=tmp_path)
    train, val, test = standard_split("m4_hourly", long, lookback=10)
    sizes = [part.groupby("unique_id").size().to_dict() for part in (train, val, test)]
    assert sizes == [{"H1": 52, "H2": 82}, {"H1": 58, "H2": 58}, {"H1": 58, "H2": 58}]
    for uid in ["H1", "H2"]:
        last_train = train.loc[train["unique_id"] == uid, "ds"].max()
        scored_val = val[val["unique_id"] == uid].iloc[10:]
        scored_test = test[test["unique_id"] == uid].iloc[10:]
        assert last_train < scored_val["ds"].min()
        assert scored_val["ds"].max() < scored_test["ds"].min()
        assert len(scored_test) == 48


# ---------------------------------------------------------------------------
# The real benchmark files (only with TSMEM_DATA_DIR)
# ---------------------------------------------------------------------------

needs_benchmark_data = pytest.mark.skipif(
    not os.environ.get("TSMEM_DATA_DIR"),
    reason="set TSMEM_DATA_DIR to the benchmark data folder to check the real files",
)


@needs_benchmark_data
@pytest.mark.parametrize(
    ("name", "shape", "first", "last", "freq"),
    [
        ("etth1", (17420, 7), "2016-07-01 00:00", "2018-06-26 19:00", "h"),
        ("etth2", (17420, 7), "2016-07-01 00:00", "2018-06-26 19:00", "h"),
        ("ettm1", (69680, 7), "2016-07-01 00:00", "2018-06-26 19:45", "15min"),
        ("ettm2", (69680, 7), "2016-07-01 00:00", "2018-06-26 19:45", "15min"),
        ("weather", (52696, 21), "2020-01-01 00:10", "2021-01-01 00:00", None),
        ("ili", (966, 7), "2002-01-01", "2020-06-30", "W-TUE"),
    ],
)
def test_dated_benchmarks_match_the_data_readme(name, shape, first, last, freq):
    data = load_dataset(name)
    assert data.shape == shape
    assert data.index.name == "date"
    assert (data.index[0], data.index[-1]) == (pd.Timestamp(first), pd.Timestamp(last))
    assert data.index.freqstr == freq  # None for weather: irregular timestamps
    assert data.columns[-1] == "OT" and (data.dtypes == "float64").all()
    assert not data.isna().any().any()


@needs_benchmark_data
def test_exchange_rate_matches_the_data_readme():
    data = load_dataset("exchange_rate")
    assert data.shape == (7588, 8) and isinstance(data.index, pd.RangeIndex)
    assert data.to_numpy().min() == pytest.approx(0.006254)
    assert data.to_numpy().max() == pytest.approx(2.109)


@needs_benchmark_data
@pytest.mark.parametrize(
    ("name", "prefix", "n_series", "horizon"),
    [("m4_hourly", "H", 414, 48), ("m4_weekly", "W", 359, 13)],
)
def test_m4_long_frames_hold_train_then_test(name, prefix, n_series, horizon):
    data_dir = Path(os.environ["TSMEM_DATA_DIR"])
    long = load_dataset(name)
    ids = [f"{prefix}{i}" for i in range(1, n_series + 1)]
    assert list(long["unique_id"].unique()) == ids

    series_info = pd.read_csv(
        data_dir / "m4" / "m4_series_info_hourly_weekly.csv", index_col="M4id"
    )
    lengths = long.groupby("unique_id", sort=False).size()
    np.testing.assert_array_equal(lengths.to_numpy(), series_info.loc[ids, "n_train"] + horizon)

    period = "Hourly" if prefix == "H" else "Weekly"
    test_file = pd.read_csv(data_dir / "m4" / f"{period}-test.csv.gz", index_col=0)
    last = long.groupby("unique_id", sort=False)["y"].apply(lambda y: y.to_numpy()[-horizon:])
    np.testing.assert_array_equal(np.stack(last.to_numpy()), test_file.loc[ids].to_numpy())

    first_ds = long.groupby("unique_id", sort=False)["ds"].first()
    starts = pd.to_datetime(series_info.loc[ids, "start_timestamp"])
    np.testing.assert_array_equal(first_ds.to_numpy(), starts.to_numpy())
    step = pd.Timedelta(hours=1) if prefix == "H" else pd.Timedelta(days=7)
    same_series = long["unique_id"].eq(long["unique_id"].shift())
    assert (long["ds"].diff()[same_series] == step).all()


@needs_benchmark_data
def test_etth1_standard_split_row_counts():
    data = load_dataset("etth1")
    train, val, test = standard_split("etth1", data)
    assert (len(train), len(val), len(test)) == (8640, 2880, 2880)
    assert train.index[-1] < val.index[0] and val.index[-1] < test.index[0]
    assert val.index[0] == pd.Timestamp("2017-06-26 00:00")  # 360 days after the start
