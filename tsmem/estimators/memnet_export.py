"""Export a fitted :class:`~tsmem.estimators.MemNetForecaster` for serving without tsmem.

Two formats, one graph: the network's forward pass with the scaling inside,

    forecast = network((history - shift) / scale) · scale + shift

* ``"onnx"`` — through ``torch.onnx.export`` (the dynamo exporter; needs the
  ``export`` extra: ``pip install "tsmem[export]"``), run with ``onnxruntime``;
* ``"torch"`` — ``torch.export.export`` saved with ``torch.export.save``, run
  with ``torch.export.load(path).module()`` (torch only).

Inputs (the batch size ``B`` free):

* ``history`` ``(B, L, C)`` float64, ``L = metadata["input_length"]`` (the steps
  ``predict`` feeds the network: ``lookback``, or for a long memory,
  ``memory="history"``, the steps its slots span): each series' last ``L`` observations, left-padded with NaN when it has fewer (the network
  masks them; at least the last ``lookback`` must be observed), as ``predict``
  pads them (:func:`left_pad`);
* ``shift`` and ``scale`` ``(B, C)`` float64: the series' scaling statistics. For the
  series seen in fit they are in the metadata (``ids``, ``shift``, ``scale``); a
  new series takes its own history's (mean and standard deviation for
  ``scaling="standard"``, minimum and range for ``"minmax"``, 0 and 1 for
  ``"none"``), as ``predict(y=...)`` does;
* ``time_features`` ``(B, L, F)`` float32, only for a network with the ``"calendar"``
  temporal encoding (:func:`tsmem.data.calendar_features` of the input's timestamps,
  0 where the input is padding).

Output ``forecast`` (float64): ``(B, H, C)``, or ``(B, H, C, Q)`` for a quantile network
(levels in ``metadata["quantiles"]``, sorted as ``predict`` sorts them; the point
forecast is the one nearest the median). One pass forecasts ``H = horizon`` steps;
``predict``'s roll-forward beyond that is left to the caller.

The metadata (a JSON string) travels inside the file: the ONNX model's
``metadata_props["tsmem"]``, the torch archive's extra file ``tsmem.json``.

Examples
--------
The service code for an ONNX export: load, run (scaling is in the graph).
``left_pad`` is four lines of numpy (below), to copy into a service without tsmem.

>>> import json
>>> import numpy as np
>>> from tsmem.estimators.memnet_export import left_pad
>>> import onnxruntime  # doctest: +SKIP
>>> session = onnxruntime.InferenceSession("memnet.onnx")  # doctest: +SKIP
>>> meta = json.loads(session.get_modelmeta().custom_metadata_map["tsmem"])  # doctest: +SKIP
>>> row = meta["ids"].index("H1")  # a series seen in fit  # doctest: +SKIP
>>> history = left_pad([np.float64(last_values)[:, None]], meta["input_length"])  # doctest: +SKIP
>>> inputs = {"history": history, "shift": np.float64(meta["shift"])[[row]],  # doctest: +SKIP
...           "scale": np.float64(meta["scale"])[[row]]}
>>> forecast = session.run(["forecast"], inputs)[0]  # (1, horizon, 1)  # doctest: +SKIP

The same with the torch format: ``program = torch.export.load("memnet.pt2", extra_files=
{"tsmem.json": ""})`` gives the metadata in the dict passed, and
``program.module()(history, shift, scale)`` the forecast. The examples above skip
because they need a saved model and the ``export`` extra;
``tests/test_export.py`` runs both formats end to end.
"""

from __future__ import annotations

import contextlib
import copy
import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor, nn

if TYPE_CHECKING:
    from tsmem.estimators.memnet import MemNetForecaster

FORMATS = ("onnx", "torch")
METADATA_KEY = "tsmem"  # ONNX metadata_props key; the torch archive's file is tsmem.json
INPUT_NAMES = ("history", "shift", "scale", "time_features")


class ServingGraph(nn.Module):
    """The network between scaling and unscaling: what the exported file computes."""

    def __init__(self, network: nn.Module, quantiles: bool) -> None:
        super().__init__()
        self.network = network
        self.quantiles = quantiles

    def forward(self, history: Tensor, shift: Tensor, scale: Tensor, time_features: Tensor | None = None) -> Tensor:
        # Scaling in float64 and the network in float32, exactly as predict does, so the
        # forecast matches it at any magnitude (float32 alone is 1.5e-5 coarse at 256).
        shift, scale = shift[:, None, :], scale[:, None, :]  # (B, 1, C) float64
        out = self.network(((history - shift) / scale).float(), time_features).forecast.double()  # (B, H, C[, Q])
        if self.quantiles:
            out = out * scale[..., None] + shift[..., None]  # (B, H, C, Q)
            return torch.sort(out, dim=-1).values  # predict's monotone rearrangement
        return out * scale + shift  # (B, H, C)


