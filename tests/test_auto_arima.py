"""AutoARIMA: the differencing tests, order recovery, the search's bounds, limits and fallbacks."""

from __future__ import annotations

import doctest

import joblib
import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX

import tsmem.estimators.auto_arima as auto_module
from tsmem.datasets import load_dataset
from tsmem.estimators import AutoARIMA, FitWarning, SeasonalNaive
from tsmem.estimators.auto_arima import kpss_ndiffs, seasonal_strength


def series(values: np.ndarray, freq: str = "h") -> pd.Series:
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=len(values), freq=freq), name="y")


def simulate(order, seasonal_order, params, n: int, seed: int) -> np.ndarray:
    model = SARIMAX(np.zeros(10), order=order, seasonal_order=seasonal_order)
    return model.simulate(params, n, rng=np.random.default_rng(seed)) + 10.0


def test_kpss_counts_the_differences_a_series_needs():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=400)
    assert kpss_ndiffs(noise) == 0
    assert kpss_ndiffs(np.cumsum(noise)) == 1
    assert kpss_ndiffs(np.cumsum(np.cumsum(noise))) == 2
    assert kpss_ndiffs(np.cumsum(np.cumsum(noise)), max_d=1) == 1


def test_seasonal_strength_separates_seasonal_from_plain_series():
    rng = np.random.default_rng(1)
    t = np.arange(24 * 20)
    assert seasonal_strength(np.sin(2 * np.pi * t / 24) + 0.3 * rng.normal(size=len(t)), 24) > 0.64
    assert seasonal_strength(rng.normal(size=len(t)), 24) < 0.64
    assert seasonal_strength(rng.normal(size=40), 24) == 0.0  # fewer than two seasons and a bit


# Simulated ARIMA series: R's search tries large orders whose likelihood may stop at maxiter;
# the FitWarning says so, and these tests check the orders and scales chosen, not that note.
_MAXITER_NOTE = pytest.mark.filterwarnings(
    "ignore:AutoARIMA.*maxiter:tsmem.estimators.fit_notes.FitWarning"
)


@_MAXITER_NOTE
def test_picks_the_true_nonseasonal_orders_for_most_seeds():
    # ARIMA(1,1,0) with φ = 0.6, 150 observations; compare (p, d, q) only
    picks = [AutoARIMA().fit(series(simulate((1, 1, 0), (0, 0, 0, 0), [0.6, 1.0], 150, seed))).order_ for seed in range(5)]
    assert sum(p == (1, 1, 0) for p in picks) >= 4, picks


@_MAXITER_NOTE
def test_picks_the_true_seasonal_orders_for_most_seeds():
    # SARIMA(1,0,0)(0,1,1)[4], 160 quarterly observations, exact likelihood search
    truth = ((1, 0, 0), (0, 1, 1, 4))
    picks = []
    for seed in range(5):
        y = series(simulate((1, 0, 0), (0, 1, 1, 4), [0.6, -0.7, 1.0], 160, seed), freq="QS")
        model = AutoARIMA(season_length=4, approximation=False).fit(y)
        picks.append((model.order_, model.seasonal_order_))
    assert sum(p == truth for p in picks) >= 4, picks


