"""Automatic seasonal ARIMA: the Hyndman–Khandakar algorithm of R's ``forecast::auto.arima``.

Hyndman, R. J. & Khandakar, Y. (2008), "Automatic time series forecasting:
the forecast package for R", *Journal of Statistical Software* 27(3), with the
defaults of today's ``auto.arima`` (forecast 8.x). For one series:

1. **Constant series**: forecast the constant (no search).
2. **Seasonal differencing** ``D`` (when ``m > 1`` and ``n > 2m``): ``D = 1`` when
   the seasonal strength of an STL decomposition (Cleveland et al. 1990;
   statsmodels ``STL``, seasonal window 11 as R's ``mstl``) exceeds 0.64 —
   R's default ``seasonal.test = "seas"`` (Wang, Smith & Hyndman 2006). OCSB is
   not in statsmodels, so it is not offered.
3. **Differencing** ``d``: repeated KPSS tests (statsmodels ``kpss``, level
   stationarity, R's lag ``⌊3√n/13⌋``) at 5% on the seasonally differenced
   series, up to ``max_d``.
   With regressors both tests run on the residuals of ``y`` regressed on ``X``.
4. **Stepwise search** over ``(p, q, P, Q)`` and the constant (a mean when
   ``d + D = 0``, a drift when 1, none beyond) by AICc: four starting models,
   then neighbours (±1 on one or two orders, the constant toggled), moving to
   the first better one, until no neighbour improves. Bounds as R: ``p, q ≤ 5``,
   ``P, Q ≤ 2``, ``p, q < m`` with seasonal terms, orders at most a third of
   the series (seasonal ones: a third of the seasons), ``max_models``
   candidates at most; ``p + q + P + Q ≤ 5`` in the exhaustive search only (R's
   ``max.order``, which its stepwise search ignores). Candidates with an AR or
   MA root within 1.01 of the unit circle are rejected, the roots taken of the
   expanded polynomials φ(B)Φ(B^m) and θ(B)Θ(B^m), as R. So by default the
   search visits R's candidates and stops at R's AICc minimum (the differencing
   tests and the refit below differ from R in the ways stated here).

   **A second search** (``root_check="factors", max_order=5``, tsmem's default
   before R's rules): each factor's roots in its own variable (R's check
   rejects every seasonal coefficient above ~0.79 at ``m = 24``, see
   :func:`~tsmem.estimators.arima_css.min_root_modulus`) and ``p + q + P + Q ≤ 5``
   in the stepwise search too. Its candidates include models R rejects (a lower
   training AICc on ETTh1 and ETTh2); it forecasts better on M4 Hourly, worse on
   ETTh1, ETTh2, M4 Weekly and monthly sunspots
   (``experiments/results/autoarima_defaults.md``).

   The exact refit is not rejected for a root near the unit circle (R does
   reject it, then tries its next best model): the likelihood's parametrisation
   keeps it stationary and invertible.
5. **Approximation** (R's default for ``n > 150`` or ``m > 12``): the search
   compares conditional-sum-of-squares fits (milliseconds each, see
   :mod:`tsmem.estimators.arima_css`); only the chosen model is refitted by
   exact likelihood, starting from its CSS estimates. If that refit fails, the
   next best models are tried; if all fail, the CSS estimates are kept.

Every fit is bounded: ``maxiter`` for the likelihood, ``time_budget`` seconds per
series for the whole search (the best model so far is kept). Limits hit and
fallbacks are reported in one :class:`~tsmem.estimators.fit_notes.FitWarning`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.statespace.tools import diff
from statsmodels.tsa.stattools import kpss

from tsmem.data.panel import Panel
from tsmem.estimators.arima import SarimaxForecaster
from tsmem.estimators.arima_css import (
    CSSFit,
    Orders,
    fit_css,
    to_sarimax_params,
)
from tsmem.estimators.fit_notes import Deadline, check_count, check_limits, quiet_statsmodels
from tsmem.estimators.sarimax_state import (
    ArimaState,
    deterministic_state,
    fit_ml,
    is_flat,
    simplest_state,
    state_from_css,
)

__all__ = ["AutoARIMA", "kpss_ndiffs", "seasonal_strength"]

#: R's ``seas.heuristic`` threshold on the seasonal strength for one seasonal difference.
SEASONAL_STRENGTH_THRESHOLD = 0.64

#: Moves of the stepwise search in R's order: (dp, dq, dP, dQ).
_MOVES = (
    (0, 0, -1, 0), (0, 0, 0, -1), (0, 0, 1, 0), (0, 0, 0, 1),
    (0, 0, -1, -1), (0, 0, -1, 1), (0, 0, 1, -1), (0, 0, 1, 1),
    (-1, 0, 0, 0), (0, -1, 0, 0), (1, 0, 0, 0), (0, 1, 0, 0),
    (-1, -1, 0, 0), (-1, 1, 0, 0), (1, -1, 0, 0), (1, 1, 0, 0),
)  # fmt: skip


# -- differencing tests ----------------------------------------------------------------


def kpss_ndiffs(x: np.ndarray, alpha: float = 0.05, max_d: int = 2) -> int:
    """Differences needed for level stationarity by repeated KPSS tests (R's ``ndiffs``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> kpss_ndiffs(rng.normal(size=300)), kpss_ndiffs(np.cumsum(rng.normal(size=300)))
    (0, 1)
    """
    d, reference = 0, x
    while d < max_d and len(x) > 3 and not is_flat(x, reference):
        with quiet_statsmodels():  # p-values outside the table's range warn
            p_value = kpss(x, regression="c", nlags=max(int(3 * np.sqrt(len(x)) / 13), 1))[1]
        if p_value >= alpha:
            break
        d += 1
        x = np.diff(x)
    return d


def seasonal_strength(x: np.ndarray, m: int) -> float:
    """``max(0, 1 - var(remainder) / var(remainder + seasonal))`` of an STL decomposition.

    0 for no seasonality, near 1 for a dominant one (Wang, Smith & Hyndman 2006);
    0 when the series has no more than two seasons.
    """
    if m < 2 or len(x) <= 2 * m or is_flat(x, x):
        return 0.0
    fit = STL(x, period=m, seasonal=11 if m > 3 else 7).fit()
    remainder, seasonal = fit.resid, fit.seasonal
    total = np.var(remainder + seasonal)
    return float(max(0.0, 1.0 - np.var(remainder) / total)) if total > 0 else 0.0


# -- the search ---------------------------------------------------------------------------


class _Search:
    """Stepwise (or exhaustive) search over orders; ``results`` maps Orders to fits."""

    def __init__(self, fit: Callable[[Orders], Any], limits: dict[str, int], max_models: int, deadline: Deadline):
        self.fit, self.limits, self.max_models, self.deadline = fit, limits, max_models, deadline
        self.results: dict[Orders, Any] = {}
        self.stopped = ""

    def allowed(self, o: Orders) -> bool:
        lim = self.limits
        return (
            0 <= o.p <= lim["p"] and 0 <= o.q <= lim["q"] and 0 <= o.P <= lim["P"] and 0 <= o.Q <= lim["Q"]
            and o.p + o.q + o.P + o.Q <= lim["order"]
        )  # fmt: skip

    def trial(self, o: Orders) -> float | None:
        """AICc of ``o`` (fitting it if new); None when not allowed, seen, or out of budget."""
        if not self.allowed(o) or o in self.results or self.stopped:
            return None
        if len(self.results) >= self.max_models:
            self.stopped = f"the search stopped at max_models={self.max_models}"
            return None
        if self.deadline.expired:
            self.stopped = f"time budget ({self.deadline.seconds:g} s) stopped the search after {len(self.results)} models"
            return None
        self.results[o] = fit = self.fit(o)
        return fit.aicc

    def stepwise(self, first: Orders, allow_constant: bool) -> None:
        base = dict(d=first.d, D=first.D, m=first.m)
        lim = self.limits
        best, best_ic = first, np.inf
        starts = [
            first,
            Orders(0, q=0, **base, constant=first.constant),
            Orders(int(lim["p"] > 0), q=0, P=int(lim["P"] > 0), **base, constant=first.constant),
            Orders(0, q=int(lim["q"] > 0), Q=int(lim["Q"] > 0), **base, constant=first.constant),
        ]
        if first.constant:
            starts.append(Orders(0, q=0, **base, constant=False))
        for o in starts:
            ic = self.trial(o)
            if ic is not None and ic < best_ic:
                best, best_ic = o, ic
        improved = True
        while improved and not self.stopped:
            improved = False
            neighbours = [
                Orders(best.p + dp, best.d, best.q + dq, best.P + dP, best.D, best.Q + dQ, best.m, best.constant)
                for dp, dq, dP, dQ in _MOVES
            ]
            if allow_constant:
                neighbours.append(Orders(best.p, best.d, best.q, best.P, best.D, best.Q, best.m, not best.constant))
            for o in neighbours:
                ic = self.trial(o)
                if ic is not None and ic < best_ic:
                    best, best_ic, improved = o, ic, True
                    break  # R moves to the first better neighbour, then starts over

    def exhaustive(self, first: Orders, allow_constant: bool) -> None:
        lim = self.limits
        for constant in (True, False) if allow_constant else (first.constant,):
            for p in range(lim["p"] + 1):
                for q in range(lim["q"] + 1):
                    for P in range(lim["P"] + 1):
                        for Q in range(lim["Q"] + 1):
                            self.trial(Orders(p, first.d, q, P, first.D, Q, first.m, constant))

    def ranked(self) -> list[tuple[Orders, Any]]:
        """Fitted candidates with a finite AICc, best first."""
        finite = [(o, f) for o, f in self.results.items() if np.isfinite(f.aicc)]
        return sorted(finite, key=lambda item: item[1].aicc)


# -- the estimator --------------------------------------------------------------------------


class AutoARIMA(SarimaxForecaster):
    """Seasonal ARIMA with automatic orders, the Hyndman–Khandakar way (R's ``auto.arima``).

    The algorithm and every choice it makes are in the module docstring of
    :mod:`tsmem.estimators.auto_arima`. One model per series and channel,
    fitted in parallel with joblib (``n_jobs``); swap the backend for Dask or
    Ray with ``with joblib.parallel_config(backend="dask"): model.fit(y)``.

    Parameters
    ----------
    season_length
        Seasonal period ``m`` (1: non-seasonal). Periods above ~50 make every
        likelihood evaluation slow (``P·m`` states): for those, fit with
        ``season_length=1`` and :func:`~tsmem.estimators.arima.fourier_terms` as ``X``.
    d, D
        Fix the number of differences and seasonal differences (None: tested).
    max_p, max_q, max_P, max_Q, max_order
        Bounds of the search (``max_order`` bounds ``p + q + P + Q``; None: R's
        rule, no bound in the stepwise search and 5 in the exhaustive one).
    max_d, max_D
        Most differences the tests may choose.
    allow_constant
        Consider a mean (``d + D = 0``) or drift (``d + D = 1``).
    root_check
        How candidates with a root within 1.01 of the unit circle are found:
        ``"expanded"`` (R's) checks the expanded products φ(B)Φ(B^m), θ(B)Θ(B^m)
        in ``B``, which rejects any seasonal coefficient above ~0.79 at ``m = 24``;
        ``"factors"`` checks φ, θ in ``B`` and Φ, Θ in ``B^m`` separately (see
        :func:`~tsmem.estimators.arima_css.min_root_modulus`). The defaults
        (``"expanded"``, ``max_order=None``) are R's ``auto.arima``;
        ``root_check="factors", max_order=5`` is the second search of the
        module docstring (better on M4 Hourly, worse elsewhere:
        ``experiments/results/autoarima_defaults.md``).
    stepwise
        Stepwise search (True) or every allowed model (False: slow).
    approximation
        Search by conditional sum of squares and refit only the chosen model by
        exact likelihood; None: when ``n > 150`` or ``m > 12`` (R's rule).
    max_models
        Most candidate models per series (R's ``nmodels``).
    maxiter
        Most L-BFGS iterations of a likelihood fit.
    time_budget
        Seconds per series for the whole fit (None: no limit); when spent, the
        best model so far is kept, with a ``FitWarning``.
    n_jobs
        joblib workers for many series (None: one; -1: all cores).

    Attributes
    ----------
    order_, seasonal_order_ : tuple or pd.Series
        The chosen ``(p, d, q)`` and ``(P, D, Q, m)``: a tuple when one series
        (and channel) was fitted, else a Series of tuples, one per series.
    models_ : pd.DataFrame
        Per series: orders, trend (``"c"`` when a constant was chosen), method
        (``"ml"``; ``"css"``/``"fallback"`` after a failure; ``"deterministic"``
        for constant series), AICc, models tried, seconds, and the notes of the
        ``FitWarning`` (empty when none).
    params_ : pd.DataFrame
        SARIMAX's parameters per series, in the data's units (``states_`` holds them
        for each series divided by its largest ``|value|``, ``scales_``).

    Notes
    -----
    Constant series are forecast by their value with zero-width intervals.
    Short series are fitted with the bounds they allow (no seasonal terms with
    fewer than three seasons, no seasonal difference with two or fewer); a
    series needs at least 3 observations.

    Examples
    --------
    >>> import numpy as np
    >>> from tsmem.datasets import load_dataset
    >>> y = np.log(load_dataset("air_passengers"))
    >>> model = AutoARIMA(season_length=12).fit(y[:-12])
    >>> model.order_, model.seasonal_order_
    ((0, 1, 1), (0, 1, 1, 12))
    >>> model.predict(horizon=12).shape
    (12,)
    """

    def __init__(
        self,
        *,
        season_length: int = 1,
        d: int | None = None,
        D: int | None = None,
        max_p: int = 5,
        max_q: int = 5,
        max_P: int = 2,
        max_Q: int = 2,
        max_order: int | None = None,
        max_d: int = 2,
        max_D: int = 1,
        allow_constant: bool = True,
        root_check: str = "expanded",
        stepwise: bool = True,
        approximation: bool | None = None,
        max_models: int = 94,
        maxiter: int = 50,
        time_budget: float | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.season_length = season_length
        self.d = d
        self.D = D
        self.max_p = max_p
        self.max_q = max_q
        self.max_P = max_P
        self.max_Q = max_Q
        self.max_order = max_order
        self.max_d = max_d
        self.max_D = max_D
        self.allow_constant = allow_constant
        self.root_check = root_check
        self.stepwise = stepwise
        self.approximation = approximation
        self.max_models = max_models
        self.maxiter = maxiter
        self.time_budget = time_budget
        self.n_jobs = n_jobs

    def _validate_params(self) -> None:
        check_count(self.season_length, "season_length", minimum=1)
        for name in ("d", "D", "max_order"):
            check_count(getattr(self, name), name, allow_none=True)
        for name in ("max_p", "max_q", "max_P", "max_Q", "max_d", "max_D"):
            check_count(getattr(self, name), name)
        if self.root_check not in ("factors", "expanded"):
            raise ValueError(f"root_check must be 'factors' or 'expanded', got {self.root_check!r}.")
        check_count(self.max_models, "max_models", minimum=1)
        check_limits(self.maxiter, self.time_budget)

    def _min_length(self) -> int:
        return 3

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        return {"season_length": 8, "max_p": 2, "max_q": 2, "max_P": 1, "max_Q": 1, "approximation": True}

    def _fit(self, panel: Panel, exog: list[np.ndarray] | None) -> None:
        super()._fit(panel, exog)
        if len(self.states_) == 1:
            self.order_, self.seasonal_order_ = self.states_[0].order, self.states_[0].seasonal_order
        else:
            self.order_ = self.models_["order"].rename("order")
            self.seasonal_order_ = self.models_["seasonal_order"].rename("seasonal_order")

    # -- one series ------------------------------------------------------------------
    def _fit_state(self, y: np.ndarray, x: np.ndarray | None) -> ArimaState:
        started = time.perf_counter()
        deadline = Deadline(self.time_budget)
        n, m = len(y), int(self.season_length)
        if np.ptp(y) == 0:
            return deterministic_state(y, Orders(0, 0, 0), x)
        tested = y if x is None else _regression_residuals(y, x)
        seasonal = m > 1 and n > 2 * m
        D = (self.D if self.D is not None else _nsdiffs(tested, m, self.max_D)) if seasonal else 0
        if not seasonal:
            m = 1
        d = self.d if self.d is not None else kpss_ndiffs(diff(tested, 0, D, m), max_d=self.max_d)
        d = min(d, max(n - D * m - 3, 0))  # keep three differenced values (very short series)
        allow_constant = self.allow_constant and d + D <= 1
        if is_flat(diff(y, d, D, m), y) and x is None:
            return deterministic_state(y, Orders(0, d, 0, 0, D, 0, m, allow_constant), None)

        limits = self._limits(n, m)
        approximate = self.approximation if self.approximation is not None else (n > 150 or m > 12)
        candidate = self._css_candidate(y, x) if approximate else self._ml_candidate(y, x, deadline)
        search = _Search(candidate, limits, self.max_models, deadline)
        first = Orders(
            min(2, limits["p"]), d, min(2, limits["q"]), min(1, limits["P"]), D, min(1, limits["Q"]), m, allow_constant
        )
        with quiet_statsmodels():
            (search.stepwise if self.stepwise else search.exhaustive)(first, allow_constant)
        notes = [search.stopped] if search.stopped else []  # R warns at nmodels too
        searched = time.perf_counter()
        state = self._final(y, x, search, approximate, deadline, notes)
        extra = {
            "n_models": len(search.results),
            "search_seconds": searched - started,
            "seconds": time.perf_counter() - started,
        }
        return replace(state, extra={**state.extra, **extra})

    def _limits(self, n: int, m: int) -> dict[str, int]:
        """R's bounds, shrunk for short series and seasonal models."""
        max_P = min(self.max_P, n // (3 * m)) if m > 1 else 0
        max_Q = min(self.max_Q, n // (3 * m)) if m > 1 else 0
        max_p, max_q = min(self.max_p, n // 3), min(self.max_q, n // 3)
        if m > 1 and max_P > 0:
            max_p = min(max_p, m - 1)
        if m > 1 and max_Q > 0:
            max_q = min(max_q, m - 1)
        if self.max_order is not None:
            order = self.max_order
        else:  # R: max.order = 5 bounds the exhaustive search; the stepwise one has no bound
            order = max_p + max_q + max_P + max_Q if self.stepwise else 5
        return {"p": max_p, "q": max_q, "P": max_P, "Q": max_Q, "order": order}

    def _css_candidate(self, y: np.ndarray, x: np.ndarray | None) -> Callable[[Orders], CSSFit]:
        expanded = self.root_check == "expanded"
        return lambda orders: fit_css(y, orders, x, expanded_roots=expanded)

    def _ml_candidate(self, y: np.ndarray, x: np.ndarray | None, deadline: Deadline) -> Callable[[Orders], Any]:
        """Exact-likelihood candidates (``approximation=False``), CSS-started."""

        def fit(orders: Orders) -> _MLFit:
            css = fit_css(y, orders, x, expanded_roots=self.root_check == "expanded")
            start = to_sarimax_params(css) if css.ok else None
            params, names, aicc, notes = fit_ml(
                y, x, orders, "c" if orders.constant else None, start, self.maxiter, deadline
            )
            return _MLFit(orders, css, params, names, aicc if params is not None else np.inf, notes)

        return fit

    def _final(
        self, y: np.ndarray, x: np.ndarray | None, search: _Search, approximate: bool, deadline: Deadline, notes: list
    ) -> ArimaState:
        """Refit the best candidates by exact likelihood until one works; else fall back."""
        ranked = search.ranked()
        if not ranked:
            first = next(iter(search.results), Orders(0, 0, 0))
            return simplest_state(y, first, x, (*notes, "no candidate model could be fitted"))
        if not approximate:
            orders, fit = ranked[0]
            return _state(orders, fit.params, fit.names, fit.aicc, x, (*notes, *fit.notes))
        tried = 0
        for orders, css in ranked[:5]:  # R tries them all; five exact fits bound the cost
            if deadline.expired:
                notes.append("no time left for the exact-likelihood refit: kept the CSS estimates")
                break
            tried += 1
            params, names, aicc, ml_notes = fit_ml(
                y, x, orders, "c" if orders.constant else None, to_sarimax_params(css), self.maxiter, deadline
            )
            # Unlike R, an exact fit is not rejected for a root near the unit circle: the
            # likelihood's parametrisation keeps it stationary and invertible, and rejecting
            # seasonal MA roots near -1 (deterministic seasonality, common in hourly data)
            # sent a quarter of M4 Hourly series to their CSS estimates, with no gain.
            if params is not None:
                state = _state(orders, params, names, aicc, x, (*notes, *ml_notes))
                return replace(state, extra={"refits": tried})
        orders, css = ranked[0]
        if tried:
            notes.append(f"the exact-likelihood refit failed for the {tried} best models: kept the CSS estimates")
        return state_from_css(css, x, notes, method="css")


class _MLFit:
    """A candidate fitted by exact likelihood (search without approximation)."""

    def __init__(self, orders, css, params, names, aicc, notes) -> None:
        self.orders, self.css, self.params, self.names, self.aicc, self.notes = orders, css, params, names, aicc, notes


def _state(orders: Orders, params, names, aicc: float, x, notes) -> ArimaState:
    trend = "c" if orders.constant else None
    return ArimaState(orders.order, orders.seasonal_order, trend, params, names, x=x, method="ml", aicc=aicc, notes=tuple(notes))


def _nsdiffs(x: np.ndarray, m: int, max_D: int) -> int:
    """Seasonal differences by the seasonal-strength heuristic (R's ``nsdiffs(test="seas")``)."""
    D, reference = 0, x
    while D < max_D and len(x) > 2 * m and seasonal_strength(x, m) > SEASONAL_STRENGTH_THRESHOLD:
        D += 1
        x = diff(x, 0, 1, m)
        if is_flat(x, reference):
            break
    return D


def _regression_residuals(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Residuals of ``y`` on an intercept and ``x`` (the series the differencing tests see)."""
    design = np.column_stack([np.ones(len(y)), x])
    return y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
