"""The naive baselines: exact forecasts on hand-made series, and M4's published scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsmem.estimators import Drift, Naive, Naive2, SeasonalNaive
from tsmem.estimators.naive import is_seasonal


def monthly(values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range("2020-01", periods=len(values), freq="MS"))


def test_naive_repeats_the_last_value_with_widening_intervals():
    forecast = Naive().fit(monthly([1, 3, 2, 4])).predict(horizon=3, quantiles=[0.1, 0.9])
    assert forecast["y"].tolist() == [4.0, 4.0, 4.0]
    width = forecast["y_q0.9"] - forecast["y_q0.1"]
    assert width.is_monotonic_increasing and width.iloc[-1] / width.iloc[0] == pytest.approx(np.sqrt(3))


def test_seasonal_naive_repeats_the_last_season():
    forecast = SeasonalNaive(season_length=3).fit(monthly([1, 2, 3, 4, 5, 6])).predict(horizon=5)
    assert forecast.tolist() == [4.0, 5.0, 6.0, 4.0, 5.0]
    with pytest.raises(ValueError, match="needs at least 3"):
        SeasonalNaive(season_length=3).fit(monthly([1, 2]))
    with pytest.raises(ValueError, match="season_length must be a positive integer"):
        SeasonalNaive(season_length=0).fit(monthly([1, 2]))


def test_drift_extends_the_first_to_last_line():
    forecast = Drift().fit(monthly([1, 5, 3, 7])).predict(horizon=2)
    assert forecast.tolist() == [9.0, 11.0]


def test_naive2_adjusts_seasonal_series_only():
    t = np.arange(48)
    seasonal = monthly(100 * (1 + 0.3 * np.sin(2 * np.pi * t / 12)) * (1 + 0.001 * t))
    assert is_seasonal(seasonal.to_numpy(), 12)
    forecast = Naive2(season_length=12).fit(seasonal).predict(horizon=12)
    truth = 100 * (1 + 0.3 * np.sin(2 * np.pi * np.arange(48, 60) / 12)) * (1 + 0.001 * 47)
    np.testing.assert_allclose(forecast.to_numpy(), truth, rtol=0.01)
    flat = monthly(np.random.default_rng(0).normal(10, 1, 48))
    assert not is_seasonal(flat.to_numpy(), 12)
    assert Naive2(season_length=12).fit(flat).predict(horizon=2).tolist() == [flat.iloc[-1]] * 2
