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

import numbers
import time
import warnings
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
from sklearn.utils import check_scalar

from tsmem.data.panel import Panel


class FitWarning(UserWarning):
    """A statistical model's fit stopped at a limit (iterations, time) or fell back to a simpler model."""


@contextmanager
def quiet_statsmodels() -> Iterator[None]:
    """Silence statsmodels' warnings (and numpy's overflow chatter) for the block."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def check_count(value: Any, name: str, minimum: int = 0, allow_none: bool = False) -> None:
    """An integer hyperparameter ``>= minimum`` (or None when allowed), by sklearn's ``check_scalar``.

    ``TypeError`` for a non-integer, ``ValueError`` below ``minimum``, each naming the
    parameter. A bool is refused too: ``check_scalar`` would take ``True`` as 1.

    Examples
    --------
    >>> check_count(3, "max_p")
    >>> check_count(0, "season_length", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: season_length == 0, must be >= 1.
    """
    if value is None and allow_none:
        return
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer >= {minimum}, not the bool {value!r}.")
    check_scalar(value, name, numbers.Integral, min_val=minimum, include_boundaries="left")


def check_limits(maxiter: Any, time_budget: Any) -> None:
    """Validate the ``maxiter`` and ``time_budget`` parameters shared by the statistical models."""
    check_count(maxiter, "maxiter", minimum=1)
    if time_budget is not None:
        if isinstance(time_budget, bool):
            raise TypeError(f"time_budget must be None or a number of seconds > 0, not the bool {time_budget!r}.")
        check_scalar(time_budget, "time_budget", numbers.Real, min_val=0, include_boundaries="neither")


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
