"""The internal form of every input: a panel of one or many regular series.

Users pass a ``pd.Series``, a wide ``pd.DataFrame``, a long ``unique_id/ds/y``
frame or a numpy array (see :func:`tsmem.data.to_panel`). Everything inside
tsmem works on a :class:`Panel`, and forecasts go back to the user in the
layout they came in, with the right future timestamps.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Layout = Literal["series", "wide", "long"]

#: Column names of the long layout (Nixtla's convention).
ID_COL, TIME_COL, TARGET_COL = "unique_id", "ds", "y"


def quantile_column(column: Hashable, q: float) -> str:
    """Name of the column holding quantile ``q`` of ``column``: ``"y_q0.1"``."""
    return f"{column}_q{q:g}"


def future_index(index: pd.Index, horizon: int) -> pd.Index:
    """The ``horizon`` timestamps that follow ``index``, at its frequency.

    ``index`` is a regular index as built by :func:`tsmem.data.to_panel`: a
    ``DatetimeIndex`` with ``freq`` set, a ``PeriodIndex`` or a ``RangeIndex``.
    """
    if isinstance(index, pd.RangeIndex):
        step = index.step
        start = index[-1] + step
        return pd.RangeIndex(start, start + step * horizon, step, name=index.name)
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=horizon, freq=index.freq, name=index.name)
    if isinstance(index, pd.DatetimeIndex):
        if index.freq is None:
            raise ValueError(
                "Cannot extend a time index with no frequency (a series of one "
                "observation has none). Give the index a frequency, e.g. "
                "y.index.freq = 'h', or pass a longer history."
            )
        start = index[-1] + index.freq
        return pd.date_range(start, periods=horizon, freq=index.freq, tz=index.tz, name=index.name)
    raise TypeError(f"Unsupported index type {type(index).__name__}.")


@dataclass(frozen=True)
class Panel:
    """One or many regular series that share their channels.

    Attributes
    ----------
    values
        One float64 array per series, shape ``(T_i, C)``; series may differ in length.
    index
        One regular time index per series, the same length as its values.
    ids
        One identifier per series (``unique_id`` in the long layout).
    columns
        The ``C`` channel names.
    layout
        The form the user passed, so forecasts go back in the same form: a
        ``pd.Series`` (or 1-D array) is ``"series"``, a wide frame (or 2-D array)
        ``"wide"``, a ``unique_id/ds/y`` frame ``"long"``.
    name
        The name of a ``pd.Series`` input, kept on the forecast (its channel is
        called ``name`` or, when that is None, ``"y"``).
    """

    values: tuple[np.ndarray, ...]
    index: tuple[pd.Index, ...]
    ids: tuple[Hashable, ...]
    columns: tuple[Hashable, ...]
    layout: Layout
    name: Hashable = None

    # -- sizes ---------------------------------------------------------------
    @property
    def n_series(self) -> int:
        return len(self.values)

    @property
    def n_channels(self) -> int:
        return len(self.columns)

    @property
    def lengths(self) -> np.ndarray:
        return np.array([len(v) for v in self.values])

    # -- derived panels ------------------------------------------------------
    def replace(self, values: Sequence[np.ndarray], index: Sequence[pd.Index] | None = None) -> Panel:
        """A panel with the same ids, columns and layout and new values (and index)."""
        new_index = tuple(index) if index is not None else self.index
        return Panel(tuple(values), new_index, self.ids, self.columns, self.layout, self.name)

    def head(self, lengths: Sequence[int] | int) -> Panel:
        """The first ``lengths[i]`` observations of every series (one int for all)."""
        if np.isscalar(lengths):
            lengths = [int(lengths)] * self.n_series
        return self.replace(
            [v[:n] for v, n in zip(self.values, lengths, strict=True)],
            [ix[:n] for ix, n in zip(self.index, lengths, strict=True)],
        )

    def tail(self, n: int) -> Panel:
        """The last ``n`` observations of every series."""
        return self.replace([v[-n:] for v in self.values], [ix[-n:] for ix in self.index])

    def select(self, positions: Sequence[int]) -> Panel:
        """The series at ``positions``, in that order."""
        return Panel(
            tuple(self.values[i] for i in positions),
            tuple(self.index[i] for i in positions),
            tuple(self.ids[i] for i in positions),
            self.columns,
            self.layout,
            self.name,
        )

    # -- back to pandas ------------------------------------------------------
    def future_index(self, horizon: int) -> list[pd.Index]:
        """The next ``horizon`` timestamps of every series."""
        first = self.index[0]
        if self.layout == "long" and len(self.index) > 1 and _one_fixed_step(self.index):
            # One sum for all series: a date_range each costs ~40 µs, 0.4 s for 10,000.
            unit = f"[{first.unit}]"
            step = np.timedelta64(pd.Timedelta(first.freq)).astype(f"m8{unit}").astype(np.int64)
            last = np.array([ix.asi8[-1] for ix in self.index])
            stamps = (last[:, None] + step * np.arange(1, horizon + 1)).ravel().view(f"M8{unit}")
            whole = pd.DatetimeIndex(stamps, name=first.name)
            return [whole[i * horizon : (i + 1) * horizon] for i in range(len(self.index))]
        return [future_index(ix, horizon) for ix in self.index]

    def to_pandas(self) -> pd.Series | pd.DataFrame:
        """This panel's data in the layout it came in (numpy input comes back as pandas)."""
        return self._frame([v[:, :, None] for v in self.values], list(self.index), ())

    def format_forecast(
        self,
        point: np.ndarray,
        quantiles: Sequence[float] = (),
        quantile_values: np.ndarray | None = None,
    ) -> pd.Series | pd.DataFrame:
        """Turn forecasts into pandas in the user's layout.

        Parameters
        ----------
        point
            Point forecasts, shape ``(n_series, H, C)``.
        quantiles
            Quantile levels; one extra column per channel and level, named by
            :func:`quantile_column`.
        quantile_values
            Shape ``(n_series, H, C, Q)``, required when ``quantiles`` is given.
        """
        horizon = point.shape[1]
        blocks = point[..., None]  # (S, H, C, 1)
        if quantiles:
            blocks = np.concatenate([blocks, quantile_values], axis=-1)  # (S, H, C, 1+Q)
        return self._frame(list(blocks), self.future_index(horizon), tuple(quantiles))

    def _frame(
        self, blocks: list[np.ndarray], index: list[pd.Index], quantiles: tuple[float, ...]
    ) -> pd.Series | pd.DataFrame:
        # blocks[i] is (T, C, 1+Q): the point value then each quantile per channel.
        names = [
            col if level is None else quantile_column(col, level)
            for col in self.columns
            for level in (None, *quantiles)
        ]
        if self.layout == "long":
            ids = np.repeat(np.array(self.ids, dtype=object), [len(ix) for ix in index])
            stacked = np.concatenate([b.reshape(len(b), -1) for b in blocks])  # (sum T, C(1+Q))
            frame = pd.DataFrame(stacked, columns=names)
            frame.insert(0, TIME_COL, _concat_index(index))
            frame.insert(0, ID_COL, ids)
            return frame
        (block,) = blocks
        frame = pd.DataFrame(block.reshape(len(block), -1), index=index[0], columns=names)
        if self.layout == "series" and not quantiles:
            return frame.iloc[:, 0].rename(self.name)
        return frame


def _one_fixed_step(indexes: list[pd.Index]) -> bool:
    """Whether every index is a time-zone-naive ``DatetimeIndex`` of one fixed step
    (hours, minutes...: a ``Tick``), unit and name."""
    first = indexes[0]
    if not isinstance(first, pd.DatetimeIndex) or first.tz is not None:
        return False
    if not isinstance(first.freq, pd.offsets.Tick):
        return False
    return all(
        isinstance(ix, pd.DatetimeIndex) and ix.freq == first.freq and ix.tz is None
        and ix.unit == first.unit and ix.name == first.name
        for ix in indexes
    )


def _concat_index(indexes: list[pd.Index]) -> pd.Index:
    """Join per-series indexes into one column of timestamps (or integers)."""
    if isinstance(indexes[0], pd.RangeIndex):
        return pd.Index(np.concatenate([np.asarray(ix) for ix in indexes]))
    return indexes[0].append(indexes[1:]) if len(indexes) > 1 else indexes[0]
