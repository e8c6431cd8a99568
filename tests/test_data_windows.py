"""Windows, scaling, splits and calendar features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsmem.data import (
    PanelScaler,
    calendar_features,
    concat_series,
    gather_windows,
    sliding_windows,
    temporal_split,
    to_panel,
    window_starts,
)


def test_sliding_windows_keep_the_last_window():
    values = np.arange(10.0).reshape(-1, 1)
    windows = sliding_windows(values, 4, step=3)
    assert windows.shape == (3, 4, 1)
    assert windows[-1, :, 0].tolist() == [6.0, 7.0, 8.0, 9.0]
    with pytest.raises(ValueError, match="needs at least 11"):
        sliding_windows(values, 11)


@settings(max_examples=50, deadline=None)
@given(
    bounds=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 40)), min_size=1, max_size=5),
    size=st.integers(1, 10),
    step=st.integers(1, 4),
)
def test_window_starts_match_a_plain_loop(bounds, size, step):
    bounds = [(lo, max(lo, hi)) for lo, hi in bounds]
    series, starts = window_starts(bounds, size, step)
    expected = []
    for s, (lo, hi) in enumerate(bounds):
        last = hi - size
        expected += [(s, start) for start in range(last, lo - 1, -step)][::-1]
    assert list(zip(series.tolist(), starts.tolist(), strict=True)) == expected


def test_gather_windows_equals_slicing():
    values = [np.arange(12.0).reshape(6, 2), 100 + np.arange(8.0).reshape(4, 2)]
    buffer, offsets = concat_series(values)
    series, starts = window_starts([(0, 6), (0, 4)], 3)
    windows = gather_windows(buffer, offsets, series, starts, 3)
    for k, (s, a) in enumerate(zip(series, starts, strict=True)):
        np.testing.assert_array_equal(windows[k], values[s][a : a + 3])


def test_scaler_uses_training_statistics_and_inverts():
    train = [np.array([[1.0, 10.0], [3.0, 10.0]]), np.array([[0.0, 0.0], [4.0, 2.0]])]
    scaler = PanelScaler().fit(train)
    scaled = scaler.transform([np.array([[5.0, 10.0]]), np.array([[2.0, 1.0]])])
    np.testing.assert_allclose(scaled[0], [[3.0, 0.0]])  # the constant channel keeps scale 1
    np.testing.assert_allclose(scaled[1], [[0.0, 0.0]])
    forecast = np.stack(scaled)  # (S, H=1, C)
    np.testing.assert_allclose(scaler.inverse_transform(forecast)[:, 0], [[5.0, 10.0], [2.0, 1.0]])
    pooled = PanelScaler(per_series=False).fit(train)
    assert np.allclose(pooled.shift_[0], pooled.shift_[1])
    minmax = PanelScaler("minmax").fit([np.array([[2.0], [6.0]])])
    assert minmax.transform([np.array([[4.0]])])[0].item() == 0.5
    with pytest.raises(ValueError, match="scaling must be"):
        PanelScaler("log")


def test_temporal_split_cannot_leak_and_carries_context():
    y = pd.Series(np.arange(100.0), index=pd.date_range("2024", periods=100, freq="h"))
    train, val, test = temporal_split(to_panel(y), test_size=20, val_size=0.1, lookback=5)
    assert len(train.values[0]) == 70
    assert train.index[0][-1] < val.index[0][5]  # the first validation target follows train
    assert val.values[0][:5, 0].tolist() == [65.0, 66.0, 67.0, 68.0, 69.0]  # context only
    assert len(test.values[0]) == 25 and test.values[0][-1, 0] == 99.0
    assert temporal_split(to_panel(y), test_size=10)[1] is None
    with pytest.raises(ValueError, match="too few"):
        temporal_split(to_panel(y), test_size=60, val_size=40)


def test_calendar_features_follow_the_frequency():
    hourly = calendar_features(pd.date_range("2024", periods=48, freq="h"))
    assert {"hour_of_day_sin", "day_of_week_cos"} <= set(hourly.columns)
    assert "minute_of_hour_sin" not in hourly.columns
    assert np.abs(hourly.to_numpy()).max() <= 1.0
    # midnight and 23:00 are neighbours on the circle
    a, b = hourly.iloc[0], hourly.iloc[23]
    assert np.hypot(a.hour_of_day_sin - b.hour_of_day_sin, a.hour_of_day_cos - b.hour_of_day_cos) < 0.3
    monthly = calendar_features(pd.date_range("2024", periods=24, freq="MS"))
    assert list(monthly.columns) == ["month_of_year_sin", "month_of_year_cos"]
    assert calendar_features(pd.RangeIndex(10)).shape == (10, 0)


def test_split_sizes_read_counts_fractions_and_whole_floats():
    from tsmem.data.splits import split_sizes

    assert split_sizes(100, 0.25, "test_size") == 25
    assert split_sizes(100, 24, "test_size") == 24
    assert split_sizes(100, 24.0, "test_size") == 24  # a config parser's 24
    with pytest.raises(ValueError, match="fraction"):
        split_sizes(100, 2.5, "test_size")
