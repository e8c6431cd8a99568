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

Other keys are ignored. All values on the model's scale: the module does no
scaling (the DataModule or RevIN does).

Gradient clipping is a Trainer option: pass ``Trainer(gradient_clip_val=1.0)``
(MemN2N trains with norm clipping; it matters with linear start). The module does
not clip on its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import pytorch_lightning as pl
import torch
from torch import Tensor

from tsmem.nn import MemNet, MemNetConfig, MemNetOutput
from tsmem.training.losses import get_loss, needs_insample
from tsmem.training.signature import (
    config_parameters,
    keyword_parameters,
    merge,
    set_signature,
    with_config_docs,
)

LR_SCHEDULES = ("cosine", "onecycle", "none")


class MemNetModule(pl.LightningModule):
    """Train, validate and predict with a `MemNet`.

    Every field of :class:`tsmem.nn.MemNetConfig` is a keyword argument here
    (``lookback``, ``horizon``, ``hops``, ``hop_update``, ...; see that class for
    their meaning), beside the training options below, so that LightningCLI offers
    ``--model.hops 3`` and the estimator shares the same names (see
    :mod:`tsmem.training.signature`). ``MemNetModule.from_config(config, ...)``
    builds one from a config object.

    Parameters
    ----------
    loss : {"auto", "mse", "mae", "huber", "pinball", "smape", "mase"}, default "auto"
        Training loss; "pinball" exactly when ``quantiles`` is set. "auto" picks
        "pinball" with quantiles and "mse" without. "smape" and "mase" are the M4
        metrics as losses (see :mod:`tsmem.training.losses`).
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
    """

    def __init__(
        self,
        *,
        loss: Literal["auto", "mse", "mae", "huber", "pinball", "smape", "mase"] = "auto",
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-2,
        lr_schedule: Literal["cosine", "onecycle", "none"] = "cosine",
        warmup_steps: int = 0,
        linear_start_epochs: int = 0,
        huber_delta: float = 1.0,
        **network: Any,
    ) -> None:
        super().__init__()
        config = MemNetConfig.from_dict(network)
        if lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule={lr_schedule!r} is not one of {LR_SCHEDULES}.")
        if learning_rate <= 0:
            raise ValueError(f"learning_rate={learning_rate} must be > 0.")
        if weight_decay < 0:
            raise ValueError(f"weight_decay={weight_decay} must be >= 0.")
        if warmup_steps < 0:
            raise ValueError(f"warmup_steps={warmup_steps} must be >= 0.")
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
        if loss == "auto":
            loss = "pinball" if config.quantiles else "mse"
        self.loss_fn = get_loss(loss, config.quantiles, huber_delta)  # checks loss vs quantiles

        # Plain values only (the config as a dict), so a checkpoint reloads with
        # torch.load(weights_only=True) and load_from_checkpoint rebuilds the module.
        # They go in through the (documented, mutable) `hparams` rather than
        # save_hyperparameters(), whose inspection of __init__'s local variables
        # cannot see the network fields that arrive through **network.
        self.hparams.update(
            {
                **config.to_dict(),
                "loss": loss,
                "learning_rate": learning_rate,
                "weight_decay": weight_decay,
                "lr_schedule": lr_schedule,
                "warmup_steps": warmup_steps,
                "linear_start_epochs": linear_start_epochs,
                "huber_delta": huber_delta,
            }
        )
        self.config = config
        self.net = MemNet(config)

    @classmethod
    def from_config(cls, config: MemNetConfig, **training: Any) -> MemNetModule:
        """A module for ``config`` with the training options ``training``."""
        return cls(**config.to_dict(), **training)

    # -- forward and steps ---------------------------------------------------------------

    def forward(self, x: Tensor, time_features: Tensor | None = None) -> MemNetOutput:
        """Run the network: see `tsmem.nn.MemNet.forward`."""
        return self.net(x, time_features)

    def _inputs(self, batch: Any) -> tuple[Tensor, Tensor | None]:
        if not isinstance(batch, Mapping) or "x" not in batch:
            raise ValueError(
                "MemNetModule expects dict batches {'x': (B, L, C), 'y': (B, H, C), "
                f"'time_features': optional (B, L, F)}}; got {type(batch).__name__}."
            )
        uses_calendar = "calendar" in self.config.temporal_encoding
        return batch["x"], batch.get("time_features") if uses_calendar else None

    def _point(self, forecast: Tensor) -> Tensor:
        """Point forecast (B, H, C): the quantile closest to the median if quantiles."""
        qs = self.config.quantiles
        if qs is None:
            return forecast
        mid = min(range(len(qs)), key=lambda i: abs(qs[i] - 0.5))
        return forecast[..., mid]

    def _shared_step(self, batch: Mapping[str, Tensor], stage: str) -> Tensor:
        x, time_features = self._inputs(batch)
        if "y" not in batch:
            raise ValueError(f"A {stage} batch needs the target 'y' (B, H, C).")
        y = batch["y"]
        forecast = self.net(x, time_features).forecast
        if needs_insample(self.loss_fn):  # MASE scales by the lookback's naive error
            loss = self.loss_fn(forecast, y, x)
        else:
            loss = self.loss_fn(forecast, y)
        B = x.shape[0]
        self.log(f"{stage}_loss", loss, prog_bar=stage != "test", batch_size=B)
        if stage != "train":
            point = self._point(forecast)
            self.log(f"{stage}_mse", torch.mean((point - y) ** 2), batch_size=B)
            self.log(f"{stage}_mae", torch.mean((point - y).abs()), batch_size=B)
        return loss

    def training_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        """Loss on a training batch, logged as ``train_loss``."""
        return self._shared_step(batch, "train")

    def validation_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        """Logs ``val_loss``, ``val_mse``, ``val_mae`` (the last two on the point forecast)."""
        return self._shared_step(batch, "val")

    def test_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> Tensor:
        """Logs ``test_loss``, ``test_mse``, ``test_mae``."""
        return self._shared_step(batch, "test")

    def predict_step(
        self, batch: Mapping[str, Tensor], batch_idx: int, dataloader_idx: int = 0
    ) -> MemNetOutput:
        """``MemNetOutput(forecast, attention)`` for a batch (``y`` not needed)."""
        x, time_features = self._inputs(batch)
        return self.net(x, time_features)

    # -- linear start ----------------------------------------------------------------------

    def on_train_epoch_start(self) -> None:
        """Keep the softmax off for the first ``linear_start_epochs`` epochs."""
        if self.config.linear_start:
            self.net.linear_start_active = self.current_epoch < self.hparams.linear_start_epochs

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Store whether linear start is still on, so a reloaded model attends the same way."""
        checkpoint["linear_start_active"] = bool(self.net.linear_start_active)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Restore the linear-start flag saved by `on_save_checkpoint`."""
        self.net.linear_start_active = bool(
            checkpoint.get("linear_start_active", self.config.linear_start)
        )

    # -- optimisation ----------------------------------------------------------------------

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
        else:
            cosine = hp.lr_schedule == "cosine"

            def factor(step: int) -> float:
                if step < warmup:
                    return (step + 1) / warmup
                if not cosine:
                    return 1.0
                progress = min((step - warmup) / max(total - warmup, 1), 1.0)
                return 0.5 * (1.0 + math.cos(math.pi * progress))

            scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }


# The signature LightningCLI, scikit-learn and help() see: the network's fields, then
# the training options (one definition each, in MemNetConfig and in __init__ above).
set_signature(
    MemNetModule.__init__, merge(config_parameters(), keyword_parameters(MemNetModule.__init__))
)
MemNetModule.__doc__ = with_config_docs(MemNetModule.__doc__ or "")
