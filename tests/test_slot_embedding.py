"""The linear encoder's slots are scored and read without building their embeddings.

`SlotEmbedding.scores` / `read` compute ``m_i · u`` and ``Σ p_i m_i`` in window space;
they must equal the same quantities on the built embeddings ``m_i = Enc(M_i) + T(i)``.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

from tsmem.nn import MemNet, MemNetConfig, SlotEmbedding, build_memory
from tsmem.nn.hops import match_scores, read

BASE = MemNetConfig(lookback=60, horizon=6, n_channels=1, window=6, stride=3, d_model=16, hops=2)


def _inputs(config: MemNetConfig, batch: int = 5, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, config.lookback, config.n_channels, generator=g)
    calendar = None
    if config.n_time_features:
        calendar = torch.randn(batch, config.lookback, config.n_time_features, generator=g)
    return x, calendar


@pytest.mark.parametrize(
    "temporal, n_time_features",
    [(("sinusoidal",), 0), (("learned", "sinusoidal"), 0), (("sinusoidal", "calendar"), 3), ((), 0)],
)
def test_window_space_scores_and_reads_equal_the_built_embeddings(temporal, n_time_features):
    config = dataclasses.replace(BASE, temporal_encoding=temporal, n_time_features=n_time_features)
    torch.manual_seed(0)
    embedding = SlotEmbedding(config, config.window)
    with torch.no_grad():  # a bias far from zero, so a term that drops it shows
        embedding.encoder.proj.bias.add_(1.0)
    x, calendar = _inputs(config)
    memory = build_memory(x, config.window, config.stride, time_features=calendar)
    u = torch.randn(x.shape[0], config.d_model)
    p = torch.rand(x.shape[0], memory.keys.shape[1])  # weights that do not sum to 1
    built = embedding(memory.keys, memory)  # (B, N, d)
    prepared = embedding.prepare(memory.keys, memory)
    if temporal and "calendar" not in temporal:
        assert prepared.dim() == 2  # one (N, d) encoding for the whole batch
    torch.testing.assert_close(embedding.scores(u, memory.keys, prepared), match_scores(u, built))
    torch.testing.assert_close(embedding.read(p, memory.keys, prepared), read(p, built))


def test_gradients_match_the_built_embeddings():
    torch.manual_seed(0)
    embedding = SlotEmbedding(BASE, BASE.window)
    x, _ = _inputs(BASE)
    memory = build_memory(x, BASE.window, BASE.stride)
    u = torch.randn(x.shape[0], BASE.d_model)
    p = torch.rand(x.shape[0], memory.keys.shape[1])

    def grads(loss):
        embedding.zero_grad()
        loss.backward()
        return [param.grad.clone() for param in embedding.parameters()]

    prepared = embedding.prepare(memory.keys, memory)
    fast = grads((embedding.scores(u, memory.keys, prepared) ** 2).sum()
                 + embedding.read(p, memory.keys, prepared).sum())
    built = embedding(memory.keys, memory)
    slow = grads((match_scores(u, built) ** 2).sum() + read(p, built).sum())
    for a, b in zip(fast, slow, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-4)  # sums of ~30: float rounding


@pytest.mark.parametrize("encoder", ["conv", "gru"])
def test_other_encoders_build_their_embeddings(encoder):
    config = dataclasses.replace(BASE, encoder=encoder)
    embedding = SlotEmbedding(config, config.window)
    x, _ = _inputs(config)
    memory = build_memory(x, config.window, config.stride)
    prepared = embedding.prepare(memory.keys, memory)
    assert prepared.shape == (x.shape[0], memory.keys.shape[1], config.d_model)


def test_a_linear_encoder_network_forecasts_as_with_built_embeddings():
    """A whole network's forecast with window-space hops equals one that builds embeddings."""
    torch.manual_seed(0)
    config = dataclasses.replace(BASE, addressing="learned", futures=False)
    model = MemNet(config).eval()
    x, _ = _inputs(config, batch=4, seed=1)
    fast = model(x).forecast

    def built_prepare(self, windows, memory):
        return self(windows, memory)

    def built_scores(self, u, windows, prepared):
        return match_scores(u, prepared)

    def built_read(self, p, windows, prepared):
        return read(p, prepared)

    patched = {"prepare": built_prepare, "scores": built_scores, "read": built_read}
    originals = {name: getattr(SlotEmbedding, name) for name in patched}
    try:
        for name, fn in patched.items():
            setattr(SlotEmbedding, name, fn)
        slow = model(x).forecast
    finally:
        for name, fn in originals.items():
            setattr(SlotEmbedding, name, fn)
    torch.testing.assert_close(fast, slow)
