"""MemNetConfig: validation with clear errors, normalisation, derived sizes."""

import numpy as np
import pytest

from tsmem.nn import MemNetConfig, n_slots


def make(**overrides):
    base = dict(lookback=32, horizon=4, window=8, stride=4)
    base.update(overrides)
    return MemNetConfig(**base)


def test_slot_count_formula():
    assert n_slots(32, 8, 4) == (32 - 16) // 4 + 1 == 5
    assert n_slots(15, 8, 4) == 0
    assert make().n_slots == 5
    assert make(hops=0).n_slots == 0
    assert make(empty_slot_rate=0.3).n_empty_slots == 2  # ceil(0.3 * 5)


def test_long_memory_sizes():
    # Slot j's window ends w + j·s steps before the origin; its H-step future is
    # observed from j = ceil((H - w) / s) on.
    assert make(horizon=4).first_future_slot == 0
    assert make(horizon=20).first_future_slot == 3  # (20 - 8) / 4
    assert make(memory="lookback").context_length == 32
    assert make(max_slots=10).context_length == 2 * 8 + 9 * 4
    assert make(max_slots=2).context_length == 32  # never shorter than the lookback
    assert make(max_slots=10).capacity == 10 and make(memory="lookback").capacity == 5


def test_lists_become_tuples_and_numpy_ints_are_accepted():
    cfg = make(
        temporal_encoding=["learned", "sinusoidal"], quantiles=[0.1, 0.9], d_model=np.int64(8)
    )
    assert cfg.temporal_encoding == ("learned", "sinusoidal")
    assert cfg.quantiles == (0.1, 0.9)
    assert type(cfg.d_model) is int
    assert MemNetConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        (dict(lookback=15, memory="lookback"), r"lookback=15 is too short .* at least 16"),
        (dict(lookback=7), r"lookback=7 .* at least 8"),  # history: the query still needs w
        (dict(memory="all"), "memory='all' is not one of"),
        (dict(addressing="cosine"), "addressing='cosine' is not one of"),
        (dict(value_alignment="mean"), "value_alignment='mean' is not one of"),
        (dict(max_slots=0), "max_slots=0 must be >= 1"),
        (dict(top_k=-1), "top_k=-1 must be >= 0"),
        (dict(horizon=40, memory="lookback"), "futures=True reads the horizon=40 steps"),
        (dict(horizon=40, max_slots=8), "max_slots=8, none of which"),
        (dict(lookback=7, hops=0), r"lookback=7 .* at least 8"),
        (dict(window=0), "window=0 must be >= 1"),
        (dict(hops=-1), "hops=-1"),
        (dict(d_model=8.5), "d_model=8.5 must be an int"),
        (dict(controller="rnn"), "controller='rnn' is not one of"),
        (dict(encoder="mlp"), "encoder='mlp'"),
        (dict(hop_update="sum"), "hop_update='sum'"),
        (dict(hop_update="none"), r"hop_update='none' .* set hops=1 \(got 2"),
        (dict(hop_update="none", hops=1, futures=False), "set futures=True"),
        (dict(hop_update="none", hops=1, output="contextual"), "output='linear' or 'nonlinear'"),
        (dict(output="softmax"), "output='softmax'"),
        (dict(weight_tying="none"), "weight_tying='none'"),
        (dict(channel_mode="both"), "channel_mode='both'"),
        (dict(attention="cosine"), "attention='cosine'"),
        (dict(temporal_encoding=("fourier",)), "temporal_encoding contains 'fourier'"),
        (dict(temporal_encoding=("learned", "learned")), "repeats"),
        (dict(temporal_encoding=("calendar",)), "n_time_features=0"),
        (dict(n_time_features=3), "'calendar' is not in temporal_encoding"),
        (dict(key_value=True, value_length=9), "value_length=9 exceeds window=8"),
        (
            dict(key_value=True, value_length=4, weight_tying="adjacent", encoder="linear"),
            "weight_tying='adjacent' with key_value=True",
        ),
        (dict(output="contextual", hops=0), "output='contextual' .* hops >= 1"),
        (dict(ar_window=33), "ar_window=33 exceeds lookback=32"),
        (dict(quantiles=()), "quantiles=.* empty"),
        (dict(quantiles=(0.5, 1.0)), "strictly between 0 and 1"),
        (dict(quantiles=(0.9, 0.1)), "strictly increasing"),
        (dict(empty_slot_rate=1.0), "empty_slot_rate=1.0"),
        (dict(dropout=-0.1), "dropout=-0.1"),
    ],
)
def test_bad_config_names_field_and_fix(overrides, match):
    with pytest.raises(ValueError, match=match):
        make(**overrides)


def test_inapplicable_options_are_accepted():
    # value_length without key_value, learned_h without additive: ignored, not errors,
    # so that grid searches over independent options work.
    cfg = make(value_length=4, learned_h=True, hop_update="gated", shared_gates=True)
    assert cfg.value_len == 4
    # key-value with adjacent tying is fine when the encoder takes any length.
    assert make(key_value=True, value_length=4, encoder="gru").value_len == 4


def test_unknown_dict_keys_are_named():
    with pytest.raises(ValueError, match="Unknown MemNetConfig fields \\['windw'\\]"):
        MemNetConfig.from_dict({"lookback": 32, "horizon": 4, "windw": 8})
