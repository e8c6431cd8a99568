"""Finding the files and reading a dataset: :func:`load_dataset`.

Bundled datasets are read through :mod:`importlib.resources`, so they load from
an installed wheel too. Benchmark files are looked up in the data directory (the
``data_dir`` argument, then ``$TSMEM_DATA_DIR``, then the user cache), each under
its registered name and its other compression; a missing file raises one
``FileNotFoundError`` naming every path looked at and the upstream source.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

import pandas as pd

from tsmem.datasets.info import DatasetInfo
from tsmem.datasets.provenance import _UPSTREAM
from tsmem.datasets.registry import _Entry, _entry

DATA_DIR_ENV = "TSMEM_DATA_DIR"
_BUNDLED_PACKAGE = "tsmem._bundled"


def _load_bundled(entry: _Entry) -> pd.Series:
    """Read a bundled file through importlib.resources, so it works from a wheel too."""
    resource = importlib.resources.files(_BUNDLED_PACKAGE).joinpath(entry.info.files[0])
    with resource.open("rb") as handle:
        return entry.read(entry.info, [handle])


def _data_root(data_dir: str | os.PathLike[str] | None) -> tuple[Path, str]:
    """The data directory in effect and a phrase saying why it was chosen."""
    if data_dir is not None:
        return Path(data_dir).expanduser(), "the data_dir argument"
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser(), f"the {DATA_DIR_ENV} environment variable"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "tsmem", (
        f"the default cache directory (neither data_dir nor {DATA_DIR_ENV} was given)"
    )


def _name_variants(relpath: str) -> list[str]:
    """The registered name first, then the same file (un)compressed."""
    alternative = relpath.removesuffix(".gz") if relpath.endswith(".gz") else relpath + ".gz"
    return [relpath, alternative]


def _locate_files(info: DatasetInfo, data_dir: str | os.PathLike[str] | None) -> list[Path]:
    """Path of each of the dataset's files, or one FileNotFoundError listing all missing ones."""
    root, why = _data_root(data_dir)
    found, missing = [], []
    for relpath in info.files:
        candidates = [root / variant for variant in _name_variants(relpath)]
        existing = [path for path in candidates if path.is_file()]
        if existing:
            found.append(existing[0])
        else:
            looked = " and ".join(str(path) for path in candidates)
            missing.append(
                f"  - {relpath}: looked for {looked}\n"
                f"    upstream: {_UPSTREAM.get(relpath, info.source)}"
            )
    if missing:
        raise FileNotFoundError(
            f"Dataset {info.name!r} is not bundled with tsmem and {len(missing)} of its "
            f"files are missing from the data directory {root} (from {why}):\n"
            + "\n".join(missing)
            + f"\nPut each file at the path shown (gzipped or not), or point data_dir= or "
            f"{DATA_DIR_ENV} at a folder with this layout. tsmem never downloads data."
        )
    return found


def load_dataset(
    name: str, data_dir: str | os.PathLike[str] | None = None
) -> pd.DataFrame | pd.Series:
    """Read a registered dataset into pandas, timestamps kept.

    Parameters
    ----------
    name : str
        Registry name (case-insensitive), see :func:`list_datasets`.
    data_dir : str or path-like, optional
        Folder holding the benchmark files (layout ``ett/ETTh1.csv.gz``, ...).
        Defaults to ``$TSMEM_DATA_DIR``, then ``$XDG_CACHE_HOME/tsmem`` or
        ``~/.cache/tsmem``. Ignored for bundled datasets.

    Returns
    -------
    pandas.DataFrame or pandas.Series
        Wide DataFrame (ETT, weather, ILI, exchange_rate), long ``unique_id,
        ds, y`` DataFrame (M4), or Series (bundled); see the module docstring.

    Raises
    ------
    ValueError
        For an unknown name.
    FileNotFoundError
        When a benchmark file is not in the data directory; the message says
        where tsmem looked, the upstream source, and where to put the file.

    Examples
    --------
    >>> y = load_dataset("air_passengers")
    >>> y.index.freqstr, len(y), float(y.iloc[0])
    ('MS', 144, 112.0)
    """
    entry = _entry(name)
    if entry.info.bundled:
        return _load_bundled(entry)
    return entry.read(entry.info, _locate_files(entry.info, data_dir))
