"""The exact Gaussian likelihood of a SARIMAX model by the innovations algorithm.

:func:`~tsmem.estimators.sarimax_state.fit_ml` maximises the exact likelihood of a
model that is stationary once differenced. statsmodels' ``SARIMAX.loglike`` computes
it with the Kalman filter, whose state holds ``max(p + P·m, q + Q·m + 1)`` values
(50 for a (2,1,0)(2,1,0)24 model): every step updates a 50×50 covariance. For a
stationary ARMA the same likelihood comes from the innovations algorithm
(Brockwell & Davis, *Introduction to Time Series and Forecasting*, 3rd ed., §5.2),
whose recursions past the first ``max(p, q)`` steps cost ``O(q)`` a step;
statsmodels implements it (:func:`statsmodels.tsa.innovations.arma_innovations`) and
uses it for its own ``innovations_mle``, which, unlike this one, knows no constant,
regressors or profiled σ². Same number to rounding, 1.5-2.5x faster on M4 Hourly's
seasonal models (tests/test_arma_likelihood.py compares the two).

The model, as SARIMAX writes it after differencing (``simple_differencing=True``)::

    w_t = y*_t - x*_tᵀβ - c / φ(1)Φ(1),    φ(B)Φ(B^m) w_t = θ(B)Θ(B^m) ε_t

with ``y*``, ``x*`` the differenced series and regressors and ``c`` the constant
(``trend="c"``). With σ² profiled out (``concentrate_scale=True``), the innovations
``u_t`` with variances ``σ² v_t`` give ``σ̂² = mean(u_t² / v_t)`` and
``ℓ = -n/2 (log 2π + log σ̂² + 1) - ½ Σ log v_t``, SARIMAX's concentrated likelihood.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import fmin_l_bfgs_b
from statsmodels.tsa.innovations.arma_innovations import arma_innovations
from statsmodels.tsa.statespace.sarimax import SARIMAX


def supports(model: SARIMAX) -> bool:
    """Whether :func:`loglike` computes ``model.loglike``: a stationary model with
    σ² profiled out, a constant at most, no missing values."""
    return bool(
        model.concentrate_scale
        and model.k_trend == (1 if model.trend == "c" else 0)
        and (model.simple_differencing or model.k_diff == model.k_seasonal_diff == 0)
        and not model.measurement_error
        and not model.time_varying_regression
        and (model.mle_regression or model.k_exog == 0)
        and np.all(np.isfinite(model.endog))
    )


class UnusableLikelihood(Exception):
    """The innovations algorithm gave no finite likelihood (an AR part at the edge of
    stationarity in floating point): the Kalman filter should take over."""


def maximise(
    model: SARIMAX, start: np.ndarray, maxiter: int, factr: float, callback: Callable[[np.ndarray], None]
) -> tuple[np.ndarray, bool]:
    """What ``model.fit(start, method="lbfgs", factr=factr)`` does, with :func:`loglike`.

    The same optimiser and settings as statsmodels' ``MLEModel.fit``: L-BFGS on
    ``-loglike / nobs`` over the unconstrained parameters (the transform keeps the
    AR part stationary and the MA part invertible), gradients by forward
    differences of step 1e-5; ``callback`` gets the unconstrained parameters of
    every iteration.

    Returns
    -------
    params, converged
        The transformed parameters, and whether L-BFGS stopped at its tolerance
        (not at ``maxiter``).

    Raises
    ------
    UnusableLikelihood
        Where :func:`loglike` is not finite along the way.
    """

    def objective(unconstrained: np.ndarray) -> float:
        value = loglike(model, model.transform_params(unconstrained))
        if not np.isfinite(value):
            raise UnusableLikelihood
        return -value / model.nobs

    found, _, info = fmin_l_bfgs_b(
        objective,
        model.untransform_params(start),
        approx_grad=True,
        epsilon=1e-5,
        factr=factr,
        maxiter=maxiter,
        callback=callback,
    )
    return np.asarray(model.transform_params(found), dtype=float), info["warnflag"] == 0


def loglike(model: SARIMAX, params: np.ndarray) -> float:
    """``model.loglike(params)`` (transformed parameters) by the innovations algorithm.

    Parameters that make the model non-stationary give ``-inf`` (the Kalman filter's
    stationary start fails there too).

    Examples
    --------
    >>> import numpy as np
    >>> from statsmodels.tsa.statespace.sarimax import SARIMAX
    >>> y = np.cumsum(np.random.default_rng(0).normal(size=200))
    >>> model = SARIMAX(y, order=(1, 1, 1), trend="c", simple_differencing=True, concentrate_scale=True)
    >>> params = np.array([0.1, 0.5, -0.3])
    >>> supports(model), bool(np.isclose(loglike(model, params), model.loglike(params), rtol=1e-8))
    (True, True)
    """
    ar, ma, mean, beta = _split(model, params)
    w = model.endog[:, 0] - mean
    if beta is not None:
        w = w - model.exog @ beta
    try:
        u, v = arma_innovations(w, ar_params=ar, ma_params=ma, sigma2=1.0)
    except ValueError:  # statsmodels' verdict: the AR part is not stationary
        return -np.inf
    n = len(w)
    sigma2 = np.mean(u**2 / v)
    if not (np.isfinite(sigma2) and sigma2 > 0 and np.all(v > 0)):
        return -np.inf
    return float(-0.5 * n * (np.log(2 * np.pi) + np.log(sigma2) + 1) - 0.5 * np.sum(np.log(v)))


def _split(model: SARIMAX, params: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, np.ndarray | None]:
    """SARIMAX's parameter vector as reduced AR and MA coefficients, the mean and β.

    Its order (statsmodels' ``SARIMAX.param_names``): trend, regressors, AR, MA,
    seasonal AR, seasonal MA. The reduced polynomials are the products
    ``φ(B)Φ(B^m)`` and ``θ(B)Θ(B^m)``, in the innovations algorithm's signs
    (``ar_params`` = the coefficients of ``1 - Σ a_i B^i``, ``ma_params`` of ``1 + Σ b_i B^i``).
    """
    sizes = [
        model.k_trend,
        model.k_exog,
        model.k_ar_params,
        model.k_ma_params,
        model.k_seasonal_ar_params,
        model.k_seasonal_ma_params,
    ]
    trend, beta, ar, ma, sar, sma = np.split(np.asarray(params, dtype=float), np.cumsum(sizes)[:-1])
    m = max(model.seasonal_periods, 1)  # 0 without a seasonal part
    ar_poly = np.convolve(_lag_polynomial(-ar, 1), _lag_polynomial(-sar, m))
    ma_poly = np.convolve(_lag_polynomial(ma, 1), _lag_polynomial(sma, m))
    mean = float(trend[0] / ar_poly.sum()) if len(trend) else 0.0
    return -ar_poly[1:], ma_poly[1:], mean, beta if model.k_exog else None


def _lag_polynomial(coefficients: np.ndarray, spacing: int) -> np.ndarray:
    """``1 + Σ c_i B^(i·spacing)`` as coefficients of ``B^0, B^1, ...``."""
    poly = np.zeros(len(coefficients) * spacing + 1)
    poly[0] = 1.0
    poly[spacing::spacing] = coefficients
    return poly
