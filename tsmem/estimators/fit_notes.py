"""What the statistical models tell the user when a fit hits a limit or falls back.

statsmodels warns freely while an optimiser explores (``ConvergenceWarning``,
"non-invertible starting MA parameters", ...): inside a search over dozens of
candidate models that is noise. tsmem's statistical forecasters silence it
(:func:`quiet_statsmodels`), record what matters for each series as a short
note on its fitted state, and after fitting all series raise **one**
:class:`FitWarning` that names the series concerned (:func:`warn_about_notes`).
Notes travel with the fitted state because joblib runs the fits in worker
processes, where a warning would be lost.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from tsmem.data.panel import Panel


class FitWarning(UserWarning):
    """A statistical model's fit stopped at a limit (iterations, time) or fell back to a simpler model."""


@contextmanager
def quiet_statsmodels() -> Iterator[None]:
    """Silence statsmodels' warnings (and numpy's overflow chatter) for the block."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def check_limits(maxiter: Any, time_budget: Any) -> None:
    """Validate the ``maxiter`` and ``time_budget`` parameters shared by the statistical models."""
    if isinstance(maxiter, bool) or not isinstance(maxiter, int | np.integer) or maxiter < 1:
        raise ValueError(f"maxiter must be a positive integer, got {maxiter!r}.")
    number = isinstance(time_budget, int | float) and not isinstance(time_budget, bool)
    if time_budget is not None and not (number and time_budget > 0):
        raise ValueError(f"time_budget must be None or a positive number of seconds, got {time_budget!r}.")


class Deadline:
    """A wall-clock budget: ``Deadline(None)`` never expires.

    Examples
    --------
    >>> Deadline(None).expired, Deadline(0.0).expired
    (False, True)
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._end = None if seconds is None else time.perf_counter() + seconds

    @property
    def expired(self) -> bool:
        return self._end is not None and time.perf_counter() >= self._end

    @property
    def remaining(self) -> float | None:
        return None if self._end is None else max(0.0, self._end - time.perf_counter())


def series_labels(panel: Panel) -> list[Hashable]:
    """One label per fitted (series, channel), in ``LocalForecaster.states_`` order."""
    if panel.n_channels == 1:
        return list(panel.ids) if panel.layout == "long" else list(panel.columns)
    if panel.n_series == 1:
        return list(panel.columns)
    return [(sid, col) for sid in panel.ids for col in panel.columns]


def labels_index(labels: list[Hashable]) -> pd.Index:
    """An index with one row per fitted (series, channel), for the ``models_`` tables."""
    if labels and isinstance(labels[0], tuple):
        return pd.MultiIndex.from_tuples(labels, names=["series", "channel"])
    return pd.Index(labels, name="series")


def warn_about_notes(model: str, panel: Panel, notes: Sequence[Sequence[str]], shown: int = 5) -> None:
    """Raise one :class:`FitWarning` summarising the notes of every fitted series.

    Parameters
    ----------
    model
        The estimator's name, to start the message.
    panel
        The panel that was fitted (to name the series).
    notes
        One sequence of notes per (series, channel), in fitting order.
    shown
        How many series to spell out before summarising the rest.
    """
    labels = series_labels(panel)
    flagged = [(label, "; ".join(n)) for label, n in zip(labels, notes, strict=True) if n]
    if not flagged:
        return
    lines = [f"{label}: {text}" for label, text in flagged[:shown]]
    more = f" (and {len(flagged) - shown} more series)" if len(flagged) > shown else ""
    where = "the series" if len(labels) == 1 else f"{len(flagged)} of {len(labels)} series"
    message = f"{model}: the fit of {where} needs attention{more}. " + " | ".join(lines)
    warnings.warn(message, FitWarning, stacklevel=4)