def test_airline_model_on_air_passengers():
    y = np.log(load_dataset("air_passengers"))
    model = AutoARIMA(season_length=12).fit(y.iloc[:-12])
    assert (model.order_, model.seasonal_order_) == ((0, 1, 1), (0, 1, 1, 12))  # as R's auto.arima
    # the forecast is the chosen model's maximum-likelihood forecast (statsmodels' own fit)
    reference = SARIMAX(y.iloc[:-12].to_numpy(), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(disp=False)
    np.testing.assert_allclose(model.predict(horizon=12).to_numpy(), reference.forecast(12), atol=1e-3)
    # the seasonal naive misses the trend the airline model follows: at least half its error
    forecast = np.exp(model.predict(horizon=12)).to_numpy()
    actual = np.exp(y.iloc[-12:]).to_numpy()
    naive = SeasonalNaive(season_length=12).fit(np.exp(y.iloc[:-12])).predict(horizon=12).to_numpy()
    assert np.mean(np.abs(forecast - actual)) < 0.5 * np.mean(np.abs(naive - actual))


def test_approximate_search_on_a_long_seasonal_series_refits_once_and_beats_the_naive():
    # 24 seasons of an hourly cycle: CSS search, one exact refit (its seconds are measured
    # by experiments/bench_statistical.py --dataset timings, not asserted here)
    rng = np.random.default_rng(2)
    t = np.arange(24 * 24 + 48)
    y = series(20 + 5 * np.sin(2 * np.pi * t / 24) + np.cumsum(rng.normal(0, 0.2, len(t))) + rng.normal(0, 0.5, len(t)))
    model = AutoARIMA(season_length=24).fit(y.iloc[:-48])
    row = model.models_.iloc[0]
    assert row["method"] == "ml" and row["refits"] == 1 and row["n_models"] > 1
    assert model.seasonal_order_[1] == 1 and model.seasonal_order_[3] == 24
    forecast = model.predict(horizon=48).to_numpy()
    naive = SeasonalNaive(season_length=24).fit(y.iloc[:-48]).predict(horizon=48).to_numpy()
    actual = y.iloc[-48:].to_numpy()
    assert np.mean(np.abs(forecast - actual)) < np.mean(np.abs(naive - actual))


def test_search_respects_its_bounds_and_max_models(monkeypatch):
    seen = []
    fit_css = auto_module.fit_css

    def recording(y, orders, x=None, **kwargs):
        seen.append(orders)
        return fit_css(y, orders, x, **kwargs)

    monkeypatch.setattr(auto_module, "fit_css", recording)
    y = series(simulate((2, 0, 2), (1, 0, 0, 12), [0.4, 0.2, 0.3, 0.2, 0.5, 1.0], 400, 3))
    model = AutoARIMA(season_length=12, max_p=3, max_q=2, max_P=1, max_Q=1, max_order=4).fit(y)
    assert seen, "the approximate search fits by CSS"
    assert all(o.p <= 3 and o.q <= 2 and o.P <= 1 and o.Q <= 1 and o.p + o.q + o.P + o.Q <= 4 for o in seen)
    assert model.models_["n_models"].iloc[0] == len(set(seen))
    seen.clear()
    with pytest.warns(FitWarning, match="max_models=3"):
        model = AutoARIMA(season_length=12, max_models=3).fit(y)
    assert model.models_["n_models"].iloc[0] == 3


def test_defaults_are_r_rules_and_the_factors_search_is_an_option(monkeypatch):
    # R's auto.arima: roots of the expanded polynomials, no order bound in the stepwise search,
    # max.order = 5 in the exhaustive one
    expanded = []
    fit_css = auto_module.fit_css

    def recording(y, orders, x=None, **kwargs):
        expanded.append(kwargs.get("expanded_roots"))
        return fit_css(y, orders, x, **kwargs)

    monkeypatch.setattr(auto_module, "fit_css", recording)
    y = series(simulate((1, 0, 0), (0, 1, 1, 12), [0.5, -0.6, 1.0], 300, 8))
    AutoARIMA(season_length=12).fit(y)
    assert expanded and all(expanded)
    expanded.clear()
    AutoARIMA(season_length=12, root_check="factors", max_order=5).fit(y)
    assert expanded and not any(expanded)
    assert AutoARIMA(max_p=4, max_q=4)._limits(300, 1)["order"] == 8
    assert AutoARIMA(max_p=4, max_q=4, stepwise=False)._limits(300, 1)["order"] == 5
    assert AutoARIMA(max_p=4, max_q=4, max_order=3)._limits(300, 1)["order"] == 3


def test_time_budget_ends_the_search_with_a_warning():
    y = series(simulate((1, 0, 1), (1, 1, 0, 12), [0.5, 0.3, 0.4, 1.0], 300, 4))
    with pytest.warns(FitWarning, match="time budget"):
        model = AutoARIMA(season_length=12, time_budget=1e-6).fit(y)
    assert model.models_["n_models"].iloc[0] <= 1
    assert np.isfinite(model.predict(horizon=12).to_numpy()).all()


def test_failed_refits_keep_the_css_estimates_with_one_warning(monkeypatch):
    monkeypatch.setattr(auto_module, "fit_ml", lambda *a, **k: (None, (), np.nan, ["maximum likelihood failed (test)"]))
    frame = pd.concat(
        [
            pd.DataFrame({"unique_id": sid, "ds": pd.date_range("2024-01-01", periods=300, freq="h"),
                          "y": simulate((1, 0, 0), (0, 0, 0, 0), [0.6, 1.0], 300, seed)})
            for seed, sid in enumerate(["a", "b", "c"])
        ]
    )
    with pytest.warns(FitWarning) as caught:
        model = AutoARIMA(approximation=True).fit(frame)
    assert len(caught) == 1 and "3 of 3 series" in str(caught[0].message)
    assert "kept the CSS estimates" in str(caught[0].message)
    assert (model.models_["method"] == "css").all()
    assert model.predict(horizon=5).shape == (15, 3)


def test_many_series_expose_their_orders():
    frame = pd.concat(
        [
            pd.DataFrame({"unique_id": sid, "ds": pd.date_range("2024-01-01", periods=200, freq="h"), "y": y})
            for sid, y in [
                ("ar", simulate((1, 0, 0), (0, 0, 0, 0), [0.7, 1.0], 200, 5)),
                ("walk", np.cumsum(np.random.default_rng(6).normal(size=200))),
            ]
        ]
    )
    # the threading backend: the parallel code path without starting processes (fast in a test);
    # the same context manager selects "loky" (the default), "dask" or "ray"
    with joblib.parallel_config(backend="threading"):
        model = AutoARIMA(n_jobs=2).fit(frame)
    assert isinstance(model.order_, pd.Series) and list(model.order_.index) == ["ar", "walk"]
    assert model.order_["walk"][1] == 1 and model.order_["ar"][1] == 0
    serial = AutoARIMA().fit(frame)
    pd.testing.assert_frame_equal(model.predict(horizon=4), serial.predict(horizon=4))


def test_regressors_enter_the_search():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(250, 1))
    noise = simulate((1, 0, 0), (0, 0, 0, 0), [0.5, 1.0], 250, 7) - 10
    y = series(4 * x[:, 0] + noise)
    X = pd.DataFrame(x, index=y.index, columns=["x"])
    model = AutoARIMA().fit(y.iloc[:200], X=X.iloc[:200])
    assert model.params_.iloc[0]["x1"] == pytest.approx(4.0, abs=0.15)
    forecast = model.predict(horizon=50, X=X.iloc[200:])
    assert np.corrcoef(forecast, y.iloc[200:])[0, 1] > 0.9


