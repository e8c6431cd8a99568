"""Property-based tests (hypothesis): random panels through the data layer and the fast models.

Valid panels (ids, lengths, frequencies, NaN patterns filled first, scales from
1e-12 to 1e12) must give finite forecasts of the right shape and timestamps,
proportional to the data's scale (and moved by its shift, for the rules that
promise it). Broken panels must raise tsmem's own ``ValueError``/``TypeError``.
``derandomize=True`` makes every run draw the same examples (deterministic in CI),
and ``max_examples`` keeps the file under a minute.
"""

from __future__ import annotations

import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsmem.data import fill_missing, to_panel
from tsmem.estimators import ARIMA, ETS, AutoARIMA, Drift, Naive, Naive2, SeasonalNaive, Theta
from tsmem.estimators.fit_notes import FitWarning

FREQS = ("h", "D", "W-SUN", "MS", "QS", "B")
SEASON = 4
HORIZON = 5

fast = settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
slow = settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


# -- strategies ---------------------------------------------------------------------------
@st.composite
def panels(draw, min_length: int = 3 * SEASON, max_ids: int = 3) -> pd.DataFrame | pd.Series:
    """A Series (one id) or a long frame of ragged series on one frequency, values of order 1."""
    freq = draw(st.sampled_from(FREQS))
    n_ids = draw(st.integers(1, max_ids))
    lengths = draw(st.lists(st.integers(min_length, 40), min_size=n_ids, max_size=n_ids))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    parts = []
    for i, n in enumerate(lengths):
        t = np.arange(n)
        values = 5 + i + np.sin(2 * np.pi * t / SEASON) + 0.05 * t + rng.normal(0, 0.3, n)
        start = pd.Timestamp("2021-01-04") + pd.tseries.frequencies.to_offset(freq) * draw(st.integers(0, 30))
        parts.append(pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range(start, periods=n, freq=freq), "y": values}))
    frame = pd.concat(parts, ignore_index=True)
    if n_ids == 1 and draw(st.booleans()):
        return frame.set_index("ds")["y"].rename("v")
    return frame


scales = st.floats(-12, 12).map(lambda e: 10.0**e)


def times(y: pd.DataFrame | pd.Series, factor: float, shift: float = 0.0):
    out = y.copy()
    if isinstance(out, pd.Series):
        return out * factor + shift
    out["y"] = out["y"] * factor + shift
    return out


def values_of(forecast: pd.DataFrame | pd.Series) -> np.ndarray:
    if isinstance(forecast, pd.DataFrame) and "unique_id" in forecast.columns:
        forecast = forecast.drop(columns=["unique_id", "ds"])
    return forecast.to_numpy()


def check_shape_and_index(forecast, y, horizon: int) -> None:
    panel = to_panel(y)
    if isinstance(y, pd.Series):
        pd.testing.assert_index_equal(forecast.index, panel.future_index(horizon)[0])
    else:
        assert len(forecast) == panel.n_series * horizon
        for sid, future in zip(panel.ids, panel.future_index(horizon), strict=True):
            pd.testing.assert_index_equal(pd.DatetimeIndex(forecast.loc[forecast.unique_id == sid, "ds"]), future, check_freq=False,
                                          check_names=False)
    assert np.isfinite(values_of(forecast)).all()


def fit_predict(model, y, quantiles=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)  # a fallback note is not a failure here
        return model.fit(y).predict(horizon=HORIZON, quantiles=quantiles)


