"""Temporal encodings ``T(i)`` added to slot embeddings.

- "learned": one learned vector per recency index ``i`` (the "temporal encoding"
  of End-to-End Memory Networks, Sukhbaatar et al. 2015). Ties the model to the
  number of slots it was built for.
- "sinusoidal": the fixed sinusoidal encoding of the slot's lag in steps
  (Vaswani et al. 2017), through a learned linear map. Defined for any lag, so a
  model trained on ``N`` slots can read a longer memory at predict time.
- "calendar": a linear map of the calendar features (hour of day, day of week, …)
  at the slot's last step, so attention can find "the same hour last week".
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def sinusoidal_encoding(positions: Tensor, d_model: int, base: float = 10000.0) -> Tensor:
    """Sinusoidal encoding of (possibly fractional) positions.

    Parameters
    ----------
    positions : Tensor
        Any shape ``S``; here the lag of each slot in steps.
    d_model : int
        Encoding size ``d``.
    base : float, default 10000.0
        Longest wavelength is ``2π · base``.

    Returns
    -------
    Tensor
        ``S + (d,)``: ``sin(pos / base^(2j/d))`` at even ``2j``, ``cos`` at odd ``2j+1``.
    """
    half = (d_model + 1) // 2
    j = torch.arange(half, device=positions.device, dtype=torch.float32)  # (half,)
    freqs = torch.exp(-math.log(base) * 2 * j / d_model)  # (half,)
    angles = positions.to(torch.float32).unsqueeze(-1) * freqs  # S + (half,)
    enc = torch.stack((angles.sin(), angles.cos()), dim=-1)  # S + (half, 2)
    return enc.flatten(-2)[..., :d_model]  # S + (d,)


class TemporalEncoding(nn.Module):
    """Sum of the temporal encodings named in ``kinds``, one ``T`` of docs/model.md.

    Parameters
    ----------
    kinds : tuple of str
        Non-empty subset of ("learned", "sinusoidal", "calendar").
    d_model : int
        Embedding size ``d``.
    max_slots : int
        Rows of the learned table (slots incl. inserted empty ones).
    n_time_features : int
        Width ``F`` of the calendar features.
    """

    def __init__(
        self, kinds: tuple[str, ...], d_model: int, max_slots: int, n_time_features: int
    ) -> None:
        super().__init__()
        self.d_model = d_model
        self.learned = nn.Embedding(max_slots, d_model) if "learned" in kinds else None
        if self.learned is not None:
            nn.init.normal_(self.learned.weight, std=0.1)
        self.sinusoidal = nn.Linear(d_model, d_model, bias=False) if "sinusoidal" in kinds else None
        self.calendar = nn.Linear(n_time_features, d_model) if "calendar" in kinds else None

    def forward(self, index: Tensor, lag: Tensor, calendar: Tensor | None) -> Tensor:
        """Encode slots by recency ``index`` (B, N), ``lag`` (B, N) and ``calendar`` (B, N, F).

        Returns
        -------
        Tensor
            (B, N, d); an expanded view of one (N, d) encoding when `encode` shares it.
        """
        out = self.encode(index, lag, calendar)
        return out.expand(index.shape[0], *out.shape[-2:])

    def encode(self, index: Tensor, lag: Tensor, calendar: Tensor | None) -> Tensor:
        """As `forward`, but (N, d) when every sample has the same slots and no calendar.

        Every sample has the same slots when ``index`` and ``lag`` are expanded views
        (stride 0 over the batch, as `tsmem.nn.slots.build_memory` makes them) or the
        batch has one sample: the encoding is then computed once, not per sample.

        Returns
        -------
        Tensor
            (N, d), or (B, N, d) with calendar features or per-sample slots.

        Examples
        --------
        >>> enc = TemporalEncoding(("sinusoidal",), d_model=8, max_slots=4, n_time_features=0)
        >>> lag = torch.tensor([3.0, 6.0, 9.0]).expand(5, 3)
        >>> tuple(enc.encode(torch.arange(3).expand(5, 3), lag, None).shape)
        (3, 8)
        """
        if index.shape[0] == 1 or (index.stride(0) == 0 and lag.stride(0) == 0):
            index, lag = index[0], lag[0]  # (N,) each
        out = torch.zeros(*index.shape, self.d_model, device=index.device)  # (N, d) or (B, N, d)
        if self.learned is not None:
            if not torch.compiler.is_compiling() and int(index.max()) >= self.learned.num_embeddings:
                raise ValueError(
                    f"The learned temporal encoding has {self.learned.num_embeddings} slots, "
                    f"got slot index {int(index.max())}."
                )
            out = out + self.learned(index)
        if self.sinusoidal is not None:
            out = out + self.sinusoidal(sinusoidal_encoding(lag, self.d_model))
        if self.calendar is not None:
            if calendar is None:
                raise ValueError("The calendar temporal encoding needs time_features.")
            out = out + self.calendar(calendar)  # (B, N, d)
        return out
