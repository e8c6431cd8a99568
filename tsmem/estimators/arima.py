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
to new data without refitting (from the training data itself, forecasts start
at the filter's end, kept at fit time: no second pass), and
:meth:`ARIMA.predict_origins` forecasts from thousands of origins with one
filter pass (Durbin & Koopman, *Time Series Analysis by State Space Methods*,
2nd ed., §4.11: the h-step forecast from origin ``t`` is ``Z Tʰ⁻¹ a_t`` from the
predicted state ``a_t``).

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
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from tsmem.data.panel import Panel
from tsmem.estimators.arima_css import (
    Orders,
    fit_css,
    to_sarimax_params,
)
from tsmem.estimators.base import LocalForecaster, one_blas_thread
from tsmem.estimators.fit_notes import (
    Deadline,
    check_count,
    check_limits,
    labels_index,
    series_labels,
    warn_about_notes,
)
from tsmem.estimators.sarimax_state import (
    ArimaState,
    deterministic_state,
    fit_ml,
    forecast_origins,
    forecast_state,
    simplest_state,
    state_from_css,
    with_filter_end,
)

__all__ = ["ARIMA", "ArimaState", "fourier_terms"]

_TRENDS = (None, "n", "c", "t", "ct")
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
    check_count(n_terms, "n_terms", minimum=1)
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
        except ValueError:  # calendar offsets (months, quarters, weeks, ...): count them
            return _calendar_steps(index, offset)
        return index.as_unit("ns").asi8 / step
    if pd.api.types.is_numeric_dtype(index):
        return np.asarray(index, dtype=float)
    raise TypeError(f"fourier_terms needs a datetime, period or integer index, not {type(index).__name__}.")


def _calendar_steps(index: pd.DatetimeIndex, offset: pd.DateOffset) -> np.ndarray:
    """Steps since 1970 for offsets of no fixed length, counted in the offset's own unit.

    Counted from the calendar fields rather than with ``to_period``, which takes
    neither start-anchored aliases with a multiple ("2MS") nor, without a
    deprecation warning, business days.
    """
    o = pd.offsets
    months = (index.year - 1970) * 12 + (index.month - 1)
    if isinstance(offset, o.MonthBegin | o.MonthEnd | o.BusinessMonthBegin | o.BusinessMonthEnd):
        units = months
    elif isinstance(offset, o.QuarterBegin | o.QuarterEnd | o.BQuarterBegin | o.BQuarterEnd):
        units = months / 3
    elif isinstance(offset, o.YearBegin | o.YearEnd | o.BYearBegin | o.BYearEnd):
        units = index.year - 1970
    elif isinstance(offset, o.Week):
        units = (index.as_unit("ns").asi8 // 86_400_000_000_000) / 7
    elif isinstance(offset, o.BusinessDay):
        units = np.busday_count("1970-01-01", index.values.astype("datetime64[D]"))
    else:
        raise ValueError(
            f"fourier_terms cannot count steps of frequency {offset.freqstr!r}; "
            "pass an integer index (the step number) or a PeriodIndex instead."
        )
    return np.asarray(units, dtype=float) / offset.n


# -- the estimators ------------------------------------------------------------------------


class SarimaxForecaster(LocalForecaster):
    """Shared machinery of :class:`ARIMA` and :class:`~tsmem.estimators.AutoARIMA`.

    Subclasses implement ``_fit_state`` returning an :class:`ArimaState`; the
    Kalman filter's end over the training data is added to it (:class:`FilterEnd`
    of :mod:`~tsmem.estimators.sarimax_state`), so forecasts from the training data
    start there instead of filtering it again. After
    fitting, ``models_`` (one row per series and channel: orders, method, AICc)
    and ``params_`` (SARIMAX's parameters) describe the fits, and one
    :class:`~tsmem.estimators.fit_notes.FitWarning` reports limits hit and fallbacks.
    """

    supports_exog: ClassVar[bool] = True
    supports_quantiles: ClassVar[bool] = True
    rescale_always: ClassVar[bool] = True

    def _fit(self, panel: Panel, exog: list[np.ndarray] | None) -> None:
        with one_blas_thread():
            super()._fit(panel, exog)
        index = labels_index(series_labels(panel))
        lengths = [len(values) for values in panel.values for _ in range(panel.n_channels)]
        fits = list(zip(self.states_, self.scales_, lengths, strict=True))
        self.models_ = pd.DataFrame(
            [
                {
                    "order": s.order,
                    "seasonal_order": s.seasonal_order,
                    "trend": s.trend,
                    "method": s.method,
                    "aicc": _aicc_in_data_units(s, scale, n),
                    **s.extra,
                    "notes": "; ".join(s.notes),
                }
                for s, scale, n in fits
            ],
            index=index,
        )
        self.params_ = pd.DataFrame([_params_in_data_units(s, scale) for s, scale, _ in fits], index=index)
        warn_about_notes(type(self).__name__, panel, [s.notes for s in self.states_])

    def _predict(
        self, history: Panel, horizon: int, exog: list[np.ndarray] | None, quantiles: tuple[float, ...]
    ) -> tuple[np.ndarray, np.ndarray | None]:
        with one_blas_thread():
            return super()._predict(history, horizon, exog, quantiles)

    def _fit_state(self, y: np.ndarray, x: np.ndarray | None) -> ArimaState:
        """Fit one series ``y`` (T,) with regressors ``x`` (T, K)."""
        raise NotImplementedError

    def _fit_one(self, y: np.ndarray, x: np.ndarray | None) -> ArimaState:
        return with_filter_end(self._fit_state(y, x), y, x)

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
        values, origins = self._origins_input(y, origins, rescaled=True)
        scale = self.scales_[0]  # the state is in the fitted series' divided units
        x = None
        if self.n_exog_:
            if X is None:
                raise ValueError("The model was fitted with regressors: predict_origins needs X.")
            x = np.asarray(X, dtype=float).reshape(len(X), -1)
            if len(x) < origins.max() + horizon:
                raise ValueError(f"X has {len(x)} rows; it must cover max(origins) + horizon = {origins.max() + horizon}.")
        return forecast_origins(self.states_[0], values / scale, x, origins, int(horizon)) * scale


def _params_in_data_units(state: ArimaState, scale: float) -> dict[str, float]:
    """SARIMAX's parameters of a series fitted divided by ``scale``, in the series' units.

    AR and MA coefficients are scale-free; σ² scales with ``scale²``; the constant, the
    drift and the regressors' coefficients (the regressors are not divided) with ``scale``.
    """
    if state.params is None:
        return {}
    scale = float(scale)  # a float product: σ² of a series near 1e300 is inf, not a warning
    factors = {"sigma2": scale * scale}
    return {
        name: float(value) * (1.0 if name.startswith(("ar.", "ma.")) else factors.get(name, scale))
        for name, value in zip(state.param_names, state.params, strict=True)
    }


def _aicc_in_data_units(state: ArimaState, scale: float, n: int) -> float:
    """The AICc of a series of ``n`` steps fitted divided by ``scale``, as fitted to the series itself.

    Both the exact and the CSS likelihood are Gaussian in the ``n - d - D·m`` differenced
    observations, so dividing them by ``scale`` adds ``(n - d - D·m)·log scale`` to the
    log-likelihood and nothing else: the AICc moves by twice that.
    """
    used = n - state.order[1] - state.seasonal_order[1] * state.seasonal_order[3]
    return float(state.aicc + 2 * used * np.log(scale))


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
        One fitted state per series and channel, for the series divided by its
        largest ``|value|`` (``scales_``): fitted so, ``c · y`` is fitted on the
        same numbers as ``y`` and forecast in proportion.
    models_ : pd.DataFrame
        One row per series (and channel): order, seasonal order, trend, method,
        AICc (of the data itself), seconds, and the notes of the ``FitWarning``
        (empty when none).
    params_ : pd.DataFrame
        SARIMAX's parameters, one row per series (and channel), in the data's
        units: ``SARIMAX(y, X, ...).filter(params_.iloc[i])`` reproduces the forecasts.

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

    def _fit_state(self, y: np.ndarray, x: np.ndarray | None) -> ArimaState:
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

