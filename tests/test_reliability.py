"""Hostile input gets a clear error or a right answer, never a silent wrong one (issue 17).

One test per kind of failure: data the layer must refuse, arguments of the wrong
type, scales far from 1, the caller's random generators, interrupted fits.
"""

# ruff: noqa: NPY002  (the legacy global generator is what these tests protect)
from __future__ import annotations

import random
import signal
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from tsmem import metrics
from tsmem.backtest import backtest
from tsmem.data import fill_missing
from tsmem.estimators import ARIMA, ETS, AutoARIMA, Drift, Naive, SeasonalNaive
from tsmem.estimators.base import LocalForecaster
from tsmem.estimators.fit_notes import FitWarning


def monthly(n: int = 48, scale: float = 1.0) -> pd.Series:
    t = np.arange(n)
    values = 10 + 3 * np.sin(2 * np.pi * t / 12) + 0.1 * t + np.random.default_rng(0).normal(0, 0.3, n)
    return pd.Series(scale * values, index=pd.date_range("2020-01-01", periods=n, freq="MS"), name="v")


def long_frame(ids=("a", "b"), n: int = 10) -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.concat(
        [pd.DataFrame({"unique_id": sid, "ds": days, "y": np.arange(n) + 10.0 * i}) for i, sid in enumerate(ids)],
        ignore_index=True,
    )


