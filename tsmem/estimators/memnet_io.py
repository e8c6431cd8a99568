"""Save and load a fitted ``MemNetForecaster`` as one file.

The file is a ``torch.save`` dictionary of plain values and tensors only, so it
loads with ``torch.load(weights_only=True)``: no code runs from a model file.
It holds the hyperparameters, the network config and weights, the scaler
statistics, and the last ``lookback`` steps of every training series with
their timestamps, so a loaded model forecasts from the end of its training data
without that data. Writing goes to a temporary file renamed over the target,
so a failed save never leaves a half-written model behind.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch

from tsmem.data.panel import Panel
from tsmem.data.scaling import PanelScaler
from tsmem.estimators.memnet_covariates import Covariates
from tsmem.training.datamodule import MemNetDataModule
from tsmem.training.module import TRAINING_OPTIONS, MemNetModule, own_hyperparameters

FORMAT = "tsmem.MemNetForecaster"
VERSION = 1


@dataclass
class Fitted:
    """What a fitted ``MemNetForecaster`` holds beside its parameters: everything a file stores.

    Attributes
    ----------
    module
        The trained network, in eval mode on the CPU.
    scaler
        Per-series scaling statistics of the training data.
    history
        The training series (at least their last ``lookback`` steps), forecast from by default.
    best_val_loss
        The lowest validation loss (None without validation).
    n_epochs
        Epochs trained.
    covariates
        The covariates' names, scaling and rows (a
        :class:`tsmem.estimators.memnet_covariates.Covariates`); None for a model without.
    """

    module: MemNetModule
    scaler: PanelScaler
    history: Panel
    best_val_loss: float | None
    n_epochs: int
    covariates: Covariates | None = None


def save(path: str | os.PathLike[str], params: dict[str, Any], fitted: Fitted) -> None:
    """Write a forecaster's ``params`` (``get_params()``) and ``fitted`` state to ``path`` atomically."""
    params = dict(params, trainer_kwargs=None)  # callbacks and loggers are objects: not a model's
    artifact = {
        "format": FORMAT,
        "version": VERSION,
        "params": {name: _plain(value) for name, value in params.items()},
        "config": {name: _plain(value) for name, value in fitted.module.config.to_dict().items()},
        "state_dict": fitted.module.state_dict(),
        "scaler": _scaler_to_plain(fitted.scaler),
        # What predict() reads: the lookback, or a long memory's whole context.
        "history": _panel_to_plain(fitted.history.tail(fitted.module.config.context_length)),
        "fit": {"best_val_loss": fitted.best_val_loss, "n_epochs": fitted.n_epochs},
    }
    covariates = fitted.covariates
    if covariates is not None and (covariates.names or covariates.static_names):
        # Names, scaling and the rows of the history kept above (files without it have none).
        artifact["covariates"] = covariates.tail(fitted.module.config.context_length).to_plain()
    _atomic_save(artifact, path)


