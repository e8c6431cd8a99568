"""The estimator contract every tsmem model follows, on scikit-learn's ``BaseEstimator``.

* ``__init__`` only stores its keyword arguments; validation happens in ``fit``.
* ``fit(y, X=None)`` returns ``self``; learned state ends in ``_``.
* ``predict(horizon=None, y=None, X=None, quantiles=None)`` checks the model is
  fitted and returns pandas indexed by the future timestamps, in the layout of
  the input (a Series, a wide frame, or a long ``unique_id/ds/y`` frame). With
  ``y`` it forecasts from that new history without refitting.
* ``clone``, ``get_params``/``set_params`` and grid searches work as in sklearn.

Subclasses implement ``_fit(panel, exog)`` and ``_predict(history, horizon, exog,
quantiles)``; :class:`LocalForecaster` does the per-series loop for models that
fit one univariate model per series and channel.
"""

from __future__ import annotations

import numbers
import os
import random
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cache
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from joblib._parallel_backends import LokyBackend
from joblib.parallel import get_active_backend
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import ThreadpoolController
from tqdm.auto import tqdm

from tsmem.data.convert import nominal_step, to_panel
from tsmem.data.exog import align_exog
from tsmem.data.panel import Panel
from tsmem.data.validate import isolated_spikes
from tsmem.estimators.fit_notes import FitWarning

Forecast = tuple[np.ndarray, np.ndarray | None]  # point (S, H, C), quantiles (S, H, C, Q) or None

#: The largest forecast, in values (series x steps x channels x (1 + quantiles)), one predict makes.
MAX_FORECAST_VALUES = 2**28  # 2 GiB of float64
#: Largest magnitude of y a model accepts: beyond, squares and steps overflow float64.
MAX_MAGNITUDE = 1e300
#: Largest |value| a local model fits as it is; other series are rescaled (see LocalForecaster).
SAFE_MAGNITUDE = (1e-2, 1e8)


