"""Forecasters behind one scikit-learn-style ``fit``/``predict`` API.

Every class listed in ``__all__`` joins the shared conformance test
(``tests/test_estimator_conformance.py``).
"""

from tsmem.estimators.base import BaseForecaster, LocalForecaster
from tsmem.estimators.memnet import MemNetForecaster
from tsmem.estimators.naive import Drift, Naive, Naive2, SeasonalNaive

__all__ = [
    "BaseForecaster",
    "Drift",
    "LocalForecaster",
    "MemNetForecaster",
    "Naive",
    "Naive2",
    "SeasonalNaive",
]

#: The forecasters users fit (the base classes excluded).
FORECASTERS = (Naive, SeasonalNaive, Naive2, Drift, MemNetForecaster)