# -- the data layer -----------------------------------------------------------------------
@fast
@given(panels(min_length=3), st.data())
def test_filled_gaps_and_nans_give_back_the_regular_panel(y, data):
    frame = y.rename("y").rename_axis("ds").reset_index().assign(unique_id="s0") if isinstance(y, pd.Series) else y
    n = len(frame)
    keep = np.ones(n, dtype=bool)
    holes = data.draw(st.lists(st.integers(0, n - 1), max_size=n // 3))
    nans = data.draw(st.lists(st.integers(0, n - 1), max_size=n // 3))
    # a series keeps its first two and last values, so its frequency and span stay known
    ends = frame.groupby("unique_id").cumcount().lt(2) | frame.groupby("unique_id").cumcount(ascending=False).eq(0)
    keep[holes] = False
    keep |= ends.to_numpy()
    broken = frame[keep].copy()
    broken.loc[broken.index.isin(nans) & ~ends[keep], "y"] = np.nan
    filled = fill_missing(broken[["unique_id", "ds", "y"]])
    panel, original = to_panel(filled), to_panel(frame)
    assert panel.n_series == original.n_series
    for got, want in zip(panel.index, original.index, strict=True):
        pd.testing.assert_index_equal(got, want, check_names=False)
    assert all(np.isfinite(v).all() for v in panel.values)


@fast
@given(panels(min_length=2))
def test_to_panel_round_trips(y):
    back = to_panel(y).to_pandas()
    if isinstance(y, pd.Series):
        pd.testing.assert_series_equal(back, y, check_freq=False)
    else:
        pd.testing.assert_frame_equal(back.reset_index(drop=True), y.reset_index(drop=True), check_dtype=False)


# -- the fast models: shape, timestamps, scale and shift ------------------------------------
SHIFT_EQUIVARIANT = [Naive(), SeasonalNaive(season_length=SEASON), Drift()]
SCALE_EQUIVARIANT = [*SHIFT_EQUIVARIANT, Naive2(season_length=SEASON), Theta(season_length=SEASON)]


@pytest.mark.parametrize("model", SCALE_EQUIVARIANT, ids=lambda m: type(m).__name__)
@fast
@given(y=panels(), factor=scales, shift=st.floats(-1e3, 1e3))
def test_rules_forecast_in_proportion_to_the_data(model, y, factor, shift):
    quantiles = [0.1, 0.9] if model.supports_quantiles else None
    reference = fit_predict(model, y, quantiles)
    check_shape_and_index(reference, y, HORIZON)
    scaled = fit_predict(model, times(y, factor), quantiles)
    check_shape_and_index(scaled, y, HORIZON)
    np.testing.assert_allclose(values_of(scaled) / factor, values_of(reference), rtol=1e-6)
    if any(model is m for m in SHIFT_EQUIVARIANT):
        moved = fit_predict(model, times(y, 1.0, shift), quantiles)
        np.testing.assert_allclose(values_of(moved) - shift, values_of(reference), rtol=1e-6, atol=1e-9 * abs(shift))


# The statistical fits stop at absolute optimiser tolerances, so fitted as given they were
# scale-equivariant only roughly (ARIMA ~1e-5 on short series; ETS and AutoARIMA up to ~4%
# and ~12% inside 1e-2..1e8, see issue 17's report). They fit every series divided by its
# largest |value| (LocalForecaster.rescale_always), so they see the same numbers at every scale.
STATEFUL = [
    (ARIMA(order=(1, 0, 0), trend="c"), 1e-6),
    (ETS(season_length=1), 1e-3),
]


@pytest.mark.parametrize(("model", "rtol"), STATEFUL, ids=["ARIMA", "ETS"])
@slow
@given(y=panels(max_ids=2), factor=scales)
def test_fitted_models_forecast_in_proportion_to_the_data(model, rtol, y, factor):
    reference = fit_predict(model, y)
    check_shape_and_index(reference, y, HORIZON)
    scaled = fit_predict(model, times(y, factor))
    np.testing.assert_allclose(values_of(scaled) / factor, values_of(reference), rtol=rtol)


@settings(max_examples=2, deadline=None, derandomize=True)
@given(y=panels(max_ids=1), factor=scales)
def test_auto_arima_forecasts_in_proportion_to_the_data(y, factor):
    model = AutoARIMA(max_p=1, max_q=1, max_P=0, max_Q=0, max_d=1, max_D=0)
    reference = fit_predict(model, y)
    check_shape_and_index(reference, y, HORIZON)
    np.testing.assert_allclose(values_of(fit_predict(model, times(y, factor))) / factor, values_of(reference), rtol=1e-4)


# -- broken panels: tsmem's own errors ---------------------------------------------------------
def corrupt_nan(y):
    y = y.copy()
    if isinstance(y, pd.Series):
        y.iloc[1] = np.nan
    else:
        y.loc[1, "y"] = np.nan
    return y


def corrupt_inf(y):
    y = y.copy()
    if isinstance(y, pd.Series):
        y.iloc[-1] = -np.inf
    else:
        y.loc[0, "y"] = np.inf
    return y


def corrupt_duplicate(y):
    return pd.concat([y, y.iloc[[2]]]).sort_index() if isinstance(y, pd.Series) else pd.concat([y, y.iloc[[2]]])


def corrupt_order(y):
    return y.iloc[::-1]


def corrupt_dtype(dtype):
    def corrupt(y):
        # complex, str or bool values
        y = y.copy()
        if isinstance(y, pd.Series):
            return y.astype(dtype) if dtype is not str else y.astype(str)
        y["y"] = y["y"].astype(dtype) if dtype is not str else y["y"].astype(str)
        return y

    corrupt.__name__ = f"corrupt_dtype_{dtype.__name__}"
    return corrupt


def corrupt_id(y):
    if isinstance(y, pd.Series):
        return pd.DataFrame({"unique_id": [None] * len(y), "ds": y.index, "y": y.to_numpy()})
    y = y.copy()
    y.loc[0, "unique_id"] = np.nan
    return y


def corrupt_gap(y):
    return y.drop(y.index[len(y) // 2]) if isinstance(y, pd.Series) else y.drop(index=len(y) // 2)


def corrupt_short(y):
    return y.iloc[: SEASON - 1]


def corrupt_huge(y):
    return times(y, 1e306)


CORRUPTIONS = [corrupt_nan, corrupt_inf, corrupt_duplicate, corrupt_order, corrupt_dtype(complex),
               corrupt_dtype(str), corrupt_dtype(bool), corrupt_id, corrupt_gap, corrupt_short, corrupt_huge]


def raised_in_tsmem(error: BaseException) -> bool:
    """Whether the innermost frame that raised ``error`` is tsmem's own code (not pandas', numpy's)."""
    where = Path(traceback.extract_tb(error.__traceback__)[-1].filename)
    return "tsmem" in where.parts and "site-packages" not in where.parts


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda c: c.__name__)
@settings(max_examples=5, deadline=None, derandomize=True)
@given(y=panels(min_length=3 * SEASON))
def test_broken_panels_get_tsmems_own_errors(corrupt, y):
    broken = corrupt(y)
    with pytest.raises((ValueError, TypeError)) as error:
        SeasonalNaive(season_length=SEASON).fit(broken).predict(horizon=HORIZON)
    assert raised_in_tsmem(error.value), f"{corrupt.__name__}: raised from {traceback.extract_tb(error.tb)[-1]}"
