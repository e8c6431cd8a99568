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

import inspect
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from tsmem.data.panel import Panel
from tsmem.data.scaling import PanelScaler

FORMAT = "tsmem.MemNetForecaster"
VERSION = 1


def save(model: Any, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` atomically (see the module docstring)."""
    params = model.get_params()
    params["trainer_kwargs"] = None  # callbacks and loggers are objects: not part of a model
    artifact = {
        "format": FORMAT,
        "version": VERSION,
        "params": {name: _plain(value) for name, value in params.items()},
        "config": {name: _plain(value) for name, value in model.config_.to_dict().items()},
        "state_dict": model.module_.state_dict(),
        "scaler": {
            "method": model.scaler_.method,
            "shift": torch.as_tensor(model.scaler_.shift_),
            "scale": torch.as_tensor(model.scaler_.scale_),
        },
        "history": _panel_to_plain(model.train_.tail(model.lookback)),
        "fit": {"best_val_loss": model.best_val_loss_, "n_epochs": model.n_epochs_},
    }
    _atomic_save(artifact, path)


def load(cls: type, path: str | os.PathLike[str]) -> Any:
    """Read a model written by :func:`save`; a foreign or corrupted file gets a clear ``ValueError``."""
    from tsmem.training.module import MemNetModule

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
    if artifact["version"] > VERSION:
        raise ValueError(f"{path} was written by a newer tsmem (format {artifact['version']}); upgrade tsmem.")
    model = cls(**artifact["params"])
    module = MemNetModule(**artifact["config"], **model._training_options())
    module.load_state_dict(artifact["state_dict"])
    model.module_ = module.eval()
    model.config_ = module.config
    model.scaler_ = PanelScaler(artifact["scaler"]["method"])
    model.scaler_.shift_ = artifact["scaler"]["shift"].numpy()
    model.scaler_.scale_ = artifact["scaler"]["scale"].numpy()
    model.train_ = _panel_from_plain(artifact["history"])
    model.n_exog_ = 0
    model.best_val_loss_ = artifact["fit"]["best_val_loss"]
    model.n_epochs_ = artifact["fit"]["n_epochs"]
    return model


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


def to_lightning_checkpoint(model: Any, path: str | os.PathLike[str]) -> None:
    """Write a fitted ``model`` as a Lightning checkpoint of ``MemNetModule`` + ``MemNetDataModule``.

    ``MemNetModule.load_from_checkpoint`` and ``Trainer.test/predict(ckpt_path=...)``
    (so ``tsmem test/predict --ckpt_path``) read it like one written by ``tsmem fit``.
    The estimator's data settings go under ``datamodule_hyper_parameters`` (dataset
    ``"<in-memory>"``), and its scaler and the last ``lookback`` steps of every series
    under ``"tsmem_forecaster"``, so :func:`from_lightning_checkpoint` restores the
    same forecaster without the training data.
    """
    import pytorch_lightning as pl

    from tsmem.estimators.memnet import _DATA_OPTIONS
    from tsmem.training.datamodule import MemNetDataModule

    data = MemNetDataModule.from_data(
        model.train_, **{name: getattr(model, name) for name in _DATA_OPTIONS},
        val_size=model._val_steps(model.train_), test_size=0, calendar=model._uses_calendar(),
        seed=0 if model.random_state is None else model.random_state,
    )  # the DataModule the estimator trains through (see MemNetForecaster._fit)
    checkpoint = {
        "pytorch-lightning_version": pl.__version__,
        "epoch": model.n_epochs_,
        "global_step": 0,
        "state_dict": model.module_.state_dict(),
        "hyper_parameters": dict(model.module_.hparams),
        "datamodule_hyper_parameters": dict(data.hparams),
        "linear_start_active": bool(model.module_.net.linear_start_active),
        EMBEDDED: {
            "scaler": {
                "method": model.scaler_.method,
                "shift": torch.as_tensor(model.scaler_.shift_),
                "scale": torch.as_tensor(model.scaler_.scale_),
            },
            "history": _panel_to_plain(model.train_.tail(model.lookback)),
            "best_val_loss": model.best_val_loss_,
        },
    }
    _atomic_save(checkpoint, path)


def from_lightning_checkpoint(cls: type, path: str | os.PathLike[str], y: Any = None) -> Any:
    """A fitted forecaster from a Lightning checkpoint of ``MemNetModule`` (``tsmem fit``'s, or ours).

    The network comes from ``hyper_parameters`` and ``state_dict``. The scaler and
    the history to forecast from come from the embedded forecaster state when the
    checkpoint has one (and ``y`` is None); else they are rebuilt by a
    ``MemNetDataModule`` with the checkpoint's ``datamodule_hyper_parameters``:
    over its dataset (a registered name or file, read again here), or over ``y``
    for a model trained on in-memory data.
    """
    from tsmem.estimators.memnet import _DATA_OPTIONS
    from tsmem.training.datamodule import MemNetDataModule
    from tsmem.training.module import MemNetModule

    checkpoint = _read_checkpoint(path)
    network = dict(checkpoint["hyper_parameters"])
    module = MemNetModule(**network)
    module.load_state_dict(checkpoint["state_dict"])
    module.on_load_checkpoint(checkpoint)
    settings = {
        name: value for name, value in checkpoint.get("datamodule_hyper_parameters", {}).items()
        if not name.startswith("_")  # LightningCLI adds "_instantiator"
    }
    known = _estimator_parameter_names(cls)
    # Network and training options from the module, windowing from the DataModule (which
    # wins for lookback/horizon: the CLI links them from there).
    params = {name: value for name, value in network.items() if name in known}
    params |= {name: settings[name] for name in _DATA_OPTIONS if name in settings}
    model = cls(**params)
    embedded = checkpoint.get(EMBEDDED)
    if embedded is not None and y is None:
        model.scaler_ = PanelScaler(embedded["scaler"]["method"])
        model.scaler_.shift_ = embedded["scaler"]["shift"].numpy()
        model.scaler_.scale_ = embedded["scaler"]["scale"].numpy()
        model.train_ = _panel_from_plain(embedded["history"])
        model.best_val_loss_ = embedded["best_val_loss"]
    else:
        data = _datamodule(MemNetDataModule, settings, y, path).prepare()
        model.scaler_, model.train_ = data.scaler_, data.panel_
        model.best_val_loss_ = _best_score(checkpoint)
    model.module_, model.config_ = module.eval(), module.config
    model.n_exog_ = 0
    model.n_epochs_ = int(checkpoint.get("epoch", 0))
    return model


def _estimator_parameter_names(cls: type) -> set[str]:
    return set(inspect.signature(cls.__init__).parameters) - {"self"}


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


def _datamodule(datamodule_class: type, settings: dict[str, Any], y: Any, path: Any) -> Any:
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
        return datamodule_class.from_data(y, **{k: v for k, v in settings.items() if k != "dataset"})
    if dataset is None or dataset == "<in-memory>":
        raise ValueError(
            f"{path} was trained on in-memory data, which a checkpoint does not hold: pass the "
            "training data as y=... to rebuild its scaler and history."
        )
    return datamodule_class(**settings)


def _best_score(checkpoint: dict[str, Any]) -> float | None:
    """``best_model_score`` of the ModelCheckpoint that wrote the file, if it recorded one."""
    for key, state in checkpoint.get("callbacks", {}).items():
        if key.startswith("ModelCheckpoint") and state.get("best_model_score") is not None:
            return float(state["best_model_score"])
    return None


def _atomic_save(obj: Any, path: str | os.PathLike[str]) -> None:
    """``torch.save`` to a temporary file beside ``path``, then rename it over ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        torch.save(obj, temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