def export(forecaster: MemNetForecaster, path: str | Path, format: str = "onnx") -> str:
    """Write ``forecaster``'s network, with its scaling, to ``path`` (see the module docstring).

    Parameters
    ----------
    forecaster
        A fitted :class:`~tsmem.estimators.MemNetForecaster`.
    path
        The file to write (``.onnx``, ``.pt2`` by convention).
    format
        ``"onnx"`` or ``"torch"``.

    Returns
    -------
    str
        The path written.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}.")
    forecaster._check_fitted()
    path = Path(path)
    graph, example = _graph_and_example(forecaster)
    metadata = json.dumps(_metadata(forecaster, example))
    names = list(INPUT_NAMES[: len(example)])
    batch = torch.export.Dim("batch", min=1)
    dynamic_shapes = {name: {0: batch} for name in names}
    if format == "torch":
        with _exporter_notes_hidden():
            program = torch.export.export(graph, example, dynamic_shapes=dynamic_shapes)
        torch.export.save(program, path, extra_files={f"{METADATA_KEY}.json": metadata})
        return str(path)
    onnx = _require("onnx", "export(format='onnx')")
    _require("onnxscript", "export(format='onnx')")  # the dynamo exporter's translator
    with _exporter_notes_hidden():
        torch.onnx.export(
            graph, example, path, input_names=names, output_names=["forecast"],
            dynamic_shapes=dynamic_shapes, dynamo=True, external_data=False, verbose=False,
        )
    model = onnx.load(path)
    onnx.helper.set_model_props(model, {METADATA_KEY: metadata})
    onnx.save(model, path)
    return str(path)


def load_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata written with an export (either format), as a dict."""
    path = Path(path)
    if path.suffix == ".onnx":
        onnx = _require("onnx", "load_metadata of an ONNX file")
        props = {p.key: p.value for p in onnx.load(path, load_external_data=False).metadata_props}
        return json.loads(props[METADATA_KEY])
    extra = {f"{METADATA_KEY}.json": ""}
    torch.export.load(path, extra_files=extra)
    return json.loads(extra[f"{METADATA_KEY}.json"])


# -- helpers ------------------------------------------------------------------------------
def _graph_and_example(forecaster: MemNetForecaster) -> tuple[ServingGraph, tuple[Tensor, ...]]:
    """The graph on a copy of the network (eval mode, CPU), and example inputs from the training data."""
    module = copy.deepcopy(forecaster.module_).cpu().eval()
    network = getattr(module, "net", module)
    graph = ServingGraph(network, quantiles=bool(forecaster.config_.quantiles)).eval()
    history = forecaster.train_
    rows = [i % history.n_series for i in range(2)]  # a batch of 2: torch.export specialises a size of 1
    scaler = forecaster._scaler_for(history)
    # The input length is what predict feeds the network (its lookback, or for a long
    # memory the whole context, NaN-padded): read off the estimator on padded histories.
    padded = left_pad([history.values[r] for r in rows], forecaster.config_.context_length)
    x32, inputs = forecaster._inputs(list(padded), [history.index[r] for r in rows])
    time_features = inputs["time_features"]
    x = torch.as_tensor(padded[:, padded.shape[1] - x32.shape[1] :])  # (2, L, C) float64
    shift = torch.as_tensor(scaler.shift_[rows], dtype=torch.float64)
    scale = torch.as_tensor(scaler.scale_[rows], dtype=torch.float64)
    example = (x, shift, scale) if time_features is None else (x, shift, scale, time_features)
    return graph, example


def left_pad(values: list[np.ndarray], length: int) -> np.ndarray:
    """The last ``length`` steps of every series (T_i, C), left-padded with NaN: (B, length, C).

    Examples
    --------
    >>> left_pad([np.array([[1.0], [2.0], [3.0]])], 4)[0, :, 0].tolist()
    [nan, 1.0, 2.0, 3.0]
    """
    out = np.full((len(values), length, values[0].shape[1]), np.nan)
    for row, v in enumerate(values):
        tail = v[-length:]
        out[row, length - len(tail) :] = tail
    return out


def _metadata(forecaster: MemNetForecaster, example: tuple[Tensor, ...]) -> dict[str, Any]:
    history, config = forecaster.train_, forecaster.config_
    return {
        "format_version": 1,
        "inputs": list(INPUT_NAMES[: len(example)]),
        "input_length": int(example[0].shape[1]),
        "horizon": int(config.horizon),
        "channels": [str(c) for c in history.columns],
        "quantiles": sorted(config.quantiles) if config.quantiles else None,  # as the output is
        "n_time_features": int(example[3].shape[-1]) if len(example) == 4 else 0,
        "scaling": forecaster.scaling,
        "frequency": getattr(history.index[0], "freqstr", None),
        "ids": [str(sid) for sid in history.ids],
        "shift": np.asarray(forecaster.scaler_.shift_, dtype=float).tolist(),  # (S, C)
        "scale": np.asarray(forecaster.scaler_.scale_, dtype=float).tolist(),  # (S, C)
        "torch": torch.__version__,
    }


def _require(name: str, needed_by: str) -> Any:
    try:
        return __import__(name)
    except ImportError as error:
        raise ImportError(
            f"{needed_by} needs the {name!r} package: pip install \"tsmem[export]\" "
            "(onnx, onnxscript, onnxruntime)."
        ) from error


@contextlib.contextmanager
def _exporter_notes_hidden():
    """Hide two notes of torch's exporters that do not concern the exported model: the GRU's
    cached ``_flat_weights`` list, and that every input shares the one ``batch`` axis name."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"The tensor attributes .*_flat_weights")
        warnings.filterwarnings("ignore", message=r"# The axis name: batch will not be used")
        yield
