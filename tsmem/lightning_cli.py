"""``tsmem fit | validate | test | predict``: train and evaluate memory networks from YAML configs.

A ``LightningCLI`` over :class:`tsmem.training.MemNetModule` (``--model.*``) and
:class:`tsmem.training.MemNetDataModule` (``--data.*``)::

    tsmem fit --config experiments/configs/etth1_memnet.yaml --model.hops 3 --trainer.max_epochs 5
    tsmem fit --config experiments/configs/etth1_memnet.yaml --print_config > run.yaml
    tsmem test --config run.yaml --ckpt_path runs/etth1_memnet/version_0/checkpoints/last.ckpt

Settings the two share are given once, under ``data``: ``lookback`` and
``horizon`` are copied to the model when the command line is parsed;
``n_channels`` and ``n_time_features`` are read off the loaded data when the
classes are built (see :meth:`TsmemCLI.add_arguments_to_parser`).

Every ``fit`` gets its own folder, ``<trainer.default_root_dir>/version_<n>/``,
holding ``config.yaml`` (the complete config of the run), ``metrics.csv``
(CSV logger; TensorBoard events in ``tensorboard/`` when tensorboard is
installed) and ``checkpoints/`` (the best by ``val_loss`` and ``last.ckpt``);
``fit`` prints the folder and the checkpoints' paths.
``test`` and ``predict`` from ``--ckpt_path`` write ``test_metrics.json`` and
``predictions.csv`` (see :mod:`tsmem.training.callbacks`) into that checkpoint's
run folder (the folder above its ``checkpoints/``), or into ``--output DIR``; they
print the paths they wrote. Without a checkpoint they get a version folder of
their own, like ``fit``.

Lightning's info messages (banner, tips, model summary, "`Trainer.fit` stopped")
are hidden for the duration of a command; its warnings show, and its progress
bars go to stderr (``--trainer.enable_progress_bar false`` turns them off), so
stdout carries only results: the test table and the paths written.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from pytorch_lightning import Trainer
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint, TQDMProgressBar
from pytorch_lightning.cli import LightningArgumentParser, LightningCLI
from pytorch_lightning.loggers import CSVLogger, Logger, TensorBoardLogger

from tsmem.cli import COMMANDS
from tsmem.training.callbacks import ForecastWriter, ProtocolMetrics, run_dir
from tsmem.training.datamodule import MemNetDataModule
from tsmem.training.fitting import lightning_info_hidden, train_controller_first
from tsmem.training.module import MemNetModule

PROG = "tsmem"

#: Trainer settings a CPU run should start from; configs and the command line override them.
TRAINER_DEFAULTS = {"max_epochs": 20, "gradient_clip_val": 1.0, "log_every_n_steps": 10}


# Noise for tsmem's run layout, where every invocation gets a fresh folder by design and
# the window loader hands out whole batches (no per-sample indices to track).
_QUIET = (
    r".*LeafSpec.*",  # Lightning 2.6 calls a torch pytree API that torch 2.13 deprecates
    r"The dirpath has changed from .* won't be reloaded",
    r"Couldn't infer the batch indices fetched from your dataloader",
    # `args` always holds the command line here (the console script passes sys.argv[1:]).
    r"LightningCLI's args parameter is intended to run from within Python",
)


class StderrProgressBar(TQDMProgressBar):
    """Lightning's tqdm progress bars, on stderr instead of stdout.

    Lightning builds each bar with ``file=sys.stdout``, read when the bar is made:
    pointing ``sys.stdout`` at stderr for that moment is all it takes.
    """

    def init_sanity_tqdm(self) -> Any:
        return _on_stderr(super().init_sanity_tqdm)

    def init_train_tqdm(self) -> Any:
        return _on_stderr(super().init_train_tqdm)

    def init_validation_tqdm(self) -> Any:
        return _on_stderr(super().init_validation_tqdm)

    def init_test_tqdm(self) -> Any:
        return _on_stderr(super().init_test_tqdm)

    def init_predict_tqdm(self) -> Any:
        return _on_stderr(super().init_predict_tqdm)


def _on_stderr(make: Any) -> Any:
    with contextlib.redirect_stdout(sys.stderr):
        return make()


class TsmemArgumentParser(LightningArgumentParser):
    """LightningCLI's parser, with a one-line usage in error messages.

    The full usage lists every option of the Trainer, the model and the data
    (some 150 lines) and would bury the ``error:`` line; ``--help`` still shows it.
    """

    def print_usage(self, file: Any = None) -> None:
        prog = self.prog.replace(" [options]", "")
        (file or sys.stdout).write(
            f"usage: {prog} [-h] [-c CONFIG] [--print_config] [--<group>.<option> VALUE ...]\n"
        )


class TsmemCLI(LightningCLI):
    """LightningCLI with tsmem's argument links, callbacks, run folders and early config errors."""

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        """Link the shared settings and add the run's callbacks as configurable groups.

        ``data.lookback``/``data.horizon`` are copied to ``model.*`` at parse time
        (plain values); ``n_channels``/``n_time_features`` only exist once the
        DataModule has read its data, so they are linked at instantiation: the
        DataModule is built first and its properties are passed to the model.
        Link targets are not options of their own: ``--model.lookback`` is refused,
        which keeps a config from saying two different things.
        """
        parser.link_arguments("data.lookback", "model.lookback")
        parser.link_arguments("data.horizon", "model.horizon")
        parser.link_arguments("data.n_channels", "model.n_channels", apply_on="instantiate")
        parser.link_arguments(
            "data.n_time_features", "model.n_time_features", apply_on="instantiate"
        )
        for width in ("n_covariates", "n_future_covariates", "n_static"):  # --data.*_covariates
            parser.link_arguments(f"data.{width}", f"model.{width}", apply_on="instantiate")
        # Callback groups (rather than trainer_defaults) so they show in --print_config
        # and can be tuned, e.g. --early_stopping.patience 10.
        parser.add_lightning_class_args(ModelCheckpoint, "checkpoint")
        parser.set_defaults(
            {
                "checkpoint.monitor": "val_loss",
                "checkpoint.mode": "min",
                "checkpoint.save_last": True,
                "checkpoint.filename": "best-{epoch}-{val_loss:.4f}",
            }
        )
        parser.add_lightning_class_args(EarlyStopping, "early_stopping")
        parser.set_defaults({"early_stopping.monitor": "val_loss", "early_stopping.patience": 5})
        parser.add_lightning_class_args(ProtocolMetrics, "test_metrics")
        parser.add_lightning_class_args(ForecastWriter, "forecasts")
        parser.add_argument(
            "--output",
            type=str | None,
            default=None,
            help="test and predict: the folder for test_metrics.json / predictions.csv "
            "(default: the run folder of --ckpt_path, the one holding its checkpoints/)",
        )

    #: The subcommands that write their results beside the checkpoint's run.
    WRITERS = ("test", "predict")

    def before_instantiate_classes(self) -> None:
        """Keep ``fast_dev_run`` from writing ``last.ckpt``; refuse a checkpoint for other sizes.

        Lightning 2.6's ``ModelCheckpoint.on_train_end`` saves the last checkpoint
        even under ``fast_dev_run``, which promises to write none.
        """
        config = self._subcommand_config()
        if config.get("trainer", {}).get("fast_dev_run") and "checkpoint" in config:
            config.checkpoint.save_last = False
        if config.get("output") and self.subcommand not in self.WRITERS:
            self.exit_with_error(
                f"--output is for test and predict; {self.subcommand} writes its run folder under "
                "--trainer.default_root_dir."
            )
        self._check_checkpoint_settings(config)

    def _subcommand_config(self) -> Any:
        """The parsed config of the subcommand being run (``self.config`` holds all of them)."""
        return self.config.get(str(self.subcommand), self.config)

    def _check_checkpoint_settings(self, config: Any) -> None:
        """Refuse, before any work, data settings that cannot fit ``--ckpt_path``'s network.

        LightningCLI takes the model's hyperparameters from the checkpoint, but
        ``lookback`` and ``horizon`` come from ``--data.*`` (they are linked), and the
        network's sizes depend on them: a different value would otherwise end in a
        state-dict size-mismatch traceback from deep inside torch.
        """
        try:
            trained = _read_checkpoint(config.get("ckpt_path")).get("hyper_parameters", {})
        except CheckpointError as error:
            self.exit_with_error(str(error))
        data = config.get("data", {})
        clashes = [
            f"data.{name}={data[name]} (the checkpoint was trained with {trained[name]})"
            for name in ("lookback", "horizon")
            if name in trained and data.get(name) is not None and data[name] != trained[name]
        ]
        if clashes:
            self.exit_with_error(
                f"--ckpt_path {config.get('ckpt_path')} does not fit this run: "
                + ", ".join(clashes)
                + ". A checkpoint's network is sized for the lookback and horizon it was trained"
                " with; use the run's own config.yaml (beside its checkpoints/) or set these back."
            )

    def instantiate_classes(self) -> None:
        """Build data, model and trainer; a bad dataset or setting exits with a parser error.

        The DataModule reads its data here (the ``n_channels`` link needs it), so a
        missing benchmark file or an unknown dataset name surfaces now, before any
        training, as one ``error:`` line with the registry's message (which says
        where to put the file) and exit code 2 instead of a traceback.
        """
        try:
            super().instantiate_classes()
        except (FileNotFoundError, ValueError) as error:
            self.exit_with_error(f"{type(error).__name__}: {error}")

    def _check_weights_fit(self) -> None:
        """Refuse ``--ckpt_path`` weights of other shapes than the network built from the data.

        The checkpoint's hyperparameters build the model, but the channel count and the
        calendar features come from the data (linked): another dataset gives another
        network. Checked here, before the Trainer loads the weights, so the user reads
        which tensors differ instead of a traceback from ``load_state_dict``.
        """
        state = _read_checkpoint(self._subcommand_config().get("ckpt_path")).get("state_dict")
        if state is None:
            return
        network = self.model.state_dict()
        mismatches = [
            f"size mismatch for {name}: {tuple(value.shape)} in the checkpoint, "
            f"{tuple(network[name].shape)} here"
            for name, value in state.items()
            if name in network and tuple(value.shape) != tuple(network[name].shape)
        ]
        missing = sorted(set(network) - set(state))
        unexpected = sorted(set(state) - set(network))
        if missing:
            mismatches.append(f"missing weights {missing[:3]}")
        if unexpected:
            mismatches.append(f"unexpected weights {unexpected[:3]}")
        if mismatches:
            self.exit_with_error(
                f"--ckpt_path does not fit the network these settings build ({mismatches[0]}"
                + (f", and {len(mismatches) - 1} more" if len(mismatches) > 1 else "")
                + "). Use the data settings the checkpoint was trained with: the run's own "
                "config.yaml, beside its checkpoints/, has them."
            )

    # LightningCLI's public hooks, run after the classes are built and before the Trainer
    # method: each subcommand checks its checkpoint's weights first.
    def before_fit(self) -> None:
        self._check_weights_fit()
        if self.model.trains_in_two_stages:
            self._train_controller_first()

    #: Trainer settings the first stage of a residual memory shares with the run's own fit.
    STAGE_ONE_TRAINER = ("accelerator", "devices", "precision", "fast_dev_run", "limit_train_batches",
                         "limit_val_batches", "gradient_clip_val", "deterministic")

    def _train_controller_first(self) -> None:
        """``--model.memory_training residual``: the controller alone first, then ``fit`` runs.

        Stage 1 trains the network without memory to early stopping (the run's
        ``max_epochs``, early-stopping patience and device settings; no checkpoints or
        logs of its own) and freezes it under the memory; the Trainer's fit is stage 2,
        the memory alone, with the run's callbacks and loggers. Resuming (``--ckpt_path``)
        a stage-2 run only freezes the controller: the checkpoint holds its weights.
        """
        config = self._subcommand_config()
        if config.get("ckpt_path"):
            self.model.start_from_controller(self.model.controller_alone())  # frozen, weights from the checkpoint
            return
        trainer = config.get("trainer", {})
        shared = {key: trainer[key] for key in self.STAGE_ONE_TRAINER if trainer.get(key) is not None}
        first = train_controller_first(
            self.model, self.datamodule, max_epochs=self.trainer.max_epochs,
            patience=config.get("early_stopping", {}).get("patience", 5), verbose=1,
            trainer_kwargs=shared,
        )  # fmt: skip
        loss = "" if first.best_val_loss is None else f", best val_loss {first.best_val_loss:.4f}"
        print(f"{PROG} fit: stage 1 of 2 (memory_training=residual), the controller alone: "
              f"{first.n_epochs} epoch(s){loss}; stage 2 trains the memory on it, frozen.", file=sys.stderr)

    def before_validate(self) -> None:
        self._check_weights_fit()

    def before_test(self) -> None:
        self._check_weights_fit()
        self._started = time.time()

    def before_predict(self) -> None:
        self._check_weights_fit()
        self._started = time.time()

    def after_fit(self) -> None:
        """Say where the run went: its folder and the checkpoints written."""
        if self.trainer.fast_dev_run:
            return  # nothing written
        checkpoint = self.trainer.checkpoint_callback
        paths = [getattr(checkpoint, name, "") for name in ("best_model_path", "last_model_path")]
        print(f"fit: wrote {run_dir(self.trainer)}" + "".join(f"\n  {p}" for p in paths if p))

    def after_test(self) -> None:
        self._print_written(ProtocolMetrics)

    def after_predict(self) -> None:
        self._print_written(ForecastWriter)

    def _print_written(self, kind: type) -> None:
        """Say where the command's result file went (only a file this run wrote)."""
        for callback in self.trainer.callbacks:
            if isinstance(callback, kind):
                path = run_dir(self.trainer) / callback.filename
                if path.is_file() and path.stat().st_mtime >= self._started - 1:
                    print(f"{self.subcommand}: wrote {path}")

    def _output_dir(self) -> Path | None:
        """Where ``test``/``predict`` write: ``--output``, else the run folder of ``--ckpt_path``."""
        config = self._subcommand_config()
        if self.subcommand not in self.WRITERS:
            return None
        if config.get("output"):
            return Path(config["output"])
        checkpoint = config.get("ckpt_path")
        if not checkpoint or not os.path.isfile(checkpoint):
            return None  # no run to write beside (or "best"/"last": Lightning's own lookup)
        folder = Path(checkpoint).resolve().parent
        return folder.parent if folder.name == "checkpoints" else folder

    def exit_with_error(self, message: str) -> None:
        """Stop like a parser error: the one-line usage, ``tsmem <subcommand>: error: ...``, exit 2."""
        prog = f"{PROG} {self.subcommand}" if self.subcommand else PROG
        TsmemArgumentParser(prog=prog).error(message)

    def instantiate_trainer(self, **kwargs: Any) -> Trainer:
        """The Trainer, with tsmem's loggers unless the config names its own.

        ``test``/``predict`` into an existing run (:meth:`_output_dir`) log nothing
        and save no config: the run already holds the config and metrics of its
        fit, and the result files go beside them (``trainer.log_dir`` is then
        ``default_root_dir``, where the callbacks write).
        """
        config = self._subcommand_config().get("trainer", {})
        output = self._output_dir()
        if output is not None:
            kwargs |= {"logger": False, "default_root_dir": str(output)}
            self.save_config_callback = None
        elif config.get("logger") in (None, True):
            # fast_dev_run swaps any logger for a dummy: False spares Lightning's "logger=True
            # will use CSVLogger" warning about its default, which would otherwise be built first.
            kwargs["logger"] = (
                False
                if config.get("fast_dev_run")
                else default_loggers(config.get("default_root_dir") or os.getcwd())
            )
        trainer = super().instantiate_trainer(**kwargs)
        # Lightning's own bar (type exactly TQDMProgressBar), same settings, on stderr.
        for i, callback in enumerate(trainer.callbacks):
            if type(callback) is TQDMProgressBar:
                trainer.callbacks[i] = StderrProgressBar(
                    callback.refresh_rate, callback.process_position, getattr(callback, "_leave", False)
                )
        return trainer


