"""``MemNetForecaster``: tsmem's memory network behind the scikit-learn-style API.

>>> from tsmem.datasets import load_dataset
>>> from tsmem.estimators import MemNetForecaster
>>> y = load_dataset("air_passengers")
>>> model = MemNetForecaster(lookback=36, horizon=12, window=6, stride=3, max_epochs=2,
...                          random_state=0, verbose=False).fit(y)
>>> model.predict().shape
(12,)

The estimator's parameters are those of the parts it trains through, with the
same names and defaults: the windowing of :class:`tsmem.training.MemNetDataModule`,
the network of :class:`tsmem.nn.MemNetConfig` and the training options of
:class:`tsmem.training.MemNetModule` (``tests/test_architecture.py`` keeps them
equal), plus its own fit-loop options. Training runs through a Lightning
``Trainer`` with early stopping on a held-out validation tail, keeping the best
weights (``ModelCheckpoint``).
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch
from sklearn.utils import check_scalar
from sklearn.utils.validation import check_is_fitted

from tsmem.data import calendar_features, future_index
from tsmem.data.panel import Panel
from tsmem.data.scaling import PanelScaler
from tsmem.data.seasonality import dominant_period
from tsmem.estimators import memnet_io
from tsmem.estimators.base import BaseForecaster, Forecast
from tsmem.estimators.memnet_covariates import Covariates, least_squares_effect
from tsmem.estimators.memnet_defaults import Sizes, derive_sizes
from tsmem.nn import MemNetConfig
from tsmem.training.datamodule import MemNetDataModule
from tsmem.training.fitting import fit_best, verbosity
from tsmem.training.module import TRAINING_OPTIONS, MemNetModule
from tsmem.training.quantiles import point_forecast

#: Parameters passed on to the DataModule (windowing and scaling).
DATA_OPTIONS = (
    "lookback", "horizon", "batch_size", "scaling", "train_step", "past_covariates",
    "future_covariates",
)
#: Shared options whose estimator default is None: sized from the data in fit
#: (:mod:`tsmem.estimators.memnet_defaults`), else as given.
SIZED_FROM_DATA = ("lookback", "window", "stride")
#: Network sizes read off the data in fit, not parameters.
DERIVED = ("n_channels", "n_time_features", "n_covariates", "n_future_covariates", "n_static")
#: Most horizon blocks one predict() rolls forward: ``predict(horizon=h)`` allows
#: ``h <= MAX_ROLL_BLOCKS * horizon``. Beyond that a forecast is the model fed its own output
#: hundreds of times (errors compound), and a huge ``h`` would loop for hours.
MAX_ROLL_BLOCKS = 100


class MemNetForecaster(BaseForecaster):
    """A memory-network forecaster (docs/model.md) with ``fit``/``predict``.

    Parameters
    ----------
    lookback, horizon, batch_size, scaling, train_step
        Windowing and scaling: see :class:`tsmem.training.MemNetDataModule` (the same
        defaults).
    past_covariates, future_covariates
        Which columns of ``fit``'s ``X`` are covariates observed only up to the forecast
        origin (``past_covariates``: read with the history, in the query and the memory
        slots) and which are known over the horizon too (``future_covariates``: read with
        the history and over the forecast steps, so ``predict`` needs them there).
        ``future_covariates=None`` makes every column of ``X`` not in ``past_covariates``
        future-known: ``X`` as ``ARIMA`` takes it works unchanged. See Notes.
    window ... dropout
        The network: every field of :class:`tsmem.nn.MemNetConfig` but ``n_channels`` and
        ``n_time_features``, which are read off the data (calendar features are computed
        from the timestamps when ``"calendar"`` is in ``temporal_encoding``); documented
        there.
    loss ... memory_training
        Training options: see :class:`tsmem.training.MemNetModule`.

    ``lookback``, ``window``, ``stride``, ``max_epochs`` and ``patience`` left as
    None are sized from the data in ``fit``
    (:mod:`tsmem.estimators.memnet_defaults`): a window of one season, slots a season
    apart, epochs by the number of training windows. ``sizes_`` holds what was used.
    season_length : int or None, default None
        The seasonal period in steps, which sizes ``window`` and ``stride`` when they
        are None; None finds the dominant period of the data
        (:func:`tsmem.data.seasonality.dominant_period`).
    max_epochs : int or None, default None
        Most epochs to train; None sizes it to the number of training windows.
    val_size : int or float, default 0.1
        Steps (int) or fraction (float) at the end of every series held out for
        early stopping; at least ``horizon`` steps. 0 trains for ``max_epochs`` and
        keeps the last weights.
    patience : int or None, default None
        Epochs without a better validation loss before training stops; None: a fifth
        of ``max_epochs`` (5 to 20).
    random_state : int or None
        Seeds weight initialisation and batch order: the same seed gives the same
        forecast on CPU.
    verbose : int or bool, default 0
        0 (or False): silent. 1 (or True): one progress bar per fit on stderr, with
        the epoch and validation loss, shown only when stderr is a terminal. 2:
        Lightning's own output (banner, model summary, per-epoch bars on stdout).
    trainer_kwargs : dict or None
        Passed to ``pl.Trainer`` (``accelerator``, ``devices``, ``strategy``,
        ``precision``, ``callbacks``, ``logger``...), overriding the defaults above;
        extra callbacks run beside early stopping and checkpointing.

    Notes
    -----
    ``predict(horizon=h)`` with ``h`` beyond the trained ``horizon`` rolls forward:
    the forecast is fed back as input, ``horizon`` steps at a time (errors compound;
    refit with a longer horizon for better long forecasts), at most ``MAX_ROLL_BLOCKS``
    (100) blocks: ``h`` above 100 times the trained ``horizon`` is a ``ValueError``.
    With ``quantiles`` set, the point forecast is the median quantile, and
    ``predict(quantiles=...)`` may ask for any subset of the trained levels.

    **Covariates.** ``fit(y, X=None, static=None)``: ``X`` is laid out like ``y`` and
    aligned on its timestamps as for ``ARIMA`` (a frame indexed by time; for many series
    a long frame ``unique_id, ds, <covariates>``), ``static`` has one numeric row per
    series (a frame indexed by ``unique_id``; a Series for one series) and enters as a
    learned vector added to the query. One ``X`` holds both kinds, and the parameters
    above say which are future-known, because that is a property of the variable
    (a calendar is known ahead, a sensor reading is not), not of the call.
    ``predict(horizon, X=...)`` needs the future-known covariates at the forecast
    steps — the trained ``horizon`` of them at least, even for a shorter forecast — and,
    with a new history ``y``, every covariate at ``y``'s timestamps; missing rows, NaN
    and misaligned timestamps are a ``ValueError`` naming the series and timestamps.
    Covariates are standardised with the training rows' statistics (kept for predict and
    saved with the model). With past covariates a forecast cannot roll beyond the
    trained ``horizon`` (they are unknown there). ``export`` and ``to_checkpoint`` do not
    carry covariates yet and refuse such a model.
    """

    supports_quantiles: ClassVar[bool] = True
    supports_exog: ClassVar[bool] = True

    def __init__(
        self,
        *,
        # Windowing (MemNetDataModule); None: sized from the data in fit.
        lookback: int | None = None,
        horizon: int = 24,
        batch_size: int = 64,
        scaling: Literal["standard", "minmax", "none"] = "standard",
        train_step: int = 1,
        past_covariates: list[str] | None = None,
        future_covariates: list[str] | None = None,
        # The network (MemNetConfig, without the data-derived n_channels, n_time_features).
        window: int | None = None,
        stride: int | None = None,
        d_model: int = 64,
        hops: int = 2,
        controller: Literal["gru", "lstm"] = "gru",
        encoder: Literal["linear", "conv", "gru"] = "linear",
        temporal_encoding: tuple[Literal["learned", "sinusoidal", "calendar"], ...] = ("sinusoidal",),
        key_value: bool = False,
        value_length: int | None = None,
        memory: Literal["lookback", "history"] = "history",
        max_slots: int = 512,
        addressing: Literal["learned", "shared", "pearson"] = "pearson",
        futures: bool = True,
        value_alignment: Literal["zscore", "offset", "none"] = "zscore",
        top_k: int = 0,
        futures_correction: bool = False,
        memory_dropout: float = 0.0,
        noop_start: bool = True,
        attention: Literal["dot", "scaled"] = "scaled",
        hop_update: Literal["additive", "gated", "recurrent", "none"] = "gated",
        learned_h: bool = False,
        shared_gates: bool = False,
        nonlinear_hops: bool = False,
        weight_tying: Literal["adjacent", "layerwise"] = "adjacent",
        output: Literal["linear", "nonlinear", "contextual"] = "linear",
        ar_window: int = 0,
        revin: bool = True,
        quantiles: tuple[float, ...] | None = None,
        channel_mode: Literal["independent", "mixing"] = "independent",
        linear_start: bool = False,
        empty_slot_rate: float = 0.0,
        dropout: float = 0.1,
        # Training (MemNetModule).
        loss: Literal["auto", "mse", "mae", "huber", "pinball", "smape", "mase"] = "auto",
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-2,
        lr_schedule: Literal["cosine", "onecycle", "none"] = "cosine",
        warmup_steps: int = 0,
        linear_start_epochs: int = 0,
        huber_delta: float = 1.0,
        memory_warmup_epochs: int = 0,
        memory_training: Literal["joint", "residual"] = "joint",
        # The fit loop.
        season_length: int | None = None,
        max_epochs: int | None = None,
        val_size: int | float = 0.1,
        patience: int | None = None,
        random_state: int | None = None,
        verbose: int | bool = 0,
        trainer_kwargs: dict[str, Any] | None = None,
    ) -> None:
        # scikit-learn stores every parameter as given; a loop cannot forget one of forty.
        for name, value in locals().items():
            if name != "self":
                setattr(self, name, value)

    # -- fit ------------------------------------------------------------------------
    def fit(self, y: Any, X: pd.DataFrame | None = None, static: Any = None) -> MemNetForecaster:
        """Fit the network to ``y``, with covariates ``X`` and ``static`` (see Notes); returns ``self``."""
        self._static_input = static  # read by _fit; the base class's fit knows only y and X
        try:
            return super().fit(y, X)
        finally:
            self.__dict__.pop("_static_input", None)

    def predict(
        self,
        horizon: int | None = None,
        y: Any = None,
        X: pd.DataFrame | None = None,
        quantiles: Any = None,
        static: Any = None,
        levels: Any = None,
    ) -> pd.Series | pd.DataFrame:
        """Forecast as :meth:`BaseForecaster.predict`; ``X`` holds the covariates (see Notes) and
        ``static`` the static covariates of series not seen in fit."""
        self._static_input = static
        try:
            return super().predict(horizon, y, X, quantiles, levels)
        finally:
            self.__dict__.pop("_static_input", None)

    def _exog(self, X: Any, panel: Panel, history: bool, horizon: int) -> list[np.ndarray] | None:
        """In fit, nothing: the DataModule aligns ``X``. In predict, the scaled covariate rows of
        every series: its history's, then whole blocks of the trained horizon (NaN for the
        past-only covariates, unknown there)."""
        if horizon == 0:
            self._fit_X = X
            return None
        covariates = self.covariates_
        trained = self.config_.horizon
        if covariates.past_names and horizon > trained:
            raise ValueError(
                f"The model reads past covariates {covariates.past_names}, unknown beyond the "
                f"forecast origin: it forecasts at most its horizon={trained} steps at once. "
                "Refit with a longer horizon, or name only future-known covariates."
            )
        steps = -(-horizon // trained) * trained
        return covariates.predict_rows(X, panel, steps, new_history=history)

    def _validate_params(self) -> None:
        # MemNetConfig raises the clear errors; the data-derived sizes are stand-ins here.
        self._config(self._stand_in_sizes(), n_channels=1, n_time_features=1 if self._uses_calendar() else 0)
        for name, least in (("lookback", 1), ("window", 1), ("stride", 1), ("season_length", 1),
                            ("max_epochs", 1), ("patience", 0)):
            if getattr(self, name) is not None:
                check_scalar(getattr(self, name), name, numbers.Integral, min_val=least)
        if isinstance(self.val_size, float):
            if not 0 <= self.val_size < 1:  # NaN too, which fails every comparison
                raise ValueError(
                    f"val_size={self.val_size!r}: a float is the fraction of every series held out, "
                    "in [0, 1); pass an int for a number of steps."
                )
        elif self.val_size is not None:
            check_scalar(self.val_size, "val_size", numbers.Integral, min_val=0)
        for name in ("past_covariates", "future_covariates"):
            names = getattr(self, name)
            if names is not None and (isinstance(names, str) or not isinstance(names, list | tuple)):
                raise ValueError(f"{name} must be a list of X's column names or None, got {names!r}.")
        verbosity(self.verbose)  # 0, 1, 2, True or False, else a ValueError
        if self.trainer_kwargs is not None and not isinstance(self.trainer_kwargs, dict):
            raise ValueError(
                "trainer_kwargs must be a dict of pl.Trainer options, got "
                f"{type(self.trainer_kwargs).__name__}."
            )

    def _min_length(self) -> int:
        return (self.lookback or 2) + self.horizon

    def _stand_in_sizes(self) -> Sizes:
        """Sizes to validate the other options with before the data is seen."""
        window = self.window or 8
        return Sizes(self.season_length or 1, window, self.stride or window,
                     self.lookback or 2 * window, self.max_epochs or 10, self.patience or 5)

    def _sizes(self, panel: Panel) -> Sizes:
        """The data-derived settings (see :mod:`tsmem.estimators.memnet_defaults`)."""
        season = self.season_length
        if season is None:
            longest = int(np.argmax(panel.lengths))
            season = dominant_period(panel.values[longest], panel.index[longest])
        return derive_sizes(
            panel.lengths, self.horizon, self.batch_size, int(self._val_steps(panel)), season,
            window=self.window, stride=self.stride, lookback=self.lookback,
            max_epochs=self.max_epochs, patience=self.patience,
        )

    def _fit(self, panel: Panel, exog: list[np.ndarray] | None) -> None:
        if self.random_state is not None:
            pl.seed_everything(self.random_state, workers=True, verbose=False)
        sizes = self._sizes(panel)
        data = self._datamodule(panel, sizes, self.__dict__.pop("_fit_X", None), self._static_input)
        data.setup()
        if self._uses_calendar() and data.n_time_features == 0:
            raise ValueError(
                "temporal_encoding 'calendar' needs timestamps with calendar cycles, but y has "
                "integer positions (or too coarse a frequency). Drop 'calendar', or pass y with a "
                "DatetimeIndex."
            )
        config = self._config(
            sizes, n_channels=data.n_channels, n_time_features=data.n_time_features,
            n_covariates=data.n_covariates, n_future_covariates=data.n_future_covariates,
            n_static=data.n_static,
        )
        module = MemNetModule.from_config(config, **self._training_options())
        if config.n_future_covariates:  # start the per-step covariate term at least squares
            effect = least_squares_effect(
                data.scaled, data.covariates, config.n_future_covariates,
                [b[1] for b in data.borders], lags=min(config.window, 64),
            )
            with torch.no_grad():
                module.net.future_linear.weight.copy_(torch.as_tensor(effect))
        result = fit_best(
            module, data, max_epochs=sizes.max_epochs, patience=sizes.patience, verbose=self.verbose,
            deterministic=self.random_state is not None, trainer_kwargs=self.trainer_kwargs,
        )
        # Fitted state is assigned last, so a failed fit leaves a previous fit intact.
        self.module_, self.scaler_, self.config_ = module, data.scaler, config
        self.best_val_loss_, self.n_epochs_ = result.best_val_loss, result.n_epochs
        self.sizes_, self.covariates_ = sizes, Covariates.from_datamodule(data)

    def _datamodule(self, panel: Panel, sizes: Sizes, X: Any = None, static: Any = None) -> MemNetDataModule:
        """The DataModule the model trains through (also recorded in its Lightning checkpoints)."""
        options = {name: getattr(self, name) for name in DATA_OPTIONS} | {"lookback": sizes.lookback}
        options |= {name: None if options[name] is None else list(options[name])
                    for name in ("past_covariates", "future_covariates")}
        return MemNetDataModule.from_data(
            panel, X=X, static=static, **options,
            val_size=self._val_steps(panel), test_size=0, calendar=self._uses_calendar(),
            seed=0 if self.random_state is None else self.random_state,
        )

    def _config(self, sizes: Sizes, n_channels: int, n_time_features: int, **covariates: int) -> MemNetConfig:
        names = set(self._get_param_names()) & set(MemNetConfig.__dataclass_fields__)
        values = {name: getattr(self, name) for name in names}
        values |= {"lookback": sizes.lookback, "window": sizes.window, "stride": sizes.stride}
        return MemNetConfig(**values, n_channels=n_channels, n_time_features=n_time_features, **covariates)

    def _training_options(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in TRAINING_OPTIONS}

    def _val_steps(self, panel: Panel) -> int | float:
        if not self.val_size:
            return 0
        shortest = int(panel.lengths.min())
        steps = self.val_size if isinstance(self.val_size, int) else int(shortest * self.val_size)
        return max(steps, self.horizon)

    def _uses_calendar(self) -> bool:
        return "calendar" in tuple(self.temporal_encoding)

    # -- predict ----------------------------------------------------------------------
    def _max_horizon(self) -> int:
        """``MAX_ROLL_BLOCKS`` blocks of the trained horizon (the one of ``set_params``
        before a fit): predict rolls forward one block per network pass."""
        config = getattr(self, "config_", None)
        return MAX_ROLL_BLOCKS * (config.horizon if config is not None else self.horizon)

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
        static = self.covariates_.static_rows(getattr(self, "_static_input", None), history, self.train_.ids)
        H = self.config_.horizon
        # exog: per series, the history's covariate rows then whole blocks of H future rows.
        covariates = None if exog is None else [e[: len(v)] for e, v in zip(exog, values, strict=True)]
        steps = [self._forecast_block(values, list(history.index), covariates, exog, static)]  # (S, H, C[, Q])
        index = list(history.index)
        while sum(s.shape[1] for s in steps) < horizon:  # roll forward: feed the forecast back
            point = point_forecast(steps[-1], trained)
            values = [np.concatenate([v, p]) for v, p in zip(values, point, strict=True)]
            index = [ix.append(future_index(ix, H)) for ix in index]
            if exog is not None:  # only future-known covariates here: they are known ahead
                covariates = [e[: len(v)] for e, v in zip(exog, values, strict=True)]
            steps.append(self._forecast_block(values, index, covariates, exog, static))
        forecast = scaler.inverse_transform(np.concatenate(steps, axis=1)[:, :horizon])
        if not trained:
            return forecast, None
        forecast = np.sort(forecast, axis=-1)  # monotone rearrangement: quantiles never cross
        wanted = [trained.index(q) for q in quantiles]
        return point_forecast(forecast, trained), forecast[..., wanted] if quantiles else None

    def _forecast_block(
        self,
        values: list[np.ndarray],
        index: list[pd.Index],
        covariates: list[np.ndarray] | None = None,
        exog: list[np.ndarray] | None = None,
        static: np.ndarray | None = None,
    ) -> np.ndarray:
        """One pass of the network: the next ``horizon`` steps, on the scaled scale."""
        x, inputs = self._inputs(values, index, covariates, exog, static)
        with torch.inference_mode():
            return self.module_(x, **inputs).forecast.numpy().astype(np.float64)

    def _inputs(
        self,
        values: list[np.ndarray],
        index: list[pd.Index],
        covariates: list[np.ndarray] | None = None,
        exog: list[np.ndarray] | None = None,
        static: np.ndarray | None = None,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor | None]]:
        """The network's input (S, L, C) and its other inputs: calendar features (S, L, F)
        and the covariates (S, L, P) of the last ``context_length`` steps of every series
        (its lookback, or with a long memory as much of its history as the memory holds),
        left-padded with NaN (features and covariates 0) where a series is shorter than the
        longest input; the future-known covariates (S, H, Fk) of the ``H`` steps after
        ``values`` (from ``exog``, rows aligned with ``values`` then the future); ``static``."""
        context = self.config_.context_length
        length = min(context, max(len(v) for v in values))
        x = _left_padded(values, length, np.nan)
        inputs: dict[str, torch.Tensor | None] = {"time_features": None}
        if self._uses_calendar():
            inputs["time_features"] = _left_padded(
                [calendar_features(ix[-length:]).to_numpy() for ix in index], length, 0.0
            )
        c = self.config_
        if c.n_covariates:
            inputs["covariates"] = _left_padded(covariates, length, 0.0)
        if c.n_future_covariates:
            ahead = [e[len(v) : len(v) + c.horizon, : c.n_future_covariates] for e, v in zip(exog, values, strict=True)]
            inputs["future_covariates"] = torch.as_tensor(np.stack(ahead), dtype=torch.float32)
        if c.n_static:
            inputs["static"] = torch.as_tensor(static, dtype=torch.float32)
        return x, inputs

    def _check_history_length(self, history: Panel) -> None:
        short = history.lengths < self.config_.lookback
        if short.any():
            sid = history.ids[int(np.flatnonzero(short)[0])]
            raise ValueError(
                f"Series {sid!r} has {history.lengths.min()} observations; the model reads "
                f"lookback={self.config_.lookback}. Pass a longer history."
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
        exog = None
        if self.covariates_.names:
            if y is not None:
                raise ValueError(
                    "explain(y=...) does not take covariates yet: explain the forecast from the "
                    "training data (explain()), whose covariates the model keeps."
                )
            # The attention does not depend on the future-known covariates' future rows: zeros.
            exog = self.covariates_.scaler.transform(self.covariates_.rows, series=[0] * len(values))
            exog = [np.concatenate([e, np.zeros((self.config_.horizon, e.shape[1]))]) for e in exog]
        static = self.covariates_.static_rows(None, history, self.train_.ids)
        covariates = None if exog is None else [e[: len(v)] for e, v in zip(exog, values, strict=True)]
        x, inputs = self._inputs(values, list(history.index), covariates, exog, static)
        with torch.no_grad():
            attention = self.module_(x, **inputs).attention.numpy()  # (S, G, K, N)
        if attention.shape[-1] == 0:
            raise ValueError(
                "This model's memory is shut: on validation it forecast better without it, so "
                "there is no attention to explain (fit with memory_dropout > 0 to keep both)."
            )
        return _attention_frame(attention, history, self.config_)

    def _check_fitted(self) -> None:
        check_is_fitted(self, "module_")

    # -- save and load ---------------------------------------------------------------------
    def save(self, path: str) -> None:
        """Write the fitted model (weights, config, scalers, frequency) to one file, atomically."""
        self._check_fitted()
        memnet_io.save(path, self.get_params(), self._fitted())

    @classmethod
    def load(cls, path: str) -> MemNetForecaster:
        """Read a model written by :meth:`save`, on CPU; no code runs from the file."""
        params, fitted = memnet_io.load(path)
        return cls(**params)._restore(fitted)

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
        network, settings, fitted = memnet_io.from_lightning_checkpoint(path, y)
        # Network and training options from the module, windowing from the DataModule (which
        # wins for lookback/horizon: the CLI links them from there).
        known = set(cls._get_param_names())
        params = {name: value for name, value in network.items() if name in known}
        params |= {name: settings[name] for name in DATA_OPTIONS if name in settings}
        return cls(**params)._restore(fitted)

    def to_checkpoint(self, path: str) -> None:
        """Write the fitted model as a Lightning checkpoint of ``MemNetModule`` (see :meth:`from_checkpoint`).

        ``MemNetModule.load_from_checkpoint(path)`` and ``tsmem test/predict
        --ckpt_path path`` read it; the scaler and the last ``lookback`` steps are
        embedded, so ``from_checkpoint(path)`` gives back this forecaster.
        """
        self._check_fitted()
        if self.covariates_.names or self.covariates_.static_names:
            raise ValueError(
                "to_checkpoint does not carry covariates yet; save this model with save() "
                "(MemNetForecaster.load reads it back with its covariates)."
            )
        data = self._datamodule(self.train_, self.sizes_)
        memnet_io.to_lightning_checkpoint(path, self._fitted(), dict(data.hparams))

    def _fitted(self) -> memnet_io.Fitted:
        return memnet_io.Fitted(
            self.module_, self.scaler_, self.train_, self.best_val_loss_, self.n_epochs_,
            self.covariates_,
        )

    def _restore(self, fitted: memnet_io.Fitted) -> MemNetForecaster:
        """Take on a fitted state read from a file (the attributes fit would set)."""
        self.module_, self.config_, self.scaler_ = fitted.module, fitted.module.config, fitted.scaler
        self.train_, self.n_exog_ = fitted.history, 0
        self.best_val_loss_, self.n_epochs_ = fitted.best_val_loss, fitted.n_epochs
        c = self.config_  # the sizes the network was built with
        self.covariates_ = fitted.covariates if fitted.covariates is not None else Covariates.none()
        if (c.n_covariates or c.n_static) and not (self.covariates_.names or self.covariates_.static_names):
            raise ValueError(
                "This network reads covariates, which the checkpoint does not carry: use "
                "MemNetForecaster.save/load for models with covariates."
            )
        self.sizes_ = Sizes(self.season_length or 1, c.window, c.stride, c.lookback,
                            self.max_epochs or fitted.n_epochs, self.patience or 0)
        return self

    # -- export for serving ------------------------------------------------------------------
    def export(self, path: str, format: str = "onnx") -> str:
        """Write the fitted network, with its scaling inside, for serving without tsmem.

        ``format="onnx"`` (run with onnxruntime; needs ``pip install "tsmem[export]"``) or
        ``"torch"`` (``torch.export``; run with ``torch.export.load(path).module()``). The
        batch size is free. Inputs, outputs, the metadata stored in the file and the
        service code: :mod:`tsmem.estimators.memnet_export`. Returns the path written.
        """
        from tsmem.estimators import memnet_export

        self._check_fitted()
        c = self.config_
        if c.n_covariates or c.n_future_covariates or c.n_static:
            raise ValueError(
                "export does not support models with covariates yet (the exported graph takes "
                "the history, shift and scale only); serve this model with MemNetForecaster.load "
                "and predict(X=...)."
            )
        return memnet_export.export(self, path, format)

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        return {
            "lookback": 24, "horizon": 6, "window": 4, "stride": 4, "d_model": 8, "max_epochs": 2,
            "batch_size": 16, "quantiles": (0.1, 0.5, 0.9), "random_state": 0, "verbose": False,
            "trainer_kwargs": {"accelerator": "cpu"},
        }


# -- helpers -------------------------------------------------------------------------------
def _left_padded(arrays: list[np.ndarray], length: int, fill: float) -> torch.Tensor:
    """``(S, length, K)`` float32: the last ``length`` rows of every array, left-padded with ``fill``."""
    out = np.full((len(arrays), length, arrays[0].shape[1]), fill)
    for row, a in enumerate(arrays):
        tail = a[-length:]
        out[row, length - len(tail) :] = tail
    return torch.as_tensor(out, dtype=torch.float32)


def _attention_frame(attention: np.ndarray, history: Panel, config: MemNetConfig) -> pd.DataFrame:
    S, G, K, N = attention.shape
    w, s = config.window, config.stride
    rows = []
    for series in range(S):
        index = history.index[series]
        slot = np.arange(N)
        # Slots are anchored at the origin (see tsmem.nn.slots): slot j covers
        # [T - 2w - j·s, T - w - j·s); those before the series' start were padding.
        first = len(index) - 2 * w - slot * s
        real = first >= 0
        for group in range(G):
            channel = history.columns[group] if G == history.n_channels else "all"
            for hop in range(K):
                rows.append(pd.DataFrame({
                    "unique_id": history.ids[series], "channel": channel, "hop": hop + 1,
                    "slot": slot[real] + 1, "window_start": index[first[real]],
                    "window_end": index[first[real] + w - 1], "weight": attention[series, group, hop][real],
                }))
    return pd.concat(rows, ignore_index=True)
