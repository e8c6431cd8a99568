"""One series' seasonal ARIMA on statsmodels' ``SARIMAX``: fit, keep, forecast.

The glue that :class:`~tsmem.estimators.ARIMA` and :class:`~tsmem.estimators.AutoARIMA`
share: :func:`fit_ml` (exact likelihood from CSS starting values, bounded by
``maxiter`` and a deadline), the fallbacks (:func:`simplest_state`,
:func:`deterministic_state`), what is kept of a fit (:class:`ArimaState`), and
forecasts from it: :func:`forecast_state` (point and Gaussian intervals from one
Kalman filter pass, or, from the training history, from the filter's end kept at
fit time: :class:`FilterEnd`) and :func:`forecast_origins` (every origin of a long
history at once). See :mod:`tsmem.estimators.arima` for the model and the methods.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.stats import norm
from statsmodels.tsa.statespace import kalman_filter as kf
from statsmodels.tsa.statespace.sarimax import SARIMAX
from statsmodels.tsa.statespace.tools import diff

from tsmem.estimators import arma_likelihood
from tsmem.estimators.arima_css import Orders, fit_css, to_sarimax_params
from tsmem.estimators.fit_notes import Deadline, quiet_statsmodels

#: Kalman filter storage for forecasting: the predicted state means and the
#: forecast variances, not the (k, k, n) covariance arrays (hundreds of MB for
#: a long seasonal series).
_FORECAST_MEMORY = (
    kf.MEMORY_NO_PREDICTED_COV
    | kf.MEMORY_NO_FILTERED_COV
    | kf.MEMORY_NO_FILTERED_MEAN
    | kf.MEMORY_NO_GAIN
    | kf.MEMORY_NO_SMOOTHING
)
#: Storage for the filter over a forecast horizon: its predictions alone (the predicted
#: covariances stay: with missing observations statsmodels computes the forecast
#: variances from the stored ones, which its own forecasts keep too).
_HORIZON_MEMORY = (
    kf.MEMORY_NO_FILTERED
    | kf.MEMORY_NO_GAIN
    | kf.MEMORY_NO_SMOOTHING
    | kf.MEMORY_NO_LIKELIHOOD
    | kf.MEMORY_NO_STD_FORECAST
)
#: Profile σ² out of the likelihood: one parameter fewer for the optimiser, which
#: converged within maxiter more often on M4 Hourly at the same accuracy.
_CONCENTRATE_SCALE = True

#: Covariance entries below this fraction of the largest are rounding noise: the
#: states the history fixes exactly (differencing states) come out near 1e-16 of it.
_ZERO_COV = 1e-14

# -- fitted state of one series ---------------------------------------------------------


@dataclass(frozen=True)
class FilterEnd:
    """Where forecasts from one history start: the Kalman filter's last predicted state.

    Forecasting from the training history used to re-run the filter over all of it
    on every ``predict`` (five times statsmodels' own forecast call on a filtered
    results object). Forecasts need only the filter's end, the predicted state
    ``a_n = E[α_n | y_0..y_{n-1}]`` and its covariance ``P_n``: statsmodels' own
    forecasts start from exactly these (``FilterResults.predict`` initialises a
    filter over missing observations with them). So the fit keeps them, rather than
    a results object (its arrays grow as ``n·k²``) or a cache rebuilt per process
    (lost in joblib workers and on reload). Kept small: ``P_n`` vanishes, up to
    rounding, on the states the history fixes exactly (the ``d + D·m`` differencing
    states), so only the block of the others is kept, as its upper triangle
    (2.6 KB for a (p,1,q)(1,1,1,24) model, whose covariance has 50² entries).

    Attributes
    ----------
    digest
        Of the history and its regressors: forecasts start here only from that very
        history (:func:`history_digest`); any other is filtered anew.
    nobs
        The history's length (a time trend continues from it).
    state
        ``a_n``, shape (k,).
    support
        The states whose variance is not zero, shape (s,).
    cov
        The upper triangle of ``P_n[support][:, support]``, row by row, shape (s(s+1)/2,).
    """

    digest: bytes
    nobs: int
    state: np.ndarray
    support: np.ndarray
    cov: np.ndarray

    @classmethod
    def keep(cls, digest: bytes, nobs: int, state: np.ndarray, cov: np.ndarray) -> FilterEnd:
        """The compact form of ``a_n`` (k,) and ``P_n`` (k, k)."""
        scale = np.max(np.abs(cov), initial=0.0)
        support = np.flatnonzero(np.any(np.abs(cov) > _ZERO_COV * scale, axis=1))
        block = cov[np.ix_(support, support)]
        upper = np.triu_indices(len(support))
        return cls(digest, nobs, np.array(state, dtype=float), support.astype(np.int16), block[upper])

    def covariance(self) -> np.ndarray:
        """``P_n``, shape (k, k), rebuilt (zero outside ``support``)."""
        s = len(self.support)
        block = np.zeros((s, s))
        block[np.triu_indices(s)] = self.cov
        block = block + np.triu(block, 1).T
        full = np.zeros((len(self.state), len(self.state)))
        full[np.ix_(self.support, self.support)] = block
        return full


def history_digest(y: np.ndarray, x: np.ndarray | None) -> bytes:
    """A fingerprint of a history and its regressors (a hash of their shapes and bytes)."""
    digest = hashlib.blake2b(digest_size=16)
    for values in (y,) if x is None else (y, x):
        values = np.ascontiguousarray(values, dtype=float)
        digest.update(repr(values.shape).encode())
        digest.update(values.tobytes())
    return digest.digest()


@dataclass(frozen=True)
class ArimaState:
    """What is kept of one fitted series: the specification and SARIMAX's parameters.

    Kept small on purpose (no statsmodels results object, whose filter arrays
    grow as ``n·k²``): it travels back from joblib workers and is pickled with the model.

    Attributes
    ----------
    order, seasonal_order, trend
        The SARIMAX specification.
    params
        SARIMAX's parameter vector, or None for a deterministic model (see ``drift``).
    param_names
        SARIMAX's names for ``params``.
    drift
        For deterministic models (σ² = 0: a constant series, or one whose
        differences are constant) the constant of the differenced series.
    x
        The training regressors (rows of ``X``), to forecast from the training data.
    method
        ``"ml"``, ``"css"``, ``"fallback"`` (a simpler model) or ``"deterministic"``.
    aicc
        Corrected AIC of the fit (``nan`` when not comparable).
    notes
        What the user should know (limits hit, fallbacks), reported in one warning.
    extra
        Model-specific details (the search of :class:`~tsmem.estimators.AutoARIMA`).
    end
        The Kalman filter's end over the training history (:func:`with_filter_end`),
        to forecast from it without filtering again; None for deterministic models
        or when not computed.
    """

    order: tuple[int, int, int]
    seasonal_order: tuple[int, int, int, int]
    trend: str | None
    params: np.ndarray | None
    param_names: tuple[str, ...] = ()
    drift: float = 0.0
    x: np.ndarray | None = None
    method: str = "ml"
    aicc: float = np.nan
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    end: FilterEnd | None = None


def sarimax(
    y: np.ndarray,
    x: np.ndarray | None,
    order: tuple[int, int, int],
    seasonal_order: tuple[int, int, int, int],
    trend: str | None,
    simple_differencing: bool = False,
    concentrate_scale: bool = False,
    after: int = 0,
) -> SARIMAX:
    """The SARIMAX model every fit and forecast uses (one place for its options).

    ``after`` > 0 makes the model of rows that follow a history of that many rows
    (a forecast horizon), as statsmodels' own model extensions: its time trend
    continues from the history, and regressors constant over these rows are no
    specification error.
    """
    return SARIMAX(
        y,
        exog=x,
        order=order,
        seasonal_order=seasonal_order,
        trend=trend,
        simple_differencing=simple_differencing,
        enforce_stationarity=True,
        enforce_invertibility=True,
        concentrate_scale=concentrate_scale,
        trend_offset=after + 1,
        validate_specification=after == 0,
    )


class _OutOfTime(Exception):
    """Raised from the optimiser's callback when the time budget is spent."""

    def __init__(self, last: np.ndarray | None) -> None:
        super().__init__()
        self.last = last


