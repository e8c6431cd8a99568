"""Train a ``MemNetModule`` on a ``MemNetDataModule`` and keep its best weights.

One place for the training recipe shared by the estimator and the benchmarks:
Lightning's ``EarlyStopping`` on the validation loss, ``ModelCheckpoint`` to
keep the best epoch's weights (restored at the end), gradient clipping, and
quiet output unless asked for.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import warnings
from dataclasses import dataclass
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint

from tsmem.training.datamodule import MemNetDataModule
from tsmem.training.module import MemNetModule


@dataclass(frozen=True)
class FitResult:
    """What :func:`fit_best` learned about the run.

    Attributes
    ----------
    best_val_loss
        The lowest validation loss (None without validation windows).
    n_epochs
        Epochs run (early stopping may end the fit before ``max_epochs``).
    """

    best_val_loss: float | None
    n_epochs: int


def fit_best(
    module: MemNetModule,
    data: MemNetDataModule,
    *,
    max_epochs: int,
    patience: int = 5,
    verbose: bool = False,
    deterministic: bool = False,
    trainer_kwargs: dict[str, Any] | None = None,
) -> FitResult:
    """Fit ``module`` on ``data``, then load the weights of its best validation epoch.

    Without validation windows it trains ``max_epochs`` and keeps the last
    weights. ``trainer_kwargs`` override the defaults passed to ``pl.Trainer``;
    their ``callbacks`` run beside early stopping and checkpointing. The module
    is left in eval mode on the CPU.
    """
    user = dict(trainer_kwargs or {})
    validate = len(data.windows("val")) > 0  # windows() sets the data up
    with tempfile.TemporaryDirectory(prefix="tsmem-") as folder, _fit_output(verbose):
        best = ModelCheckpoint(dirpath=folder, monitor="val_loss" if validate else None, save_top_k=1)
        callbacks = [best, *user.pop("callbacks", [])]
        if validate and patience:
            callbacks.insert(0, EarlyStopping(monitor="val_loss", patience=patience))
        options = {
            "max_epochs": max_epochs,
            "logger": False,
            "enable_progress_bar": verbose,
            "enable_model_summary": verbose,
            "gradient_clip_val": 1.0,
            "deterministic": deterministic,
            "limit_val_batches": 1.0 if validate else 0,
            "num_sanity_val_steps": 0,
        }
        trainer = pl.Trainer(**(options | user | {"callbacks": callbacks}))
        trainer.fit(module, datamodule=data)
        if validate and best.best_model_path:
            state = torch.load(best.best_model_path, map_location="cpu", weights_only=True)["state_dict"]
            module.load_state_dict(state)
        score = best.best_model_score
    module.cpu().eval()
    return FitResult(float(score) if validate and score is not None else None, trainer.current_epoch)


@contextlib.contextmanager
def _fit_output(verbose: bool):
    """Hide a dependency's deprecation noise always, and Lightning's info messages
    ("GPU available: ...") unless ``verbose``."""
    with warnings.catch_warnings():
        # Lightning 2.6 calls a torch pytree API that torch 2.13 deprecates.
        warnings.filterwarnings("ignore", message=".*LeafSpec.*")
        if verbose:
            yield
        else:
            with _lightning_loggers_at_warning():
                yield


@contextlib.contextmanager
def _lightning_loggers_at_warning():
    loggers = [logging.getLogger(name) for name in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