class BaseForecaster(BaseEstimator):
    """Base class of all tsmem forecasters (see the module docstring for the contract)."""

    #: Whether ``X`` (exogenous regressors) is used; others reject it clearly.
    supports_exog: ClassVar[bool] = False
    #: Whether ``predict(quantiles=...)`` is available.
    supports_quantiles: ClassVar[bool] = False

    # -- the public API ------------------------------------------------------
    def fit(self, y: Any, X: pd.DataFrame | None = None) -> BaseForecaster:
        """Fit the model to ``y`` (and exogenous ``X``); returns ``self``.

        Parameters
        ----------
        y
            A ``pd.Series``, a wide ``pd.DataFrame`` (one column per channel), a
            long frame with columns ``unique_id, ds, y``, or a numpy array.
        X
            Exogenous regressors covering ``y``'s timestamps (models with
            ``supports_exog`` only).
        """
        self._check_common_params()
        self._validate_params()
        panel = to_panel(y, min_length=self._min_length(), needed_by=repr(self), extendable=True)
        _check_magnitude(panel)
        _warn_about_spikes(type(self).__name__, panel)
        before, params = dict(self.__dict__), self.get_params(deep=False)
        try:
            unseeded = "random_state" in params and params["random_state"] is None
            with _callers_state_kept(fresh_seeds=unseeded):
                exog = self._exog(X, panel, history=True, horizon=0)
                self._fit(panel, exog)
        except BaseException as error:
            # Never half-updated: the previous fit comes back, unless the parameters
            # changed since (set_params), where it would not match them: then unfitted.
            self.__dict__.clear()
            self.__dict__.update(before)
            if not _same(before.get("_params_fitted"), params):
                self._forget_fit()
            if isinstance(error, SystemExit) and isinstance(error.__context__, KeyboardInterrupt):
                # Lightning turns Ctrl-C into sys.exit(1); the caller pressed Ctrl-C.
                raise KeyboardInterrupt from None
            raise
        self.train_, self._params_fitted = panel, params
        return self

    def predict(
        self,
        horizon: int | None = None,
        y: Any = None,
        X: pd.DataFrame | None = None,
        quantiles: Sequence[float] | None = None,
        levels: Sequence[float] | None = None,
    ) -> pd.Series | pd.DataFrame:
        """Forecast ``horizon`` steps after the training data, or after a new history ``y``.

        Parameters
        ----------
        horizon
            Steps to forecast; defaults to the model's ``horizon`` when it has one.
        y
            A new history (new series, or the same ones with newer data) to forecast
            from without refitting; same layout and channels as in ``fit``.
        X
            Exogenous regressors for the forecast horizon (and for ``y``'s rows when
            ``y`` is given).
        quantiles
            Quantile levels in (0, 1): adds one column per level, named ``"<col>_q<level>"``.
        levels
            Central prediction intervals by their coverage in percent, as R's ``forecast``
            and statsforecast take them (``[80, 95]``): each adds the quantile columns of
            its bounds, ``0.5 ∓ level/200`` (95 → ``"<col>_q0.025"`` and
            ``"<col>_q0.975"``). May be combined with ``quantiles``.

        Returns
        -------
        pd.Series or pd.DataFrame
            Forecasts indexed by the future timestamps, in the input's layout.
        """
        check_is_fitted(self, "train_")
        wanted = self._check_quantiles(with_interval_bounds(quantiles, levels))
        history = self.train_ if y is None else self._new_history(y)
        point, quantile_values = self._forecast(horizon, history, X, wanted, new_history=y is not None)
        return history.format_forecast(point, wanted, quantile_values)

    def score(self, y: Any, X: pd.DataFrame | None = None) -> float:
        """Negative MAE of the forecast of ``y``, the steps that follow the training data.

        Greater is better, as scikit-learn's model selection expects: with
        ``GridSearchCV(model, grid, cv=TimeSeriesSplit(...))`` over one series, each
        test fold directly follows its training fold, and this scores the forecast
        of that fold.
        """
        check_is_fitted(self, "train_")
        actual = to_panel(y, label="y (the steps to score)")
        if actual.n_series != self.train_.n_series:
            raise ValueError(
                f"score got {actual.n_series} series for a model fitted on {self.train_.n_series}; "
                "pass the continuation of every training series."
            )
        steps = int(actual.lengths.min())
        point, _ = self._forecast(steps, self.train_, X, (), new_history=False)
        truth = np.stack([v[:steps] for v in actual.values])  # (S, steps, C)
        return -float(np.mean(np.abs(point - truth)))

    def _forecast(
        self, horizon: int | None, history: Panel, X: Any, quantiles: tuple[float, ...], new_history: bool = True
    ) -> Forecast:
        """``predict`` before formatting: point and quantile arrays for a history panel."""
        check_is_fitted(self, "train_")
        self._check_common_params()
        horizon = self._check_horizon(horizon)
        size = history.n_series * horizon * history.n_channels * (1 + len(quantiles))
        if size > MAX_FORECAST_VALUES:
            raise ValueError(
                f"A horizon of {horizon} for {history.n_series} series would make {size:.3g} values, "
                f"over tsmem's limit of {MAX_FORECAST_VALUES:.3g}: forecast fewer series or steps at a time."
            )
        exog = self._exog(X, history, history=new_history, horizon=horizon)
        point, quantile_values = self._predict(history, horizon, exog, quantiles)
        _check_forecast_finite(point, quantile_values, history)
        return point, quantile_values

    # -- hooks for subclasses -------------------------------------------------
    def _validate_params(self) -> None:
        """Raise ``ValueError`` for bad hyperparameters (called at the start of ``fit``)."""

    def _min_length(self) -> int:
        """Fewest observations a series needs for this model."""
        return 1

    def _max_horizon(self) -> int | None:
        """Most steps one ``predict`` may ask for (None: only the forecast's size is capped);
        models that roll forward step by step set it, so a huge horizon is an error, not a hang."""
        return None

    def _fit(self, panel: Panel, exog: list[np.ndarray] | None) -> None:
        raise NotImplementedError

    def _predict(
        self, history: Panel, horizon: int, exog: list[np.ndarray] | None, quantiles: tuple[float, ...]
    ) -> Forecast:
        raise NotImplementedError

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        """Small, fast parameters for the shared conformance test."""
        return {}

    # -- checks -------------------------------------------------------------------
    def _check_common_params(self) -> None:
        """Check the parameters many models share (``n_jobs``, ``random_state``), when present."""
        # The instance's own attributes, not get_params: its signature inspection costs as much
        # as a small network's forward, on every predict.
        params = vars(self)
        if "n_jobs" in params:
            n_jobs = params["n_jobs"]
            if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0):
                raise ValueError(
                    f"n_jobs must be None, a positive number of workers or a negative one (-1: all "
                    f"cores), as in joblib; got {n_jobs!r}."
                )
        if "random_state" in params:
            seed = params["random_state"]
            wrong = isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32
            if seed is not None and wrong:
                raise ValueError(f"random_state must be None or an integer in [0, 2**32), got {seed!r}.")

    def _check_horizon(self, horizon: int | None) -> int:
        if horizon is None:
            horizon = getattr(self, "horizon", None)
            if horizon is None:
                raise ValueError(f"{type(self).__name__}.predict needs a horizon: predict(horizon=12).")
        if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
            raise ValueError(f"horizon must be a positive integer, got {horizon!r}.")
        limit = self._max_horizon()
        if limit is not None and horizon > limit:
            raise ValueError(
                f"{type(self).__name__} forecasts at most {limit} steps at once, got horizon={horizon}: "
                "forecast in parts from new histories (predict(y=...)), or refit for a longer horizon."
            )
        return int(horizon)

    def _check_quantiles(self, quantiles: Sequence[float] | None) -> tuple[float, ...]:
        """The quantile levels as a sorted tuple of floats in (0, 1), or a clear error."""
        if quantiles is None:
            return ()
        if not self.supports_quantiles:
            raise ValueError(f"{type(self).__name__} gives point forecasts only; drop quantiles=.")
        if isinstance(quantiles, str | bytes) or not np.iterable(quantiles):
            quantiles = [quantiles]
        levels = list(quantiles)
        if not all(isinstance(q, numbers.Real) and not isinstance(q, bool) for q in levels):
            raise TypeError(f"quantiles must be numbers strictly between 0 and 1, e.g. [0.1, 0.9]; got {quantiles!r}.")
        if not levels or not all(0 < q < 1 for q in levels):
            raise ValueError(f"quantiles must be levels strictly between 0 and 1, got {quantiles!r}.")
        return tuple(sorted({float(q) for q in levels}))

    def _new_history(self, y: Any) -> Panel:
        history = to_panel(y, min_length=self._min_length(), needed_by=repr(self), extendable=True)
        univariate = history.n_channels == self.train_.n_channels == 1  # a name is not a channel
        if not univariate and history.columns != self.train_.columns:
            raise ValueError(
                f"y has channels {list(history.columns)} but the model was fitted on "
                f"{list(self.train_.columns)}; pass the same columns."
            )
        _check_magnitude(history)
        fitted, new = nominal_step(self.train_.index[0]), nominal_step(history.index[0])
        if fitted and new and max(fitted, new) > 1.15 * min(fitted, new):  # a month is 28 to 31 days
            raise ValueError(
                f"y steps by {_step_name(history.index[0])} but the model was fitted on data that "
                f"steps by {_step_name(self.train_.index[0])}; forecast from a history of the same "
                "frequency (resample it), or refit."
            )
        return history

    def _forget_fit(self) -> None:
        """Drop every fitted attribute (those ending in ``_``), leaving the parameters."""
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("__")]:
            delattr(self, name)
        self.__dict__.pop("_params_fitted", None)

    def _exog(self, X: Any, panel: Panel, history: bool, horizon: int) -> list[np.ndarray] | None:
        """Regressor rows per series; ``horizon == 0`` means we are in ``fit``."""
        in_fit = horizon == 0
        if X is not None and not self.supports_exog:
            raise ValueError(f"{type(self).__name__} does not use exogenous regressors; drop X.")
        n_fitted = None if in_fit else self.n_exog_
        if X is None:
            if n_fitted:
                raise ValueError(
                    f"The model was fitted with {n_fitted} exogenous regressors: predict "
                    "needs X for the forecast horizon too."
                )
            if in_fit:
                self.n_exog_ = 0
            return None
        if n_fitted == 0:
            raise ValueError("The model was fitted without X; refit with X to use regressors.")
        rows = align_exog(X, panel, history=history, horizon=horizon)
        if in_fit:
            self.n_exog_ = rows[0].shape[1]
        elif rows[0].shape[1] != n_fitted:
            raise ValueError(f"X has {rows[0].shape[1]} columns but the model was fitted with {n_fitted}.")
        return rows


