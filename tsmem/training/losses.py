"""Training losses, selected by name with `get_loss`.

Point losses compare a forecast (B, H, C) with the target (B, H, C); the pinball
(quantile) loss compares (B, H, C, Q) quantile forecasts with it (Koenker & Bassett
1978). Two losses match the M4 metrics, as N-BEATS trains on them (Oreshkin et al.
2020): a differentiable sMAPE and a MASE-scaled MAE. The latter reads the window's
lookback too: its function carries ``needs_insample = True`` and is called as
``loss(pred, target, insample)`` (see :func:`needs_insample`).

All losses see the model's scale, the data after the DataModule's scaling. MASE is
unchanged by any affine scaling (shift and scale cancel in its ratio). sMAPE is
not: it equals the M4 metric (divided by 100) only on unshifted data, i.e. with
``scaling="none"`` (RevIN inside the network still normalises every window); on
``"standard"``-scaled data, values near the series mean sit near 0 and their
relative errors dominate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor

LOSS_NAMES = ("mse", "mae", "huber", "pinball", "smape", "mase")

LossFn = Callable[[Tensor, Tensor], Tensor]


def mse_loss(pred: Tensor, target: Tensor) -> Tensor:
    """Mean squared error."""
    return F.mse_loss(pred, target)


def mae_loss(pred: Tensor, target: Tensor) -> Tensor:
    """Mean absolute error."""
    return F.l1_loss(pred, target)


def huber_loss(pred: Tensor, target: Tensor, delta: float = 1.0) -> Tensor:
    """Huber loss: quadratic within ``delta`` of the target, linear beyond."""
    return F.huber_loss(pred, target, delta=delta)


def pinball_loss(pred: Tensor, target: Tensor, quantiles: Sequence[float] | Tensor) -> Tensor:
    """Pinball (quantile) loss averaged over quantiles and elements.

    Parameters
    ----------
    pred : Tensor
        (..., Q) quantile forecasts.
    target : Tensor
        (...) observations.
    quantiles : sequence of float or Tensor
        The ``Q`` levels in (0, 1).

    Returns
    -------
    Tensor
        Scalar ``mean(max(q·e, (q − 1)·e))`` with ``e = target − pred``.
    """
    q = torch.as_tensor(quantiles, dtype=pred.dtype, device=pred.device)  # (Q,)
    if pred.shape[:-1] != target.shape or pred.shape[-1] != q.numel():
        raise ValueError(
            f"pinball_loss expects pred (..., {q.numel()}) matching target (...); got "
            f"{tuple(pred.shape)} and {tuple(target.shape)}."
        )
    err = target.unsqueeze(-1) - pred  # (..., Q)
    return torch.maximum(q * err, (q - 1) * err).mean()


def smape_loss(pred: Tensor, target: Tensor) -> Tensor:
    r"""Differentiable sMAPE as a fraction: ``mean(2|ŷ − y| / (|y| + |ŷ|))``, in [0, 2].

    M4's sMAPE divided by 100. A term whose denominator is 0 has ``y = ŷ = 0``, a
    perfect forecast, and counts as 0 (N-BEATS' ``divide_no_nan``); the safe
    denominator keeps its gradient finite. Meaningful on unshifted data only (see
    the module docstring).

    Examples
    --------
    >>> import torch
    >>> smape_loss(torch.tensor([1.0, 0.0]), torch.tensor([3.0, 0.0])).item()
    0.5
    """
    denominator = target.abs() + pred.abs()
    safe = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
    return (2 * (pred - target).abs() / safe).mean()


def mase_loss(pred: Tensor, target: Tensor, insample: Tensor, season_length: int = 1) -> Tensor:
    r"""MAE scaled by the seasonal naive error of each window's lookback (MASE).

    .. math:: \frac{1}{H}\sum_h |y_h - \hat y_h| \Big/
              \frac{1}{L-m}\sum_{t=m+1}^{L} |x_t - x_{t-m}|

    per window and channel, averaged. A window whose lookback is exactly periodic
    (scale 0) contributes 0, as in N-BEATS' ``mase_loss``. Unlike M4's MASE, the
    scale comes from the window's lookback, not the whole history.

    Parameters
    ----------
    pred, target : Tensor
        (B, H, C) forecast and target.
    insample : Tensor
        (B, L, C) the lookback the forecast was made from, on the same scale.
    season_length : int, default 1
        Lag ``m`` of the naive scale; needs ``L > m``.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[[1.0], [3.0], [2.0], [4.0]]])  # naive scale with m=2: 1
    >>> mase_loss(torch.tensor([[[4.0], [8.0]]]), torch.tensor([[[5.0], [6.0]]]), x, 2).item()
    1.5
    """
    m = season_length
    if insample.shape[1] <= m:
        raise ValueError(f"mase needs a lookback longer than season_length={m}; got {insample.shape[1]} steps.")
    scale = (insample[:, m:] - insample[:, :-m]).abs().mean(dim=1, keepdim=True)  # (B, 1, C)
    inverse = torch.where(scale == 0, torch.zeros_like(scale), 1 / torch.where(scale == 0, 1.0, scale))
    return ((pred - target).abs() * inverse).mean()


def needs_insample(loss_fn: Callable[..., Tensor]) -> bool:
    """Whether ``loss_fn`` is called as ``loss_fn(pred, target, insample)`` (the lookback too)."""
    return bool(getattr(loss_fn, "needs_insample", False))


def get_loss(
    name: str,
    quantiles: Sequence[float] | None = None,
    huber_delta: float = 1.0,
    season_length: int = 1,
) -> LossFn:
    """The loss called ``name`` as a function ``(pred, target) -> scalar``.

    Parameters
    ----------
    name : {"mse", "mae", "huber", "pinball", "smape", "mase"}
        Which loss. "mase" returns ``(pred, target, insample) -> scalar`` instead
        (:func:`needs_insample` is true for it).
    quantiles : sequence of float or None
        Levels for "pinball" (required there, refused by the point losses).
    huber_delta : float, default 1.0
        ``delta`` of the Huber loss.
    season_length : int, default 1
        Lag of MASE's naive scale.
    """
    if name not in LOSS_NAMES:
        raise ValueError(f"loss={name!r} is not one of {LOSS_NAMES}.")
    if name == "pinball":
        if not quantiles:
            raise ValueError("loss='pinball' needs quantile levels (config.quantiles).")
        return partial(pinball_loss, quantiles=tuple(quantiles))
    if quantiles:
        raise ValueError(
            f"loss={name!r} is a point loss but the model forecasts quantiles {tuple(quantiles)}; "
            "use loss='pinball' or quantiles=None."
        )
    if name == "mase":
        if isinstance(season_length, bool) or not isinstance(season_length, int) or season_length < 1:
            raise ValueError(f"season_length must be a positive integer, got {season_length!r}.")
        loss = partial(mase_loss, season_length=season_length)
        loss.needs_insample = True  # type: ignore[attr-defined]
        return loss
    if name == "huber":
        return partial(huber_loss, delta=huber_delta)
    return {"mse": mse_loss, "mae": mae_loss, "smape": smape_loss}[name]