def load(path: str | os.PathLike[str]) -> tuple[dict[str, Any], Fitted]:
    """The parameters and fitted state written by :func:`save`.

    A foreign or corrupted file gets a clear ``ValueError``.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"No model file at {path}.")
    try:
        artifact = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # pickle, zip and torch errors all mean the same to the user
        raise ValueError(
            # torch's own message is about pickling internals; the type is enough to report
            f"{path} is not a tsmem model file, or it is corrupted (torch.load: {type(error).__name__}). "
            "Save models with MemNetForecaster.save."
        ) from error
    if not isinstance(artifact, dict) or artifact.get("format") != FORMAT:
        raise ValueError(f"{path} is not a MemNetForecaster file (it holds no '{FORMAT}' marker).")
    version = artifact.get("version")
    # bool is an int to Python, but no writer ever stored one
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(
            f"{path} has the MemNetForecaster marker but no valid format version "
            f"(found {version!r}, expected an integer from 1 to {VERSION}): the file is corrupted "
            "or was not written by MemNetForecaster.save."
        )
    if version > VERSION:
        raise ValueError(f"{path} was written by a newer tsmem (format {version}); upgrade tsmem.")
    try:
        params = artifact["params"]
        if not isinstance(params, dict) or not all(isinstance(name, str) for name in params):
            raise TypeError("'params' is not a dictionary of named options")
        training = {name: params[name] for name in TRAINING_OPTIONS if name in params}
        module = MemNetModule(**artifact["config"], **training)
        module.load_state_dict(artifact["state_dict"])
        fitted = Fitted(
            module.eval(),
            _scaler_from_plain(artifact["scaler"]),
            _panel_from_plain(artifact["history"]),
            artifact["fit"]["best_val_loss"],
            artifact["fit"]["n_epochs"],
            Covariates.from_plain(artifact.get("covariates")),
        )
    except (KeyError, TypeError, AttributeError, RuntimeError, ValueError) as error:
        # A missing entry, a value of the wrong type or weights of the wrong shape: the file is
        # not what save() wrote, and the parts' own messages point inside tsmem.
        raise ValueError(
            f"{path} has the MemNetForecaster marker but its content is damaged "
            f"({type(error).__name__}: {error}); save the model again with MemNetForecaster.save."
        ) from error
    return params, fitted


def _scaler_to_plain(scaler: PanelScaler) -> dict[str, Any]:
    return {
        "method": scaler.method,
        "shift": torch.as_tensor(scaler.shift_),
        "scale": torch.as_tensor(scaler.scale_),
    }


def _scaler_from_plain(plain: dict[str, Any]) -> PanelScaler:
    scaler = PanelScaler(plain["method"])
    scaler.shift_, scaler.scale_ = plain["shift"].numpy(), plain["scale"].numpy()
    return scaler


# -- plain values (what weights_only loading accepts) -------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list):
        return type(value)(_plain(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"Cannot store {value!r} ({type(value).__name__}) in a model file.")


def _panel_to_plain(panel: Panel) -> dict[str, Any]:
    return {
        "values": [torch.as_tensor(v) for v in panel.values],
        "index": [_index_to_plain(ix) for ix in panel.index],
        "ids": [_plain(i) for i in panel.ids],
        "columns": [_plain(c) for c in panel.columns],
        "layout": panel.layout,
        "name": _plain(panel.name),
    }


def _panel_from_plain(plain: dict[str, Any]) -> Panel:
    return Panel(
        tuple(v.numpy() for v in plain["values"]),
        tuple(_index_from_plain(ix) for ix in plain["index"]),
        tuple(plain["ids"]),
        tuple(plain["columns"]),
        plain["layout"],
        plain["name"],
    )


def _index_to_plain(index: pd.Index) -> dict[str, Any]:
    if isinstance(index, pd.RangeIndex):
        return {"kind": "range", "start": index.start, "stop": index.stop, "step": index.step, "name": _plain(index.name)}
    if isinstance(index, pd.PeriodIndex):
        return {"kind": "period", "ordinals": torch.as_tensor(index.asi8), "freq": index.freqstr, "name": _plain(index.name)}
    return {
        "kind": "datetime",
        "ns": torch.as_tensor(index.as_unit("ns").asi8),
        "unit": index.unit,
        "freq": index.freqstr,
        "tz": None if index.tz is None else str(index.tz),
        "name": _plain(index.name),
    }


def _index_from_plain(plain: dict[str, Any]) -> pd.Index:
    if plain["kind"] == "range":
        return pd.RangeIndex(plain["start"], plain["stop"], plain["step"], name=plain["name"])
    if plain["kind"] == "period":
        return pd.PeriodIndex.from_ordinals(plain["ordinals"].numpy(), freq=plain["freq"], name=plain["name"])
    index = pd.DatetimeIndex(plain["ns"].numpy().astype("datetime64[ns]"), name=plain["name"]).as_unit(plain["unit"])
    if plain["tz"] is not None:
        index = index.tz_localize("UTC").tz_convert(plain["tz"])
    return pd.DatetimeIndex(index, freq=plain["freq"]) if plain["freq"] else index


# -- Lightning checkpoints (the CLI's format) ------------------------------------------------
#: Key under which `to_lightning_checkpoint` embeds the forecaster's scaler and history.
EMBEDDED = "tsmem_forecaster"


def to_lightning_checkpoint(
    path: str | os.PathLike[str], fitted: Fitted, data_hparams: dict[str, Any]
) -> None:
    """Write ``fitted`` as a Lightning checkpoint of ``MemNetModule`` + ``MemNetDataModule``.

    ``MemNetModule.load_from_checkpoint`` and ``Trainer.test/predict(ckpt_path=...)``
    (so ``tsmem test/predict --ckpt_path``) read it like one written by ``tsmem fit``.
    ``data_hparams`` (the ``hparams`` of the DataModule the model trained through, dataset
    ``"<in-memory>"``) go under ``datamodule_hyper_parameters``, and the scaler and the last
    ``lookback`` steps of every series under ``"tsmem_forecaster"``, so
    :func:`from_lightning_checkpoint` restores the same state without the training data.
    """
    module = fitted.module
    checkpoint = {
        "pytorch-lightning_version": pl.__version__,
        "epoch": fitted.n_epochs,
        "global_step": 0,
        "state_dict": module.state_dict(),
        "hyper_parameters": own_hyperparameters(module.hparams),
        "datamodule_hyper_parameters": dict(data_hparams),
        "linear_start_active": bool(module.net.linear_start_active),
        EMBEDDED: {
            "scaler": _scaler_to_plain(fitted.scaler),
            "history": _panel_to_plain(fitted.history.tail(module.config.context_length)),
            "best_val_loss": fitted.best_val_loss,
        },
    }
    _atomic_save(checkpoint, path)


def from_lightning_checkpoint(
    path: str | os.PathLike[str], y: Any = None
) -> tuple[dict[str, Any], dict[str, Any], Fitted]:
    """The module's hyperparameters, the DataModule's settings and the fitted state of a checkpoint.

    The network comes from ``hyper_parameters`` and ``state_dict`` (``tsmem fit``'s
    checkpoints, or :func:`to_lightning_checkpoint`'s). The scaler and the history to
    forecast from come from the embedded forecaster state when the checkpoint has one
    (and ``y`` is None); else they are rebuilt by a ``MemNetDataModule`` with the
    checkpoint's ``datamodule_hyper_parameters``: over its dataset (a registered name or
    file, read again here), or over ``y`` for a model trained on in-memory data.
    """
    checkpoint = _read_checkpoint(path)
    network = own_hyperparameters(checkpoint["hyper_parameters"])
    module = MemNetModule(**network)
    module.load_state_dict(checkpoint["state_dict"])
    module.on_load_checkpoint(checkpoint)
    settings = own_hyperparameters(checkpoint.get("datamodule_hyper_parameters", {}))
    embedded = checkpoint.get(EMBEDDED)
    if embedded is not None and y is None:
        scaler = _scaler_from_plain(embedded["scaler"])
        history = _panel_from_plain(embedded["history"])
        best_val_loss = embedded["best_val_loss"]
    else:
        data = _datamodule(settings, y, path)
        data.setup()
        scaler, history, best_val_loss = data.scaler, data.panel, _best_score(checkpoint)
    fitted = Fitted(module.eval(), scaler, history, best_val_loss, int(checkpoint.get("epoch", 0)))
    return network, settings, fitted


def _read_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    if not Path(path).is_file():
        raise FileNotFoundError(f"No checkpoint file at {path}.")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # pickle, zip and torch errors all mean the same to the user
        raise ValueError(f"{path} is not a Lightning checkpoint, or it is corrupted ({error}).") from error
    if not isinstance(checkpoint, dict) or not {"state_dict", "hyper_parameters"} <= set(checkpoint):
        raise ValueError(
            f"{path} is not a Lightning checkpoint of MemNetModule (no state_dict and "
            "hyper_parameters); for files written by MemNetForecaster.save use MemNetForecaster.load."
        )
    return checkpoint


def _datamodule(settings: dict[str, Any], y: Any, path: Any) -> MemNetDataModule:
    """The DataModule the checkpoint was trained with, over its dataset or over ``y``."""
    from tsmem.datasets import list_datasets

    dataset = settings.get("dataset")
    standard_split = settings.get("val_size") is None and settings.get("test_size") is None
    if y is not None:
        if str(dataset).lower() in list_datasets() and standard_split:
            # from_data splits by fractions, not by the benchmark's borders: another scaler.
            raise ValueError(
                f"{path} was trained on the registered dataset {dataset!r} with its standard split; "
                "load it without y (the dataset is read again), then forecast from newer data "
                "with predict(y=...)."
            )
        return MemNetDataModule.from_data(y, **{k: v for k, v in settings.items() if k != "dataset"})
    if dataset is None or dataset == "<in-memory>":
        raise ValueError(
            f"{path} was trained on in-memory data, which a checkpoint does not hold: pass the "
            "training data as y=... to rebuild its scaler and history."
        )
    return MemNetDataModule(**settings)


def _best_score(checkpoint: dict[str, Any]) -> float | None:
    """``best_model_score`` of the ModelCheckpoint that wrote the file, if it recorded one."""
    for key, state in checkpoint.get("callbacks", {}).items():
        if key.startswith("ModelCheckpoint") and state.get("best_model_score") is not None:
            return float(state["best_model_score"])
    return None


def _atomic_save(obj: Any, path: str | os.PathLike[str]) -> None:
    """``torch.save`` to a temporary file beside ``path``, then rename it over ``path``."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}.")
    target = Path(path)
    if not str(path).strip() or target.name in ("", ".", ".."):
        raise ValueError(f"path {str(path)!r} names no file; pass a file path such as 'model.pt'.")
    if target.is_dir():
        raise ValueError(
            f"{target} is a directory; pass a file path inside it, such as {target / 'model.pt'}."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        torch.save(obj, temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