# -- data the data layer refuses, naming the problem ---------------------------------
@pytest.mark.parametrize(
    "y",
    [
        np.array([1 + 2j, 3 + 0j, 4 + 1j]),
        pd.Series([1 + 2j, 3 + 0j, 4 + 1j]),
        pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024", periods=3), "y": [1j, 2j, 3j]}),
    ],
    ids=["array", "series", "long"],
)
def test_complex_values_are_a_type_error_not_a_dropped_imaginary_part(y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's ComplexWarning must not be the only sign
        with pytest.raises(TypeError, match="complex"):
            Naive().fit(y)


def test_missing_ids_and_timestamps_in_a_long_frame_are_named_not_dropped():
    y = long_frame(("a", "b", "c"))
    y.loc[[3, 14], "unique_id"] = np.nan
    with pytest.raises(ValueError, match=r"2 row\(s\) with a missing 'unique_id'.*\[3, 14\]"):
        Naive().fit(y)
    with pytest.raises(ValueError, match="missing 'unique_id'"):
        fill_missing(y)
    y = long_frame()
    y.loc[4, "ds"] = pd.NaT
    with pytest.raises(ValueError, match=r"missing 'ds'.*\[4\]"):
        Naive().fit(y)


def test_one_observation_series_borrows_its_siblings_frequency_or_is_named():
    y = pd.concat([long_frame(("a",)), pd.DataFrame({"unique_id": ["b"], "ds": [pd.Timestamp("2024-03-01")], "y": [5.0]})])
    forecast = Naive().fit(y).predict(horizon=2)
    b = forecast[forecast.unique_id == "b"]
    assert list(b.ds) == list(pd.to_datetime(["2024-03-02", "2024-03-03"])) and (b.y == 5.0).all()
    alone = pd.Series([5.0], index=pd.DatetimeIndex(["2024-03-01"]))
    with pytest.raises(ValueError, match="single timestamp"):
        Naive().fit(alone)
    monthly_a = long_frame(("a",)).assign(ds=pd.date_range("2024-01-01", periods=10, freq="MS"))
    off_grid = pd.concat([monthly_a, pd.DataFrame({"unique_id": ["b"], "ds": [pd.Timestamp("2024-03-15")], "y": [5.0]})])
    with pytest.raises(ValueError, match="series 'b' of y has a single timestamp"):
        Naive().fit(off_grid)


def test_time_zone_mismatch_between_x_and_y_is_named():
    y = monthly()
    X = pd.DataFrame({"x": np.arange(len(y) + 3.0)}, index=pd.date_range("2020-01-01", periods=len(y) + 3, freq="MS", tz="UTC"))
    with pytest.raises(ValueError, match="Time zone mismatch"):
        ARIMA(order=(1, 0, 0)).fit(y, X=X)


def test_a_new_history_of_another_frequency_is_refused():
    model = Naive().fit(monthly())
    daily = pd.Series(np.arange(30.0), index=pd.date_range("2024-01-01", periods=30, freq="D"))
    with pytest.raises(ValueError, match="steps by D but the model was fitted on data that steps by MS"):
        model.predict(horizon=3, y=daily)
    month_ends = pd.Series(np.arange(30.0), index=pd.date_range("2020-01-31", periods=30, freq="ME"))
    assert len(model.predict(horizon=3, y=month_ends)) == 3  # monthly either way


# -- fill_missing ----------------------------------------------------------------------
def test_fill_missing_keeps_a_monthly_series_on_its_calendar():
    y = monthly(36).drop(pd.to_datetime(["2020-06-01", "2020-07-01", "2021-02-01"]))
    filled = fill_missing(y)
    pd.testing.assert_index_equal(filled.index, monthly(36).index, check_names=False)
    assert filled["2020-06-01"] == pytest.approx(y["2020-05-01"] + (y["2020-08-01"] - y["2020-05-01"]) / 3)
    business = pd.Series(np.arange(20.0), index=pd.bdate_range("2024-01-01", periods=20)).drop(pd.Timestamp("2024-01-10"))
    assert fill_missing(business).index.freqstr == "B"  # not a daily grid with weekends


def test_fill_missing_refuses_what_it_cannot_fill():
    with pytest.raises(ValueError, match="no values"):
        fill_missing(pd.Series([np.nan, np.inf, np.nan], index=pd.date_range("2024", periods=3)))
    assert fill_missing(pd.Series([np.nan] * 3), method="zero").tolist() == [0.0] * 3
    with pytest.raises(ValueError, match="'fortnight' is not a pandas frequency"):
        fill_missing(monthly(), freq="fortnight")
    odd = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03 05:00", "2024-01-05"], format="ISO8601"))
    with pytest.raises(ValueError, match="no regular grid"):
        fill_missing(odd)


# -- arguments of the wrong type or range -------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"horizon": "12"}, TypeError, "horizon must be an integer"),
        ({"step": 1.5}, TypeError, "step must be an integer"),
        ({"n_windows": 0}, ValueError, "n_windows must be an integer >= 1"),
        ({"season_length": 0}, ValueError, "season_length must be an integer >= 1"),
        ({"quantiles": [1.5, -0.2]}, ValueError, "strictly between 0 and 1"),
        ({"quantiles": ["a"]}, TypeError, "quantiles must be numbers"),
        ({"metrics": ["mae", "accuracy"]}, ValueError, "Unknown metric 'accuracy'"),
    ],
)
def test_backtest_arguments_get_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        backtest(Naive(), monthly(), **{"horizon": 3, "n_windows": 2, "progress": False, **kwargs})


def test_metrics_refuse_what_is_not_real_numbers():
    with pytest.raises(TypeError, match="real numbers"):
        metrics.mae(["a"], ["b"])
    with pytest.raises(TypeError, match="real numbers"):
        metrics.rmse([1 + 1j], [1.0])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"quantiles": [0.1, None]}, TypeError, "quantiles must be numbers"),
        ({"quantiles": "abc"}, TypeError, "quantiles must be numbers"),
        ({"quantiles": [0.0, 0.5]}, ValueError, "strictly between 0 and 1"),
        ({"horizon": 10**12}, ValueError, "over tsmem's limit"),
        ({"horizon": 2.0}, ValueError, "positive integer"),
    ],
)
def test_predict_arguments_get_clear_errors(kwargs, error, match):
    model = Naive().fit(monthly())
    with pytest.raises(error, match=match):
        model.predict(**{"horizon": 3, **kwargs})


