"""Exponential smoothing state-space models (ETS) with automatic selection by AICc.

Hyndman, Koehler, Ord & Snyder, *Forecasting with Exponential Smoothing: the
State Space Approach* (2008), fitted by statsmodels' ``ETSModel`` (maximum
likelihood). ``ETS(model="ZZZ")`` chooses error, trend and season the way R's
``forecast::ets`` does: every admissible combination of

* error: additive (A) or multiplicative (M),
* trend: none (N), additive (A), additive damped (Ad); multiplicative (M, Md)
  only with ``allow_multiplicative_trend``,
* season: none (N), additive (A), multiplicative (M),

is fitted and the lowest AICc wins. Multiplicative error or season only for
strictly positive data; with ``"Z"`` letters R's restrictions apply (no additive
error with a multiplicative trend or season: their forecast variance is
infinite). A season needs ``season_length > 1`` and two full seasons of data.

Speed (``approximation``, as AutoARIMA): estimating the ``m`` initial seasonal
states makes each seasonal fit slow (about a second for ``m = 24``). The
approximate search fits every candidate with heuristic initial states
(Hyndman et al. 2008, §2.6.1: only the smoothing parameters are optimised,
tens of milliseconds), then refits the chosen model with estimated initial
states. For ``m > 24`` the initial states always stay heuristic (R's ``ets``
refuses such periods; 168 free initial states are slow and overfit).
``time_budget`` stops the search with the best model so far.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.tools import eval_measures
from statsmodels.tsa.exponential_smoothing.ets import ETSModel, PredictionResults

from tsmem.data.panel import Panel
from tsmem.estimators.base import LocalForecaster, one_blas_thread
from tsmem.estimators.fit_notes import (
    Deadline,
    check_count,
    check_limits,
    labels_index,
    quiet_statsmodels,
    series_labels,
    warn_about_notes,
)

__all__ = ["ETS", "EtsConfig"]

_STATSMODELS = {"A": "add", "M": "mul", "N": None}
#: Above this period the initial seasonal states are never estimated (R's ets limit).
MAX_ESTIMATED_SEASON = 24


@dataclass(frozen=True)
class EtsConfig:
    """One ETS model: error, trend, damped, season (letters as in ``ETS(M,Ad,M)``)."""

    error: str
    trend: str
    damped: bool
    season: str

    def __str__(self) -> str:
        return f"ETS({self.error},{self.trend}{'d' if self.damped else ''},{self.season})"

    def model(self, y: np.ndarray, m: int, initialization: str) -> ETSModel:
        return ETSModel(
            pd.Series(y),  # statsmodels' get_prediction needs a pandas endog
            error=_STATSMODELS[self.error],
            trend=_STATSMODELS[self.trend],
            damped_trend=self.damped,
            seasonal=_STATSMODELS[self.season],
            seasonal_periods=m if self.season != "N" else None,
            initialization_method=initialization,
        )


@dataclass(frozen=True)
class EtsState:
    """One fitted series: the model, its parameters, and what happened.

    ``params`` is None for a constant series (forecast: its value) and for the
    last-resort naive fallback (forecast: the last value).
    """

    config: EtsConfig | None
    m: int
    params: np.ndarray | None
    initialization: str = "estimated"
    aicc: float = np.nan
    method: str = "ets"
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


class ETS(LocalForecaster):
    """Exponential smoothing (ETS) with automatic model choice by AICc (statsmodels ``ETSModel``).

    One model per series and channel, fitted in parallel with joblib
    (``n_jobs``); ``with joblib.parallel_config(backend="dask"): model.fit(y)``
    runs the fits on Dask (or Ray, after ``ray.util.joblib.register_ray()``).

    Parameters
    ----------
    season_length
        Seasonal period ``m`` (1: no season).
    model
        Three letters, error/trend/season, as R's ``ets``: ``A``dditive,
        ``M``ultiplicative, ``N``one, ``Z`` (choose). ``"ZZZ"`` searches all
        admissible models; ``"AAN"`` fixes Holt's linear trend, etc.
    damped
        Damp the trend: True, False, or None (try both).
    allow_multiplicative_trend
        Also consider multiplicative trends (off by default, as in R).
    approximation
        Select among the candidates with heuristic initial states, then refit the
        chosen model with estimated ones (see the module docstring); None: when
        ``season_length > 12``.
    maxiter
        Most L-BFGS iterations per fit; reaching it adds a ``FitWarning``.
    time_budget
        Seconds per series for the search (None: no limit).
    random_state
        Seed of the simulated prediction intervals of multiplicative models.
    n_jobs
        joblib workers for many series (None: one; -1: all cores).

    Attributes
    ----------
    models_ : pd.DataFrame
        Per series: the chosen model (``"ETS(M,Ad,M)"``), method (``"ets"``;
        ``"fallback"``; ``"constant"``), AICc, candidates fitted, seconds, and the
        notes of the ``FitWarning`` (empty when none).
    params_ : pd.DataFrame
        Per series: statsmodels ``ETSModel``'s parameters (smoothing, damping and,
        when estimated, the initial states), in the data's units. ``states_`` holds
        them for the series divided by ``scales_`` (every series is fitted so, which
        makes the fit the same at every scale).

    Notes
    -----
    Forecasting from a new history (``predict(y=...)``) runs the fitted model,
    parameters and initial states, over it from its first value: the new
    history must start where the training data started (true in a backtest
    without refit); with heuristic initial states (``m > 24``) they are
    recomputed from the new history instead, so any start works.

    A constant series is forecast by its value with zero-width intervals. A
    series needs 4 observations. If every candidate fails, the forecast falls
    back to simple exponential smoothing, then to the last value, with a
    ``FitWarning``.

    Examples
    --------
    >>> from tsmem.datasets import load_dataset
    >>> y = load_dataset("air_passengers")
    >>> model = ETS(season_length=12).fit(y[:-12])
    >>> model.models_["model"].iloc[0]
    'ETS(M,A,M)'
    >>> model.predict(horizon=12, quantiles=[0.1, 0.9]).shape
    (12, 3)
    """

    supports_quantiles = True
    rescale_always = True

    def __init__(
        self,
        *,
        season_length: int = 1,
        model: str = "ZZZ",
        damped: bool | None = None,
        allow_multiplicative_trend: bool = False,
        approximation: bool | None = None,
        maxiter: int = 1000,
        time_budget: float | None = None,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.season_length = season_length
        self.model = model
        self.damped = damped
        self.allow_multiplicative_trend = allow_multiplicative_trend
        self.approximation = approximation
        self.maxiter = maxiter
        self.time_budget = time_budget
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _validate_params(self) -> None:
        check_count(self.season_length, "season_length", minimum=1)
        letters = self.model
        if not (
            isinstance(letters, str)
            and len(letters) == 3
            and letters[0] in "AMZ"
            and letters[1] in "ANMZ"
            and letters[2] in "ANMZ"
        ):
            raise ValueError(f"model must be three letters (error A/M/Z, trend N/A/M/Z, season N/A/M/Z), got {letters!r}.")
        if self.damped not in (None, True, False):
            raise ValueError(f"damped must be True, False or None, got {self.damped!r}.")
        check_limits(self.maxiter, self.time_budget)

    def _min_length(self) -> int:
        return 4

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        return {"season_length": 8, "model": "AZZ", "maxiter": 200}

    # -- fitting ------------------------------------------------------------------------
    def _fit(self, panel: Panel, exog: list[np.ndarray] | None) -> None:
        with one_blas_thread():
            super()._fit(panel, exog)
        # The states are in the units of each series divided by its scale (LocalForecaster);
        # the reports below are in the data's units.
        columns = [values[:, c] for values in panel.values for c in range(panel.n_channels)]
        fits = list(zip(self.states_, self.scales_, columns, strict=True))
        index = labels_index(series_labels(panel))
        self.models_ = pd.DataFrame(
            [
                {
                    "model": str(s.config) if s.config else None,
                    "method": s.method,
                    # ETS's likelihood over n steps gains n·log(scale) when they are divided
                    "aicc": s.aicc + 2 * len(y) * np.log(scale),
                    **s.extra,
                    **({"value": s.extra["value"] * scale} if "value" in s.extra else {}),
                    "notes": "; ".join(s.notes),
                }
                for s, scale, y in fits
            ],
            index=index,
        )
        self.params_ = pd.DataFrame([_params_in_data_units(s, y, scale) for s, scale, y in fits], index=index)
        warn_about_notes(type(self).__name__, panel, [s.notes for s in self.states_])

    def candidates(self, y: np.ndarray) -> Iterator[EtsConfig]:
        """The admissible models for series ``y``, simplest first."""
        error, trend, season = self.model
        positive = bool(np.all(y > 0))
        m = int(self.season_length)
        seasonal_ok = m > 1 and len(y) >= 2 * m + 2
        errors = [e for e in ("AM" if error == "Z" else error) if e == "A" or positive]
        trends = "NAM" if trend == "Z" and self.allow_multiplicative_trend else ("NA" if trend == "Z" else trend)
        trends = [t for t in trends if t != "M" or positive]
        seasons = [s for s in ("NAM" if season == "Z" else season) if (s == "N" or seasonal_ok) and (s != "M" or positive)]
        for e in errors:
            for t in trends:
                for damped in (False, True) if self.damped is None else (self.damped,):
                    if damped and t == "N":
                        continue
                    for s in seasons:
                        # R's restriction (only where the user left the choice open).
                        if e == "A" and (t == "M" and trend == "Z" or s == "M" and season == "Z"):
                            continue
                        yield EtsConfig(e, t, damped, s)

    def _fit_one(self, y: np.ndarray, x: Any) -> EtsState:
        started = time.perf_counter()
        m = int(self.season_length)
        if np.ptp(y) == 0:
            return EtsState(None, m, None, method="constant", extra={"value": float(y[0])})
        deadline = Deadline(self.time_budget)
        approximate = self.approximation if self.approximation is not None else m > 12
        heuristic_ok = len(y) >= 10 + 2 * (m // 2)
        search_init = "heuristic" if (approximate or m > MAX_ESTIMATED_SEASON) and heuristic_ok else "estimated"
        notes: list[str] = []
        best: tuple[EtsConfig, float, np.ndarray, bool] | None = None  # model, AICc, params, hit maxiter
        n_fitted = 0
        for config in self.candidates(y):
            if deadline.expired:
                notes.append(f"time budget ({self.time_budget:g} s) stopped the search after {n_fitted} models")
                break
            # One initialisation for all candidates, so that their AICc compare like with like.
            fitted = self._fit_config(y, config, m, search_init)
            n_fitted += 1
            if fitted is not None and (best is None or fitted[0] < best[1]):
                best = (config, *fitted)
        if best is None:
            return self._fallback(y, m, notes)
        config, aicc, params, hit_maxiter = best
        init = search_init
        refit_heuristic = search_init == "heuristic" and (m <= MAX_ESTIMATED_SEASON or config.season == "N")
        if refit_heuristic and not deadline.expired:
            refit = self._fit_config(y, config, m, "estimated")
            if refit is not None:
                (aicc, params, hit_maxiter), init = refit, "estimated"
        if hit_maxiter:
            notes.append(f"{config}: the likelihood fit stopped at maxiter={self.maxiter}")
        extra = {"n_models": n_fitted, "seconds": time.perf_counter() - started}
        return EtsState(config, m, params, init, aicc, "ets", tuple(notes), extra)

    def _fit_config(
        self, y: np.ndarray, config: EtsConfig, m: int, init: str
    ) -> tuple[float, np.ndarray, bool] | None:
        """(AICc, params, hit maxiter) of one model, or None when it cannot be fitted."""
        iterations = [0]

        def count(_: np.ndarray) -> None:
            iterations[0] += 1

        model = config.model(y, m, init)
        with quiet_statsmodels():
            try:
                # return_params: statsmodels' results object would compute a numerical
                # Hessian (a fifth of the search time) that model selection never reads
                params = np.asarray(
                    model.fit(disp=False, maxiter=self.maxiter, return_params=True, callback=count), dtype=float
                )
                loglike = model.loglike(params)
            except (ValueError, np.linalg.LinAlgError, ZeroDivisionError, OverflowError):
                return None
        # statsmodels' ETSResults.aicc: the parameters plus the scale
        aicc = float(eval_measures.aicc(loglike, model.nobs_effective, model.k_params + 1))
        if not np.isfinite(aicc) or not np.all(np.isfinite(params)):
            return None
        return aicc, params, iterations[0] >= self.maxiter

    def _fallback(self, y: np.ndarray, m: int, notes: list[str]) -> EtsState:
        ses = EtsConfig("A", "N", False, "N")
        fitted = self._fit_config(y, ses, m, "estimated")
        if fitted is not None:
            note = f"no candidate model could be fitted: fell back to {ses}"
            return EtsState(ses, m, fitted[1], "estimated", fitted[0], "fallback", (*notes, note))
        note = "no model, not even simple exponential smoothing, could be fitted: forecasting the last value"
        return EtsState(None, m, None, method="fallback", notes=(*notes, note))

    # -- forecasting ------------------------------------------------------------------------
    def _predict(self, history: Panel, horizon: int, exog: Any, quantiles: tuple[float, ...]):
        with one_blas_thread():
            return super()._predict(history, horizon, exog, quantiles)

    def _predict_one(self, state: EtsState, y: np.ndarray, horizon: int, x: Any, quantiles: tuple[float, ...]):
        if state.params is None:
            value = state.extra.get("value", y[-1]) if state.method == "constant" else y[-1]
            point = np.full(horizon, float(value))
            return point, (np.repeat(point[:, None], len(quantiles), axis=1) if quantiles else None)
        with quiet_statsmodels():
            result = state.config.model(y, state.m, state.initialization).smooth(state.params)
            n = len(y)
            # statsmodels' PredictionResults without its pandas wrapper, which breaks on pandas 3.
            prediction = PredictionResults(
                result, start=n, end=n + horizon - 1, rng=np.random.default_rng(self.random_state)
            )
            point = np.asarray(prediction.predicted_mean, dtype=float)
            if not quantiles:
                return point, None
            levels = np.asarray(quantiles)
            if prediction.method == "simulated":  # multiplicative models: no closed form
                paths = np.asarray(prediction.simulation_results, dtype=float)  # (H, repetitions)
                return point, np.quantile(paths, levels, axis=1).T
            sd = np.sqrt(np.asarray(prediction.forecast_variance, dtype=float))
            return point, point[:, None] + sd[:, None] * norm.ppf(levels)[None, :]


def _params_in_data_units(state: EtsState, y: np.ndarray, scale: float) -> dict[str, float]:
    """``ETSModel``'s parameters of series ``y`` fitted divided by ``scale``, in ``y``'s units.

    Smoothing and damping parameters are scale-free; the initial level, and the initial
    trend and seasonal states when additive, scale with ``scale`` (multiplicative ones are
    ratios).
    """
    if state.params is None:
        return {}
    config = state.config
    names = config.model(y / scale, state.m, state.initialization).param_names

    def factor(name: str) -> float:
        additive = (
            name == "initial_level"
            or name == "initial_trend" and config.trend == "A"
            or name.startswith("initial_seasonal") and config.season == "A"
        )
        return scale if additive else 1.0

    return {name: float(value) * factor(name) for name, value in zip(names, state.params, strict=True)}
