"""The shape of the code: one list of network parameters, layers that import downward, no torch
for the statistics.

- The memory network's parameters are written in four places a user meets them
  (``MemNetConfig``, ``MemNetModule``, ``MemNetForecaster`` and ``tsmem fit --model.*``),
  each explicit, so an IDE and a type checker read them. These tests keep the names,
  defaults and types equal, and name what is missing where.
- ``tsmem`` is built in layers; a module imports only from its own layer or those below
  (an AST walk over ``tsmem/``), and no two modules import each other, even lazily.
- The statistical forecasters, the metrics and the ``tsmem`` help import neither torch nor
  Lightning (checked in a fresh interpreter).
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import inspect
import io
import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pytest
import yaml

from tsmem.estimators import FORECASTERS, MemNetForecaster, Naive2
from tsmem.estimators.memnet import DATA_OPTIONS, DERIVED, SIZED_FROM_DATA
from tsmem.metrics import naive2_forecast
from tsmem.nn import MemNetConfig
from tsmem.training import MemNetDataModule, MemNetModule
from tsmem.training.module import TRAINING_OPTIONS

PACKAGE = Path(__file__).resolve().parent.parent / "tsmem"


# -- one list of parameters ------------------------------------------------------------------
def parameters(function) -> dict[str, tuple[object, object]]:
    """``name -> (default, type)`` of a function's keyword parameters (types resolved)."""
    hints = typing.get_type_hints(function)
    return {
        name: (p.default, hints.get(name))
        for name, p in inspect.signature(function).parameters.items()
        if name != "self"
    }


def config_fields() -> dict[str, tuple[object, object]]:
    hints = typing.get_type_hints(MemNetConfig)
    return {
        f.name: (inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default,
                 hints[f.name])
        for f in dataclasses.fields(MemNetConfig)
    }  # fmt: skip


def differences(reference: dict, other: dict, names, where: str) -> list[str]:
    """What ``other`` lacks or states differently from ``reference``, for ``names``."""
    problems = []
    for name in names:
        if name not in other:
            problems.append(f"{where} lacks {name!r} (default {reference[name][0]!r})")
        elif other[name] != reference[name]:
            problems.append(f"{where}: {name!r} is {other[name]}, expected {reference[name]}")
    return problems


def test_the_module_takes_every_network_field_with_its_default_and_type():
    config, module = config_fields(), parameters(MemNetModule.__init__)
    problems = differences(config, module, config, "MemNetModule.__init__")
    extra = [n for n in module if n not in config and n not in TRAINING_OPTIONS]
    assert not problems and not extra, "\n".join(problems + [f"unexpected {extra}"])
    assert TRAINING_OPTIONS == tuple(n for n in module if n not in config)


def test_the_estimator_takes_the_network_training_and_data_options():
    config, module = config_fields(), parameters(MemNetModule.__init__)
    estimator = parameters(MemNetForecaster.__init__)
    data = parameters(MemNetDataModule.__init__)
    network = [n for n in config if n not in DERIVED]
    # Options the estimator sizes from the data default to None there, typed "T | None".
    sized = {n: (None, data.get(n, config.get(n, module.get(n)))[1] | None) for n in SIZED_FROM_DATA}
    config, module, data = ({n: sized.get(n, v) for n, v in d.items()} for d in (config, module, data))
    problems = (
        differences(config, estimator, [n for n in network if n not in DATA_OPTIONS], "estimator")
        + differences(module, estimator, TRAINING_OPTIONS, "estimator")
        + differences(data, estimator, DATA_OPTIONS, "estimator")
    )
    problems += [f"estimator takes the derived {n!r}" for n in DERIVED if n in estimator]
    # lookback and horizon are required by the config, defaulted like the DataModule's here
    assert {"lookback", "horizon"} <= set(DATA_OPTIONS)
    assert not problems, "\n".join(problems)
    assert not [p for p in inspect.signature(MemNetForecaster).parameters.values()
                if p.kind is not p.KEYWORD_ONLY]  # fmt: skip


def test_the_cli_offers_every_module_option_with_its_default():
    from tsmem.lightning_cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(["fit", "--print_config"])
    printed = yaml.safe_load(out.getvalue())["model"]
    linked = {"lookback", "horizon", "n_channels", "n_time_features",  # read off --data.*
              "n_covariates", "n_future_covariates", "n_static"}
    module = {n: d for n, (d, _) in parameters(MemNetModule.__init__).items() if n not in linked}
    assert sorted(printed) == sorted(module)
    plain = {n: list(d) if isinstance(d, tuple) else d for n, d in module.items()}
    assert {n: printed[n] for n in module} == plain


def test_neural_forecasters_import_on_first_use():
    import tsmem.estimators as estimators

    assert MemNetForecaster in FORECASTERS and Naive2 in FORECASTERS
    assert {"MemNetForecaster", "FORECASTERS"} <= set(dir(estimators))
    with pytest.raises(AttributeError, match="no attribute 'MemNetForecastr'"):
        estimators.MemNetForecastr  # noqa: B018


