"""ARIMA: parameter recovery, statsmodels equivalence, regressors, intervals, limits and fallbacks."""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.arima_process import arma_generate_sample
from statsmodels.tsa.statespace.sarimax import SARIMAX
from statsmodels.tsa.statespace.tools import diff

import tsmem.estimators.arima as arima_module
import tsmem.estimators.arima_css as css_module
from tsmem.datasets import load_dataset
from tsmem.estimators import ARIMA, FitWarning, SeasonalNaive, fourier_terms
from tsmem.estimators.arima_css import Orders, fit_css, to_sarimax_params


def hourly(values: np.ndarray, start: str = "2024-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="h"), name="y")


def simulate(order, seasonal_order, params, n: int, seed: int) -> np.ndarray:
    model = SARIMAX(np.zeros(10), order=order, seasonal_order=seasonal_order)
    return model.simulate(params, n, rng=np.random.default_rng(seed))


def statsmodels_model(y, state, x=None) -> SARIMAX:
    """The SARIMAX model tsmem documents it forecasts with."""
    return SARIMAX(y, exog=x, order=state.order, seasonal_order=state.seasonal_order, trend=state.trend)


# -- conditional sum of squares -----------------------------------------------------------


def test_css_recovers_arma_coefficients():
    rng = np.random.default_rng(0)
    y = arma_generate_sample([1, -0.6], [1, 0.3], 3000, burnin=200, distrvs=rng.standard_normal)
    fit = fit_css(y, Orders(1, 0, 1))
    np.testing.assert_allclose(fit.coef, [0.6, 0.3], atol=0.04)
    assert fit.sigma2 == pytest.approx(1.0, abs=0.06)


def test_css_jacobian_matches_finite_differences():
    rng = np.random.default_rng(1)
    y = np.cumsum(rng.normal(size=400))
    x = rng.normal(size=(400, 2))
    orders = Orders(2, 1, 1, 1, 0, 2, 12, constant=True)
    w, xd = diff(y, 1, 0, 12), diff(x, 1, 0, 12)
    design = css_module._design(len(w), xd, True)
    coef = rng.normal(scale=0.2, size=orders.p + orders.q + orders.P + orders.Q + 3)
    exact = css_module._jacobian(coef, w, design, orders)
    step = 1e-6
    numeric = np.column_stack(
        [
            (css_module._residuals(coef + step * e, w, design, orders)[0] - css_module._residuals(coef - step * e, w, design, orders)[0])
            / (2 * step)
            for e in np.eye(len(coef))
        ]
    )
    np.testing.assert_allclose(exact, numeric, atol=1e-5 * np.abs(exact).max())


def test_css_rejects_roots_near_the_unit_circle():
    rng = np.random.default_rng(2)
    y = np.cumsum(rng.normal(size=300))  # a random walk fitted as a stationary AR(1): φ ≈ 1
    assert not fit_css(y, Orders(1, 0, 0)).ok
    assert fit_css(y, Orders(1, 1, 0)).ok


# -- parameter recovery (exact likelihood) --------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_arma_parameters_are_recovered(seed):
    y = simulate((2, 0, 1), (0, 0, 0, 0), [0.5, -0.3, 0.4, 2.0], 2000, seed)
    params = ARIMA(order=(2, 0, 1)).fit(hourly(y)).params_.iloc[0]
    np.testing.assert_allclose(params[["ar.L1", "ar.L2", "ma.L1"]], [0.5, -0.3, 0.4], atol=0.07)
    assert params["sigma2"] == pytest.approx(2.0, rel=0.08)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seasonal_parameters_are_recovered(seed):
    y = simulate((1, 0, 0), (0, 1, 1, 12), [0.5, -0.6, 1.0], 1200, seed)
    model = ARIMA(order=(1, 0, 0), seasonal_order=(0, 1, 1, 12)).fit(hourly(y))
    params = model.params_.iloc[0]
    assert params["ar.L1"] == pytest.approx(0.5, abs=0.06)
    assert params["ma.S.L12"] == pytest.approx(-0.6, abs=0.07)
    assert params["sigma2"] == pytest.approx(1.0, rel=0.1)
    assert model.models_["method"].iloc[0] == "ml"


def test_css_method_is_close_to_maximum_likelihood():
    y = hourly(simulate((1, 0, 1), (0, 0, 0, 0), [0.7, -0.3, 1.0], 1500, 3))
    ml = ARIMA(order=(1, 0, 1)).fit(y).params_.iloc[0]
    css = ARIMA(order=(1, 0, 1), method="css").fit(y).params_.iloc[0]
    np.testing.assert_allclose(css[["ar.L1", "ma.L1"]], ml[["ar.L1", "ma.L1"]], atol=0.03)


# -- forecasting with fixed parameters == statsmodels --------------------------------------


def test_new_history_forecast_equals_statsmodels_apply():
    y = hourly(simulate((1, 0, 1), (1, 1, 0, 8), [0.6, 0.2, -0.4, 1.0], 300, 4) + 50)
    model = ARIMA(order=(1, 0, 1), seasonal_order=(1, 1, 0, 8), trend="c").fit(y.iloc[:200])
    state = model.states_[0]
    # params_ is in the data's units (the state is in those of the series divided by its scale)
    fitted = statsmodels_model(y.iloc[:200].to_numpy(), state).filter(model.params_.iloc[0].to_numpy())
    for end in (250, 300):
        expected = fitted.apply(y.iloc[:end].to_numpy()).forecast(12)
        ours = model.predict(horizon=12, y=y.iloc[:end])
        np.testing.assert_allclose(ours.to_numpy(), expected, rtol=1e-10)
        assert ours.index[0] == y.index[end - 1] + pd.Timedelta(hours=1)
    # the training history itself: the same numbers as statsmodels' forecast
    np.testing.assert_allclose(model.predict(horizon=5).to_numpy(), fitted.forecast(5), rtol=1e-10)


def test_predict_origins_equals_a_forecast_from_each_origin():
    y = simulate((2, 1, 1), (1, 0, 0, 12), [0.3, 0.2, -0.4, 0.5, 1.0], 400, 5)
    x = np.random.default_rng(5).normal(size=(400, 1))
    y = y + 2.0 * x[:, 0]
    model = ARIMA(order=(2, 1, 1), seasonal_order=(1, 0, 0, 12)).fit(hourly(y[:300]), X=pd.DataFrame(x[:300], index=hourly(y[:300]).index))
    state = model.states_[0]
    origins = np.arange(300, 381)
    paths = model.predict_origins(y, horizon=20, origins=origins, X=x)
    assert paths.shape == (81, 20)
    fitted = statsmodels_model(y[:300], state, x[:300]).filter(model.params_.iloc[0].to_numpy())
    for i in (0, 37, 80):
        o = origins[i]
        expected = fitted.apply(y[:o], exog=x[:o]).forecast(20, exog=x[o : o + 20])
        np.testing.assert_allclose(paths[i], expected, rtol=1e-8, atol=1e-8)


def test_predict_origins_needs_one_series():
    frame = pd.concat([hourly(np.sin(np.arange(60.0))).rename("a"), hourly(np.cos(np.arange(60.0))).rename("b")], axis=1)
    model = ARIMA(order=(1, 0, 0)).fit(frame)
    with pytest.raises(ValueError, match="one series"):
        model.predict_origins(frame["a"], horizon=3, origins=[50])


# -- regressors and intervals ------------------------------------------------------------------


def test_exogenous_regressors_round_trip():
    rng = np.random.default_rng(6)
    index = pd.date_range("2024-01-01", periods=330, freq="h")
    X = pd.DataFrame({"load": rng.normal(size=330), "temp": rng.normal(size=330)}, index=index)
    noise = arma_generate_sample([1, -0.5], [1], 330, distrvs=rng.standard_normal)
    y = pd.Series(5 + 3 * X["load"] - 2 * X["temp"] + noise, index=index, name="y")
    model = ARIMA(order=(1, 0, 0), trend="c").fit(y.iloc[:300], X=X.iloc[:300])
    params = model.params_.iloc[0]
    np.testing.assert_allclose(params[["x1", "x2"]], [3.0, -2.0], atol=0.1)
    forecast = model.predict(horizon=30, X=X.iloc[300:])
    assert forecast.index.equals(index[300:])
    # far ahead the AR part has died out: the regression is the forecast
    expected_tail = 5 + 3 * X["load"].iloc[-10:] - 2 * X["temp"].iloc[-10:]
    np.testing.assert_allclose(forecast.iloc[-10:], expected_tail, atol=0.35)
    assert np.corrcoef(forecast, y.iloc[300:])[0, 1] > 0.9
    # a new history with its regressors (history rows then horizon rows)
    newer = model.predict(horizon=10, y=y.iloc[:320], X=X.iloc[:330])
    assert newer.index.equals(index[320:330])


def test_prediction_intervals_are_ordered_and_widen():
    y = hourly(np.cumsum(np.random.default_rng(7).normal(size=200)))
    forecast = ARIMA(order=(0, 1, 1)).fit(y).predict(horizon=10, quantiles=[0.05, 0.5, 0.95])
    low, mid, high = forecast["y_q0.05"], forecast["y_q0.5"], forecast["y_q0.95"]
    assert (low < mid).all() and (mid < high).all()
    np.testing.assert_allclose(mid, forecast["y"])
    assert (np.diff(high - low) > 0).all()


# -- limits, fallbacks, edge cases ----------------------------------------------------------------


def test_maxiter_stops_the_fit_with_a_warning():
    y = hourly(simulate((2, 0, 2), (0, 0, 0, 0), [0.5, -0.2, 0.3, 0.2, 1.0], 300, 8))
    with pytest.warns(FitWarning, match="maxiter=1"):
        model = ARIMA(order=(2, 0, 2), maxiter=1).fit(y)
    assert np.isfinite(model.predict(horizon=3).to_numpy()).all()


def test_time_budget_stops_the_fit_with_a_warning():
    y = hourly(simulate((1, 0, 1), (1, 1, 1, 12), [0.5, 0.2, 0.3, -0.5, 1.0], 600, 9))
    with pytest.warns(FitWarning, match="time budget"):
        model = ARIMA(order=(1, 0, 1), seasonal_order=(1, 1, 1, 12), time_budget=1e-6).fit(y)
    assert model.models_["method"].iloc[0] in ("ml", "fallback")
    assert np.isfinite(model.predict(horizon=24).to_numpy()).all()


def test_failed_likelihood_falls_back_to_css_then_to_a_random_walk(monkeypatch):
    y = hourly(np.cumsum(np.random.default_rng(10).normal(size=120)) + 100)
    monkeypatch.setattr(arima_module, "fit_ml", lambda *a, **k: (None, (), np.nan, ["maximum likelihood failed (test)"]))
    with pytest.warns(FitWarning, match="used the CSS estimates"):
        model = ARIMA(order=(1, 1, 0)).fit(y)
    assert model.models_["method"].iloc[0] == "fallback"
    failed = css_module.CSSFit(Orders(1, 1, 0), np.zeros(1), np.nan, 119, np.inf)
    monkeypatch.setattr(arima_module, "fit_css", lambda y, orders, x=None, **k: failed if orders.p else fit_css(y, orders, x))
    with pytest.warns(FitWarning, match=r"fell back to ARIMA\(0,1,0\)"):
        model = ARIMA(order=(1, 1, 0)).fit(y)
    np.testing.assert_allclose(model.predict(horizon=3).to_numpy(), y.iloc[-1])  # a random walk


def test_constant_series_forecasts_its_value_silently():
    y = hourly(np.full(50, 7.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forecast = ARIMA(order=(1, 1, 1)).fit(y).predict(horizon=4, quantiles=[0.1, 0.9])
    np.testing.assert_array_equal(forecast.to_numpy(), 7.5)


def test_series_too_short_for_the_orders_is_refused():
    with pytest.raises(ValueError, match="at least"):
        ARIMA(order=(2, 0, 0), seasonal_order=(1, 1, 0, 12)).fit(hourly(np.arange(20.0)))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"order": (1, 0)}, "order must be"),
        ({"seasonal_order": (1, 0, 0, 1)}, "period m < 2"),
        ({"trend": "x"}, "trend must be"),
        ({"method": "mle"}, "method must be"),
        ({"maxiter": 0}, "maxiter"),
        ({"time_budget": -1}, "time_budget"),
    ],
)
def test_bad_parameters_are_refused_at_fit(params, message):
    with pytest.raises(ValueError, match=message):
        ARIMA(**params).fit(hourly(np.arange(50.0)))


