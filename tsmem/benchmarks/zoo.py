"""The models a benchmark can run, by name.

Baselines are tsmem estimators; neural models are ``MemNetModule`` settings on
top of each protocol's defaults (lookback, window, stride, ...). ``gru`` is the
memory network's own controller with no memory (``hops=0``): the ablation that
says whether the memory does any work.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

#: "neural_ensemble": ``params={"members": [settings, ...]}``, one network trained per
#: member (seeded ``seed * 100 + k``), forecasts combined by their median per step.
#: "median": ``params={"members": [ModelSpec, ...]}``, any models (neural and statistical
#: mixed), each run as on its own, forecasts combined by their median per step (M4 only).
Kind = Literal["naive", "seasonal_naive", "estimator", "neural", "neural_ensemble", "median"]


@dataclass(frozen=True)
class ModelSpec:
    """A benchmark model: how to build it, and the settings that differ from the defaults."""

    name: str
    kind: Kind
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def _neural(name: str, description: str, **params: Any) -> ModelSpec:
    return ModelSpec(name, "neural", params, description)


#: The first version's memory (MemN2N addressing inside the lookback, no retrieved futures,
#: learned recency encodings, gates starting half open): the variants below keep it, so
#: their rows stay comparable with the tables measured before the defaults changed.
FIRST_VERSION = {
    "memory": "lookback", "addressing": "learned", "futures": False, "noop_start": False,
    "temporal_encoding": ("learned",),
}


def _first_version(name: str, description: str, **params: Any) -> ModelSpec:
    return _neural(name, description, **(FIRST_VERSION | params))


#: What the memory networks read on M4 Hourly: week-long windows a day apart and the ten
#: best-scoring slots, like the analog floor's ten past weeks (``experiments/memory.py``,
#: ``ablation.py``, ``m4_members.py`` and ``bench_gpu.py`` share it).
M4_WEEKS = {"window": 168, "stride": 24, "top_k": 10}

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("naive", "naive", description="last value"),
        ModelSpec("seasonal_naive", "seasonal_naive", description="last season"),
        ModelSpec("naive2", "estimator", {"class": "Naive2"}, "M4's seasonally adjusted naive"),
        ModelSpec("autoarima", "estimator", {"class": "AutoARIMA"}, "Hyndman-Khandakar AutoARIMA on statsmodels (tsmem's defaults)"),
        ModelSpec(
            "autoarima_r", "estimator", {"class": "AutoARIMA", "root_check": "expanded", "max_order": None},
            "AutoARIMA with R's rules (expanded-polynomial root check, no max_order in the stepwise search)",
        ),
        ModelSpec("ets", "estimator", {"class": "ETS"}, "ETS chosen by AICc"),
        ModelSpec("theta", "estimator", {"class": "Theta"}, "Theta method"),
        ModelSpec(
            "analog", "estimator", {"class": "Analog", "window": 168, "n_analogs": 10, "temperature": 0.05},
            "non-learned analogues: the 10 past 168-step windows (any offset) most correlated with the last, "
            "their futures re-scaled",
        ),
        _neural("gru", "the controller alone, no memory (hops=0)", hops=0),
        _neural("memnet", "tsmem's default memory: Pearson addressing, retrieved futures, whole-history "
                "slots, no-op start (MemNetConfig defaults)"),
        _first_version("memn2n", "MemN2N: additive u+o update, linear output", hop_update="additive", output="linear"),
        _first_version("gmemn2n", "GMemN2N: gated update, linear output", hop_update="gated", output="linear"),
        _first_version("memnet_recurrent", "GRU-cell hop update, linear output", hop_update="recurrent", output="linear"),
        _first_version("memnet_nonlinear", "gated update, nonlinear output (TMN-NP-like)", hop_update="gated", output="nonlinear"),
        _first_version("memnet_contextual", "gated update, contextual output (TMN-CNP-like)", hop_update="gated", output="contextual"),
        _first_version("memnet_kv", "gated update, key-value slots", hop_update="gated", key_value=True),
        _first_version("memnet_calendar", "gated update, calendar encodings of every slot's time beside the learned ones",
                hop_update="gated", temporal_encoding=("learned", "calendar")),
    )
}

#: The neural memory-network variants among which the validation split picks "memnet_best".
MEMNET_VARIANTS = (
    "memn2n", "gmemn2n", "memnet_recurrent", "memnet_nonlinear", "memnet_contextual", "memnet_kv", "memnet_calendar",
)


def get_model(name: str) -> ModelSpec:
    """The spec called ``name``; an unknown name lists the known ones."""
    if name not in MODELS:
        raise ValueError(f"Unknown benchmark model {name!r}; choose from {sorted(MODELS)}.")
    return MODELS[name]


def variant(name: str, base: str, settings: Sequence[str]) -> ModelSpec:
    """The neural model ``base`` with some settings changed, named ``name``.

    ``settings`` are ``KEY=VALUE`` strings; a value is read as JSON where it parses
    (``336``, ``1e-4``, ``true``, ``["learned"]``) and kept as a string otherwise.
    How ``benchmark.py --variant`` tries a setting on a protocol without a new zoo entry.

    >>> variant("memn2n_ar", "memn2n", ["ar_window=336"]).params["ar_window"]
    336
    """
    spec = get_model(base)
    if spec.kind != "neural":
        raise ValueError(f"Variant {name!r}: {base!r} is a {spec.kind} model; only neural models take settings.")
    if name in MODELS:
        raise ValueError(f"Variant name {name!r} is a zoo model already; give the variant a new name.")
    overrides: dict[str, Any] = {}
    for setting in settings:
        key, sep, text = setting.partition("=")
        if not sep or not key:
            raise ValueError(f"Variant {name!r}: setting {setting!r} is not KEY=VALUE, e.g. ar_window=336.")
        try:
            overrides[key] = json.loads(text)
        except json.JSONDecodeError:
            overrides[key] = text
    changed = ", ".join(f"{key}={value!r}" for key, value in overrides.items())
    return ModelSpec(name, "neural", spec.params | overrides, f"{base} with {changed}")