# -- layers ---------------------------------------------------------------------------------
#: Lowest first; a module may import from its own layer and the layers below it.
LAYERS = (
    {"data", "nn", "metrics", "datasets"},
    {"training"},
    {"estimators"},
    {"backtest", "benchmarks", "plotting"},
    {"cli", "demo", "lightning_cli"},
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (PACKAGE.parent / relative).with_suffix(".py").exists() or (
        PACKAGE.parent / relative / "__init__.py"
    ).exists()


def type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """The import nodes under ``if TYPE_CHECKING:`` (read by type checkers, never run)."""
    nodes = set()
    for node in ast.walk(tree):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and ast.unparse(test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            nodes |= {n for statement in node.body for n in ast.walk(statement)}
    return nodes


def imported_modules(path: Path, runtime_only: bool = False) -> set[str]:
    """Every tsmem module ``path`` imports, at the top or inside functions.

    ``runtime_only`` leaves out the imports under ``if TYPE_CHECKING:``.
    """
    here = module_name(path)
    found = set()
    tree = ast.parse(path.read_text())
    skipped = type_checking_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                package = here.split(".") if path.name == "__init__.py" else here.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:  # `from tsmem import metrics` imports the module tsmem.metrics
                name = f"{base}.{alias.name}"
                found.add(name if is_module(name) else base)
    return {name for name in found if name == "tsmem" or name.startswith("tsmem.")}


def layer_of(module: str) -> int:
    part = module.split(".")[1] if "." in module else ""
    for number, layer in enumerate(LAYERS):
        if part in layer:
            return number
    raise AssertionError(f"{module} is in no layer: add tsmem.{part} to LAYERS in {__file__}.")


IMPORTS = {module_name(p): imported_modules(p) for p in sorted(PACKAGE.rglob("*.py"))}
RUNTIME_IMPORTS = {
    module_name(p): imported_modules(p, runtime_only=True) for p in sorted(PACKAGE.rglob("*.py"))
}


def test_layers_import_downward_only():
    upward = [
        f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
        for module, targets in IMPORTS.items()
        if module != "tsmem"
        for target in sorted(targets)
        if target != "tsmem" and layer_of(target) > layer_of(module)
    ]
    assert not upward, "\n".join(upward)


#: Cycles known and reported (issue 11), each with its owner's fix; a new cycle fails the test,
#: and so does a listed one that is gone (then delete it here).
KNOWN_CYCLES = {
    # EnsembleForecaster.memnet (a classmethod facade) imports memnet_ensemble lazily, which
    # imports EnsembleForecaster: memnet_ensemble() alone, or the facade elsewhere, ends it.
    "tsmem.estimators.ensemble -> tsmem.estimators.memnet_ensemble -> tsmem.estimators.ensemble",
}


def test_no_import_cycles():
    # Imports for type checkers only do not run, so they cannot close a cycle.
    graph = {
        m: {t for t in targets if t in IMPORTS and t != m} for m, targets in RUNTIME_IMPORTS.items()
    }
    state: dict[str, str] = {}  # "open" while on the current path, then "done"
    cycles = []

    def visit(trail: list[str]) -> None:
        node = trail[-1]
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(trail[trail.index(target):] + [target]))
            elif target not in state:
                visit([*trail, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit([node])
    new = [c for c in cycles if c not in KNOWN_CYCLES]
    assert not new, "import cycles:\n" + "\n".join(new)
    gone = KNOWN_CYCLES - set(cycles)
    assert not gone, f"these cycles are fixed: delete them from KNOWN_CYCLES: {sorted(gone)}"


def test_the_layer_test_sees_an_upward_import():
    # The AST walk must find imports inside functions too (a lazy upward import is still one).
    assert "tsmem.estimators.base" in IMPORTS["tsmem.backtest"]
    assert "tsmem.training.datamodule" in IMPORTS["tsmem.estimators.memnet"]
    assert layer_of("tsmem.estimators.naive") > layer_of("tsmem.training.module")
    # ...and sets apart what only type checkers read.
    assert "tsmem.estimators.memnet" in IMPORTS["tsmem.estimators"]
    assert "tsmem.estimators.memnet" not in RUNTIME_IMPORTS["tsmem.estimators"]


# -- statistics without torch -----------------------------------------------------------------
LIGHT = {
    "import tsmem": "import tsmem",
    "the metrics": "from tsmem.metrics import mae, smape, mase, m4_scores, naive2_forecast",
    "the statistical estimators": (
        "from tsmem.estimators import SeasonalNaive, AutoARIMA, ETS, Theta, Naive2"
    ),
    "tsmem --help": "from tsmem.cli import main; main(['--help'])",
    "tsmem demo --help": (
        "from tsmem.cli import main\ntry:\n    main(['demo', '--help'])\nexcept SystemExit:\n    pass"
    ),
}


def test_statistics_metrics_and_help_import_neither_torch_nor_lightning():
    # One fresh interpreter, the cases in turn: each must leave torch and Lightning unloaded.
    check = "\nimport sys\nheavy = [m for m in ('torch', 'pytorch_lightning', 'lightning') if m in sys.modules]\n"
    script = "".join(
        f"{code}\n{check}assert not heavy, {case!r} + ' imported ' + str(heavy)\n"
        for case, code in LIGHT.items()
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=PACKAGE.parent, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage: tsmem demo" in done.stdout


# -- code moved down a layer behaves as before --------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "season"), [("multiplicative", 12), ("additive", 12), ("flat", 12), ("short", 24)]
)
def test_naive2_forecast_of_the_metrics_is_the_naive2_estimators(kind, season):
    rng = np.random.default_rng(0)
    t = np.arange(120)
    y = {
        "multiplicative": (10 + 0.1 * t) * (1 + 0.3 * np.sin(2 * np.pi * t / 12)),
        "additive": np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.1, 120),  # values <= 0
        "flat": rng.normal(0, 1, 120),  # no seasonality to find
        "short": 5 + np.sin(2 * np.pi * t[:60] / 24),  # under three seasons
    }[kind]
    expected = Naive2(season_length=season).fit(y).predict(horizon=18)
    np.testing.assert_allclose(naive2_forecast(y, 18, season), np.asarray(expected), rtol=1e-12)
