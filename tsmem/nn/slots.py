"""Cutting a lookback into memory slots.

Layout (docs/model.md, "Memory slots"). For ``x`` (B, L, C), window ``w``, stride ``s``::

    x[:, :L-w]                                   x[:, L-w:]
    |  ... M_3 ...|                              |  query Q  |
          |  ... M_2 ...|
                |  ... M_1 ...|  <- ends right before the query

The slots are windows of length ``w`` in the memory region ``x[:, :L-w]``,
anchored at its end: ``M_1`` (recency index 0 here) is the most recent, and slot
``j`` covers ``[L - w - j·s - w, L - w - j·s)``. ``N = (L - 2w) // s + 1``; the
oldest ``(L - 2w) mod s`` steps are not in any slot. The lag of slot ``j`` is the
number of steps from its last step to the forecast origin (the last input step),
``w + j·s``, and its timestamp is its last step.

With key-value slots (Miller et al. 2016, "Key-Value Memory Networks for Directly
Reading Documents") the value of slot ``j`` is the ``v <= w`` steps that followed its
window, ``[L - w - j·s, L - w - j·s + v)``; for the most recent slots these lie in
the query window.

With retrieved futures the slot also carries the ``H`` steps that followed its window,
``[L - w - j·s, L - w - j·s + H)``; a future that runs past the last input step (the
forecast origin) is not observed, so its slot is masked out of that read
(``future_mask``). Steps given as NaN are "not observed" too: a long memory is
left-padded with NaN where a series' history is shorter than the memory, and
slots touching them are masked everywhere (``mask``).

Random empty slots are the "random noise" of End-to-End Memory Networks
(Sukhbaatar et al. 2015): zero windows inserted among the real ones, shifting
their recency indices, to regularise the temporal encoding.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


class Memory(NamedTuple):
    """Memory slots of a batch, most recent first.

    Attributes
    ----------
    keys : Tensor
        (B, N, w, C) slot windows.
    values : Tensor or None
        (B, N, v, C) what followed each window (key-value slots), else None.
    index : Tensor
        (B, N) int64 recency index, 0 = most recent.
    lag : Tensor
        (B, N) float lag of the slot's last step before the forecast origin.
    calendar : Tensor or None
        (B, N, F) calendar features at each slot's last step, else None.
    mask : Tensor or None
        (B, N) bool, True where the slot window is observed (no NaN in the input);
        None means every slot is.
    futures : Tensor or None
        (B, N, H, C) the ``H`` steps after each window (zeros where not observed),
        when asked for.
    future_mask : Tensor or None
        (B, N) bool, True where the slot and all of its future are observed.
    """

    keys: Tensor
    values: Tensor | None
    index: Tensor
    lag: Tensor
    calendar: Tensor | None
    mask: Tensor | None = None
    futures: Tensor | None = None
    future_mask: Tensor | None = None


def build_memory(
    x: Tensor,
    window: int,
    stride: int,
    value_length: int | None = None,
    time_features: Tensor | None = None,
    future_length: int | None = None,
    max_slots: int | None = None,
    observed: Tensor | None = None,
) -> Memory:
    """Cut ``x`` (B, L, C) into the memory slots described in the module docstring.

    Parameters
    ----------
    x : Tensor
        (B, L, C) input, the query being the last ``window`` steps.
    window, stride : int
        Slot length ``w`` and stride ``s``.
    value_length : int or None
        ``v`` for key-value slots (``v <= w``); None for plain slots.
    time_features : Tensor or None
        (B, L, F) calendar features of every input step.
    future_length : int or None
        ``H``: also cut the ``H`` steps after every window (``futures``), masked where
        they run past the origin.
    max_slots : int or None
        Keep only the ``max_slots`` most recent slots.
    observed : Tensor or None
        (B, L) bool, False at steps that were not observed (their values in ``x`` are
        then ignored); None derives it from the NaN in ``x``.

    Returns
    -------
    Memory
        NaN steps of ``x`` are replaced by 0 in the windows and flagged in the masks.
    """
    B, L, C = x.shape
    N = (L - 2 * window) // stride + 1
    if L < 2 * window or N < 1:
        raise ValueError(f"An input of {L} steps holds no slot of {window} steps before the query.")
    if observed is None:
        observed = torch.isfinite(x).all(dim=-1)  # (B, L)
    if max_slots is not None and N > max_slots:
        drop = (N - max_slots) * stride  # the oldest slots' steps
        x, observed = x[:, drop:], observed[:, drop:]
        if time_features is not None:
            time_features = time_features[:, drop:]
        B, L, C = x.shape
        N = max_slots
    span = (N - 1) * stride + window  # steps covered by the slots
    start = L - window - span  # first step of the oldest slot
    # An exported graph (torch.export, ONNX) takes the masked path: its inputs may have gaps.
    has_gaps = torch.compiler.is_compiling() or not bool(observed.all())
    if has_gaps:  # where() rather than arithmetic: no NaN reaches a gradient
        x = torch.where(observed.unsqueeze(-1), x, torch.zeros_like(x))
    futures = future_mask = None
    if future_length is not None:
        # Steps past the origin are not observed: a future that needs them is masked.
        padded = torch.cat([x, x.new_zeros(B, future_length, C)], dim=1)  # (B, L + H, C)
        seen = torch.cat([observed, observed.new_zeros(B, future_length)], dim=1)  # (B, L + H)
        stop = L - window + future_length
        futures = padded[:, start + window : stop].unfold(1, future_length, stride)  # (B, N, C, H)
        futures = futures.transpose(2, 3).flip(1)  # (B, N, H, C)
        future_mask = _all_observed(seen, start + window, future_length, stride, N)  # (B, N)
    keys = x[:, start : L - window].unfold(1, window, stride)  # (B, N, C, w), oldest first
    keys = keys.transpose(2, 3).flip(1)  # (B, N, w, C), most recent first

    values = None
    if value_length is not None:
        if value_length > window:
            raise ValueError(f"value_length={value_length} must be <= window={window}.")
        stop = L - window + value_length  # end of the most recent slot's value
        values = x[:, start + window : stop].unfold(1, value_length, stride)  # (B, N, C, v)
        values = values.transpose(2, 3).flip(1)  # (B, N, v, C)

    index, lag = _recency(B, N, window, stride, x.dtype, x.device)  # (B, N) each

    calendar = None
    if time_features is not None:
        last_step = L - window - 1 - torch.arange(N, device=x.device) * stride  # (N,)
        calendar = time_features[:, last_step]  # (B, N, F)

    mask = None
    if has_gaps:
        mask = _all_observed(observed, start, window, stride, N)  # (B, N)
        if future_mask is not None:
            future_mask = future_mask & mask
    return Memory(keys, values, index, lag, calendar, mask, futures, future_mask)


def _recency(
    batch: int, n: int, window: int, stride: int, dtype: torch.dtype, device: torch.device
) -> tuple[Tensor, Tensor]:
    """Recency indices ``j`` and lags ``w + j·s`` of ``n`` slots, (batch, n) each.

    Expanded views of one row: every sample has the same ones, and
    `tsmem.nn.temporal.TemporalEncoding.encode` sees that (stride 0) and encodes them once.
    """
    recency = torch.arange(n, device=device)  # (n,)
    lag = (window + recency * stride).to(dtype)  # (n,)
    return recency.expand(batch, n), lag.expand(batch, n)


def _all_observed(seen: Tensor, start: int, length: int, stride: int, n: int) -> Tensor:
    """Whether each of ``n`` spans of ``seen`` (B, T) is observed throughout, most recent first.

    Span ``k`` (oldest first) is ``[start + k·stride, start + k·stride + length)``. Counted by
    prefix sums of the unobserved steps, O(T): ``unfold(...).all(-1)`` reads every step of
    every span, ``n·length`` steps, and was a visible part of a training step.
    """
    missing = (~seen).cumsum(dim=1)  # (B, T) unobserved steps up to and including each
    missing = torch.cat([missing.new_zeros(seen.shape[0], 1), missing], dim=1)  # (B, T + 1)
    begin = start + stride * torch.arange(n - 1, -1, -1, device=seen.device)  # (n,) newest first
    return missing[:, begin + length] == missing[:, begin]  # (B, n)


def insert_empty_slots(
    memory: Memory, n_empty: int, window: int, stride: int, generator: torch.Generator | None = None
) -> Memory:
    """Insert ``n_empty`` zero slots at random places among the real ones (per sample).

    The real slots keep their order and contents (and calendar features); recency
    indices and lags are recomputed over the ``N + n_empty`` slots, so real slots
    shift back. Empty slots have zero windows, values and calendar features.

    Parameters
    ----------
    memory : Memory
        ``N`` real slots.
    n_empty : int
        Number of empty slots to insert.
    window, stride : int
        To recompute lags ``w + j·s``.
    generator : torch.Generator or None
        Random source for the positions.

    Returns
    -------
    Memory
        ``N + n_empty`` slots.
    """
    if n_empty <= 0:
        return memory
    B, N = memory.index.shape
    total = N + n_empty
    device = memory.keys.device
    rank = torch.rand(B, total, generator=generator, device=device).argsort(dim=1)  # (B, N')
    is_empty = torch.zeros(B, total, dtype=torch.bool, device=device)
    is_empty.scatter_(1, rank[:, :n_empty], True)  # (B, N')
    source = ((~is_empty).cumsum(dim=1) - 1).clamp(min=0)  # (B, N') real slot to copy
    keep = (~is_empty).to(memory.keys.dtype)  # (B, N')

    def spread(t: Tensor | None) -> Tensor | None:
        if t is None:
            return None
        shape = (B, total) + t.shape[2:]
        idx = source.reshape(B, total, *([1] * (t.dim() - 2))).expand(shape)  # (B, N', ...)
        mask = keep.reshape(B, total, *([1] * (t.dim() - 2)))  # (B, N', 1, ...)
        return t.gather(1, idx) * mask

    def spread_mask(t: Tensor | None, empty_readable: bool) -> Tensor | None:
        if t is None:
            return None
        moved = t.gather(1, source) & ~is_empty
        return moved | is_empty if empty_readable else moved

    index, lag = _recency(B, total, window, stride, memory.lag.dtype, device)  # (B, N') each
    return Memory(
        spread(memory.keys),
        spread(memory.values),
        index,
        lag,
        spread(memory.calendar),
        spread_mask(memory.mask, empty_readable=True),  # empty slots are read, as in MemN2N
        spread(memory.futures),
        spread_mask(memory.future_mask, empty_readable=False),  # but have no future
    )
