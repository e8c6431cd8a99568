"""Callbacks that turn a Lightning run into benchmark results: protocol metrics and forecast files.

Both write into the run directory (``trainer.log_dir``, beside ``config.yaml``
and the checkpoints) and are what ``tsmem test`` and ``tsmem predict`` add to a
plain Lightning run (see :mod:`tsmem.lightning_cli`).

- :class:`ProtocolMetrics` scores the test windows the way the dataset's
  benchmark does: MSE/MAE on the standardised scale (ETT, exchange_rate and
  anything else: what `MemNetModule` logs), or sMAPE/MASE/OWA on the original
  scale for M4 (Makridakis et al., IJF 2020).
- :class:`ForecastWriter` writes the future forecasts, unscaled, with their
  timestamps (and ``unique_id`` for many series) to CSV or Parquet.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import BasePredictionWriter
from pytorch_lightning.utilities import rank_zero_warn

from tsmem import metrics
from tsmem.data.panel import Panel
from tsmem.datasets import dataset_info, list_datasets
from tsmem.training.quantiles import point_forecast

Protocol = Literal["auto", "scaled", "m4"]

#: What the scores in a test_metrics file are computed on, by protocol.
SCALES = {
    "scaled": "test_mse, test_mae and test_loss on the model's (standardised) scale",
    "m4": "test_smape, test_mase and test_owa (and Naive2's) on the original scale; "
    "test_mse, test_mae and test_loss on the model's (standardised) scale",
}


def run_dir(trainer: pl.Trainer) -> Path:
    """Where a run's files go: the logger's version folder, else ``default_root_dir``.

    ``fast_dev_run`` swaps the loggers for a dummy without a folder, hence the fallback.
    """
    return Path(trainer.log_dir or trainer.default_root_dir)


def protocol_of(dataset: str) -> Literal["scaled", "m4"]:
    """The metric protocol of a dataset name: ``"m4"`` for the M4 sets, ``"scaled"`` otherwise."""
    return "m4" if str(dataset).lower().startswith("m4_") else "scaled"


class ProtocolMetrics(pl.Callback):
    """Score the test set by the benchmark's protocol; log the scores and write them to a file.

    Parameters
    ----------
    protocol : {"auto", "scaled", "m4"}, default "auto"
        "scaled": the module's ``test_mse``/``test_mae``/``test_loss`` on the
        standardised scale (Informer/ETT, exchange_rate). "m4": also sMAPE, MASE
        (lag = the dataset's season length) and OWA on the original scale; OWA is
        relative to Naive2 forecasts (:func:`tsmem.metrics.naive2_forecast`, the
        forecast of :class:`tsmem.estimators.Naive2`) on the same series, so it is exact
        for any subset of series (``tests/test_naive.py`` reproduces M4's published Naive2
        scores). "auto": "m4" for ``m4_*`` datasets, "scaled" otherwise.
    season_length : int or None, default None
        MASE lag and Naive2's season for "m4"; ``None`` takes the registered
        dataset's (M4 Hourly: 24).
    filename : str, default "test_metrics.json"
        File in the run directory; ``.json`` (one object) or ``.csv`` (one row).
    """

    def __init__(
        self,
        protocol: Protocol = "auto",
        season_length: int | None = None,
        filename: str = "test_metrics.json",
    ) -> None:
        if protocol not in ("auto", "scaled", "m4"):
            raise ValueError(f"protocol must be 'auto', 'scaled' or 'm4', got {protocol!r}.")
        if Path(filename).suffix not in (".json", ".csv"):
            raise ValueError(f"filename must end in .json or .csv, got {filename!r}.")
        self.protocol, self.season_length, self.filename = protocol, season_length, filename
        self._forecasts: list[np.ndarray] = []
        self._series: list[np.ndarray] = []
        self._starts: list[np.ndarray] = []
        self._extra: dict[str, float] = {}

    def _resolved(self, trainer: pl.Trainer) -> Literal["scaled", "m4"]:
        if self.protocol != "auto":
            return self.protocol
        return protocol_of(_hparam(trainer.datamodule, "dataset", ""))

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        """Check, before any test batch, that the M4 scores can be computed."""
        if stage != "test" or self._resolved(trainer) != "m4" or self.season_length:
            return
        dataset = _hparam(trainer.datamodule, "dataset", "")
        if str(dataset).lower() not in list_datasets():
            raise ValueError(
                f"protocol 'm4' needs the season length of {dataset!r}, which is not a registered "
                "dataset: set test_metrics.season_length (M4 Hourly: 24)."
            )

    def on_test_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._forecasts, self._series, self._starts, self._extra = [], [], [], {}

    def on_test_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        if self._resolved(trainer) != "m4":
            return  # the scaled protocol's scores are logged by the module itself
        # test_step returns the loss only, so the forecast is recomputed (one more forward pass).
        forecast = pl_module.predict_step(batch, batch_idx).forecast
        self._forecasts.append(point_forecast(forecast, pl_module.config.quantiles).cpu().numpy())
        self._series.append(batch["series"].cpu().numpy())
        self._starts.append(batch["start"].cpu().numpy())

    def on_test_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._resolved(trainer) != "m4" or not self._forecasts:
            return
        data = trainer.datamodule
        season = self.season_length or dataset_info(data.hparams.dataset).season_length
        scores = m4_window_scores(
            data,
            np.concatenate(self._forecasts),
            np.concatenate(self._series),
            np.concatenate(self._starts),
            season,
        )
        self._extra = {"n_series": scores.pop("n_series")}
        for name, value in scores.items():
            pl_module.log(f"test_{name}", value)

    def on_test_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # Written here, not at epoch end: Lightning aggregates the module's epoch metrics in between.
        if not trainer.is_global_zero:
            return
        logged = {
            name: float(value)
            for name, value in trainer.callback_metrics.items()
            if name.startswith("test_")
        }
        data = trainer.datamodule
        protocol = self._resolved(trainer)
        record = {
            "dataset": _hparam(data, "dataset"),
            "protocol": protocol,
            "scale": SCALES[protocol],
            "lookback": _hparam(data, "lookback"),
            "horizon": _hparam(data, "horizon"),
            "ckpt_path": trainer.ckpt_path,
            **self._extra,
            **dict(sorted(logged.items())),
        }
        path = run_dir(trainer) / self.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".csv":
            pd.DataFrame([record]).to_csv(path, index=False)
        else:
            path.write_text(json.dumps(record, indent=2, default=_json_default) + "\n")


def m4_window_scores(
    data: Any,
    scaled_forecast: np.ndarray,
    series: np.ndarray,
    starts: np.ndarray,
    season_length: int,
) -> dict[str, float]:
    """M4 scores of test-window forecasts, on the original scale.

    Parameters
    ----------
    data : MemNetDataModule
        The prepared DataModule the windows came from (its scaler, panel, lookback).
    scaled_forecast : ndarray
        (W, H, C) point forecasts of W test windows, on the model's scale.
    series, starts : ndarray
        (W,) series number and first input row of every window.
    season_length : int
        MASE lag and Naive2's season (M4 Hourly: 24).

    Returns
    -------
    dict
        ``smape``, ``mase``, ``owa``, ``smape_naive2``, ``mase_naive2`` and
        ``n_series`` (:func:`tsmem.metrics.m4_scores`). Each window counts as one
        series whose training part is everything before its forecast origin: under
        the M4 split every series has exactly one test window, its last ``H`` steps.
    """
    panel: Panel = data.panel
    _, horizon, C = scaled_forecast.shape
    forecast = data.scaler.inverse_transform(scaled_forecast, series=series)  # (W, H, C)
    origins = starts + data.hparams.lookback  # row of each window's first forecast step
    histories = [panel.values[s][:o] for s, o in zip(series, origins, strict=True)]  # (T, C)
    actuals = [panel.values[s][o : o + horizon] for s, o in zip(series, origins, strict=True)]
    naive2 = [
        np.stack([metrics.naive2_forecast(h[:, c], horizon, season_length) for c in range(C)], -1)
        for h in histories
    ]  # (H, C) per window
    return metrics.m4_scores(actuals, list(forecast), histories, season_length, naive2)


def _hparam(data: Any, name: str, default: Any = None) -> Any:
    """A setting of the run's DataModule (``tsmem``'s keeps them in ``hparams``), if it has one."""
    return getattr(data, "hparams", {}).get(name, default)


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


class ForecastWriter(BasePredictionWriter):
    """Write the future forecasts of ``predict`` to a file, unscaled, with timestamps.

    One forecast per series, starting after the series' last observation, in
    the data's layout (:meth:`MemNetDataModule.forecast_frame`): a wide table
    indexed by timestamp, or a long ``unique_id, ds, <column>...`` table for
    many series; quantile columns are added when the model has quantiles.

    Parameters
    ----------
    filename : str, default "predictions.csv"
        File in the run directory; ``.csv`` or ``.parquet`` (needs pyarrow).
    """

    def __init__(self, filename: str = "predictions.csv") -> None:
        super().__init__(write_interval="epoch")
        if Path(filename).suffix not in (".csv", ".parquet"):
            raise ValueError(f"filename must end in .csv or .parquet, got {filename!r}.")
        self.filename = filename

    def write_on_epoch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        predictions: Any,
        batch_indices: Any,
    ) -> None:
        if not trainer.is_global_zero or not predictions:
            return
        data = trainer.datamodule
        forecast = torch.cat([p.forecast for p in predictions]).cpu().numpy()  # (S, H, C[, Q])
        n_series = data.panel.n_series
        if len(forecast) != n_series:
            # limit_predict_batches / fast_dev_run cut the epoch short: a partial file would mislead.
            rank_zero_warn(
                f"Forecasts cover {len(forecast)} of {n_series} series (the predict epoch was cut "
                f"short); {self.filename} is not written."
            )
            return
        quantiles = tuple(pl_module.config.quantiles or ())
        frame = data.forecast_frame(forecast.astype(np.float64), quantiles)
        path = run_dir(trainer) / self.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = frame.to_frame() if frame.ndim == 1 else frame
        if path.suffix == ".parquet":
            frame.to_parquet(path)
        else:
            frame.to_csv(path, index=data.panel.layout != "long")
