"""Tests of tsmem.metrics: hand-computed values, properties that hold, clear errors.

The last test reproduces M4's published Hourly scores of Naive2 and sNaive from
their shipped point forecasts; it needs the benchmark data (TSMEM_DATA_DIR).
"""

import doctest
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import tsmem.metrics
from tsmem.datasets import load_dataset
from tsmem.metrics import (
    GREATER_IS_BETTER,
    METRICS,
    corr,
    crps_from_quantiles,
    get_metric,
    interval_coverage,
    m4_scores,
    mae,
    mape,
    mase,
    mse,
    owa,
    pinball_loss,
    rmse,
    rse,
    smape,
)

Y = np.array([2.0, 4.0, 5.0, 8.0])
F = np.array([3.0, 4.0, 3.0, 12.0])  # errors y - f: -1, 0, 2, -4


# ---------------------------------------------------------------------------
# Hand-computed values
# ---------------------------------------------------------------------------


def test_point_errors_by_hand():
    assert mae(Y, F) == pytest.approx((1 + 0 + 2 + 4) / 4)
    assert mse(Y, F) == pytest.approx((1 + 0 + 4 + 16) / 4)
    assert rmse(Y, F) == pytest.approx(np.sqrt(21 / 4))
    assert mape(Y, F) == pytest.approx(100 * (1 / 2 + 0 + 2 / 5 + 4 / 8) / 4)
    assert smape(Y, F) == pytest.approx(200 * (1 / 5 + 0 + 2 / 8 + 4 / 20) / 4)


def test_point_errors_average_over_every_element_of_2d_input():
    y_true = [[1.0, 2.0], [3.0, 4.0]]
    y_pred = [[1.0, 3.0], [3.0, 1.0]]
    assert mae(y_true, y_pred) == pytest.approx(1.0)
    assert mse(y_true, y_pred) == pytest.approx(2.5)


def test_smape_counts_zero_against_zero_as_perfect():
    assert smape([0.0, 1.0], [0.0, 3.0]) == pytest.approx(0.5 * 200 * 2 / 4)


def test_mase_by_hand():
    # y_train = 1, 3, 2, 4 with m = 2: seasonal differences 1, 1, so the scale is 1.
    assert mase([5.0, 6.0], [4.0, 8.0], [1.0, 3.0, 2.0, 4.0], season_length=2) == 1.5
    # m = 1: differences 2, -1, 2 -> scale 5/3; forecast MAE 1.5.
    assert mase([5.0, 6.0], [4.0, 8.0], [1.0, 3.0, 2.0, 4.0], season_length=1) == pytest.approx(
        1.5 / (5 / 3)
    )


def test_mase_scales_each_channel_by_its_own_training_series():
    train = np.array([[0.0, 0.0], [1.0, 10.0], [2.0, 20.0]])  # scales 1 and 10 (m = 1)
    y_true = np.array([[3.0, 30.0]])
    y_pred = np.array([[5.0, 40.0]])  # MAE 2 and 10 -> MASE 2 and 1
    assert mase(y_true, y_pred, train, season_length=1) == pytest.approx(1.5)


def test_owa_by_hand_and_m4_winner():
    assert owa(10.0, 1.0, 20.0, 4.0) == pytest.approx(0.5 * (0.5 + 0.25))
    # ES-RNN on M4 Hourly (design notes, section 5): 9.328 / 0.893 -> OWA 0.440.
    assert owa(9.328, 0.893, 18.383, 2.395) == pytest.approx(0.440, abs=5e-4)


def test_m4_scores_averages_per_series_scores_over_ragged_series():
    y_true = [[5.0, 6.0], [10.0, 10.0, 10.0]]
    y_pred = [[4.0, 8.0], [10.0, 10.0, 13.0]]
    y_train = [[1.0, 3.0, 2.0, 4.0], [0.0, 2.0, 4.0]]  # scales 1 and 4 (m = 2)
    scores = m4_scores(y_true, y_pred, y_train, season_length=2)
    assert scores["n_series"] == 2
    assert scores["mase"] == pytest.approx((1.5 / 1 + 1.0 / 4) / 2)  # forecast MAEs 1.5 and 1
    expected_smape = (smape(y_true[0], y_pred[0]) + smape(y_true[1], y_pred[1])) / 2
    assert scores["smape"] == pytest.approx(expected_smape)
    assert "owa" not in scores


