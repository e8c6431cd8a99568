"""Shared test set-up."""

from __future__ import annotations

import os

import pytest
import torch

# Tests never reach the internet: load_dataset does not download unless a test asks it to,
# and then only from a local server (tests/test_download.py); the default URL points nowhere.
# Set here, at import, so the subprocesses the tests start inherit it too.
os.environ["TSMEM_DOWNLOAD"] = "0"
os.environ["TSMEM_DATA_URL"] = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """The test models are tiny: one intra-op thread avoids oversubscribing the CPU cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
