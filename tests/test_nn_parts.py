"""Small pieces of tsmem.nn: slot layout, hop updates, reads, encodings, RevIN, heads."""

import math

import pytest
import torch

from tsmem.nn import (
    AdditiveUpdate,
    ContextualRead,
    GatedUpdate,
    RevIN,
    attention_weights,
    build_memory,
    insert_empty_slots,
    make_hop_updates,
    make_window_encoder,
    read,
    sinusoidal_encoding,
)


def ramp(B=2, L=20, C=1):
    """x[b, t, c] = 100·b + 10·c + t: every value says where it came from."""
    t = torch.arange(L, dtype=torch.float32)
    return (
        100 * torch.arange(B).view(B, 1, 1) + 10 * torch.arange(C).view(1, 1, C) + t.view(1, L, 1)
    ).float()


# -- slot layout ------------------------------------------------------------------------


def test_slots_are_anchored_at_the_query_most_recent_first():
    x = ramp(L=20)  # w=4, s=3: N = (20 - 8) // 3 + 1 = 5
    mem = build_memory(x, window=4, stride=3)
    assert mem.keys.shape == (2, 5, 4, 1)
    # M_1 ends right before the query x[16:20]; slot j ends at 16 - 3j.
    for j in range(5):
        end = 16 - 3 * j
        assert mem.keys[0, j, :, 0].tolist() == list(range(end - 4, end))
    assert mem.keys[1, 0, :, 0].tolist() == [112.0, 113.0, 114.0, 115.0]
    assert mem.index[0].tolist() == [0, 1, 2, 3, 4]
    assert mem.lag[0].tolist() == [4.0, 7.0, 10.0, 13.0, 16.0]  # w + j·s
    assert mem.values is None and mem.calendar is None


def test_values_follow_their_keys_and_calendar_is_the_last_step():
    x = ramp(L=20, C=2)
    tf = torch.stack([torch.arange(20.0), -torch.arange(20.0)], dim=-1).expand(2, 20, 2)
    mem = build_memory(x, window=4, stride=3, value_length=3, time_features=tf)
    assert mem.values.shape == (2, 5, 3, 2)
    for j in range(5):
        end = 16 - 3 * j
        assert mem.values[0, j, :, 1].tolist() == [10.0 + t for t in range(end, end + 3)]
        assert mem.calendar[0, j].tolist() == [end - 1.0, -(end - 1.0)]
    # That loop is the no-leak check: the newest value (slot 1's, x[16:19]) ends before the
    # origin x[19]; every value of the ramp names its own time step, so a shift would show.


def test_empty_slots_keep_real_slots_in_order():
    torch.manual_seed(0)
    x = ramp(B=4, L=20)
    mem = build_memory(x, window=4, stride=3, value_length=2)
    noisy = insert_empty_slots(mem, n_empty=3, window=4, stride=3)
    assert noisy.keys.shape == (4, 8, 4, 1) and noisy.values.shape == (4, 8, 2, 1)
    assert noisy.lag[0].tolist() == [4.0 + 3 * j for j in range(8)]
    for b in range(4):
        empty = noisy.keys[b].abs().sum(dim=(1, 2)) == 0
        assert int(empty.sum()) == 3
        assert torch.equal(noisy.keys[b][~empty], mem.keys[b])
        assert torch.equal(noisy.values[b][~empty], mem.values[b])


# -- reads and hop updates ------------------------------------------------------------------


def test_read_with_attention_forced_onto_one_slot_returns_its_value():
    torch.manual_seed(0)
    B, N, d = 3, 6, 5
    u = torch.randn(B, d)
    m = torch.randn(B, N, d) * 0.01
    target = torch.tensor([0, 4, 2])
    m[torch.arange(B), target] = 100 * u  # slot target[b] dominates
    c = torch.randn(B, N, d)
    p = attention_weights(u, m, temperature=1.0)
    assert torch.allclose(p.sum(-1), torch.ones(B))
    assert torch.equal(p.argmax(-1), target)
    o = read(p, c)
    assert torch.allclose(o, c[torch.arange(B), target], atol=1e-5)


def test_scaled_attention_and_linear_start_scores():
    u = torch.tensor([[1.0, 2.0]])
    m = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    raw = attention_weights(u, m, temperature=2.0, softmax=False)
    assert torch.allclose(raw, torch.tensor([[0.5, 1.0]]))
    p = attention_weights(u, m, temperature=2.0)
    assert torch.allclose(p, torch.softmax(torch.tensor([[0.5, 1.0]]), -1))


