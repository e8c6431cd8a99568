"""MemNetForecaster.export: the exported graph (ONNX, torch.export) gives predict's forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tsmem.data.scaling import PanelScaler
from tsmem.estimators import MemNetForecaster
from tsmem.estimators.memnet_export import left_pad, load_metadata

TINY = dict(lookback=48, horizon=12, window=12, stride=6, d_model=16, max_epochs=2, random_state=0,
            verbose=False, trainer_kwargs={"accelerator": "cpu"})
N_NEW = 256


def daily(n: int, seed: int, name: str = "load") -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 50 + 10 * np.sin(2 * np.pi * t / 24 + seed) + seed + rng.normal(0, 1.0, n)
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=n, freq="h"), name=name)


@pytest.fixture(scope="module")
def model():
    return MemNetForecaster(**TINY).fit(daily(400, 0))


@pytest.fixture(scope="module")
def new_series():
    """256 series the model has not seen, as a long frame, and as the graph's inputs."""
    series = [daily(120, seed) for seed in range(1, N_NEW + 1)]
    frame = pd.concat(
        [pd.DataFrame({"unique_id": f"s{i}", "ds": s.index, "y": s.to_numpy()}) for i, s in enumerate(series)],
        ignore_index=True,
    )
    return frame, [s.to_numpy()[:, None] for s in series]


def graph_inputs(values: list[np.ndarray], scaler: PanelScaler, length: int) -> dict[str, np.ndarray]:
    """What a service passes: the last ``length`` values (NaN-padded) and the scaling statistics."""
    return {
        "history": left_pad(values, length),  # (B, L, C) float64
        "shift": scaler.shift_.astype(np.float64),  # (B, C)
        "scale": scaler.scale_.astype(np.float64),
    }


def check_both_batches(run, model, new_series, path):
    meta = load_metadata(path)
    assert meta["horizon"] == 12 and meta["ids"] == ["load"] and meta["inputs"] == ["history", "shift", "scale"]
    # A batch of 1: the training series, with the statistics stored in the file.
    history = model.train_.values[0]
    stored = PanelScaler("none").fit([history])
    stored.shift_, stored.scale_ = np.asarray(meta["shift"]), np.asarray(meta["scale"])
    one = run(graph_inputs([history], stored, meta["input_length"]))
    np.testing.assert_allclose(one[0, :, 0], model.predict().to_numpy(), rtol=0, atol=1e-5)
    # A batch of 256 new series: each scaled by its own history's statistics, as predict(y=...) does.
    frame, values = new_series
    own = PanelScaler(meta["scaling"]).fit(values)
    many = run(graph_inputs(values, own, meta["input_length"]))
    expected = model.predict(y=frame)["y"].to_numpy().reshape(N_NEW, 12)
    assert many.shape == (N_NEW, 12, 1)
    np.testing.assert_allclose(many[..., 0], expected, rtol=0, atol=1e-5)


def test_torch_export_matches_predict(model, new_series, tmp_path):
    path = model.export(tmp_path / "memnet.pt2", format="torch")
    program = torch.export.load(path).module()

    def run(inputs):
        with torch.no_grad():
            return program(*(torch.as_tensor(a) for a in inputs.values())).numpy()

    check_both_batches(run, model, new_series, path)


def test_onnx_export_matches_predict(model, new_series, tmp_path):
    onnxruntime = pytest.importorskip(
        "onnxruntime", reason="ONNX export is tested with onnxruntime: pip install 'tsmem[export]'"
    )
    pytest.importorskip("onnxscript", reason="torch.onnx's exporter needs onnxscript: pip install 'tsmem[export]'")
    path = model.export(tmp_path / "memnet.onnx", format="onnx")
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    def run(inputs):
        return session.run(["forecast"], inputs)[0]

    check_both_batches(run, model, new_series, path)


def test_quantile_network_exports_sorted_quantiles(tmp_path):
    model = MemNetForecaster(**(TINY | {"quantiles": (0.1, 0.5, 0.9)})).fit(daily(300, 0))
    path = model.export(tmp_path / "quantiles.pt2", format="torch")
    meta = load_metadata(path)
    stored = PanelScaler("none").fit(list(model.train_.values))
    stored.shift_, stored.scale_ = np.asarray(meta["shift"]), np.asarray(meta["scale"])
    inputs = graph_inputs(list(model.train_.values), stored, meta["input_length"])
    with torch.no_grad():
        out = torch.export.load(path).module()(*(torch.as_tensor(a) for a in inputs.values())).numpy()
    forecast = model.predict(quantiles=[0.1, 0.9])
    assert out.shape == (1, 12, 1, 3) and meta["quantiles"] == list(model.config_.quantiles)
    levels = sorted(meta["quantiles"])
    np.testing.assert_allclose(out[0, :, 0, levels.index(0.1)], forecast["load_q0.1"], atol=1e-5)
    np.testing.assert_allclose(out[0, :, 0, levels.index(0.5)], forecast["load"], atol=1e-5)
    np.testing.assert_allclose(out[0, :, 0, levels.index(0.9)], forecast["load_q0.9"], atol=1e-5)


def test_bad_format_and_unfitted_model_are_clear(model, tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        model.export(tmp_path / "x", format="tflite")
    with pytest.raises(Exception, match="not fitted"):
        MemNetForecaster(**TINY).export(tmp_path / "x.onnx")