def test_m4_scores_owa_uses_the_aggregate_means():
    y_true = [[5.0, 6.0], [10.0, 10.0, 10.0]]
    y_train = [[1.0, 3.0, 2.0, 4.0], [0.0, 2.0, 4.0]]
    method = [[4.0, 8.0], [10.0, 10.0, 13.0]]
    naive2 = [[4.0, 4.0], [4.0, 4.0, 4.0]]
    scores = m4_scores(y_true, method, y_train, season_length=2, naive2_pred_list=naive2)
    expected = owa(scores["smape"], scores["mase"], scores["smape_naive2"], scores["mase_naive2"])
    assert scores["owa"] == pytest.approx(expected)
    naive2_scores = m4_scores(y_true, naive2, y_train, season_length=2, naive2_pred_list=naive2)
    assert naive2_scores["owa"] == pytest.approx(1.0)


def test_rse_by_hand():
    y_true = np.array([[1.0, 2.0], [3.0, 4.0]])  # grand mean 2.5: squared deviations sum to 5
    y_pred = np.array([[1.0, 2.0], [3.0, 6.0]])  # squared errors sum to 4
    assert rse(y_true, y_pred) == pytest.approx(2 / np.sqrt(5))


def test_corr_by_hand_and_against_numpy():
    y_true = np.array([[1.0, 1.0], [2.0, 3.0], [3.0, 2.0]])
    y_pred = np.array([[2.0, 1.0], [4.0, 2.0], [6.0, 3.0]])
    assert corr(y_true, y_pred) == pytest.approx((1.0 + 0.5) / 2)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    expected = np.mean([np.corrcoef(a[:, i], b[:, i])[0, 1] for i in range(3)])
    assert corr(a, b) == pytest.approx(expected)


def test_corr_skips_constant_truth_and_scores_a_constant_forecast_as_zero():
    y_true = np.array([[1.0, 7.0, 1.0], [2.0, 7.0, 2.0], [3.0, 7.0, 4.0]])
    y_pred = np.array([[1.0, 0.0, 5.0], [2.0, 1.0, 5.0], [3.0, 2.0, 5.0]])
    # Channel 0: correlation 1; channel 1: constant truth, left out; channel 2: flat forecast, 0.
    assert corr(y_true, y_pred) == pytest.approx(0.5)


def test_pinball_loss_by_hand():
    # y = 10; q = 0.1 forecast 8 (under by 2): 0.1 * 2; q = 0.9 forecast 12 (over by 2): 0.1 * 2.
    assert pinball_loss([10.0], [[8.0, 12.0]], [0.1, 0.9]) == pytest.approx(0.2)
    # q = 0.9 forecast 8 (under by 2): 0.9 * 2.
    assert pinball_loss([10.0], [[8.0]], [0.9]) == pytest.approx(1.8)


def test_pinball_at_the_median_is_half_the_absolute_error():
    quantiles = F[:, None]  # (4, 1)
    assert pinball_loss(Y, quantiles, [0.5]) == pytest.approx(0.5 * mae(Y, F))


def test_crps_from_quantiles_is_twice_the_pinball_and_approximates_the_normal_crps():
    assert crps_from_quantiles([10.0], [[8.0, 12.0]], [0.1, 0.9]) == pytest.approx(0.4)
    # Closed form for N(0, 1) at y = 0.3 (Gneiting & Raftery 2007).
    y = 0.3
    exact = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / np.sqrt(np.pi)
    levels = (np.arange(200) + 0.5) / 200  # midpoint rule on (0, 1)
    approx = crps_from_quantiles([y], stats.norm.ppf(levels)[None, :], levels)
    assert approx == pytest.approx(exact, rel=1e-3)


