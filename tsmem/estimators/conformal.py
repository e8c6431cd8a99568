"""Conformal prediction intervals around any tsmem forecaster.

:class:`ConformalForecaster` wraps a forecaster and calibrates intervals on the
wrapped model's own out-of-sample errors. At the last ``n_windows`` forecast
origins of every series (spaced ``step`` apart, the last one ``horizon`` steps
before the end) the model is fitted on the history up to the origin and
forecasts ``horizon`` steps; the absolute errors ``|y - ŷ|`` per series,
forecast step and channel are the conformity scores. An interval is the point
forecast of the model fitted on all the data, plus and minus a quantile of the
scores of its series, step and channel:

* ``method="split"`` — split conformal (Vovk et al. 2005; Lei et al. 2018): the
  ``⌈(n+1)(1-α)⌉``-th smallest of the ``n`` scores. When the errors are
  exchangeable, a new error falls inside with probability at least ``1 - α``.
* ``method="adaptive"`` — adaptive conformal inference (ACI; Gibbs & Candès,
  *Adaptive conformal inference under distribution shift*, NeurIPS 2021): the
  scores are walked through in time order, each one checked against the
  empirical ``1 - α_t`` quantile of the scores before it, and the level is
  nudged after each, ``α_{t+1} = α_t + γ(α - miss_t)``: misses widen the
  interval, hits narrow it. The forecast uses the level reached at the end.
  For series whose error size drifts, where the split guarantee does not hold.

This follows statsforecast's ``ConformalIntervals`` (``n_windows`` windows of
horizon ``h``, refitted at each, absolute errors per step, symmetric intervals)
with the finite-sample correction added, origins ``step`` apart (default 1:
twenty scores per step cost twenty steps of history, not twenty horizons) and
the ACI variant. MAPIE is not used: its ``TimeSeriesRegressor`` (EnbPI, ACI)
conformalises a scikit-learn regressor on a feature matrix, one target per row;
tsmem's forecasters take series and forecast many steps, and what is left to
share, a quantile of the scores, is a line of numpy.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from tsmem.estimators import ConformalForecaster, SeasonalNaive
>>> rng = np.random.default_rng(0)
>>> days = pd.date_range("2024-01-01", periods=200, freq="D")
>>> y = pd.Series(np.tile([5.0, 7.0, 6.0, 9.0, 8.0, 4.0, 3.0], 29)[:200] + rng.normal(0, 1, 200), index=days)
>>> model = ConformalForecaster(SeasonalNaive(season_length=7), horizon=7, n_windows=40).fit(y)
>>> forecast = model.predict(quantiles=[0.05, 0.95])
>>> list(forecast.columns)
['y', 'y_q0.05', 'y_q0.95']
>>> bool((forecast["y_q0.05"] < forecast["y"]).all() and (forecast["y"] < forecast["y_q0.95"]).all())
True
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_scalar
from sklearn.utils.validation import check_is_fitted

from tsmem.data.panel import Panel
from tsmem.estimators.arima import ARIMA
from tsmem.estimators.base import BaseForecaster, Forecast

METHODS = ("split", "adaptive")


class ConformalForecaster(BaseForecaster):
    """Any forecaster, with conformal prediction intervals from its rolling-origin errors.

    Parameters
    ----------
    estimator : BaseForecaster
        The forecaster to wrap (cloned, never modified). Its point forecast is
        the point forecast; its own intervals, if any, are not used.
    horizon : int or None
        Steps to calibrate, and the most ``predict`` may forecast. ``None``
        takes the estimator's ``horizon`` (models trained for one, such as
        :class:`~tsmem.estimators.MemNetForecaster`).
    n_windows : int, default 20
        Calibration origins per series: each step of the horizon gets
        ``n_windows`` scores per series. Split conformal needs at least
        ``α⁻¹ - 1`` of them for a ``1 - α`` interval (19 at 95 %, 9 at 90 %);
        the adaptive method wants many more (a hundred or so) to adapt.
    step : int, default 1
        Steps between calibration origins. A series needs
        ``horizon + step·(n_windows - 1)`` observations after the estimator's
        own minimum.
    method : {"split", "adaptive"}, default "split"
        Split conformal, or adaptive conformal inference (see the module docstring).
    gamma : float, default 0.05
        ACI's step size ``γ`` (``method="adaptive"`` only). Gibbs & Candès use
        0.005 over thousands of points; a few hundred calibration scores need a
        larger step to move at all.
    refit : bool, default True
        Refit the estimator at every calibration origin (as statsforecast does),
        or fit it once at the first origin and forecast from each later history
        with those parameters (two fits in all: for models slow to fit, such as
        the memory network; the scores then also measure the staleness of the
        parameters, as in a backtest without refits).

    Attributes
    ----------
    estimator_ : BaseForecaster
        The estimator fitted on all the data: it makes the point forecasts.
    scores_ : np.ndarray
        Absolute calibration errors, shape ``(series, n_windows, horizon, channels)``,
        oldest origin first.
    horizon_ : int
        The calibrated horizon.

    Notes
    -----
    Intervals are symmetric around the point forecast: ``predict(quantiles=[q])``
    gives the bound of the central interval of coverage ``|2q - 1|`` on the side of
    ``q`` (0.025 and 0.975 are the two ends of the 95 % interval; 0.5 is the point
    forecast). Each series, step and channel is calibrated on its own scores, so
    ``predict(y=..., quantiles=...)`` needs the series seen in ``fit``.

    Regressors ``X`` go to the wrapped estimator as given (one that takes none refuses
    them). At each calibration origin the model gets the rows up to the origin and the
    next ``horizon`` rows, as in a backtest: ``X`` must hold values known in advance
    (calendar, Fourier terms, planned prices), or the scores are too optimistic.
    """

    supports_quantiles: ClassVar[bool] = True
    #: ``X`` is handed to the wrapped estimator as given, which uses it or refuses it.
    supports_exog: ClassVar[bool] = True

    def __init__(
        self,
        estimator: BaseForecaster,
        *,
        horizon: int | None = None,
        n_windows: int = 20,
        step: int = 1,
        method: str = "split",
        gamma: float = 0.05,
        refit: bool = True,
    ) -> None:
        self.estimator = estimator
        self.horizon = horizon
        self.n_windows = n_windows
        self.step = step
        self.method = method
        self.gamma = gamma
        self.refit = refit

    # -- fit ------------------------------------------------------------------------
    def _validate_params(self) -> None:
        if not isinstance(self.estimator, BaseForecaster):
            raise TypeError(
                f"estimator must be a tsmem forecaster (e.g. SeasonalNaive(season_length=24)), "
                f"got {type(self.estimator).__name__}."
            )
        check_scalar(self.n_windows, "n_windows", Integral, min_val=1)
        check_scalar(self.step, "step", Integral, min_val=1)
        check_scalar(self.gamma, "gamma", Real, min_val=0, max_val=1, include_boundaries="right")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}.")
        if not isinstance(self.refit, bool):
            raise ValueError(f"refit must be True or False, got {self.refit!r}.")
        self._calibration_horizon()

    def _calibration_horizon(self) -> int:
        horizon = self.horizon if self.horizon is not None else getattr(self.estimator, "horizon", None)
        if horizon is None:
            raise ValueError(
                f"ConformalForecaster needs the horizon to calibrate: pass horizon=..., or wrap a "
                f"model with a horizon of its own ({type(self.estimator).__name__} has none)."
            )
        check_scalar(horizon, "horizon", Integral, min_val=1)
        return int(horizon)

    def _min_length(self) -> int:
        # What a new history needs to be forecast from; fit checks the calibration span.
        return self.estimator._min_length()

    def _exog(self, X: Any, panel: Panel, history: bool, horizon: int) -> Any:
        # The regressors go to the wrapped estimator untouched: it aligns them by timestamp
        # (each calibration origin takes the rows it may use, as in a backtest) and checks them.
        if X is not None and not self.estimator.supports_exog:
            raise ValueError(f"{type(self.estimator).__name__} does not use exogenous regressors; drop X.")
        return X

    def _fit(self, panel: Panel, exog: Any) -> None:
        horizon = self._calibration_horizon()
        cutoffs = self._cutoffs(panel, horizon)  # (S, n_windows) history lengths
        scores, model = [], None
        for k in range(self.n_windows):
            history = panel.head(cutoffs[:, k])
            if model is None or self.refit:
                model = clone(self.estimator).fit(history, X=exog)
            point, _ = model._forecast(horizon, history, exog, ())  # (S, H, C)
            actual = np.stack([v[n : n + horizon] for v, n in zip(panel.values, cutoffs[:, k], strict=True)])
            scores.append(np.abs(actual - point))
        # Fitted state is assigned last, so a failed fit leaves a previous fit intact.
        self.estimator_ = clone(self.estimator).fit(panel, X=exog)
        self.scores_ = np.stack(scores, axis=1)  # (S, n_windows, H, C)
        self.horizon_ = horizon

    def _cutoffs(self, panel: Panel, horizon: int) -> np.ndarray:
        back = horizon + self.step * np.arange(self.n_windows - 1, -1, -1)  # steps from the end, oldest first
        cutoffs = panel.lengths[:, None] - back[None, :]
        first = self.estimator._min_length()
        short = np.flatnonzero(cutoffs[:, 0] < first)
        if len(short):
            s = short[0]
            raise ValueError(
                f"Series {panel.ids[s]!r} has {panel.lengths[s]} observations; calibrating "
                f"n_windows={self.n_windows} origins spaced step={self.step} apart for horizon "
                f"{horizon} needs at least {int(back[0]) + first} ({first} for "
                f"{type(self.estimator).__name__} to fit at the first origin). Use fewer windows, "
                "a smaller step or a longer series."
            )
        return cutoffs

    # -- predict -----------------------------------------------------------------------
    def _check_horizon(self, horizon: int | None) -> int:
        # The default is the calibrated horizon, which may be the wrapped model's own.
        return super()._check_horizon(self.horizon_ if horizon is None else horizon)

    def _forecast(
        self, horizon: int | None, history: Panel, X: Any, quantiles: tuple[float, ...], new_history: bool = True
    ) -> Forecast:
        # Overrides the base's, to hand X (and whether the history is new) to the wrapped model.
        check_is_fitted(self, "train_")
        horizon = self._check_horizon(horizon)
        if horizon > self.horizon_:
            raise ValueError(
                f"The intervals are calibrated for horizon {self.horizon_}; horizon {horizon} is "
                f"beyond it. Refit with horizon={horizon}."
            )
        self._exog(X, history, history=new_history, horizon=horizon)
        point, _ = self.estimator_._forecast(horizon, history, X, (), new_history=new_history)  # (S, H, C)
        if not quantiles:
            return point, None
        scores = self.scores_[self._rows_for(history), :, :horizon]  # (S, n_windows, H, C)
        bounds = [point + np.sign(q - 0.5) * self._width(scores, abs(2 * q - 1), q) for q in quantiles]
        return point, np.stack(bounds, axis=-1)  # (S, H, C, Q)

    def _width(self, scores: np.ndarray, coverage: float, q: float) -> np.ndarray:
        """Half-width (S, H, C) of the central interval of ``coverage`` from scores (S, n, H, C)."""
        if coverage == 0:
            return np.zeros(np.delete(scores.shape, 1))
        if self.method == "adaptive":
            return aci_width(scores, 1 - coverage, self.gamma)
        return split_width(scores, coverage, q)

    def _rows_for(self, history: Panel) -> list[int]:
        """The calibrated series (rows of ``scores_``) of every series in ``history``."""
        fitted = self.train_
        if fitted.n_series == 1 and history.n_series == 1:
            return [0]
        position = {sid: i for i, sid in enumerate(fitted.ids)}
        unknown = [sid for sid in history.ids if sid not in position]
        if unknown:
            raise ValueError(
                f"predict(y=..., quantiles=...) got series {unknown[:5]} that were not calibrated in "
                "fit; the intervals are calibrated per series, so fit on them first (point "
                "forecasts, without quantiles, work for any series)."
            )
        return [position[sid] for sid in history.ids]

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        # A model that takes regressors, so the shared X checks run through the wrapper.
        estimator = ARIMA(**ARIMA._conformance_params())
        return {"estimator": estimator, "horizon": 6, "n_windows": 10, "refit": False}


# -- the two calibrations -------------------------------------------------------------------
def split_width(scores: np.ndarray, coverage: float, q: float | None = None) -> np.ndarray:
    """Split conformal: the ``⌈(n+1)·coverage⌉``-th smallest of ``n`` scores (axis 1).

    Examples
    --------
    >>> scores = np.arange(1.0, 20.0).reshape(1, 19, 1, 1)  # 19 scores: 1, 2, ..., 19
    >>> float(split_width(scores, 0.95)[0, 0, 0]), float(split_width(scores, 0.5)[0, 0, 0])
    (19.0, 10.0)
    """
    n = scores.shape[1]
    rank = math.ceil((n + 1) * coverage - 1e-9)  # the tolerance: 0.975 → 0.95 is not exact in floats
    if rank > n:
        needed = next(m for m in range(n, 10**7) if math.ceil((m + 1) * coverage - 1e-9) <= m)
        asked = f"quantile {q} (a {coverage:.4g} interval)" if q is not None else f"coverage {coverage:.4g}"
        raise ValueError(
            f"{asked} needs at least {needed} calibration scores per step for a finite split-conformal "
            f"bound; there are {n}. Raise n_windows to {needed}, or ask for a narrower interval."
        )
    return np.sort(scores, axis=1)[:, rank - 1]


def aci_width(scores: np.ndarray, alpha: float, gamma: float) -> np.ndarray:
    """Adaptive conformal inference (Gibbs & Candès 2021) over scores (S, n, H, C), oldest first.

    Each score ``t`` from the first one with a finite ``1 - α`` quantile on is
    checked against the empirical ``1 - α_t`` quantile of those before it
    (infinite when ``α_t <= 0``: a hit); then ``α_{t+1} = α_t + γ(α - miss_t)``. The
    half-width is the ``1 - α_T`` quantile of all scores; where ``α_T <= 0`` ACI's
    interval is the whole line, and the largest score stands in for it.

    Examples
    --------
    Errors that triple for the last third: the split bound is set mostly by the calm
    scores; ACI's misses widen it (the loud scores' own 90 % quantile is 4.9 here).

    >>> rng = np.random.default_rng(0)
    >>> scores = np.abs(rng.normal(0, np.r_[np.ones(200), 3 * np.ones(100)])).reshape(1, 300, 1, 1)
    >>> round(float(split_width(scores, 0.9)[0, 0, 0]), 2), round(float(aci_width(scores, 0.1, 0.05)[0, 0, 0]), 2)
    (3.21, 4.13)
    """
    n = scores.shape[1]
    level = np.full(np.delete(scores.shape, 1), alpha)  # α_t per series, step and channel
    start = min(n - 1, max(1, math.ceil((1 - alpha) / alpha - 1e-9)))
    ordered = np.sort(scores[:, :start], axis=1)
    for t in range(start, n):
        bound = np.where(level <= 0, np.inf, _empirical_quantile(ordered, 1 - level))
        miss = scores[:, t] > bound
        level = level + gamma * (alpha - miss)
        ordered = np.sort(np.concatenate([ordered, scores[:, t : t + 1]], axis=1), axis=1)
    width = _empirical_quantile(np.sort(scores, axis=1), 1 - level)
    return np.where(level >= 1, 0.0, width)  # α_T >= 1: ACI's interval is the point alone


def _empirical_quantile(ordered: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``inf{s : F̂(s) >= p}`` of sorted scores (axis 1) at levels ``p`` (S, H, C), clipped to [min, max]."""
    n = ordered.shape[1]
    rank = np.clip(np.ceil(p * n - 1e-9).astype(int), 1, n)
    return np.take_along_axis(ordered, rank[:, None] - 1, axis=1)[:, 0]
