"""The one rule that turns a quantile forecast into a point forecast: the median's level.

The network's head predicts ``Q`` quantile levels (the last axis); wherever one
number per step is needed (the validation MSE, the M4 scores, ``predict()``,
the rolled-forward inputs, the forecast files) it is the level nearest 0.5.
Works on numpy arrays and torch tensors alike (it only indexes the last axis).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

Array = TypeVar("Array")


def median_index(quantiles: Sequence[float]) -> int:
    """Position of the level nearest 0.5 in ``quantiles`` (the first of two equally near).

    Examples
    --------
    >>> median_index((0.1, 0.5, 0.9)), median_index((0.1, 0.4, 0.7, 0.9))
    (1, 1)
    """
    if len(quantiles) == 0:
        raise ValueError("quantiles is empty: there is no median level to take.")
    return min(range(len(quantiles)), key=lambda i: abs(quantiles[i] - 0.5))


def point_forecast(forecast: Array, quantiles: Sequence[float] | None) -> Array:
    """``forecast`` itself without quantiles, else its median level (last axis dropped).

    Examples
    --------
    >>> import numpy as np
    >>> point_forecast(np.array([[1.0, 2.0, 3.0]]), (0.1, 0.5, 0.9)).tolist()
    [2.0]
    >>> point_forecast(np.array([4.0, 5.0]), None).tolist()
    [4.0, 5.0]
    """
    if not quantiles:
        return forecast
    return forecast[..., median_index(quantiles)]
