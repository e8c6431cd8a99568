"""One conversion for every input layout, and a clear error for every kind of bad data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsmem.data import Panel, fill_missing, future_index, to_panel


def hourly(n: int = 10, name: str | None = "load") -> pd.Series:
    return pd.Series(np.arange(n, dtype=float), index=pd.date_range("2024-01-01", periods=n, freq="h"), name=name)


# -- accepted layouts ----------------------------------------------------------
def test_series_frequency_is_inferred_and_kept():
    y = hourly()
    y.index = pd.DatetimeIndex(y.index.to_numpy())  # drop the freq attribute
    panel = to_panel(y)
    assert panel.layout == "series" and panel.columns == ("load",)
    assert panel.index[0].freqstr == "h"
    forecast = panel.format_forecast(np.zeros((1, 2, 1)))
    assert list(forecast.index) == [pd.Timestamp("2024-01-01 10:00"), pd.Timestamp("2024-01-01 11:00")]
    assert forecast.name == "load"


def test_period_and_integer_indexes_extend_correctly():
    monthly = pd.Series([1.0, 2.0, 3.0], index=pd.period_range("2020-11", periods=3, freq="M"))
    assert list(future_index(to_panel(monthly).index[0], 2).astype(str)) == ["2021-02", "2021-03"]
    stepped = pd.Series([1.0, 2.0, 3.0], index=[10, 12, 14])
    index = to_panel(stepped).index[0]
    assert isinstance(index, pd.RangeIndex) and list(future_index(index, 2)) == [16, 18]


def test_wide_frame_is_one_multichannel_series():
    y = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4, 5, 6]}, index=pd.date_range("2024", periods=3, freq="D"))
    panel = to_panel(y)
    assert (panel.layout, panel.n_series, panel.columns) == ("wide", 1, ("a", "b"))
    assert panel.values[0].dtype == np.float64 and panel.values[0].shape == (3, 2)
    forecast = panel.format_forecast(np.ones((1, 2, 2)), (0.5,), np.ones((1, 2, 2, 1)))
    assert list(forecast.columns) == ["a", "a_q0.5", "b", "b_q0.5"]


def test_long_frame_keeps_series_order_and_ragged_lengths():
    y = pd.DataFrame(
        {
            "unique_id": ["z"] * 3 + ["a"] * 2,
            "ds": list(pd.date_range("2024", periods=3, freq="D")) + list(pd.date_range("2024-02", periods=2, freq="D")),
            "y": [1.0, 2, 3, 4, 5],
        }
    )
    panel = to_panel(y)
    assert panel.ids == ("z", "a") and list(panel.lengths) == [3, 2]
    forecast = panel.format_forecast(np.zeros((2, 1, 1)))
    assert list(forecast.unique_id) == ["z", "a"]
    assert list(forecast.ds) == [pd.Timestamp("2024-01-04"), pd.Timestamp("2024-02-03")]


def test_numpy_arrays_come_back_as_pandas():
    one = to_panel(np.arange(5.0))
    assert one.layout == "series" and isinstance(one.format_forecast(np.zeros((1, 2, 1))), pd.Series)
    two = to_panel(np.ones((5, 3)))
    assert two.layout == "wide" and two.format_forecast(np.zeros((1, 2, 3))).shape == (2, 3)


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=40),
    freq=st.sampled_from(["h", "D", "MS", "W-SUN", "15min"]),
)
def test_round_trip_returns_the_input(values, freq):
    y = pd.Series(values, index=pd.date_range("2023-01-01", periods=len(values), freq=freq), name="v")
    pd.testing.assert_series_equal(to_panel(y).to_pandas(), y, check_freq=False)


# -- errors ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: hourly().iloc[::-1], "not sorted.*sort_index"),
        (lambda: pd.concat([hourly(), hourly().iloc[:1]]), "duplicate timestamps.*groupby"),
        (lambda: hourly().drop(hourly().index[4]), "irregular timestamps.*fill_missing"),
        (lambda: hourly().where(hourly() != 3), "1 missing \\(NaN\\).*first at 2024-01-01 03:00"),
        (lambda: hourly().replace(3.0, np.inf), "1 infinite"),
        (lambda: hourly().astype(str), "not numeric.*to_numeric"),
        (lambda: hourly().iloc[:0], "empty"),
        (lambda: pd.Series([1.0, 2.0], index=["a", "b"]), "index of dtype.*to_datetime"),
        (lambda: np.ones((2, 2, 2)), "1-D.*2-D"),
        (lambda: pd.DataFrame({"unique_id": ["a"], "y": [1.0]}), "lacks column.*ds"),
        (lambda: pd.DataFrame({"unique_id": ["a"], "ds": [1], "y": [1.0], "temp": [3.0]}), "unknown column.*temp.*X"),
        (lambda: pd.Series([1.0, 2.0, 4.0], index=[0, 1, 3]), "irregular integer index"),
    ],
)
def test_bad_input_raises_a_value_error_naming_the_fix(make, match):
    with pytest.raises(ValueError, match=match):
        to_panel(make())


def test_long_frame_errors_name_the_series():
    y = pd.DataFrame({"unique_id": ["ok"] * 3 + ["bad"] * 3, "ds": [0, 1, 2, 0, 1, 2], "y": [1, 2, 3, 4, np.nan, 6.0]})
    with pytest.raises(ValueError, match="series 'bad'"):
        to_panel(y)
    with pytest.raises(ValueError, match="series 'ok' of y has 3 observations but Foo needs at least 5"):
        to_panel(y.fillna(0), min_length=5, needed_by="Foo")


def test_mixed_frequencies_are_refused():
    hours = pd.date_range("2024", periods=4, freq="h")
    days = pd.date_range("2024", periods=4, freq="D")
    y = pd.DataFrame({"unique_id": ["h"] * 4 + ["d"] * 4, "ds": hours.append(days), "y": np.ones(8)})
    with pytest.raises(ValueError, match="mixes frequencies"):
        to_panel(y)


def test_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="pandas Series"):
        to_panel({"a": 1})


def test_panel_passes_through():
    panel = to_panel(hourly())
    assert isinstance(panel, Panel) and to_panel(panel) is panel


# -- the explicit fill option ---------------------------------------------------
def test_fill_missing_inserts_gaps_and_interpolates():
    y = hourly().drop(hourly().index[4])
    y.iloc[1] = np.nan
    filled = fill_missing(y)
    assert len(filled) == 10 and filled.index.freqstr == "h"
    np.testing.assert_allclose(filled.to_numpy(), np.arange(10.0))
    to_panel(filled)  # now valid


def test_fill_missing_ffill_zero_and_long():
    y = pd.Series([np.nan, 1.0, np.inf, 3.0], index=pd.date_range("2024", periods=4, freq="D"))
    assert fill_missing(y, method="ffill").tolist() == [1.0, 1.0, 1.0, 3.0]
    assert fill_missing(y, method="zero").tolist() == [0.0, 1.0, 0.0, 3.0]
    long = pd.DataFrame({"unique_id": ["a"] * 3, "ds": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-04"]), "y": [1.0, 2, 4]})
    filled = fill_missing(long)
    assert filled["y"].tolist() == [1.0, 2.0, 3.0, 4.0] and list(filled.columns) == ["unique_id", "ds", "y"]
    with pytest.raises(ValueError, match="method must be"):
        fill_missing(y, method="magic")
