"""The statistical models' many-series loop on another joblib backend: a real Dask cluster.

A ``LocalCluster`` of two worker processes stands in for a remote one (the client talks
to it over TCP the same way). The forecasts must equal the default loop's, bit for bit,
and a worker that dies mid-run must cost a retry or a clear error, never a series.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config

from tsmem.estimators import Theta

distributed = pytest.importorskip(
    "distributed", reason="Dask is optional: pip install 'tsmem[dask]' to run the Dask backend tests"
)
dask = pytest.importorskip("dask")

N_SERIES, LENGTH, HORIZON = 36, 48, 6


class _KillerTheta(Theta):
    """Theta whose fit kills its own Dask worker process (never the test's), the first
    time only when ``kill_once`` (a flag file marks that it happened), else every time."""

    kill_flag: str = ""
    kill_once: bool = True

    def _fit_one(self, y: np.ndarray, x):  # noqa: ANN001, ANN202 (Theta's signature)
        try:
            distributed.get_worker()
        except ValueError:  # not on a Dask worker: fit as usual
            return super()._fit_one(y, x)
        if not self.kill_once or _first_to_create(self.kill_flag):
            os.kill(os.getpid(), signal.SIGKILL)
        return super()._fit_one(y, x)


def _first_to_create(path: str) -> bool:
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


@pytest.fixture(scope="module")
def client():
    # One retry per task: a task whose worker dies twice is reported (KilledWorker).
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        with cluster, distributed.Client(cluster) as dask_client:
            yield dask_client


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ds = pd.date_range("2024-01-01", periods=LENGTH, freq="MS")
    season = np.sin(2 * np.pi * np.arange(LENGTH) / 12)
    frames = [
        pd.DataFrame({"unique_id": f"s{i:02d}", "ds": ds,
                      "y": 50 + i + (3 + i % 5) * season + rng.normal(0, 1, LENGTH).cumsum()})
        for i in range(N_SERIES)
    ]
    return pd.concat(frames, ignore_index=True)


def _all_series(forecast: pd.DataFrame) -> None:
    counts = forecast.groupby("unique_id").size()
    assert sorted(counts.index) == [f"s{i:02d}" for i in range(N_SERIES)]
    assert (counts == HORIZON).all()


def test_dask_backend_gives_the_default_forecasts(client, panel):
    expected = Theta(season_length=12).fit(panel).predict(HORIZON, quantiles=[0.1, 0.9])
    model = Theta(season_length=12)
    with distributed.get_task_stream(client) as tasks, parallel_config(backend="dask"):
        got = model.fit(panel).predict(HORIZON, quantiles=[0.1, 0.9])
    assert len(tasks.data) > 0, "n_jobs=None under parallel_config(backend='dask') ran locally"
    workers = {task["worker"] for task in tasks.data}
    assert len(workers) == 2, f"the tasks ran on {workers} only"
    _all_series(got)
    pd.testing.assert_frame_equal(got, expected)


def test_a_killed_worker_is_retried_and_no_series_is_lost(client, panel, tmp_path: Path):
    expected = Theta(season_length=12).fit(panel).predict(HORIZON)
    model = _KillerTheta(season_length=12)
    model.kill_flag = str(tmp_path / "killed")
    with parallel_config(backend="dask"):
        got = model.fit(panel).predict(HORIZON)
    assert Path(model.kill_flag).exists(), "no worker was killed: the test tested nothing"
    _all_series(got)
    pd.testing.assert_frame_equal(got, expected)


def test_a_task_that_always_kills_its_worker_fails_clearly(client, panel):
    model = _KillerTheta(season_length=12)
    model.kill_once = False
    with parallel_config(backend="dask"), pytest.raises(distributed.KilledWorker, match="died"):
        model.fit(panel.head(LENGTH * 2))
    assert not hasattr(model, "states_"), "a failed fit must leave the model unfitted"
    client.wait_for_workers(2, timeout=30)  # the nannies restart the dead workers
