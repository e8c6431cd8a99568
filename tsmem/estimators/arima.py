"""Seasonal ARIMA with regressors, on statsmodels' ``SARIMAX`` state-space model.

The model (Box & Jenkins; a regression with SARIMA errors, as R's ``arima``)::

    y_t = x_tᵀβ + u_t,   φ(B) Φ(B^m) (1-B)^d (1-B^m)^D u_t = c + θ(B) Θ(B^m) ε_t,   ε_t ~ N(0, σ²)

How it is fitted (``method``):

* ``"css-ml"`` (default, R's ``CSS-ML``): conditional sum of squares
  (:mod:`tsmem.estimators.arima_css`, milliseconds) gives starting values, then
  exact Gaussian maximum likelihood through the Kalman filter (SARIMAX on the
  differenced series: ``simple_differencing=True`` drops the ``d + D·m``
  differencing states and makes the model stationary, so the faster
  Chandrasekhar recursions apply; σ² is concentrated out; L-BFGS stops at R's
  relative tolerance, about 1e-8). The parameters mean the same in the
  undifferenced model used to forecast.
* ``"ml"``: maximum likelihood from statsmodels' own starting values.
* ``"css"``: conditional sum of squares only (fast, slightly less efficient).

Forecasts and intervals come from the Kalman filter run over the history with
the fitted parameters (``SARIMAX(...).filter(params)``, what statsmodels'
``results.apply`` does), so ``predict(y=new_history)`` applies the fitted model
to new data without refitting, and :meth:`ARIMA.predict_origins` forecasts from
thousands of origins with one filter pass (Durbin & Koopman, *Time Series
Analysis by State Space Methods*, 2nd ed., §4.11: the h-step forecast from
origin ``t`` is ``Z Tʰ⁻¹ a_t`` from the predicted state ``a_t``).

Long seasonal periods (hourly data with weekly cycles, m = 168; weekly data,
m = 52): a seasonal ARIMA carries ``P·m`` states, and every likelihood
evaluation costs ``O(n (P·m)²)``. Model such seasonality with Fourier terms as
regressors instead (:func:`fourier_terms`, Hyndman & Athanasopoulos, *FPP3*
§10.5 "dynamic harmonic regression"), and keep the ARIMA part short. ``maxiter``
and ``time_budget`` bound every fit: a fit stopped by them keeps its best
parameters so far and raises a :class:`~tsmem.estimators.fit_notes.FitWarning`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.tsa.statespace import kalman_filter as kf
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

from tsmem.data.panel import Panel
from tsmem.estimators.arima_css import (
    Orders,
    difference,
    fit_css,
    to_sarimax_params,
)
from tsmem.estimators.base import LocalForecaster
from tsmem.estimators.fit_notes import (
    Deadline,
    check_limits,
    labels_index,
    quiet_statsmodels,
    series_labels,
    warn_about_notes,
)

__all__ = ["ARIMA", "ArimaState", "fourier_terms"]

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
_TRENDS = (None, "n", "c", "t", "ct")
#: Profile σ² out of the likelihood: one parameter fewer for the optimiser, which
#: converged within maxiter more often on M4 Hourly at the same accuracy.
_CONCENTRATE_SCALE = True
_METHODS = ("css-ml", "ml", "css")


# -- Fourier terms for long seasonality -----------------------------------------------


def fourier_terms(index: pd.Index, period: float, n_terms: int) -> pd.DataFrame:
    """Sine and cosine pairs of a seasonal period, to use as regressors ``X``.

    ``sin(2πk·t/period)`` and ``cos(2πk·t/period)`` for ``k = 1..n_terms``, where
    ``t`` counts time steps since the Unix epoch (a datetime index, at its
    frequency), the period ordinal (a ``PeriodIndex``) or the integer itself, so
    the phase of any timestamp is the same in ``fit`` and ``predict``.

    Parameters
    ----------
    index
        Timestamps of the rows (the history in ``fit``, the horizon in ``predict``).
    period
        Season length in steps (168 for a weekly cycle in hourly data; 52.18 for
        yearly in weekly data: it need not be an integer).
    n_terms
        Number of sine/cosine pairs ``K``, at most ``period / 2``; more terms follow
        sharper seasonal shapes (pick ``K`` by AICc, or a few values in a backtest).

    Returns
    -------
    pd.DataFrame
        ``2·n_terms`` columns ``sin{k}_{period}``, ``cos{k}_{period}``, indexed by ``index``.

    Examples
    --------
    A weekly cycle in hourly data with a short ARIMA for the rest:

    >>> import numpy as np, pandas as pd
    >>> from tsmem.estimators import ARIMA
    >>> hours = pd.date_range("2024-01-01", periods=24 * 7 * 4 + 24, freq="h")
    >>> X = fourier_terms(hours, period=168, n_terms=3)
    >>> y = pd.Series(10 + X["sin1_168"].to_numpy() + np.random.default_rng(0).normal(0, 0.1, len(hours)), index=hours)
    >>> model = ARIMA(order=(1, 0, 0), trend="c").fit(y[:-24], X=X[:-24])
    >>> model.predict(horizon=24, X=X[-24:]).shape
    (24,)

    For a long ``unique_id/ds/y`` frame, build the rows per series and stack them:
    ``pd.concat([fourier_terms(pd.DatetimeIndex(g.ds), 168, 3).rename_axis("ds").reset_index().assign(unique_id=k) for k, g in y.groupby("unique_id")])``.
    """
    if isinstance(n_terms, bool) or not isinstance(n_terms, int | np.integer) or n_terms < 1:
        raise ValueError(f"n_terms must be a positive integer, got {n_terms!r}.")
    if not period > 2 * n_terms - 1e-9:
        raise ValueError(f"n_terms={n_terms} is too many for period {period}: use at most period / 2.")
    t = _step_counts(index)
    columns = {}
    for k in range(1, n_terms + 1):
        angle = 2 * np.pi * k * t / period
        columns[f"sin{k}_{period:g}"] = np.sin(angle)
        columns[f"cos{k}_{period:g}"] = np.cos(angle)
    return pd.DataFrame(columns, index=index)


def _step_counts(index: pd.Index) -> np.ndarray:
    """Time steps since the epoch (or the integer positions) of every row."""
    if isinstance(index, pd.PeriodIndex):
        return index.asi8.astype(float)
    if isinstance(index, pd.DatetimeIndex):
        freq = index.freq or (pd.infer_freq(index) if len(index) >= 3 else None)
        if freq is None:
            raise ValueError("fourier_terms needs a regular DatetimeIndex with a frequency (index.freq).")
        offset = pd.tseries.frequencies.to_offset(freq)
        try:
            step = pd.Timedelta(offset).value
        except ValueError:  # calendar offsets (month start, ...): count periods instead
            return index.to_period(offset).asi8.astype(float)
        return index.as_unit("ns").asi8 / step
    if pd.api.types.is_numeric_dtype(index):
        return np.asarray(index, dtype=float)
    raise TypeError(f"fourier_terms needs a datetime, period or integer index, not {type(index).__name__}.")


# -- fitted state of one series ---------------------------------------------------------


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


def sarimax(
    y: np.ndarray,
    x: np.ndarray | None,
    order: tuple[int, int, int],
    seasonal_order: tuple[int, int, int, int],
    trend: str | None,
    simple_differencing: bool = False,
    concentrate_scale: bool = False,
) -> SARIMAX:
    """The SARIMAX model every fit and forecast uses (one place for its options)."""
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
            result = model.fit(
                start_params=start,
                method="lbfgs",
                maxiter=maxiter,
                # stop when an iteration improves the log-likelihood by less than
                # 1e8·eps ≈ 2e-8 relatively: R's optim(reltol = 1e-8) for arima, and a
                # quarter fewer likelihood evaluations than scipy's default 1e7
                factr=1e8,
                disp=False,
                cov_type="none",
                low_memory=True,
                callback=stop_when_out_of_time,
            )
            params = np.asarray(result.params, dtype=float)
            if not result.mle_retvals.get("converged", True):
                notes.append(f"maximum likelihood stopped at maxiter={maxiter} before converging")
        except _OutOfTime as stop:
            if stop.last is None:
                return None, (), np.nan, ["time budget spent before the first iteration"]
            params = np.asarray(model.transform_params(stop.last), dtype=float)
            notes.append(f"time budget ({deadline.seconds:g} s) stopped maximum likelihood early")
        except (ValueError, np.linalg.LinAlgError, OverflowError) as error:
            return None, (), np.nan, [f"maximum likelihood failed ({error})"]
        loglike = model.loglike(params)
        names = tuple(model.param_names)
        if _CONCENTRATE_SCALE:  # put σ² back: the forecasting model takes it as a parameter
            params = np.r_[params, model.filter(params, low_memory=True, cov_type="none").scale]
            names = (*names, "sigma2")
    if not np.isfinite(loglike) or not np.all(np.isfinite(params)):
        return None, (), np.nan, ["maximum likelihood gave a non-finite likelihood"]
    k, n = len(params), model.nobs
    aicc = -2 * loglike + 2 * k + (2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf)
    return params, names, float(aicc), notes


def _admissible(model: SARIMAX, params: np.ndarray) -> bool:
    """Whether ``params`` can start the optimiser (stationary, invertible, finite)."""
    try:
        return bool(np.all(np.isfinite(model.untransform_params(params))))
    except (ValueError, np.linalg.LinAlgError):
        return False


# -- building states ------------------------------------------------------------------------


def deterministic_state(y: np.ndarray, orders: Orders, x: np.ndarray | None) -> ArimaState:
    """σ² = 0: ``y`` differenced by ``orders`` is the constant ``drift`` (a constant series: d = D = 0)."""
    drift = float(difference(y, orders.d, orders.D, orders.m)[0])
    return ArimaState(orders.order, orders.seasonal_order, None, None, drift=drift, x=x, method="deterministic")


def simplest_state(y: np.ndarray, orders: Orders, x: np.ndarray | None, notes: Sequence[str]) -> ArimaState:
    """The last resort when fitting fails: ARIMA(0,d,0)(0,D,0) with its constant, by least squares.

    A (seasonal) random walk, with drift or mean where the constant is allowed:
    it cannot fail to fit, and its forecasts are naive-like.
    """
    simple = Orders(0, orders.d, 0, 0, orders.D, 0, orders.m, orders.constant and orders.d + orders.D <= 1)
    if np.ptp(difference(y, simple.d, simple.D, simple.m)) == 0:
        return deterministic_state(y, simple, x)
    fit = fit_css(y, simple, x)
    note = f"fell back to {simple} (least squares)"
    return state_from_css(fit, x, (*notes, note), method="fallback")


def state_from_css(fit: Any, x: np.ndarray | None, notes: Sequence[str], method: str = "css") -> ArimaState:
    """An :class:`ArimaState` holding CSS estimates in SARIMAX's layout."""
    orders = fit.orders
    trend = "c" if orders.constant else None
    names = param_names(orders, 0 if x is None else x.shape[1])
    return ArimaState(
        orders.order, orders.seasonal_order, trend, to_sarimax_params(fit), names, x=x, method=method,
        aicc=fit.aicc, notes=tuple(notes),
    )


