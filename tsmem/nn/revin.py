"""Reversible instance normalisation.

Kim et al. 2022, "Reversible Instance Normalization for Accurate Time-Series
Forecasting against Distribution Shift" (ICLR). Every sample's lookback is
standardised per channel with its own mean and standard deviation (then an
optional learned affine map), the model forecasts on that scale, and the forecast
is mapped back with the same statistics.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn


class RevINStats(NamedTuple):
    """Per-sample, per-channel statistics of the lookback."""

    mean: Tensor  # (B, 1, C)
    std: Tensor  # (B, 1, C)


class RevIN(nn.Module):
    """Reversible instance normalisation over the time axis.

    Parameters
    ----------
    n_channels : int
        Number of channels ``C``.
    eps : float, default 1e-5
        Added to the variance before the square root.
    affine : bool, default True
        Learn a per-channel scale and shift applied after normalising (and undone
        before denormalising).
    """

    def __init__(self, n_channels: int, eps: float = 1e-5, affine: bool = True) -> None:
        super().__init__()
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = nn.Parameter(torch.ones(n_channels))
            self.bias = nn.Parameter(torch.zeros(n_channels))

    def normalize(self, x: Tensor, last: int | None = None) -> tuple[Tensor, RevINStats]:
        """Standardise ``x`` (B, L, C) per sample and channel.

        ``last``: take the statistics from the last ``last`` steps only (a long memory
        before them may hold NaN padding); None uses all of ``x``.

        Returns
        -------
        x_norm : Tensor
            (B, L, C) normalised input.
        stats : RevINStats
            The statistics `denormalize` needs.
        """
        recent = x if last is None else x[:, -last:]  # (B, L', C)
        mean = recent.mean(dim=1, keepdim=True).detach()  # (B, 1, C)
        std = torch.sqrt(recent.var(dim=1, keepdim=True, unbiased=False) + self.eps).detach()
        x = (x - mean) / std
        if self.affine:
            x = x * self.weight + self.bias
        return x, RevINStats(mean, std)

    def denormalize(self, y: Tensor, stats: RevINStats) -> Tensor:
        """Map a forecast ``y`` (B, H, C) or (B, H, C, Q) back to the input scale."""
        extra = y.dim() - 3  # 1 for a quantile axis, else 0
        mean, std = stats.mean, stats.std
        weight, bias = (self.weight, self.bias) if self.affine else (None, None)
        if extra:
            mean = mean.unsqueeze(-1)  # (B, 1, C, 1)
            std = std.unsqueeze(-1)  # (B, 1, C, 1)
            if self.affine:
                weight = weight.unsqueeze(-1)  # (C, 1)
                bias = bias.unsqueeze(-1)  # (C, 1)
        if self.affine:
            y = (y - bias) / (weight + self.eps * self.eps)
        return y * std + mean
