"""``MemNetForecaster``: tsmem's memory network behind the scikit-learn-style API.

>>> from tsmem.datasets import load_dataset
>>> from tsmem.estimators import MemNetForecaster
>>> y = load_dataset("air_passengers")
>>> model = MemNetForecaster(lookback=36, horizon=12, window=6, stride=3, max_epochs=2,
...                          random_state=0, verbose=False).fit(y)
>>> model.predict().shape
(12,)

The estimator owns no hyperparameter of its own making: the network's come from
:class:`tsmem.nn.MemNetConfig`, the training options from
:class:`tsmem.training.MemNetModule`, the windowing from
:class:`tsmem.training.MemNetDataModule` (see :mod:`tsmem.training.signature`).
Training runs through a Lightning ``Trainer`` with early stopping on a held-out
validation tail, keeping the best weights (``ModelCheckpoint``).
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch
from sklearn.utils.validation import check_is_fitted

from tsmem.data import calendar_features, future_index
from tsmem.data.panel import Panel
from tsmem.data.scaling import PanelScaler
from tsmem.estimators import memnet_io
from tsmem.estimators.base import BaseForecaster, Forecast
from tsmem.nn import MemNetConfig
from tsmem.training.datamodule import MemNetDataModule
from tsmem.training.fitting import fit_best
from tsmem.training.module import MemNetModule
from tsmem.training.signature import bind, keyword_parameters, merge, set_signature

#: Options of the estimator itself (fit loop and data handling), beside those it shares.
ESTIMATOR_OPTIONS = {
    "max_epochs": 30,
    "val_size": 0.1,
    "patience": 5,
    "random_state": None,
    "verbose": True,
    "trainer_kwargs": None,
}
_DATA_OPTIONS = ("lookback", "horizon", "batch_size", "scaling", "train_step")
_DERIVED = ("n_channels", "n_time_features")  # read off the data in fit


def _estimator_parameters() -> list[inspect.Parameter]:
    own = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default) for name, default in ESTIMATOR_OPTIONS.items()]
    data = [p for p in keyword_parameters(MemNetDataModule.__init__) if p.name in _DATA_OPTIONS]
    network_and_training = keyword_parameters(MemNetModule.__init__, exclude=_DERIVED)
    return merge(data, network_and_training, own)


class MemNetForecaster(BaseForecaster):
    """A memory-network forecaster (design.md §2) with ``fit``/``predict``.

    Parameters
    ----------
    lookback, horizon, batch_size, scaling, train_step
        Windowing, as in :class:`tsmem.training.MemNetDataModule` (defaults there).
    window, stride, d_model, hops, hop_update, output, ... and every other field of
        :class:`tsmem.nn.MemNetConfig`, with its defaults; ``n_channels`` and
        ``n_time_features`` are read off the data (calendar features are computed from
        the timestamps when ``"calendar"`` is in ``temporal_encoding``).
    loss, learning_rate, weight_decay, lr_schedule, warmup_steps, linear_start_epochs, huber_delta
        Training options of :class:`tsmem.training.MemNetModule`.
    max_epochs : int, default 30
        Most epochs to train.
    val_size : int or float, default 0.1
        Steps (int) or fraction (float) at the end of every series held out for
        early stopping; at least ``horizon`` steps. 0 trains for ``max_epochs`` and
        keeps the last weights.
    patience : int, default 5
        Epochs without a better validation loss before training stops.
    random_state : int or None
        Seeds weight initialisation and batch order: the same seed gives the same
        forecast on CPU.
    verbose : bool, default True
        Show Lightning's progress bar and messages.
    trainer_kwargs : dict or None
        Passed to ``pl.Trainer`` (``accelerator``, ``devices``, ``strategy``,
        ``precision``, ``callbacks``, ``logger``...), overriding the defaults above;
        extra callbacks run beside early stopping and checkpointing.

    Notes
    -----
    ``predict(horizon=h)`` with ``h`` beyond the trained ``horizon`` rolls forward:
    the forecast is fed back as input, ``horizon`` steps at a time (errors compound;
    refit with a longer horizon for better long forecasts). With ``quantiles`` set,
    the point forecast is the median quantile, and ``predict(quantiles=...)`` may ask
    for any subset of the trained levels.
    """

    supports_quantiles: ClassVar[bool] = True

    def __init__(self, **params: Any) -> None:
        for name, value in bind(type(self).__init__, params, type(self).__name__).items():
            setattr(self, name, value)

    # -- fit ------------------------------------------------------------------------
    def _validate_params(self) -> None:
        # MemNetConfig raises the clear errors; the data-derived sizes are stand-ins here.
        self._config(n_channels=1, n_time_features=1 if self._uses_calendar() else 0)
        if not isinstance(self.max_epochs, int) or self.max_epochs < 1:
            raise ValueError(f"max_epochs must be a positive integer, got {self.max_epochs!r}.")
        if self.trainer_kwargs is not None and not isinstance(self.trainer_kwargs, dict):
            raise ValueError(f"trainer_kwargs must be a dict of pl.Trainer options, got {type(self.trainer_kwargs).__name__}.")

    def _min_length(self) -> int:
        return self.lookback + self.horizon

    def _fit(self, panel: Panel, exog: list[np.ndarray] | None) -> None:
        if self.random_state is not None:
            pl.seed_everything(self.random_state, workers=True, verbose=False)
        data = MemNetDataModule.from_data(
            panel, **{name: getattr(self, name) for name in _DATA_OPTIONS},
            val_size=self._val_steps(panel), test_size=0, calendar=self._uses_calendar(),
            seed=0 if self.random_state is None else self.random_state,
        ).prepare()
        if self._uses_calendar() and data.n_time_features == 0:
            raise ValueError(
                "temporal_encoding 'calendar' needs timestamps with calendar cycles, but y has "
                "integer positions (or too coarse a frequency). Drop 'calendar', or pass y with a "
                "DatetimeIndex."
            )
        config = self._config(n_channels=data.n_channels, n_time_features=data.n_time_features)
        module = MemNetModule(**config.to_dict(), **self._training_options())
        result = fit_best(
            module, data, max_epochs=self.max_epochs, patience=self.patience, verbose=self.verbose,
            deterministic=self.random_state is not None, trainer_kwargs=self.trainer_kwargs,
        )
        # Fitted state is assigned last, so a failed fit leaves a previous fit intact.
        self.module_, self.scaler_, self.config_ = module, data.scaler_, config
        self.best_val_loss_, self.n_epochs_ = result.best_val_loss, result.n_epochs

    def _config(self, n_channels: int, n_time_features: int) -> MemNetConfig:
        names = [p.name for p in keyword_parameters(MemNetModule.__init__) if p.name in MemNetConfig.__dataclass_fields__]
        values = {name: getattr(self, name) for name in names if name not in _DERIVED}
        return MemNetConfig(**values, n_channels=n_channels, n_time_features=n_time_features)

    def _training_options(self) -> dict[str, Any]:
        names = [p.name for p in keyword_parameters(MemNetModule.__init__) if p.name not in MemNetConfig.__dataclass_fields__]
        return {name: getattr(self, name) for name in names}

    def _val_steps(self, panel: Panel) -> int | float:
        if not self.val_size:
            return 0
        shortest = int(panel.lengths.min())
        steps = self.val_size if isinstance(self.val_size, int) else int(shortest * self.val_size)
        return max(steps, self.horizon)

    def _uses_calendar(self) -> bool:
        return "calendar" in tuple(self.temporal_encoding)

    # -- predict ----------------------------------------------------------------------
    def _predict(
        self, history: Panel, horizon: int, exog: list[np.ndarray] | None, quantiles: tuple[float, ...]
    ) -> Forecast:
        trained = self.config_.quantiles or ()
        missing = sorted(set(quantiles) - set(trained))
        if missing:
            raise ValueError(
                f"The model was trained for quantiles {list(trained) or 'none'}; {missing} are not among "
                "them. Refit with quantiles=(...) including them."
            )
        self._check_history_length(history)
        scaler = self._scaler_for(history)
        values = scaler.transform(list(history.values))
        steps = []
        index = list(history.index)
        while sum(s.shape[1] for s in steps) < horizon:
            block = self._forecast_block(values, index)  # (S, H, C[, Q]) scaled
            steps.append(block)
            point = _point(block, trained)
            values = [np.concatenate([v, p]) for v, p in zip(values, point, strict=True)]
            index = [ix.append(future_index(ix, self.horizon)) for ix in index]
        forecast = scaler.inverse_transform(np.concatenate(steps, axis=1)[:, :horizon])
        if not trained:
            return forecast, None
        forecast = np.sort(forecast, axis=-1)  # monotone rearrangement: quantiles never cross
        wanted = [trained.index(q) for q in quantiles]
        return _point(forecast, trained), forecast[..., wanted] if quantiles else None

    def _forecast_block(self, values: list[np.ndarray], index: list[pd.Index]) -> np.ndarray:
        """One pass of the network: the next ``horizon`` steps, on the scaled scale."""
        with torch.no_grad():
            return self.module_(*self._inputs(values, index)).forecast.numpy().astype(np.float64)

    def _inputs(self, values: list[np.ndarray], index: list[pd.Index]) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The network's input: the last ``lookback`` steps (S, L, C) and their calendar features (S, L, F)."""
        x = torch.as_tensor(np.stack([v[-self.lookback :] for v in values]), dtype=torch.float32)
        if not self._uses_calendar():
            return x, None
        features = np.stack([calendar_features(ix[-self.lookback :]).to_numpy() for ix in index])
        return x, torch.as_tensor(features, dtype=torch.float32)

    def _check_history_length(self, history: Panel) -> None:
        short = history.lengths < self.lookback
        if short.any():
            sid = history.ids[int(np.flatnonzero(short)[0])]
            raise ValueError(
                f"Series {sid!r} has {history.lengths.min()} observations; the model reads "
                f"lookback={self.lookback}. Pass a longer history."
            )

    def _scaler_for(self, history: Panel) -> PanelScaler:
        """Training statistics for series seen in fit; a new series' own history otherwise."""
        fitted = self.train_
        position = {sid: i for i, sid in enumerate(fitted.ids)}
        if fitted.n_series == 1 and history.n_series == 1:
            rows = [0]
        elif all(sid in position for sid in history.ids):
            rows = [position[sid] for sid in history.ids]
        else:
            return PanelScaler(self.scaling).fit(list(history.values))
        scaler = PanelScaler(self.scaling)
        scaler.shift_, scaler.scale_ = self.scaler_.shift_[rows], self.scaler_.scale_[rows]
        return scaler

    # -- explain --------------------------------------------------------------------------
    def explain(self, y: Any = None) -> pd.DataFrame:
        """Which past windows the next forecast read, and how much, per hop.

        Parameters
        ----------
        y
            A history to explain the forecast from (default: the training data).

        Returns
        -------
        pd.DataFrame
            One row per series, channel, hop and memory slot: ``unique_id``,
            ``channel``, ``hop`` (1..K), ``slot`` (1 = most recent window),
            ``window_start`` and ``window_end`` (timestamps of the slot's first and
            last step) and ``weight`` (its attention weight; each hop's weights sum to 1).
        """
        self._check_fitted()
        history = self.train_ if y is None else self._new_history(y)
        self._check_history_length(history)
        if self.config_.hops == 0:
            raise ValueError("This model has hops=0 (no memory): there is no attention to explain.")
        values = self._scaler_for(history).transform(list(history.values))
        with torch.no_grad():
            attention = self.module_(*self._inputs(values, list(history.index))).attention.numpy()  # (S, G, K, N)
        return _attention_frame(attention, history, self.config_)

    def _check_fitted(self) -> None:
        check_is_fitted(self, "module_")

    # -- save and load ---------------------------------------------------------------------
    def save(self, path: str) -> None:
        """Write the fitted model (weights, config, scalers, frequency) to one file, atomically."""
        self._check_fitted()
        memnet_io.save(self, path)

    @classmethod
    def load(cls, path: str) -> MemNetForecaster:
        """Read a model written by :meth:`save`, on CPU; no code runs from the file."""
        return memnet_io.load(cls, path)

    @classmethod
    def from_checkpoint(cls, path: str, y: Any = None) -> MemNetForecaster:
        """A fitted forecaster from a Lightning checkpoint (``tsmem fit``'s, or :meth:`to_checkpoint`'s).

        Parameters
        ----------
        path : str
            A ``.ckpt`` file of ``MemNetModule`` trained with ``MemNetDataModule``.
        y : optional
            The training data, for a checkpoint of a model trained on in-memory data
            without an embedded history. Not needed for ``tsmem fit``'s checkpoints:
            their DataModule settings (stored by Lightning under
            ``datamodule_hyper_parameters``) name the dataset, which is read again to
            rebuild the scaler and the history; ``predict()`` then forecasts from the
            end of every series, as ``tsmem predict`` does.
        """
        return memnet_io.from_lightning_checkpoint(cls, path, y)

    def to_checkpoint(self, path: str) -> None:
        """Write the fitted model as a Lightning checkpoint of ``MemNetModule`` (see :meth:`from_checkpoint`).

        ``MemNetModule.load_from_checkpoint(path)`` and ``tsmem test/predict
        --ckpt_path path`` read it; the scaler and the last ``lookback`` steps are
        embedded, so ``from_checkpoint(path)`` gives back this forecaster.
        """
        self._check_fitted()
        memnet_io.to_lightning_checkpoint(self, path)

    # -- export for serving ------------------------------------------------------------------
    def export(self, path: str, format: str = "onnx") -> str:
        """Write the fitted network, with its scaling inside, for serving without tsmem.

        ``format="onnx"`` (run with onnxruntime; needs ``pip install "tsmem[export]"``) or
        ``"torch"`` (``torch.export``; run with ``torch.export.load(path).module()``). The
        batch size is free. Inputs, outputs, the metadata stored in the file and the
        service code: :mod:`tsmem.estimators.memnet_export`. Returns the path written.
        """
        from tsmem.estimators import memnet_export

        return memnet_export.export(self, path, format)

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        return {
            "lookback": 24, "horizon": 6, "window": 4, "stride": 4, "d_model": 8, "max_epochs": 2,
            "batch_size": 16, "quantiles": (0.1, 0.5, 0.9), "random_state": 0, "verbose": False,
            "trainer_kwargs": {"accelerator": "cpu"},
        }


