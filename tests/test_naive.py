"""The naive baselines: exact forecasts on hand-made series, and M4's published scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsmem.estimators import Drift, Naive, Naive2, SeasonalNaive
from tsmem.estimators.naive import is_seasonal


def monthly(values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range("2020-01", periods=len(values), freq="MS"))


def test_naive_repeats_the_last_value_with_widening_intervals():
    forecast = Naive().fit(monthly([1, 3, 2, 4])).predict(horizon=3, quantiles=[0.1, 0.9])
    assert forecast["y"].tolist() == [4.0, 4.0, 4.0]
    width = forecast["y_q0.9"] - forecast["y_q0.1"]
    assert width.is_monotonic_increasing and width.iloc[-1] / width.iloc[0] == pytest.approx(np.sqrt(3))


def test_seasonal_naive_repeats_the_last_season():
    forecast = SeasonalNaive(season_length=3).fit(monthly([1, 2, 3, 4, 5, 6])).predict(horizon=5)
    assert forecast.tolist() == [4.0, 5.0, 6.0, 4.0, 5.0]
    with pytest.raises(ValueError, match="needs at least 3"):
        SeasonalNaive(season_length=3).fit(monthly([1, 2]))
    with pytest.raises(ValueError, match="season_length == 0, must be >= 1"):
        SeasonalNaive(season_length=0).fit(monthly([1, 2]))


def test_drift_extends_the_first_to_last_line():
    forecast = Drift().fit(monthly([1, 5, 3, 7])).predict(horizon=2)
    assert forecast.tolist() == [9.0, 11.0]


def test_naive2_adjusts_seasonal_series_only():
    t = np.arange(48)
    seasonal = monthly(100 * (1 + 0.3 * np.sin(2 * np.pi * t / 12)) * (1 + 0.001 * t))
    assert is_seasonal(seasonal.to_numpy(), 12)
    forecast = Naive2(season_length=12).fit(seasonal).predict(horizon=12)
    truth = 100 * (1 + 0.3 * np.sin(2 * np.pi * np.arange(48, 60) / 12)) * (1 + 0.001 * 47)
    np.testing.assert_allclose(forecast.to_numpy(), truth, rtol=0.01)
    flat = monthly(np.random.default_rng(0).normal(10, 1, 48))
    assert not is_seasonal(flat.to_numpy(), 12)
    assert Naive2(season_length=12).fit(flat).predict(horizon=2).tolist() == [flat.iloc[-1]] * 2


# -- M4 Hourly: the published scores, through load_dataset, our models and metrics ----
def m4_hourly_split():
    import os

    if not os.environ.get("TSMEM_DATA_DIR"):
        pytest.skip("set TSMEM_DATA_DIR to the benchmark data folder to run the M4 Hourly check")
    from tsmem.datasets import load_dataset

    data = load_dataset("m4_hourly")
    test = data.groupby("unique_id", sort=False).tail(48)  # M4's test part: the last 48 hours
    return data.drop(test.index), test


def by_series(frame: pd.DataFrame) -> list[np.ndarray]:
    return [group.to_numpy() for _, group in frame.groupby("unique_id", sort=False)["y"]]


@pytest.mark.parametrize(
    ("model", "published"),
    [(SeasonalNaive(season_length=24), (13.912, 1.193)), (Naive2(season_length=24), (18.383, 2.395))],
    ids=["SeasonalNaive", "Naive2"],
)
def test_m4_hourly_published_scores_are_reproduced(model, published):
    from tsmem.metrics import m4_scores

    train, test = m4_hourly_split()
    forecast = model.fit(train).predict(horizon=48)
    scores = m4_scores(by_series(test), by_series(forecast), by_series(train), season_length=24)
    assert scores["n_series"] == 414
    assert (round(scores["smape"], 3), round(scores["mase"], 3)) == published


@pytest.mark.parametrize("model", [Naive(), SeasonalNaive(season_length=4), Drift()], ids=repr)
def test_predict_origins_equals_predicting_from_each_history(model):
    y = monthly(np.random.default_rng(3).normal(size=40).cumsum())
    model.fit(y.iloc[:20])
    origins = [20, 27, 35]
    paths = model.predict_origins(y, horizon=5, origins=origins)
    assert paths.shape == (3, 5)
    for row, origin in zip(paths, origins, strict=True):
        np.testing.assert_allclose(row, model.predict(horizon=5, y=y.iloc[:origin]).to_numpy())
    with pytest.raises(ValueError, match="origins must lie"):
        model.predict_origins(y, horizon=5, origins=[41])