# -- accuracy on a classic series -------------------------------------------------------------


def test_airline_model_on_air_passengers_is_the_maximum_likelihood_fit():
    y = np.log(load_dataset("air_passengers"))
    model = ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(y.iloc[:-12])
    # The estimates are the maximum-likelihood ones: statsmodels' own optimiser on the
    # same model finds no higher likelihood, and the same parameters.
    reference = SARIMAX(y.iloc[:-12].to_numpy(), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(disp=False)
    params = model.params_.iloc[0]
    assert reference.model.loglike(params.to_numpy()) >= reference.llf - 1e-6
    np.testing.assert_allclose(params.to_numpy(), reference.params, rtol=0.01)
    # Accuracy against the baseline on the same months: the seasonal naive repeats last
    # year and misses the trend, which the airline model follows: at least half its error.
    forecast = np.exp(model.predict(horizon=12)).to_numpy()
    actual = np.exp(y.iloc[-12:]).to_numpy()
    naive = SeasonalNaive(season_length=12).fit(np.exp(y.iloc[:-12])).predict(horizon=12).to_numpy()
    assert np.mean(np.abs(forecast - actual)) < 0.5 * np.mean(np.abs(naive - actual))


# -- Fourier terms ---------------------------------------------------------------------------------


def test_fourier_terms_have_a_fixed_phase_and_the_period():
    index = pd.date_range("2024-01-01", periods=400, freq="h")
    terms = fourier_terms(index, period=168, n_terms=2)
    assert list(terms.columns) == ["sin1_168", "cos1_168", "sin2_168", "cos2_168"]
    np.testing.assert_allclose(terms.iloc[:232].to_numpy(), terms.iloc[168:].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(fourier_terms(index[100:], 168, 2).to_numpy(), terms.iloc[100:].to_numpy())
    np.testing.assert_allclose((terms**2).sum(axis=1), 2.0)
    with pytest.raises(ValueError, match="too many"):
        fourier_terms(index, period=4, n_terms=3)


@pytest.mark.parametrize("freq", ["MS", "ME", "2MS", "QS", "QE-NOV", "YS", "W-TUE", "B", "D", "2h"])
def test_fourier_terms_advance_one_step_per_row_at_every_frequency(freq):
    index = pd.date_range("2020-01-01", periods=9, freq=freq)  # business days cross a weekend
    terms = fourier_terms(index, period=4, n_terms=1)
    steps = np.unwrap(np.arctan2(terms["sin1_4"], terms["cos1_4"])) * 4 / (2 * np.pi)
    np.testing.assert_allclose(np.diff(steps), 1.0, atol=1e-9)
    # the same timestamps get the same terms whichever index they arrive in
    np.testing.assert_allclose(fourier_terms(index[5:], 4, 1).to_numpy(), terms.iloc[5:].to_numpy())


def test_fourier_regressors_model_a_long_season():
    index = pd.date_range("2024-01-01", periods=168 * 5, freq="h")
    X = fourier_terms(index, period=168, n_terms=2)
    rng = np.random.default_rng(11)
    y = pd.Series(10 + 3 * X["sin1_168"] - X["cos2_168"] + rng.normal(0, 0.3, len(index)), index=index)
    model = ARIMA(order=(1, 0, 0), trend="c").fit(y.iloc[:-168], X=X.iloc[:-168])
    forecast = model.predict(horizon=168, X=X.iloc[-168:])
    signal = (10 + 3 * X["sin1_168"] - X["cos2_168"]).iloc[-168:]
    assert np.mean(np.abs(forecast.to_numpy() - signal.to_numpy())) < 0.1


def test_module_examples_run():
    for module in (arima_module, css_module):
        failures, tried = doctest.testmod(module, verbose=False)
        assert tried > 0 and failures == 0


def test_css_start_values_are_sarimax_parameters():
    rng = np.random.default_rng(12)
    y = arma_generate_sample([1, -0.5], [1, 0.4], 800, distrvs=rng.standard_normal) + 3
    fit = fit_css(y, Orders(1, 0, 1, constant=True))
    params = to_sarimax_params(fit)
    model = SARIMAX(y, order=(1, 0, 1), trend="c")
    assert list(model.param_names) == ["intercept", "ar.L1", "ma.L1", "sigma2"]
    # intercept = mean · (1 - φ): the SARIMAX process then has the CSS mean
    assert params[0] / (1 - params[1]) == pytest.approx(np.mean(y), abs=0.15)
    assert model.loglike(params) > model.loglike(model.start_params)


def test_root_check_per_factor_or_expanded_as_r():
    orders = Orders(0, 0, 0, 0, 1, 1, 24)
    coef = np.array([-0.9])  # Θ = -0.9: a root at 1/0.9 in B^24, at (1/0.9)^(1/24) in B
    assert css_module.min_root_modulus(coef, orders) == pytest.approx(1 / 0.9)
    assert css_module.min_root_modulus(coef, orders, expanded=True) == pytest.approx((1 / 0.9) ** (1 / 24))
    y = simulate((0, 0, 0), (0, 1, 1, 24), [-0.9, 1.0], 960, 13)
    fit = fit_css(y, orders)
    assert fit.ok and fit.coef[0] < -0.79  # -0.81: beyond what R's rule allows at m = 24
    assert not fit_css(y, orders, expanded_roots=True).ok


class FittedAsGiven(ARIMA):
    """ARIMA fitted to the series itself, not divided by its largest |value|."""

    rescale_always = False


def regression_series() -> tuple[pd.Series, pd.DataFrame]:
    x = np.random.default_rng(3).normal(size=(300, 1))
    y = hourly(simulate((1, 1, 1), (0, 0, 0, 0), [0.5, 0.3, 1.0], 300, 3) + 3.0 * x[:, 0] + 20)
    return y, pd.DataFrame(x, index=y.index)


def test_reported_parameters_and_aicc_are_in_the_data_units():
    y, X = regression_series()
    # CSS is least squares: fitted divided by max|y| or as given, the same fit to rounding
    rescaled = ARIMA(order=(1, 1, 1), trend="c", method="css").fit(y, X=X)
    assert rescaled.scales_[0] == pytest.approx(np.abs(y).max())
    given = FittedAsGiven(order=(1, 1, 1), trend="c", method="css").fit(y, X=X)
    assert given.scales_[0] == 1.0
    pd.testing.assert_frame_equal(rescaled.params_, given.params_, rtol=1e-9)
    assert rescaled.models_["aicc"].iloc[0] == pytest.approx(given.models_["aicc"].iloc[0], rel=1e-9)
    # Exact likelihood: c·y gets c·intercept, c·β, c²·σ², the same AR/MA, and log c more per step
    base = ARIMA(order=(1, 1, 1), trend="c").fit(y, X=X)
    scaled = ARIMA(order=(1, 1, 1), trend="c").fit(1000 * y, X=X)
    ratio = scaled.params_.iloc[0] / base.params_.iloc[0]
    np.testing.assert_allclose(ratio[["intercept", "x1", "ar.L1", "ma.L1", "sigma2"]], [1e3, 1e3, 1, 1, 1e6], rtol=1e-8)
    shift = scaled.models_["aicc"].iloc[0] - base.models_["aicc"].iloc[0]
    assert shift == pytest.approx(2 * (len(y) - 1) * np.log(1000), rel=1e-9)  # n - d observations


# -- forecasts from the training data start at the filter's end -------------------------------


def _filter_end_cases() -> dict[str, tuple]:
    """(model, y, X for fit, X for the horizon, horizon) per kind of model."""
    seasonal = hourly(simulate((1, 0, 1), (1, 1, 1, 24), [0.5, 0.3, 0.4, -0.6, 1.0], 480, 13) + 40)
    drift = hourly(np.cumsum(np.random.default_rng(14).normal(0.2, 1.0, 300)))
    time_trend = hourly(simulate((1, 0, 0), (0, 0, 0, 0), [0.6, 1.0], 300, 15) + 0.05 * np.arange(300))
    line = hourly(3.0 + 0.5 * np.arange(60.0))  # differences constant: a deterministic model
    from tsmem.estimators import AutoARIMA
    y, X = regression_series()
    return {
        "seasonal": (ARIMA(order=(1, 0, 1), seasonal_order=(1, 1, 1, 24)), seasonal, None, None, 48),
        "drift": (ARIMA(order=(1, 1, 1), trend="c"), drift, None, None, 12),
        "time trend": (ARIMA(order=(1, 0, 0), trend="ct"), time_trend, None, None, 12),
        "deterministic": (AutoARIMA(), line, None, None, 6),
        "regressors": (ARIMA(order=(1, 1, 1), trend="c"), y.iloc[:280], X.iloc[:280], X.iloc[280:], 20),
    }


@pytest.mark.parametrize("case", list(_filter_end_cases()))
def test_forecasts_from_the_training_data_equal_filtering_it_again(case, monkeypatch):
    from dataclasses import replace

    import tsmem.estimators.sarimax_state as sarimax_state

    model, y, X, X_future, horizon = _filter_end_cases()[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)  # a fit stopped at maxiter forecasts all the same
        model.fit(y, X=X)
    quantiles = [0.05, 0.5, 0.9]
    deterministic = model.states_[0].params is None
    assert (model.states_[0].end is None) == deterministic
    lengths: list[int] = []  # of every SARIMAX model built: never the history's now
    build = sarimax_state.sarimax
    monkeypatch.setattr(sarimax_state, "sarimax", lambda values, *a, **k: lengths.append(len(values)) or build(values, *a, **k))
    kept = model.predict(horizon=horizon, X=X_future, quantiles=quantiles)
    assert set(lengths) == (set() if deterministic else {horizon})
    # the same history given again as y starts from the kept end too
    X_again = None if X is None else pd.concat([X, X_future])  # history rows, then the horizon's
    np.testing.assert_array_equal(model.predict(horizon=horizon, X=X_again, y=y, quantiles=quantiles), kept)
    assert set(lengths) == (set() if deterministic else {horizon})
    # the path it replaces: the filter over the whole history, then statsmodels' forecast
    model.states_ = [replace(state, end=None) for state in model.states_]
    again = model.predict(horizon=horizon, X=X_future, quantiles=quantiles)
    assert deterministic or len(y) in lengths
    np.testing.assert_allclose(kept.to_numpy(), again.to_numpy(), rtol=1e-8, atol=1e-12)
    spread = (kept.to_numpy() - kept.to_numpy()[:, :1], again.to_numpy() - again.to_numpy()[:, :1])
    np.testing.assert_allclose(*spread, rtol=1e-8, atol=1e-12)  # the intervals, not just the levels
    if X_future is not None:  # the horizon's regressors are used, not ignored
        moved = model.predict(horizon=horizon, X=X_future + 1.0)
        assert not np.allclose(moved.to_numpy(), kept[y.name].to_numpy())


def test_filter_end_is_small_survives_pickling_and_yields_to_a_new_history():
    import pickle

    y = hourly(simulate((1, 0, 1), (1, 1, 1, 24), [0.5, 0.3, 0.4, -0.6, 1.0], 480, 16) + 40)
    model = ARIMA(order=(1, 1, 1), seasonal_order=(1, 1, 1, 24)).fit(y.iloc[:432])
    end = model.states_[0].end
    # P_n is kept on the 26 ARMA states only, not the 51² of the whole state vector
    assert len(end.support) == 26 and len(pickle.dumps(end)) < 4_000
    loaded = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(loaded.predict(horizon=24, quantiles=[0.1, 0.9]), model.predict(horizon=24, quantiles=[0.1, 0.9]))
    # a longer history is filtered anew: statsmodels' forecast from it (in the fitted units)
    state, scale = model.states_[0], model.scales_[0]
    fitted = statsmodels_model(y.to_numpy() / scale, state).filter(state.params)
    np.testing.assert_allclose(loaded.predict(horizon=24, y=y).to_numpy(), fitted.forecast(24) * scale, rtol=1e-10)
