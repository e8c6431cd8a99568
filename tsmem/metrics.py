"""Forecast accuracy metrics as plain numpy functions.

Every function takes array-likes (lists, numpy arrays, pandas objects; pandas
values are compared by position, not aligned on their index), checks that the
shapes agree and that every value is finite, and returns a Python ``float``.
A mismatch raises a ``ValueError`` that names the shapes it was given: a
silently broadcast ``(n,)`` against ``(n, 1)`` is a classic source of wrong
scores.

Groups:

- point errors: :func:`mae`, :func:`mse`, :func:`rmse`, :func:`mape`, :func:`smape`;
- scaled errors and the M4 competition's scores: :func:`mase`, :func:`owa`,
  :func:`m4_scores` (Makridakis, Spiliotis & Assimakopoulos, "The M4
  Competition", IJF 2020);
- the LSTNet multivariate scores: :func:`rse`, :func:`corr` (Lai et al.,
  "Modeling Long- and Short-Term Temporal Patterns with Deep Neural Networks",
  SIGIR 2018);
- probabilistic scores: :func:`pinball_loss`, :func:`crps_from_quantiles`,
  :func:`interval_coverage`.

:data:`METRICS` and :func:`get_metric` pick the point metrics, all of signature
``metric(y_true, y_pred) -> float``, by name for backtests and the CLI.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "GREATER_IS_BETTER",
    "METRICS",
    "corr",
    "crps_from_quantiles",
    "get_metric",
    "interval_coverage",
    "m4_scores",
    "mae",
    "mape",
    "mase",
    "mse",
    "naive2_forecast",
    "owa",
    "pinball_loss",
    "rmse",
    "rse",
    "smape",
]


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------


def _finite_array(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a non-empty float array of finite numbers, or a clear error.

    A ``TypeError`` for what is not real numbers (strings, None, complex), a
    ``ValueError`` for an empty array or NaN/inf.
    """
    raw = np.asarray(values)
    if np.iscomplexobj(raw) or raw.dtype == bool or not (np.issubdtype(raw.dtype, np.number) or raw.dtype == object):
        raise TypeError(f"{name} must hold real numbers, got dtype {raw.dtype} (e.g. {raw.ravel()[:1].tolist()}).")
    try:
        array = raw.astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold real numbers only; it holds {raw.ravel()[:3].tolist()}...") from None
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}).")
    if not np.isfinite(array).all():
        # Metrics never skip missing values silently: a score over fewer points
        # than the caller thinks is worse than an error.
        raise ValueError(
            f"{name} contains NaN or infinite values; drop or fill them before scoring."
        )
    return array


def _same_shape(**named: ArrayLike) -> list[np.ndarray]:
    """Convert the keyword arrays and check that their shapes are identical."""
    arrays = {name: _finite_array(values, name) for name, values in named.items()}
    shapes = {array.shape for array in arrays.values()}
    if len(shapes) > 1:
        given = ", ".join(f"{name} {array.shape}" for name, array in arrays.items())
        raise ValueError(f"{' and '.join(arrays)} must have the same shape; got {given}.")
    return list(arrays.values())


def _time_by_channel(array: np.ndarray, name: str) -> np.ndarray:
    """View a 1-D series as one channel, ``(T,) -> (T, 1)``; accept ``(T, C)``."""
    if array.ndim == 1:
        return array[:, None]  # (T, 1)
    if array.ndim == 2:
        return array
    raise ValueError(f"{name} must be 1-D (time,) or 2-D (time, channel); got shape {array.shape}.")


