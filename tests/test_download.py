"""Downloading benchmark files, against a local HTTP server the tests start (never the internet).

The registry's entry for a file is swapped for one whose checksum matches small
synthetic bytes, which the server serves at the path the real URL would have;
``TSMEM_DATA_URL`` points tsmem at that server. The tests marked
``needs_benchmark_data`` check the registered checksums against the real files.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import socket
import threading
import urllib.parse
from pathlib import Path

import pandas as pd
import pytest

from tsmem.datasets import DownloadError, download_dataset, list_datasets, load_dataset
from tsmem.datasets.__main__ import main
from tsmem.datasets.download import url_of
from tsmem.datasets.files import _name_variants
from tsmem.datasets.provenance import _DOWNLOADS, _NOT_DOWNLOADABLE, _SHIPPED
from tsmem.datasets.registry import dataset_info

ILI = "autoformer/national_illness.csv"
ILI_BYTES = b"date,ILITOTAL,OT\n" + b"".join(
    f"{day.date()},{i}.5,{100 + i}\n".encode()
    for i, day in enumerate(pd.date_range("2002-01-01", periods=6, freq="W-TUE"))
)


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.routes[path] = (body, how)``; ``how="cut"`` closes after half the body."""

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        if self.path not in self.server.routes:
            self.send_error(404)
            return
        body, how = self.server.routes[self.path]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # "cut": the connection closes mid-body, as when a transfer is interrupted.
        self.wfile.write(body[: len(body) // 2] if how == "cut" else body)
        self.close_connection = True

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture
def server(monkeypatch):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.routes, httpd.requests = {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TSMEM_DATA_URL", f"http://127.0.0.1:{httpd.server_address[1]}")
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _serve(monkeypatch, server, relpath, body, how="whole", registered=None):
    """Register ``relpath`` with the checksum of ``registered`` (default: body); serve ``body``."""
    expected = body if registered is None else registered
    remote = _DOWNLOADS[relpath]._replace(
        sha256=hashlib.sha256(expected).hexdigest(), size=len(expected)
    )
    monkeypatch.setitem(_DOWNLOADS, relpath, remote)
    server.routes[urllib.parse.urlparse(url_of(remote)).path] = (body, how)
    return remote


def _files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


# ---------------------------------------------------------------------------
# The download path
# ---------------------------------------------------------------------------


def test_missing_file_is_downloaded_checked_and_read(monkeypatch, server, tmp_path):
    _serve(monkeypatch, server, ILI, ILI_BYTES)
    data = load_dataset("ili", data_dir=tmp_path, download=True)
    assert list(data.columns) == ["ILITOTAL", "OT"] and len(data) == 6
    assert data.index.freqstr == "W-TUE" and data["OT"].iloc[-1] == 105.0
    assert _files_under(tmp_path) == [tmp_path / ILI]  # the file itself, no temporary left
    assert (tmp_path / ILI).read_bytes() == ILI_BYTES
    load_dataset("ili", data_dir=tmp_path, download=True)
    assert len(server.requests) == 1  # the second load reads the cached file


def test_default_cache_is_the_user_cache(monkeypatch, server, tmp_path):
    _serve(monkeypatch, server, ILI, ILI_BYTES)
    monkeypatch.delenv("TSMEM_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    paths = download_dataset("ILI")
    assert paths == [tmp_path / "cache" / "tsmem" / ILI]
    monkeypatch.setenv("TSMEM_DOWNLOAD", "0")  # now offline-only: the cached file is enough
    assert len(load_dataset("ili")) == 6


def test_progress_bar_only_when_asked_or_on_a_terminal(monkeypatch, server, tmp_path, capsys):
    _serve(monkeypatch, server, ILI, ILI_BYTES)
    download_dataset("ili", tmp_path / "quiet")  # stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    download_dataset("ili", tmp_path / "shown", progress=True)
    assert f"downloading {ILI}" in capsys.readouterr().err


def test_checksum_mismatch_keeps_no_file(monkeypatch, server, tmp_path):
    remote = _serve(monkeypatch, server, ILI, ILI_BYTES, registered=ILI_BYTES + b"x")
    with pytest.raises(DownloadError) as caught:
        load_dataset("ili", data_dir=tmp_path, download=True)
    message = str(caught.value)
    assert f"has sha256 {hashlib.sha256(ILI_BYTES).hexdigest()}, not the registered" in message
    assert remote.sha256 in message and url_of(remote) in message
    assert _files_under(tmp_path) == []


def test_interrupted_transfer_leaves_no_partial_file(monkeypatch, server, tmp_path):
    _serve(monkeypatch, server, ILI, ILI_BYTES, how="cut")
    with pytest.raises(DownloadError, match=f"stopped after {len(ILI_BYTES) // 2} of"):
        load_dataset("ili", data_dir=tmp_path, download=True)
    assert _files_under(tmp_path) == []


def test_offline_error_names_the_url_and_the_manual_fix(monkeypatch, tmp_path):
    with socket.socket() as probe:  # a port nobody listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("TSMEM_DATA_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(FileNotFoundError) as caught:  # a DownloadError is a FileNotFoundError
        load_dataset("ili", data_dir=tmp_path, download=True)
    assert isinstance(caught.value, DownloadError)
    message, remote = str(caught.value), _DOWNLOADS[ILI]
    assert f"Could not download {ILI} from {url_of(remote)}" in message
    assert f"save it as {tmp_path / ILI}" in message and remote.sha256 in message
    assert "TSMEM_DATA_DIR" in message
    assert _files_under(tmp_path) == []


def test_downloading_can_be_turned_off(monkeypatch, server, tmp_path):
    remote = _serve(monkeypatch, server, ILI, ILI_BYTES)
    monkeypatch.setenv("TSMEM_DOWNLOAD", "0")
    with pytest.raises(FileNotFoundError) as caught:
        load_dataset("ili", data_dir=tmp_path)
    assert "Downloading is off" in str(caught.value) and url_of(remote) in str(caught.value)
    with pytest.raises(FileNotFoundError, match="Downloading is off"):
        load_dataset("ili", data_dir=tmp_path, download=False)
    assert server.requests == []
    monkeypatch.setenv("TSMEM_DOWNLOAD", "1")
    assert len(load_dataset("ili", data_dir=tmp_path)) == 6
    with pytest.raises(TypeError, match="download must be True, False or None"):
        load_dataset("ili", data_dir=tmp_path, download="yes")


def test_a_file_without_a_url_ships_with_tsmem_and_none_is_invented(monkeypatch, server, tmp_path):
    (tmp_path / "m4").mkdir()
    for name in ("Hourly-train.csv", "Hourly-test.csv"):
        (tmp_path / "m4" / name).write_text("present\n")  # only their presence matters here
    paths = download_dataset("m4_hourly", tmp_path)
    (info,) = [p for p in paths if p.name == "m4_series_info_hourly_weekly.csv"]
    assert info.parent != tmp_path / "m4" and info.read_text().startswith("M4id,SP,start_timestamp")
    assert server.requests == []  # nothing fetched: no URL was made up for it
    # A copy in the data directory wins over the shipped one.
    (tmp_path / "m4" / "m4_series_info_hourly_weekly.csv").write_text("mine\n")
    assert tmp_path / "m4" / "m4_series_info_hourly_weekly.csv" in download_dataset("m4_hourly", tmp_path)


# ---------------------------------------------------------------------------
# python -m tsmem.datasets
# ---------------------------------------------------------------------------


def test_module_command_downloads_and_reports(monkeypatch, server, tmp_path, capsys):
    _serve(monkeypatch, server, ILI, ILI_BYTES)
    assert main(["download", "ili", "--data-dir", str(tmp_path)]) == 0
    assert f"ili: {tmp_path / ILI}" in capsys.readouterr().out
    server.routes.clear()
    assert main(["download", "ili", "exchange_rate", "--data-dir", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert f"ili: {tmp_path / ILI}" in out  # already there: nothing fetched
    assert "exchange_rate: error: Could not download" in err and "404" in err
    assert main(["list"]) == 0 and "air_passengers  bundled" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# The registry's URLs and checksums
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in list_datasets() if not dataset_info(n).bundled])
def test_every_benchmark_file_has_a_pinned_url_or_a_reason(monkeypatch, name):
    monkeypatch.delenv("TSMEM_DATA_URL")
    for relpath in dataset_info(name).files:
        sources = [relpath in _DOWNLOADS, relpath in _NOT_DOWNLOADABLE, relpath in _SHIPPED]
        assert sum(sources) == 1, relpath  # a URL, a reason, or a copy inside tsmem
        if relpath not in _DOWNLOADS:
            continue
        remote = _DOWNLOADS[relpath]
        assert remote.saved_as in _name_variants(relpath)  # where load_dataset looks
        assert len(remote.commit) == 40 and len(remote.sha256) == 64 and remote.size > 0
        assert url_of(remote) == (
            f"https://raw.githubusercontent.com/{remote.repo}/{remote.commit}/{remote.path}"
        )


def _as_served(stored: Path, saved_as: str) -> bytes:
    """The bytes the URL serves, from the data folder's copy (gzipped there, maybe not upstream)."""
    data = stored.read_bytes()
    return (
        gzip.decompress(data) if stored.suffix == ".gz" and not saved_as.endswith(".gz") else data
    )


needs_benchmark_data = pytest.mark.skipif(
    not os.environ.get("TSMEM_DATA_DIR"),
    reason="set TSMEM_DATA_DIR to the benchmark data folder to check the registered checksums",
)


@needs_benchmark_data
@pytest.mark.parametrize("relpath", sorted(_DOWNLOADS))
def test_registered_checksums_match_the_benchmark_files(relpath):
    root, remote = Path(os.environ["TSMEM_DATA_DIR"]), _DOWNLOADS[relpath]
    stored = next(root / name for name in _name_variants(relpath) if (root / name).is_file())
    served = _as_served(stored, remote.saved_as)
    assert len(served) == remote.size
    assert hashlib.sha256(served).hexdigest() == remote.sha256


@needs_benchmark_data
def test_a_downloaded_benchmark_reads_like_the_data_folder_copy(server, tmp_path):
    relpath, root = "ett/ETTh1.csv.gz", Path(os.environ["TSMEM_DATA_DIR"])
    remote = _DOWNLOADS[relpath]  # the real entry: checksum and size as registered
    served = _as_served(root / relpath, remote.saved_as)
    server.routes[urllib.parse.urlparse(url_of(remote)).path] = (served, "whole")
    downloaded = load_dataset("etth1", data_dir=tmp_path, download=True)
    assert (tmp_path / "ett" / "ETTh1.csv").is_file()
    pd.testing.assert_frame_equal(downloaded, load_dataset("etth1"))
