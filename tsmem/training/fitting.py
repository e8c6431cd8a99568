"""Train a ``MemNetModule`` on a ``MemNetDataModule`` and keep its best weights.

One place for the training recipe shared by the estimator and the benchmarks:
Lightning's ``EarlyStopping`` on the validation loss, ``ModelCheckpoint`` to
keep the best epoch's weights (restored at the end), gradient clipping, and
quiet output unless asked for (:func:`verbosity`: 0 silent, 1 one progress bar on
stderr, 2 Lightning's own output).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint
from tqdm import tqdm

from tsmem.training.datamodule import MemNetDataModule
from tsmem.training.module import MemNetModule, sized_by_network


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
    verbose: int | bool = 0,
    deterministic: bool = False,
    trainer_kwargs: dict[str, Any] | None = None,
) -> FitResult:
    """Fit ``module`` on ``data``, then load the weights of its best validation epoch.

    Without validation windows it trains ``max_epochs`` and keeps the last
    weights. ``trainer_kwargs`` override the defaults passed to ``pl.Trainer``;
    their ``callbacks`` run beside early stopping and checkpointing. ``verbose``
    is a level of :func:`verbosity`. The module is left in eval mode on the CPU.

    With ``memory_training="residual"`` (a memory network's training option) it fits
    twice: the network without memory (:meth:`MemNetModule.controller_alone`), then the
    memory alone on that frozen controller; ``n_epochs`` counts both stages.
    """
    options = {"max_epochs": max_epochs, "patience": patience, "verbose": verbose,
               "deterministic": deterministic, "trainer_kwargs": trainer_kwargs}
    if not module.trains_in_two_stages:
        return _fit(module, data, **options)
    first = train_controller_first(module, data, **options)
    second = _fit(module, data, **options)
    return FitResult(second.best_val_loss, first.n_epochs + second.n_epochs)


def train_controller_first(
    module: MemNetModule,
    data: MemNetDataModule,
    *,
    max_epochs: int,
    patience: int = 5,
    verbose: int | bool = 0,
    deterministic: bool = False,
    trainer_kwargs: dict[str, Any] | None = None,
) -> FitResult:
    """The first stage of a residual memory (``memory_training="residual"``).

    Fits ``module``'s network without memory (:meth:`MemNetModule.controller_alone`) as
    :func:`fit_best` fits any module, then loads its controller, head and RevIN into
    ``module`` and freezes them: a ``Trainer.fit`` of ``module`` on ``data`` is then the
    second stage, the memory alone (``tsmem fit`` runs it with the run's own callbacks).
    Returns the first stage's result.

    >>> from tsmem.training import MemNetDataModule
    >>> data = MemNetDataModule(dataset="air_passengers", lookback=48, horizon=6, batch_size=16)
    >>> module = MemNetModule(lookback=48, horizon=6, window=8, stride=8, d_model=8,
    ...                       memory_training="residual")
    >>> first = train_controller_first(module, data, max_epochs=2)
    >>> first.n_epochs, any(p.requires_grad for p in module.net.controller.parameters())
    (2, False)
    """
    # A DataModule left to size its windows to the network (context=None) would keep the
    # controller's short context for the memory: it sizes them again for the second stage.
    resize = sized_by_network(data)
    controller = module.controller_alone()
    first = _fit(controller, data, max_epochs=max_epochs, patience=patience, verbose=verbose,
                 deterministic=deterministic, trainer_kwargs=trainer_kwargs)
    if resize:
        data.hparams["context"] = None
    module.start_from_controller(controller)
    return first


def _fit(
    module: MemNetModule,
    data: MemNetDataModule,
    *,
    max_epochs: int,
    patience: int,
    verbose: int | bool,
    deterministic: bool,
    trainer_kwargs: dict[str, Any] | None,
) -> FitResult:
    """One Lightning fit of ``module``, its best validation epoch's weights loaded."""
    level = verbosity(verbose)
    user = dict(trainer_kwargs or {})
    validate = len(data.windows("val")) > 0  # windows() sets the data up
    if validate:
        _check_validation_kept(user)
    with tempfile.TemporaryDirectory(prefix="tsmem-") as folder, _fit_output(level):
        best = ModelCheckpoint(dirpath=folder, monitor="val_loss" if validate else None, save_top_k=1)
        callbacks = [best, *user.pop("callbacks", [])]
        if validate and patience:
            callbacks.insert(0, EarlyStopping(monitor="val_loss", patience=patience))
        if level == 1:
            callbacks.append(EpochProgress())
        options = trainer_options(level, max_epochs, validate=validate, deterministic=deterministic)
        trainer = pl.Trainer(**(options | user | {"callbacks": callbacks}))
        # ddp_spawn/ddp_notebook train in child processes: Lightning hands back the weights and
        # the best checkpoint's path, not the callbacks' state, which the last checkpoint keeps.
        spawned = type(getattr(trainer.strategy, "launcher", None)).__name__ == "_MultiProcessingLauncher"
        if spawned:  # every epoch's state, after the best checkpoint's (checkpoints run in order)
            trainer.callbacks.append(ModelCheckpoint(dirpath=folder, filename="last", monitor=None))
        trainer.fit(module, datamodule=data)
        if validate and best.best_model_path:
            state = torch.load(best.best_model_path, map_location="cpu", weights_only=True)["state_dict"]
            module.load_state_dict(state)
        score, epochs = best.best_model_score, trainer.current_epoch
        if spawned:
            score, epochs = _from_last_checkpoint(os.path.join(folder, "last.ckpt"), best.state_key)
    module.cpu().eval()
    return FitResult(float(score) if validate and score is not None else None, epochs)


def _check_validation_kept(user: dict[str, Any]) -> None:
    """Refuse Trainer options that turn validation off while early stopping needs it.

    Lightning would fail only after the first epoch, deep inside ``EarlyStopping``,
    naming a metric the user never chose.
    """
    if user.get("limit_val_batches", 1) == 0:
        raise ValueError(
            f"trainer_kwargs limit_val_batches={user['limit_val_batches']!r} turns validation "
            "off, but early stopping and keeping the "
            "best weights read the validation loss. To train without validation, hold nothing "
            "out instead (val_size=0 on the estimator)."
        )


def trainer_options(
    level: int, max_epochs: int, *, validate: bool = True, deterministic: bool = False
) -> dict[str, Any]:
    """The ``pl.Trainer`` options of :func:`fit_best` (before the user's ``trainer_kwargs``).

    Nothing runs per step that the fit does not use: no logger (the module's epoch
    metrics reach early stopping and checkpointing through ``callback_metrics``), no
    progress bar or model summary below level 2, no sanity validation (the first epoch
    validates anyway). ``experiments/bench_training.py`` times a fit with these options.

    >>> trainer_options(0, 10)["enable_progress_bar"], trainer_options(2, 10)["enable_progress_bar"]
    (False, True)
    """
    return {
        "max_epochs": max_epochs,
        "logger": False,
        "enable_progress_bar": level == 2,
        "enable_model_summary": level == 2,
        "gradient_clip_val": 1.0,
        "deterministic": deterministic,
        "limit_val_batches": 1.0 if validate else 0,
        "num_sanity_val_steps": 0,
    }


def _from_last_checkpoint(path: str, best_key: str) -> tuple[Any, int]:
    """The best validation score and the number of epochs run, from the last checkpoint."""
    last = torch.load(path, map_location="cpu", weights_only=True)
    return last["callbacks"][best_key].get("best_model_score"), int(last["epoch"]) + 1


def verbosity(verbose: int | bool) -> int:
    """The output level of a fit: 0 silent, 1 one progress bar, 2 Lightning's full output.

    ``True`` is 1 and ``False`` is 0, so ``verbose=True`` shows progress without
    Lightning's banner, model summary and notices.

    >>> verbosity(True), verbosity(False), verbosity(2)
    (1, 0, 2)
    """
    if isinstance(verbose, bool):
        return int(verbose)
    if not isinstance(verbose, int) or verbose not in (0, 1, 2):
        raise ValueError(
            f"verbose must be 0 (silent), 1 (a progress bar) or 2 (Lightning's output), "
            f"or True/False, got {verbose!r}."
        )
    return verbose


class EpochProgress(pl.Callback):
    """One progress bar per fit on stderr, over epochs, with the latest validation loss.

    Shown only when stderr is a terminal, so logs and captured output stay clean.
    """

    def __init__(self) -> None:
        self._bar: Any = None

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._bar = tqdm(
            total=trainer.max_epochs if trainer.max_epochs and trainer.max_epochs > 0 else None,
            desc="MemNet fit", unit="epoch", file=sys.stderr, leave=False, mininterval=0,
            disable=not sys.stderr.isatty(),
        )

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._bar is None:
            return
        loss = trainer.callback_metrics.get("val_loss")
        if loss is not None:
            self._bar.set_postfix(val_loss=f"{float(loss):.4f}", refresh=False)
        self._bar.update(1)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._close()

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException
    ) -> None:
        self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@contextlib.contextmanager
def _fit_output(level: int) -> Iterator[None]:
    """Hide a dependency's deprecation noise always, and Lightning's info messages
    (banner, tips, model summary, "`Trainer.fit` stopped") below level 2."""
    with warnings.catch_warnings():
        # Lightning 2.6 calls a torch pytree API that torch 2.13 deprecates.
        warnings.filterwarnings("ignore", message=".*LeafSpec.*")
        if level >= 2:
            yield
        else:
            with lightning_info_hidden():
                yield


#: The loggers Lightning writes its info messages to (children inherit their level).
LIGHTNING_LOGGERS = ("pytorch_lightning", "lightning.pytorch", "lightning_fabric", "lightning.fabric")


@contextlib.contextmanager
def lightning_info_hidden() -> Iterator[None]:
    """Raise Lightning's loggers to WARNING for the duration of the block, then restore them.

    Scoped to the call rather than a global filter: a user's own logging setup is
    back as it was afterwards, and Lightning's warnings still show.
    """
    loggers = [logging.getLogger(name) for name in LIGHTNING_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