class ShortSighted(Naive):
    def _max_horizon(self):
        return 10


def test_a_model_that_rolls_forward_caps_its_horizon_with_a_clear_error():
    model = ShortSighted().fit(monthly())
    assert len(model.predict(horizon=10)) == 10
    with pytest.raises(ValueError, match="at most 10 steps"):
        model.predict(horizon=10**6)


@pytest.mark.parametrize(
    ("model", "match"),
    [
        (ETS(n_jobs=0), "n_jobs must be None"),
        (AutoARIMA(n_jobs=1.5), "n_jobs must be None"),
        (ETS(random_state="abc"), "random_state must be None or an integer"),
        (ETS(random_state=-1), "random_state must be None or an integer"),
    ],
)
def test_shared_parameters_are_checked_for_every_model(model, match):
    with pytest.raises(ValueError, match=match):
        model.fit(monthly())


# -- scale ------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [1e-280, 1e-11, 1e12, 1e297])
@pytest.mark.parametrize("model", [Naive(), SeasonalNaive(season_length=12), Drift(), ARIMA(order=(1, 1, 0))],
                         ids=lambda m: type(m).__name__)
def test_forecasts_scale_with_the_data_far_from_1(model, scale):
    quantiles = [0.1, 0.9]
    reference = model.fit(monthly()).predict(horizon=6, quantiles=quantiles).to_numpy()
    scaled = model.fit(monthly(scale=scale)).predict(horizon=6, quantiles=quantiles).to_numpy()
    assert np.isfinite(scaled).all()
    np.testing.assert_allclose(scaled / scale, reference, rtol=1e-6)


def test_values_beyond_float_range_get_a_clear_error():
    with pytest.raises(ValueError, match="magnitude 1.*e\\+30[0-9].*Rescale it"):
        Naive().fit(monthly(scale=1e305))


def test_predict_origins_of_a_rescaled_series_is_exact():
    y = monthly(60, scale=1e-9)
    naive = Naive().fit(y[:40])
    np.testing.assert_allclose(naive.predict_origins(y, 3, [40, 50])[1], [y.iloc[49]] * 3, rtol=1e-12)
    arima = ARIMA(order=(1, 0, 0), trend="c").fit(y[:40])
    assert arima.scales_[0] != 1.0
    paths = arima.predict_origins(y, 3, [40, 50])
    for path, origin in zip(paths, [40, 50], strict=True):
        np.testing.assert_allclose(path, arima.predict(3, y=y[:origin]).to_numpy(), rtol=1e-10)


def test_an_isolated_spike_gets_a_fit_warning():
    y = monthly()
    y.iloc[20] = 1e10
    with pytest.warns(FitWarning, match=r"1 isolated extreme value.*2021-09-01.*1e\+10"):
        Naive().fit(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitWarning)
        Naive().fit(pd.Series(np.exp(np.arange(60) / 3.0)))  # steady growth is no spike
        Naive().fit(pd.Series(np.where(np.arange(60) % 7 == 0, 5.0, 0.0)))  # nor intermittent demand


class NaNForecaster(LocalForecaster):
    stateless = True

    def _predict_one(self, state, y, horizon, x, quantiles):
        return np.full(horizon, np.nan), None


def test_a_non_finite_forecast_is_an_error_not_an_answer():
    with pytest.raises(ValueError, match="not finite"):
        NaNForecaster().fit(monthly()).predict(horizon=3)


# -- the caller's random generators -------------------------------------------------------
def rng_snapshot():
    return np.random.get_state()[1].copy(), random.getstate(), torch.get_rng_state().clone()


def assert_same_rng(before, after):
    assert (before[0] == after[0]).all(), "numpy's global generator changed"
    assert before[1] == after[1], "random's generator changed"
    assert torch.equal(before[2], after[2]), "torch's global generator changed"


