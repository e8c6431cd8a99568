"""``Analog``: forecast with what followed the past windows most like the last one.

The method of analogues (Lorenz 1969), in the form retrieval forecasters use: for
each series, the past windows of length ``w`` most correlated (Pearson) with the
last ``w`` steps, the ``H`` steps that followed each, moved onto the last window's
mean and spread, and averaged with weights ``exp(r / τ)``. Nothing is learned, so it
is a floor for any memory network: slots = past windows, addressing = similarity,
values = what followed is exactly what a memory network can hold.

>>> import numpy as np, pandas as pd
>>> t = np.arange(200)
>>> def cycle(t):
...     return np.sin(2 * np.pi * t / 12) + 0.01 * t  # a cycle on a trend
>>> model = Analog(window=12).fit(pd.Series(cycle(t)))
>>> bool(np.allclose(model.predict(horizon=6), cycle(np.arange(200, 206))))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils import check_scalar

from tsmem.data.seasonality import dominant_period
from tsmem.estimators.base import LocalForecaster


class Analog(LocalForecaster):
    """Analogue forecast: the re-scaled futures of the past windows most like the last one.

    Parameters
    ----------
    window : int or None, default None
        Steps ``w`` compared; None takes the series' dominant period
        (:func:`tsmem.data.seasonality.dominant_period`), at least 8 steps.
    n_analogs : int, default 10
        How many of the best-correlated past windows are averaged.
    temperature : float, default 0.05
        ``τ`` of the weights ``exp(r / τ)``; smaller trusts the best match more.
    stride : int, default 1
        Steps between candidate windows, counted back from the last one (1: every
        past window; ``window``: whole past cycles, in phase with the last one).
    """

    stateless = True

    def __init__(
        self,
        *,
        window: int | None = None,
        n_analogs: int = 10,
        temperature: float = 0.05,
        stride: int = 1,
    ) -> None:
        self.window = window
        self.n_analogs = n_analogs
        self.temperature = temperature
        self.stride = stride

    def _validate_params(self) -> None:
        if self.window is not None:
            check_scalar(self.window, "window", int, min_val=2)
        check_scalar(self.stride, "stride", int, min_val=1)
        check_scalar(self.n_analogs, "n_analogs", int, min_val=1)
        check_scalar(self.temperature, "temperature", (int, float), min_val=0, include_boundaries="neither")
        super()._validate_params()

    def _min_length(self) -> int:
        return 2 * (self.window or 2) + 1

    def _predict_one(
        self, state: Any, y: np.ndarray, horizon: int, x: Any, quantiles: tuple[float, ...]
    ) -> tuple[np.ndarray, None]:
        w = self.window or max(8, dominant_period(y))
        w = min(w, len(y) // 2)
        stride = self.stride
        T = len(y)
        # Window k ends k·stride steps before the origin; its future must be observed.
        first = max(1, -(-horizon // stride))
        ends = T - stride * np.arange(first, (T - w) // stride + 1)
        ends = ends[ends >= w]
        if len(ends) == 0:
            raise ValueError(
                f"The series has {T} steps: too few for one past window of {w} steps followed by "
                f"{horizon} observed steps. Pass a longer history or a smaller window."
            )
        query = y[T - w :]
        keys = np.stack([y[e - w : e] for e in ends])  # (K, w)
        futures = np.stack([y[e : e + horizon] for e in ends])  # (K, H)
        q_mean, q_std = query.mean(), query.std()
        k_mean, k_std = keys.mean(axis=1), keys.std(axis=1)
        floor = 1e-8 * max(1.0, float(np.abs(y).max()))
        corr = ((keys - k_mean[:, None]) * (query - q_mean)).mean(axis=1) / (
            (k_std + floor) * (q_std + floor)
        )
        best = np.argsort(-corr)[: self.n_analogs]
        weights = np.exp((corr[best] - corr[best].max()) / self.temperature)
        aligned = (futures[best] - k_mean[best, None]) * ((q_std + floor) / (k_std[best, None] + floor))
        point = q_mean + weights @ aligned / weights.sum()
        return point, None

    @classmethod
    def _conformance_params(cls) -> dict[str, Any]:
        return {"window": 4}
