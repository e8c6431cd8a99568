"""The shared contract every exported forecaster must honour.

Adding a forecaster to ``tsmem.estimators.FORECASTERS`` adds it here: the
checks are scikit-learn's estimator rules (``__init__`` stores, ``fit`` returns
self, ``clone`` round trips) plus a forecaster's own (future timestamps, no
leak of the future, no mutation of the input, same seed → same forecast).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError

from tsmem.backtest import backtest
from tsmem.estimators import FORECASTERS

# The small conformance series make AutoARIMA's likelihood stop at maxiter on some fits; its
# FitWarning says so, and these tests check the API contract, not the fit quality.
pytestmark = pytest.mark.filterwarnings("ignore:AutoARIMA.*maxiter:tsmem.estimators.fit_notes.FitWarning")

HORIZON = 6


def make(cls):
    return cls(**cls._conformance_params())


def seasonal_series(n: int = 96, seed: int = 0, name: str = "load") -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 10 + 3 * np.sin(2 * np.pi * t / 8) + 0.02 * t + rng.normal(0, 0.3, n)
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=n, freq="h"), name=name)


def long_frame() -> pd.DataFrame:
    parts = []
    for i, n in enumerate((80, 96, 88)):
        s = seasonal_series(n, seed=i)
        parts.append(pd.DataFrame({"unique_id": f"s{i}", "ds": s.index, "y": s.to_numpy() + i}))
    return pd.concat(parts, ignore_index=True)


def comparable(params: Any) -> Any:
    """``get_params()`` with nested estimators (a wrapper's ``estimator``, an ensemble's
    ``(name, estimator)`` pairs) as (class, their parameters): clone copies them, and plain
    ``==`` would compare them by identity."""
    if isinstance(params, BaseEstimator):
        return type(params), comparable(params.get_params())
    if isinstance(params, dict):
        return {k: comparable(v) for k, v in params.items()}
    if type(params) in (list, tuple):
        return type(params)(comparable(v) for v in params)
    return params


params = pytest.mark.parametrize("cls", FORECASTERS, ids=lambda c: c.__name__)


@params
def test_init_only_stores_parameters_and_clone_round_trips(cls):
    est = make(cls)
    assert comparable(clone(est).get_params()) == comparable(est.get_params())
    assert est.set_params(**est.get_params()) is est
    before = comparable(est.get_params())
    est.fit(seasonal_series())
    assert comparable(est.get_params()) == before, "fit must not change hyperparameters"
    assert not hasattr(clone(est), "train_"), "clone must drop fitted state"


@params
def test_fit_returns_self_and_predict_needs_fit(cls):
    est = make(cls)
    with pytest.raises(NotFittedError):
        est.predict(horizon=HORIZON)
    assert est.fit(seasonal_series()) is est


@params
def test_series_in_series_out_with_future_timestamps(cls):
    y = seasonal_series()
    forecast = make(cls).fit(y).predict(horizon=HORIZON)
    assert isinstance(forecast, pd.Series)
    assert forecast.name == y.name
    expected = pd.date_range(y.index[-1] + pd.Timedelta(hours=1), periods=HORIZON, freq="h")
    pd.testing.assert_index_equal(forecast.index, expected, check_names=False)
    assert np.isfinite(forecast.to_numpy()).all()


@params
def test_long_frame_gives_every_series_its_own_future(cls):
    y = long_frame()
    forecast = make(cls).fit(y).predict(horizon=HORIZON)
    assert list(forecast.columns[:3]) == ["unique_id", "ds", "y"]
    assert len(forecast) == 3 * HORIZON
    for sid, group in forecast.groupby("unique_id"):
        last = y.loc[y.unique_id == sid, "ds"].max()
        assert group["ds"].min() == last + pd.Timedelta(hours=1)
        assert group["ds"].is_monotonic_increasing


@params
def test_wide_frame_keeps_its_columns(cls):
    y = pd.concat([seasonal_series(name="a"), seasonal_series(seed=1, name="b")], axis=1)
    forecast = make(cls).fit(y).predict(horizon=HORIZON)
    assert list(forecast.columns) == ["a", "b"]
    assert len(forecast) == HORIZON


@params
def test_input_is_not_mutated(cls):
    y = long_frame()
    copy = y.copy(deep=True)
    est = make(cls).fit(y)
    est.predict(horizon=HORIZON, y=y)
    pd.testing.assert_frame_equal(y, copy)


@params
def test_new_history_forecasts_without_refit(cls, monkeypatch):
    y = seasonal_series(120)
    est = make(cls).fit(y.iloc[:100])
    from_train = est.predict(horizon=HORIZON)

    def refit(*args, **kwargs):
        raise AssertionError("predict(y=...) refitted the model")

    for name in ("fit", "_fit", "_fit_one"):  # a spy: any refit fails the test
        if hasattr(cls, name):
            monkeypatch.setattr(cls, name, refit)
    from_new = est.predict(horizon=HORIZON, y=y)
    assert from_new.index[0] == y.index[-1] + pd.Timedelta(hours=1)
    lifted = y.copy()
    lifted.iloc[-24:] += 3.0  # a new history that differs only in its last day
    from_lifted = est.predict(horizon=HORIZON, y=lifted)
    assert not np.allclose(from_new.to_numpy(), from_lifted.to_numpy()), "the forecast ignores the new history"
    # and the fitted model is untouched: the training data's forecast is the same as before
    pd.testing.assert_series_equal(est.predict(horizon=HORIZON), from_train)


@params
def test_no_future_value_leaks_into_a_backtest(cls):
    y = seasonal_series(120)
    tampered = y.copy()
    tampered.iloc[-2 * HORIZON :] += 1000.0  # only the last two windows' targets and beyond
    first = backtest(make(cls), y, horizon=HORIZON, n_windows=3, progress=False).forecasts
    second = backtest(make(cls), tampered, horizon=HORIZON, n_windows=3, progress=False).forecasts
    first_cutoff = first["cutoff"].min()
    a = first.loc[first.cutoff == first_cutoff, "y_pred"].to_numpy()
    b = second.loc[second.cutoff == first_cutoff, "y_pred"].to_numpy()
    np.testing.assert_array_equal(a, b)


@params
def test_same_seed_same_forecast(cls):
    y = seasonal_series()
    first = clone(make(cls)).fit(y).predict(horizon=HORIZON)
    second = clone(make(cls)).fit(y).predict(horizon=HORIZON)
    pd.testing.assert_series_equal(first, second)


@params
def test_quantiles_are_ordered_when_supported(cls):
    est = make(cls).fit(seasonal_series())
    if not cls.supports_quantiles:
        with pytest.raises(ValueError, match="point forecasts only"):
            est.predict(horizon=HORIZON, quantiles=[0.1, 0.9])
        return
    forecast = est.predict(horizon=HORIZON, quantiles=[0.9, 0.1, 0.5])
    assert list(forecast.columns) == ["load", "load_q0.1", "load_q0.5", "load_q0.9"]
    assert (forecast["load_q0.1"] <= forecast["load_q0.5"]).all()
    assert (forecast["load_q0.5"] <= forecast["load_q0.9"]).all()


@params
def test_bad_input_gets_a_clear_error(cls):
    y = seasonal_series()
    y.iloc[5] = np.nan
    with pytest.raises(ValueError, match="missing"):
        make(cls).fit(y)
    with pytest.raises(ValueError, match="horizon"):
        make(cls).fit(seasonal_series()).predict(horizon=0)


@params
def test_exogenous_regressors_are_used_or_refused(cls):
    y = seasonal_series()
    calendar = pd.date_range(y.index[0], periods=len(y) + HORIZON, freq="h")
    X = pd.DataFrame({"hour": calendar.hour.astype(float)}, index=calendar)
    if not cls.supports_exog:
        with pytest.raises(ValueError, match="does not use exogenous"):
            make(cls).fit(y, X=X)
        return
    est = make(cls).fit(y, X=X.iloc[: len(y)])
    forecast = est.predict(horizon=HORIZON, X=X.iloc[len(y) :])
    assert len(forecast) == HORIZON and np.isfinite(forecast.to_numpy()).all()
    with pytest.raises(ValueError, match="needs X"):
        est.predict(horizon=HORIZON)
    # X changes the forecast: a promotion adding 5 to y is learned and applied when announced
    promo = pd.Series(np.random.default_rng(3).integers(0, 2, len(calendar)).astype(float), index=calendar)
    est = make(cls).fit(y + 5 * promo.iloc[: len(y)], X=promo.iloc[: len(y)].to_frame("promo"))
    future = calendar[len(y) :]
    on = est.predict(horizon=HORIZON, X=pd.DataFrame({"promo": 1.0}, index=future))
    off = est.predict(horizon=HORIZON, X=pd.DataFrame({"promo": 0.0}, index=future))
    np.testing.assert_allclose((on - off).to_numpy(), 5.0, atol=0.5)
