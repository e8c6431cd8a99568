"""ConformalForecaster: coverage, the calibration itself, errors, wrapped models, sklearn."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from tsmem.backtest import backtest
from tsmem.estimators import ARIMA, Naive, SeasonalNaive, Theta, fourier_terms
from tsmem.estimators.conformal import ConformalForecaster

HORIZON = 4
ROOT = Path(__file__).resolve().parents[1]


def noise_panel(n_series: int, n: int, sd, seed: int = 0) -> pd.DataFrame:
    """Long frame of ``n_series`` series: 10 plus Gaussian noise of std ``sd(t)``."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    index = pd.date_range("2024-01-01", periods=n, freq="h")
    return pd.concat(
        [pd.DataFrame({"unique_id": f"s{i}", "ds": index, "y": 10 + rng.normal(0, 1, n) * sd(t)}) for i in range(n_series)],
        ignore_index=True,
    )


def coverage(model: ConformalForecaster, data: pd.DataFrame, n_train: int, level: float) -> float:
    """Share of the next HORIZON values inside the ``level`` interval fitted on the first ``n_train``."""
    train, test = data.groupby("unique_id").head(n_train), data.groupby("unique_id").tail(HORIZON)
    alpha = (1 - level) / 2
    forecast = model.fit(train).predict(horizon=HORIZON, quantiles=[alpha, 1 - alpha])
    low, high = forecast.iloc[:, -2].to_numpy(), forecast.iloc[:, -1].to_numpy()
    actual = test["y"].to_numpy()
    return float(np.mean((low <= actual) & (actual <= high)))


def seasonal(n: int = 120, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 10 + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, n)
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=n, freq="h"), name="load")


# -- coverage ----------------------------------------------------------------------------------
def test_split_coverage_is_near_nominal_on_iid_noise():
    # 39 scores per step: the 38th smallest, whose coverage is 38/40 = 0.95 exactly for
    # exchangeable errors. Naive's errors ε[o+h] − ε[o] are identically distributed but not quite
    # exchangeable (neighbouring origins share terms), and 300 series × 4 steps leave a Monte
    # Carlo std of about 0.007 (Bernoulli) plus the spread of each calibration draw, so ±0.025.
    data = noise_panel(300, 60 + HORIZON, lambda t: np.ones(len(t)))
    covered = coverage(ConformalForecaster(Naive(), horizon=HORIZON, n_windows=39), data, 60, 0.95)
    assert abs(covered - 0.95) < 0.025, covered


def test_adaptive_recovers_coverage_when_the_noise_jumps():
    # The noise std triples 80 steps before the end: split conformal's scores are mostly
    # from the calm stretch and cover ~0.70 of the loud future at nominal 0.90; ACI's level
    # drops with every miss and brings it back to ~0.89 (measured, seed 0, 100 series).
    data = noise_panel(100, 300 + HORIZON, lambda t: np.where(t < 220, 1.0, 3.0))
    split = coverage(ConformalForecaster(Naive(), horizon=HORIZON, n_windows=200), data, 300, 0.9)
    adaptive = coverage(
        ConformalForecaster(Naive(), horizon=HORIZON, n_windows=200, method="adaptive", gamma=0.05), data, 300, 0.9
    )
    assert split < 0.8, split
    assert adaptive > 0.85, adaptive


# -- the calibration itself -------------------------------------------------------------------
def test_scores_are_the_backtest_errors_and_the_bound_their_order_statistic():
    y = seasonal()
    model = ConformalForecaster(SeasonalNaive(season_length=12), horizon=HORIZON, n_windows=19).fit(y)
    result = backtest(SeasonalNaive(season_length=12), y, horizon=HORIZON, n_windows=19, step=1)
    errors = (result.forecasts["y"] - result.forecasts["y_pred"]).abs().to_numpy().reshape(19, HORIZON)
    np.testing.assert_allclose(model.scores_[0, :, :, 0], errors)
    forecast = model.predict(quantiles=[0.025, 0.975])
    # 19 scores at 95 %: rank ceil(20 · 0.95) = 19, the largest.
    np.testing.assert_allclose(forecast["load_q0.975"] - forecast["load"], errors.max(axis=0))


