"""ETS and Theta: model choice, accuracy bounds, statsmodels equivalence, limits and edge cases."""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel

import tsmem.estimators.ets as ets_module
import tsmem.estimators.fit_notes as notes_module
import tsmem.estimators.theta as theta_module
from tsmem.datasets import load_dataset
from tsmem.estimators import ETS, AutoARIMA, FitWarning, Naive, SeasonalNaive, Theta
from tsmem.estimators.ets import EtsConfig
from tsmem.metrics import smape


@pytest.fixture(scope="module")
def passengers() -> pd.Series:
    return load_dataset("air_passengers")


def hourly(values: np.ndarray) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=len(values), freq="h"), name="y")


# -- ETS ------------------------------------------------------------------------------


def test_ets_chooses_a_multiplicative_seasonal_model_and_beats_the_naive_ones(passengers):
    train, test = passengers.iloc[:-12], passengers.iloc[-12:].to_numpy()
    model = ETS(season_length=12).fit(train)
    chosen = model.models_.iloc[0]
    assert chosen["model"].startswith("ETS(M,") and chosen["model"].endswith(",M)")
    assert chosen["n_models"] == 15  # 2 errors x 3 trends x 3 seasons, less R's 3 restricted ones
    # the seasonal naive repeats last year and misses the trend ETS follows: at least half its error
    score = smape(test, model.predict(horizon=12).to_numpy())
    assert score < smape(test, SeasonalNaive(season_length=12).fit(train).predict(horizon=12).to_numpy()) / 2


def test_ets_candidates_follow_the_data_and_the_letters():
    est = ETS(season_length=4)
    positive = np.arange(1.0, 41.0)
    names = {str(c) for c in est.candidates(positive)}
    assert "ETS(M,Ad,M)" in names and "ETS(A,N,M)" not in names  # R's restriction
    assert not any(",M)" in n or n.startswith("ETS(M") for n in est.candidates(positive - 20.0) for n in [str(n)])
    assert {str(c) for c in ETS(season_length=4, model="AAN", damped=False).candidates(positive)} == {"ETS(A,A,N)"}
    assert all(c.season == "N" for c in est.candidates(positive[:9]))  # two seasons and a bit needed


def test_ets_new_history_runs_the_fitted_model(passengers):
    model = ETS(season_length=12, model="MAM", damped=False).fit(passengers.iloc[:-24])
    np.testing.assert_allclose(
        model.predict(horizon=6, y=passengers.iloc[:-24]).to_numpy(), model.predict(horizon=6).to_numpy()
    )
    expected = (
        ETSModel(passengers.iloc[:-12].reset_index(drop=True), error="mul", trend="add", seasonal="mul", seasonal_periods=12)
        .smooth(model.params_.iloc[0].to_numpy())  # in the data's units (states_: divided by scales_)
        .forecast(6)
    )
    np.testing.assert_allclose(model.predict(horizon=6, y=passengers.iloc[:-12]).to_numpy(), expected, rtol=1e-10)


def test_ets_intervals_are_ordered_and_reproducible(passengers):
    model = ETS(season_length=12, model="MAM", damped=False).fit(passengers.iloc[:-12])
    first = model.predict(horizon=12, quantiles=[0.1, 0.5, 0.9])
    second = model.predict(horizon=12, quantiles=[0.1, 0.5, 0.9])
    pd.testing.assert_frame_equal(first, second)  # simulated, with a fixed seed
    assert (first["passengers_q0.1"] < first["passengers_q0.5"]).all()
    assert (first["passengers_q0.5"] < first["passengers_q0.9"]).all()
    additive = ETS(season_length=12, model="AAA", damped=False).fit(np.log(passengers))
    forecast = additive.predict(horizon=12, quantiles=[0.25, 0.75])
    width = forecast["passengers_q0.75"] - forecast["passengers_q0.25"]
    assert (width > 0).all() and width.iloc[-1] > width.iloc[0]


def test_ets_time_budget_and_fallback_warn(monkeypatch, passengers):
    with pytest.warns(FitWarning, match="time budget"):
        model = ETS(season_length=12, time_budget=1e-9).fit(passengers)
    assert model.models_["method"].iloc[0] == "fallback"  # no candidate fitted: simple exponential smoothing
    assert np.isfinite(model.predict(horizon=3).to_numpy()).all()
    monkeypatch.setattr(ETS, "_fit_config", lambda *args, **kwargs: None)
    with pytest.warns(FitWarning, match="forecasting the last value"):
        model = ETS().fit(passengers)
    # the last value, to rounding: the series is fitted divided by its largest value
    np.testing.assert_allclose(model.predict(horizon=2).to_numpy(), passengers.iloc[-1], rtol=1e-15)


