"""Neural benchmark cells: build a ``MemNetModule``, train it, forecast chosen origins."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch

from tsmem.training import MemNetDataModule, MemNetModule
from tsmem.training.fitting import fit_best
from tsmem.training.windows import WindowDataset, batch_loader


@dataclass(frozen=True)
class NeuralSettings:
    """A protocol's defaults for every neural model (a model spec overrides the network's)."""

    window: int = 24
    stride: int = 12
    d_model: int = 64
    learning_rate: float = 1e-3
    batch_size: int = 64
    max_epochs: int = 20
    patience: int = 3
    train_step: int = 1
    options: tuple[tuple[str, Any], ...] = ()  # further MemNetModule keyword defaults (loss, dropout...)
    # pl.Trainer options: the tables are CPU runs unless a script asks for a GPU.
    trainer: tuple[tuple[str, Any], ...] = (("accelerator", "cpu"), ("devices", 1))


def unknown_settings(names: Iterable[str]) -> list[str]:
    """The names among ``names`` that `MemNetModule` does not take, sorted.

    >>> unknown_settings(["hops", "ar_windw", "learning_rate"])
    ['ar_windw']
    """
    known = set(inspect.signature(MemNetModule.__init__).parameters) - {"self"}
    return sorted(set(names) - known)


def train(data: MemNetDataModule, settings: NeuralSettings, overrides: dict[str, Any], seed: int):
    """Train a module on ``data``'s train part, early-stopped on its validation part.

    Returns the module (best validation weights) and the fit summary.
    """
    pl.seed_everything(seed, workers=True, verbose=False)
    defaults = {"window": settings.window, "stride": settings.stride, "d_model": settings.d_model,
                "learning_rate": settings.learning_rate}
    network = defaults | dict(settings.options) | overrides  # a model spec may override them all
    module = MemNetModule(
        lookback=data.hparams.lookback, horizon=data.hparams.horizon, n_channels=data.n_channels,
        n_time_features=data.n_time_features, **network,
    )
    result = fit_best(module, data, max_epochs=settings.max_epochs, patience=settings.patience,
                      deterministic=True, trainer_kwargs=dict(settings.trainer))
    return module, result


def ensemble_origins(
    data: MemNetDataModule,
    settings: NeuralSettings,
    members: list[dict[str, Any]],
    seed: int,
    origins: np.ndarray,
    series: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Train one network per member (seed ``seed * 100 + k``); the median of their scaled forecasts.

    The median per step is what ``EnsembleForecaster(aggregate="median")`` takes (N-BEATS'
    rule): one member that goes astray moves it little. Returns the forecasts and a summary:
    the members' epochs, and their mean validation loss when they share one loss (members
    trained on different losses have validation losses in different units: NaN then).
    """
    forecasts, val_losses, epochs = [], [], []
    for k, member in enumerate(members):
        module, fit = train(data, settings, member, seed * 100 + k)
        forecasts.append(predict_origins(module, data, origins, series))
        val_losses.append(fit.best_val_loss)
        epochs.append(str(fit.n_epochs))
    same_loss = len({str(member.get("loss")) for member in members}) == 1
    summary = {"val_loss": float(np.mean(val_losses)) if same_loss else float("nan"),
               "epochs": "+".join(epochs), "shuffle_seed": seed}
    return np.median(np.stack(forecasts), axis=0), summary


def predict_origins(module: MemNetModule, data: MemNetDataModule, origins: np.ndarray, series: np.ndarray | None = None) -> np.ndarray:
    """Scaled forecasts ``(n, H, C[, Q])`` from each origin (the last input row) of each series."""
    series = np.zeros(len(origins), dtype=np.int64) if series is None else series
    lookback = data.hparams.lookback
    starts = origins - lookback + 1
    windows = WindowDataset(
        data.scaled, series, starts, lookback, 0, data.features, module.context_length
    )
    outputs = []
    with torch.no_grad():
        for batch in batch_loader(windows, batch_size=1024, shuffle=False):
            outputs.append(module(batch["x"], batch.get("time_features")).forecast.numpy())
    return np.concatenate(outputs).astype(np.float64)