# ---------------------------------------------------------------------------
# Point errors
# ---------------------------------------------------------------------------


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Mean absolute error.

    .. math:: \mathrm{MAE} = \frac{1}{n} \sum_i |y_i - \hat y_i|

    The mean runs over every element, whatever the (common) shape.

    Parameters
    ----------
    y_true, y_pred : array-like
        Observed and forecast values, same shape.

    Returns
    -------
    float

    Examples
    --------
    >>> mae([1.0, 2.0, 3.0], [1.0, 2.0, 6.0])
    1.0
    """
    actual, forecast = _same_shape(y_true=y_true, y_pred=y_pred)
    return float(np.mean(np.abs(actual - forecast)))


def mse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Mean squared error.

    .. math:: \mathrm{MSE} = \frac{1}{n} \sum_i (y_i - \hat y_i)^2

    Parameters
    ----------
    y_true, y_pred : array-like
        Observed and forecast values, same shape.

    Returns
    -------
    float

    Examples
    --------
    >>> mse([1.0, 2.0, 3.0], [1.0, 2.0, 6.0])
    3.0
    """
    actual, forecast = _same_shape(y_true=y_true, y_pred=y_pred)
    return float(np.mean((actual - forecast) ** 2))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Root mean squared error, :math:`\sqrt{\mathrm{MSE}}`.

    Parameters
    ----------
    y_true, y_pred : array-like
        Observed and forecast values, same shape.

    Returns
    -------
    float

    Examples
    --------
    >>> rmse([0.0, 0.0], [3.0, -3.0])
    3.0
    """
    return float(np.sqrt(mse(y_true, y_pred)))


def mape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Mean absolute percentage error, in percent.

    .. math:: \mathrm{MAPE} = \frac{100}{n} \sum_i \frac{|y_i - \hat y_i|}{|y_i|}

    The result is a percentage (like :func:`smape`), not a fraction as in
    scikit-learn's ``mean_absolute_percentage_error``.

    Parameters
    ----------
    y_true, y_pred : array-like
        Observed and forecast values, same shape.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If any ``y_true`` is zero: the percentage error is undefined there, and
        ignoring those points would silently score a different set of points.
        Use :func:`smape`, :func:`mae` or :func:`mase` for series with zeros.

    Examples
    --------
    >>> mape([100.0, 200.0], [110.0, 180.0])
    10.0
    """
    actual, forecast = _same_shape(y_true=y_true, y_pred=y_pred)
    zeros = int(np.count_nonzero(actual == 0))
    if zeros:
        raise ValueError(
            f"MAPE is undefined where y_true is 0 ({zeros} of {actual.size} values); "
            "use smape, mae or mase instead."
        )
    return float(100.0 * np.mean(np.abs(actual - forecast) / np.abs(actual)))