class LocalForecaster(BaseForecaster):
    """A model fitted separately to every series and channel (a "local" model).

    Subclasses implement ``_fit_one`` and ``_predict_one`` for one univariate
    series; this class loops over series and channels, in parallel with joblib
    when the estimator has an ``n_jobs`` parameter (swap the backend, e.g. to
    Dask or Ray, with ``joblib.parallel_config(backend=...)``).

    A series whose largest ``|value|`` lies outside :data:`SAFE_MAGNITUDE`
    (1e-3 values from a sensor, 1e12 from an economy) is fitted divided by a power
    of two that brings it near 1, exactly, and its forecasts are multiplied back:
    optimisers' tolerances are absolute, so they fail at such scales. ``scales_``
    holds the divisor of each fitted series and channel (1.0 for most), and the
    fitted state (``states_``) is in those units. Models with ``rescale_always``
    (ARIMA, AutoARIMA, ETS) divide every series by its largest ``|value|``, so ``y``
    and ``c · y`` are fitted on the same numbers and forecast in proportion; their
    reports (``params_``, ``models_``) are converted back to the data's units.
    """

    #: True for models with no learned state (naive rules): any new history works.
    stateless: ClassVar[bool] = False
    #: True to fit every series divided by its largest ``|value|``, for models whose fit
    #: is scale-equivariant in theory but not in practice (absolute optimiser tolerances).
    rescale_always: ClassVar[bool] = False

    def _fit_one(self, y: np.ndarray, x: np.ndarray | None) -> Any:
        """Fit one series ``y`` (T,) with regressors ``x`` (T, K); return the fitted state."""
        return None

    def _predict_one(
        self,
        state: Any,
        y: np.ndarray,
        horizon: int,
        x: np.ndarray | None,
        quantiles: tuple[float, ...],
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Forecast one series from history ``y`` (T,) with ``state``.

        ``x`` holds the regressor rows: the history's then the horizon's when
        forecasting from a new history, else the horizon's only. Returns the point
        forecast (H,) and the quantiles (H, Q) or None.
        """
        raise NotImplementedError

    def predict_origins(self, y: Any, horizon: int, origins: Sequence[int], X: Any = None) -> np.ndarray:
        """Forecasts from many origins of one series with the fitted parameters, no refit.

        Row ``i`` forecasts ``y[o : o + horizon]`` from ``y[:o]`` for ``o = origins[i]``,
        exactly as ``predict(horizon, y=y[:o])`` would; models with a faster way
        (ARIMA's single Kalman pass) override this loop.

        Returns
        -------
        np.ndarray
            Shape ``(len(origins), horizon)``.
        """
        values, origins = self._origins_input(y, origins, rescaled=True)
        if self.n_exog_:
            raise ValueError(f"{type(self).__name__}.predict_origins does not take regressors.")
        horizon = self._check_horizon(horizon)
        state = self.states_[0] if not self.stateless else None

        def one(o: int) -> np.ndarray:
            scale = self.scales_[0] if not self.stateless else _scale_of(values[:o], self.rescale_always)
            return self._predict_one(state, values[:o] / scale, horizon, None, ())[0] * scale

        return np.stack([one(o) for o in origins])

    def _origins_input(self, y: Any, origins: Sequence[int], rescaled: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The series' values (T,) and the origins as positions, checked.

        Models that forecast from their state directly (not through ``_predict_one``)
        leave ``rescaled`` False: they cannot serve a series that was fitted rescaled.
        """
        check_is_fitted(self, "train_")
        if not self.stateless and len(self.states_) != 1:
            raise ValueError("predict_origins works on a model fitted to one series with one channel.")
        if not rescaled and not self.stateless and self.scales_[0] != 1.0:
            raise ValueError(
                f"The series was fitted rescaled by {self.scales_[0]:.3g} (its values are far from 1), "
                "which predict_origins cannot undo; use predict(horizon, y=y[:o]) for each origin."
            )
        panel = to_panel(y, needed_by=repr(self))
        if panel.n_series != 1 or panel.n_channels != 1:
            raise ValueError("predict_origins needs one series with one channel: pass a Series or a 1-D array.")
        values = panel.values[0][:, 0]
        positions = np.asarray(list(origins), dtype=int)
        if positions.size == 0 or positions.min() < self._min_length() or positions.max() > len(values):
            raise ValueError(f"origins must lie in [{self._min_length()}, {len(values)}] (positions in y).")
        return values, positions

    def _fit(self, panel: Panel, exog: list[np.ndarray] | None) -> None:
        columns = [values[:, c] for values in panel.values for c in range(panel.n_channels)]
        scales = [_scale_of(column, self.rescale_always) for column in columns]
        tasks = [
            delayed(self._fit_one)(column / scale, None if exog is None else exog[i // panel.n_channels])
            for i, (column, scale) in enumerate(zip(columns, scales, strict=True))
        ]
        states = self._parallel(tasks, "fit")
        self.states_, self.scales_ = states, np.array(scales)

    def _predict(
        self, history: Panel, horizon: int, exog: list[np.ndarray] | None, quantiles: tuple[float, ...]
    ) -> Forecast:
        n_channels = history.n_channels
        states, scales = self._states_for(history)
        tasks = [
            delayed(self._predict_one)(
                states[s * n_channels + c],
                values[:, c] / scales[s * n_channels + c],
                horizon,
                None if exog is None else exog[s],
                quantiles,
            )
            for s, values in enumerate(history.values)
            for c in range(n_channels)
        ]
        results = self._parallel(tasks, "forecast")
        shape = (history.n_series, n_channels, horizon)
        scale = np.asarray(scales).reshape(history.n_series, 1, n_channels)  # (S, 1, C)
        with np.errstate(over="ignore"):  # an overflow is reported as a non-finite forecast
            point = np.stack([r[0] for r in results]).reshape(shape).transpose(0, 2, 1) * scale  # (S, H, C)
            if not quantiles:
                return point, None
            q = np.stack([r[1] for r in results]).reshape(*shape, len(quantiles)).transpose(0, 2, 1, 3)  # (S, H, C, Q)
            return point, q * scale[..., None]

    def _states_for(self, history: Panel) -> tuple[list[Any], list[float]]:
        """The fitted state and scale of every (series, channel) of ``history``, matched by series id.

        A stateless model takes each history at its own scale.
        """
        n_channels = history.n_channels
        if self.stateless:
            scales = [_scale_of(values[:, c], self.rescale_always) for values in history.values for c in range(n_channels)]
            return [None] * (history.n_series * n_channels), scales
        fitted = self.train_
        if fitted.n_series == 1 and history.n_series == 1:
            return list(self.states_), list(self.scales_)
        position = {sid: i for i, sid in enumerate(fitted.ids)}
        unknown = [sid for sid in history.ids if sid not in position]
        if unknown:
            raise ValueError(
                f"predict(y=...) got series {unknown[:5]} that the model was not fitted on; "
                f"{type(self).__name__} is fitted per series, so fit it on them first."
            )
        rows = [position[sid] * n_channels + c for sid in history.ids for c in range(n_channels)]
        return [self.states_[r] for r in rows], [self.scales_[r] for r in rows]

    def _parallel(self, tasks: list, stage: str) -> list:
        """Run per-series tasks, in parallel when ``n_jobs`` asks, with a progress bar on
        a terminal when there are many (joblib hands results back in order).

        ``n_jobs=None`` means one process unless the caller chose a joblib backend or
        worker count with ``joblib.parallel_config`` (scikit-learn's convention): then
        the tasks go to that backend, e.g. a Dask cluster (docs/scaling.md). A task whose
        worker dies is retried or raised by the backend; every task's result comes back,
        in order, or the call fails.
        """
        n_jobs = getattr(self, "n_jobs", None)
        backend, configured_jobs = get_active_backend()
        configured = configured_jobs is not None or not isinstance(backend, LokyBackend)
        if n_jobs == 1 or len(tasks) == 1 or (n_jobs is None and not configured):
            results = (function(*args, **kwargs) for function, args, kwargs in tasks)
        elif type(backend).__name__ == "DaskDistributedBackend":
            results = _on_dask(backend.client, tasks)
        else:
            results = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
        hide_bar = True if len(tasks) < 20 else None  # None: tqdm shows it on a terminal only
        return list(tqdm(results, total=len(tasks), desc=f"{type(self).__name__} {stage}", disable=hide_bar))


@cache
def _blas_pools() -> ThreadpoolController:
    """The process's BLAS thread pools, found once: ``threadpool_limits`` looks them up
    anew on every call (reading the process's memory map: about 3 ms, as long as a forecast)."""
    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager:
    """Limit BLAS to one thread for a block: the statistical models' matrices are small
    (k ≲ 100), so threads only add contention (2-4x slower on a busy machine); joblib's
    workers limit their own.

    Examples
    --------
    >>> import numpy as np
    >>> with one_blas_thread():
    ...     float(np.ones((3, 3)).dot(np.ones(3)).sum())
    9.0
    """
    return _blas_pools().limit(limits=1)


def _on_dask(client: Any, tasks: list) -> Iterator[Any]:
    """Run joblib ``delayed`` tasks on the Dask cluster of ``client``, results in order.

    Straight to the client rather than through joblib's Dask backend: joblib 1.6 waits
    forever for a task whose worker died too often (``KilledWorker``), where
    ``Future.result`` raises it, naming the task. The estimator whose method the tasks
    call (with its fitted state and training data) goes to the workers once, not with
    every task.
    """
    shipped: dict[int, Any] = {}
    futures = []
    for function, args, kwargs in tasks:
        owner = getattr(function, "__self__", None)
        if owner is None:
            futures.append(client.submit(function, *args, pure=False, **kwargs))
            continue
        if id(owner) not in shipped:  # a task, not scattered data: rebuilt if its workers die
            shipped[id(owner)] = client.submit(_identity, owner, pure=False)
        futures.append(client.submit(_call, shipped[id(owner)], function.__name__, *args, pure=False, **kwargs))
    futures_owned = list(shipped.values())
    try:
        for future in futures:
            yield future.result()
    finally:
        client.cancel(futures + futures_owned)


def _call(owner: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    return getattr(owner, method)(*args, **kwargs)


def _identity(value: Any) -> Any:
    return value


# -- what every fit and forecast checks ----------------------------------------------
@contextmanager
def _callers_state_kept(fresh_seeds: bool = False) -> Iterator[None]:
    """Leave the caller's global random generators (numpy, ``random``, torch) and its
    Ctrl-C handler as they were, whatever a fit seeds or installs inside.

    Lightning's ``seed_everything`` reseeds all three generators and sets two
    environment variables; its trainer ignores Ctrl-C after catching one. With
    ``fresh_seeds`` (``random_state=None``) the generators are seeded from the OS's
    entropy for the fit, so unseeded fits differ from each other though the caller's
    state comes back.
    """
    numpy_state, python_state = np.random.get_state(), random.getstate()  # noqa: NPY002 (the caller's)
    torch = sys.modules.get("torch")  # never imported here: statistics-only code stays torch-free
    torch_state = torch.random.get_rng_state() if torch else None
    cuda_states = torch.cuda.get_rng_state_all() if torch and torch.cuda.is_initialized() else None
    lightning_env = {name: os.environ.get(name) for name in ("PL_GLOBAL_SEED", "PL_SEED_WORKERS")}
    main_thread = threading.current_thread() is threading.main_thread()
    sigint = signal.getsignal(signal.SIGINT) if main_thread else None
    try:
        if fresh_seeds:
            np.random.seed()  # noqa: NPY002 (restored below)
            random.seed()
            if torch:
                torch.seed()
        yield
    finally:
        np.random.set_state(numpy_state)  # noqa: NPY002
        random.setstate(python_state)
        if torch_state is not None:
            torch.random.set_rng_state(torch_state)
        if cuda_states is not None:
            torch.cuda.set_rng_state_all(cuda_states)
        for name, value in lightning_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if main_thread and sigint is not None and signal.getsignal(signal.SIGINT) is not sigint:
            signal.signal(signal.SIGINT, sigint)


def _same(a: Any, b: Any) -> bool:
    """Whether two parameter dicts are equal (False when they cannot be compared)."""
    try:
        return bool(a == b)
    except Exception:  # e.g. arrays, whose == is elementwise
        return False


def _check_magnitude(panel: Panel) -> None:
    """Refuse values so large (or so small, yet not 0) that float64 cannot forecast them."""
    for series_id, values in zip(panel.ids, panel.values, strict=True):
        largest = float(np.max(np.abs(values), initial=0.0))
        if largest > MAX_MAGNITUDE or 0 < largest < 1 / MAX_MAGNITUDE:
            where = "y" if panel.layout != "long" else f"series {series_id!r} of y"
            raise ValueError(
                f"{where} has values of magnitude {largest:.3g}, beyond what float64 forecasts "
                f"can hold (1e-300 to 1e300, with room for errors and their squares). Rescale it, "
                "e.g. fit y * 1e-200 and multiply the forecasts back."
            )


def _warn_about_spikes(model: str, panel: Panel) -> None:
    """One :class:`FitWarning` naming isolated extreme values (typos, sensor glitches)."""
    found = []
    for series_id, values, index in zip(panel.ids, panel.values, panel.index, strict=True):
        for c, column in enumerate(panel.columns):
            for position in isolated_spikes(values[:, c]):
                label = series_id if panel.layout == "long" else column
                found.append(f"{label!r} at {index[position]} ({values[position, c]:.3g})")
    if found:
        warnings.warn(
            f"{model}: y has {len(found)} isolated extreme value(s), over 1000 times the series' usual "
            f"step away from both neighbours: {', '.join(found[:5])}{' ...' if len(found) > 5 else ''}. "
            "Models may fit them as level or noise and forecast far off; check them, or replace them "
            "with NaN and use tsmem.data.fill_missing.",
            FitWarning,
            stacklevel=3,
        )


def with_interval_bounds(
    quantiles: Sequence[float] | float | None, levels: Sequence[float] | float | None
) -> list[float] | None:
    """``quantiles`` plus the bounds ``0.5 ∓ level/200`` of each central interval in ``levels``.

    >>> with_interval_bounds(None, [80, 95])
    [0.1, 0.9, 0.025, 0.975]
    >>> with_interval_bounds([0.5], 90)
    [0.5, 0.05, 0.95]
    """
    if levels is None:
        return quantiles
    if isinstance(levels, str | bytes) or not np.iterable(levels):
        levels = [levels]
    levels = list(levels)
    if not levels or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in levels):
        raise TypeError(f"levels must be interval coverages in percent, e.g. [80, 95]; got {levels!r}.")
    if not all(0 < v < 100 for v in levels):
        raise ValueError(f"levels must be coverages in percent, strictly between 0 and 100, got {levels!r}.")
    if all(v < 1 for v in levels):  # 0.95 meant as a fraction would be a 0.95 % interval
        raise ValueError(
            f"levels are percentages (95 for a 95 % interval), got {levels!r}: "
            f"pass levels={[round(100 * v, 6) for v in levels]}, or use quantiles= for levels in (0, 1)."
        )
    if quantiles is not None and (isinstance(quantiles, str | bytes) or not np.iterable(quantiles)):
        quantiles = [quantiles]
    bounds = [round(0.5 + sign * float(v) / 200, 10) for v in levels for sign in (-1, 1)]
    return [*(quantiles or []), *bounds]


def _check_forecast_finite(point: np.ndarray, quantiles: np.ndarray | None, history: Panel) -> None:
    """A forecast with NaN or inf is an error, never a silent answer."""
    bad = ~np.isfinite(point).all(axis=(1, 2))
    if quantiles is not None:
        bad |= ~np.isfinite(quantiles).all(axis=(1, 2, 3))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        where = "the series" if history.n_series == 1 else f"series {history.ids[first]!r} ({int(bad.sum())} in all)"
        largest = float(np.max(np.abs(history.values[first])))
        raise ValueError(
            f"The forecast of {where} is not finite (NaN or inf): the fit diverged (check the "
            f"model's settings, e.g. its learning rate) or the values (up to {largest:.3g}) leave "
            "float64's range once extrapolated; rescale y or use fewer steps."
        )


def _step_name(index: pd.Index) -> str:
    freq = getattr(index, "freqstr", None)
    return str(freq) if freq else str(index[1] - index[0]) if len(index) > 1 else "an unknown step"


def _scale_of(values: np.ndarray, always: bool = False) -> float:
    """The divisor a local model fits ``values`` with (see :class:`LocalForecaster`).

    By default 1.0 for values of ordinary size, else the power of two nearest
    their largest ``|value|``: a power of two divides and multiplies back exactly,
    so values in :data:`SAFE_MAGNITUDE` are fitted bit for bit as given. With
    ``always``, the largest ``|value|`` itself, so ``y`` and ``c * y`` are fitted
    on the same numbers (to rounding) and forecasts scale with ``c``.
    """
    largest = float(np.max(np.abs(values), initial=0.0))
    if largest == 0:
        return 1.0
    if always:
        return largest
    if SAFE_MAGNITUDE[0] <= largest <= SAFE_MAGNITUDE[1]:
        return 1.0
    return float(np.ldexp(1.0, int(np.round(np.log2(largest)))))
