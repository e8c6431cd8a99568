"""Lightning module that trains `tsmem.nn.MemNet`.

Batch contract
--------------
Every batch is a ``dict``:

- ``"x"``: float tensor (B, L, C), the lookback (L = ``config.lookback``, or any
  length the model accepts, see `MemNet.forward`);
- ``"y"``: float tensor (B, H, C), the next H values (training, validation and
  test batches; optional for prediction);
- ``"time_features"`` (optional): float tensor (B, L, F), numeric calendar
  features of every lookback step. Read only when the config uses the
  "calendar" temporal encoding (then it is required); ignored otherwise.
- ``"covariates"`` (B, L, P), ``"future_covariates"`` (B, H, Fk), ``"static"``
  (B, S) (optional): covariates read with the history, over the horizon, and per
  series. Read only by a network built for them (``n_covariates``,
  ``n_future_covariates``, ``n_static`` > 0), which then requires them.

Other keys are ignored. All values on the model's scale: the module does no
scaling (the DataModule or RevIN does).

Gradient clipping is a Trainer option: pass ``Trainer(gradient_clip_val=1.0)``
(MemN2N trains with norm clipping; it matters with linear start). The module does
not clip on its own.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Mapping
from typing import Any, Literal

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping
from sklearn.utils import check_scalar
from torch import Tensor

from tsmem.nn import MemNet, MemNetConfig, MemNetOutput
from tsmem.training.losses import get_loss, needs_insample
from tsmem.training.quantiles import point_forecast

LR_SCHEDULES = ("cosine", "onecycle", "none")
MEMORY_TRAINING = ("joint", "residual")


def _check_finite(value: Any, name: str, **bounds: Any) -> None:
    """``check_scalar`` for a real option that must also be finite.

    ``check_scalar`` compares with its bounds, and every comparison with NaN is false, so
    NaN (and inf with no upper bound) would pass and train to NaN forecasts.
    """
    check_scalar(value, name, numbers.Real, **bounds)
    if not math.isfinite(value):
        raise ValueError(f"{name}={value!r} must be a finite number (the default is a good start).")


class MemNetModule(pl.LightningModule):
    """Train, validate and predict with a `MemNet`.

    The network's parameters (``lookback`` ... ``dropout``, the first group of
    ``__init__``) are the fields of :class:`tsmem.nn.MemNetConfig`, with the same
    names, types and defaults, and are documented there (their entries are appended
    below, which is where LightningCLI reads the help of ``--model.hops``).
    ``tests/test_architecture.py`` keeps the two lists equal.
    ``MemNetModule.from_config(config, ...)`` builds one from a config object.

    Parameters
    ----------
    loss : {"auto", "mse", "mae", "huber", "pinball", "smape", "mase"}, default "auto"
        Training loss (:func:`tsmem.training.get_loss`); "pinball" exactly when
        ``quantiles`` is set. "auto" picks "pinball" with quantiles and "mse" without.
    learning_rate : float, default 1e-3
        Peak AdamW learning rate.
    weight_decay : float, default 1e-2
        AdamW weight decay, applied to matrices only (not biases, RevIN affine).
    lr_schedule : {"cosine", "onecycle", "none"}, default "cosine"
        Per-step schedule over ``trainer.estimated_stepping_batches``: linear
        warm-up then cosine decay to 0; PyTorch's OneCycleLR; or constant (after
        the warm-up).
    warmup_steps : int, default 0
        Linear warm-up steps ("cosine", "none"; "onecycle" uses them as its
        rising phase, else 30 %).
    linear_start_epochs : int, default 0
        With ``linear_start=True``: epochs trained without the attention softmax
        (MemN2N linear start) before it is switched on. Must be >= 1 then, 0 otherwise.
    huber_delta : float, default 1.0
        ``delta`` of the Huber loss.
    memory_warmup_epochs : int, default 0
        Epochs trained with the memory shut (the controller and head alone) before it
        opens, with a learning-rate schedule of its own. Early stopping waits until the
        memory has opened, then gives it the full patience; as the best validation epoch
        is kept, a memory that never beats the warmed-up controller is never used. It
        helps where the controller alone is already good (ETTh1/ETTh2 with 10 of 20
        epochs) and hurts where the memory carries the forecast (M4 Hourly: OWA .566
        against .536; README "The controller first"): compare on validation.
    memory_training : {"joint", "residual"}, default "joint"
        "joint" trains the controller, head and memory together. "residual" trains in two
        stages (:func:`tsmem.training.fit_best`): first the network without memory
        (``hops=0``, early stopping, best epoch kept), then, with that controller and head
        frozen, the memory alone, from its no-op start; each epoch scores the memory open
        and shut, and the shut model is the first stage's exactly, so the fitted model's
        validation loss is never above the controller's alone. Not with
        ``memory_dropout`` (the frozen head is already the memory-less forecaster) or
        ``memory_warmup_epochs`` (the first stage is the warm-up, run to convergence).
        :func:`~tsmem.training.fit_best` and ``tsmem fit`` run the two stages (the CLI's
        first stage through :func:`tsmem.training.fitting.train_controller_first`, its own
        fit then the second); a plain ``Trainer.fit`` of a module whose controller still
        trains refuses it rather than train it jointly.
    """

    def __init__(
        self,
        *,
        # The network: MemNetConfig's fields, in its order (documented there).
        lookback: int,
        horizon: int,
        n_channels: int = 1,
        window: int = 16,
        stride: int = 8,
        d_model: int = 64,
        hops: int = 2,
        controller: Literal["gru", "lstm"] = "gru",
        encoder: Literal["linear", "conv", "gru"] = "linear",
        temporal_encoding: tuple[Literal["learned", "sinusoidal", "calendar"], ...] = ("sinusoidal",),
        n_time_features: int = 0,
        n_covariates: int = 0,
        n_future_covariates: int = 0,
        n_static: int = 0,
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
        # Training.
        loss: Literal["auto", "mse", "mae", "huber", "pinball", "smape", "mase"] = "auto",
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-2,
        lr_schedule: Literal["cosine", "onecycle", "none"] = "cosine",
        warmup_steps: int = 0,
        linear_start_epochs: int = 0,
        huber_delta: float = 1.0,
        memory_warmup_epochs: int = 0,
        memory_training: Literal["joint", "residual"] = "joint",
    ) -> None:
        super().__init__()
        # Plain values only, so a checkpoint reloads with torch.load(weights_only=True) and
        # load_from_checkpoint rebuilds the module (under LightningCLI: the parsed config).
        self.save_hyperparameters()
        fields = MemNetConfig.__dataclass_fields__
        config = MemNetConfig(**{k: v for k, v in self.hparams.items() if k in fields})
        if lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule={lr_schedule!r} is not one of {LR_SCHEDULES}.")
        _check_finite(learning_rate, "learning_rate", min_val=0, include_boundaries="neither")
        _check_finite(weight_decay, "weight_decay", min_val=0)
        _check_finite(huber_delta, "huber_delta", min_val=0, include_boundaries="neither")
        check_scalar(warmup_steps, "warmup_steps", numbers.Integral, min_val=0)
        check_scalar(linear_start_epochs, "linear_start_epochs", numbers.Integral, min_val=0)
        check_scalar(memory_warmup_epochs, "memory_warmup_epochs", numbers.Integral, min_val=0)
        if config.linear_start and config.hops > 0 and linear_start_epochs < 1:
            raise ValueError(
                "linear_start=True needs linear_start_epochs >= 1 (epochs without "
                "the softmax); set it, or set linear_start=False."
            )
        if linear_start_epochs > 0 and not (config.linear_start and config.hops > 0):
            raise ValueError(
                f"linear_start_epochs={linear_start_epochs} but the model has no linear start "
                "(linear_start=False or hops=0); set linear_start=True or "
                "linear_start_epochs=0."
            )
        if memory_training not in MEMORY_TRAINING:
            raise ValueError(
                f"memory_training={memory_training!r} is not one of {MEMORY_TRAINING}."
            )
        if memory_training == "residual" and (config.memory_dropout > 0 or memory_warmup_epochs > 0):
            raise ValueError(
                "memory_training='residual' first trains the controller alone to convergence "
                "and keeps its head as the memory-less forecaster; it does not combine with "
                f"memory_dropout={config.memory_dropout} or memory_warmup_epochs="
                f"{memory_warmup_epochs}: set those to 0, or use memory_training='joint'."
            )
        if loss == "auto":
            loss = "pinball" if config.quantiles else "mse"
        self.loss_fn = get_loss(loss, config.quantiles, huber_delta)  # checks loss vs quantiles
        self.config = config
        self.net = MemNet(config)
        self._sums: dict[str, Tensor] = {}  # stage -> scores summed over the epoch's samples
        self._counts: dict[str, int] = {}  # stage -> samples scored

    @classmethod
    def from_config(cls, config: MemNetConfig, **training: Any) -> MemNetModule:
        """A module for ``config`` with the training options ``training``."""
        return cls(**config.to_dict(), **training)

    # -- residual memory training (memory_training="residual") -----------------------------

    def controller_alone(self) -> MemNetModule:
        """This network without its memory (``hops=0``), with the same training options: the
        first stage of ``memory_training="residual"``.

        >>> module = MemNetModule(lookback=48, horizon=4, window=8, stride=8)
        >>> module.controller_alone().config.hops
        0
        """
        options = own_hyperparameters(self.hparams)  # LightningCLI adds keys of its own
        controller = type(self)(**(options | {"hops": 0, "memory_training": "joint"}))
        # It starts from this network's own weights (its initialisation, or a start set
        # before the fit, such as MemNetForecaster's least-squares covariate effect).
        controller.net.load_state_dict(self.net.state_dict(), strict=False)
        return controller

    def start_from_controller(self, controller: MemNetModule) -> None:
        """Take ``controller``'s trained weights (see :meth:`controller_alone`) and freeze them:
        only the memory's own parameters train from here, and with the memory shut this
        network forecasts exactly as ``controller`` does.

        >>> module = MemNetModule(lookback=48, horizon=4, window=8, memory_training="residual")
        >>> module.start_from_controller(module.controller_alone())
        >>> any(p.requires_grad for p in [*module.net.controller.parameters(), *module.net.head.parameters()])
        False
        """
        state = controller.net.state_dict()
        _, unexpected = self.net.load_state_dict(state, strict=False)
        if unexpected:  # controller_alone builds the same parts: a mismatch is a bug here
            raise RuntimeError(f"The controller's weights {unexpected} have no place in this network.")
        for name, parameter in self.net.named_parameters():
            if name in state:
                parameter.requires_grad_(False)

    @property
    def trains_in_two_stages(self) -> bool:
        """Whether :func:`~tsmem.training.fit_best` (and ``tsmem fit``) trains the controller
        first, then the memory (``memory_training="residual"`` on a network with memory).

        >>> MemNetModule(lookback=48, horizon=4, window=8, memory_training="residual").trains_in_two_stages
        True
        >>> MemNetModule(lookback=48, horizon=4, window=8, hops=0, memory_training="residual").trains_in_two_stages
        False
        """
        return self.hparams.get("memory_training") == "residual" and self.config.hops > 0

    def on_fit_start(self) -> None:
        """Refuse a residual memory that a plain ``Trainer.fit`` would train jointly."""
        if self.trains_in_two_stages and any(p.requires_grad for p in self.net.controller.parameters()):
            raise ValueError(
                "memory_training='residual' trains in two stages, the controller alone and then "
                "the memory on it, frozen: tsmem.training.fit_best does that (MemNetForecaster, "
                "`tsmem fit` and the benchmarks train through it), and after "
                "tsmem.training.fitting.train_controller_first a Trainer.fit is the second stage. "
                "A plain Trainer.fit alone would train it jointly: use one of those, or set "
                "memory_training='joint'."
            )

    # -- forward and steps ---------------------------------------------------------------

    def forward(
        self,
        x: Tensor,
        time_features: Tensor | None = None,
        covariates: Tensor | None = None,
        future_covariates: Tensor | None = None,
        static: Tensor | None = None,
    ) -> MemNetOutput:
        """Run the network: see `tsmem.nn.MemNet.forward`."""
        return self.net(x, time_features, covariates, future_covariates, static)

    def _inputs(self, batch: Any) -> tuple[Tensor, dict[str, Tensor | None]]:
        """The lookback ``x`` and the network's other inputs (keyword arguments) of a batch."""
        if not isinstance(batch, Mapping) or "x" not in batch:
            raise ValueError(
                "MemNetModule expects dict batches {'x': (B, L, C), 'y': (B, H, C), "
                f"'time_features': optional (B, L, F)}}; got {type(batch).__name__}."
            )
        c = self.config
        uses_calendar = "calendar" in c.temporal_encoding
        inputs = {"time_features": batch.get("time_features") if uses_calendar else None}
        # Covariates are read only by a network built for them (n_* > 0), which requires them.
        for key, width in (("covariates", c.n_covariates),
                           ("future_covariates", c.n_future_covariates), ("static", c.n_static)):
            if width:
                inputs[key] = batch.get(key)
        return batch["x"], inputs

    def _shared_step(self, batch: Mapping[str, Tensor], stage: str) -> Tensor:
        x, inputs = self._inputs(batch)
        if "y" not in batch:
            raise ValueError(f"A {stage} batch needs the target 'y' (B, H, C).")
        y = batch["y"]
        forecast = self.net(x, **inputs).forecast
        loss = self._loss(forecast, y, x)
        if stage == "train":
            self._add_scores(stage, loss[None], len(x))
        else:
            self._add_scores(stage, self._scores(forecast, y, loss), len(x))
        return loss

    def training_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        """Loss on a training batch; its epoch mean is logged as ``train_loss``.

        With a logger attached, the batch loss is also logged as ``train_loss_step`` on the
        steps the logger writes (every ``log_every_n_steps``).
        """
        loss = self._shared_step(batch, "train")
        trainer = self._trainer  # None when called outside a Trainer
        if trainer is not None and trainer.loggers and trainer.log_every_n_steps:
            # Lightning's self.log costs about 0.5 ms a call on a CPU (a tenth of a small
            # step), so the step curve is logged only on the steps the logger writes.
            if (self.global_step + 1) % trainer.log_every_n_steps == 0:
                self.log("train_loss_step", loss, batch_size=len(batch["x"]))
        return loss

    def _loss(self, forecast: Tensor, y: Tensor, x: Tensor) -> Tensor:
        if needs_insample(self.loss_fn):  # the lookback (a long memory may be NaN-padded)
            return self.loss_fn(forecast, y, x[:, -self.config.lookback :])
        return self.loss_fn(forecast, y)

    def validation_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor | None:
        """Logs ``val_loss``, ``val_mse``, ``val_mae`` (the last two on the point forecast).

        A network with memory is scored twice, with its memory open and shut; the
        epoch's ``val_loss`` is the better of the two, and ``net.memory_open`` (saved
        with the weights) records which, so a memory that does not help on validation
        is not used (see :meth:`on_validation_epoch_end`).
        """
        if self.config.hops == 0:
            return self._shared_step(batch, "val")
        x, inputs = self._inputs(batch)
        if "y" not in batch:
            raise ValueError("A val batch needs the target 'y' (B, H, C).")
        y = batch["y"]
        for is_open in (True, False):
            self.net.memory_open.fill_(is_open)
            forecast = self.net(x, **inputs).forecast
            scores = self._scores(forecast, y, self._loss(forecast, y, x))
            self._add_scores("val_open" if is_open else "val_shut", scores, len(x))
        return None

    def on_validation_epoch_start(self) -> None:
        self._reset_scores("val", "val_open", "val_shut")

    def on_validation_epoch_end(self) -> None:
        """Log the epoch's validation scores; with memory, keep it open only if it scored better."""
        if self.config.hops == 0:
            self._log_means("val", ("val_loss", "val_mse", "val_mae"))
            return
        opened, shut = self._epoch_means("val_open"), self._epoch_means("val_shut")
        if opened is None or shut is None:
            return
        self._hold_early_stopping_while_warming_up()
        is_open = bool(opened[0] <= shut[0])  # the epoch's one host sync
        self.net.memory_open.fill_(is_open)
        loss, mse, mae = opened if is_open else shut
        self.log("val_loss", loss, prog_bar=True)
        self.log("val_mse", mse)
        self.log("val_mae", mae)
        self.log("val_loss_memory_open", opened[0])
        self.log("val_loss_memory_shut", shut[0])

    def test_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        """Scores a test batch: the epoch logs ``test_loss``, ``test_mse``, ``test_mae``."""
        return self._shared_step(batch, "test")

    def on_test_epoch_start(self) -> None:
        self._reset_scores("test")

    def on_test_epoch_end(self) -> None:
        self._log_means("test", ("test_loss", "test_mse", "test_mae"))

    def on_train_epoch_end(self) -> None:
        """Log ``train_loss``, the epoch's mean training loss."""
        self._log_means("train", ("train_loss",))

    # -- epoch scores ------------------------------------------------------------------------
    # Lightning's self.log costs about 0.5 ms a call on a CPU (its result collection moves
    # every metric's state), a tenth of a small training step. So the scores are summed in
    # tensors where they are computed (no host sync per step) and logged once per epoch as
    # means weighted by batch size: what self.log(on_epoch=True, batch_size=B) reports.

    def _scores(self, forecast: Tensor, y: Tensor, loss: Tensor) -> Tensor:
        """(3,) the loss, MSE and MAE of a batch, the last two on the point forecast."""
        error = point_forecast(forecast, self.config.quantiles) - y
        return torch.stack([loss, torch.mean(error**2), torch.mean(error.abs())])

    def _reset_scores(self, *stages: str) -> None:
        for stage in stages:
            self._sums.pop(stage, None)
            self._counts.pop(stage, None)

    def _add_scores(self, stage: str, scores: Tensor, n: int) -> None:
        """Add the scores of a batch of ``n`` samples to the epoch's sums."""
        scores = scores.detach() * n
        self._sums[stage] = self._sums[stage] + scores if stage in self._sums else scores
        self._counts[stage] = self._counts.get(stage, 0) + n

    def _epoch_means(self, stage: str) -> Tensor | None:
        """The epoch's mean scores of ``stage`` over all ranks (None if it scored nothing)."""
        if stage not in self._sums:
            return None
        totals, count = self._sums.pop(stage), self._counts.pop(stage)
        count_t = torch.tensor(float(count), device=totals.device)
        # Under DDP every rank scored its own share of the windows: sum over ranks, so the
        # logged means and the memory's open/shut choice are those of the whole set.
        if self.trainer.world_size > 1:
            totals = self.trainer.strategy.reduce(totals, reduce_op="sum")
            count_t = self.trainer.strategy.reduce(count_t, reduce_op="sum")
        return totals / count_t

    def _log_means(self, stage: str, names: tuple[str, ...]) -> None:
        means = self._epoch_means(stage)
        if means is None:
            return
        for name, value in zip(names, means, strict=True):
            self.log(name, value, prog_bar=name in ("train_loss", "val_loss"))

    def predict_step(
        self, batch: Mapping[str, Tensor], batch_idx: int, dataloader_idx: int = 0
    ) -> MemNetOutput:
        """``MemNetOutput(forecast, attention)`` for a batch (``y`` not needed)."""
        x, inputs = self._inputs(batch)
        return self.net(x, **inputs)

    @property
    def context_length(self) -> int:
        """Input steps the network reads per sample (``MemNetConfig.context_length``)."""
        return self.config.context_length

    def setup(self, stage: str) -> None:
        """Size a ``MemNetDataModule``'s windows to this network's memory.

        Lightning calls this after the DataModule's ``setup`` and before any
        dataloader: a DataModule left at ``context=None`` then serves inputs of
        ``context_length`` steps, so a long memory (``memory="history"``) reads the
        whole past before each window.
        """
        datamodule = self.trainer.datamodule  # setup runs only under a Trainer
        if sized_by_network(datamodule):
            datamodule.hparams["context"] = self.context_length

    # -- linear start ----------------------------------------------------------------------

    def on_train_epoch_start(self) -> None:
        """Keep the softmax off for the first ``linear_start_epochs`` epochs, and the memory
        shut for the first ``memory_warmup_epochs``."""
        self._reset_scores("train")
        if self.config.linear_start:
            self.net.linear_start_active = self.current_epoch < self.hparams.linear_start_epochs
        # Training reads the memory (after any warm-up) whatever the last validation chose.
        self.net.memory_open.fill_(self.current_epoch >= self.hparams.memory_warmup_epochs)

    def _hold_early_stopping_while_warming_up(self) -> None:
        """No early stop before the memory has opened, and the full patience once it has.

        Called before ``EarlyStopping`` checks the epoch (module hooks run before
        monitoring callbacks): its count, set to -1 here, is 0 after every warm-up
        epoch's check, so the memory starts with the whole patience. Its best score
        still counts, so the memory is kept only if it beats the warmed-up controller.
        """
        if self.current_epoch < self.hparams.memory_warmup_epochs:
            for stopper in self.trainer.callbacks:
                if isinstance(stopper, EarlyStopping):
                    stopper.wait_count = -1  # its check adds one (or resets it on improvement)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Store whether linear start is still on, so a reloaded model attends the same way."""
        checkpoint["linear_start_active"] = bool(self.net.linear_start_active)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Restore the linear-start flag saved by `on_save_checkpoint`."""
        self.net.linear_start_active = bool(
            checkpoint.get("linear_start_active", self.config.linear_start)
        )

    # -- optimisation ----------------------------------------------------------------------

    def _memory_warmup_steps(self, total: int) -> int:
        """Optimiser steps of the memory warm-up (0 without one, or without a bounded run)."""
        epochs, max_epochs = self.hparams.memory_warmup_epochs, self.trainer.max_epochs
        if not epochs or self.config.hops == 0 or not max_epochs or max_epochs <= epochs:
            return 0
        return int(total * epochs / max_epochs)

    def configure_optimizers(self) -> dict[str, Any]:
        """AdamW (decay on matrices only) and the per-step LR schedule."""
        hp = self.hparams
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": hp.weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ]
        optimizer = torch.optim.AdamW(groups, lr=hp.learning_rate)
        if hp.lr_schedule == "none" and hp.warmup_steps == 0:
            return {"optimizer": optimizer}

        total = self.trainer.estimated_stepping_batches
        if not math.isfinite(total):
            raise ValueError(
                f"lr_schedule={hp.lr_schedule!r} needs a finite number of steps: set the "
                "Trainer's max_epochs or max_steps, or use lr_schedule='none'."
            )
        total = max(int(total), 1)
        warmup = hp.warmup_steps
        if hp.lr_schedule == "onecycle":
            pct = min(warmup / total, 0.99) if warmup else 0.3
            scheduler: torch.optim.lr_scheduler.LRScheduler = torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=hp.learning_rate, total_steps=total, pct_start=pct
            )
        elif self._memory_warmup_steps(total):
            # Two schedules: the controller's warm-up, then one more for the open memory, so
            # the memory does not start learning on a decayed learning rate.
            first = self._memory_warmup_steps(total)
            scheduler = torch.optim.lr_scheduler.SequentialLR(
                optimizer,
                [warmup_cosine(optimizer, warmup, first, cosine=hp.lr_schedule == "cosine"),
                 warmup_cosine(optimizer, warmup, total - first, cosine=hp.lr_schedule == "cosine")],
                milestones=[first],
            )
        else:
            scheduler = warmup_cosine(optimizer, warmup, total, cosine=hp.lr_schedule == "cosine")
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }


def own_hyperparameters(saved: Mapping[str, Any]) -> dict[str, Any]:
    """Saved hyperparameters without the keys LightningCLI adds (``_instantiator``,
    ``_class_path``): the options a module or DataModule can be built from again.

    >>> own_hyperparameters({"lookback": 48, "_instantiator": "lightning.pytorch.cli.instantiate_module"})
    {'lookback': 48}
    """
    return {name: value for name, value in dict(saved).items() if not name.startswith("_")}


def sized_by_network(datamodule: Any) -> bool:
    """Whether ``datamodule`` left the length of its inputs to the network (``context=None``,
    see :meth:`MemNetModule.setup`).

    >>> from tsmem.training import MemNetDataModule
    >>> sized_by_network(MemNetDataModule()), sized_by_network(MemNetDataModule(context=200))
    (True, False)
    """
    hparams = getattr(datamodule, "hparams", None)
    return hparams is not None and "context" in hparams and hparams["context"] is None


#: MemNetModule's options that are not network fields (the loss, optimiser and schedule).
TRAINING_OPTIONS = tuple(
    name
    for name in inspect.signature(MemNetModule.__init__).parameters
    if name != "self" and name not in MemNetConfig.__dataclass_fields__
)


def warmup_cosine(
    optimizer: torch.optim.Optimizer, warmup: int, total: int, cosine: bool = True
) -> torch.optim.lr_scheduler.LRScheduler:
    """Per-step factors ``(k + 1) / warmup`` for ``k < warmup``, then ``½(1 + cos(π j / (total −
    warmup)))`` at step ``warmup + j`` (or 1 with ``cosine=False``).

    PyTorch's ``LinearLR`` over ``warmup − 1`` steps from ``1 / warmup`` reaches 1 at the
    last warm-up step, then ``CosineAnnealingLR`` decays to 0 by step ``total``.

    Examples
    --------
    >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    >>> scheduler = warmup_cosine(optimizer, warmup=2, total=6)
    >>> factors = []
    >>> for _ in range(6):
    ...     factors.append(round(scheduler.get_last_lr()[0], 3))
    ...     optimizer.step()
    ...     scheduler.step()
    >>> factors
    [0.5, 1.0, 1.0, 0.854, 0.5, 0.146]
    """
    schedulers: list[torch.optim.lr_scheduler.LRScheduler] = []
    if warmup:
        schedulers.append(
            torch.optim.lr_scheduler.LinearLR(
                optimizer, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup - 1
            )
        )
    if cosine:
        schedulers.append(
            torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(total - warmup, 1))
        )
    if not schedulers:
        return torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
    if len(schedulers) == 1:
        return schedulers[0]
    return torch.optim.lr_scheduler.SequentialLR(optimizer, schedulers, milestones=[warmup])


def _with_config_docs(doc: str) -> str:
    """``doc`` (numpydoc, ending in its Parameters section) followed by MemNetConfig's entries."""
    entries = inspect.cleandoc(MemNetConfig.__doc__ or "").split("Parameters\n----------\n", 1)[1]
    return inspect.cleandoc(doc) + "\n" + entries + "\n"


# jsonargparse reads each --model.* option's help from this docstring, and help(MemNetModule)
# shows them: the network's parameters are written once, in MemNetConfig, and appended here.
MemNetModule.__doc__ = _with_config_docs(MemNetModule.__doc__ or "")