def test_ets_constant_series_and_long_seasons():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forecast = ETS(season_length=4).fit(hourly(np.full(30, 2.0))).predict(horizon=3, quantiles=[0.2, 0.8])
    np.testing.assert_array_equal(forecast.to_numpy(), 2.0)
    # a weekly cycle in hourly data: heuristic initial states, no 168 free parameters
    t = np.arange(168 * 4)
    y = hourly(50 + 10 * np.sin(2 * np.pi * t / 168) + np.random.default_rng(0).normal(0, 1, len(t)))
    # (the seconds this fit takes are measured by experiments/bench_statistical.py --dataset timings)
    model = ETS(season_length=168, model="AZA").fit(y.iloc[:-168])
    assert model.states_[0].initialization == "heuristic"
    error = np.mean(np.abs(model.predict(horizon=168).to_numpy() - y.iloc[-168:].to_numpy()))
    naive = np.mean(np.abs(Naive().fit(y.iloc[:-168]).predict(horizon=168).to_numpy() - y.iloc[-168:].to_numpy()))
    assert error < naive / 3


def test_ets_approximation_matches_the_full_search_on_a_clear_case(passengers):
    full = ETS(season_length=12, approximation=False).fit(passengers.iloc[:-12])
    fast = ETS(season_length=12, approximation=True).fit(passengers.iloc[:-12])
    assert fast.models_["model"].iloc[0] == full.models_["model"].iloc[0]
    assert fast.states_[0].initialization == "estimated"  # the chosen model is refitted in full
    assert fast.models_["aicc"].iloc[0] == pytest.approx(full.models_["aicc"].iloc[0], rel=1e-4)


def test_ets_bad_parameters():
    with pytest.raises(ValueError, match="three letters"):
        ETS(model="ZZ").fit(hourly(np.arange(1.0, 30.0)))
    with pytest.raises(ValueError, match="damped"):
        ETS(damped="yes").fit(hourly(np.arange(1.0, 30.0)))


def test_ets_config_names():
    assert str(EtsConfig("M", "A", True, "M")) == "ETS(M,Ad,M)"


# -- Theta ----------------------------------------------------------------------------------


def test_theta_equals_statsmodels_and_beats_naive(passengers):
    train, test = passengers.iloc[:-12], passengers.iloc[-12:].to_numpy()
    model = Theta(season_length=12).fit(train)
    expected = ThetaModel(train.to_numpy(), period=12).fit().forecast(12)
    np.testing.assert_allclose(model.predict(horizon=12).to_numpy(), expected, rtol=1e-10)
    # the forecast is statsmodels' (above); it must beat the seasonal naive, which misses the trend
    score = smape(test, model.predict(horizon=12).to_numpy())
    assert score < smape(test, SeasonalNaive(season_length=12).fit(train).predict(horizon=12).to_numpy())


def test_theta_seasonality_test_decides_the_adjustment():
    rng = np.random.default_rng(1)
    t = np.arange(240)
    seasonal = Theta(season_length=24).fit(hourly(100 + 20 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 1, 240)))
    plain = Theta(season_length=24).fit(hourly(100 + rng.normal(0, 1, 240)))
    assert seasonal.models_["deseasonalized"].iloc[0] and not plain.models_["deseasonalized"].iloc[0]
    short = Theta(season_length=24).fit(hourly(100 + rng.normal(0, 1, 30)))  # under two seasons
    assert not short.models_["deseasonalized"].iloc[0]


def test_theta_new_history_and_intervals(passengers):
    model = Theta(season_length=12).fit(passengers.iloc[:-24])
    np.testing.assert_allclose(model.predict(horizon=5, y=passengers.iloc[:-24]).to_numpy(), model.predict(horizon=5).to_numpy())
    newer = model.predict(horizon=5, y=passengers.iloc[:-12])
    assert newer.index[0] == passengers.index[-12]
    state = model.states_[0]
    assert newer.iloc[0] != pytest.approx(model.predict(horizon=1).iloc[0])  # the level moved, α and b₀ did not
    forecast = model.predict(horizon=12, quantiles=[0.1, 0.5, 0.9])
    assert (forecast["passengers_q0.1"] < forecast["passengers_q0.9"]).all()
    np.testing.assert_allclose(forecast["passengers_q0.5"], forecast["passengers"])
    relative = (forecast["passengers_q0.9"] - forecast["passengers_q0.1"]) / forecast["passengers"]
    assert relative.iloc[-1] > relative.iloc[0]
    assert 0 < state.alpha <= 1 and state.sigma2 > 0