def fit_ml(
    y: np.ndarray,
    x: np.ndarray | None,
    orders: Orders | tuple,
    trend: str | None,
    start: np.ndarray | None,
    maxiter: int,
    deadline: Deadline,
) -> tuple[np.ndarray | None, tuple[str, ...], float, list[str]]:
    """Exact maximum likelihood (L-BFGS on SARIMAX's Kalman filter likelihood).

    Returns
    -------
    params, names, aicc, notes
        ``params`` is None when the fit failed; ``notes`` say why, or that
        ``maxiter`` or the time budget stopped it (its last parameters are kept).
    """
    order, seasonal_order = (orders.order, orders.seasonal_order) if isinstance(orders, Orders) else orders
    differenced = order[1] > 0 or seasonal_order[1] > 0
    with quiet_statsmodels():
        try:
            model = sarimax(
                y, x, order, seasonal_order, trend, simple_differencing=differenced, concentrate_scale=_CONCENTRATE_SCALE
            )
        except ValueError as error:
            return None, (), np.nan, [f"SARIMAX refused the model ({error})"]
        # The fitted model is stationary (differencing done beforehand, stationarity
        # enforced), so the Chandrasekhar recursions apply: O(k²) instead of O(k³)
        # per step, about twice as fast for seasonal models (statsmodels' filters
        # give wrong likelihoods with them under a diffuse start, hence fit only).
        model.ssm.filter_chandrasekhar = True
        if start is not None and _CONCENTRATE_SCALE:
            start = start[:-1]  # σ² is profiled out of the likelihood
        if start is not None and not _admissible(model, start):
            start = None  # e.g. non-stationary CSS values: statsmodels' own start instead
        last: list[np.ndarray | None] = [None]

        def stop_when_out_of_time(xk: np.ndarray) -> None:
            last[0] = np.array(xk)
            if deadline.expired:
                raise _OutOfTime(last[0])

        notes = []
        try:
            params, converged = _maximise(model, start, maxiter, stop_when_out_of_time)
            if not converged:
                notes.append(f"maximum likelihood stopped at maxiter={maxiter} before converging")
        except _OutOfTime as stop:
            if stop.last is None:
                return None, (), np.nan, ["time budget spent before the first iteration"]
            params = np.asarray(model.transform_params(stop.last), dtype=float)
            notes.append(f"time budget ({deadline.seconds:g} s) stopped maximum likelihood early")
        except (ValueError, np.linalg.LinAlgError, OverflowError) as error:
            return None, (), np.nan, [f"maximum likelihood failed ({error})"]
        filtered = model.filter(params, low_memory=True, cov_type="none")
        names = tuple(model.param_names)
        if _CONCENTRATE_SCALE:  # put σ² back: the forecasting model takes it as a parameter
            params = np.r_[params, filtered.scale]
            names = (*names, "sigma2")
        # statsmodels' AICc counts the profiled σ² as a parameter (df_model = k + 1) and no
        # diffuse states here (the differenced model is stationary): R's AICc with σ².
        loglike, aicc = filtered.llf, filtered.aicc
    if not np.isfinite(loglike) or not np.all(np.isfinite(params)):
        return None, (), np.nan, ["maximum likelihood gave a non-finite likelihood"]
    return params, names, float(aicc), notes


