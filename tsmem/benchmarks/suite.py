"""The benchmarks tsmem reports: protocols, their settings, and the models run on each.

Neural settings are fixed per protocol before looking at test data (lookback
and window from the literature's protocol, a daily window for hourly data);
among the memory-network variants, the validation split alone picks
``memnet_best`` (see :mod:`tsmem.benchmarks.report`).
"""

from __future__ import annotations

from dataclasses import replace

from tsmem.benchmarks.neural import NeuralSettings
from tsmem.benchmarks.protocols import M4Protocol, WindowProtocol
from tsmem.benchmarks.zoo import MEMNET_VARIANTS

NEURAL = ("gru", *MEMNET_VARIANTS)
INFORMER_HORIZONS = (24, 48, 168, 336, 720)
LONG_HORIZONS = (96, 192, 336, 720)

# Hourly data: slots of one day every half day; the lookback of DLinear/PatchTST (336 = two weeks).
HOURLY = NeuralSettings(window=24, stride=12, d_model=64, learning_rate=1e-3, batch_size=64, max_epochs=20, patience=3)


def _ett_univariate(dataset: str) -> WindowProtocol:
    return WindowProtocol(
        name=f"{dataset}_univariate", dataset=dataset, target=["OT"], horizons=INFORMER_HORIZONS,
        lookback=336, season_length=24, neural=HOURLY,
    )


BENCHMARKS = {
    "etth1_univariate": (_ett_univariate("etth1"), ("naive", "seasonal_naive", "autoarima", "autoarima_r", "ets", "theta", *NEURAL)),
    "etth2_univariate": (_ett_univariate("etth2"), ("naive", "seasonal_naive", "autoarima", "autoarima_r", "ets", "theta", *NEURAL)),
    "etth1_multivariate": (
        WindowProtocol(name="etth1_multivariate", dataset="etth1", target=None, horizons=LONG_HORIZONS,
                       lookback=336, season_length=24, neural=replace(HOURLY, batch_size=32)),
        ("naive", "seasonal_naive", "gru", "memn2n", "gmemn2n", "memnet_nonlinear"),
    ),
    "m4_hourly": (
        M4Protocol(name="m4_hourly", lookback=336,
                   # sMAPE and MASE are absolute errors: train on MAE (the median), not MSE.
                   neural=replace(HOURLY, batch_size=256, train_step=4, max_epochs=30, patience=4,
                                  options=(("loss", "mae"),))),
        ("naive", "seasonal_naive", "naive2", "autoarima", "ets", "theta", *NEURAL),
    ),
    "exchange_rate": (
        WindowProtocol(name="exchange_rate", dataset="exchange_rate", target=None, horizons=(3, 6, 12, 24),
                       lookback=168, season_length=1, metrics=("rse", "corr"), last_step_only=True,
                       neural=NeuralSettings(window=24, stride=24, d_model=32, batch_size=64, max_epochs=20, patience=3)),
        ("naive", "autoarima", "ets", "theta", "gru", "memn2n", "gmemn2n", "memnet_nonlinear"),
    ),
}


def quick(name: str):
    """A minutes-long version of a benchmark: fewer horizons, series and epochs, the cheap models."""
    protocol, models = BENCHMARKS[name]
    settings = replace(protocol.neural, max_epochs=2, patience=1)
    cheap = tuple(m for m in models if m in ("naive", "seasonal_naive", "naive2", "theta", "gru", "gmemn2n"))
    if isinstance(protocol, M4Protocol):
        return replace(protocol, n_series=20, neural=settings), cheap
    return replace(protocol, horizons=protocol.horizons[:1], neural=settings), cheap
