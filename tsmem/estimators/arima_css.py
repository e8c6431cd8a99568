"""Seasonal ARIMA by conditional sum of squares (CSS): the fast fit behind the order search.

The model is a regression with seasonal ARIMA errors (Box & Jenkins; the form R's
``arima`` and statsmodels' ``SARIMAX`` fit):

    y_t = x_tᵀβ + u_t,    φ(B) Φ(B^m) (1-B)^d (1-B^m)^D u_t = μ' + θ(B) Θ(B^m) ε_t

Differencing ``y`` and ``x`` gives ``w_t = Δ y_t`` and ``Δx_t``; with
``z_t = w_t - μ - Δx_tᵀβ`` the residuals are ``ε = θ(B)⁻¹ Θ(B^m)⁻¹ φ(B) Φ(B^m) z``.
CSS conditions on the first ``p + P·m`` values of ``z`` and sets the residuals
before them to zero (as R's ``arima(method="CSS")``), so both polynomial products
are plain linear filters: one ``np.convolve`` and one ``scipy.signal.lfilter``
per evaluation, in C, whatever the seasonal period. The sum of squares is a
nonlinear least-squares problem, solved by Levenberg–Marquardt (MINPACK) with the
exact Jacobian, which is itself a stack of filtered series (derivation beside
:func:`_jacobian`): a model is fitted in a few milliseconds, which is what makes
an automatic search over dozens of seasonal models affordable.

``μ`` here is the mean of the differenced series; SARIMAX's intercept is
``μ' = μ·φ(1)·Φ(1)`` (see :func:`to_sarimax_params`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.signal import lfilter
from statsmodels.tsa.arima_process import ArmaProcess
from statsmodels.tsa.statespace.tools import diff

#: Smallest modulus allowed for a root of any AR or MA factor (R's auto.arima: 1.01).
MIN_ROOT_MODULUS = 1.01


@dataclass(frozen=True)
class Orders:
    """The orders of a seasonal ARIMA with an optional constant.

    ``constant`` is a mean when ``d + D == 0``, a drift when ``d + D == 1``
    (SARIMAX's ``trend="c"`` in both cases).
    """

    p: int
    d: int
    q: int
    P: int = 0
    D: int = 0
    Q: int = 0
    m: int = 1
    constant: bool = False

    @property
    def order(self) -> tuple[int, int, int]:
        return (self.p, self.d, self.q)

    @property
    def seasonal_order(self) -> tuple[int, int, int, int]:
        # SARIMAX rejects a seasonal period with no seasonal terms, and m = 1.
        if self.P == self.D == self.Q == 0 or self.m < 2:
            return (0, 0, 0, 0)
        return (self.P, self.D, self.Q, self.m)

    @property
    def n_coef(self) -> int:
        """ARMA coefficients plus the constant (not the regressors, not σ²)."""
        return self.p + self.q + self.P + self.Q + int(self.constant)

    def __str__(self) -> str:
        seasonal = f"({self.P},{self.D},{self.Q})[{self.m}]" if self.seasonal_order[3] else ""
        constant = " with constant" if self.constant else ""
        return f"ARIMA({self.p},{self.d},{self.q}){seasonal}{constant}"


@dataclass(frozen=True)
class CSSFit:
    """The result of :func:`fit_css`.

    Attributes
    ----------
    orders
        The model fitted.
    coef
        ``[φ_1..φ_p, Φ_1..Φ_P, θ_1..θ_q, Θ_1..Θ_Q, μ (if constant), β_1..β_K]``.
    sigma2
        Mean squared residual (R's CSS ``sigma2``).
    n_used
        Observations of the differenced series, R's ``nstar`` in the information criteria.
    aicc
        ``n_used·log σ² + 2k + 2k(k+1)/(n_used-k-1)`` with ``k`` coefficients + 1
        (the approximation R's ``auto.arima`` searches with), ``inf`` when the
        fit failed or has a root within :data:`MIN_ROOT_MODULUS` of the unit circle.
    """

    orders: Orders
    coef: np.ndarray
    sigma2: float
    n_used: int
    aicc: float

    @property
    def ok(self) -> bool:
        return bool(np.isfinite(self.aicc))


# -- polynomials ------------------------------------------------------------------


def seasonal_poly(coef: np.ndarray, m: int, sign: float) -> np.ndarray:
    """Coefficients of ``1 + sign·Σ c_j B^{j·m}`` in powers of ``B`` (length ``len(coef)·m + 1``)."""
    poly = np.zeros(len(coef) * m + 1)
    poly[0] = 1.0
    poly[m::m] = sign * coef
    return poly


def split_coef(coef: np.ndarray, orders: Orders) -> tuple[np.ndarray, ...]:
    """``coef`` as (φ, Φ, θ, Θ, regression β including the constant first)."""
    bounds = np.cumsum([orders.p, orders.P, orders.q, orders.Q])
    return tuple(np.split(coef, bounds))


def ar_ma_polys(coef: np.ndarray, orders: Orders) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four factors φ(B), Φ(B^m), θ(B), Θ(B^m) as coefficient arrays in powers of B."""
    ar, sar, ma, sma, _ = split_coef(coef, orders)
    return (
        seasonal_poly(ar, 1, -1.0),
        seasonal_poly(sar, orders.m, -1.0),
        seasonal_poly(ma, 1, 1.0),
        seasonal_poly(sma, orders.m, 1.0),
    )


def _smallest_root(process: ArmaProcess) -> float:
    """Smallest modulus over the AR and MA roots of ``process`` (inf when it has none)."""
    roots = np.concatenate([process.arroots, process.maroots])
    return float(np.min(np.abs(roots), initial=np.inf))


def min_root_modulus(coef: np.ndarray, orders: Orders, expanded: bool = False) -> float:
    """Smallest root modulus over the AR and MA polynomials (statsmodels' ``ArmaProcess`` roots).

    By default each factor is checked in its own variable (φ and θ in ``B``, Φ and
    Θ in ``B^m``). R's ``auto.arima`` (``expanded=True``) checks the expanded
    products φ(B)Φ(B^m) and θ(B)Θ(B^m) in ``B``, where a seasonal root ``r``
    counts as ``|r|^(1/m)``: with ``m = 24`` any seasonal coefficient above about
    0.79 fails the 1.01 bound (|r| < 1.01²⁴ = 1.27), which throws away the
    typical hourly model (Θ ≈ -0.9 after seasonal differencing). The per-factor
    check keeps R's intent, no root near the unit circle, without that side
    effect (its effect on forecasts: ``experiments/results/autoarima_defaults.md``).
    """
    if expanded:
        phi, sphi, theta, stheta = ar_ma_polys(coef, orders)
        return _smallest_root(ArmaProcess(np.convolve(phi, sphi), np.convolve(theta, stheta)))
    ar, sar, ma, sma, _ = split_coef(coef, orders)
    regular = ArmaProcess(seasonal_poly(ar, 1, -1.0), seasonal_poly(ma, 1, 1.0))
    seasonal = ArmaProcess(seasonal_poly(sar, 1, -1.0), seasonal_poly(sma, 1, 1.0))  # in the variable B^m
    return min(_smallest_root(regular), _smallest_root(seasonal))


# -- residuals and their Jacobian -------------------------------------------------------


def _design(w_len: int, xd: np.ndarray | None, constant: bool) -> np.ndarray | None:
    """Regressors of the differenced series: a column of ones (the constant), then ``Δx``."""
    columns = []
    if constant:
        columns.append(np.ones((w_len, 1)))
    if xd is not None and xd.shape[1]:
        columns.append(xd)
    return np.hstack(columns) if columns else None


def _residuals(coef: np.ndarray, w: np.ndarray, design: np.ndarray | None, orders: Orders):
    """CSS residuals (n_w - p - P·m,) with the pieces the Jacobian reuses."""
    phi, sphi, theta, stheta = ar_ma_polys(coef, orders)
    beta = split_coef(coef, orders)[4]
    z = w if design is None else w - design @ beta  # (n_w,)
    ar_full = np.convolve(phi, sphi)  # φ(B)Φ(B^m), length p + P·m + 1
    ma_full = np.convolve(theta, stheta)
    u = np.convolve(z, ar_full, mode="valid")  # (n_w - p - P·m,): conditional on the first values
    with np.errstate(over="ignore", invalid="ignore"):
        e = lfilter([1.0], ma_full, u)
    return e, z, phi, sphi, theta, stheta, ar_full, ma_full


def _jacobian(coef, w, design, orders: Orders) -> np.ndarray:
    """∂ε/∂coef, shape (n_e, k): every column is a filtered series.

    With ``a = φΦ`` and ``c = θΘ``, ``c·ε = a·z``, so for a coefficient ``γ``
    ``c·∂ε = ∂a·z + a·∂z - ∂c·ε`` and ``∂ε = c⁻¹(...)``; ``∂a/∂φ_i = -B^i Φ``,
    ``∂a/∂Φ_j = -B^{jm} φ``, ``∂c/∂θ_i = B^i Θ``, ``∂c/∂Θ_j = B^{jm} θ``,
    ``∂z/∂β_k = -column k``. One ``lfilter`` call divides all columns by ``c``.
    """
    e, z, phi, sphi, theta, stheta, ar_full, ma_full = _residuals(coef, w, design, orders)
    n_e, start, m = len(e), len(w) - len(e), orders.m  # start = p + P·m
    rows = []

    def lagged(series: np.ndarray, lag: int, first: int) -> np.ndarray:
        # series[t - lag] for t in [start, n_w); `series` is indexed from `first`
        return series[start - lag - first : start - lag - first + n_e]

    seasonal_z = np.convolve(z, sphi)[: len(z)]  # Φ(B^m) z, valid from index P·m
    for i in range(1, orders.p + 1):
        rows.append(-lagged(seasonal_z, i, 0))
    regular_z = np.convolve(z, phi)[: len(z)]  # φ(B) z, valid from index p
    for j in range(1, orders.P + 1):
        rows.append(-lagged(regular_z, j * m, 0))
    # MA terms: ε is zero before `start`, so pad with zeros to shift it back in time.
    padded_e = np.concatenate([np.zeros(start), e])
    seasonal_e = np.convolve(padded_e, stheta)[: len(padded_e)]  # Θ(B^m) ε
    for i in range(1, orders.q + 1):
        shifted = np.concatenate([np.zeros(i), seasonal_e[:-i]])
        rows.append(-shifted[start:])
    regular_e = np.convolve(padded_e, theta)[: len(padded_e)]  # θ(B) ε
    for j in range(1, orders.Q + 1):
        shifted = np.concatenate([np.zeros(j * m), regular_e[: -j * m]])
        rows.append(-shifted[start:])
    if design is not None:
        for column in design.T:
            rows.append(-np.convolve(column, ar_full, mode="valid"))
    with np.errstate(over="ignore", invalid="ignore"):
        jac = lfilter([1.0], ma_full, np.vstack(rows), axis=1)  # (k, n_e)
    return jac.T


# -- the fit ----------------------------------------------------------------------------


def fit_css(
    y: np.ndarray,
    orders: Orders,
    x: np.ndarray | None = None,
    start: np.ndarray | None = None,
    max_nfev: int = 200,
    expanded_roots: bool = False,
) -> CSSFit:
    """Fit a regression with seasonal ARIMA errors by conditional sum of squares.

    Parameters
    ----------
    y
        The series (T,).
    orders
        The model.
    x
        Regressors (T, K) or None.
    start
        Starting coefficients (layout of :attr:`CSSFit.coef`); by default zeros for
        the ARMA part and least squares for the regression, as R's ``arima``.
    max_nfev
        Most residual evaluations Levenberg–Marquardt may spend.
    expanded_roots
        Check the roots of the expanded polynomials, as R (see :func:`min_root_modulus`).

    Returns
    -------
    CSSFit
        With ``aicc = inf`` when there are too few observations, the optimiser
        failed, or a root lies within :data:`MIN_ROOT_MODULUS` of the unit circle.

    Examples
    --------
    >>> import numpy as np
    >>> from statsmodels.tsa.arima_process import arma_generate_sample
    >>> rng = np.random.default_rng(0)
    >>> y = arma_generate_sample([1, -0.6], [1, 0.3], 2000, burnin=100, distrvs=rng.standard_normal)
    >>> fit = fit_css(y, Orders(1, 0, 1))
    >>> np.round(fit.coef, 1).tolist()
    [0.6, 0.3]
    """
    # (1-B)^d (1-B^m)^D along the first axis: the first d + D·m rows are lost
    w = diff(np.asarray(y, dtype=float), orders.d, orders.D, orders.m)
    xd = None if x is None else diff(np.asarray(x, dtype=float), orders.d, orders.D, orders.m)
    design = _design(len(w), xd, orders.constant)
    n_arma = orders.p + orders.q + orders.P + orders.Q
    n_coef = n_arma + (0 if design is None else design.shape[1])
    n_e = len(w) - orders.p - orders.P * orders.m
    failed = CSSFit(orders, np.zeros(n_coef), np.nan, len(w), np.inf)
    if n_e <= n_coef + 1:
        return failed
    if start is None:
        start = np.zeros(n_coef)
        if design is not None:
            start[n_arma:] = np.linalg.lstsq(design, w, rcond=None)[0]

    def residuals(coef: np.ndarray) -> np.ndarray:
        e = _residuals(coef, w, design, orders)[0]
        # An explosive MA filter gives inf: a large finite value makes LM step back instead.
        return np.where(np.isfinite(e), e, 1e150)

    def jacobian(coef: np.ndarray) -> np.ndarray:
        jac = _jacobian(coef, w, design, orders)
        return np.where(np.isfinite(jac), jac, 0.0)

    if n_coef == 0:
        coef = np.zeros(0)
    else:
        try:
            coef = least_squares(residuals, start, jac=jacobian, method="lm", max_nfev=max_nfev).x
        except (ValueError, np.linalg.LinAlgError):
            return failed
    e = _residuals(coef, w, design, orders)[0]
    sigma2 = float(np.mean(e**2))
    if not np.isfinite(sigma2) or sigma2 <= 0 or min_root_modulus(coef, orders, expanded_roots) < MIN_ROOT_MODULUS:
        return CSSFit(orders, coef, sigma2, len(w), np.inf)
    k = n_coef + 1  # + σ²
    aic = len(w) * np.log(sigma2) + 2 * k
    return CSSFit(orders, coef, sigma2, len(w), float(aic + 2 * k * (k + 1) / (len(w) - k - 1)))


def to_sarimax_params(fit: CSSFit) -> np.ndarray:
    """CSS coefficients in SARIMAX's layout: intercept, β, φ, θ, Φ, Θ, σ².

    SARIMAX's intercept enters the ARMA equation, ``φ(B)Φ(B^m)(w_t - μ) = ...``
    gives ``μ' = μ·φ(1)·Φ(1)``.
    """
    ar, sar, ma, sma, beta = split_coef(fit.coef, fit.orders)
    parts = []
    if fit.orders.constant:
        parts.append([beta[0] * (1 - ar.sum()) * (1 - sar.sum())])
        beta = beta[1:]
    parts += [beta, ar, ma, sar, sma, [fit.sigma2]]
    return np.concatenate([np.asarray(p, dtype=float) for p in parts])
