"""MemNet learns: it overfits a sine, and its memory solves a task the controller cannot.

Accuracy bounds are pinned (fixed seeds, one thread): a regression fails a test.
"""

import torch
import torch.nn.functional as F

from tsmem.nn import MemNet, MemNetConfig


def train(model, batches, steps, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for step in range(steps):
        x, y = batches(step)
        loss = F.mse_loss(model(x).forecast, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def test_overfits_a_tiny_sine():
    torch.manual_seed(0)
    L, H = 32, 8
    t = torch.arange(200, dtype=torch.float32)
    series = torch.sin(2 * torch.pi * t / 17) + 0.5 * torch.sin(2 * torch.pi * t / 5)
    starts = torch.arange(0, 200 - L - H, 3)
    x = torch.stack([series[s : s + L] for s in starts]).unsqueeze(-1)  # (B, L, 1)
    y = torch.stack([series[s + L : s + L + H] for s in starts]).unsqueeze(-1)  # (B, H, 1)
    cfg = MemNetConfig(lookback=L, horizon=H, window=8, stride=4, d_model=16, dropout=0.0)
    model = train(MemNet(cfg), lambda step: (x, y), steps=300, lr=1e-2)
    with torch.no_grad():
        mse = F.mse_loss(model(x).forecast, y).item()
    assert mse < 1e-3, mse  # measured 4e-5; the series has variance 0.625


# -- memory does the work -------------------------------------------------------------------
#
# Each sample is a random ±1 pattern of random period P in [12, 20], repeated. The next
# H = 4 values equal the values one period back, which lie in the memory region (P >=
# window + H), never in the 8-step query window. A controller reading only the query can
# do no better than predicting 0 (MSE 1); a key-value memory finds the slot whose window
# matches the query and reads what followed it.

LOOKBACK, WINDOW, HORIZON = 48, 8, 4


def periodic_batch(batch, generator):
    period = torch.randint(12, 21, (batch, 1), generator=generator)  # (B, 1)
    pattern = torch.randint(0, 2, (batch, 20), generator=generator).float() * 2 - 1  # (B, 20)
    t = torch.arange(LOOKBACK + HORIZON).unsqueeze(0)  # (1, L + H)
    series = pattern.gather(1, t % period)  # (B, L + H)
    return series[:, :LOOKBACK, None], series[:, LOOKBACK:, None]  # (B, L, 1), (B, H, 1)


def fit_periodic(hops):
    torch.manual_seed(0)
    cfg = MemNetConfig(
        lookback=LOOKBACK, horizon=HORIZON, window=WINDOW, stride=1, d_model=32, hops=hops,
        key_value=True, value_length=HORIZON, weight_tying="layerwise", temporal_encoding=(),
        attention="dot", hop_update="additive", revin=False, dropout=0.0,
    )  # fmt: skip
    gen = torch.Generator().manual_seed(0)
    model = train(MemNet(cfg), lambda step: periodic_batch(64, gen), steps=500, lr=3e-3)
    x, y = periodic_batch(512, torch.Generator().manual_seed(123))
    with torch.no_grad():
        out = model(x)
    return F.mse_loss(out.forecast, y).item(), out.attention, x


def test_memory_beats_the_controller_alone_on_a_long_period():
    memnet_mse, attention, x = fit_periodic(hops=1)
    controller_mse, _, _ = fit_periodic(hops=0)
    assert memnet_mse < 0.15, memnet_mse  # measured 0.041
    assert controller_mse > 0.9, controller_mse  # measured 1.00: chance level
    # It reads the right place: the top slot's window equals the query window.
    top = attention[:, 0, 0].argmax(-1)  # (B,)
    slot_end = LOOKBACK - WINDOW - top  # stride 1
    keys = torch.stack([x[b, e - WINDOW : e, 0] for b, e in enumerate(slot_end.tolist())])
    match = (keys == x[:, -WINDOW:, 0]).all(-1).float().mean().item()
    assert match > 0.9, match