def _maximise(
    model: SARIMAX, start: np.ndarray | None, maxiter: int, callback: Callable[[np.ndarray], None]
) -> tuple[np.ndarray, bool]:
    """L-BFGS on the exact likelihood: the transformed maximum and whether it converged.

    The likelihood by the innovations algorithm where it applies (the same number,
    1.5-2.5x faster: :mod:`tsmem.estimators.arma_likelihood`), else by SARIMAX's
    Kalman filter. Either stops when an iteration improves the log-likelihood by
    less than ``factr``·eps ≈ 2e-8 relatively: R's ``optim(reltol = 1e-8)`` for
    ``arima``, and a quarter fewer likelihood evaluations than scipy's default 1e7.
    """
    factr = 1e8
    if arma_likelihood.supports(model):
        try:
            return arma_likelihood.maximise(
                model, model.start_params if start is None else start, maxiter, factr, callback
            )
        except arma_likelihood.UnusableLikelihood:
            pass  # the Kalman filter copes with what the innovations algorithm cannot
    result = model.fit(
        start_params=start,
        method="lbfgs",
        maxiter=maxiter,
        factr=factr,
        disp=False,
        cov_type="none",
        low_memory=True,
        callback=callback,
    )
    return np.asarray(result.params, dtype=float), bool(result.mle_retvals.get("converged", True))


def _admissible(model: SARIMAX, params: np.ndarray) -> bool:
    """Whether ``params`` can start the optimiser (stationary, invertible, finite)."""
    try:
        return bool(np.all(np.isfinite(model.untransform_params(params))))
    except (ValueError, np.linalg.LinAlgError):
        return False


# -- building states ------------------------------------------------------------------------


def is_flat(x: np.ndarray, reference: np.ndarray) -> bool:
    """Whether ``x`` (``reference`` differenced) is constant up to rounding.

    Series are fitted divided by their largest ``|value|`` (``LocalForecaster.rescale_always``),
    which rounds each value by up to half an ulp: the differences of an exactly linear or
    seasonal series then vary by a few ulps of ``max|reference|``, never by 64.
    """
    return bool(np.ptp(x) <= 64 * np.finfo(float).eps * np.max(np.abs(reference), initial=0.0))


