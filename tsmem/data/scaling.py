"""Per-series, per-channel scaling fitted on training data only.

The statistics are those of scikit-learn's ``StandardScaler``/``MinMaxScaler``,
kept per series so a global model over many series sees each on a comparable
scale. A constant channel is divided by its largest ``|value|`` (sklearn uses 1),
so scaling ``y`` by ``c`` scales the forecasts by ``c`` at any magnitude.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

ScalerMethod = Literal["standard", "minmax", "none"]


class PanelScaler:
    """Scale each series' channels with statistics from its training part.

    Parameters
    ----------
    method
        ``"standard"`` (zero mean, unit variance), ``"minmax"`` (to [0, 1]) or ``"none"``.
    per_series
        True: statistics per series. False: one set pooled over all series
        (per channel), as the Informer protocol does for a single wide series.

    Examples
    --------
    >>> import numpy as np
    >>> scaler = PanelScaler().fit([np.array([[1.0], [3.0]])])
    >>> scaler.transform([np.array([[5.0]])])[0].item()
    3.0
    """

    def __init__(self, method: ScalerMethod = "standard", per_series: bool = True) -> None:
        if method not in ("standard", "minmax", "none"):
            raise ValueError(f"scaling must be 'standard', 'minmax' or 'none', got {method!r}.")
        self.method = method
        self.per_series = per_series

    def fit(self, values: Sequence[np.ndarray]) -> PanelScaler:
        """Learn statistics from training arrays, one ``(T_i, C)`` per series."""
        if self.per_series:
            stats = [self._stats(v) for v in values]
        else:
            stats = [self._stats(np.concatenate(values))] * len(values)
        self.shift_ = np.stack([s[0] for s in stats])  # (S, C)
        self.scale_ = np.stack([s[1] for s in stats])  # (S, C)
        return self

    def transform(self, values: Sequence[np.ndarray], series: Sequence[int] | None = None) -> list[np.ndarray]:
        """Scale arrays; ``series[k]`` says whose statistics array ``k`` uses (default: k)."""
        series = range(len(values)) if series is None else series
        return [(v - self.shift_[s]) / self.scale_[s] for v, s in zip(values, series, strict=True)]

    def inverse_transform(self, scaled: np.ndarray, series: Sequence[int] | None = None) -> np.ndarray:
        """Undo the scaling of forecasts shaped ``(S, H, C)`` or ``(S, H, C, Q)``."""
        series = np.arange(len(scaled)) if series is None else np.asarray(series)
        shift, scale = self.shift_[series][:, None], self.scale_[series][:, None]  # (S, 1, C)
        if scaled.ndim == 4:
            shift, scale = shift[..., None], scale[..., None]
        return scaled * scale + shift

    def _stats(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_channels = values.shape[1]
        if self.method == "none":
            return np.zeros(n_channels), np.ones(n_channels)
        # Statistics of values / their magnitude, then scaled back: squares of values
        # near 1e200 would overflow, and of values near 1e-200 underflow to 0.
        magnitude = np.max(np.abs(values), axis=0, initial=0.0)
        magnitude = np.where(magnitude > 0, magnitude, 1.0)  # (C,)
        unit = values / magnitude
        if self.method == "standard":
            shift, scale = unit.mean(axis=0) * magnitude, unit.std(axis=0) * magnitude
        else:
            shift, scale = unit.min(axis=0) * magnitude, np.ptp(unit, axis=0) * magnitude
        # A (nearly) constant channel is scaled by its own size, never by an absolute 1,
        # so forecasts keep their proportion to the data at any scale.
        flat = ~(scale > 1e-12 * magnitude)
        return shift, np.where(flat, magnitude, scale)
