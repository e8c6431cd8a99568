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

Covariates come from the same data (``past_covariates``/``future_covariates`` name
columns of a wide dataset, or extra columns of a long one) or, with :meth:`from_data`,
from a separate ``X`` laid out like ``y`` (:func:`tsmem.data.exog.align_exog`: rows
looked up by timestamp, per series for long frames) and a ``static`` frame with one
row per series. They are standardised with statistics of the training rows, pooled
over the series (``covariate_scaler``, ``static_scaler``).

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
from tsmem.data.exog import align_exog
from tsmem.data.panel import ID_COL, TIME_COL, Panel
from tsmem.data.splits import split_sizes
from tsmem.data.validate import check_finite
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
    past_covariates
        Covariates observed only up to each forecast origin (columns of the data, or of
        ``X`` with :meth:`from_data`): read with the history, in the query and the slots.
    future_covariates
        Covariates known over the horizon too (calendar, holidays, planned prices): read
        with the history and over every window's target steps. With ``X`` given and
        ``future_covariates=None``, every column of ``X`` not in ``past_covariates`` is
        future-known (the ``ARIMA`` convention: ``X`` is known ahead). Windows of the
        "future" part (after the data) cannot carry them: forecast through
        ``MemNetForecaster.predict(X=...)``.
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
        past_covariates: list[str] | None = None,
        future_covariates: list[str] | None = None,
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
        # Covariates (none unless named or given): scaled rows per series, and statistics.
        self._X: Any = None
        self._static: Any = None
        self.covariates: list[np.ndarray] | None = None
        self.covariate_names: list[str] = []  # future-known first, then past
        self.covariate_scaler: PanelScaler | None = None
        self.static: np.ndarray | None = None
        self.static_names: list[str] = []
        self.static_scaler: PanelScaler | None = None

    @classmethod
    def from_data(cls, y: Any, X: Any = None, static: Any = None, **kwargs: Any) -> MemNetDataModule:
        """A DataModule over in-memory data (a Series, wide or long frame, array or Panel).

        ``X`` holds covariates laid out like ``y`` (a frame indexed by time, or a long
        frame with ``unique_id``, ``ds`` and one column per covariate); ``static`` one row
        per series (a frame indexed by ``unique_id``; for a single series, a Series or a
        one-row frame), numeric.
        """
        module = cls(dataset="<in-memory>", **kwargs)
        module._data, module._X, module._static = y, X, static
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
        data = self._data if self._data is not None else self._read()
        panel = to_panel(self._raw_data(data), min_length=2, needed_by="a train/validation/test split")
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
        self._setup_covariates(data, panel, borders)
        self.borders, self.panel = borders, panel

    def _setup_covariates(self, data: Any, panel: Panel, borders: list[tuple[int, int, int, int]]) -> None:
        """Align, check and scale the covariates (training rows' statistics)."""
        X = self._X if self._X is not None else self._data_covariates(data)
        if X is not None:
            self.covariate_names = covariate_names(X, self.hparams.past_covariates,
                                                   self.hparams.future_covariates)
            keep = ([ID_COL, TIME_COL] if panel.layout == "long" else []) + self.covariate_names
            if isinstance(X, pd.Series):
                X = X.to_frame()
            rows = align_exog(X[keep], panel, history=True, horizon=0)
            train = [r[: b[1]] for r, b in zip(rows, borders, strict=True)]
            self.covariate_scaler = PanelScaler("standard", per_series=False).fit(train)
            self.covariates = [r.astype(np.float32) for r in self.covariate_scaler.transform(rows)]
        if self._static is not None:
            values, self.static_names = align_static(self._static, panel)
            self.static_scaler = PanelScaler("standard", per_series=False).fit([values])
            self.static = self.static_scaler.transform([values])[0].astype(np.float32)

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

    @property
    def n_covariates(self) -> int:
        """Width ``P`` of ``covariates``: every covariate, read with the history."""
        self.setup()
        return len(self.covariate_names)

    @property
    def n_future_covariates(self) -> int:
        """Width ``Fk`` of ``future_covariates`` (the first ``Fk`` of ``covariates``)."""
        self.setup()
        past = set(self.hparams.past_covariates or ())
        return sum(name not in past for name in self.covariate_names)

    @property
    def n_static(self) -> int:
        """Width ``S`` of ``static``."""
        self.setup()
        return len(self.static_names)

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
                self.scaled, series, starts, lookback, 0, self.features, self.hparams.context,
                self.covariates, self.n_future_covariates, self.static,
            )
        column = {"train": 1, "val": 2, "test": 3}[part]
        bounds = [
            (0 if part == "train" else b[column - 1] - lookback, b[column]) for b in self.borders
        ]
        step = self.hparams.train_step if part == "train" else self.hparams.eval_step
        horizon = self.hparams.horizon
        series, starts = window_starts(bounds, lookback + horizon, step)
        return WindowDataset(
            self.scaled, series, starts, lookback, horizon, self.features, self.hparams.context,
            self.covariates, self.n_future_covariates, self.static,
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

    def _data_covariates(self, data: Any) -> pd.DataFrame | None:
        """The covariate columns named in the data itself (None: none named)."""
        hp = self.hparams
        names = list(hp.future_covariates or ()) + list(hp.past_covariates or ())
        if not names:
            return None
        if not isinstance(data, pd.DataFrame):
            raise ValueError("Covariates are columns of a wide or long frame; the data has none.")
        unknown = sorted(set(names) - set(data.columns))
        if unknown:
            raise ValueError(f"covariate columns {unknown} are not in the data; it has {list(data.columns)}.")
        return data[[ID_COL, TIME_COL, *names]] if ID_COL in data.columns else data[names]

    def _raw_data(self, data: Any) -> Any:
        hp = self.hparams
        if self._X is None and isinstance(data, pd.DataFrame):  # the covariates are not targets
            named = set(hp.future_covariates or ()) | set(hp.past_covariates or ())
            data = data.drop(columns=[c for c in data.columns if c in named])
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


# -- covariates ------------------------------------------------------------------------------
def covariate_names(
    X: pd.DataFrame | pd.Series, past: list[str] | None, future: list[str] | None
) -> list[str]:
    """The columns of ``X`` to read, future-known first, then past; checked against ``X``.

    ``future=None`` makes every column of ``X`` not in ``past`` future-known.
    """
    columns = [X.name] if isinstance(X, pd.Series) else [c for c in X.columns if c not in (ID_COL, TIME_COL)]
    past = list(past or ())
    future = [c for c in columns if c not in past] if future is None else list(future)
    unknown = sorted(set(past + future) - set(columns), key=str)
    if unknown:
        raise ValueError(
            f"Covariates {unknown} are not columns of X; X has {columns}. Name X's columns in "
            "past_covariates (observed up to the forecast origin) and future_covariates."
        )
    both = sorted(set(past) & set(future), key=str)
    if both:
        raise ValueError(f"Covariates {both} are named both past and future-known; name each once.")
    return future + past


def align_static(static: Any, panel: Panel) -> tuple[np.ndarray, list[str]]:
    """One row of numeric static covariates per series of ``panel``: ``(S, K)`` and the names.

    ``static`` is a frame indexed by series id (or with a ``unique_id`` column); for a single
    series also a ``pd.Series`` of named values or a one-row frame.
    """
    if isinstance(static, pd.Series):
        static = static.to_frame().T
    if not isinstance(static, pd.DataFrame):
        raise TypeError(f"static must be a pandas DataFrame (one row per series), not {type(static).__name__}.")
    if ID_COL in static.columns:
        static = static.set_index(ID_COL)
    if panel.n_series == 1 and len(static) == 1:
        static = static.set_axis([panel.ids[0]])
    missing = [sid for sid in panel.ids if sid not in static.index]
    if missing:
        raise ValueError(
            f"static has no row for series {missing[:5]} ({len(missing)} in all); give one row "
            "per series, indexed by unique_id."
        )
    if static.index.has_duplicates:
        raise ValueError("static has more than one row for some series; keep one row per series.")
    rows = static.loc[list(panel.ids)]
    non_numeric = [c for c in rows.columns if not pd.api.types.is_numeric_dtype(rows[c])]
    if non_numeric:
        raise ValueError(
            f"static columns {non_numeric} are not numeric; encode categories as numbers "
            "first (e.g. pd.get_dummies)."
        )
    values = rows.to_numpy(dtype=np.float64)
    check_finite(values, rows.index, "static")
    return values, [str(c) for c in rows.columns]
