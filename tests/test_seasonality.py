"""The dominant period that sizes MemNetForecaster's defaults."""

import numpy as np
import pandas as pd
import pytest

from tsmem.data.seasonality import calendar_periods, dominant_period
from tsmem.datasets import load_dataset


@pytest.mark.parametrize(
    ("name", "period"),
    [("air_passengers", 12), ("melbourne_temp", (364, 368)), ("sunspots", (110, 140))],
)
def test_bundled_series_periods(name, period):
    y = load_dataset(name).dropna()
    found = dominant_period(y.to_numpy(), y.index)
    if isinstance(period, tuple):  # a year of days; the ~11-year solar cycle in months
        assert period[0] <= found <= period[1]
    else:
        assert found == period


def test_noisy_weekly_pattern_found_with_or_without_timestamps():
    rng = np.random.default_rng(0)
    t = np.arange(386)
    y = 10 + 3 * np.array([0, 1, 2, 3, 2, -4, -5])[t % 7] + rng.normal(0, 1.5, 386)
    index = pd.date_range("2024-01-01", periods=386, freq="D")
    assert dominant_period(y, index) == 7
    assert dominant_period(y) == 7


@pytest.mark.parametrize("seed", range(5))
def test_noise_and_random_walks_have_no_period(seed):
    noise = np.random.default_rng(seed).normal(size=300)
    assert dominant_period(noise) == 1
    assert dominant_period(np.cumsum(noise)) == 1


def test_calendar_candidates_follow_the_frequency():
    assert calendar_periods(pd.date_range("2024", periods=3, freq="h")) == (24, 168)
    assert calendar_periods(pd.date_range("2024", periods=3, freq="2h")) == (12, 84)
    assert calendar_periods(pd.RangeIndex(3)) == ()
    assert dominant_period(np.ones(50)) == 1  # flat: nothing to find