def deterministic_state(y: np.ndarray, orders: Orders, x: np.ndarray | None) -> ArimaState:
    """σ² = 0: ``y`` differenced by ``orders`` is the constant ``drift`` (a constant series: d = D = 0)."""
    drift = float(diff(y, orders.d, orders.D, orders.m)[0])
    return ArimaState(orders.order, orders.seasonal_order, None, None, drift=drift, x=x, method="deterministic")


def simplest_state(y: np.ndarray, orders: Orders, x: np.ndarray | None, notes: Sequence[str]) -> ArimaState:
    """The last resort when fitting fails: ARIMA(0,d,0)(0,D,0) with its constant, by least squares.

    A (seasonal) random walk, with drift or mean where the constant is allowed:
    it cannot fail to fit, and its forecasts are naive-like.
    """
    simple = Orders(0, orders.d, 0, 0, orders.D, 0, orders.m, orders.constant and orders.d + orders.D <= 1)
    if is_flat(diff(y, simple.d, simple.D, simple.m), y):
        return deterministic_state(y, simple, x)
    fit = fit_css(y, simple, x)
    note = f"fell back to {simple} (least squares)"
    return state_from_css(fit, x, (*notes, note), method="fallback")


def state_from_css(fit: Any, x: np.ndarray | None, notes: Sequence[str], method: str = "css") -> ArimaState:
    """An :class:`ArimaState` holding CSS estimates in SARIMAX's layout (and SARIMAX's names)."""
    orders = fit.orders
    trend = "c" if orders.constant else None
    # SARIMAX names the parameters from the specification and the regressors alone
    # (x1, x2, ..., or "const" for a constant column), not from the series' values.
    endog = np.zeros(1 if x is None else len(x))
    with quiet_statsmodels():
        names = tuple(sarimax(endog, x, orders.order, orders.seasonal_order, trend).param_names)
    return ArimaState(
        orders.order, orders.seasonal_order, trend, to_sarimax_params(fit), names, x=x, method=method,
        aicc=fit.aicc, notes=tuple(notes),
    )


# -- forecasting -------------------------------------------------------------------------


def _integrate(y: np.ndarray, state: ArimaState, horizon: int) -> np.ndarray:
    """Forecasts of a deterministic model: undo the differencing of a constant ``drift``."""
    d, m, D = state.order[1], state.seasonal_order[3], state.seasonal_order[1]
    delta = np.array([1.0])  # (1-B)^d (1-B^m)^D in powers of B
    for _ in range(d):
        delta = np.convolve(delta, [1.0, -1.0])
    for _ in range(D):
        delta = np.convolve(delta, np.r_[1.0, np.zeros(m - 1), -1.0])
    path = list(y[-(len(delta) - 1) :]) if len(delta) > 1 else []
    lags = len(delta) - 1
    out = []
    for _ in range(horizon):
        value = state.drift - sum(delta[k] * path[-k] for k in range(1, lags + 1))
        path.append(value)
        out.append(value)
    return np.asarray(out)


def with_filter_end(state: ArimaState, y: np.ndarray, x: np.ndarray | None) -> ArimaState:
    """``state`` with the Kalman filter's end over its training history ``y`` (and ``x``).

    One filter pass at fit time, so that ``predict`` from the training data never
    filters again (:class:`FilterEnd`). When the filter fails or gives non-finite
    values, no end is kept and ``predict`` filters as before (and reports the failure).
    """
    if state.params is None:  # deterministic: forecasts need only the last values of y
        return state
    with quiet_statsmodels():
        try:
            model = sarimax(y, x, state.order, state.seasonal_order, state.trend)
            filtered = model.filter(state.params, conserve_memory=_FORECAST_MEMORY, cov_type="none").filter_results
        except (ValueError, np.linalg.LinAlgError, OverflowError):
            return state
    # the last predicted state and covariance are kept whatever the memory options
    # (statsmodels' forecasts start from them too)
    a, P = filtered.predicted_state[:, -1], filtered.predicted_state_cov[:, :, -1]
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(P))):
        return state
    return replace(state, end=FilterEnd.keep(history_digest(y, x), len(y), a, P))


