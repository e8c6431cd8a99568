"""EnsembleForecaster: the combination rules by hand, the sklearn contract, quantiles,
parallel fits, save/load, errors, the time budget, the memory-network ensemble, accuracy."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression

from tsmem.backtest import backtest
from tsmem.estimators import (
    ARIMA,
    Drift,
    EnsembleForecaster,
    FitWarning,
    Naive,
    SeasonalNaive,
    Theta,
)
from tsmem.estimators.base import LocalForecaster

H = 6
TINY_MEMNET = {  # verbose=False is the ensemble's to set in memnet()
    "window": 4, "stride": 4, "d_model": 8, "max_epochs": 2, "batch_size": 16, "trainer_kwargs": {"accelerator": "cpu"},
}


def series(n: int = 96, seed: int = 0, period: int = 8, noise: float = 0.3) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 10 + 3 * np.sin(2 * np.pi * t / period) + 0.02 * t + rng.normal(0, noise, n)
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=n, freq="h"), name="load")


def statistical_members() -> list:
    return [("snaive", SeasonalNaive(season_length=8)), ("theta", Theta(season_length=8)),
            ("naive", Naive()), ("drift", Drift())]


def memnet(**params):
    from tsmem.estimators import MemNetForecaster

    return MemNetForecaster(**{"lookback": 24, "horizon": H, "random_state": 0, "verbose": False, **TINY_MEMNET, **params})


class PointOnly(LocalForecaster):
    """A member without quantiles: the mean of the history."""

    stateless = True

    def _predict_one(self, state, y, horizon, x, quantiles):
        return np.full(horizon, y.mean()), None


# -- the combination rules, by hand ---------------------------------------------------------------
def member_forecasts(y: pd.Series, members: list, horizon: int = H) -> np.ndarray:
    return np.stack([clone(m).fit(y).predict(horizon=horizon).to_numpy() for _, m in members])


@pytest.mark.parametrize(("aggregate", "combine"), [("median", np.median), ("mean", np.mean)])
def test_median_and_mean_are_those_of_the_members(aggregate, combine):
    y = series()
    forecast = EnsembleForecaster(statistical_members(), aggregate=aggregate).fit(y).predict(horizon=H)
    expected = combine(member_forecasts(y, statistical_members()), axis=0)
    np.testing.assert_allclose(forecast.to_numpy(), expected, rtol=1e-12)
    ensemble = EnsembleForecaster(statistical_members(), aggregate=aggregate).fit(y)
    ensemble.set_params(aggregate="weighted")  # a new rule takes effect at the next fit only
    np.testing.assert_allclose(ensemble.predict(horizon=H).to_numpy(), expected, rtol=1e-12)
    assert not np.allclose(expected, member_forecasts(y, statistical_members())[0])  # a real combination


def test_weights_are_inverse_validation_errors_on_the_held_out_tail():
    y = series()
    ensemble = EnsembleForecaster(statistical_members(), aggregate="weighted", horizon=H).fit(y)
    held_out = member_forecasts(y.iloc[:-H], statistical_members())
    mae = np.abs(held_out - y.iloc[-H:].to_numpy()).mean(axis=1)
    weights = (1 / mae) / (1 / mae).sum()
    np.testing.assert_allclose(list(ensemble.validation_errors_.values()), mae, rtol=1e-12)
    np.testing.assert_allclose(ensemble.weights_, weights, rtol=1e-12)
    expected = weights @ member_forecasts(y, statistical_members())
    np.testing.assert_allclose(ensemble.predict().to_numpy(), expected, rtol=1e-12)


def test_weights_with_another_metric_and_validation_size():
    y = series()
    ensemble = EnsembleForecaster(statistical_members(), aggregate="weighted", val_size=8, metric="rmse")
    ensemble.fit(y)
    held_out = member_forecasts(y.iloc[:-8], statistical_members(), horizon=8)
    rmse = np.sqrt(((held_out - y.iloc[-8:].to_numpy()) ** 2).mean(axis=1))
    np.testing.assert_allclose(ensemble.weights_, (1 / rmse) / (1 / rmse).sum(), rtol=1e-12)


def test_a_perfect_member_takes_all_the_weight():
    y = pd.Series(np.tile([1.0, 5.0, 2.0, 7.0], 16))  # exactly periodic: seasonal naive is exact
    ensemble = EnsembleForecaster(
        [("snaive", SeasonalNaive(season_length=4)), ("naive", Naive())], aggregate="weighted", horizon=4
    ).fit(y)
    np.testing.assert_array_equal(ensemble.weights_, [1.0, 0.0])
    np.testing.assert_array_equal(ensemble.predict().to_numpy(), [1.0, 5.0, 2.0, 7.0])


# -- quantiles ------------------------------------------------------------------------------------
def test_quantiles_combine_level_by_level_and_never_cross():
    y = series()
    levels = [0.1, 0.5, 0.9]
    members = statistical_members()
    forecast = EnsembleForecaster(members).fit(y).predict(horizon=H, quantiles=levels)
    for q in levels:
        by_member = np.stack([clone(m).fit(y).predict(horizon=H, quantiles=levels)[f"load_q{q}"] for _, m in members])
        np.testing.assert_allclose(forecast[f"load_q{q}"], np.median(by_member, axis=0), rtol=1e-12)
    assert (forecast["load_q0.1"] <= forecast["load_q0.5"]).all()
    assert (forecast["load_q0.5"] <= forecast["load_q0.9"]).all()


def test_only_members_with_quantiles_give_them():
    y = series()
    members = [("snaive", SeasonalNaive(season_length=8)), ("theta", Theta(season_length=8)), ("mean", PointOnly())]
    ensemble = EnsembleForecaster(members, aggregate="weighted", horizon=H).fit(y)
    forecast = ensemble.predict(quantiles=[0.2, 0.8])
    w = ensemble.weights_[:2] / ensemble.weights_[:2].sum()  # renormalised over the two with quantiles
    by_member = np.stack([clone(m).fit(y).predict(horizon=H, quantiles=[0.2])["load_q0.2"] for _, m in members[:2]])
    np.testing.assert_allclose(forecast["load_q0.2"], w @ by_member, rtol=1e-12)
    np.testing.assert_allclose(forecast["load"], ensemble.weights_ @ member_forecasts(y, members), rtol=1e-12)


def test_quantiles_when_no_member_gives_them():
    y = series()
    with pytest.raises(ValueError, match="point forecasts only"):
        EnsembleForecaster([("a", PointOnly()), ("b", PointOnly())]).fit(y).predict(H, quantiles=[0.1])
    point_memnet = EnsembleForecaster([("net", memnet()), ("mean", PointOnly())]).fit(y)
    with pytest.raises(ValueError, match="None of the fitted members forecasts the quantiles"):
        point_memnet.predict(quantiles=[0.1, 0.9])


# -- the scikit-learn contract ---------------------------------------------------------------------
def test_members_parameters_are_reachable_by_name():
    ensemble = EnsembleForecaster(statistical_members())
    params = ensemble.get_params(deep=True)
    assert params["theta__season_length"] == 8 and params["snaive"] is ensemble.estimators[0][1]
    ensemble.set_params(theta__season_length=4, aggregate="mean")
    assert ensemble.named_estimators.theta.season_length == 4 and ensemble.aggregate == "mean"
    ensemble.set_params(naive=SeasonalNaive(season_length=2))
    assert ensemble.named_estimators.naive.season_length == 2
    copy = clone(ensemble.fit(series()))
    assert not hasattr(copy, "estimators_")
    assert copy.estimators[1][1] is not ensemble.estimators[1][1]
    assert copy.get_params()["theta__season_length"] == 4
    assert ensemble.estimators_[0] is not ensemble.estimators[0][1], "fit works on clones"


def test_regressors_reach_the_members_that_take_them():
    y = series()
    calendar = pd.date_range(y.index[0], periods=len(y) + H, freq="h")
    X = pd.DataFrame({"hour": (calendar.hour % 8).astype(float)}, index=calendar)
    arima = ARIMA(order=(1, 0, 0))
    ensemble = EnsembleForecaster([("arima", arima), ("snaive", SeasonalNaive(season_length=8))], aggregate="mean")
    forecast = ensemble.fit(y, X=X.iloc[: len(y)]).predict(horizon=H, X=X.iloc[len(y):])
    alone = clone(arima).fit(y, X=X.iloc[: len(y)]).predict(horizon=H, X=X.iloc[len(y):])
    np.testing.assert_allclose(forecast, (alone + SeasonalNaive(season_length=8).fit(y).predict(H)) / 2)
    with pytest.raises(ValueError, match="needs X"):
        ensemble.predict(horizon=H)
    with pytest.raises(ValueError, match="does not use exogenous"):
        EnsembleForecaster(statistical_members()).fit(y, X=X.iloc[: len(y)])


def test_forecast_from_a_new_history():
    y = series(120)
    ensemble = EnsembleForecaster(statistical_members(), aggregate="weighted", horizon=H).fit(y.iloc[:100])
    forecast = ensemble.predict(y=y)
    expected = ensemble.weights_ @ np.stack([m.predict(horizon=H, y=y).to_numpy() for m in ensemble.estimators_])
    np.testing.assert_allclose(forecast.to_numpy(), expected)
    assert forecast.index[0] == y.index[-1] + pd.Timedelta(hours=1)


# -- parallel, save/load, explain --------------------------------------------------------------------
def test_parallel_fits_give_the_sequential_forecast():
    y = series()
    members = [("net", memnet(random_state=1)), ("theta", Theta(season_length=8))]
    sequential = EnsembleForecaster(members, aggregate="weighted").fit(y)
    parallel = EnsembleForecaster(members, aggregate="weighted", n_jobs=2).fit(y)
    pd.testing.assert_series_equal(sequential.predict(), parallel.predict())
    np.testing.assert_array_equal(sequential.weights_, parallel.weights_)


def test_save_and_load_round_trip(tmp_path):
    y = series()
    ensemble = EnsembleForecaster([("net", memnet()), ("theta", Theta(season_length=8))], aggregate="mean").fit(y)
    path = tmp_path / "ensemble.joblib"
    ensemble.save(path)
    loaded = EnsembleForecaster.load(path)
    pd.testing.assert_series_equal(loaded.predict(), ensemble.predict())
    pd.testing.assert_series_equal(loaded.predict(y=series(100, seed=3)), ensemble.predict(y=series(100, seed=3)))
    assert loaded.get_params()["net__lookback"] == 24
    (tmp_path / "junk").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a tsmem ensemble file"):
        EnsembleForecaster.load(tmp_path / "junk")
    import joblib

    joblib.dump({"something": "else"}, tmp_path / "other.joblib")
    with pytest.raises(ValueError, match="not an EnsembleForecaster file"):
        EnsembleForecaster.load(tmp_path / "other.joblib")
    with pytest.raises(FileNotFoundError):
        EnsembleForecaster.load(tmp_path / "missing")


def test_explain_is_delegated_to_the_members_that_explain():
    y = series()
    ensemble = EnsembleForecaster([("net", memnet()), ("theta", Theta(season_length=8))]).fit(y)
    explained = ensemble.explain()
    assert list(explained) == ["net"]
    pd.testing.assert_frame_equal(explained["net"], ensemble.named_estimators_.net.explain())
    with pytest.raises(ValueError, match="None of the members has explain"):
        EnsembleForecaster(statistical_members()).fit(y).explain()


# -- errors and the time budget --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("estimators", "options", "message"),
    [
        ([], {}, "non-empty list of \\(name, estimator\\) pairs"),
        ([("a", Naive()), ("a", Drift())], {}, "Names provided are not unique"),
        ([("a", Naive()), ("ols", LinearRegression())], {}, "'ols' is a LinearRegression, not a tsmem forecaster"),
        ([("a", Naive), ("b", Drift())], {}, "pass an instance: Naive\\(\\)"),
        ([Naive(), Drift()], {}, "must hold \\(name, estimator\\) pairs"),
        ([("a__b", Naive())], {}, "must not contain __"),
        ([("horizon", Naive())], {}, "conflict with constructor arguments"),
        ([("a", Naive())], {"aggregate": "max"}, "aggregate must be one of"),
        ([("a", Naive())], {"aggregate": "weighted"}, "set horizon= or val_size="),
        ([("a", Naive())], {"metric": "corr", "horizon": 2}, "lower is better"),
        ([("a", Naive())], {"time_budget": -1}, "time_budget must be a positive number"),
        ([("a", Naive())], {"val_size": 0}, "val_size must be a positive integer"),
        ([("a", Naive()), ("bad", SeasonalNaive(season_length=0))], {}, "Ensemble member 'bad': season_length"),
    ],
)
def test_bad_ensembles_get_clear_errors(estimators, options, message):
    with pytest.raises(ValueError, match=message):
        EnsembleForecaster(estimators, **options).fit(series())


def test_members_with_different_horizons_are_refused():
    with pytest.raises(ValueError, match="different horizons"):
        EnsembleForecaster([("a", memnet()), ("b", memnet(horizon=4))]).fit(series())
    with pytest.raises(ValueError, match="different horizons"):
        EnsembleForecaster([("a", memnet()), ("b", Naive())], horizon=4).fit(series())
    assert EnsembleForecaster([("a", memnet()), ("b", Naive())]).fit(series()).predict().shape == (H,)


def test_a_spent_time_budget_skips_the_later_members():
    y = series()
    ensemble = EnsembleForecaster(statistical_members()[:3], time_budget=1e-9)
    with pytest.warns(FitWarning, match="1 of 3 members ran, 2 were skipped \\(theta, naive\\)"):
        ensemble.fit(y)
    assert ensemble.skipped_ == ["theta", "naive"] and list(ensemble.named_estimators_) == ["snaive"]
    pd.testing.assert_series_equal(ensemble.predict(H), SeasonalNaive(season_length=8).fit(y).predict(H))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert EnsembleForecaster(statistical_members(), time_budget=600).fit(y).skipped_ == []


# -- the memory-network ensemble in one call ---------------------------------------------------------------
def test_memnet_ensemble_is_the_median_of_its_varied_members(capsys):
    y = series(120)
    ensemble = EnsembleForecaster.memnet(
        H, lookback_multiples=(2, 3), losses=("smape", "mase"), seeds=(0,), verbose=False, **TINY_MEMNET
    )
    names = [name for name, _ in ensemble.estimators]
    assert names == ["L2H_smape_s0", "L3H_smape_s0", "L2H_mase_s0", "L3H_mase_s0"]
    params = ensemble.get_params()
    assert params["L3H_mase_s0__lookback"] == 18 and params["L2H_smape_s0__loss"] == "smape"
    assert params["L2H_smape_s0__scaling"] == "none" and params["L2H_mase_s0__scaling"] != "none"
    forecast = ensemble.fit(y).predict()
    by_member = np.stack([model.predict().to_numpy() for model in ensemble.estimators_])
    np.testing.assert_allclose(forecast.to_numpy(), np.median(by_member, axis=0))
    assert len({tuple(row.round(6)) for row in by_member}) == 4, "the members differ"
    assert "member" not in capsys.readouterr().err  # quiet


def test_memnet_ensemble_progress_bar_and_budget(capsys):
    ensemble = EnsembleForecaster.memnet(
        H, lookback_multiples=(2, 3), losses=("mae",), seeds=(0,), time_budget=1e-9, verbose=True, **TINY_MEMNET
    )
    with pytest.warns(FitWarning, match="1 of 2 members ran"):
        ensemble.fit(series(120))
    assert "2/2" in capsys.readouterr().err  # tqdm counts the members on stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"losses": ("mae", "pinball")}, "losses must be a sequence of names"),
        ({"lookback_multiples": (2, 0)}, "lookback_multiples must be positive integers"),
        ({"seeds": ()}, "seeds must be a non-empty sequence"),
        ({"seeds": (1, 1)}, "seeds has repeats"),
        ({"lookback": 48}, "set per member by the ensemble"),
    ],
)
def test_memnet_ensemble_options_are_checked(options, message):
    with pytest.raises(ValueError, match=message):
        EnsembleForecaster.memnet(H, **options)


# -- accuracy ----------------------------------------------------------------------------------------------
def test_combinations_beat_their_members_in_a_backtest():
    """On a fixed noisy daily-seasonal hourly series (21 days, 4 windows of 24 h): the median
    ensemble's MAE is at most the mean of its members' MAEs (which convexity guarantees for the
    mean ensemble, not for the median), and the weighted ensemble's is below the best member's."""
    y = series(24 * 21, seed=7, period=24, noise=1.0)
    members = [("snaive", SeasonalNaive(season_length=24)), ("theta", Theta(season_length=24)),
               ("arima", ARIMA(order=(1, 0, 0), seasonal_order=(0, 1, 1, 24)))]

    def mae(model) -> float:
        result = backtest(model, y, horizon=24, n_windows=4, metrics=("mae",), progress=False)
        return float(result.metrics.loc["overall", "mae"])

    member_mae = [mae(model) for _, model in members]  # 1.135, 1.162, 1.090 when written
    assert mae(EnsembleForecaster(members)) <= np.mean(member_mae)  # 1.033
    assert mae(EnsembleForecaster(members, aggregate="weighted", horizon=24)) < min(member_mae)  # 0.928
