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

from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pytorch_lightning as pl

from tsmem import datasets
from tsmem.data import PanelScaler, calendar_features, fill_missing, to_panel, window_starts
from tsmem.data.panel import Panel
from tsmem.data.splits import split_sizes
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
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.dataset, self.target = dataset, target
        self.lookback, self.horizon, self.batch_size = lookback, horizon, batch_size
        self.val_size, self.test_size = val_size, test_size
        self.scaling, self.per_series_scaling, self.calendar = scaling, per_series_scaling, calendar
        self.train_step, self.eval_step, self.fill = train_step, eval_step, fill
        self.data_dir, self.num_workers, self.seed = data_dir, num_workers, seed
        self._data: Any = None
        self.panel_: Panel | None = None

    @classmethod
    def from_data(cls, y: Any, **kwargs: Any) -> MemNetDataModule:
        """A DataModule over in-memory data (a Series, wide or long frame, array or Panel)."""
        module = cls(dataset="<in-memory>", **kwargs)
        module._data = y
        return module

    # -- set-up -----------------------------------------------------------------------
    def prepare(self) -> MemNetDataModule:
        """Load, validate, split and scale (idempotent; ``setup`` calls it)."""
        if self.panel_ is not None:
            return self
        self._check_settings()
        panel = to_panel(self._raw_data(), min_length=2, needed_by="a train/validation/test split")
        self.borders_ = self._borders(panel)
        self._check_room(panel)
        train_rows = [v[: b[1]] for v, b in zip(panel.values, self.borders_, strict=True)]
        self.scaler_ = PanelScaler(self.scaling, self.per_series_scaling).fit(train_rows)
        self.scaled_ = self.scaler_.transform(list(panel.values))
        self.features_ = (
            [calendar_features(ix).to_numpy(np.float32) for ix in panel.index]
            if self.calendar
            else None
        )
        self.panel_ = panel
        return self

    def setup(self, stage: str | None = None) -> None:
        self.prepare()

    @property
    def n_channels(self) -> int:
        """Channels ``C`` of every window (for the model's config)."""
        return self.prepare().panel_.n_channels

    @property
    def n_time_features(self) -> int:
        """Width ``F`` of ``time_features`` (0 without ``calendar``)."""
        self.prepare()
        return 0 if self.features_ is None else self.features_[0].shape[1]

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
        self.prepare()
        lengths = self.panel_.lengths
        if part == "future":
            series, starts = np.arange(len(lengths)), lengths - self.lookback
            return WindowDataset(self.scaled_, series, starts, self.lookback, 0, self.features_)
        column = {"train": 1, "val": 2, "test": 3}[part]
        bounds = [
            (0 if part == "train" else b[column - 1] - self.lookback, b[column])
            for b in self.borders_
        ]
        step = self.train_step if part == "train" else self.eval_step
        series, starts = window_starts(bounds, self.lookback + self.horizon, step)
        return WindowDataset(
            self.scaled_, series, starts, self.lookback, self.horizon, self.features_
        )

    def forecast_frame(
        self, scaled_forecast: np.ndarray, quantiles: tuple[float, ...] = ()
    ) -> pd.Series | pd.DataFrame:
        """Unscale future forecasts ``(S, H, C[, Q])`` and return them as pandas with timestamps."""
        self.prepare()
        forecast = self.scaler_.inverse_transform(scaled_forecast)
        if forecast.ndim == 4:
            point = forecast[..., len(quantiles) // 2] if quantiles else forecast[..., 0]
            return self.panel_.format_forecast(point, quantiles, forecast)
        return self.panel_.format_forecast(forecast)

    # -- helpers --------------------------------------------------------------------------
    def _loader(self, dataset: WindowDataset, shuffle: bool):
        return batch_loader(dataset, self.batch_size, shuffle, self.seed, self.num_workers)

    def _check_settings(self) -> None:
        for name in ("lookback", "horizon", "batch_size", "train_step", "eval_step"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")

    def _raw_data(self) -> Any:
        data = self._data if self._data is not None else self._read()
        if self.target is not None and isinstance(data, pd.DataFrame) and "unique_id" not in data:
            unknown = sorted(set(self.target) - set(data.columns))
            if unknown:
                raise ValueError(
                    f"target columns {unknown} are not in the data; it has {list(data.columns)}."
                )
            data = data[list(self.target)]
        return fill_missing(data, method=self.fill) if self.fill else data

    def _read(self) -> pd.DataFrame | pd.Series:
        path = Path(self.dataset)
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
        return datasets.load_dataset(self.dataset, data_dir=self.data_dir)

    def _borders(self, panel: Panel) -> list[tuple[int, int, int, int]]:
        """Per series ``(0, train_end, val_end, test_end)`` row positions."""
        registered = self._data is None and self.dataset.lower() in datasets.list_datasets()
        if self.val_size is None and self.test_size is None and registered:
            return [datasets.split_borders(self.dataset, n) for n in panel.lengths]
        val_size = 0.1 if self.val_size is None else self.val_size
        test_size = 0.2 if self.test_size is None else self.test_size
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

    def _check_room(self, panel: Panel) -> None:
        size = self.lookback + self.horizon
        train_ends = np.array([b[1] for b in self.borders_])
        if (train_ends < size).all():
            raise ValueError(
                f"lookback + horizon = {size} steps do not fit in the training part of any series "
                f"(the longest has {train_ends.max()} steps). Reduce lookback or horizon."
            )
        if (panel.lengths < self.lookback).any():
            short = panel.ids[int(np.argmin(panel.lengths))]
            raise ValueError(
                f"Series {short!r} is shorter than lookback={self.lookback}; reduce lookback."
            )
