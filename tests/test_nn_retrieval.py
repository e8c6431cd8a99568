"""Memory that earns its place: likeness addressing, retrieved futures, long memory, no-op start."""

import math

import pytest
import torch

from tsmem.nn import MemNet, MemNetConfig, build_memory
from tsmem.nn.retrieval import FuturesRead, align_futures, masked_softmax, pearson_scores


def test_pearson_scores_see_affine_copies_whatever_the_weights():
    torch.manual_seed(0)
    query = torch.randn(2, 8, 1)
    keys = torch.stack([3 * query + 5, -query, torch.randn(2, 8, 1)], dim=1)  # (2, 3, 8, 1)
    scores = pearson_scores(query, keys)
    assert scores[:, 0] == pytest.approx(1.0, abs=1e-3)
    assert scores[:, 1] == pytest.approx(-1.0, abs=1e-3)
    assert bool((scores[:, 2].abs() < 0.99).all())


def test_zscore_alignment_moves_a_future_by_the_map_from_its_window_to_the_query():
    torch.manual_seed(0)
    key = torch.randn(1, 1, 8, 1)
    future = torch.randn(1, 1, 4, 1)
    query = 2.0 * key[:, 0] + 7.0  # the query is an affine copy of the slot window
    aligned = align_futures(query, key, future, "zscore")
    assert torch.allclose(aligned, 2.0 * future + 7.0, atol=0.05)
    offset = align_futures(query, key, future, "offset")
    assert torch.allclose(offset, future + (query[:, -1] - key[:, 0, -1]).reshape(1, 1, 1, 1))
    assert torch.equal(align_futures(query, key, future, "none"), future)