def param_names(orders: Orders, n_exog: int) -> tuple[str, ...]:
    """SARIMAX's parameter names for ``orders`` (a constant as ``trend="c"``) and ``n_exog`` regressors."""
    m = orders.m
    return (
        *(["intercept"] if orders.constant else []),
        *(f"x{k}" for k in range(1, n_exog + 1)),
        *(f"ar.L{i}" for i in range(1, orders.p + 1)),
        *(f"ma.L{i}" for i in range(1, orders.q + 1)),
        *(f"ar.S.L{j * m}" for j in range(1, orders.P + 1)),
        *(f"ma.S.L{j * m}" for j in range(1, orders.Q + 1)),
        "sigma2",
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


def forecast_state(
    state: ArimaState,
    y: np.ndarray,
    x_history: np.ndarray | None,
    x_future: np.ndarray | None,
    horizon: int,
    quantiles: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray | None]:
    """Point forecasts (H,) and normal quantiles (H, Q) from history ``y`` with fixed parameters."""
    if state.params is None:
        point = _integrate(y, state, horizon)
        return point, (np.repeat(point[:, None], len(quantiles), axis=1) if quantiles else None)
    with quiet_statsmodels():
        model = sarimax(y, x_history, state.order, state.seasonal_order, state.trend)
        # cov_type="none": statsmodels would otherwise compute the parameters' covariance
        # by numerical differentiation, dozens of extra filter passes that forecasts never use
        result = model.filter(state.params, conserve_memory=_FORECAST_MEMORY, cov_type="none")
        forecast = result.get_forecast(horizon, exog=x_future)
        point = np.asarray(forecast.predicted_mean, dtype=float)
        if not quantiles:
            return point, None
        sd = np.sqrt(np.maximum(np.asarray(forecast.var_pred_mean, dtype=float), 0.0))
    return point, point[:, None] + sd[:, None] * norm.ppf(np.asarray(quantiles))[None, :]


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


# -- the estimators ------------------------------------------------------------------------


class SarimaxForecaster(LocalForecaster):
    """Shared machinery of :class:`ARIMA` and :class:`~tsmem.estimators.AutoARIMA`.

    Subclasses implement ``_fit_one`` returning an :class:`ArimaState`. After
    fitting, ``models_`` (one row per series and channel: orders, method, AICc)
    and ``params_`` (SARIMAX's parameters) describe the fits, and one
    :class:`~tsmem.estimators.fit_notes.FitWarning` reports limits hit and fallbacks.
    """

    supports_exog: ClassVar[bool] = True
    supports_quantiles: ClassVar[bool] = True

    def _fit(self, panel: Panel, exog: list[np.ndarray] | None) -> None:
        # The state-space matrices are small (k ≲ 100): multithreaded BLAS only adds
        # contention, 2-4x slower on a busy machine. joblib's workers limit their own.
        with threadpool_limits(limits=1):
            super()._fit(panel, exog)
        index = labels_index(series_labels(panel))
        self.models_ = pd.DataFrame(
            [
                {
                    "order": s.order,
                    "seasonal_order": s.seasonal_order,
                    "trend": s.trend,
                    "method": s.method,
                    "aicc": s.aicc,
                    **s.extra,
                    "notes": "; ".join(s.notes),
                }
                for s in self.states_
            ],
            index=index,
        )
        self.params_ = pd.DataFrame(
            [dict(zip(s.param_names, s.params, strict=True)) if s.params is not None else {} for s in self.states_],
            index=index,
        )
        warn_about_notes(type(self).__name__, panel, [s.notes for s in self.states_])

    def _predict(
        self, history: Panel, horizon: int, exog: list[np.ndarray] | None, quantiles: tuple[float, ...]
    ) -> tuple[np.ndarray, np.ndarray | None]:
        with threadpool_limits(limits=1):
            return super()._predict(history, horizon, exog, quantiles)

    def _predict_one(
        self, state: ArimaState, y: np.ndarray, horizon: int, x: np.ndarray | None, quantiles: tuple[float, ...]
    ) -> tuple[np.ndarray, np.ndarray | None]:
        x_history, x_future = None, None
        if x is not None:
            if len(x) == len(y) + horizon:  # a new history: its rows, then the horizon's
                x_history, x_future = x[: len(y)], x[len(y) :]
            else:  # the training history: its rows were kept at fit time
                x_history, x_future = state.x, x
        return forecast_state(state, y, x_history, x_future, horizon, quantiles)

    def predict_origins(self, y: Any, horizon: int, origins: Sequence[int], X: Any = None) -> np.ndarray:
        """Forecasts from many origins of one series with the fitted parameters, no refit.

        One Kalman filter pass over ``y`` gives the predicted state at every origin,
        and ``horizon`` steps follow by matrix products for all origins together, so
        a rolling evaluation over thousands of windows costs about one filter pass
        (the same numbers as ``predict(y=y[:o])`` for each origin ``o``).

        Parameters
        ----------
        y
            The whole series (a ``pd.Series`` or 1-D array): each forecast sees all
            values before its origin, through the filter with the fitted parameters.
        horizon
            Steps forecast from each origin.
        origins
            Positions ``o`` in ``y``: row ``i`` forecasts ``y[o : o + horizon]`` from ``y[:o]``.
        X
            Regressors for the rows of ``y`` (as a frame indexed like ``y``, or an
            array), covering ``max(origins) + horizon`` rows.

        Returns
        -------
        np.ndarray
            Shape ``(len(origins), horizon)``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from tsmem.estimators import ARIMA
        >>> y = pd.Series(np.sin(np.arange(200) / 3) + np.random.default_rng(0).normal(0, 0.1, 200))
        >>> model = ARIMA(order=(2, 0, 0), trend="c").fit(y[:150])
        >>> paths = model.predict_origins(y, horizon=5, origins=range(150, 196))
        >>> paths.shape
        (46, 5)
        >>> bool(np.allclose(paths[0], model.predict(horizon=5, y=y[:150]).to_numpy()))
        True
        """
        values, origins = self._origins_input(y, origins)
        x = None
        if self.n_exog_:
            if X is None:
                raise ValueError("The model was fitted with regressors: predict_origins needs X.")
            x = np.asarray(X, dtype=float).reshape(len(X), -1)
            if len(x) < origins.max() + horizon:
                raise ValueError(f"X has {len(x)} rows; it must cover max(origins) + horizon = {origins.max() + horizon}.")
        return forecast_origins(self.states_[0], values, x, origins, int(horizon))


def _check_orders(order: Any, seasonal_order: Any) -> None:
    def non_negative_ints(values: Any, size: int) -> bool:
        return (
            isinstance(values, tuple | list)
            and len(values) == size
            and all(isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= 0 for v in values)
        )

    if not non_negative_ints(order, 3):
        raise ValueError(f"order must be (p, d, q), three non-negative integers; got {order!r}.")
    if not non_negative_ints(seasonal_order, 4):
        raise ValueError(f"seasonal_order must be (P, D, Q, m), four non-negative integers; got {seasonal_order!r}.")
    if any(seasonal_order[:3]) and seasonal_order[3] < 2:
        raise ValueError(f"seasonal_order {tuple(seasonal_order)} has seasonal terms but period m < 2.")


class ARIMA(SarimaxForecaster):
    """Seasonal ARIMA with exogenous regressors and prediction intervals (statsmodels ``SARIMAX``).

    One model per series and channel, fitted in parallel with joblib (``n_jobs``).
    Swap joblib's backend to run the fits on Dask or Ray::

        with joblib.parallel_config(backend="dask"):  # or "ray" after ray.util.joblib.register_ray()
            model.fit(y)

    Parameters
    ----------
    order
        ``(p, d, q)``: AR order, differences, MA order.
    seasonal_order
        ``(P, D, Q, m)``: seasonal AR order, seasonal differences, seasonal MA
        order, period. For long periods (m ≥ 52) prefer :func:`fourier_terms` as ``X``.
    trend
        SARIMAX's deterministic term: None/``"n"`` (none), ``"c"`` (a constant in
        the differenced equation: a mean when ``d + D = 0``, a drift when 1),
        ``"t"``, ``"ct"``.
    method
        ``"css-ml"`` (CSS starting values, then exact likelihood), ``"ml"`` or
        ``"css"`` (see the module docstring).
    maxiter
        Most L-BFGS iterations of the likelihood fit; reaching it raises a
        ``FitWarning`` (the parameters so far are kept).
    time_budget
        Seconds one series' likelihood fit may take (None: no limit); when spent,
        the fit stops with its parameters so far and a ``FitWarning``.
    n_jobs
        joblib workers for many series (None: one; -1: all cores).

    Attributes
    ----------
    states_ : list of ArimaState
        One fitted state per series and channel.
    models_ : pd.DataFrame
        One row per series (and channel): order, seasonal order, trend, method,
        AICc, seconds, and the notes of the ``FitWarning`` (empty when none).
    params_ : pd.DataFrame
        SARIMAX's parameters, one row per series (and channel).

    Notes
    -----
    A constant series is forecast by its value with zero-width intervals (no
    model is fitted; regressors are then ignored). A series too short for the
    orders, ``d + D·m + max(p + P·m, q + Q·m) + p + q + P + Q + 2`` observations,
    gets a clear ``ValueError``. When the likelihood fit fails, the CSS
    estimates are used, and when those fail too a (seasonal) random walk,
    always with a ``FitWarning`` naming the series.

    Examples
    --------
    >>> from tsmem.datasets import load_dataset
    >>> import numpy as np
    >>> y = np.log(load_dataset("air_passengers"))
    >>> model = ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(y[:-12])
    >>> forecast = model.predict(horizon=12, quantiles=[0.1, 0.9])
    >>> list(forecast.columns)
    ['passengers', 'passengers_q0.1', 'passengers_q0.9']
    >>> model.models_["method"].iloc[0]
    'ml'
    """

    def __init__(
        self,
        *,
        order: tuple[int, int, int] = (1, 0, 0),
        seasonal_order: tuple[int, int, int, int] = (0, 0, 0, 0),
        trend: str | None = None,
        method: str = "css-ml",
        maxiter: int = 50,
        time_budget: float | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.method = method
        self.maxiter = maxiter
        self.time_budget = time_budget
        self.n_jobs = n_jobs

    def _validate_params(self) -> None:
        _check_orders(self.order, self.seasonal_order)
        if self.trend not in _TRENDS:
            raise ValueError(f"trend must be one of {_TRENDS}, got {self.trend!r}.")
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}, got {self.method!r}.")
        check_limits(self.maxiter, self.time_budget)

    def _orders(self) -> Orders:
        p, d, q = (int(v) for v in self.order)
        P, D, Q, m = (int(v) for v in self.seasonal_order)
        return Orders(p, d, q, P, D, Q, max(m, 1), self.trend == "c")

    def _min_length(self) -> int:
        o = self._orders()
        return o.d + o.D * o.m + max(o.p + o.P * o.m, o.q + o.Q * o.m) + o.p + o.q + o.P + o.Q + 2

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        return {"order": (1, 0, 0), "seasonal_order": (0, 1, 1, 8)}

    def _fit_one(self, y: np.ndarray, x: np.ndarray | None) -> ArimaState:
        orders = self._orders()
        if np.ptp(y) == 0:
            return deterministic_state(y, Orders(0, 0, 0), x)
        start_time = time.perf_counter()
        notes: list[str] = []
        css = None
        if self.trend in (None, "n", "c"):  # CSS knows a constant, not a time trend
            css = fit_css(y, orders, x)
        if self.method == "css":
            if css is not None and css.ok:
                return state_from_css(css, x, notes)
            notes.append("CSS failed (or has a root near the unit circle); used maximum likelihood")
        start = to_sarimax_params(css) if css is not None and css.ok else None
        trend = None if self.trend == "n" else self.trend
        params, names, aicc, ml_notes = fit_ml(
            y, x, (orders.order, orders.seasonal_order), trend,
            start if self.method == "css-ml" else None, self.maxiter, Deadline(self.time_budget),
        )
        notes += ml_notes
        if params is None:
            if css is not None and css.ok:
                return state_from_css(css, x, (*notes, "used the CSS estimates instead"), method="fallback")
            return simplest_state(y, orders, x, notes)
        seconds = time.perf_counter() - start_time
        return ArimaState(
            orders.order, orders.seasonal_order, trend, params, names, x=x, method="ml", aicc=aicc,
            notes=tuple(notes), extra={"seconds": seconds},
        )

