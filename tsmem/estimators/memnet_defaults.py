"""Sizes a memory network from the data it is fitted to, when the user leaves them unset.

``MemNetForecaster(horizon=h)`` alone must be a sensible model on one short series,
so window, stride, lookback, epochs and patience follow the data:

- the **season** ``m`` is ``season_length`` when given, else the dominant period of
  the longest series (:func:`tsmem.data.seasonality.dominant_period`);
- with a season of at most :data:`MAX_SEASON_WINDOW` steps, a slot is one season
  (``window = m``) and slots are whole seasons apart (``stride = m``): slot ``j``
  then ends ``(j + 1)·m`` steps before the origin, so one slot holds "this time last
  cycle" and reading its future is seasonal naive; several slots average past
  cycles;
- without one (or with a longer one), windows of about the horizon (8 to 64 steps)
  at half-window strides;
- on a long series the stride grows (by whole seasons when seasonal) until about
  :data:`MEMORY_SLOTS` slots cover the whole history, so the cost of a step stays
  bounded while the memory still reaches back to the start;
- the **lookback** (RevIN statistics, AR highway) is ``max(2·window, horizon)``, cut
  to what the shortest series can give;
- **epochs** aim at about :data:`TARGET_STEPS` optimiser steps (10 to 200 epochs,
  by the number of training windows), **patience** a fifth of them (5 to 20).

>>> s = derive_sizes(lengths=[386], horizon=14, batch_size=64, val_steps=38, season=7)
>>> (s.window, s.stride, s.lookback, s.max_epochs, s.patience)
(7, 7, 14, 167, 20)
>>> s = derive_sizes(lengths=[3900], horizon=24, batch_size=64, val_steps=390, season=1)
>>> (s.window, s.stride, s.lookback, s.max_epochs, s.patience)
(24, 24, 48, 19, 5)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Longest season used as the slot window (a longer one, e.g. a year of days, makes too
#: long a query and too few slots).
MAX_SEASON_WINDOW = 64
#: Optimiser steps a default fit aims at.
TARGET_STEPS = 1000
#: Slots a default memory spreads over the longest history.
MEMORY_SLOTS = 256


@dataclass(frozen=True)
class Sizes:
    """The data-derived settings of one fit."""

    season: int
    window: int
    stride: int
    lookback: int
    max_epochs: int
    patience: int


def derive_sizes(
    lengths: Sequence[int],
    horizon: int,
    batch_size: int,
    val_steps: int,
    season: int,
    window: int | None = None,
    stride: int | None = None,
    lookback: int | None = None,
    max_epochs: int | None = None,
    patience: int | None = None,
) -> Sizes:
    """Fill the settings left as None (see the module docstring); given ones are kept.

    Parameters
    ----------
    lengths : sequence of int
        Length of every series.
    horizon, batch_size : int
        The model's horizon and batch size.
    val_steps : int
        Steps held out at the end of every series for early stopping.
    season : int
        The seasonal period in steps (1: none).
    window, stride, lookback, max_epochs, patience : int or None
        The user's settings; None means derive.
    """
    seasonal = 2 <= season <= MAX_SEASON_WINDOW
    if window is None:
        window = season if seasonal else min(max(horizon, 8), MAX_SEASON_WINDOW)
    if stride is None:
        stride = window if seasonal and window == season else max(1, window // 2)
        span = max(lengths) - 2 * window  # the history the slots should cover
        stride *= max(1, math.ceil(span / (MEMORY_SLOTS * stride)))  # whole multiples keep phase
    shortest = min(lengths)
    if lookback is None:
        room = shortest - val_steps - horizon  # the longest lookback the shortest series allows
        lookback = max(window, min(max(2 * window, horizon), room))
    n_windows = sum(max(1, n - val_steps - lookback - horizon + 1) for n in lengths)
    if max_epochs is None:
        steps_per_epoch = math.ceil(n_windows / batch_size)
        max_epochs = min(200, max(10, math.ceil(TARGET_STEPS / steps_per_epoch)))
    if patience is None:
        patience = min(20, max(5, max_epochs // 5))
    return Sizes(season, window, stride, lookback, max_epochs, patience)
