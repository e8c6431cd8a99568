"""Rolling-origin backtests: cutoffs, refit policies, many series, metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsmem.backtest import backtest
from tsmem.estimators import ARIMA, Naive, SeasonalNaive, fourier_terms
from tsmem.estimators.base import LocalForecaster


class CountingNaive(LocalForecaster):
    """Naive with a learned 'state' (the training length), to watch refits."""

    fits: list[int] = []

    def _fit_one(self, y, x):
        CountingNaive.fits.append(len(y))
        return len(y)

    def _predict_one(self, state, y, horizon, x, quantiles):
        return np.full(horizon, y[-1]), None


def series(n=40):
    return pd.Series(np.arange(float(n)), index=pd.date_range("2024", periods=n, freq="D"), name="v")


def test_cutoffs_are_spaced_by_step_and_end_a_horizon_before_the_end():
    result = backtest(Naive(), series(), horizon=3, n_windows=4, step=2, progress=False)
    cutoffs = sorted(result.forecasts.cutoff.unique())
    assert cutoffs == list(pd.to_datetime(["2024-01-31", "2024-02-02", "2024-02-04", "2024-02-06"]))
    first = result.forecasts[result.forecasts.cutoff == cutoffs[0]]
    assert first.y_pred.tolist() == [30.0] * 3 and first.y.tolist() == [31.0, 32.0, 33.0]
    assert result.metrics.loc["overall", "mae"] == pytest.approx(2.0)  # errors 1, 2, 3


@pytest.mark.parametrize(("refit", "expected_fits"), [(True, [30, 32, 34, 36]), (False, [30]), (2, [30, 34])])
def test_refit_policies(refit, expected_fits):
    CountingNaive.fits = []
    backtest(CountingNaive(), series(), horizon=4, n_windows=4, step=2, refit=refit, progress=False)
    assert CountingNaive.fits == expected_fits


def test_many_series_each_get_their_own_cutoffs_and_scores():
    long = pd.concat(
        [
            pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024", periods=30, freq="h"), "y": np.tile([1.0, 2.0], 15)}),
            pd.DataFrame({"unique_id": "b", "ds": pd.date_range("2024-02", periods=20, freq="h"), "y": np.arange(20.0)}),
        ]
    )
    result = backtest(SeasonalNaive(season_length=2), long, horizon=2, n_windows=3, season_length=2, progress=False)
    assert set(result.forecasts.unique_id) == {"a", "b"}
    assert result.forecasts.groupby("unique_id").size().tolist() == [6, 6]
    assert result.metrics.loc["a", "mae"] == 0.0  # a is exactly periodic
    assert result.metrics.loc["b", "mae"] == pytest.approx(2.0)  # b grows 1 a step, lags 2
    assert result.metrics.loc["overall", "mae"] == pytest.approx(1.0)
    assert result.metrics.loc["b", "mase"] == pytest.approx(1.0)  # its in-sample lag-2 error is 2 too


def test_quantiles_and_errors():
    result = backtest(Naive(), series(), horizon=2, n_windows=2, quantiles=[0.1, 0.9], progress=False)
    assert {"y_pred_q0.1", "y_pred_q0.9"} <= set(result.forecasts.columns)
    with pytest.raises(ValueError, match="need at least 41"):
        backtest(Naive(), series(), horizon=5, n_windows=8, progress=False)
    with pytest.raises(ValueError, match="refit must be"):
        backtest(Naive(), series(), horizon=2, refit=-1, progress=False)


def test_regressors_reach_every_cutoff_and_must_cover_the_series():
    # A long cycle (period 50) that a short ARIMA cannot carry, but Fourier terms can.
    n, period = 400, 50
    index = pd.date_range("2024-01-01", periods=n, freq="D")
    noise = np.random.default_rng(0).normal(0, 0.3, n)
    y = pd.Series(10 + 3 * np.sin(2 * np.pi * np.arange(n) / period) + noise, index=index, name="v")
    X = fourier_terms(index, period=period, n_terms=1)
    arima = ARIMA(order=(1, 0, 0), trend="c")
    with_terms = backtest(arima, y, horizon=25, n_windows=4, refit=False, X=X, progress=False)
    without = backtest(arima, y, horizon=25, n_windows=4, refit=False, progress=False)
    mae_with, mae_without = (r.metrics.loc["overall", "mae"] for r in (with_terms, without))
    assert mae_with < 0.35  # about the noise's own MAE, 0.24
    assert mae_with < mae_without / 3
    with pytest.raises(ValueError, match="lacks 10 of the"):
        backtest(arima, y, horizon=25, n_windows=4, X=X.iloc[:-10], progress=False)
    with pytest.raises(ValueError, match="does not use exogenous regressors"):
        backtest(Naive(), y, horizon=25, n_windows=2, X=X, progress=False)
