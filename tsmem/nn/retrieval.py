"""Addressing by likeness and the read of retrieved futures (docs/model.md, "Memory that earns its place").

Two things a memory of past windows can do that a fixed-lookback network cannot:
find the past moments that *look like* now, and read *what happened after them*.

- `pearson_scores`: the Pearson correlation of the query window with every slot
  window. It is 1 for a slot that is an affine copy of the query, whatever the
  learned weights, so "this moment looks like that one" needs no learning (RAFT,
  Han et al. 2024, "Retrieval-Augmented Forecasting of Time Series", ICML, compares
  windows the same way).
- `align_futures`: a slot's future (the ``H`` steps that followed its window) is
  mapped onto the query's level and spread. Pearson similarity is blind to the
  affine map ``a + b·key`` between a slot and the query, so the future is moved by
  the same map, estimated by matching means and standard deviations ("zscore");
  "offset" only moves it by the difference of the windows' last values (a random
  walk's analogue); "none" reads it as it is (then one slot at the lag of a season
  reproduces seasonal naive exactly).
- `FuturesRead`: ``r = Σ_i p_i v_i`` over the slots whose future is fully observed,
  and a learned per-step gate that mixes it into the network's own forecast,
  ``ŷ = (1 − g) ⊙ head(u) + g ⊙ r``. The gate starts almost shut (bias −4 under
  ``noop_start``), so training begins from the controller's forecast and opens the
  memory only where that lowers the loss.

Shapes: ``B`` batch, ``N`` slots, ``w`` window, ``C`` channels per window, ``H``
horizon, ``d`` model size.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

#: Floor on a window's standard deviation (inputs are on RevIN's unit scale), so a
#: flat window neither divides by zero nor claims a perfect correlation.
_STD_FLOOR = 1e-2


def _standardise(windows: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Centre and scale ``windows`` (..., w, C) over their last two axes; also return mean and std.

    The std is floored smoothly, ``sqrt(var + floor²)``: a flat (or zero-padded)
    window then has a finite gradient, where ``sqrt(0)``'s would be infinite.
    """
    mean = windows.mean(dim=(-2, -1), keepdim=True)  # (..., 1, 1)
    centred = windows - mean
    var = centred.pow(2).mean(dim=(-2, -1), keepdim=True)  # (..., 1, 1)
    std = torch.sqrt(var + _STD_FLOOR**2)
    return centred / std, mean, std


def pearson_scores(query: Tensor, keys: Tensor) -> Tensor:
    """Correlation of the query with every slot window.

    Parameters
    ----------
    query : Tensor
        (B, w, C) the most recent window.
    keys : Tensor
        (B, N, w, C) slot windows.

    Returns
    -------
    Tensor
        (B, N) correlations in [-1, 1] (slightly shrunk towards 0 for flat windows).
    """
    q, _, _ = _standardise(query)  # (B, w, C)
    k, _, _ = _standardise(keys)  # (B, N, w, C)
    size = query.shape[-2] * query.shape[-1]
    return torch.einsum("bwc,bnwc->bn", q, k) / size  # (B, N)


def align_futures(query: Tensor, keys: Tensor, futures: Tensor, alignment: str) -> Tensor:
    """Map every slot's future onto the query's level (see the module docstring).

    Parameters
    ----------
    query : Tensor
        (B, w, C).
    keys : Tensor
        (B, N, w, C).
    futures : Tensor
        (B, N, H, C) the steps that followed each slot window.
    alignment : {"zscore", "offset", "none"}

    Returns
    -------
    Tensor
        (B, N, H, C).
    """
    if alignment == "none":
        return futures
    if alignment == "offset":
        shift = query[:, None, -1:, :] - keys[:, :, -1:, :]  # (B, N, 1, C)
        return futures + shift
    if alignment == "zscore":
        _, q_mean, q_std = _standardise(query)  # (B, 1, 1)
        _, k_mean, k_std = _standardise(keys)  # (B, N, 1, 1)
        ratio = q_std.unsqueeze(1) / k_std  # (B, N, 1, 1), both floored
        return (futures - k_mean) * ratio + q_mean.unsqueeze(1)
    raise ValueError(f"Unknown value alignment {alignment!r}; use 'zscore', 'offset' or 'none'.")


