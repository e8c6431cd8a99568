"""The innovations-algorithm likelihood is SARIMAX's Kalman-filter likelihood, faster."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.tsa.statespace.sarimax import SARIMAX

from tsmem.estimators import arma_likelihood
from tsmem.estimators.fit_notes import Deadline
from tsmem.estimators.sarimax_state import fit_ml

RNG = np.random.default_rng(0)
N = 300
SERIES = np.cumsum(RNG.normal(size=N)) + 3 * np.sin(np.arange(N) * 2 * np.pi / 12)
REGRESSORS = RNG.normal(size=(N, 2))


def _model(order, seasonal_order, trend, with_x, **options):
    y = SERIES + (REGRESSORS @ [1.0, -2.0] if with_x else 0.0)
    options = {"simple_differencing": True, "concentrate_scale": True, **options}
    x = REGRESSORS if with_x else None
    return SARIMAX(y, exog=x, order=order, seasonal_order=seasonal_order, trend=trend, **options)


@settings(max_examples=25, deadline=None)
@given(
    p=st.integers(0, 3),
    q=st.integers(0, 2),
    P=st.integers(0, 1),
    Q=st.integers(0, 1),
    d=st.integers(0, 1),
    D=st.integers(0, 1),
    constant=st.booleans(),
    with_x=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_the_likelihood_is_the_kalman_filters(p, q, P, Q, d, D, constant, with_x, seed):
    model = _model((p, d, q), (P, D, Q, 12), "c" if constant else None, with_x)
    assert arma_likelihood.supports(model)
    # anywhere in the admissible region, not only at the start: a random unconstrained point
    unconstrained = np.random.default_rng(seed).normal(scale=0.7, size=len(model.param_names))
    params = model.transform_params(unconstrained)
    assert arma_likelihood.loglike(model, params) == pytest.approx(model.loglike(params), rel=1e-8)


@pytest.mark.parametrize(
    ("options", "why"),
    [
        ({"trend": "t"}, "a time trend"),
        ({"concentrate_scale": False}, "sigma2 a parameter"),
        ({"simple_differencing": False}, "diffuse differencing states"),
        ({"measurement_error": True}, "measurement error"),
    ],
)
def test_models_it_cannot_compute_are_left_to_the_kalman_filter(options, why):
    options = {"trend": None, **options}
    model = _model((1, 1, 1), (1, 1, 0, 12), options.pop("trend"), False, **options)
    assert not arma_likelihood.supports(model), why


def test_missing_values_are_left_to_the_kalman_filter():
    y = SERIES.copy()
    y[50] = np.nan
    model = SARIMAX(y, order=(1, 1, 0), simple_differencing=True, concentrate_scale=True)
    assert not arma_likelihood.supports(model)


@pytest.mark.filterwarnings("ignore:Non-:statsmodels.tools.sm_exceptions.EstimationWarning")
def test_maximise_finds_statsmodels_maximum():
    model = _model((2, 1, 1), (1, 1, 1, 12), None, True)
    kalman = model.fit(method="lbfgs", disp=False, maxiter=200, factr=1e8).params
    found, converged = arma_likelihood.maximise(model, model.start_params, 200, 1e8, lambda _: None)
    assert converged
    assert model.loglike(found) == pytest.approx(model.loglike(kalman), abs=1e-4)
    np.testing.assert_allclose(found, kalman, atol=2e-3)


def test_fit_ml_falls_back_to_the_kalman_filter(monkeypatch):
    fit = fit_ml(SERIES, None, ((1, 1, 1), (1, 1, 0, 12)), None, None, 200, Deadline(None))
    monkeypatch.setattr(arma_likelihood, "loglike", lambda model, params: -np.inf)
    fallback = fit_ml(SERIES, None, ((1, 1, 1), (1, 1, 0, 12)), None, None, 200, Deadline(None))
    assert fallback[3] == [] and fallback[1] == fit[1]
    np.testing.assert_allclose(fallback[0], fit[0], atol=2e-3)
    assert fallback[2] == pytest.approx(fit[2], abs=1e-3)
