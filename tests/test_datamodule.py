"""The DataModule: standard splits, train-only scaling, leak-free windows, Lightning wiring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import pytorch_lightning as pl
import torch

from tsmem.training.datamodule import MemNetDataModule
from tsmem.training.module import MemNetModule


def ready(dm: MemNetDataModule) -> MemNetDataModule:
    dm.setup()
    return dm


def air(**kwargs) -> MemNetDataModule:
    return ready(MemNetDataModule("air_passengers", lookback=24, horizon=6, batch_size=8, **kwargs))


def target_rows(dm: MemNetDataModule, part: str) -> np.ndarray:
    windows = dm.windows(part)
    return (windows.starts[:, None] + dm.hparams.lookback + torch.arange(dm.hparams.horizon)).numpy()


def test_standard_split_windows_keep_targets_inside_their_part():
    dm = air()
    assert dm.borders == [(0, 120, 132, 144)]  # AirPassengers: last 12 months test, 12 before val
    train, val, test = (target_rows(dm, p) for p in ("train", "val", "test"))
    assert train.max() < 120 and train.min() == 24
    assert val.min() == 120 and val.max() == 131
    assert test.min() == 132 and test.max() == 143
    assert len(dm.windows("train")) == 120 - 30 + 1


def test_scaler_sees_training_rows_only():
    dm = air()
    train = dm.panel.values[0][:120]
    np.testing.assert_allclose(dm.scaler.shift_[0], train.mean(axis=0))
    np.testing.assert_allclose(dm.scaler.scale_[0], train.std(axis=0))
    first = dm.windows("train")[[0]]
    np.testing.assert_allclose(first["x"][0, :, 0].numpy(), (train[:24, 0] - train.mean()) / train.std(), rtol=1e-5)


def test_shuffling_is_seeded():
    def order(seed):
        return [b["start"].tolist() for b in MemNetDataModule("air_passengers", lookback=24, horizon=6, batch_size=8, seed=seed).train_dataloader()]

    assert order(1) == order(1) and order(1) != order(2)


def test_many_series_from_memory_with_calendar_features():
    frames = [
        pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2024", periods=n, freq="h"), "y": np.arange(n, dtype=float)})
        for uid, n in (("a", 60), ("b", 80))
    ]
    dm = ready(MemNetDataModule.from_data(pd.concat(frames), lookback=12, horizon=4, val_size=8, test_size=8, calendar=True))
    assert dm.borders == [(0, 44, 52, 60), (0, 64, 72, 80)]
    batch = dm.windows("train")[list(range(5))]
    assert batch["time_features"].shape == (5, 12, dm.n_time_features) and dm.n_time_features > 0
    assert set(dm.windows("test").series.tolist()) == {0, 1}
    future = dm.forecast_frame(np.zeros((2, 4, 1)))
    assert list(future.unique_id) == ["a"] * 4 + ["b"] * 4
    assert future.ds.iloc[0] == pd.Timestamp("2024-01-03 12:00")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lookback": 200}, "do not fit in the training part"),
        ({"lookback": 0}, "lookback == 0, must be >= 1"),
        ({"target": ["nope"]}, "not in the data"),
    ],
)
def test_bad_settings_fail_early(kwargs, match):
    settings = {"lookback": 24, "horizon": 6} | kwargs
    data = pd.DataFrame({"a": np.arange(144.0)}, index=pd.date_range("2000", periods=144, freq="MS"))
    with pytest.raises(ValueError, match=match):
        ready(MemNetDataModule.from_data(data, **settings))


def test_settings_live_in_hparams_and_setup_runs_once():
    dm = MemNetDataModule("air_passengers", lookback=24, horizon=6)
    assert dm.panel is None  # nothing is read before setup
    assert dm.hparams.lookback == 24 and dm.hparams.dataset == "air_passengers"
    dm.setup("fit")
    panel, scaler = dm.panel, dm.scaler
    dm.setup("test")
    assert dm.panel is panel and dm.scaler is scaler
    with pytest.raises(TypeError, match="batch_size must be an instance of"):
        ready(MemNetDataModule("air_passengers", batch_size=8.5))


def test_missing_values_need_an_explicit_fill():
    with pytest.raises(ValueError, match="missing"):
        ready(MemNetDataModule("melbourne_temp", lookback=60, horizon=7))
    assert ready(MemNetDataModule("melbourne_temp", lookback=60, horizon=7, fill="interpolate")).panel.lengths[0] == 3652


def test_fast_dev_run_trains_on_the_datamodule():
    dm = air()
    model = MemNetModule(lookback=24, horizon=6, window=6, stride=3, d_model=8, n_channels=dm.n_channels)
    trainer = pl.Trainer(fast_dev_run=True, accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, datamodule=dm)
    assert trainer.state.finished


def test_files_wide_and_long_with_default_sizes(tmp_path):
    wide = pd.DataFrame({"date": pd.date_range("2024", periods=200, freq="h").astype(str), "load": np.arange(200.0)})
    wide.to_csv(tmp_path / "wide.csv", index=False)
    dm = ready(MemNetDataModule(str(tmp_path / "wide.csv"), lookback=12, horizon=4))
    assert dm.borders == [(0, 140, 160, 200)]  # 0.1 / 0.2 by default for files
    assert dm.panel.index[0].freqstr == "h"
    long = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024", periods=100, freq="D").astype(str), "y": np.arange(100.0)})
    long.to_csv(tmp_path / "long.csv", index=False)
    dm = ready(MemNetDataModule(str(tmp_path / "long.csv"), lookback=12, horizon=4, val_size=10, test_size=10))
    assert dm.panel.layout == "long" and dm.panel.index[0].freqstr == "D"
