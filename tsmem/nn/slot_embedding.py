"""Slot embeddings ``m_i = Enc(M_i) + T(i)`` and the two things hops do with them.

A hop scores every slot against a query vector (``m_i · u``) and reads a weighted sum
of the slots (``Σ_i p_i m_i``). With the linear window encoder, ``Enc(M) = W vec(M) + b``,
neither needs the (B, N, d) embeddings themselves:

    m_i · u     = vec(M_i) · (Wᵀ u) + b · u + T(i) · u
    Σ_i p_i m_i = W (Σ_i p_i vec(M_i)) + b Σ_i p_i + Σ_i p_i T(i)

so the slots are scored and read in window space (B, N, w·C), smaller than the
embedding space whenever ``w·C < d``, and the temporal encodings, the same for every
sample of a batch unless they hold calendar features, are applied once as (N, d).
That is the same model, computed in another order (equal to float rounding; the
tests compare both); other encoders build the embeddings.
"""

from __future__ import annotations

import math

from torch import Tensor, nn

from tsmem.nn.config import MemNetConfig
from tsmem.nn.encoders import LinearWindowEncoder, make_window_encoder
from tsmem.nn.hops import match_scores, read
from tsmem.nn.slots import Memory
from tsmem.nn.temporal import TemporalEncoding


class SlotEmbedding(nn.Module):
    """One MemN2N embedding set (an ``A`` or a ``C``): ``Enc(window) + T(i)``.

    Parameters
    ----------
    config : MemNetConfig
        The model's configuration.
    length : int
        Window length the encoder reads (``w``, or ``v`` for values).

    Examples
    --------
    >>> import torch
    >>> from tsmem.nn.slots import build_memory
    >>> config = MemNetConfig(lookback=24, horizon=4, window=4, stride=2, d_model=8)
    >>> embedding = SlotEmbedding(config, config.window)
    >>> memory = build_memory(torch.randn(3, 24, 1), config.window, config.stride)
    >>> prepared = embedding.prepare(memory.keys, memory)  # (N, d): shared by the batch
    >>> scores = embedding.scores(torch.randn(3, 8), memory.keys, prepared)  # (B, N)
    >>> tuple(scores.shape), tuple(embedding.read(scores.softmax(-1), memory.keys, prepared).shape)
    ((3, 9), (3, 8))
    """

    def __init__(self, config: MemNetConfig, length: int) -> None:
        super().__init__()
        # Slot windows carry the target and the covariates read with the history.
        self.encoder = make_window_encoder(
            config.encoder, length, config.in_channels + config.n_covariates, config.d_model
        )
        self.temporal = None
        if config.temporal_encoding:
            self.temporal = TemporalEncoding(
                config.temporal_encoding,
                config.d_model,
                max_slots=config.capacity + math.ceil(config.empty_slot_rate * config.capacity),
                n_time_features=config.n_time_features,
            )

    def forward(self, windows: Tensor, memory: Memory) -> Tensor:
        """Embed ``windows`` (B, N, w, C) of ``memory`` into (B, N, d)."""
        e = self.encoder(windows)  # (B, N, d)
        if self.temporal is not None:
            e = e + self.temporal(memory.index, memory.lag, memory.calendar)
        return e

    def prepare(self, windows: Tensor, memory: Memory) -> Tensor | None:
        """What every score and read of ``windows`` in one forward shares.

        The temporal encodings (N, d) — or (B, N, d) with calendar features — for the
        linear encoder (None without any), else the embeddings (B, N, d). Pass the
        result to `scores` and `read`.
        """
        if not isinstance(self.encoder, LinearWindowEncoder):
            return self(windows, memory)  # (B, N, d)
        if self.temporal is None:
            return None
        return self.temporal.encode(memory.index, memory.lag, memory.calendar)  # (N, d) or (B, N, d)

    def scores(self, u: Tensor, windows: Tensor, prepared: Tensor | None) -> Tensor:
        """``m_i · u`` (B, N) for a query ``u`` (B, d); ``prepared`` from `prepare`."""
        if not isinstance(self.encoder, LinearWindowEncoder):
            return match_scores(u, prepared)  # (B, N)
        proj = self.encoder.proj
        B, N = windows.shape[:2]
        flat = windows.reshape(B, N, -1)  # (B, N, w·C)
        s = match_scores(u @ proj.weight, flat) + (u @ proj.bias).unsqueeze(-1)  # (B, N)
        if prepared is None:
            return s
        if prepared.dim() == 2:  # (N, d), the same for every sample
            return s + u @ prepared.T  # (B, N)
        return s + match_scores(u, prepared)  # (B, N)

    def read(self, p: Tensor, windows: Tensor, prepared: Tensor | None) -> Tensor:
        """``Σ_i p_i m_i`` (B, d) for weights ``p`` (B, N); ``prepared`` from `prepare`."""
        if not isinstance(self.encoder, LinearWindowEncoder):
            return read(p, prepared)  # (B, d)
        proj = self.encoder.proj
        B, N = windows.shape[:2]
        mixed = read(p, windows.reshape(B, N, -1))  # (B, w·C)
        # Σ p_i need not be 1 (linear start, masked slots): the bias counts that often.
        o = mixed @ proj.weight.T + p.sum(dim=-1, keepdim=True) * proj.bias  # (B, d)
        if prepared is None:
            return o
        if prepared.dim() == 2:  # (N, d)
            return o + p @ prepared  # (B, d)
        return o + read(p, prepared)  # (B, d)