def test_interval_coverage_by_hand_bounds_included():
    covered = interval_coverage([1.0, 5.0, 9.0, 3.0], [0.0, 0.0, 0.0, 3.0], [2.0, 4.0, 10.0, 3.0])
    assert covered == 0.75


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@pytest.fixture
def series():
    rng = np.random.default_rng(42)
    y_true = rng.uniform(1, 10, size=30)
    y_pred = y_true + rng.normal(scale=2, size=30)
    return y_true, y_pred


@pytest.mark.parametrize("name", sorted(METRICS))
def test_perfect_forecast_is_best(name, series):
    y_true, _ = series
    best = 1.0 if name in GREATER_IS_BETTER else 0.0
    assert get_metric(name)(y_true, y_true) == pytest.approx(best)


def test_perfect_forecast_scores_zero_on_the_other_metrics(series):
    y_true, _ = series
    train = np.arange(20.0) % 7
    assert mase(y_true, y_true, train, season_length=3) == 0.0
    levels = [0.1, 0.5, 0.9]
    all_quantiles_exact = np.repeat(y_true[:, None], 3, axis=1)
    assert pinball_loss(y_true, all_quantiles_exact, levels) == 0.0
    assert crps_from_quantiles(y_true, all_quantiles_exact, levels) == 0.0
    assert interval_coverage(y_true, y_true, y_true) == 1.0


def test_symmetric_metrics(series):
    y_true, y_pred = series
    assert smape(y_true, y_pred) == pytest.approx(smape(y_pred, y_true))
    assert mae(y_true, y_pred) == pytest.approx(mae(y_pred, y_true))
    assert mse(y_true, y_pred) == pytest.approx(mse(y_pred, y_true))


def test_smape_is_bounded_by_200():
    assert smape([1.0, 2.0], [-1.0, 0.0]) == pytest.approx(200.0)


def test_rmse_is_at_least_mae(series):
    assert rmse(*series) >= mae(*series)


def test_scale_free_metrics_ignore_units(series):
    y_true, y_pred = series
    unit_change = 1000.0
    assert mape(y_true * unit_change, y_pred * unit_change) == pytest.approx(mape(y_true, y_pred))
    assert smape(y_true * unit_change, y_pred * unit_change) == pytest.approx(smape(y_true, y_pred))
    assert rse(y_true * unit_change, y_pred * unit_change) == pytest.approx(rse(y_true, y_pred))
    train = np.linspace(0, 5, 40) ** 2
    assert mase(
        y_true * unit_change, y_pred * unit_change, train * unit_change, season_length=2
    ) == pytest.approx(mase(y_true, y_pred, train, season_length=2))


def test_corr_ignores_a_positive_affine_map_of_the_forecast(series):
    y_true, y_pred = series
    assert corr(y_true, 3.0 * y_pred - 7.0) == pytest.approx(corr(y_true, y_pred))


def test_mean_forecast_has_rse_one():
    y_true = np.array([[1.0, 5.0], [2.0, 0.0], [6.0, 2.0]])
    assert rse(y_true, np.full_like(y_true, y_true.mean())) == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# Clear errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(METRICS))
