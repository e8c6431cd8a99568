"""Prediction intervals asked for by coverage (``levels=``), and their score (MSIS)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsmem.backtest import backtest
from tsmem.estimators import Naive, SeasonalNaive
from tsmem.metrics import mase, msis


def _series() -> pd.Series:
    rng = np.random.default_rng(0)
    t = np.arange(120)
    return pd.Series(10 + np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, t.size),
                     index=pd.date_range("2020-01-01", periods=t.size, freq="D"))


def test_levels_are_the_quantiles_of_the_interval_bounds():
    model = SeasonalNaive(season_length=12).fit(_series())
    by_level = model.predict(6, levels=[80, 95])
    by_quantile = model.predict(6, quantiles=[0.025, 0.1, 0.9, 0.975])
    pd.testing.assert_frame_equal(by_level, by_quantile)
    assert list(by_level.columns) == ["y", "y_q0.025", "y_q0.1", "y_q0.9", "y_q0.975"]
    # a wider interval holds the narrower one, around the point forecast
    assert (by_level["y_q0.025"] < by_level["y_q0.1"]).all()
    assert (by_level["y_q0.975"] > by_level["y_q0.9"]).all()
    both = model.predict(6, quantiles=[0.5], levels=90)
    assert list(both.columns) == ["y", "y_q0.05", "y_q0.5", "y_q0.95"]


def test_levels_in_a_backtest():
    result = backtest(Naive(), _series(), horizon=3, n_windows=2, levels=[90], progress=False)
    assert {"y_pred_q0.05", "y_pred_q0.95"} <= set(result.forecasts.columns)
    frame = result.forecasts
    assert (frame["y_pred_q0.05"] < frame["y_pred"]).all() and (frame["y_pred"] < frame["y_pred_q0.95"]).all()


@pytest.mark.parametrize(
    ("levels", "error", "message"),
    [
        (0.95, ValueError, r"levels=\[95.0\]"),  # a fraction where a percentage is meant
        ([100], ValueError, "strictly between 0 and 100"),
        (["95"], TypeError, "coverages in percent"),
        ([], TypeError, "coverages in percent"),
    ],
)
def test_bad_levels_name_the_fix(levels, error, message):
    model = Naive().fit(_series())
    with pytest.raises(error, match=message):
        model.predict(3, levels=levels)


def test_msis_by_hand_and_against_mase_for_a_degenerate_interval():
    train = np.array([1.0, 3.0, 2.0, 4.0, 3.0])  # seasonal (m=2) naive errors 1, 1, 1: scale 1
    actual = np.array([5.0, 9.0, 2.0])
    lower, upper = np.array([4.0, 6.0, 3.0]), np.array([6.0, 8.0, 5.0])
    # widths 2, 2, 2; misses: 9 is 1 above, 2 is 1 below; 2/alpha = 40 at 95 %
    assert msis(actual, lower, upper, train, 2) == pytest.approx((6 + 40 + 40) / 3)
    assert msis(actual, lower, upper, train, 2, level=80) == pytest.approx((6 + 10 + 10) / 3)
    # a zero-width interval at the forecast is 2/alpha times its absolute error: MASE x 40
    point = np.array([4.0, 7.0, 4.0])
    assert msis(actual, point, point, train, 2) == pytest.approx(40 * mase(actual, point, train, 2))


def test_msis_refuses_crossed_bounds_and_bad_levels():
    with pytest.raises(ValueError, match="lower > upper"):
        msis([1.0], [2.0], [1.0], [1.0, 2.0, 3.0], 1)
    with pytest.raises(ValueError, match="in percent"):
        msis([1.0], [0.0], [2.0], [1.0, 2.0, 3.0], 1, level=0.95)
