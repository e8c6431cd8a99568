"""Analog: the non-learned retrieval floor every memory network must clear."""

import numpy as np
import pandas as pd
import pytest

from tsmem.backtest import backtest
from tsmem.estimators import SeasonalNaive
from tsmem.estimators.analog import Analog


def test_reads_the_future_of_the_matching_window_rescaled():
    rng = np.random.default_rng(0)
    motif = rng.normal(size=24)
    y = np.concatenate([rng.normal(size=50), motif, rng.normal(size=50), 3 * motif[:12] + 10])
    forecast = Analog(window=12, n_analogs=1).fit(pd.Series(y)).predict(horizon=12)
    assert np.allclose(forecast.to_numpy(), 3 * motif[12:] + 10, atol=1e-6)


def test_beats_seasonal_naive_on_a_noisy_weekly_pattern():
    rng = np.random.default_rng(1)
    t = np.arange(386)
    y = pd.Series(
        10 + 3 * np.array([0, 1, 2, 3, 2, -4, -5])[t % 7] + rng.normal(0, 1.5, 386),
        index=pd.date_range("2024-01-01", periods=386, freq="D"),
    )
    kw = dict(horizon=14, n_windows=6, step=14, season_length=7)
    analog = backtest(Analog(), y, **kw).metrics.loc["overall", "mae"]
    naive = backtest(SeasonalNaive(season_length=7), y, **kw).metrics.loc["overall", "mae"]
    # Averaging ten past weeks cancels noise that repeating one week keeps.
    assert analog < 0.85 * naive


def test_too_short_a_history_is_a_clear_error():
    with pytest.raises(ValueError, match="too few for one past window"):
        Analog(window=8).fit(pd.Series(np.arange(18.0))).predict(horizon=12)