def test_gated_update_matches_gmemn2n_formula_by_hand():
    gate = GatedUpdate(2)
    with torch.no_grad():
        gate.gate.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0]]))
        gate.gate.bias.copy_(torch.tensor([0.0, -1.0]))
    u = torch.tensor([[1.0, 0.5]])
    o = torch.tensor([[3.0, -1.0]])
    # g = σ(W_g u + b_g) = σ([1, 0]) = [0.7310586, 0.5]; u' = g ⊙ o + (1 − g) ⊙ u
    s1 = 1 / (1 + math.exp(-1))
    expected = torch.tensor([[s1 * 3 + (1 - s1) * 1, 0.5 * -1 + 0.5 * 0.5]])
    assert torch.allclose(gate(u, o), expected)
    assert torch.allclose(expected, torch.tensor([[2.4621172, -0.25]]))


def test_additive_update_identity_and_learned_h():
    u, o = torch.randn(4, 3), torch.randn(4, 3)
    assert torch.equal(AdditiveUpdate(3)(u, o), u + o)
    learned = AdditiveUpdate(3, learned=True)
    assert torch.allclose(learned(u, o), u + o)  # H starts at I
    with torch.no_grad():
        learned.H.weight.mul_(2)
    assert torch.allclose(learned(u, o), 2 * u + o)


def test_hop_update_sharing():
    def count(m):
        return sum(p.numel() for p in m.parameters())

    assert len(make_hop_updates("gated", 4, hops=3)) == 3
    assert len(make_hop_updates("gated", 4, hops=3, shared_gates=True)) == 1
    assert count(make_hop_updates("additive", 4, hops=3)) == 0
    assert count(make_hop_updates("additive", 4, hops=3, learned_h=True)) == 16
    assert len(make_hop_updates("recurrent", 4, hops=3)) == 1
    assert len(make_hop_updates("none", 4, hops=1)) == 0  # the state is never updated
    with pytest.raises(ValueError, match="hop_update"):
        make_hop_updates("sum", 4, hops=3)


def test_contextual_read_depends_on_the_query():
    torch.manual_seed(0)
    read_ctx = ContextualRead(3)
    p = torch.tensor([[0.0, 1.0]])
    c = torch.randn(1, 2, 3)
    u = torch.randn(1, 3)
    expected = torch.tanh(c[:, 1] + u @ read_ctx.query_proj.weight.T)
    assert torch.allclose(read_ctx(p, c, u), expected)
    assert not torch.allclose(read_ctx(p, c, -u), expected)


# -- encoders, temporal encodings, RevIN ----------------------------------------------------


@pytest.mark.parametrize("kind", ["linear", "conv", "gru"])
def test_window_encoders_shape(kind):
    enc = make_window_encoder(kind, length=5, in_channels=3, d_model=7)
    assert enc(torch.randn(2, 4, 5, 3)).shape == (2, 4, 7)


def test_sinusoidal_encoding_values_and_odd_size():
    pe = sinusoidal_encoding(torch.tensor([[0.0, 3.0]]), d_model=5)
    assert pe.shape == (1, 2, 5)
    assert torch.allclose(pe[0, 0], torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0]))
    assert torch.isclose(pe[0, 1, 0], torch.sin(torch.tensor(3.0)))
    assert torch.isclose(pe[0, 1, 1], torch.cos(torch.tensor(3.0)))


def test_revin_round_trip_and_quantile_axis():
    torch.manual_seed(0)
    revin = RevIN(2)
    with torch.no_grad():
        revin.weight.copy_(torch.tensor([2.0, 0.5]))
        revin.bias.copy_(torch.tensor([1.0, -1.0]))
    x = torch.randn(3, 10, 2) * 5 + 7
    z, stats = revin.normalize(x)
    assert torch.allclose(((z - revin.bias) / revin.weight).mean(1), torch.zeros(3, 2), atol=1e-5)
    assert torch.allclose(revin.denormalize(z, stats), x, atol=1e-4)
    zq = torch.stack([z, z], dim=-1)  # (B, L, C, Q)
    assert torch.allclose(revin.denormalize(zq, stats)[..., 1], x, atol=1e-4)
