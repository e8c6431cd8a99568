"""The Theta method (Assimakopoulos & Nikolopoulos 2000), on statsmodels' ``ThetaModel``.

As the M4 benchmark: test the series for seasonality at lag ``m`` (statsmodels'
autocorrelation test at 90%), deseasonalise a seasonal series by classical
decomposition (multiplicative for positive data, else additive), and forecast
the adjusted series by the theta lines — which Hyndman & Billah (2003) showed is
simple exponential smoothing with a drift of half the slope of a linear trend:

    ŷ_{T+h} = ℓ_T + b₀·(1 - 1/θ)·(h - 1 + 1/α - (1-α)^T/α)

(``θ = 2``: the classic method; ``ℓ_T`` the SES level with parameter ``α``,
``b₀`` the OLS slope), then reseasonalise. ``ThetaModel(...).fit()`` estimates
``α``, ``b₀`` and the seasonal indices; the forecasts from those fixed values
are computed here, so that :meth:`Theta.predict` with a new history applies the
fitted parameters without refitting.

Prediction intervals treat SES with drift as the ARIMA(0,1,1) with drift it is:
the h-step variance is ``σ²(1 + (h-1)α²)``, with ``σ²`` the mean squared
one-step error of SES on the adjusted series.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.utils import check_scalar
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from tsmem.data.panel import Panel
from tsmem.estimators.base import LocalForecaster
from tsmem.estimators.fit_notes import check_count, labels_index, quiet_statsmodels, series_labels

__all__ = ["Theta", "ThetaState"]


@dataclass(frozen=True)
class ThetaState:
    """A fitted Theta model of one series.

    Attributes
    ----------
    alpha, b0
        SES parameter and trend slope (per step, seasonally adjusted scale).
    seasonal
        Seasonal indices by position ``t mod m`` from the first observation; empty
        when the series was not deseasonalised.
    multiplicative
        Whether the seasonal indices multiply (else they add).
    sigma2
        One-step error variance of SES on the adjusted series.
    """

    alpha: float
    b0: float
    seasonal: np.ndarray
    multiplicative: bool
    sigma2: float


def _ses_level(y: np.ndarray, alpha: float) -> tuple[float, float]:
    """Final SES level with parameter ``alpha``, and the mean squared one-step error.

    The smoothing ``ThetaModel.fit`` itself runs (statsmodels' ``ExponentialSmoothing``
    started at ``ℓ₀ = y[0]``), here with ``alpha`` fixed so that a new history is
    smoothed with the fitted parameter. The first one-step error is zero by that
    start, hence the mean over ``len(y) - 1`` errors.
    """
    with quiet_statsmodels():
        fit = ExponentialSmoothing(y, initial_level=y[0], initialization_method="known").fit(
            smoothing_level=alpha, optimized=False
        )
    return float(fit.level[-1]), float(fit.sse) / max(len(y) - 1, 1)


class Theta(LocalForecaster):
    """The Theta method with M4's seasonal adjustment (statsmodels ``ThetaModel``).

    One model per series and channel, in parallel with joblib (``n_jobs``);
    ``with joblib.parallel_config(backend="dask"): model.fit(y)`` runs on Dask.

    Parameters
    ----------
    season_length
        Seasonal period ``m`` tested and removed (1: none).
    deseasonalize
        Remove the seasonality (when the test finds it).
    use_test
        Test for seasonality first (else deseasonalise whenever ``m > 1``).
    method
        Decomposition: ``"auto"`` (multiplicative for strictly positive data),
        ``"additive"`` or ``"multiplicative"``.
    theta
        Weight of the trend line (2: the classic Theta method).
    n_jobs
        joblib workers for many series.

    Attributes
    ----------
    models_ : pd.DataFrame
        Per series: ``alpha``, ``b0``, whether it was deseasonalised and how.

    Notes
    -----
    A series needs 2 observations, and is deseasonalised only with at least two
    full seasons. A constant series is forecast by its value (zero-width intervals). Forecasting from a
    new history applies the fitted ``α``, ``b₀`` and seasonal indices, the
    indices aligned from the first value: the new history must start at the
    same phase of the season as the training data (true in a backtest).

    Examples
    --------
    >>> from tsmem.datasets import load_dataset
    >>> y = load_dataset("air_passengers")
    >>> model = Theta(season_length=12).fit(y[:-12])
    >>> bool(model.models_["deseasonalized"].iloc[0])
    True
    >>> model.predict(horizon=12).shape
    (12,)
    """

    supports_quantiles = True

    def __init__(
        self,
        *,
        season_length: int = 1,
        deseasonalize: bool = True,
        use_test: bool = True,
        method: str = "auto",
        theta: float = 2.0,
        n_jobs: int | None = None,
    ) -> None:
        self.season_length = season_length
        self.deseasonalize = deseasonalize
        self.use_test = use_test
        self.method = method
        self.theta = theta
        self.n_jobs = n_jobs

    def _validate_params(self) -> None:
        check_count(self.season_length, "season_length", minimum=1)
        if self.method not in ("auto", "additive", "multiplicative"):
            raise ValueError(f"method must be 'auto', 'additive' or 'multiplicative', got {self.method!r}.")
        if isinstance(self.theta, bool):
            raise TypeError(f"theta must be a number >= 1, not the bool {self.theta!r}.")
        check_scalar(self.theta, "theta", numbers.Real, min_val=1, include_boundaries="left")

    def _min_length(self) -> int:
        return 2

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        return {"season_length": 8}

    def _fit(self, panel: Panel, exog: Any) -> None:
        super()._fit(panel, exog)
        self.models_ = pd.DataFrame(
            [
                {
                    "alpha": s.alpha,
                    "b0": s.b0,
                    "deseasonalized": len(s.seasonal) > 0,
                    "multiplicative": s.multiplicative,
                }
                for s in self.states_
            ],
            index=labels_index(series_labels(panel)),
        )

    def _fit_one(self, y: np.ndarray, x: Any) -> ThetaState:
        m = int(self.season_length)
        if np.ptp(y) == 0:
            return ThetaState(1.0, 0.0, np.empty(0), False, 0.0)
        # classical decomposition needs two full seasons
        deseasonalize = self.deseasonalize and m > 1 and len(y) >= 2 * m
        method = {"auto": "auto", "additive": "add", "multiplicative": "mul"}[self.method]
        with quiet_statsmodels():
            model = ThetaModel(y, period=m, deseasonalize=deseasonalize, use_test=self.use_test, method=method)
            result = model.fit()
        b0, alpha = (float(v) for v in result.params)
        # The indices the seasonality test kept (empty when it found none); statsmodels
        # keeps them private, and its forecast reads them the same way.
        seasonal = np.asarray(result._seasonal, dtype=float)
        multiplicative = model.method.startswith("mul")
        adjusted = _adjust(y, seasonal, multiplicative)
        return ThetaState(alpha, b0, seasonal, multiplicative, _ses_level(adjusted, alpha)[1])

    def _predict_one(self, state: ThetaState, y: np.ndarray, horizon: int, x: Any, quantiles: tuple[float, ...]):
        n = len(y)
        adjusted = _adjust(y, state.seasonal, state.multiplicative)
        level = _ses_level(adjusted, state.alpha)[0]
        steps = np.arange(horizon, dtype=float)  # h - 1
        if state.alpha > 0:
            steps = steps + 1 / state.alpha - (1 - state.alpha) ** n / state.alpha
        point = level + (1 - 1 / self.theta) * state.b0 * steps
        sd = np.sqrt(state.sigma2 * (1 + np.arange(horizon) * state.alpha**2))
        q = point[:, None] + sd[:, None] * norm.ppf(np.asarray(quantiles))[None, :] if quantiles else None
        if len(state.seasonal):
            season = state.seasonal[(n + np.arange(horizon)) % len(state.seasonal)]
            if state.multiplicative:
                point, q = point * season, None if q is None else q * season[:, None]
            else:
                point, q = point + season, None if q is None else q + season[:, None]
        return point, q


def _adjust(y: np.ndarray, seasonal: np.ndarray, multiplicative: bool) -> np.ndarray:
    """``y`` seasonally adjusted by indices aligned from its first value."""
    if not len(seasonal):
        return y
    season = seasonal[np.arange(len(y)) % len(seasonal)]
    return y / season if multiplicative else y - season
