"""Forecasters behind one scikit-learn-style ``fit``/``predict`` API.

Every class in ``FORECASTERS`` joins the shared conformance test
(``tests/test_estimator_conformance.py``).

Names that need torch (``_LAZY``) are imported on first use (PEP 562
``__getattr__``): ``from tsmem.estimators import AutoARIMA`` does not pay for torch
and Lightning, while ``from tsmem.estimators import MemNetForecaster`` works as ever.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tsmem.estimators.analog import Analog
from tsmem.estimators.arima import ARIMA, fourier_terms
from tsmem.estimators.auto_arima import AutoARIMA
from tsmem.estimators.base import BaseForecaster, LocalForecaster
from tsmem.estimators.conformal import ConformalForecaster
from tsmem.estimators.ensemble import EnsembleForecaster
from tsmem.estimators.ets import ETS
from tsmem.estimators.fit_notes import FitWarning
from tsmem.estimators.naive import Drift, Naive, Naive2, SeasonalNaive
from tsmem.estimators.theta import Theta

if TYPE_CHECKING:  # what type checkers and IDEs see; imported lazily at run time
    from tsmem.estimators.memnet import MemNetForecaster

#: Names that import torch, and their modules: imported when first asked for.
_LAZY = {
    "MemNetForecaster": "tsmem.estimators.memnet",
}

#: The forecasters users fit (the base classes excluded), by name; ``FORECASTERS`` holds them.
_FORECASTERS = (
    "Naive",
    "SeasonalNaive",
    "Naive2",
    "Drift",
    "ARIMA",
    "AutoARIMA",
    "ETS",
    "Theta",
    "Analog",
    "MemNetForecaster",
    "ConformalForecaster",
    "EnsembleForecaster",
)

__all__ = [
    "ARIMA",
    "Analog",
    "AutoARIMA",
    "BaseForecaster",
    "ConformalForecaster",
    "Drift",
    "ETS",
    "EnsembleForecaster",
    "FORECASTERS",
    "FitWarning",
    "LocalForecaster",
    "MemNetForecaster",
    "Naive",
    "Naive2",
    "SeasonalNaive",
    "Theta",
    "fourier_terms",
]


def __getattr__(name: str) -> Any:
    """Import a name of ``_LAZY``, or build ``FORECASTERS`` (imports torch), on first access."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name == "FORECASTERS":
        value = tuple(globals()[n] if n in globals() else __getattr__(n) for n in _FORECASTERS)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
