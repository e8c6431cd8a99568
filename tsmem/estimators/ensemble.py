"""``EnsembleForecaster``: the median, mean or error-weighted mean of tsmem forecasters.

Combining forecasts is the most reliable way to beat single models: the M4
winners were combinations (Makridakis et al., 2020), and N-BEATS forecasts the
median of 180 networks (Oreshkin et al., 2020). Any tsmem forecasters mix here,
statistical and neural; :meth:`EnsembleForecaster.memnet` builds the N-BEATS-style
ensemble of memory networks in one call.

>>> from tsmem.datasets import load_dataset
>>> from tsmem.estimators import EnsembleForecaster, Naive, SeasonalNaive, Theta
>>> y = load_dataset("air_passengers")
>>> ensemble = EnsembleForecaster(
...     [("snaive", SeasonalNaive(season_length=12)), ("theta", Theta(season_length=12)), ("naive", Naive())]
... ).fit(y)
>>> forecast = ensemble.predict(horizon=3)
>>> members = [model.predict(horizon=3) for model in ensemble.estimators_]
>>> bool((forecast == pd.concat(members, axis=1).median(axis=1)).all())
True
"""

from __future__ import annotations

import numbers
import os
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.utils import Bunch
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from tsmem.data.convert import to_panel
from tsmem.data.panel import Panel
from tsmem.estimators.arima import ARIMA
from tsmem.estimators.base import BaseForecaster, Forecast
from tsmem.estimators.fit_notes import FitWarning
from tsmem.metrics import GREATER_IS_BETTER, METRICS

AGGREGATES = ("median", "mean", "weighted")
FORMAT = "tsmem.EnsembleForecaster"
VERSION = 1


