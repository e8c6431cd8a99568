"""Finding the files and reading a dataset: :func:`load_dataset`.

Bundled datasets are read through :mod:`importlib.resources`, so they load from
an installed wheel too. Benchmark files are looked up in the data directory (the
``data_dir`` argument, then ``$TSMEM_DATA_DIR``, then the user cache), each under
its registered name and its other compression. A missing file with a pinned URL
is downloaded there (:mod:`tsmem.datasets.download`) unless downloading is off;
any file still missing raises one ``FileNotFoundError`` naming every path looked
at, the upstream source and URL.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from tsmem.datasets.download import DOWNLOAD_ENV, download_enabled, fetch, url_of
from tsmem.datasets.info import DatasetInfo
from tsmem.datasets.provenance import _DOWNLOADS, _NOT_DOWNLOADABLE, _SHIPPED, _UPSTREAM
from tsmem.datasets.registry import _Entry, _entry

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

DATA_DIR_ENV = "TSMEM_DATA_DIR"
_BUNDLED_PACKAGE = "tsmem._bundled"


def _load_bundled(entry: _Entry) -> pd.Series:
    """Read a bundled file through importlib.resources, so it works from a wheel too."""
    resource = _bundled().joinpath(entry.info.files[0])
    with resource.open("rb") as handle:
        return entry.read(entry.info, [handle])


def _bundled() -> Traversable:
    """The bundled files: the installed ``tsmem._bundled``, else the checkout's ``datasets/``.

    ``tsmem._bundled`` exists only once tsmem is installed (pyproject maps the top-level
    ``datasets/`` folder to it); a source checkout run with ``PYTHONPATH`` has the folder
    itself beside ``tsmem/``.
    """
    try:
        return importlib.resources.files(_BUNDLED_PACKAGE)
    except ModuleNotFoundError:
        checkout = Path(__file__).resolve().parents[2] / "datasets"
        if checkout.is_dir():
            return checkout
        raise FileNotFoundError(
            f"tsmem's bundled datasets are missing: neither the package {_BUNDLED_PACKAGE} "
            f"nor the folder {checkout} exists. Install tsmem (pip install .) instead of "
            "importing it from a partial copy of the source."
        ) from None


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


def _find(info: DatasetInfo, root: Path) -> dict[str, Path | None]:
    """Each registered file's path under ``root`` (either compression), else the copy shipped
    inside tsmem (``_SHIPPED``), or None if absent."""
    found: dict[str, Path | None] = {}
    for relpath in info.files:
        existing = [root / name for name in _name_variants(relpath) if (root / name).is_file()]
        if not existing and relpath in _SHIPPED:
            shipped = _bundled().joinpath(_SHIPPED[relpath])
            existing = [Path(str(shipped))] if shipped.is_file() else []
        found[relpath] = existing[0] if existing else None
    return found


def _how_to_get(relpath: str, root: Path) -> str:
    """The upstream of a missing file and its URL and checksum, or why it has no URL."""
    remote = _DOWNLOADS.get(relpath)
    if remote is None:
        return f"    {_NOT_DOWNLOADABLE[relpath]}"
    return (
        f"    url: {url_of(remote)}\n"
        f"    (saved as {root / remote.saved_as}, {remote.size} bytes, sha256 {remote.sha256})"
    )


def _missing_error(
    info: DatasetInfo, missing: list[str], root: Path, why: str, downloading: bool
) -> FileNotFoundError:
    """One error naming every missing file, where tsmem looked and how to get each."""
    lines = []
    for relpath in missing:
        looked = " and ".join(str(root / name) for name in _name_variants(relpath))
        lines.append(
            f"  - {relpath}: looked for {looked}\n"
            f"    upstream: {_UPSTREAM.get(relpath, info.source)}\n" + _how_to_get(relpath, root)
        )
    advice = (
        "These files cannot be downloaded: put each at the path shown"
        if downloading
        else f"Downloading is off (download=False or {DOWNLOAD_ENV}=0): turn it on to fetch the "
        "files that have a url, or put each file at the path shown"
    )
    return FileNotFoundError(
        f"Dataset {info.name!r} is not bundled with tsmem and {len(missing)} of its "
        f"files are missing from the data directory {root} (from {why}):\n"
        + "\n".join(lines)
        + f"\n{advice} (gzipped or not), or point data_dir= or {DATA_DIR_ENV} at a folder "
        "with this layout."
    )


def _files(
    info: DatasetInfo,
    data_dir: str | os.PathLike[str] | None,
    download: bool,
    progress: bool | None = None,
) -> list[Path]:
    """Every file of the dataset, downloading the missing ones with a URL when asked to."""
    root, why = _data_root(data_dir)
    found = _find(info, root)
    if download:
        for relpath, path in found.items():
            if path is None and relpath in _DOWNLOADS:
                found[relpath] = fetch(_DOWNLOADS[relpath], root, progress)
    missing = [relpath for relpath, path in found.items() if path is None]
    if missing:
        raise _missing_error(info, missing, root, why, download)
    return [path for path in found.values() if path is not None]


def load_dataset(
    name: str, data_dir: str | os.PathLike[str] | None = None, *, download: bool | None = None
) -> pd.DataFrame | pd.Series:
    """Read a registered dataset into pandas, timestamps kept, downloading missing files.

    Parameters
    ----------
    name : str
        Registry name (case-insensitive), see :func:`list_datasets`.
    data_dir : str or path-like, optional
        Folder holding the benchmark files (layout ``ett/ETTh1.csv.gz``, ...),
        where missing ones are downloaded to. Defaults to ``$TSMEM_DATA_DIR``,
        then ``$XDG_CACHE_HOME/tsmem`` or ``~/.cache/tsmem``. Ignored for
        bundled datasets.
    download : bool, optional
        Whether to download missing files from their pinned upstream URLs
        (checked against their sha256; progress on stderr when it is a
        terminal). Defaults to ``$TSMEM_DOWNLOAD``, on unless that is ``0``.

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
        When a benchmark file is not in the data directory and downloading is
        off or impossible for it; the message says where tsmem looked, the
        upstream source and URL, and where to put the file.
    DownloadError
        When a download fails (offline, cut short, wrong sha256): a
        ``FileNotFoundError`` whose message names the URL and the manual fix.

    Examples
    --------
    >>> y = load_dataset("air_passengers")
    >>> y.index.freqstr, len(y), float(y.iloc[0])
    ('MS', 144, 112.0)
    """
    entry = _entry(name)
    if entry.info.bundled:
        return _load_bundled(entry)
    return entry.read(entry.info, _files(entry.info, data_dir, download_enabled(download)))


def download_dataset(
    name: str, data_dir: str | os.PathLike[str] | None = None, *, progress: bool | None = None
) -> list[Path]:
    """Download a benchmark dataset's missing files now, so later loads work offline.

    The same as what :func:`load_dataset` does on first use, without reading
    the data; files already present are left alone. Also ``python -m
    tsmem.datasets download NAME ...``.

    Parameters
    ----------
    name : str
        Registry name (case-insensitive), see :func:`list_datasets`.
    data_dir : str or path-like, optional
        Where to put the files; the default is that of :func:`load_dataset`.
    progress : bool, optional
        Show a progress bar on stderr; by default only when stderr is a terminal.

    Returns
    -------
    list of pathlib.Path
        The path of every file of the dataset (empty for a bundled dataset).

    Raises
    ------
    DownloadError
        When a download fails; nothing is left at the destination.
    FileNotFoundError
        When a missing file has no public URL (the M4 series info file), after
        the other files were downloaded.

    Examples
    --------
    >>> download_dataset("air_passengers")  # bundled: nothing to download
    []
    """
    entry = _entry(name)
    if entry.info.bundled:
        return []
    return _files(entry.info, data_dir, download=True, progress=progress)
