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
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        torch.save(artifact, temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def load(cls: type, path: str | os.PathLike[str]) -> Any:
    """Read a model written by :func:`save`; a foreign or corrupted file gets a clear ``ValueError``."""
    from tsmem.training.module import MemNetModule

    if not Path(path).is_file():
        raise FileNotFoundError(f"No model file at {path}.")
    try:
        artifact = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # pickle, zip and torch errors all mean the same to the user
        raise ValueError(
            f"{path} is not a tsmem model file, or it is corrupted ({type(error).__name__}: {error}). "
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