class EnsembleForecaster(_BaseComposition, BaseForecaster):
    """Fit several forecasters to the same data and combine their forecasts.

    Parameters
    ----------
    estimators : list of (str, BaseForecaster)
        The members, named as in scikit-learn's ``VotingRegressor``:
        ``get_params(deep=True)`` lists ``"<name>__<param>"``,
        ``set_params(theta__season_length=24)`` reaches a member and
        ``set_params(theta=Theta())`` swaps one. They are cloned in ``fit``; the
        fitted copies are ``estimators_``.
    aggregate : {"median", "mean", "weighted"}, default "median"
        How forecasts combine, per series, step and channel: the median (of the
        middle two with an even count), the mean, or the weighted mean with
        weights from each member's validation error (see Notes).
    horizon : int or None
        Default forecast horizon, and the held-out steps of ``"weighted"``. None
        takes the members' common ``horizon`` (a memory network's), if any.
    val_size : int or None
        Steps held out at the end of every series to weight the members (``"weighted"``
        only); default ``horizon``.
    metric : str, default "mae"
        Validation error of ``"weighted"``: a name from :data:`tsmem.metrics.METRICS`
        where lower is better ("mae", "rmse", "smape", ...), over all series,
        steps and channels of the held-out part.
    time_budget : float or None
        Seconds for the whole fit. A member that would start after they are spent
        is skipped (with a :class:`FitWarning` that says how many ran); the first
        member always runs.
    n_jobs : int or None
        Members fitted in parallel with joblib (None or 1: one after another); swap
        the backend with ``joblib.parallel_config``.
    verbose : bool, default False
        Show a progress bar (on stderr) over the members.

    Attributes
    ----------
    estimators_ : list of BaseForecaster
        The fitted members that ran (all of them unless the time budget ran out).
    named_estimators_ : Bunch
        The same, by name.
    skipped_ : list of str
        Members skipped by the time budget.
    aggregate_ : str
        The rule fitted (a new ``aggregate`` takes effect at the next ``fit``).
    weights_ : np.ndarray or None
        Weight of every fitted member (``"mean"``: equal; ``"median"``: None).
    validation_errors_ : dict or None
        ``"weighted"`` only: each member's ``metric`` on the held-out steps.

    Notes
    -----
    **Weights.** ``"weighted"`` fits a clone of every member on all but the last
    ``val_size`` steps of every series, scores its forecast of those steps with
    ``metric``, and sets weight ∝ 1 / error, normalised to sum to 1. Members with
    a zero error share all the weight; a member whose error is not finite gets
    none. The members are then refitted on the whole series.

    **Quantiles.** Each level combines separately with the same rule: median or
    mean or weighted mean of the members' quantiles at that level (Vincentization,
    Ratcliff 1979; Genest 1992). Only members that forecast those levels take
    part (a memory network only for the levels it was trained on), their weights
    renormalised; if none does, ``predict(quantiles=...)`` raises a ``ValueError``.
    Medians and means of non-crossing quantiles do not cross; the levels are sorted
    all the same.

    **Regressors.** ``X`` goes to the members with ``supports_exog``; the others
    forecast without it.
    """

    def __init__(
        self,
        estimators: list[tuple[str, BaseForecaster]],
        *,
        aggregate: str = "median",
        horizon: int | None = None,
        val_size: int | None = None,
        metric: str = "mae",
        time_budget: float | None = None,
        n_jobs: int | None = None,
        verbose: bool = False,
    ) -> None:
        self.estimators = estimators
        self.aggregate = aggregate
        self.horizon = horizon
        self.val_size = val_size
        self.metric = metric
        self.time_budget = time_budget
        self.n_jobs = n_jobs
        self.verbose = verbose

    # -- the scikit-learn composition contract ------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters, with every member's as ``"<name>__<param>"`` when ``deep``."""
        return self._get_params("estimators", deep=deep)

    def set_params(self, **params: Any) -> EnsembleForecaster:
        """Set parameters, a member's (``name__param``), or swap a member (``name=estimator``)."""
        self._set_params("estimators", **params)
        return self

    @property
    def named_estimators(self) -> Bunch:
        """The (unfitted) members by name."""
        return Bunch(**dict(self.estimators))

    @property
    def supports_quantiles(self) -> bool:  # type: ignore[override]
        """True when a member forecasts quantiles."""
        return any(member.supports_quantiles for _, member in self._members())

    @property
    def supports_exog(self) -> bool:  # type: ignore[override]
        """True when a member takes regressors ``X``."""
        return any(member.supports_exog for _, member in self._members())

    # -- checks ----------------------------------------------------------------------------
    def _members(self) -> list[tuple[str, BaseForecaster]]:
        """The ``(name, estimator)`` pairs, checked (a clear ``ValueError`` otherwise)."""
        example = "e.g. [('snaive', SeasonalNaive(season_length=24)), ('theta', Theta())]"
        members = self.estimators
        if not isinstance(members, list | tuple) or not members:
            raise ValueError(f"estimators must be a non-empty list of (name, estimator) pairs, {example}.")
        for item in members:
            if not isinstance(item, tuple | list) or len(item) != 2 or not isinstance(item[0], str):
                raise ValueError(f"estimators must hold (name, estimator) pairs, {example}; got {item!r}.")
            name, member = item
            if isinstance(member, type):
                raise ValueError(f"Member {name!r} is the class {member.__name__}; pass an instance: {member.__name__}().")
            if not isinstance(member, BaseForecaster):
                raise ValueError(
                    f"Member {name!r} is a {type(member).__name__}, not a tsmem forecaster; ensembles "
                    "combine tsmem.estimators models (BaseForecaster subclasses)."
                )
        return [tuple(item) for item in members]

    def _validate_params(self) -> None:
        members = self._members()
        self._validate_names([name for name, _ in members])  # unique, no "__", no clash
        if self.aggregate not in AGGREGATES:
            raise ValueError(f"aggregate must be one of {AGGREGATES}, got {self.aggregate!r}.")
        for option in ("horizon", "val_size"):
            value = getattr(self, option)
            if value is not None and (not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{option} must be a positive integer or None, got {value!r}.")
        if self.metric not in METRICS or self.metric in GREATER_IS_BETTER:
            lower = sorted(set(METRICS) - GREATER_IS_BETTER)
            raise ValueError(f"metric must be one of {lower} (lower is better), got {self.metric!r}.")
        budget = self.time_budget
        if budget is not None and (not isinstance(budget, numbers.Real) or isinstance(budget, bool) or budget <= 0):
            raise ValueError(f"time_budget must be a positive number of seconds or None, got {budget!r}.")
        self._default_horizon()  # raises on mismatched horizons
        if self.aggregate == "weighted" and self._holdout() is None:
            raise ValueError(
                "aggregate='weighted' scores the members on the last steps of every series: "
                "set horizon= or val_size= (how many steps to hold out)."
            )

    def _default_horizon(self) -> int | None:
        """``horizon``, else the members' common one; different horizons are an error."""
        horizons = {name: member.horizon for name, member in self._members() if getattr(member, "horizon", None)}
        if self.horizon is not None:
            horizons["the ensemble"] = self.horizon
        if len(set(horizons.values())) > 1:
            raise ValueError(
                f"The members forecast different horizons {horizons}; give every member "
                "(and the ensemble's horizon=) the same horizon."
            )
        return next(iter(horizons.values()), None)

    def _holdout(self) -> int | None:
        return self.val_size if self.val_size is not None else self._default_horizon()

    def _check_horizon(self, horizon: int | None) -> int:
        return super()._check_horizon(self._default_horizon() if horizon is None else horizon)

    def _min_length(self) -> int:
        return max(member._min_length() for _, member in self._members())

    # -- fit -----------------------------------------------------------------------------
    def fit(self, y: Any, X: pd.DataFrame | None = None) -> EnsembleForecaster:
        """Fit every member to ``y`` (``X`` to those that take regressors); returns ``self``."""
        self._validate_params()
        holdout = self._holdout() if self.aggregate == "weighted" else 0
        needed_by = f"{type(self).__name__} (its members" + (f", after holding out {holdout} steps)" if holdout else ")")
        panel = to_panel(y, min_length=self._min_length() + holdout, needed_by=needed_by)
        self._exog(X, panel, history=True, horizon=0)  # checks X, records n_exog_
        deadline = None if self.time_budget is None else time.time() + self.time_budget
        tasks = [
            delayed(_fit_member)(name, member, panel, X if member.supports_exog else None, holdout, self.metric,
                                 None if i == 0 else deadline)
            for i, (name, member) in enumerate(self._members())
        ]
        results = _run(tasks, self.n_jobs, desc=f"{type(self).__name__} fit", verbose=self.verbose)
        ran = [(name, r) for (name, _), r in zip(self._members(), results, strict=True) if r is not None]
        self.skipped_ = [name for (name, _), r in zip(self._members(), results, strict=True) if r is None]
        if self.skipped_:
            warnings.warn(
                f"{type(self).__name__}: the time budget of {self.time_budget} s ran out; {len(ran)} of "
                f"{len(results)} members ran, {len(self.skipped_)} were skipped ({', '.join(self.skipped_)}).",
                FitWarning,
                stacklevel=2,
            )
        self.estimators_ = [model for _, (model, _) in ran]
        self.named_estimators_ = Bunch(**{name: model for name, (model, _) in ran})
        self.validation_errors_ = {name: error for name, (_, error) in ran} if holdout else None
        self.weights_ = _weights(self.aggregate, [error for _, (_, error) in ran])
        self.aggregate_ = self.aggregate  # the rule fitted; set_params(aggregate=...) needs a refit
        self.train_ = panel
        return self

    # -- predict ---------------------------------------------------------------------------
    def _forecast(
        self, horizon: int | None, history: Panel, X: Any, quantiles: tuple[float, ...], new_history: bool = True
    ) -> Forecast:
        check_is_fitted(self, "estimators_")
        horizon = self._check_horizon(horizon)
        self._exog(X, history, history=new_history, horizon=horizon)  # the ensemble's own checks of X
        points, quantile_values, quantile_members = [], [], []
        for i, (name, member) in enumerate(self.named_estimators_.items()):
            levels = quantiles if quantiles and _forecasts_levels(member, quantiles) else ()
            with _naming(name):
                point, q = member._forecast(horizon, history, X if member.supports_exog else None, levels, new_history)
            points.append(point)
            if levels:
                quantile_values.append(q)
                quantile_members.append(i)
        point = self._combine(np.stack(points), range(len(points)))
        if not quantiles:
            return point, None
        if not quantile_values:
            raise ValueError(
                f"None of the fitted members forecasts the quantiles {list(quantiles)} (a memory network "
                "only those it was trained for); add a member that does, or drop quantiles=."
            )
        combined = self._combine(np.stack(quantile_values), quantile_members)
        return point, np.sort(combined, axis=-1)  # (S, H, C, Q), levels in order: never crossing

    def _combine(self, stacked: np.ndarray, members: Sequence[int]) -> np.ndarray:
        """Aggregate forecasts stacked on axis 0, from the members at positions ``members``."""
        if self.aggregate_ == "median":
            return np.median(stacked, axis=0)
        if self.aggregate_ == "mean":
            return np.mean(stacked, axis=0)
        weights = self.weights_[list(members)]
        if weights.sum() == 0:  # the members that give these quantiles all scored infinitely badly
            weights = np.ones_like(weights)
        return np.tensordot(weights / weights.sum(), stacked, axes=1)

    # -- explain, save, load -------------------------------------------------------------------
    def explain(self, y: Any = None) -> dict[str, pd.DataFrame]:
        """Each member's own :meth:`explain` (members that have one), by name.

        Returns
        -------
        dict of str to pd.DataFrame
            For a memory network, which past windows its next forecast read (see
            :meth:`tsmem.estimators.MemNetForecaster.explain`).
        """
        check_is_fitted(self, "estimators_")
        explained = {name: model.explain(y) for name, model in self.named_estimators_.items() if hasattr(model, "explain")}
        if not explained:
            raise ValueError("None of the members has explain() (memory networks do); nothing to explain.")
        return explained

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted ensemble to one file with ``joblib.dump``, atomically.

        The statistical forecasters have no file format of their own, so the whole
        ensemble is pickled. Unlike :meth:`MemNetForecaster.save`, whose files hold
        tensors and plain values only, loading a pickle can run code: load only files
        you trust. A file reads back with the same versions of tsmem, scikit-learn,
        statsmodels and torch.
        """
        check_is_fitted(self, "estimators_")
        directory = Path(path).resolve().parent
        descriptor, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        os.close(descriptor)
        try:
            joblib.dump({"format": FORMAT, "version": VERSION, "model": self}, temporary)
            os.replace(temporary, path)  # a failed dump never leaves a half-written model
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> EnsembleForecaster:
        """Read an ensemble written by :meth:`save` (a pickle: trusted files only)."""
        if not Path(path).is_file():
            raise FileNotFoundError(f"No model file at {path}.")
        try:
            artifact = joblib.load(path)
        except Exception as error:  # unpickling errors all mean the same to the user
            raise ValueError(
                f"{path} is not a tsmem ensemble file, or it is corrupted ({type(error).__name__}); "
                "save ensembles with EnsembleForecaster.save."
            ) from error
        if not isinstance(artifact, dict) or artifact.get("format") != FORMAT or not isinstance(artifact.get("model"), cls):
            raise ValueError(f"{path} is not an EnsembleForecaster file (it holds no '{FORMAT}' marker).")
        if artifact["version"] > VERSION:
            raise ValueError(f"{path} was written by a newer tsmem (format {artifact['version']}); upgrade tsmem.")
        return artifact["model"]

    # -- the memory-network ensemble in one call ------------------------------------------------
    @classmethod
    def memnet(cls, horizon: int, **options: Any) -> EnsembleForecaster:
        """An N-BEATS-style median ensemble of memory networks: see :func:`tsmem.estimators.memnet_ensemble.memnet_ensemble`."""
        from tsmem.estimators.memnet_ensemble import memnet_ensemble

        return memnet_ensemble(horizon, **options)

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        # Members that both take regressors: the shared test checks that X's effect comes through
        # whole (members without X would dilute it, as documented).
        return {"estimators": [
            ("ar", ARIMA(order=(1, 0, 0), seasonal_order=(0, 1, 1, 8))),
            ("ma", ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1, 8))),
        ]}


# -- helpers (module level, so joblib's worker processes can run them) ------------------------
def _fit_member(
    name: str, member: BaseForecaster, panel: Panel, X: Any, holdout: int, metric: str, deadline: float | None
) -> tuple[BaseForecaster, float | None] | None:
    """A fitted clone of ``member`` and its validation error (None when not weighting);
    None when it would start after ``deadline``."""
    if deadline is not None and time.time() > deadline:
        return None
    error = None
    with _naming(name):
        if holdout:
            head = panel.head(panel.lengths - holdout)
            scout = clone(member).fit(head, X=X)
            point, _ = scout._forecast(holdout, head, X, (), new_history=False)
            truth = np.stack([values[-holdout:] for values in panel.values])  # (S, holdout, C)
            error = float(METRICS[metric](truth.ravel(), point.ravel()))
        return clone(member).fit(panel, X=X), error


@contextmanager
def _naming(member: str) -> Iterator[None]:
    """Say which member a ``ValueError`` comes from (its own message names only its class)."""
    try:
        yield
    except ValueError as error:
        raise ValueError(f"Ensemble member {member!r}: {error}") from error


def _run(tasks: list, n_jobs: int | None, desc: str, verbose: bool) -> list:
    """Run joblib tasks in order, in parallel when ``n_jobs`` asks, with a progress bar."""
    if n_jobs in (None, 1) or len(tasks) == 1:
        results = (function(*args, **kwargs) for function, args, kwargs in tasks)
    else:
        results = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
    return list(tqdm(results, total=len(tasks), desc=desc, unit="member", disable=not verbose))


def _weights(aggregate: str, errors: Sequence[float | None]) -> np.ndarray | None:
    """Member weights: equal for "mean", ∝ 1/error for "weighted", None for "median"."""
    if aggregate == "median":
        return None
    if aggregate == "mean":
        return np.full(len(errors), 1 / len(errors))
    error = np.asarray(errors, dtype=float)
    finite = np.isfinite(error)
    if not finite.any():
        raise ValueError("Every member's validation error is infinite or NaN: no weights can be set.")
    if (error[finite] == 0).any():
        weights = (finite & (error == 0)).astype(float)  # perfect members share all the weight
    else:
        weights = np.where(finite, 1 / np.where(finite, error, 1.0), 0.0)
    return weights / weights.sum()


def _forecasts_levels(member: BaseForecaster, levels: tuple[float, ...]) -> bool:
    """Whether ``member`` can forecast the quantile ``levels``."""
    if not member.supports_quantiles:
        return False
    params = member.get_params(deep=False)
    if "quantiles" not in params:  # statistical models: any level
        return True
    trained = params["quantiles"] or ()  # a memory network: the levels it was trained on
    return set(levels) <= {float(q) for q in trained}