def test_masked_softmax_reads_only_allowed_slots_and_top_k():
    scores = torch.tensor([[3.0, 2.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    mask = torch.tensor([[False, True, True, True], [False, False, False, False]])
    p = masked_softmax(scores, mask)
    assert p[0, 0] == 0 and p[0].sum() == pytest.approx(1.0)
    assert torch.equal(p[1], torch.zeros(4))  # nothing readable: no read at all
    top = masked_softmax(scores, mask, top_k=1)
    assert torch.equal(top[0], torch.tensor([0.0, 1.0, 0.0, 0.0]))


def test_no_future_value_reaches_past_the_origin():
    # Steps are numbered, so every future value says which step it came from.
    L, w, s, H = 30, 4, 1, 6
    x = torch.arange(L, dtype=torch.float32).reshape(1, L, 1)
    memory = build_memory(x, w, s, future_length=H)
    futures, allowed = memory.futures[0, :, :, 0], memory.future_mask[0]
    for j in range(futures.shape[0]):
        window_end = L - w - j * s  # first step after slot j's window
        if allowed[j]:
            assert window_end + H <= L  # the whole future was observed
            assert torch.equal(futures[j], torch.arange(window_end, window_end + H).float())
        else:
            assert window_end + H > L
    assert int(allowed.sum()) == futures.shape[0] - math.ceil((H - w) / s)
    # And no step at or after the origin changes what a masked-in slot reads.
    assert futures[allowed].max() < L


def test_nan_padding_of_a_long_memory_is_masked_everywhere():
    x = torch.randn(1, 40, 1)
    x[:, :10] = math.nan  # a series 30 steps long in a 40-step memory
    memory = build_memory(x, 4, 2, future_length=3)
    starts = 40 - 4 - (4 + torch.arange(memory.keys.shape[1]) * 2)  # first step of each slot
    assert torch.equal(memory.mask[0], starts >= 10)
    assert bool(torch.isfinite(memory.keys).all()) and bool(torch.isfinite(memory.futures).all())
    model = MemNet(MemNetConfig(lookback=16, horizon=3, window=4, stride=2, d_model=8)).eval()
    assert bool(torch.isfinite(model(x).forecast).all())
    with pytest.raises(ValueError, match="NaN or inf in the last lookback=16"):
        model(torch.full((1, 40, 1), math.nan))
    # Training through padded (flat, zero) slots keeps every gradient finite.
    model.train()
    model(x).forecast.square().mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is None or bool(torch.isfinite(p.grad).all()), name


def test_one_hop_on_lag_encoded_slots_expresses_seasonal_naive_exactly():
    torch.manual_seed(0)
    m, H, L = 7, 5, 40  # period 7, five steps ahead
    cfg = MemNetConfig(
        lookback=L, horizon=H, window=m, stride=1, d_model=4, hops=1, addressing="learned",
        temporal_encoding=("learned",), value_alignment="none", revin=False, dropout=0.0,
        memory="lookback",
    )
    model = MemNet(cfg).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        gru = model.controller.rnn  # z-gate shut, candidate tanh(b): u = tanh(1) · 1, constant
        gru.bias_ih_l0[cfg.d_model : 2 * cfg.d_model] = -30.0
        gru.bias_ih_l0[2 * cfg.d_model :] = 1.0
        model.embeddings[0].temporal.learned.weight[0] = 100.0  # slot 0: lag w = m
        model.futures_read.gate.bias.fill_(60.0)  # read only the memory
    x = torch.randn(3, L, 1)
    forecast = model(x).forecast[:, :, 0]
    seasonal_naive = x[:, L - m : L - m + H, 0]  # y[t + h] = y[t + h - m]
    assert torch.allclose(forecast, seasonal_naive, atol=1e-5)


def test_noop_start_begins_as_the_controller_alone():
    torch.manual_seed(0)
    kw = dict(lookback=48, horizon=4, window=8, stride=2, d_model=8, dropout=0.0, revin=False)
    memory = MemNet(MemNetConfig(hops=2, **kw)).eval()
    alone = MemNet(MemNetConfig(hops=0, **kw)).eval()
    alone.controller.load_state_dict(memory.controller.state_dict())
    alone.head.load_state_dict(memory.head.state_dict())
    opened = MemNet(MemNetConfig(hops=2, noop_start=False, **kw)).eval()
    opened.controller.load_state_dict(memory.controller.state_dict())
    opened.head.load_state_dict(memory.head.state_dict())
    x = torch.randn(16, 48, 1)
    with torch.no_grad():
        gap = (memory(x).forecast - alone(x).forecast).abs().mean()
        open_gap = (opened(x).forecast - alone(x).forecast).abs().mean()
    # Gates start at σ(−4) ≈ 0.018: the forecast moves by a few hundredths of the data's
    # scale, against a tenth or more when the gates start half open.
    assert gap < 0.03 * x.abs().mean()
    assert gap < 0.2 * open_gap


def test_futures_correction_starts_as_the_plain_read_and_learns_what_it_cannot():
    torch.manual_seed(0)
    B, N, w, H, d = 64, 12, 8, 4, 16
    inputs = (torch.randn(B, N), torch.ones(B, N, dtype=torch.bool), torch.randn(B, w, 1),
              torch.randn(B, N, w, 1), torch.randn(B, N, H, 1), torch.randn(B, d))
    plain = FuturesRead(d, H, "none", 0, noop_start=True)
    corrected = FuturesRead(d, H, "none", 0, noop_start=True, correction=True)
    read, _, _ = plain(*inputs)
    start, _, _ = corrected(*inputs)
    assert torch.equal(start, read)  # zero at the start: the read as it is

    target = 0.5 * read.detach() + 0.3  # the analogues overshoot by 2x and sit 0.3 low
    before = torch.mean((read - target) ** 2).item()
    optimiser = torch.optim.Adam(corrected.correction.parameters(), lr=0.05)
    for _ in range(300):
        optimiser.zero_grad()
        loss = torch.mean((corrected(*inputs)[0] - target) ** 2)
        loss.backward()
        optimiser.step()
    assert loss.item() < 0.01 * before
    with torch.no_grad():  # the plain read has no weight that moves r itself
        assert torch.equal(plain(*inputs)[0], read)


def _recall_batch(generator, batch, motifs=6, w=8, H=8, repeats=24):
    """Series made of random motifs (new ones per series), ending in a repeated motif's start.

    The answer (the motif's continuation) is only in the series' own past: nothing is
    periodic, and no weight can memorise the motifs, which are drawn anew per series.
    """
    pieces = torch.randn(batch, motifs, w + H, generator=generator)
    order = torch.randint(0, motifs, (batch, repeats), generator=generator)
    body = pieces[torch.arange(batch)[:, None], order].reshape(batch, -1)  # (B, repeats·(w+H))
    last = order[:, 0]  # a motif that occurred before
    key, answer = pieces[torch.arange(batch), last, :w], pieces[torch.arange(batch), last, w:]
    x = torch.cat([body, key], dim=1).unsqueeze(-1)  # (B, L, 1)
    return x, answer.unsqueeze(-1)


def _train_recall(hops, steps=60, seed=0):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    w, H = 8, 8
    x, _ = _recall_batch(generator, 1)
    cfg = MemNetConfig(
        lookback=32, horizon=H, window=w, stride=1, d_model=16, hops=hops, dropout=0.0,
        max_slots=x.shape[1],
    )
    model = MemNet(cfg)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        x, y = _recall_batch(generator, 32)
        loss = (model(x).forecast - y).abs().mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    test = torch.Generator().manual_seed(1000 + seed)
    x, y = _recall_batch(test, 256)
    with torch.no_grad():
        return float((model(x).forecast - y).abs().mean()), float(y.abs().mean())


def test_memory_recalls_what_only_the_series_own_past_holds():
    memory_mae, zero_mae = _train_recall(hops=1)
    alone_mae, _ = _train_recall(hops=0)
    # The controller alone cannot know the continuation: it scores about as the zero
    # forecast (~0.8 for N(0, 1) values); the memory reads it off the earlier occurrence.
    assert alone_mae > 0.8 * zero_mae
    assert memory_mae < 0.05 * alone_mae, (memory_mae, alone_mae, zero_mae)


def test_memory_dropout_trains_a_solo_head_that_forecasts_with_the_memory_shut():
    torch.manual_seed(0)
    cfg = MemNetConfig(lookback=32, horizon=4, window=8, stride=4, d_model=8, memory_dropout=0.5,
                       dropout=0.0)
    model = MemNet(cfg)
    x = torch.randn(64, 32, 1)
    model(x).forecast.square().mean().backward()  # a training step: both heads learn
    assert model.solo_head.net.weight.grad.abs().sum() > 0 and model.head.net.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        opened = model(x).forecast
        model.memory_open.fill_(False)
        shut = model(x).forecast
    alone = MemNet(MemNetConfig(lookback=32, horizon=4, window=8, stride=4, d_model=8, hops=0,
                                dropout=0.0)).eval()
    alone.controller.load_state_dict(model.controller.state_dict())
    alone.head.load_state_dict(model.solo_head.state_dict())
    alone.revin.load_state_dict(model.revin.state_dict())
    assert torch.allclose(shut, alone(x).forecast, atol=1e-6)  # shut = controller + solo head
    assert not torch.allclose(opened, shut)