set_signature(MemNetForecaster.__init__, _estimator_parameters())


# -- helpers -------------------------------------------------------------------------------
def _point(forecast: np.ndarray, quantiles: tuple[float, ...]) -> np.ndarray:
    """The point forecast: itself, or the quantile nearest the median (last axis)."""
    if not quantiles:
        return forecast
    return forecast[..., int(np.argmin(np.abs(np.asarray(quantiles) - 0.5)))]


def _attention_frame(attention: np.ndarray, history: Panel, config: MemNetConfig) -> pd.DataFrame:
    S, G, K, N = attention.shape
    L, w, s = config.lookback, config.window, config.stride
    rows = []
    for series in range(S):
        index = history.index[series][-L:]
        slot = np.arange(N)
        first = L - 2 * w - slot * s  # slot i starts here, 0 = most recent (see tsmem.nn.slots)
        for group in range(G):
            channel = history.columns[group] if G == history.n_channels else "all"
            for hop in range(K):
                rows.append(pd.DataFrame({
                    "unique_id": history.ids[series], "channel": channel, "hop": hop + 1, "slot": slot + 1,
                    "window_start": index[first], "window_end": index[first + w - 1],
                    "weight": attention[series, group, hop],
                }))
    return pd.concat(rows, ignore_index=True)
