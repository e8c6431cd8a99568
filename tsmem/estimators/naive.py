"""Naive baselines: the forecasts every model must beat.

Prediction intervals follow Hyndman & Athanasopoulos, *Forecasting: Principles
and Practice* (3rd ed., §5.5): normal quantiles around the point forecast with
the standard deviation of the in-sample one-step residuals, widened with the
horizon as the method implies. ``Naive2`` is the M4 competition's benchmark
(Makridakis et al., 2020): a naive forecast of the seasonally adjusted series,
with the seasonality test and classical multiplicative decomposition of M4's
reference code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import norm
from statsmodels.tsa.seasonal import seasonal_decompose
from statsmodels.tsa.stattools import acf

from tsmem.estimators.base import LocalForecaster
from tsmem.estimators.fit_notes import check_count


def _normal_quantiles(point: np.ndarray, sd: np.ndarray, quantiles: tuple[float, ...]) -> np.ndarray | None:
    """Quantiles ``(H, Q)`` of normals centred on ``point`` (H,) with std ``sd`` (H,)."""
    if not quantiles:
        return None
    return point[:, None] + sd[:, None] * norm.ppf(np.asarray(quantiles))[None, :]


def _naive_forecast(y: np.ndarray, horizon: int, quantiles: tuple[float, ...]):
    point = np.full(horizon, y[-1])
    sd = _residual_sd(np.diff(y)) * np.sqrt(np.arange(1, horizon + 1))
    return point, _normal_quantiles(point, sd, quantiles)


def _residual_sd(residuals: np.ndarray) -> float:
    """Root mean square of residuals (0 when there are none), as in FPP's naive intervals."""
    return float(np.sqrt(np.mean(residuals**2))) if len(residuals) else 0.0


class _SeasonLength:
    """Mixin validating a ``season_length`` parameter."""

    def _validate_params(self) -> None:
        check_count(self.season_length, "season_length", minimum=1)


class Naive(LocalForecaster):
    """Repeat the last observed value.

    Examples
    --------
    >>> import pandas as pd
    >>> from tsmem.estimators import Naive
    >>> y = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-01-01", periods=3, freq="D"))
    >>> Naive().fit(y).predict(horizon=2).tolist()
    [3.0, 3.0]
    """

    stateless = True
    supports_quantiles = True

    def _predict_one(self, state: Any, y: np.ndarray, horizon: int, x: Any, quantiles: tuple[float, ...]):
        return _naive_forecast(y, horizon, quantiles)


class SeasonalNaive(_SeasonLength, LocalForecaster):
    """Repeat the last observed season: ``ŷ[T+h] = y[T+h-m·(⌊(h-1)/m⌋+1)]``.

    Parameters
    ----------
    season_length
        Steps in one season ``m`` (24 for hourly data with a daily cycle, 12 monthly...).
    """

    stateless = True
    supports_quantiles = True

    def __init__(self, *, season_length: int = 1) -> None:
        self.season_length = season_length

    def _min_length(self) -> int:
        return self.season_length

    def _predict_one(self, state: Any, y: np.ndarray, horizon: int, x: Any, quantiles: tuple[float, ...]):
        m = self.season_length
        steps = np.arange(horizon)
        point = y[len(y) - m + steps % m]
        seasons_ahead = steps // m + 1
        sd = _residual_sd(y[m:] - y[:-m]) * np.sqrt(seasons_ahead)
        return point, _normal_quantiles(point, sd, quantiles)

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        return {"season_length": 4}


class Drift(LocalForecaster):
    """Extend the line from the first to the last observation (the random walk with drift)."""

    stateless = True
    supports_quantiles = True

    def _min_length(self) -> int:
        return 2

    def _predict_one(self, state: Any, y: np.ndarray, horizon: int, x: Any, quantiles: tuple[float, ...]):
        n = len(y)
        slope = (y[-1] - y[0]) / (n - 1)
        h = np.arange(1, horizon + 1)
        point = y[-1] + slope * h
        sd = _residual_sd(np.diff(y) - slope) * np.sqrt(h * (1 + h / (n - 1)))
        return point, _normal_quantiles(point, sd, quantiles)


class Naive2(_SeasonLength, LocalForecaster):
    """M4's Naive2: a naive forecast of the seasonally adjusted series, reseasonalised.

    A series counts as seasonal when it has at least three seasons and its
    autocorrelation at lag ``m`` passes M4's 90% test,
    ``|r_m| > 1.645·sqrt((1 + 2·Σ_{k<m} r_k²) / T)``. A seasonal series is adjusted
    with a classical multiplicative decomposition (additive when it has values
    <= 0, where multiplicative indices are undefined).

    Parameters
    ----------
    season_length
        Steps in one season ``m``; 1 turns Naive2 into Naive.
    """

    stateless = True
    supports_quantiles = True

    def __init__(self, *, season_length: int = 1) -> None:
        self.season_length = season_length

    def _predict_one(self, state: Any, y: np.ndarray, horizon: int, x: Any, quantiles: tuple[float, ...]):
        m = self.season_length
        indices = seasonal_indices(y, m) if is_seasonal(y, m) else None
        if indices is None:
            return _naive_forecast(y, horizon, quantiles)
        multiplicative = bool((y > 0).all())
        phase_in = indices[np.arange(len(y)) % m]
        phase_out = indices[(len(y) + np.arange(horizon)) % m]
        adjusted = y / phase_in if multiplicative else y - phase_in
        point, q = _naive_forecast(adjusted, horizon, quantiles)
        if multiplicative:
            return point * phase_out, None if q is None else q * phase_out[:, None]
        return point + phase_out, None if q is None else q + phase_out[:, None]

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        return {"season_length": 4}


def is_seasonal(y: np.ndarray, season_length: int) -> bool:
    """M4's 90% autocorrelation test for seasonality at lag ``season_length``."""
    m, n = season_length, len(y)
    if m <= 1 or n < 3 * m or np.ptp(y) == 0:
        return False
    r = acf(y, nlags=m, fft=False)[1:]  # r[k-1] is the autocorrelation at lag k
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(r[: m - 1] ** 2)) / n)
    return bool(abs(r[m - 1]) > limit)


def seasonal_indices(y: np.ndarray, season_length: int) -> np.ndarray:
    """Classical decomposition's seasonal figure: one index per phase of the season (m,)."""
    model = "multiplicative" if (y > 0).all() else "additive"
    seasonal = seasonal_decompose(y, model=model, period=season_length).seasonal
    return seasonal[:season_length]