def forecast_state(
    state: ArimaState,
    y: np.ndarray,
    x_history: np.ndarray | None,
    x_future: np.ndarray | None,
    horizon: int,
    quantiles: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray | None]:
    """Point forecasts (H,) and normal quantiles (H, Q) from history ``y`` with fixed parameters.

    From the training history (the one ``state.end`` was filtered from) the forecasts
    start at the filter's end; from any other history, the filter runs over it first.
    """
    if state.params is None:
        point = _integrate(y, state, horizon)
        return point, (np.repeat(point[:, None], len(quantiles), axis=1) if quantiles else None)
    end = getattr(state, "end", None)  # states pickled before ends were kept have none
    with quiet_statsmodels():
        if end is not None and end.digest == history_digest(y, x_history):
            point, variance = _forecast_from_end(state, end, x_future, horizon)
        else:
            model = sarimax(y, x_history, state.order, state.seasonal_order, state.trend)
            # cov_type="none": statsmodels would otherwise compute the parameters' covariance
            # by numerical differentiation, dozens of extra filter passes that forecasts never use
            result = model.filter(state.params, conserve_memory=_FORECAST_MEMORY, cov_type="none")
            forecast = result.get_forecast(horizon, exog=x_future)
            point = np.asarray(forecast.predicted_mean, dtype=float)
            variance = np.asarray(forecast.var_pred_mean, dtype=float) if quantiles else None
    if not quantiles:
        return point, None
    sd = np.sqrt(np.maximum(variance, 0.0))
    return point, point[:, None] + sd[:, None] * norm.ppf(np.asarray(quantiles))[None, :]


def _forecast_from_end(
    state: ArimaState, end: FilterEnd, x_future: np.ndarray | None, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Forecast means and variances (H,) from the filter's end, as statsmodels' own forecasts.

    What ``get_forecast`` does on a filtered results object: the model over the horizon
    (its regressors, its time trend continuing from the history), initialised at the
    last predicted state and covariance, filtered over missing observations, whose
    one-step predictions are then the ``h``-step forecasts.
    """
    model = sarimax(
        np.full(horizon, np.nan), x_future, state.order, state.seasonal_order, state.trend,
        after=end.nobs,
    )
    model.initialize_known(end.state, end.covariance())
    model.update(state.params)
    filtered = model.ssm.filter(conserve_memory=_HORIZON_MEMORY)
    return np.array(filtered.forecasts[0]), np.array(filtered.forecasts_error_cov[0, 0])


def forecast_origins(
    state: ArimaState, y: np.ndarray, x: np.ndarray | None, origins: np.ndarray, horizon: int
) -> np.ndarray:
    """Forecasts from many origins with one Kalman filter pass, shape (len(origins), horizon).

    Row ``i`` forecasts ``y[o : o + horizon]`` from ``y[:o]`` (``o = origins[i]``):
    the filter's predicted state ``a_o = E[α_o | y_0..y_{o-1}]`` is propagated
    with the transition matrix, ``ŷ_{o+h} = Z a_{o+h} + d_{o+h}``,
    ``a_{o+h+1} = T a_{o+h} + c`` — what ``forecast`` from ``y[:o]`` computes, for
    all origins at once (a ``(k, n_origins)`` matrix product per step).
    """
    origins = np.asarray(origins, dtype=int)
    end = int(origins.max())
    if state.params is None:
        return np.stack([_integrate(y[:o], state, horizon) for o in origins])
    with quiet_statsmodels():
        model = sarimax(y[:end], None if x is None else x[:end], state.order, state.seasonal_order, state.trend)
        result = model.filter(state.params, conserve_memory=_FORECAST_MEMORY, cov_type="none")
        ssm = model.ssm
        transition, design = ssm["transition"], ssm["design"]
        state_intercept = np.asarray(ssm["state_intercept"])
    if transition.ndim == 3 or design.ndim == 3 or (state_intercept.ndim == 2 and np.ptp(state_intercept, axis=1).any()):
        raise NotImplementedError("predict_origins needs a time-invariant model (no time trend 't'/'ct').")
    design = design[0]  # (k,); transition is (k, k)
    c = state_intercept[:, 0] if state_intercept.ndim == 2 else state_intercept  # (k,)
    obs_intercept = np.zeros(end + horizon)
    if x is not None:
        k_trend = int(state.trend == "c")  # SARIMAX's layout: trend, then the regressors' β
        beta = state.params[k_trend : k_trend + x.shape[1]]
        obs_intercept[:] = x[: end + horizon] @ beta
    states = np.asarray(result.predicted_state)[:, origins]  # (k, N): a_o for every origin
    out = np.empty((len(origins), horizon))
    for h in range(horizon):
        out[:, h] = design @ states + obs_intercept[origins + h]
        states = transition @ states + c[:, None]
    return out