def test_theta_constant_and_additive_series():
    np.testing.assert_array_equal(Theta().fit(hourly(np.full(20, 4.0))).predict(horizon=3).to_numpy(), 4.0)
    t = np.arange(120)
    y = hourly(np.sin(2 * np.pi * t / 12) * 5 + 0.05 * t)  # crosses zero: additive decomposition
    model = Theta(season_length=12).fit(y)
    assert not model.models_["multiplicative"].iloc[0]
    expected = ThetaModel(y.to_numpy(), period=12).fit().forecast(12)
    np.testing.assert_allclose(model.predict(horizon=12).to_numpy(), expected, rtol=1e-10)


def test_one_warning_names_the_series(monkeypatch):
    frame = pd.concat(
        [pd.DataFrame({"unique_id": sid, "ds": pd.date_range("2024-01-01", periods=40, freq="h"),
                       "y": np.random.default_rng(i).normal(10, 1, 40)}) for i, sid in enumerate("abcdefg")]
    )
    monkeypatch.setattr(ETS, "_fit_config", lambda *args, **kwargs: None)
    with pytest.warns(FitWarning) as caught:
        ETS().fit(frame)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "7 of 7 series" in message and "a:" in message and "(and 2 more series)" in message


def test_module_examples_run():
    for module in (ets_module, theta_module, notes_module):
        failures, tried = doctest.testmod(module, verbose=False)
        assert tried > 0 and failures == 0


@pytest.mark.parametrize("cls", [AutoARIMA, ETS, Theta], ids=lambda c: c.__name__)
def test_a_very_short_series_does_not_break_a_batch(cls):
    rng = np.random.default_rng(3)
    frame = pd.concat(
        [
            pd.DataFrame({"unique_id": "short", "ds": pd.date_range("2024-01-01", periods=5, freq="h"),
                          "y": [1.0, 3.0, 2.0, 5.0, 4.0]}),
            pd.DataFrame({"unique_id": "long", "ds": pd.date_range("2024-01-01", periods=100, freq="h"),
                          "y": 5 + np.sin(2 * np.pi * np.arange(100) / 8) + rng.normal(0, 0.1, 100)}),
        ]
    )
    forecast = cls(season_length=8).fit(frame).predict(horizon=3, quantiles=[0.1, 0.9])
    assert len(forecast) == 6 and np.isfinite(forecast[["y", "y_q0.1", "y_q0.9"]].to_numpy()).all()
    short = forecast.loc[forecast.unique_id == "short", "y"].to_numpy()
    assert np.all((short > 0) & (short < 10))  # within reach of the data, not an extrapolated blow-up


@pytest.mark.parametrize("model", ["AAA", "MAM"])
def test_ets_reports_are_in_the_data_units(passengers, model):
    base = ETS(season_length=12, model=model, damped=False).fit(passengers)
    scaled = ETS(season_length=12, model=model, damped=False).fit(passengers * 1e6)
    names = base.params_.columns
    # initial level and trend, and additive seasonal states scale; smoothing and M's seasonal ratios do not
    in_units = [n in ("initial_level", "initial_trend") or n.startswith("initial_seasonal") and model == "AAA" for n in names]
    factors = np.where(in_units, 1e6, 1.0)
    np.testing.assert_allclose(scaled.params_.iloc[0], base.params_.iloc[0] * factors, rtol=1e-6, atol=1e-12)
    assert base.params_.iloc[0]["initial_level"] == pytest.approx(passengers.iloc[:12].mean(), rel=0.2)
    shift = scaled.models_["aicc"].iloc[0] - base.models_["aicc"].iloc[0]
    assert shift == pytest.approx(2 * len(passengers) * np.log(1e6), rel=1e-9)
    # the params_ run the fitted model on the data itself
    expected = ETSModel(
        passengers.reset_index(drop=True), error=model[0].replace("A", "add").replace("M", "mul"), trend="add",
        seasonal=model[2].replace("A", "add").replace("M", "mul"), seasonal_periods=12,
    ).smooth(base.params_.iloc[0].to_numpy()).forecast(4)
    np.testing.assert_allclose(base.predict(horizon=4).to_numpy(), expected, rtol=1e-9)


def test_a_constant_series_reports_its_value():
    model = ETS().fit(pd.Series(np.full(20, 7.5e-7)))
    assert model.models_["value"].iloc[0] == 7.5e-7
    assert model.params_.iloc[0].isna().all() or model.params_.shape[1] == 0
