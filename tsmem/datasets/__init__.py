"""Registry of the benchmark datasets tsmem is measured on, with their standard splits.

>>> from tsmem.datasets import load_dataset, standard_split
>>> y = load_dataset("air_passengers")  # bundled: works offline, no setup
>>> train, val, test = standard_split("air_passengers", y)
>>> len(train), len(val), len(test)
(120, 12, 12)

Where the files come from
-------------------------
Three small classic series ship inside the package (the repository's top-level
``datasets/`` folder, installed as ``tsmem._bundled``): ``air_passengers``,
``sunspots`` and ``melbourne_temp``. The benchmarks are too large (or licensed
too strictly) to bundle and are read from a *data directory*, the first of

1. the ``data_dir`` argument,
2. the ``TSMEM_DATA_DIR`` environment variable,
3. the user cache, ``$XDG_CACHE_HOME/tsmem`` or ``~/.cache/tsmem``,

laid out as ``ett/ETTh1.csv.gz``, ``m4/Hourly-train.csv.gz``, ... (see
:attr:`DatasetInfo.files`). Each file is also found under its other
compression: ``ett/ETTh1.csv`` for ``ett/ETTh1.csv.gz``, and
``autoformer/national_illness.csv.gz`` for ``autoformer/national_illness.csv``.

A missing file is downloaded into that directory on first use: from its
upstream repository at a pinned commit (``raw.githubusercontent.com``, or
``$TSMEM_DATA_URL``), checked against its registered sha256 and moved into
place only when complete. :func:`download_dataset` (or ``python -m
tsmem.datasets download NAME ...``) does it ahead of time; ``download=False`` or
``TSMEM_DOWNLOAD=0`` turns it off. A file that cannot be had (offline, or the
M4 series info file, which has no public URL) raises a ``FileNotFoundError``
(:class:`DownloadError` when a download failed) naming every path looked at,
the URL and where to put the file by hand.

What :func:`load_dataset` returns
---------------------------------
- ETT, weather, ILI: a wide ``DataFrame`` indexed by a ``DatetimeIndex`` named
  ``date``, every channel a float column in the file's order (target ``OT``
  last). The index carries its frequency when the timestamps are regular;
  weather's are not (a repeated timestamp and a 100-minute gap in the
  distributed file, kept as is), so its ``index.freq`` is ``None``.
- exchange_rate: a wide ``DataFrame`` with a ``RangeIndex`` (the file has no
  timestamps, and none are invented) and one column per country.
- m4_hourly, m4_weekly: a long ``DataFrame`` with columns ``unique_id``,
  ``ds``, ``y`` (Nixtla's convention): each series' training values followed
  by its 48 (13) test values, series in M4 order (H1..H414), time ascending.
- bundled: a ``pd.Series`` with a ``DatetimeIndex`` named ``date`` and its
  frequency set.

Standard splits
---------------
:func:`standard_split` cuts what :func:`load_dataset` returns into
``(train, val, test)`` following each benchmark's published protocol;
:func:`split_borders` gives the same borders as row positions for windowing
code. See :attr:`DatasetInfo.split` for each dataset's rule.
"""

from tsmem.datasets.download import DownloadError
from tsmem.datasets.files import DATA_DIR_ENV as DATA_DIR_ENV  # public, though not in __all__
from tsmem.datasets.files import download_dataset, load_dataset
from tsmem.datasets.info import Borders as Borders  # public, though not in __all__
from tsmem.datasets.info import DatasetInfo
from tsmem.datasets.registry import dataset_info, list_datasets
from tsmem.datasets.splits import split_borders, standard_split

__all__ = [
    "DatasetInfo",
    "DownloadError",
    "dataset_info",
    "download_dataset",
    "list_datasets",
    "load_dataset",
    "split_borders",
    "standard_split",
]