def smape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Symmetric mean absolute percentage error as defined by the M4 competition.

    .. math:: \mathrm{sMAPE} = \frac{1}{n} \sum_i
              \frac{200\,|y_i - \hat y_i|}{|y_i| + |\hat y_i|}

    Bounded by 0 and 200. A point where both ``y`` and the forecast are 0 is a
    perfect forecast and counts as 0 (M4's formula would give 0/0 there; M4's
    data have no zeros).

    Parameters
    ----------
    y_true, y_pred : array-like
        Observed and forecast values, same shape.

    Returns
    -------
    float
        A percentage in [0, 200].

    Examples
    --------
    >>> smape([100.0, 200.0], [100.0, 300.0])
    20.0
    """
    actual, forecast = _same_shape(y_true=y_true, y_pred=y_pred)
    denominator = np.abs(actual) + np.abs(forecast)
    both_zero = denominator == 0
    terms = 200.0 * np.abs(actual - forecast) / np.where(both_zero, 1.0, denominator)
    return float(np.mean(np.where(both_zero, 0.0, terms)))


# ---------------------------------------------------------------------------
# Scaled errors and the M4 scores
# ---------------------------------------------------------------------------


def _seasonal_naive_scale(train: np.ndarray, season_length: int) -> np.ndarray:
    """In-sample MAE of the seasonal naive forecast, one value per channel."""
    if isinstance(season_length, bool) or not isinstance(season_length, (int, np.integer)):
        raise ValueError(f"season_length must be a positive int; got {season_length!r}.")
    if season_length < 1:
        raise ValueError(f"season_length must be a positive int; got {season_length}.")
    if len(train) <= season_length:
        raise ValueError(
            f"y_train needs more than season_length={season_length} points to compute "
            f"the seasonal naive scale; got {len(train)}."
        )
    scale = np.mean(np.abs(train[season_length:] - train[:-season_length]), axis=0)  # (C,)
    if np.any(scale == 0):
        raise ValueError(
            "MASE is undefined: y_train is exactly periodic with period "
            f"season_length={season_length} (seasonal naive in-sample error is 0)."
        )
    return scale


def mase(y_true: ArrayLike, y_pred: ArrayLike, y_train: ArrayLike, season_length: int) -> float:
    r"""Mean absolute scaled error (Hyndman & Koehler 2006; M4 definition).

    The forecast's MAE divided by the in-sample MAE of the seasonal naive
    forecast with lag :math:`m` on the training series :math:`x_1..x_T`:

    .. math:: \mathrm{MASE} = \frac{\frac{1}{h}\sum_{j=1}^{h} |y_j - \hat y_j|}
              {\frac{1}{T-m}\sum_{t=m+1}^{T} |x_t - x_{t-m}|}

    With 2-D input (time, channel) each channel is scaled by its own training
    series and the result is the mean over channels.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (h,) or (h, C)
        Observed and forecast values over the horizon.
    y_train : array-like, shape (T,) or (T, C)
        The series the forecast was made from (in-sample part).
    season_length : int
        Seasonal lag ``m`` of the naive scale (M4: 24 hourly, 1 weekly).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On mismatched shapes, ``len(y_train) <= season_length``, or a
        training series whose seasonal differences are all 0 (scale 0).

    Examples
    --------
    The seasonal naive in-sample error of ``[1, 3, 2, 4]`` with ``m = 2`` is 1:

    >>> mase([5.0, 6.0], [4.0, 8.0], y_train=[1.0, 3.0, 2.0, 4.0], season_length=2)
    1.5
    """
    actual, forecast = _same_shape(y_true=y_true, y_pred=y_pred)
    train = _finite_array(y_train, "y_train")
    if actual.ndim not in (1, 2) or train.ndim != actual.ndim:
        raise ValueError(
            "y_true and y_train must both be 1-D (time,) or both 2-D (time, channel); "
            f"got y_true {actual.shape} and y_train {train.shape}."
        )
    if actual.shape[1:] != train.shape[1:]:
        raise ValueError(
            f"y_true and y_train must have the same channels; got y_true {actual.shape} "
            f"and y_train {train.shape}."
        )
    scale = _seasonal_naive_scale(train, season_length)
    return float(np.mean(np.mean(np.abs(actual - forecast), axis=0) / scale))


def owa(smape: float, mase: float, smape_naive2: float, mase_naive2: float) -> float:
    r"""Overall weighted average of the M4 competition.

    .. math:: \mathrm{OWA} = \frac{1}{2}\left(\frac{\mathrm{sMAPE}}{\mathrm{sMAPE}_{Naive2}}
              + \frac{\mathrm{MASE}}{\mathrm{MASE}_{Naive2}}\right)

    For many series M4 first averages sMAPE and MASE over the series, then
    applies this formula to the averages (see :func:`m4_scores`). Below 1 beats
    Naive2.

    Parameters
    ----------
    smape, mase : float
        The method's (averaged) scores.
    smape_naive2, mase_naive2 : float
        Naive2's scores on the same series; must be positive.

    Returns
    -------
    float

    Examples
    --------
    M4 Hourly, seasonal naive against Naive2:

    >>> round(owa(13.912, 1.193, 18.383, 2.395), 3)
    0.627
    """
    if not (smape_naive2 > 0 and mase_naive2 > 0):
        raise ValueError(
            f"Naive2 scores must be positive; got smape_naive2={smape_naive2}, "
            f"mase_naive2={mase_naive2}."
        )
    return float(0.5 * (smape / smape_naive2 + mase / mase_naive2))


def m4_scores(
    y_true_list: Sequence[ArrayLike],
    y_pred_list: Sequence[ArrayLike],
    y_train_list: Sequence[ArrayLike],
    season_length: int,
    naive2_pred_list: Sequence[ArrayLike] | None = None,
) -> dict[str, float]:
    """Score many (ragged) series the M4 way: per-series sMAPE and MASE, averaged.

    sMAPE and MASE are computed for each series (:func:`smape`, :func:`mase`)
    and averaged over series with equal weight. If Naive2's forecasts are
    given, the same is done for them and OWA is computed from the two averages
    (:func:`owa`), as M4 does.

    Parameters
    ----------
    y_true_list, y_pred_list : sequence of 1-D array-like
        Test values and forecasts, one entry per series; lengths may differ
        between series but must match within a series.
    y_train_list : sequence of 1-D array-like
        Each series' training part (for the MASE scale).
    season_length : int
        MASE lag (M4: 24 hourly, 1 weekly, 12 monthly, 4 quarterly, 1 yearly).
    naive2_pred_list : sequence of 1-D array-like, optional
        Naive2's forecasts for the same series. Without them no OWA is returned.

    Returns
    -------
    dict
        ``{"smape", "mase", "n_series"}``, plus ``{"smape_naive2",
        "mase_naive2", "owa"}`` when ``naive2_pred_list`` is given.

    Examples
    --------
    >>> scores = m4_scores([[5.0, 6.0]], [[4.0, 8.0]], [[1.0, 3.0, 2.0, 4.0]], season_length=2)
    >>> round(scores["mase"], 3), scores["n_series"]
    (1.5, 1)
    """
    lists = {"y_true_list": y_true_list, "y_pred_list": y_pred_list, "y_train_list": y_train_list}
    if naive2_pred_list is not None:
        lists["naive2_pred_list"] = naive2_pred_list
    lengths = {name: len(series) for name, series in lists.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"All lists must have one entry per series; got lengths {lengths}.")
    if lengths["y_true_list"] == 0:
        raise ValueError("No series to score: y_true_list is empty.")

    def averaged(predictions: Sequence[ArrayLike]) -> tuple[float, float]:
        smapes, mases = [], []
        for i, (actual, forecast, train) in enumerate(
            zip(y_true_list, predictions, y_train_list, strict=True)
        ):
            try:
                smapes.append(smape(actual, forecast))
                mases.append(mase(actual, forecast, train, season_length))
            except ValueError as error:
                raise ValueError(f"series {i}: {error}") from error
        return float(np.mean(smapes)), float(np.mean(mases))

    method_smape, method_mase = averaged(y_pred_list)
    scores = {"smape": method_smape, "mase": method_mase, "n_series": len(y_true_list)}
    if naive2_pred_list is not None:
        naive2_smape, naive2_mase = averaged(naive2_pred_list)
        scores["smape_naive2"] = naive2_smape
        scores["mase_naive2"] = naive2_mase
        scores["owa"] = owa(method_smape, method_mase, naive2_smape, naive2_mase)
    return scores


def naive2_forecast(y_train: ArrayLike, horizon: int, season_length: int) -> np.ndarray:
    """M4's Naive2 benchmark, the reference of :func:`owa`: a seasonally adjusted naive forecast.

    The series counts as seasonal when it has at least three seasons and its
    autocorrelation at lag ``m`` passes M4's 90% test,
    ``|r_m| > 1.645·sqrt((1 + 2·Σ_{k<m} r_k²) / T)``; it is then adjusted by a
    classical multiplicative decomposition (additive when it has values <= 0),
    forecast by its last adjusted value and reseasonalised. Here so that
    metric code (the training callbacks) can score OWA without the estimators;
    :class:`tsmem.estimators.Naive2` is the same forecast behind ``fit``/``predict``.

    Examples
    --------
    >>> naive2_forecast([1.0, 2.0, 3.0], horizon=2, season_length=1).tolist()
    [3.0, 3.0]
    """
    # statsmodels only here: `import tsmem.metrics` stays light.
    from statsmodels.tsa.seasonal import seasonal_decompose
    from statsmodels.tsa.stattools import acf

    y = _finite_array(y_train, "y_train").reshape(-1)
    m, n = season_length, len(y)
    seasonal = m > 1 and n >= 3 * m and np.ptp(y) > 0
    if seasonal:
        r = acf(y, nlags=m, fft=False)[1:]  # r[k-1] is the autocorrelation at lag k
        seasonal = abs(r[m - 1]) > 1.645 * np.sqrt((1 + 2 * np.sum(r[: m - 1] ** 2)) / n)
    if not seasonal:
        return np.full(horizon, y[-1])
    multiplicative = bool((y > 0).all())
    model = "multiplicative" if multiplicative else "additive"
    indices = seasonal_decompose(y, model=model, period=m).seasonal[:m]
    phase_in, phase_out = indices[np.arange(n) % m], indices[(n + np.arange(horizon)) % m]
    if multiplicative:
        return np.full(horizon, (y / phase_in)[-1]) * phase_out
    return np.full(horizon, (y - phase_in)[-1]) + phase_out


# ---------------------------------------------------------------------------
# LSTNet scores
# ---------------------------------------------------------------------------


def rse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Root relative squared error over a whole test matrix (LSTNet).

    .. math:: \mathrm{RSE} = \frac{\sqrt{\sum_{t,i} (y_{ti} - \hat y_{ti})^2}}
              {\sqrt{\sum_{t,i} (y_{ti} - \bar y)^2}}

    where :math:`\bar y` is the mean of **all** test values (one grand mean,
    not one per channel), as in the LSTNet paper (Lai et al. 2018, §4.3) and
    its code (``laiguokun/LSTNet``, ``main.py::evaluate``, where the
    denominator is the population std of the test matrix). The code's std
    uses a degrees-of-freedom correction based on the row count rather than
    the element count, a difference below 0.01 % for LSTNet's test sets.
    Because of the grand mean the score is not invariant to per-channel
    scaling: LSTNet reports it on the original scale.

    Parameters
    ----------
    y_true, y_pred : array-like
        Observed and forecast values, same shape, usually (time, channel).

    Returns
    -------
    float

    Examples
    --------
    >>> rse([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 6.0]])
    0.8944271909999159
    """
    actual, forecast = _same_shape(y_true=y_true, y_pred=y_pred)
    spread = np.sqrt(np.sum((actual - actual.mean()) ** 2))
    if spread == 0:
        raise ValueError("RSE is undefined: every value of y_true is the same.")
    return float(np.sqrt(np.sum((actual - forecast) ** 2)) / spread)


