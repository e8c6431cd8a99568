"""Forecasters behind one scikit-learn-style ``fit``/``predict`` API.

Every class listed in ``__all__`` joins the shared conformance test
(``tests/test_estimator_conformance.py``).
"""

from tsmem.estimators.arima import ARIMA, fourier_terms
from tsmem.estimators.auto_arima import AutoARIMA
from tsmem.estimators.base import BaseForecaster, LocalForecaster
from tsmem.estimators.conformal import ConformalForecaster
from tsmem.estimators.ensemble import EnsembleForecaster
from tsmem.estimators.ets import ETS
from tsmem.estimators.fit_notes import FitWarning
from tsmem.estimators.memnet import MemNetForecaster
from tsmem.estimators.naive import Drift, Naive, Naive2, SeasonalNaive
from tsmem.estimators.theta import Theta

__all__ = [
    "ARIMA",
    "AutoARIMA",
    "BaseForecaster",
    "ConformalForecaster",
    "Drift",
    "ETS",
    "EnsembleForecaster",
    "FitWarning",
    "LocalForecaster",
    "MemNetForecaster",
    "Naive",
    "Naive2",
    "SeasonalNaive",
    "Theta",
    "fourier_terms",
]

#: The forecasters users fit (the base classes excluded).
FORECASTERS = (Naive, SeasonalNaive, Naive2, Drift, ARIMA, AutoARIMA, ETS, Theta, MemNetForecaster, ConformalForecaster, EnsembleForecaster)
