"""Downloading one benchmark file: a pinned URL, checked against its sha256, written atomically.

Each downloadable file is a file of a public GitHub repository at a fixed commit
(``_DOWNLOADS`` in :mod:`tsmem.datasets.provenance`), fetched from
``https://raw.githubusercontent.com/<repo>/<commit>/<path>``; the base URL can be
replaced by ``$TSMEM_DATA_URL`` (a mirror, or the local server of the tests).
The bytes are streamed into a temporary file beside the destination, hashed on
the way, and moved into place with :func:`os.replace` only when size and sha256
match: an interrupted or altered transfer never leaves a file that looks valid.

The standard library's :mod:`urllib` is enough for this (one GET per file, no
sessions or retries), so downloading adds no dependency; the progress bar is
tqdm's, which tsmem already depends on.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import BinaryIO

from tqdm.auto import tqdm

from tsmem.datasets.provenance import _Remote

DATA_URL_ENV = "TSMEM_DATA_URL"
DOWNLOAD_ENV = "TSMEM_DOWNLOAD"
DEFAULT_BASE_URL = "https://raw.githubusercontent.com"
_CHUNK_BYTES = 1 << 16
_TIMEOUT_S = 60.0  # per socket operation, not for the whole file
_OFF = {"0", "false", "no", "off"}


class DownloadError(FileNotFoundError):
    """A benchmark file is missing and could not be downloaded.

    Raised when the URL cannot be reached, the transfer stops early or the
    bytes do not match the registered sha256. In every case nothing is left at
    the destination, so this is a :class:`FileNotFoundError` too: code that
    handles a missing data file handles this one. The message names the URL and
    says how to place the file by hand.
    """


def download_enabled(download: bool | None) -> bool:
    """Whether missing files are downloaded: ``download`` if given, else ``$TSMEM_DOWNLOAD``.

    The variable turns downloading off with ``0``, ``false``, ``no`` or ``off``;
    unset, downloading is on.

    Examples
    --------
    >>> download_enabled(False)
    False
    """
    if download is not None:
        if not isinstance(download, bool):
            raise TypeError(f"download must be True, False or None; got {download!r}.")
        return download
    return os.environ.get(DOWNLOAD_ENV, "1").strip().lower() not in _OFF


def url_of(remote: _Remote) -> str:
    """The URL ``remote`` is fetched from: ``<base>/<repo>/<commit>/<path>``.

    The base is ``$TSMEM_DATA_URL`` when set, else ``https://raw.githubusercontent.com``.
    """
    base = os.environ.get(DATA_URL_ENV) or DEFAULT_BASE_URL
    return f"{base.rstrip('/')}/{remote.repo}/{remote.commit}/{urllib.parse.quote(remote.path)}"


def by_hand(remote: _Remote, destination: Path) -> str:
    """How to put the file in place without tsmem downloading it."""
    return (
        f"To place it by hand: fetch {url_of(remote)} on a machine with internet access and "
        f"save it as {destination} ({remote.size} bytes, sha256 {remote.sha256}); or set "
        f"TSMEM_DATA_DIR to a folder that already holds {remote.saved_as}, or {DATA_URL_ENV} "
        f"to a mirror of {DEFAULT_BASE_URL}."
    )


def _stream(url: str, out: BinaryIO, remote: _Remote, progress: bool) -> tuple[int, int | None]:
    """Copy the response body into ``out``; return (bytes received, Content-Length or None)."""
    received = 0
    with (
        urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response,
        tqdm(
            total=remote.size,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=f"downloading {remote.saved_as}",
            file=sys.stderr,
            disable=not progress,
            leave=False,
        ) as bar,
    ):
        announced = response.headers.get("Content-Length")
        # http.client stops quietly when the server closes early, so the length is checked below.
        while chunk := response.read(_CHUNK_BYTES):
            out.write(chunk)
            received += len(chunk)
            bar.update(len(chunk))
    return received, None if announced is None else int(announced)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(remote: _Remote, root: Path, progress: bool | None = None) -> Path:
    """Download ``remote`` to ``root / remote.saved_as``, checked, atomically; return that path.

    Parameters
    ----------
    remote : _Remote
        The file's repository, commit, path, checksum and size.
    root : pathlib.Path
        The data directory; missing folders are created.
    progress : bool, optional
        Show a progress bar on stderr; by default only when stderr is a terminal.

    Raises
    ------
    DownloadError
        When the folder is not writable, the URL cannot be fetched, the transfer
        stops early or the sha256 differs; no file is left behind.
    """
    url, destination = url_of(remote), root / remote.saved_as
    show = sys.stderr.isatty() if progress is None else progress
    # A unique name beside the destination, so os.replace stays on one file system; "xb"
    # (unlike mkstemp's 0600) keeps the user's umask, as for any file they would write.
    partial = destination.with_name(f".{destination.name}.{uuid.uuid4().hex}.part")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        out = open(partial, "xb")  # noqa: SIM115 - closed by the with below
    except OSError as error:
        raise DownloadError(
            f"Cannot download {remote.saved_as} into the data directory {root}: {error}. Point "
            f"data_dir= or TSMEM_DATA_DIR at a writable folder. {by_hand(remote, destination)}"
        ) from error
    try:
        try:
            with out:
                received, announced = _stream(url, out, remote, show)
        except (OSError, http.client.HTTPException) as error:  # URLError, timeouts, resets
            raise DownloadError(
                f"Could not download {remote.saved_as} from {url}: {error}. "
                + by_hand(remote, destination)
            ) from error
        if announced is not None and received < announced:
            raise DownloadError(
                f"The download of {url} stopped after {received} of {announced} bytes; the "
                f"partial file was removed. Try again. {by_hand(remote, destination)}"
            )
        got = _sha256(partial)
        if got != remote.sha256:
            raise DownloadError(
                f"The file downloaded from {url} ({received} bytes) has sha256 {got}, not the "
                f"registered {remote.sha256}, so it was not kept: the upstream file changed or "
                f"something altered it on the way. {by_hand(remote, destination)}"
            )
        os.replace(partial, destination)  # atomic: readers see no file or the whole file
    finally:
        partial.unlink(missing_ok=True)  # gone already after os.replace
    return destination