def test_mismatched_shapes_name_both_shapes(name):
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 1\)"):
        get_metric(name)([1.0, 2.0, 3.0], [[1.0], [2.0], [3.0]])


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ([1.0, np.nan], [1.0, 2.0], "NaN"),
        ([1.0, 2.0], [1.0, np.inf], "infinite"),
        ([], [], "empty"),
    ],
)
def test_missing_or_empty_values_are_rejected(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        mae(y_true, y_pred)


def test_mape_refuses_zero_actuals():
    with pytest.raises(ValueError, match="y_true is 0"):
        mape([0.0, 1.0], [1.0, 1.0])


def test_mase_errors():
    with pytest.raises(ValueError, match="more than season_length"):
        mase([1.0], [1.0], [1.0, 2.0], season_length=2)
    with pytest.raises(ValueError, match="exactly periodic"):
        mase([1.0], [2.0], [1.0, 2.0, 1.0, 2.0], season_length=2)
    with pytest.raises(ValueError, match="positive int"):
        mase([1.0], [2.0], [1.0, 2.0, 3.0], season_length=0)
    with pytest.raises(ValueError, match=r"y_true \(2,\) and y_train \(4, 1\)"):
        mase([1.0, 2.0], [1.0, 2.0], [[1.0], [2.0], [3.0], [4.0]], season_length=1)


def test_owa_needs_positive_naive2_scores():
    with pytest.raises(ValueError, match="positive"):
        owa(10.0, 1.0, 0.0, 2.0)


def test_m4_scores_errors_name_the_series():
    with pytest.raises(ValueError, match="one entry per series"):
        m4_scores([[1.0]], [[1.0], [2.0]], [[1.0, 2.0]], season_length=1)
    with pytest.raises(ValueError, match=r"series 1: .*same shape"):
        m4_scores([[1.0], [1.0, 2.0]], [[1.0], [1.0]], [[1.0, 2.0]] * 2, season_length=1)


def test_corr_errors():
    with pytest.raises(ValueError, match=r"2-D \(time, channel\); got shape \(2, 2, 2\)"):
        corr(np.ones((2, 2, 2)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="every channel of y_true is constant"):
        corr([[1.0], [1.0]], [[1.0], [2.0]])


def test_quantile_metric_errors():
    with pytest.raises(ValueError, match=r"y_true.shape \+ \(len\(quantiles\),\) = \(2, 3\)"):
        pinball_loss([1.0, 2.0], np.ones((2, 2)), [0.1, 0.5, 0.9])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        pinball_loss([1.0], [[1.0]], [1.0])
    with pytest.raises(ValueError, match="lower > upper"):
        interval_coverage([1.0], [2.0], [0.0])
    with pytest.raises(ValueError, match=r"lower \(2,\), upper \(1,\)"):
        interval_coverage([1.0, 2.0], [0.0, 0.0], [3.0])


def test_registry_lookup():
    assert get_metric("SMAPE") is smape
    assert set(METRICS) == {"mae", "mse", "rmse", "mape", "smape", "rse", "corr"}
    with pytest.raises(ValueError, match=r"Unknown metric 'r2'.*'mae'.*'smape'"):
        get_metric("r2")


def test_docstring_examples_run():
    failures, tried = doctest.testmod(tsmem.metrics, verbose=False)
    assert tried > 0
    assert failures == 0


# ---------------------------------------------------------------------------
# M4 Hourly published scores (needs the benchmark data)
# ---------------------------------------------------------------------------


def _m4_data_dir() -> Path:
    data_dir = os.environ.get("TSMEM_DATA_DIR")
    if not data_dir:
        pytest.skip(
            "set TSMEM_DATA_DIR to the benchmark data folder (with m4/) to reproduce "
            "the published M4 Hourly scores"
        )
    return Path(data_dir)


def test_m4_hourly_published_scores_of_naive2_and_snaive():
    data_dir = _m4_data_dir()
    horizon = 48
    long = load_dataset("m4_hourly", data_dir=data_dir)
    series = {uid: group.to_numpy() for uid, group in long.groupby("unique_id", sort=False)["y"]}
    ids = list(series)
    y_train = [values[:-horizon] for values in series.values()]
    y_true = [values[-horizon:] for values in series.values()]

    def forecasts(method: str) -> list[np.ndarray]:
        path = data_dir / "m4" / "point_forecasts" / f"submission-{method}.HW.csv"
        table = pd.read_csv(path, index_col="id")
        return list(table.loc[ids, [f"F{h}" for h in range(1, horizon + 1)]].to_numpy())

    naive2 = forecasts("Naive2")
    for method, published in {"Naive2": (18.383, 2.395), "sNaive": (13.912, 1.193)}.items():
        scores = m4_scores(y_true, forecasts(method), y_train, 24, naive2_pred_list=naive2)
        print(
            f"M4 Hourly {method}: sMAPE {scores['smape']:.3f}, MASE {scores['mase']:.3f}, "
            f"OWA {scores['owa']:.3f} over {scores['n_series']} series"
        )
        assert scores["n_series"] == 414
        assert round(scores["smape"], 3) == published[0]
        assert round(scores["mase"], 3) == published[1]
    # The published sNaive OWA, 0.627453..., was computed from the rounded sMAPE and MASE.
    assert scores["owa"] == pytest.approx(0.627453, abs=1e-3)