class CheckpointError(ValueError):
    """``--ckpt_path`` names no readable Lightning checkpoint (said in one line)."""


def _refuse_unreadable_checkpoint(args: list[str]) -> None:
    """Exit with one ``error:`` line (code 2) if ``--ckpt_path`` names no readable checkpoint.

    LightningCLI reads the checkpoint's hyperparameters while it parses, before any of
    its hooks run, and a bad file would end in a traceback from ``torch.load``; so the
    path on the command line is checked first, with the same reader the hooks use.
    """
    paths = [b for a, b in zip(args, args[1:], strict=False) if a == "--ckpt_path"]
    paths += [a.split("=", 1)[1] for a in args if a.startswith("--ckpt_path=")]
    for path in paths:
        try:
            _read_checkpoint(path)
        except CheckpointError as error:
            command = args[0] if args else ""
            print(f"usage: {PROG} {command} [options]\n{PROG} {command}: error: {error}", file=sys.stderr)
            raise SystemExit(2) from None


def _read_checkpoint(path: str | None) -> dict[str, Any]:
    """The checkpoint at ``path`` (tensors and plain values only), or {} without one.

    Raises :class:`CheckpointError` naming the problem for a missing file, a directory, a
    file torch cannot read with ``weights_only=True`` (corrupted, not a checkpoint, or one
    that would run code: such files are never unpickled) and a ``.tsmem`` model file.
    """
    if not path:
        return {}
    if not os.path.exists(path):
        raise CheckpointError(f"--ckpt_path {path} does not exist; give the path of a .ckpt file.")
    if not os.path.isfile(path):
        raise CheckpointError(f"--ckpt_path {path} is a directory; give a .ckpt file inside it.")
    try:
        checkpoint = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as error:  # noqa: BLE001 - torch raises many kinds for unreadable files
        raise CheckpointError(
            f"--ckpt_path {path} is not a checkpoint tsmem can read ({type(error).__name__}): it is "
            "damaged, not a torch file, or it holds objects that would run code, which are never "
            "loaded. Use a .ckpt written by `tsmem fit` or MemNetForecaster.to_checkpoint."
        ) from None
    if isinstance(checkpoint, dict) and checkpoint.get("format") == "tsmem.MemNetForecaster":
        raise CheckpointError(
            f"--ckpt_path {path} is a MemNetForecaster model file (written by save()), not a Lightning "
            "checkpoint: load it with MemNetForecaster.load(path), or write a checkpoint with "
            "model.to_checkpoint('model.ckpt')."
        )
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise CheckpointError(
            f"--ckpt_path {path} holds no Lightning checkpoint (no state_dict); use a .ckpt written by "
            "`tsmem fit` or MemNetForecaster.to_checkpoint."
        )
    return checkpoint


