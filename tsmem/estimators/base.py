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

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from tsmem.data.convert import to_panel
from tsmem.data.exog import align_exog
from tsmem.data.panel import Panel

Forecast = tuple[np.ndarray, np.ndarray | None]  # point (S, H, C), quantiles (S, H, C, Q) or None


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
        self._validate_params()
        panel = to_panel(y, min_length=self._min_length(), needed_by=repr(self))
        exog = self._exog(X, panel, history=True, horizon=0)
        self._fit(panel, exog)
        self.train_ = panel
        return self

    def predict(
        self,
        horizon: int | None = None,
        y: Any = None,
        X: pd.DataFrame | None = None,
        quantiles: Sequence[float] | None = None,
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

        Returns
        -------
        pd.Series or pd.DataFrame
            Forecasts indexed by the future timestamps, in the input's layout.
        """
        check_is_fitted(self, "train_")
        levels = self._check_quantiles(quantiles)
        history = self.train_ if y is None else self._new_history(y)
        point, quantile_values = self._forecast(horizon, history, X, levels, new_history=y is not None)
        return history.format_forecast(point, levels, quantile_values)

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
        horizon = self._check_horizon(horizon)
        exog = self._exog(X, history, history=new_history, horizon=horizon)
        return self._predict(history, horizon, exog, quantiles)

    # -- hooks for subclasses -------------------------------------------------
    def _validate_params(self) -> None:
        """Raise ``ValueError`` for bad hyperparameters (called at the start of ``fit``)."""

    def _min_length(self) -> int:
        """Fewest observations a series needs for this model."""
        return 1

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
    def _check_horizon(self, horizon: int | None) -> int:
        if horizon is None:
            horizon = getattr(self, "horizon", None)
            if horizon is None:
                raise ValueError(f"{type(self).__name__}.predict needs a horizon: predict(horizon=12).")
        if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
            raise ValueError(f"horizon must be a positive integer, got {horizon!r}.")
        return int(horizon)

    def _check_quantiles(self, quantiles: Sequence[float] | None) -> tuple[float, ...]:
        if quantiles is None:
            return ()
        if not self.supports_quantiles:
            raise ValueError(f"{type(self).__name__} gives point forecasts only; drop quantiles=.")
        levels = tuple(sorted({float(q) for q in np.atleast_1d(quantiles)}))
        if not levels or not all(0 < q < 1 for q in levels):
            raise ValueError(f"quantiles must be levels strictly between 0 and 1, got {quantiles!r}.")
        return levels

    def _new_history(self, y: Any) -> Panel:
        history = to_panel(y, min_length=self._min_length(), needed_by=repr(self))
        univariate = history.n_channels == self.train_.n_channels == 1  # a name is not a channel
        if not univariate and history.columns != self.train_.columns:
            raise ValueError(
                f"y has channels {list(history.columns)} but the model was fitted on "
                f"{list(self.train_.columns)}; pass the same columns."
            )
        return history

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
    """

    #: True for models with no learned state (naive rules): any new history works.
    stateless: ClassVar[bool] = False

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
        values, origins = self._origins_input(y, origins)
        if self.n_exog_:
            raise ValueError(f"{type(self).__name__}.predict_origins does not take regressors.")
        state = self.states_[0] if not self.stateless else None
        return np.stack([self._predict_one(state, values[:o], int(horizon), None, ())[0] for o in origins])

    def _origins_input(self, y: Any, origins: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """The series' values (T,) and the origins as positions, checked."""
        check_is_fitted(self, "train_")
        if not self.stateless and len(self.states_) != 1:
            raise ValueError("predict_origins works on a model fitted to one series with one channel.")
        panel = to_panel(y, needed_by=repr(self))
        if panel.n_series != 1 or panel.n_channels != 1:
            raise ValueError("predict_origins needs one series with one channel: pass a Series or a 1-D array.")
        values = panel.values[0][:, 0]
        positions = np.asarray(list(origins), dtype=int)
        if positions.size == 0 or positions.min() < self._min_length() or positions.max() > len(values):
            raise ValueError(f"origins must lie in [{self._min_length()}, {len(values)}] (positions in y).")
        return values, positions

    def _fit(self, panel: Panel, exog: list[np.ndarray] | None) -> None:
        tasks = [
            delayed(self._fit_one)(values[:, c], None if exog is None else exog[s])
            for s, values in enumerate(panel.values)
            for c in range(panel.n_channels)
        ]
        self.states_ = self._parallel(tasks, "fit")

    def _predict(
        self, history: Panel, horizon: int, exog: list[np.ndarray] | None, quantiles: tuple[float, ...]
    ) -> Forecast:
        n_channels = history.n_channels
        states = self._states_for(history)
        tasks = [
            delayed(self._predict_one)(
                states[s * n_channels + c], values[:, c], horizon, None if exog is None else exog[s], quantiles
            )
            for s, values in enumerate(history.values)
            for c in range(n_channels)
        ]
        results = self._parallel(tasks, "forecast")
        shape = (history.n_series, n_channels, horizon)
        point = np.stack([r[0] for r in results]).reshape(shape).transpose(0, 2, 1)  # (S, H, C)
        if not quantiles:
            return point, None
        q = np.stack([r[1] for r in results]).reshape(*shape, len(quantiles)).transpose(0, 2, 1, 3)  # (S, H, C, Q)
        return point, q

    def _states_for(self, history: Panel) -> list[Any]:
        """The fitted state of every (series, channel) of ``history``, matched by series id."""
        n_channels = history.n_channels
        if self.stateless:
            return [None] * (history.n_series * n_channels)
        fitted = self.train_
        if fitted.n_series == 1 and history.n_series == 1:
            return list(self.states_)
        position = {sid: i for i, sid in enumerate(fitted.ids)}
        unknown = [sid for sid in history.ids if sid not in position]
        if unknown:
            raise ValueError(
                f"predict(y=...) got series {unknown[:5]} that the model was not fitted on; "
                f"{type(self).__name__} is fitted per series, so fit it on them first."
            )
        return [self.states_[position[sid] * n_channels + c] for sid in history.ids for c in range(n_channels)]

    def _parallel(self, tasks: list, stage: str) -> list:
        """Run per-series tasks, in parallel when ``n_jobs`` asks, with a progress bar on
        a terminal when there are many (joblib hands results back in order)."""
        n_jobs = getattr(self, "n_jobs", None)
        if n_jobs in (None, 1) or len(tasks) == 1:
            results = (function(*args, **kwargs) for function, args, kwargs in tasks)
        else:
            results = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
        hide_bar = True if len(tasks) < 20 else None  # None: tqdm shows it on a terminal only
        return list(tqdm(results, total=len(tasks), desc=f"{type(self).__name__} {stage}", disable=hide_bar))
