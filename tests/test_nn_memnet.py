"""MemNet: shapes over the option product, gradients, channels, lengths, input errors."""

import itertools

import pytest
import torch

from tsmem.nn import MemNet, MemNetConfig

B, C, F, W, S, H = 2, 2, 3, 4, 2, 3
L = 2 * W + 2 * S  # N = 3 slots
TEMPORAL = [(), ("learned",), ("sinusoidal",), ("calendar",), ("learned", "sinusoidal", "calendar")]

CATEGORICAL = list(
    itertools.product(
        ["gru", "lstm"],  # controller
        ["linear", "conv", "gru"],  # encoder
        ["additive", "gated", "recurrent"],  # hop_update
        ["linear", "nonlinear", "contextual"],  # output
        ["adjacent", "layerwise"],  # weight_tying
        ["independent", "mixing"],  # channel_mode
        [False, True],  # key_value
    )
)


def config_for(i, combo, **overrides):
    """A tiny config for the i-th combination; the non-categorical options rotate with i."""
    controller, encoder, hop_update, output, tying, channel_mode, key_value = combo
    temporal = TEMPORAL[i % len(TEMPORAL)]
    kv_len = W if (tying == "adjacent" and encoder == "linear") else W - 1
    kw = dict(
        lookback=L,
        horizon=H,
        n_channels=C,
        window=W,
        stride=S,
        d_model=6,
        hops=1 + i % 3,
        controller=controller,
        encoder=encoder,
        temporal_encoding=temporal,
        n_time_features=F if "calendar" in temporal else 0,
        key_value=key_value,
        value_length=kv_len if key_value else None,
        attention=("dot", "scaled")[i % 2],
        hop_update=hop_update,
        learned_h=(i // 2) % 2 == 0,
        shared_gates=(i // 3) % 2 == 0,
        nonlinear_hops=(i // 5) % 2 == 0,
        weight_tying=tying,
        output=output,
        ar_window=3 if i % 4 == 0 else 0,
        revin=(i // 2) % 2 == 1,
        quantiles=(0.1, 0.5, 0.9) if i % 3 == 0 else None,
        channel_mode=channel_mode,
        empty_slot_rate=0.3 if i % 7 == 0 else 0.0,
        dropout=0.0,
    )
    kw.update(overrides)
    return MemNetConfig(**kw)


def inputs(cfg, batch=B, length=L):
    x = torch.randn(batch, length, cfg.n_channels)
    tf = torch.randn(batch, length, cfg.n_time_features) if cfg.n_time_features else None
    return x, tf


@pytest.mark.parametrize(("i", "combo"), list(enumerate(CATEGORICAL)))
def test_shapes_and_gradients_for_every_combination(i, combo):
    torch.manual_seed(i)
    cfg = config_for(i, combo)
    model = MemNet(cfg)
    x, tf = inputs(cfg)

    out = model(x, tf)  # training mode: empty slots may be inserted
    Q = () if cfg.quantiles is None else (3,)
    G = C if cfg.channel_mode == "independent" else 1
    n_train = cfg.n_slots + (cfg.n_empty_slots if cfg.empty_slot_rate else 0)
    assert out.forecast.shape == (B, H, C, *Q)
    assert out.attention.shape == (B, G, cfg.hops, n_train)
    assert torch.isfinite(out.forecast).all()

    # Every parameter that exists is used: it gets a non-zero gradient.
    out.forecast.square().mean().backward()
    dead = [n for n, p in model.named_parameters() if p.grad is None or p.grad.abs().sum() == 0]
    assert dead == []

    model.eval()
    with torch.no_grad():
        out = model(x, tf)
    assert out.attention.shape == (B, G, cfg.hops, cfg.n_slots)
    assert torch.allclose(out.attention.sum(-1), torch.ones(B, G, cfg.hops))


@pytest.mark.parametrize("controller", ["gru", "lstm"])
@pytest.mark.parametrize("output", ["linear", "nonlinear"])
def test_controller_only_baseline_has_no_memory_parameters(controller, output):
    torch.manual_seed(0)
    cfg = MemNetConfig(
        lookback=L, horizon=H, n_channels=C, window=W, stride=S, d_model=6, hops=0,
        controller=controller, output=output, key_value=True, hop_update="gated", dropout=0.0,
    )  # fmt: skip
    model = MemNet(cfg)
    names = {n.split(".")[0] for n, _ in model.named_parameters()}
    assert names == {"revin", "controller", "head"}
    x, _ = inputs(cfg)
    out = model(x)
    assert out.forecast.shape == (B, H, C)
    assert out.attention.shape == (B, C, 0, 0)
    out.forecast.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_channel_independent_equals_one_channel_model_per_channel():
    torch.manual_seed(0)
    kw = dict(lookback=L, horizon=H, window=W, stride=S, d_model=6, revin=False, dropout=0.0)
    multi = MemNet(MemNetConfig(n_channels=3, **kw)).eval()
    single = MemNet(MemNetConfig(n_channels=1, **kw)).eval()
    single.load_state_dict(multi.state_dict())
    x = torch.randn(4, L, 3)
    out = multi(x)
    for ch in range(3):
        alone = single(x[:, :, ch : ch + 1])
        assert torch.allclose(out.forecast[:, :, ch], alone.forecast[:, :, 0], atol=1e-6)
        assert torch.allclose(out.attention[:, ch], alone.attention[:, 0], atol=1e-6)


@pytest.mark.parametrize(("mode", "mixes"), [("independent", False), ("mixing", True)])
def test_channel_mixing_lets_channels_see_each_other(mode, mixes):
    torch.manual_seed(0)
    cfg = MemNetConfig(
        lookback=L, horizon=H, n_channels=2, window=W, stride=S, d_model=6,
        channel_mode=mode, revin=False, dropout=0.0,
    )  # fmt: skip
    model = MemNet(cfg).eval()
    x = torch.randn(3, L, 2)
    x2 = x.clone()
    x2[:, :, 1] += torch.randn(3, L)
    changed = not torch.allclose(model(x).forecast[:, :, 0], model(x2).forecast[:, :, 0])
    assert changed == mixes


def test_sinusoidal_model_reads_a_longer_memory_learned_one_refuses():
    torch.manual_seed(0)
    kw = dict(lookback=L, horizon=H, window=W, stride=S, d_model=6, dropout=0.0)
    model = MemNet(MemNetConfig(temporal_encoding=("sinusoidal",), **kw)).eval()
    out = model(torch.randn(2, 4 * L, 1))
    assert out.forecast.shape == (2, H, 1)
    assert out.attention.shape == (2, 1, 2, (4 * L - 2 * W) // S + 1)
    learned = MemNet(
        MemNetConfig(temporal_encoding=("learned", "sinusoidal"), memory="lookback", **kw)
    )
    with pytest.raises(ValueError, match=f"'learned' temporal encoding .* lookback={L}"):
        learned(torch.randn(2, 4 * L, 1))
    # With memory="history" the learned table has max_slots rows: longer inputs are read.
    history = MemNet(MemNetConfig(temporal_encoding=("learned",), max_slots=16, **kw)).eval()
    assert history(torch.randn(2, 4 * L, 1)).attention.shape == (2, 1, 2, 16)
    with pytest.raises(ValueError, match="needs at least 8"):
        model(torch.randn(2, 2 * W - 1, 1))


def test_calendar_features_are_used_and_checked():
    torch.manual_seed(0)
    cfg = MemNetConfig(
        lookback=L, horizon=H, window=W, stride=S, d_model=6,
        temporal_encoding=("calendar",), n_time_features=F, dropout=0.0,
    )  # fmt: skip
    model = MemNet(cfg).eval()
    x, tf = inputs(cfg)
    base = model(x, tf)
    tf2 = tf.clone()
    tf2[:, : L - W] += 1.0  # memory timestamps only
    assert not torch.allclose(model(x, tf2).attention, base.attention)
    with pytest.raises(ValueError, match="pass time_features"):
        model(x)
    with pytest.raises(ValueError, match=r"time_features must have shape \(batch, lookback, 3\)"):
        model(x, tf[:, :, :2])
    plain = MemNet(MemNetConfig(lookback=L, horizon=H, window=W, stride=S, d_model=6))
    with pytest.raises(ValueError, match="no 'calendar' temporal encoding"):
        plain(x, tf)


def test_wrong_channel_count_is_a_clear_error():
    model = MemNet(MemNetConfig(lookback=L, horizon=H, n_channels=2, window=W, stride=S))
    with pytest.raises(ValueError, match=r"n_channels=2\); got \(2, 12, 3\)"):
        model(torch.randn(2, L, 3))


def test_empty_slots_only_in_training():
    torch.manual_seed(0)
    cfg = MemNetConfig(
        lookback=L, horizon=H, window=W, stride=S, d_model=6, empty_slot_rate=0.5, dropout=0.0
    )
    model = MemNet(cfg)
    x = torch.randn(5, L, 1)
    assert model(x).attention.shape[-1] == 3 + 2
    assert model.eval()(x).attention.shape[-1] == 3


def test_linear_start_removes_the_softmax_until_switched_off():
    torch.manual_seed(0)
    cfg = MemNetConfig(
        lookback=L, horizon=H, window=W, stride=S, d_model=6, linear_start=True, dropout=0.0
    )
    model = MemNet(cfg).eval()
    x = torch.randn(5, L, 1)
    assert model.linear_start_active
    raw = model(x).attention
    assert not torch.allclose(raw.sum(-1), torch.ones_like(raw.sum(-1)))
    model.linear_start_active = False
    p = model(x).attention
    assert torch.allclose(p.sum(-1), torch.ones_like(p.sum(-1)))
    assert (p >= 0).all()


def test_quantile_forecast_and_revin_scale():
    torch.manual_seed(0)
    cfg = MemNetConfig(
        lookback=L, horizon=H, window=W, stride=S, d_model=6, quantiles=(0.1, 0.5, 0.9)
    )
    model = MemNet(cfg).eval()
    x = torch.randn(4, L, 1)
    out = model(x).forecast
    assert out.shape == (4, H, 1, 3)
    # RevIN: shifting and scaling the input shifts and scales the forecast.
    assert torch.allclose(model(10 * x + 1000).forecast, 10 * out + 1000, atol=1e-2)


def test_dropout_only_in_training():
    torch.manual_seed(0)
    cfg = MemNetConfig(lookback=L, horizon=H, window=W, stride=S, d_model=16, dropout=0.5)
    model = MemNet(cfg)
    x = torch.randn(3, L, 1)
    assert not torch.allclose(model(x).forecast, model(x).forecast)
    model.eval()
    assert torch.equal(model(x).forecast, model(x).forecast)


@pytest.mark.parametrize("tying", ["adjacent", "layerwise"])
def test_a_futures_only_memory_keeps_the_controller_state_and_adds_only_addressing(tying):
    """hop_update='none': the memory adds one addressing embedding, the temperature and the
    futures gate, all trained; with the gate shut the forecast is the controller's own."""
    torch.manual_seed(0)
    cfg = MemNetConfig(
        lookback=48, horizon=H, window=W, stride=S, d_model=6, hops=1, hop_update="none",
        weight_tying=tying, nonlinear_hops=True, max_slots=8, dropout=0.0,
    )  # fmt: skip
    model = MemNet(cfg)
    added = {n.split(".")[0] for n, _ in model.named_parameters()} - {"revin", "controller", "head"}
    assert added == {"embeddings", "log_temperature", "futures_read"} and len(model.embeddings) == 1
    x = torch.randn(B, cfg.context_length, 1)
    model(x).forecast.square().mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())

    with torch.no_grad():
        model.futures_read.gate.bias.fill_(-1e4)  # the read futures weigh nothing
        gate_shut = model(x).forecast
        model.memory_open.fill_(False)  # the controller alone
        controller = model(x).forecast
    torch.testing.assert_close(gate_shut, controller)  # no hop moved the state (nonlinear_hops too)