def masked_softmax(scores: Tensor, mask: Tensor, top_k: int = 0) -> Tensor:
    """Softmax over the slots where ``mask`` is True, optionally only the ``top_k`` best.

    Parameters
    ----------
    scores : Tensor
        (B, N) addressing scores.
    mask : Tensor
        (B, N) bool, True where a slot may be read.
    top_k : int, default 0
        Read only the ``k`` highest-scoring allowed slots (0: all of them).

    Returns
    -------
    Tensor
        (B, N) weights summing to 1 over the allowed slots; a row with no allowed
        slot is all zeros.
    """
    scores = scores.masked_fill(~mask, -math.inf)  # (B, N)
    if 0 < top_k < scores.shape[1]:
        kth = scores.topk(top_k, dim=1).values[:, -1:]  # (B, 1)
        scores = scores.masked_fill(scores < kth, -math.inf)
    any_allowed = mask.any(dim=1, keepdim=True)  # (B, 1)
    scores = torch.where(any_allowed, scores, torch.zeros_like(scores))
    return scores.softmax(dim=1) * any_allowed  # (B, N)


class FuturesRead(nn.Module):
    """Read aligned futures and gate them into the forecast, per step.

    Parameters
    ----------
    d_model : int
        Size ``d`` of the query state ``u`` that drives the gate.
    out_features : int
        ``H · C_in``: one gate per forecast step and channel.
    alignment : {"zscore", "offset", "none"}
        How futures are moved onto the query (`align_futures`).
    top_k : int
        Read only the ``top_k`` best slots (0: all).
    noop_start : bool
        Start with the gate almost shut (bias −4): the model begins as its controller.
    correction : bool, default False
        Add a learned linear correction of the read, ``r + W [r; u]``, zero at the start.
    """

    def __init__(
        self,
        d_model: int,
        out_features: int,
        alignment: str,
        top_k: int,
        noop_start: bool,
        correction: bool = False,
    ) -> None:
        super().__init__()
        self.alignment, self.top_k = alignment, top_k
        # The gate sees u and how well the read matched (its weighted correlation).
        self.gate = nn.Linear(d_model + 1, out_features)
        nn.init.zeros_(self.gate.weight)
        nn.init.constant_(self.gate.bias, -4.0 if noop_start else 0.0)
        # The head sees only u, never the aligned futures; this map does, so it can learn
        # how the analogues' average errs (damping, a bias per step). Zero at the start.
        self.correction: nn.Linear | None = None
        if correction:
            self.correction = nn.Linear(out_features + d_model, out_features)
            nn.init.zeros_(self.correction.weight)
            nn.init.zeros_(self.correction.bias)

    def forward(
        self,
        scores: Tensor,
        mask: Tensor,
        query: Tensor,
        keys: Tensor,
        futures: Tensor,
        u: Tensor,
        correlation: Tensor | None = None,
    ) -> tuple[Tensor, Tensor, Tensor]:
        """The read ``r``, its gate ``g`` and the read weights ``p``.

        Parameters
        ----------
        scores : Tensor
            (B, N) addressing scores (the last hop's).
        mask : Tensor
            (B, N) bool: the slot and all of its future are observed.
        query, keys, futures : Tensor
            (B, w, C), (B, N, w, C), (B, N, H, C).
        u : Tensor
            (B, d) final query state.
        correlation : Tensor or None
            (B, N) ``pearson_scores(query, keys)`` when the caller has them already
            (Pearson addressing computed them); computed here otherwise.

        Returns
        -------
        r : Tensor
            (B, H·C) the read forecast, flattened like the head's output.
        g : Tensor
            (B, H·C) gate in [0, 1]; 0 for a sample with no readable slot.
        p : Tensor
            (B, N) read weights.
        """
        p = masked_softmax(scores, mask, self.top_k)  # (B, N)
        values = align_futures(query, keys, futures, self.alignment)  # (B, N, H, C)
        r = torch.einsum("bn,bnhc->bhc", p, values).flatten(1)  # (B, H·C)
        if self.correction is not None:
            r = r + self.correction(torch.cat([r, u], dim=1))  # (B, H·C)
        if correlation is None:
            correlation = pearson_scores(query, keys)  # (B, N)
        match = (p * correlation).sum(dim=1, keepdim=True)  # (B, 1)
        g = torch.sigmoid(self.gate(torch.cat([u, match], dim=1)))  # (B, H·C)
        return r, g * mask.any(dim=1, keepdim=True), p