def test_deterministic_series_are_extrapolated_exactly():
    constant = AutoARIMA(season_length=4).fit(series(np.full(30, 3.0)))
    np.testing.assert_array_equal(constant.predict(horizon=3).to_numpy(), 3.0)
    pattern = np.tile([1.0, 5.0, 2.0, 8.0], 10) + 0.5 * np.repeat(np.arange(10), 4)  # seasonal + step trend
    model = AutoARIMA(season_length=4).fit(series(pattern))
    assert model.models_["method"].iloc[0] == "deterministic"
    expected = np.tile([1.0, 5.0, 2.0, 8.0], 2) + 0.5 * np.repeat([10, 11], 4)
    forecast = model.predict(horizon=8, quantiles=[0.1, 0.9])
    np.testing.assert_allclose(forecast["y"], expected)
    np.testing.assert_allclose(forecast["y_q0.1"], forecast["y_q0.9"])


def test_bad_parameters_are_refused_at_fit():
    y = series(np.arange(50.0))
    with pytest.raises(ValueError, match="season_length"):
        AutoARIMA(season_length=0).fit(y)
    with pytest.raises(ValueError, match="max_order"):
        AutoARIMA(max_order=-1).fit(y)
    with pytest.raises(ValueError, match="root_check"):
        AutoARIMA(root_check="r").fit(y)
    with pytest.raises(ValueError, match="at least 3"):
        AutoARIMA().fit(series(np.array([1.0, 2.0])))


def test_module_examples_run():
    failures, tried = doctest.testmod(auto_module, verbose=False)
    assert tried > 0 and failures == 0


@_MAXITER_NOTE
def test_forecasts_and_reports_scale_with_the_data():
    y = np.cumsum(np.random.default_rng(2).normal(0.3, 1.0, 120)) + 50
    base = AutoARIMA().fit(series(y))
    for factor in (1e-9, 3.7e6):
        scaled = AutoARIMA().fit(series(factor * y))
        assert scaled.order_ == base.order_
        np.testing.assert_allclose(scaled.predict(horizon=6).to_numpy() / factor, base.predict(horizon=6).to_numpy(), rtol=1e-6)
        np.testing.assert_allclose(scaled.params_.iloc[0]["sigma2"] / factor**2, base.params_.iloc[0]["sigma2"], rtol=1e-6)
