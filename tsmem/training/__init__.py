"""Lightning training: the `MemNetModule`, the `MemNetDataModule` and the losses."""

from tsmem.training.datamodule import MemNetDataModule
from tsmem.training.losses import (
    LOSS_NAMES,
    get_loss,
    huber_loss,
    mae_loss,
    mse_loss,
    pinball_loss,
)
from tsmem.training.module import LR_SCHEDULES, MemNetModule

__all__ = [
    "LOSS_NAMES",
    "LR_SCHEDULES",
    "MemNetDataModule",
    "MemNetModule",
    "get_loss",
    "huber_loss",
    "mae_loss",
    "mse_loss",
    "pinball_loss",
]
