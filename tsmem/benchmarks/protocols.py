"""The standard evaluation protocols (experiments/README.md), one class a family.

* :class:`WindowProtocol`: one long (multichannel) series with fixed row
  borders, evaluated at every test origin (stride 1) — ETT in the Informer and
  long-horizon protocols (every step scored, MSE/MAE on the standardised scale),
  exchange_rate in LSTNet's (only the ``h``-th step scored, RSE/CORR).
* :class:`M4Protocol`: many short series, the last ``h`` points of each held
  out, sMAPE / MASE / OWA.

Every model sees only the past at every origin. Statistical models are fitted
once on the training rows and applied with fixed parameters to each origin's
history (as the Informer ARIMA baseline was); neural models train on the
training rows, stop early on the validation rows, and are scored once on test;
a cell's seed sets both their initial weights and the order of their training
batches, so a spread over seeds is the whole run-to-run spread.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tsmem import estimators, metrics
from tsmem.benchmarks import neural
from tsmem.benchmarks.zoo import ModelSpec
from tsmem.datasets import load_dataset
from tsmem.training import MemNetDataModule

M4_NAIVE2 = (18.383, 2.395)  # published M4 Hourly Naive2 sMAPE and MASE, the OWA yardstick


@dataclass
class WindowProtocol:
    """Every test origin of one series with fixed borders (see the module docstring)."""

    name: str
    dataset: str
    target: list[str] | None
    horizons: tuple[int, ...]
    lookback: int
    season_length: int
    metrics: tuple[str, ...] = ("mse", "mae")
    last_step_only: bool = False
    neural: neural.NeuralSettings = field(default_factory=neural.NeuralSettings)
    data_dir: str | None = None

    def data(self, horizon: int, calendar: bool = False, seed: int = 0) -> MemNetDataModule:
        """The standard split, scaled on its training rows (the neural models' DataModule too,
        shuffling its training windows with ``seed``)."""
        data = MemNetDataModule(
            self.dataset, target=self.target, lookback=self.lookback, horizon=horizon,
            batch_size=self.neural.batch_size, train_step=self.neural.train_step,
            per_series_scaling=False, calendar=calendar, data_dir=self.data_dir, seed=seed,
        )
        data.setup()
        return data

    def origins(self, data: MemNetDataModule, horizon: int) -> np.ndarray:
        """Rows of the last input step of every test window."""
        _, _, val_end, test_end = data.borders[0]
        first = val_end - horizon if self.last_step_only else val_end - 1
        return np.arange(first, test_end - horizon)

    def evaluate(self, spec: ModelSpec, horizon: int, seed: int) -> dict[str, Any]:
        """Score ``spec`` at ``horizon``; returns the metrics, ``val_loss`` and timings."""
        if spec.kind == "median":
            raise ValueError(f"{spec.name}: median ensembles of any models run on M4 protocols only.")
        started = time.perf_counter()
        data = self.data(horizon, calendar="calendar" in spec.params.get("temporal_encoding", ()), seed=seed)
        scaled = data.scaled[0]  # (T, C)
        origins = self.origins(data, horizon)
        steps = origins[:, None] + 1 + np.arange(horizon)  # (n, H) rows forecast
        actual = scaled[steps]  # (n, H, C)
        extra: dict[str, Any] = {}
        if spec.kind == "naive":
            forecast = np.repeat(scaled[origins][:, None], horizon, axis=1)
        elif spec.kind == "seasonal_naive":
            m = self.season_length
            h = np.arange(horizon)
            forecast = scaled[origins[:, None] + 1 + h - m * (h // m + 1)]
        elif spec.kind == "estimator":
            forecast, extra = self._statistical(spec, scaled, data.borders[0][1], origins, horizon)
        elif spec.kind == "neural_ensemble":
            forecast, extra = neural.ensemble_origins(data, self.neural, spec.params["members"], seed, origins)
        else:
            module, fit = neural.train(data, self.neural, spec.params, seed)
            forecast = neural.predict_origins(module, data, origins)
            extra = {"val_loss": fit.best_val_loss, "epochs": fit.n_epochs, "shuffle_seed": seed}
        scores = self._score(actual, forecast, data)
        return scores | extra | {"n_windows": len(origins), "seconds": time.perf_counter() - started}

    def _statistical(self, spec: ModelSpec, scaled: np.ndarray, train_end: int, origins: np.ndarray, horizon: int):
        forecasts, chosen = [], []
        for c in range(scaled.shape[1]):
            model = build_estimator(spec, self.season_length).fit(pd.Series(scaled[:train_end, c]))
            forecasts.append(model.predict_origins(pd.Series(scaled[:, c]), horizon, origins + 1))  # (n, H)
            chosen.append(describe_fit(model))
        return np.stack(forecasts, axis=-1), {"fitted": "; ".join(chosen)}

    def _score(self, actual: np.ndarray, forecast: np.ndarray, data: MemNetDataModule) -> dict[str, float]:
        if self.last_step_only:
            actual, forecast = actual[:, -1], forecast[:, -1]  # (n, C): LSTNet scores step h only
        if self.metrics == ("mse", "mae"):
            return {"mse": metrics.mse(actual, forecast), "mae": metrics.mae(actual, forecast)}
        shift, scale = data.scaler.shift_[0], data.scaler.scale_[0]  # LSTNet scores the original scale
        truth, guess = actual * scale + shift, forecast * scale + shift
        return {"rse": metrics.rse(truth, guess), "corr": metrics.corr(truth, guess)}


@dataclass
class M4Protocol:
    """M4: the last ``horizon`` points of every series held out; sMAPE, MASE (m=24), OWA."""

    name: str
    dataset: str = "m4_hourly"
    horizons: tuple[int, ...] = (48,)
    lookback: int = 336
    season_length: int = 24
    n_series: int | None = None  # a fixed random sample of series (None: all)
    metrics: tuple[str, ...] = ("smape", "mase", "owa")
    neural: neural.NeuralSettings = field(default_factory=neural.NeuralSettings)
    data_dir: str | None = None

    def split(self, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        data = load_dataset(self.dataset, data_dir=self.data_dir)
        if self.n_series is not None:
            ids = data["unique_id"].unique()
            keep = np.random.default_rng(0).choice(ids, size=self.n_series, replace=False)
            data = data[data["unique_id"].isin(keep)]
        test = data.groupby("unique_id", sort=False).tail(horizon)
        return data.drop(test.index), test

    def evaluate(self, spec: ModelSpec, horizon: int, seed: int) -> dict[str, Any]:
        started = time.perf_counter()
        train, test = self.split(horizon)
        if spec.kind == "median":
            forecast, extra = self._median(spec, train, horizon, seed)
        else:
            forecast, extra = self.forecast(spec, train, horizon, seed)
        return self.score(train, test, forecast) | {"seconds": time.perf_counter() - started} | extra

    def score(self, train: pd.DataFrame, test: pd.DataFrame, forecast: list[np.ndarray]) -> dict[str, float]:
        """sMAPE, MASE and OWA (against the published Naive2) of every series' forecast.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from tsmem.benchmarks.zoo import MODELS
        >>> t = np.arange(96)
        >>> frame = pd.DataFrame({"unique_id": "S1", "ds": t, "y": 10 + np.sin(2 * np.pi * t / 24)})
        >>> train, test = frame.iloc[:-24], frame.iloc[-24:]
        >>> m4 = M4Protocol("example")
        >>> forecast, _ = m4.forecast(MODELS["seasonal_naive"], train, horizon=24, seed=0)
        >>> scores = m4.score(train, test, forecast)
        >>> round(scores["smape"], 6), scores["n_windows"]  # a pure cycle: seasonal naive is exact
        (0.0, 1)
        """
        scores = metrics.m4_scores(_by_series(test), forecast, _by_series(train), self.season_length)
        owa = metrics.owa(scores["smape"], scores["mase"], *M4_NAIVE2)
        return {"smape": scores["smape"], "mase": scores["mase"], "owa": owa, "n_windows": scores["n_series"]}

    def forecast(self, spec: ModelSpec, train: pd.DataFrame, horizon: int, seed: int):
        """Every series' forecast (S arrays of H) and what to record beside the scores
        (a neural model's validation loss and epochs, an automatic model's choices); an
        example is under :meth:`score`."""
        if spec.kind.startswith("neural"):
            return self._neural(spec, train, horizon, seed)
        model = self._baseline(spec).fit(train)
        extra = {"fitted": describe_fit(model)} if spec.kind == "estimator" else {}
        return _by_series(model.predict(horizon=horizon)), extra

    def _median(self, spec: ModelSpec, train: pd.DataFrame, horizon: int, seed: int):
        """The per-step median of the members' forecasts, each member run as on its own
        (``EnsembleForecaster(aggregate="median")``'s rule). ``fitted`` names the members,
        with each neural member's validation loss and epochs; the median has neither."""
        members: list[ModelSpec] = spec.params["members"]
        forecasts, described = [], []
        for member in members:
            forecast, extra = self.forecast(member, train, horizon, seed)
            forecasts.append(np.stack(forecast))  # (S, H)
            fit = [f"{key} {extra[key]:.4f}" if key == "val_loss" else f"{key} {extra[key]}"
                   for key in ("val_loss", "epochs") if extra.get(key) is not None]
            described.append(member.name + (f" ({', '.join(fit)})" if fit else ""))
        median = np.median(np.stack(forecasts), axis=0)
        return list(median), {"fitted": "median of " + "; ".join(described)}

    def _baseline(self, spec: ModelSpec):
        if spec.kind == "naive":
            return estimators.Naive()
        if spec.kind == "seasonal_naive":
            return estimators.SeasonalNaive(season_length=self.season_length)
        return build_estimator(spec, self.season_length)

    def _neural(self, spec: ModelSpec, train: pd.DataFrame, horizon: int, seed: int):
        data = MemNetDataModule.from_data(
            train, lookback=self.lookback, horizon=horizon, batch_size=self.neural.batch_size,
            val_size=horizon, test_size=0, train_step=self.neural.train_step, per_series_scaling=True,
            calendar="calendar" in spec.params.get("temporal_encoding", ()), seed=seed,
        )
        data.setup()
        origins, series = data.panel.lengths - 1, np.arange(data.panel.n_series)
        if spec.kind == "neural_ensemble":
            scaled, extra = neural.ensemble_origins(data, self.neural, spec.params["members"], seed, origins, series)
        else:
            module, fit = neural.train(data, self.neural, spec.params, seed)
            scaled = neural.predict_origins(module, data, origins, series=series)
            extra = {"val_loss": fit.best_val_loss, "epochs": fit.n_epochs, "shuffle_seed": seed}
        forecast = data.scaler.inverse_transform(scaled)[..., 0]  # (S, H)
        return list(forecast), extra


# -- helpers ------------------------------------------------------------------------------------
def build_estimator(spec: ModelSpec, season_length: int):
    """A tsmem estimator from a spec, given the season length and 2 jobs where it takes them."""
    params = dict(spec.params)
    cls = getattr(estimators, params.pop("class"))
    accepted = inspect.signature(cls).parameters
    defaults = {"season_length": season_length, "n_jobs": 2}
    return cls(**{k: v for k, v in defaults.items() if k in accepted} | params)


def describe_fit(model: Any) -> str:
    """The orders or configurations an automatic model chose, most frequent first."""
    table = getattr(model, "models_", None)
    if not isinstance(table, pd.DataFrame):
        return ""
    if "order" in table:
        chosen = table["order"].astype(str) + table["seasonal_order"].astype(str)
    elif "model" in table:
        chosen = table["model"].astype(str)
    else:
        return ""
    return ", ".join(f"{name} x{count}" for name, count in chosen.value_counts().head(3).items())


def _by_series(frame: pd.DataFrame) -> list[np.ndarray]:
    return [group.to_numpy() for _, group in frame.groupby("unique_id", sort=False)["y"]]
