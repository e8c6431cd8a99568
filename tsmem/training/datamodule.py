"""The LightningDataModule: series in, scaled windows out, split without leaking the future.

It reads a registered dataset by name (:func:`tsmem.datasets.load_dataset`), a
CSV/Parquet file, or any input the estimators accept (via :meth:`from_data`),
then

1. converts and validates it with :func:`tsmem.data.to_panel`;
2. splits every series in time: the dataset's standard split when it has one
   and no sizes are given, else the last ``test_size`` and ``val_size`` steps;
3. fits the scaler on the training rows only;
4. serves windows of ``lookback`` inputs and ``horizon`` targets whose targets
   lie wholly inside each part (val/test windows take their inputs from the
   rows before, the Informer convention).

Batches follow :mod:`tsmem.training.module`'s contract (a dict with ``x``, ``y``
and optional ``time_features``).
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pytorch_lightning as pl
from sklearn.utils import check_scalar

from tsmem import datasets
from tsmem.data import PanelScaler, calendar_features, fill_missing, to_panel, window_starts
from tsmem.data.panel import Panel
from tsmem.data.splits import split_sizes
from tsmem.training.quantiles import point_forecast
from tsmem.training.windows import WindowDataset, batch_loader

Stage = Literal["fit", "validate", "test", "predict"]


class MemNetDataModule(pl.LightningDataModule):
    """Windows of one or many series for training, validation, testing and prediction.

    Parameters
    ----------
    dataset
        A registered dataset name (``"etth1"``, ``"m4_hourly"``, ``"air_passengers"``,
        see :func:`tsmem.datasets.list_datasets`) or the path of a CSV/Parquet file:
        wide (first column the timestamps) or long (``unique_id, ds, y``).
    target
        Columns of a wide dataset to model (e.g. ``["OT"]`` for ETT's univariate
        task); ``None`` keeps them all.
    lookback, horizon
        Input and target steps of every window.
    batch_size
        Windows per batch.
    val_size, test_size
        Steps (int) or fractions (float) held out at the end of every series.
        Both ``None``: the dataset's standard split when it has one, else 0.1 and 0.2.
    scaling
        ``"standard"``, ``"minmax"`` or ``"none"``; statistics from the training rows only.
    per_series_scaling
        Statistics per series (True) or pooled over all series, per channel.
    calendar
        Add calendar features of the timestamps to every batch (``time_features``).
    train_step, eval_step
        Steps between consecutive training / evaluation windows.
    fill
        Fill NaN and missing timestamps with this method (see
        :func:`tsmem.data.fill_missing`); ``None`` rejects them with a clear error.
    data_dir
        Where benchmark files live (default ``$TSMEM_DATA_DIR``).
    num_workers
        DataLoader worker processes.
    seed
        Seeds the shuffling of training windows.
    context
        Input steps of every window, for a model with a long memory
        (``MemNetConfig.context_length``, or ``MemNetModule.context_length``): the steps
        before each lookback are prepended, NaN before a series' start (see
        :class:`tsmem.training.windows.WindowDataset`). ``None``: ``lookback``.
    """

    def __init__(
        self,
        dataset: str = "air_passengers",
        target: list[str] | None = None,
        lookback: int = 96,
        horizon: int = 24,
        batch_size: int = 64,
        val_size: int | float | None = None,
        test_size: int | float | None = None,
        scaling: Literal["standard", "minmax", "none"] = "standard",
        per_series_scaling: bool = True,
        calendar: bool = False,
        train_step: int = 1,
        eval_step: int = 1,
        fill: Literal["interpolate", "ffill", "zero"] | None = None,
        data_dir: str | None = None,
        num_workers: int = 0,
        seed: int = 0,
        context: int | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()  # the settings are read back from self.hparams
        self._data: Any = None  # in-memory data given to from_data
        # Filled by setup(): the series, their split borders, scaler, scaled values and features.
        self.panel: Panel | None = None
        self.borders: list[tuple[int, int, int, int]] = []
        self.scaler: PanelScaler | None = None
        self.scaled: list[np.ndarray] = []
        self.features: list[np.ndarray] | None = None

    @classmethod
    def from_data(cls, y: Any, **kwargs: Any) -> MemNetDataModule:
        """A DataModule over in-memory data (a Series, wide or long frame, array or Panel)."""
        module = cls(dataset="<in-memory>", **kwargs)
        module._data = y
        return module

    # -- set-up -----------------------------------------------------------------------
    def setup(self, stage: str | None = None) -> None:
        """Load, validate, split and scale, once (later calls, for any stage, do nothing).

        Lightning calls it before each stage; the properties below and :meth:`windows`
        call it too, so the DataModule can be used without a Trainer.
        """
        if self.panel is not None:
            return
        self._check_settings()
        panel = to_panel(self._raw_data(), min_length=2, needed_by="a train/validation/test split")
        borders = self._borders(panel)
        self._check_room(panel, borders)
        train_rows = [v[: b[1]] for v, b in zip(panel.values, borders, strict=True)]
        hp = self.hparams
        self.scaler = PanelScaler(hp.scaling, hp.per_series_scaling).fit(train_rows)
        self.scaled = self.scaler.transform(list(panel.values))
        self.features = (
            [calendar_features(ix).to_numpy(np.float32) for ix in panel.index]
            if hp.calendar
            else None
        )
        self.borders, self.panel = borders, panel

    @property
    def n_channels(self) -> int:
        """Channels ``C`` of every window (for the model's config)."""
        self.setup()
        return self.panel.n_channels

    @property
    def n_time_features(self) -> int:
        """Width ``F`` of ``time_features`` (0 without ``calendar``)."""
        self.setup()
        return 0 if self.features is None else self.features[0].shape[1]

    # -- loaders ------------------------------------------------------------------------
    def train_dataloader(self):
        return self._loader(self.windows("train"), shuffle=True)

    def val_dataloader(self):
        return self._loader(self.windows("val"), shuffle=False)

    def test_dataloader(self):
        return self._loader(self.windows("test"), shuffle=False)

    def predict_dataloader(self):
        return self._loader(self.windows("future"), shuffle=False)

    def windows(self, part: Literal["train", "val", "test", "future"]) -> WindowDataset:
        """The windows of one part; ``"future"`` is the last lookback of every series."""
        self.setup()
        lookback, lengths = self.hparams.lookback, self.panel.lengths
        if part == "future":
            series, starts = np.arange(len(lengths)), lengths - lookback
            return WindowDataset(
                self.scaled, series, starts, lookback, 0, self.features, self.hparams.context
            )
        column = {"train": 1, "val": 2, "test": 3}[part]
        bounds = [
            (0 if part == "train" else b[column - 1] - lookback, b[column]) for b in self.borders
        ]
        step = self.hparams.train_step if part == "train" else self.hparams.eval_step
        horizon = self.hparams.horizon
        series, starts = window_starts(bounds, lookback + horizon, step)
        return WindowDataset(
            self.scaled, series, starts, lookback, horizon, self.features, self.hparams.context
        )

    def forecast_frame(
        self, scaled_forecast: np.ndarray, quantiles: tuple[float, ...] = ()
    ) -> pd.Series | pd.DataFrame:
        """Unscale future forecasts ``(S, H, C[, Q])`` and return them as pandas with timestamps."""
        self.setup()
        forecast = self.scaler.inverse_transform(scaled_forecast)
        if forecast.ndim == 4:
            point = point_forecast(forecast, quantiles) if quantiles else forecast[..., 0]
            return self.panel.format_forecast(point, quantiles, forecast)
        return self.panel.format_forecast(forecast)

    # -- helpers --------------------------------------------------------------------------
    def _loader(self, dataset: WindowDataset, shuffle: bool):
        hp = self.hparams
        return batch_loader(dataset, hp.batch_size, shuffle, hp.seed, hp.num_workers)

    def _check_settings(self) -> None:
        for name in ("lookback", "horizon", "batch_size", "train_step", "eval_step"):
            check_scalar(self.hparams[name], name, numbers.Integral, min_val=1)

    def _raw_data(self) -> Any:
        hp = self.hparams
        data = self._data if self._data is not None else self._read()
        if hp.target is not None and isinstance(data, pd.DataFrame) and "unique_id" not in data:
            unknown = sorted(set(hp.target) - set(data.columns))
            if unknown:
                raise ValueError(
                    f"target columns {unknown} are not in the data; it has {list(data.columns)}."
                )
            data = data[list(hp.target)]
        return fill_missing(data, method=hp.fill) if hp.fill else data

    def _read(self) -> pd.DataFrame | pd.Series:
        path = Path(self.hparams.dataset)
        if path.suffix in (".csv", ".gz", ".parquet"):
            if not path.exists():
                raise FileNotFoundError(
                    f"Data file {path} does not exist; give a registered name or a file path."
                )
            frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
            if "unique_id" in frame.columns:
                integers = pd.api.types.is_integer_dtype(frame["ds"])
                return frame if integers else frame.assign(ds=pd.to_datetime(frame["ds"]))
            return frame.set_index(frame.columns[0]).pipe(
                lambda f: f.set_axis(pd.to_datetime(f.index))
            )
        return datasets.load_dataset(self.hparams.dataset, data_dir=self.hparams.data_dir)

    def _borders(self, panel: Panel) -> list[tuple[int, int, int, int]]:
        """Per series ``(0, train_end, val_end, test_end)`` row positions."""
        hp = self.hparams
        registered = self._data is None and hp.dataset.lower() in datasets.list_datasets()
        if hp.val_size is None and hp.test_size is None and registered:
            return [datasets.split_borders(hp.dataset, n) for n in panel.lengths]
        val_size = 0.1 if hp.val_size is None else hp.val_size
        test_size = 0.2 if hp.test_size is None else hp.test_size
        borders = []
        for n, series_id in zip(panel.lengths, panel.ids, strict=True):
            n_test, n_val = (
                split_sizes(n, test_size, "test_size"),
                split_sizes(n, val_size, "val_size"),
            )
            if n - n_test - n_val < 1:
                raise ValueError(
                    f"Series {series_id!r} ({n} steps) is too short for val_size and test_size."
                )
            borders.append((0, n - n_test - n_val, n - n_test, n))
        return borders

    def _check_room(self, panel: Panel, borders: list[tuple[int, int, int, int]]) -> None:
        lookback = self.hparams.lookback
        size = lookback + self.hparams.horizon
        train_ends = np.array([b[1] for b in borders])
        if (train_ends < size).all():
            raise ValueError(
                f"lookback + horizon = {size} steps do not fit in the training part of any series "
                f"(the longest has {train_ends.max()} steps). Reduce lookback or horizon."
            )
        if (panel.lengths < lookback).any():
            short = panel.ids[int(np.argmin(panel.lengths))]
            raise ValueError(
                f"Series {short!r} is shorter than lookback={lookback}; reduce lookback."
            )