def test_intervals_are_symmetric_sorted_and_centred_on_the_point_forecast():
    y = seasonal()
    point = SeasonalNaive(season_length=12).fit(y).predict(horizon=HORIZON)
    forecast = ConformalForecaster(SeasonalNaive(season_length=12), horizon=HORIZON, n_windows=40).fit(y).predict(
        quantiles=[0.975, 0.05, 0.5, 0.1, 0.9, 0.95, 0.025]
    )
    pd.testing.assert_series_equal(forecast["load"], point)
    pd.testing.assert_series_equal(forecast["load_q0.5"], point, check_names=False)
    np.testing.assert_allclose(forecast["load_q0.975"] - point, point - forecast["load_q0.025"])
    columns = ["load_q0.025", "load_q0.05", "load_q0.1", "load_q0.5", "load_q0.9", "load_q0.95", "load_q0.975"]
    assert list(forecast.columns[1:]) == columns
    assert (np.diff(forecast[columns].to_numpy(), axis=1) >= 0).all()
    assert (forecast["load_q0.975"] > forecast["load_q0.9"]).all()  # noise: widths grow with the level


def test_refit_false_fits_once_and_scores_the_stale_parameters():
    y = seasonal(160)
    once = ConformalForecaster(Theta(season_length=12), horizon=HORIZON, n_windows=20, refit=False).fit(y)
    every = ConformalForecaster(Theta(season_length=12), horizon=HORIZON, n_windows=20).fit(y)
    pd.testing.assert_series_equal(once.predict(), every.predict())  # same final model
    assert not np.allclose(once.scores_, every.scores_)
    assert np.isfinite(once.predict(quantiles=[0.05, 0.95]).to_numpy()).all()


# -- errors -----------------------------------------------------------------------------------
def test_clear_errors():
    y = seasonal(60)
    with pytest.raises(ValueError, match=r"n_windows=50 .* needs at least 65"):
        ConformalForecaster(SeasonalNaive(season_length=12), horizon=4, n_windows=50).fit(y)
    with pytest.raises(ValueError, match="horizon to calibrate"):
        ConformalForecaster(Naive()).fit(y)
    with pytest.raises(TypeError, match="tsmem forecaster"):
        ConformalForecaster("naive", horizon=4).fit(y)
    with pytest.raises(ValueError, match="method must be one of"):
        ConformalForecaster(Naive(), horizon=4, method="cqr").fit(y)
    with pytest.raises(ValueError, match="n_windows"):
        ConformalForecaster(Naive(), horizon=4, n_windows=0).fit(y)
    model = ConformalForecaster(Naive(), horizon=4, n_windows=10).fit(y)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        model.predict(quantiles=[1.2])
    with pytest.raises(ValueError, match="needs at least 19 calibration scores"):
        model.predict(quantiles=[0.025, 0.975])
    with pytest.raises(ValueError, match="calibrated for horizon 4"):
        model.predict(horizon=5)
    other = seasonal(60, seed=1).rename("other").to_frame()
    long_other = pd.DataFrame({"unique_id": "new", "ds": other.index, "y": other["other"].to_numpy()})
    panel_model = ConformalForecaster(Naive(), horizon=4, n_windows=10).fit(
        pd.concat([long_other.assign(unique_id="a"), long_other.assign(unique_id="b")])
    )
    assert len(panel_model.predict(y=long_other)) == 4  # point forecasts work for any series
    with pytest.raises(ValueError, match=r"series \['new'\] that were not calibrated"):
        panel_model.predict(y=long_other, quantiles=[0.1, 0.9])