def default_loggers(root: str | os.PathLike[str]) -> list[Logger]:
    """A CSV logger writing ``<root>/version_<n>/metrics.csv``, and TensorBoard beside it if installed.

    The CSV logger comes first, so its folder is the run's ``trainer.log_dir``
    (config, checkpoints, test metrics, predictions); TensorBoard writes into its
    ``tensorboard/`` subfolder with the same version number.
    """
    csv = CSVLogger(save_dir=root, name="")
    if (
        importlib.util.find_spec("tensorboard") is None
        and importlib.util.find_spec("tensorboardX") is None
    ):
        return [csv]
    board = TensorBoardLogger(save_dir=root, name="", version=csv.version, sub_dir="tensorboard")
    return [csv, board]


def main(argv: Sequence[str] | None = None) -> TsmemCLI:
    """Run ``tsmem <fit|validate|test|predict> [options]``; ``argv`` starts with the subcommand.

    Returns the finished ``TsmemCLI`` (its ``trainer``, ``model`` and ``datamodule``),
    for callers in Python; ``tsmem.cli.main``, the console script, returns nothing.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    _refuse_unreadable_checkpoint(args)
    # Lightning's info messages (banner, litlogger tip, summary) are hidden for this call only.
    with warnings.catch_warnings(), lightning_info_hidden():
        for message in _QUIET:
            warnings.filterwarnings("ignore", message=message)
        return TsmemCLI(
            MemNetModule,
            MemNetDataModule,
            seed_everything_default=0,  # reproducible by default; --seed_everything true draws one
            trainer_defaults=TRAINER_DEFAULTS,
            parser_class=TsmemArgumentParser,
            parser_kwargs={
                "prog": PROG,  # help, usage and errors say `tsmem fit`, whatever sys.argv[0] is
                "description": "Train and evaluate tsmem memory networks (LightningCLI).",
                # the same one-line help as `tsmem --help`
                **{
                    name: {"description": COMMANDS[name].help}
                    for name in LightningCLI.subcommands()
                },
            },
            # MemNetModule configures AdamW and its schedule from its own typed options.
            auto_configure_optimizers=False,
            args=args,
        )