class Reseeding(LocalForecaster):
    """A model that seeds every global generator, as careless libraries do."""

    def _fit_one(self, y, x):
        np.random.seed(0), random.seed(0), torch.manual_seed(0)
        return float(y[-1])

    def _predict_one(self, state, y, horizon, x, quantiles):
        return np.full(horizon, state), None


def test_a_fit_leaves_the_callers_generators_as_they_were():
    np.random.seed(123), random.seed(123), torch.manual_seed(123)
    before = rng_snapshot()
    Reseeding().fit(monthly())
    assert_same_rng(before, rng_snapshot())


class Drawing(LocalForecaster):
    """Forecasts a draw from the global generators, as an unseeded model's initialisation does."""

    def __init__(self, random_state: int | None = None) -> None:
        self.random_state = random_state

    def _fit_one(self, y, x):
        return np.random.random() + random.random() + float(torch.rand(1))

    def _predict_one(self, state, y, horizon, x, quantiles):
        return np.full(horizon, state), None


def test_unseeded_fits_differ_yet_leave_the_callers_generators():
    np.random.seed(1), random.seed(1), torch.manual_seed(1)
    before = rng_snapshot()
    first, second = (Drawing().fit(monthly()).predict(horizon=1).iloc[0] for _ in range(2))
    assert first != second
    assert_same_rng(before, rng_snapshot())


def test_memnet_seeds_privately_and_same_seed_gives_same_forecast():
    from tsmem.estimators import MemNetForecaster

    params = {**MemNetForecaster._conformance_params(), "max_epochs": 1}
    y = pd.Series(np.sin(np.arange(120) / 3), index=pd.date_range("2024", periods=120, freq="h"))
    np.random.seed(7), random.seed(7), torch.manual_seed(7)
    before = rng_snapshot()
    first = MemNetForecaster(**params).fit(y).predict(horizon=3)
    assert_same_rng(before, rng_snapshot())
    pd.testing.assert_series_equal(first, MemNetForecaster(**params).fit(y).predict(horizon=3))


# -- interrupts -----------------------------------------------------------------------------
class Interruptible(LocalForecaster):
    """Fits the mean; ``stop_at`` interrupts the fit of that series, Lightning-style or not."""

    def __init__(self, stop_at: float | None = None, lightning: bool = False) -> None:
        self.stop_at = stop_at
        self.lightning = lightning

    def _fit_one(self, y, x):
        if self.stop_at is not None and y[0] == self.stop_at:
            if not self.lightning:
                raise KeyboardInterrupt
            try:  # what Lightning's trainer does with Ctrl-C
                raise KeyboardInterrupt
            except KeyboardInterrupt:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                sys.exit(1)
        return float(y.mean())

    def _predict_one(self, state, y, horizon, x, quantiles):
        return np.full(horizon, state), None


@pytest.mark.parametrize("lightning", [False, True])
def test_an_interrupted_refit_raises_keyboard_interrupt_and_keeps_the_previous_fit(lightning):
    handler = signal.getsignal(signal.SIGINT)
    bigger = long_frame(("a", "b", "c"))  # series c starts at 20
    model = Interruptible(lightning=lightning).fit(long_frame(("a", "b")))
    model.set_params(stop_at=20.0)  # the previous fit no longer matches the parameters
    with pytest.raises(KeyboardInterrupt):
        model.fit(bigger)
    assert not hasattr(model, "train_") and not hasattr(model, "states_"), "parameters changed: unfitted"
    assert signal.getsignal(signal.SIGINT) is handler, "Ctrl-C must work again after the interrupt"
    # With the parameters of the previous fit, an interrupted refit leaves that fit whole.
    model = Interruptible(stop_at=20.0, lightning=lightning).fit(long_frame(("a", "b")))
    before = dict(vars(model))
    with pytest.raises(KeyboardInterrupt):
        model.fit(bigger)
    assert vars(model).keys() == before.keys()
    assert all(vars(model)[k] is before[k] for k in before)
    assert model.predict(horizon=1).y.tolist() == [4.5, 14.5]
