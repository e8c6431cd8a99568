"""Training losses, selected by name with `get_loss`.

Point losses compare a forecast (B, H, C) with the target (B, H, C); the pinball
(quantile) loss compares (B, H, C, Q) quantile forecasts with it (Koenker & Bassett
1978).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor

LOSS_NAMES = ("mse", "mae", "huber", "pinball")

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


def get_loss(
    name: str, quantiles: Sequence[float] | None = None, huber_delta: float = 1.0
) -> LossFn:
    """The loss called ``name`` as a function ``(pred, target) -> scalar``.

    Parameters
    ----------
    name : {"mse", "mae", "huber", "pinball"}
        Which loss.
    quantiles : sequence of float or None
        Levels for "pinball" (required there, refused by the point losses).
    huber_delta : float, default 1.0
        ``delta`` of the Huber loss.
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
    if name == "huber":
        return partial(huber_loss, delta=huber_delta)
    return mse_loss if name == "mse" else mae_loss