# -- wrapped models, sklearn, backtest -----------------------------------------------------
def test_regressors_go_to_the_wrapped_model():
    y = seasonal(200)
    days = pd.date_range(y.index[0], periods=len(y) + HORIZON, freq="h")
    X = fourier_terms(days, period=12, n_terms=1)
    model = ConformalForecaster(ARIMA(order=(1, 0, 0), trend="c"), horizon=HORIZON, n_windows=20, refit=False)
    forecast = model.fit(y, X=X.iloc[: len(y)]).predict(X=X.iloc[len(y) :], quantiles=[0.1, 0.9])
    # the sine is in X: the point forecast follows it, and the intervals are about the noise (std 0.5)
    truth = 10 + 3 * np.sin(2 * np.pi * np.arange(len(y), len(y) + HORIZON) / 12)
    assert np.abs(forecast["load"].to_numpy() - truth).max() < 0.5
    assert ((forecast["load_q0.9"] - forecast["load_q0.1"]) < 2.5).all()
    with pytest.raises(ValueError, match="needs X"):
        model.predict()
    with pytest.raises(ValueError, match="SeasonalNaive does not use exogenous"):
        ConformalForecaster(SeasonalNaive(season_length=12), horizon=HORIZON).fit(y, X=X.iloc[: len(y)])


def test_memory_network_inside():
    from tsmem.estimators import MemNetForecaster

    tiny = MemNetForecaster(lookback=24, horizon=HORIZON, window=4, stride=4, d_model=8, max_epochs=2,
                            batch_size=16, random_state=0, verbose=False, trainer_kwargs={"accelerator": "cpu"})
    y = seasonal(150)
    model = ConformalForecaster(tiny, n_windows=20, refit=False).fit(y)  # horizon from the network
    assert model.horizon_ == HORIZON and model.scores_.shape == (1, 20, HORIZON, 1)
    forecast = model.predict(quantiles=[0.05, 0.95])
    pd.testing.assert_series_equal(forecast["load"], model.estimator_.predict())
    assert (forecast["load_q0.05"] < forecast["load"]).all() and (forecast["load"] < forecast["load_q0.95"]).all()


def test_nested_parameters_clone_and_grid_search_names():
    model = ConformalForecaster(SeasonalNaive(season_length=24), horizon=6)
    params = model.get_params(deep=True)
    assert params["estimator__season_length"] == 24 and params["n_windows"] == 20
    copy = clone(model).set_params(estimator__season_length=12, method="adaptive")
    assert copy.estimator.season_length == 12 and copy.method == "adaptive"
    assert model.estimator.season_length == 24 and model.method == "split"  # the original is untouched


def test_backtest_reports_conformal_quantiles():
    y = seasonal(200)
    model = ConformalForecaster(SeasonalNaive(season_length=12), horizon=HORIZON, n_windows=20)
    result = backtest(model, y, horizon=HORIZON, n_windows=3, quantiles=[0.05, 0.95])
    frame = result.forecasts
    assert (frame["y_pred_q0.05"] < frame["y_pred"]).all() and (frame["y_pred"] < frame["y_pred_q0.95"]).all()


DATA_DIR = Path(os.environ.get("TSMEM_DATA_DIR", ROOT.parent / "shared" / "data"))


@pytest.mark.skipif(not (DATA_DIR / "m4" / "Hourly-train.csv.gz").is_file(), reason="needs M4 Hourly: set TSMEM_DATA_DIR")
def test_m4_benchmark_quick_mode_scores_every_interval(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1", TSMEM_DATA_DIR=str(DATA_DIR))
    subprocess.run(
        [sys.executable, str(ROOT / "experiments" / "bench_conformal.py"), "--quick", "--results", str(tmp_path)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    report = (tmp_path / "conformal_m4_hourly_quick.md").read_text()
    assert "QUICK MODE" in report and "| ES-RNN (Smyl, M4 winner) | 7.928 | 0.040 |" in report
    for model in ("Naive", "SeasonalNaive", "Naive2", "Theta"):
        for kind in ("model-based", "conformal split", "conformal ACI"):
            assert f"| {model} | {kind}" in report, (model, kind)
