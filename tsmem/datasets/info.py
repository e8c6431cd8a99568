"""What tsmem knows about a dataset, :class:`DatasetInfo`, and the types the package shares.

:class:`DatasetInfo` is the frozen record every registry entry carries: provenance,
shape of the data and evaluation protocol. ``Borders`` is the ``(0, train_end,
val_end, test_end)`` tuple of the standard split, and ``_Source`` what a reader
is handed for each file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

# What a reader gets for each file: a local path, or an open handle on a bundled resource.
_Source = Path | IO[bytes]
Borders = tuple[int, int, int, int]


@dataclass(frozen=True)
class DatasetInfo:
    """What tsmem knows about a dataset: provenance, shape of the data, protocol.

    Attributes
    ----------
    name : str
        Registry name, lower case.
    description : str
        What the data are, with their quirks.
    frequency : str or None
        Pandas offset alias of the time step (``"h"``, ``"15min"``, ``"MS"``,
        ...); ``None`` when the file has no timestamps.
    target : tuple of str
        Target column(s) of the standard task (``("y",)`` for the long M4 frames).
    season_length : int
        Dominant seasonal period in steps (seasonal naive lag, MASE lag).
    horizons : tuple of int
        Forecast horizons of the standard protocol (see ``protocol``).
    lookback : int or None
        Standard input length, ``None`` where the protocol fixes none.
    protocol : str
        The evaluation protocol the horizons, lookback and split come from,
        and common alternatives.
    split : str
        The rule :func:`standard_split` applies.
    citation : str
        What to cite.
    source : str
        Upstream repository, path and commit of the file(s).
    files : tuple of str
        File paths relative to the data directory (bundled: to ``tsmem._bundled``).
    bundled : bool
        Whether the data ship inside the package.
    """

    name: str
    description: str
    frequency: str | None
    target: tuple[str, ...]
    season_length: int
    horizons: tuple[int, ...]
    lookback: int | None
    protocol: str
    split: str
    citation: str
    source: str
    files: tuple[str, ...]
    bundled: bool