def corr(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    r"""Empirical correlation coefficient (LSTNet's CORR), higher is better.

    The Pearson correlation across time of each channel's forecasts with its
    observations, averaged over channels:

    .. math:: \mathrm{CORR} = \frac{1}{n}\sum_{i=1}^{n}
              \frac{\sum_t (y_{ti} - \bar y_i)(\hat y_{ti} - \bar{\hat y}_i)}
              {\sqrt{\sum_t (y_{ti} - \bar y_i)^2 \sum_t (\hat y_{ti} - \bar{\hat y}_i)^2}}

    As in LSTNet's code (``laiguokun/LSTNet``, ``main.py::evaluate``),
    channels whose observations are constant are left out of the mean. A
    channel whose *forecast* is constant has no defined correlation (the
    LSTNet code would return NaN); here it counts as 0, so a model cannot
    raise its score by flat-lining a hard channel.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (time,) or (time, channel)
        Observed and forecast values.

    Returns
    -------
    float
        In [-1, 1].

    Examples
    --------
    >>> y_true = [[1.0, 1.0], [2.0, 3.0], [3.0, 2.0]]
    >>> y_pred = [[2.0, 1.0], [4.0, 2.0], [6.0, 3.0]]  # channel correlations 1 and 0.5
    >>> round(corr(y_true, y_pred), 6)
    0.75
    """
    actual, forecast = _same_shape(y_true=y_true, y_pred=y_pred)
    actual = _time_by_channel(actual, "y_true")  # (T, C)
    forecast = _time_by_channel(forecast, "y_pred")  # (T, C)
    if actual.shape[0] < 2:
        raise ValueError(f"CORR needs at least 2 time steps; got shape {actual.shape}.")
    actual_dev = actual - actual.mean(axis=0)  # (T, C)
    forecast_dev = forecast - forecast.mean(axis=0)  # (T, C)
    actual_norm = np.sqrt(np.sum(actual_dev**2, axis=0))  # (C,)
    forecast_norm = np.sqrt(np.sum(forecast_dev**2, axis=0))  # (C,)
    scored = actual_norm > 0
    if not scored.any():
        raise ValueError("CORR is undefined: every channel of y_true is constant.")
    covariance = np.sum(actual_dev * forecast_dev, axis=0)  # (C,)
    denominator = actual_norm * forecast_norm
    per_channel = np.zeros_like(covariance)  # a constant forecast keeps its 0
    defined = denominator > 0
    per_channel[defined] = covariance[defined] / denominator[defined]
    return float(np.mean(per_channel[scored]))


# ---------------------------------------------------------------------------
# Probabilistic scores
# ---------------------------------------------------------------------------


def _quantile_inputs(
    y_true: ArrayLike, y_quantiles: ArrayLike, quantiles: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check ``y_quantiles.shape == y_true.shape + (Q,)`` and levels in (0, 1)."""
    actual = _finite_array(y_true, "y_true")
    forecast = _finite_array(y_quantiles, "y_quantiles")
    levels = _finite_array(quantiles, "quantiles")
    if levels.ndim != 1:
        raise ValueError(f"quantiles must be 1-D; got shape {levels.shape}.")
    if np.any((levels <= 0) | (levels >= 1)):
        raise ValueError(f"quantile levels must lie strictly between 0 and 1; got {levels}.")
    expected = actual.shape + (levels.size,)
    if forecast.shape != expected:
        raise ValueError(
            "y_quantiles must have shape y_true.shape + (len(quantiles),) = "
            f"{expected}; got y_true {actual.shape}, y_quantiles {forecast.shape}, "
            f"quantiles {levels.shape}."
        )
    return actual, forecast, levels


def pinball_loss(y_true: ArrayLike, y_quantiles: ArrayLike, quantiles: ArrayLike) -> float:
    r"""Pinball (quantile) loss, averaged over points and quantile levels.

    For level :math:`q` and error :math:`u = y - \hat y_q`:

    .. math:: \rho_q(u) = \max(q\,u,\; (q - 1)\,u)

    Under-forecasting a high quantile costs :math:`q` per unit, over-forecasting
    it :math:`1-q`. At :math:`q = 0.5` this is half the absolute error.

    Parameters
    ----------
    y_true : array-like, any shape S
        Observed values.
    y_quantiles : array-like, shape S + (Q,)
        Forecast quantiles, the quantile axis last.
    quantiles : array-like, shape (Q,)
        Quantile levels in (0, 1), in the order of the last axis.

    Returns
    -------
    float

    Examples
    --------
    >>> round(pinball_loss([10.0], [[8.0, 12.0]], quantiles=[0.1, 0.9]), 6)
    0.2
    """
    actual, forecast, levels = _quantile_inputs(y_true, y_quantiles, quantiles)
    error = actual[..., None] - forecast  # S + (Q,)
    return float(np.mean(np.maximum(levels * error, (levels - 1) * error)))


def crps_from_quantiles(y_true: ArrayLike, y_quantiles: ArrayLike, quantiles: ArrayLike) -> float:
    r"""Continuous ranked probability score approximated from a set of quantiles.

    The CRPS of a forecast distribution :math:`F` is the integral of the
    pinball loss over all levels (Gneiting & Raftery 2007; Laio & Tamea 2007):

    .. math:: \mathrm{CRPS}(F, y) = \int_0^1 2\,\rho_q\big(y - F^{-1}(q)\big)\,dq

    This function replaces the integral by the mean over the given levels, so
    it returns ``2 * pinball_loss(...)``. The approximation is good when the
    levels are evenly spread over (0, 1), e.g. 0.05, 0.15, ..., 0.95 (midpoint
    rule), and converges to the CRPS as their number grows; with few or
    lopsided levels it is just a weighted quantile loss. Same units as ``y``;
    for a point forecast used as every quantile it reduces to the absolute error.

    Parameters
    ----------
    y_true : array-like, any shape S
        Observed values.
    y_quantiles : array-like, shape S + (Q,)
        Forecast quantiles, the quantile axis last.
    quantiles : array-like, shape (Q,)
        Quantile levels in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> round(crps_from_quantiles([10.0], [[8.0, 12.0]], quantiles=[0.1, 0.9]), 6)
    0.4
    """
    return 2.0 * pinball_loss(y_true, y_quantiles, quantiles)


def interval_coverage(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    r"""Share of observations inside their prediction interval, bounds included.

    .. math:: \frac{1}{n}\sum_i \mathbf{1}[\ell_i \le y_i \le u_i]

    Compare with the nominal level: a 90 % interval should cover about 0.9.

    Parameters
    ----------
    y_true, lower, upper : array-like
        Observed values and interval bounds, same shape.

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    ValueError
        On mismatched shapes or any ``lower > upper``.

    Examples
    --------
    >>> interval_coverage([1.0, 5.0, 9.0, 3.0], lower=[0.0, 0.0, 0.0, 3.0], upper=[2.0, 4.0, 10.0, 3.0])
    0.75
    """
    actual, low, high = _same_shape(y_true=y_true, lower=lower, upper=upper)
    crossed = int(np.count_nonzero(low > high))
    if crossed:
        raise ValueError(
            f"lower > upper at {crossed} of {low.size} points; swap or fix the bounds."
        )
    return float(np.mean((low <= actual) & (actual <= high)))


def msis(
    y_true: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    y_train: ArrayLike,
    season_length: int,
    level: float = 95.0,
) -> float:
    r"""Mean scaled interval score of a central prediction interval (M4's interval metric).

    The interval's width plus a penalty of :math:`2/\alpha` times each miss, scaled like
    MASE by the in-sample seasonal naive error, with :math:`\alpha = 1 - \text{level}/100`:

    .. math:: \mathrm{MSIS} = \frac{\frac{1}{h}\sum_j (u_j - \ell_j)
              + \frac{2}{\alpha}(\ell_j - y_j)\mathbf{1}[y_j < \ell_j]
              + \frac{2}{\alpha}(y_j - u_j)\mathbf{1}[y_j > u_j]}
              {\frac{1}{T-m}\sum_{t=m+1}^{T} |x_t - x_{t-m}|}

    Lower is better; M4 scored 95 % intervals (``level=95``). With 2-D input
    (time, channel) each channel has its own scale and the result is their mean.

    Parameters
    ----------
    y_true, lower, upper : array-like, shape (h,) or (h, C)
        Observed values and the interval's bounds over the horizon.
    y_train : array-like, shape (T,) or (T, C)
        The series the forecast was made from.
    season_length : int
        Seasonal lag ``m`` of the scale (M4: 24 hourly).
    level : float, default 95.0
        The interval's nominal coverage in percent.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On mismatched shapes, ``lower > upper``, a level outside [1, 100), or a
        scale of 0 (see :func:`mase`).

    Examples
    --------
    The scale of ``[1, 3, 2, 4]`` with ``m = 2`` is 1; the second value lies 1 above its
    interval, a penalty of ``2 / 0.05 = 40``:

    >>> msis([5.0, 9.0], lower=[4.0, 6.0], upper=[6.0, 8.0], y_train=[1.0, 3.0, 2.0, 4.0], season_length=2)
    22.0
    """
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 1 <= level < 100:
        raise ValueError(
            f"level is the interval's coverage in percent, in [1, 100) (95 for a 95 % interval); "
            f"got {level!r}."
        )
    actual, low, high = _same_shape(y_true=y_true, lower=lower, upper=upper)
    if np.any(low > high):
        raise ValueError("lower > upper somewhere: swap or fix the bounds.")
    train = _finite_array(y_train, "y_train")
    if train.ndim != actual.ndim or actual.shape[1:] != train.shape[1:]:
        raise ValueError(
            f"y_true and y_train must have the same channels; got {actual.shape} and {train.shape}."
        )
    alpha = (100.0 - float(level)) / 100.0
    score = (high - low) + (2.0 / alpha) * (np.maximum(low - actual, 0) + np.maximum(actual - high, 0))
    scale = _seasonal_naive_scale(train, season_length)
    return float(np.mean(np.mean(score, axis=0) / scale))


# ---------------------------------------------------------------------------
# Registry of point metrics
# ---------------------------------------------------------------------------

#: Point metrics by name, each ``metric(y_true, y_pred) -> float``. MASE is not
#: here because it also needs the training series; call :func:`mase` directly.
METRICS: dict[str, Callable[[ArrayLike, ArrayLike], float]] = {
    "mae": mae,
    "mse": mse,
    "rmse": rmse,
    "mape": mape,
    "smape": smape,
    "rse": rse,
    "corr": corr,
}

#: Names in :data:`METRICS` for which a larger value is better (all others: smaller).
GREATER_IS_BETTER: frozenset[str] = frozenset({"corr"})


def get_metric(name: str) -> Callable[[ArrayLike, ArrayLike], float]:
    """Look up a point metric by name (case-insensitive).

    Parameters
    ----------
    name : str
        One of the keys of :data:`METRICS`.

    Returns
    -------
    callable
        ``metric(y_true, y_pred) -> float``.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.

    Examples
    --------
    >>> get_metric("MAE")([1.0, 2.0], [2.0, 4.0])
    1.5
    """
    key = name.lower() if isinstance(name, str) else None
    if key not in METRICS:
        raise ValueError(f"Unknown metric {name!r}; choose one of {sorted(METRICS)}.")
    return METRICS[key]
