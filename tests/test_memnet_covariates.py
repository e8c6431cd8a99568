"""Covariates in the memory network: past, future-known and static, through the estimator and
the DataModule; accuracy bounds on series that only the covariates explain, and clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import pytorch_lightning as pl
import torch

from tsmem.estimators import MemNetForecaster
from tsmem.training import MemNetDataModule, MemNetModule

FAST = {"random_state": 0, "verbose": False, "trainer_kwargs": {"accelerator": "cpu"}}


def promo_series(n: int = 400, horizon: int = 12, seed: int = 0) -> tuple[pd.Series, pd.DataFrame]:
    """A weekly series that jumps by +5 on random promotion days: y over n + horizon days, X."""
    rng = np.random.default_rng(seed)
    t = np.arange(n + horizon)
    index = pd.date_range("2024-01-01", periods=n + horizon, freq="D")
    promo = (rng.random(n + horizon) < 0.2).astype(float)
    y = 10 + 2 * np.sin(2 * np.pi * t / 7) + 5 * promo + rng.normal(0, 0.3, n + horizon)
    return pd.Series(y, index=index, name="sales"), pd.DataFrame({"promo": promo}, index=index)


def small(**params) -> MemNetForecaster:
    settings = {"horizon": 6, "lookback": 24, "window": 4, "stride": 4, "d_model": 8,
                "max_epochs": 2, "batch_size": 16, **FAST}
    return MemNetForecaster(**(settings | params))


def mae(forecast: pd.Series, actual: pd.Series) -> float:
    return float(np.abs(forecast.to_numpy() - actual.to_numpy()).mean())


# -- accuracy ---------------------------------------------------------------------------------
def test_a_known_future_promotion_is_forecast_far_better_with_X():
    y, X = promo_series()
    train, test = y.iloc[:400], y.iloc[400:]
    params = {"horizon": 12, "season_length": 7, "max_epochs": 40, **FAST}
    without = MemNetForecaster(**params).fit(train).predict()
    with_X = MemNetForecaster(**params).fit(train, X=X.iloc[:400]).predict(X=X.iloc[400:])
    # Measured at this seed: 0.31 with X, 1.93 without (the promotions are noise to it).
    assert mae(with_X, test) < 0.5 * mae(without, test)
    assert mae(with_X, test) < 0.6


def test_a_past_covariate_that_leads_the_target_is_read():
    rng = np.random.default_rng(1)
    n, horizon = 500, 3
    index = pd.date_range("2024-01-01", periods=n + horizon, freq="h")
    driver = rng.normal(0, 1, n + horizon)
    y = 10 + 2 * np.roll(driver, 3) + rng.normal(0, 0.1, n + horizon)  # y_t = 2 x_{t-3}: known at the origin
    y, X = pd.Series(y[5:], index=index[5:]), pd.DataFrame({"driver": driver[5:]}, index=index[5:])
    train = y.iloc[:-30]
    params = {"horizon": horizon, "lookback": 24, "window": 6, "stride": 6, "max_epochs": 40, **FAST}
    without = MemNetForecaster(**params).fit(train)
    model = MemNetForecaster(**params, past_covariates=["driver"]).fit(train, X=X.iloc[:-30])
    errors = {"with": [], "without": []}
    for origin in range(len(y) - 30, len(y) - horizon + 1, 3):  # 10 origins after the training data
        test = y.iloc[origin : origin + horizon]
        # No future rows of a past covariate are needed: X may end at the origin.
        errors["with"].append(mae(model.predict(y=y.iloc[:origin], X=X.iloc[:origin]), test))
        errors["without"].append(mae(without.predict(y=y.iloc[:origin]), test))
    # Measured at this seed: 0.24 with X, 1.29 without (the target is noise to it).
    assert np.mean(errors["with"]) < 0.5 * np.mean(errors["without"])


def long_frame(n_series: int = 4, n: int = 80) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """y, X (a future-known promotion) and static (one value per series) as long frames."""
    rng = np.random.default_rng(2)
    index = pd.date_range("2024-01-01", periods=n + 6, freq="h")
    ys, xs = [], []
    for i in range(n_series):
        promo = (rng.random(n + 6) < 0.3).astype(float)
        values = 5 + i + np.sin(np.arange(n + 6) / 3) + 3 * promo + rng.normal(0, 0.1, n + 6)
        ys.append(pd.DataFrame({"unique_id": f"s{i}", "ds": index[:n], "y": values[:n]}))
        xs.append(pd.DataFrame({"unique_id": f"s{i}", "ds": index, "promo": promo}))
    static = pd.DataFrame({"size": np.arange(n_series, dtype=float)}, index=[f"s{i}" for i in range(n_series)])
    return pd.concat(ys, ignore_index=True), pd.concat(xs, ignore_index=True), static


def test_static_covariates_are_added_to_the_query_and_read():
    y, X, static = long_frame()
    model = small(max_epochs=5).fit(y, X=X, static=static)
    weight = model.module_.net.static_query.weight
    assert weight.abs().sum() > 0, "the static map starts at zero and must have learned"
    forecast = model.predict(X=X)
    assert len(forecast) == 4 * 6 and np.isfinite(forecast["y"]).all()
    other = model.predict(X=X, static=static * 10 + 5)  # other values, same histories
    assert not np.allclose(forecast["y"], other["y"])
    # A series not seen in fit needs its static row, and says so.
    new = y.assign(unique_id=y["unique_id"] + "_new")
    with pytest.raises(ValueError, match=r"not seen in fit.*static"):
        model.predict(y=new, X=X.assign(unique_id=X["unique_id"] + "_new"))


# -- errors -------------------------------------------------------------------------------------
def test_predict_names_the_missing_future_rows():
    y, X = promo_series(n=120)
    model = small().fit(y.iloc[:120], X=X.iloc[:120])
    with pytest.raises(ValueError, match=r"needs X"):
        model.predict()
    short = X.iloc[120:123]  # 3 of the 6 forecast steps
    with pytest.raises(ValueError, match=r"future-known covariates \['promo'\].*lacks 3 of them: 2024-05-03 00:00:00, 2024-05-04"):
        model.predict(X=short)


def test_nan_misaligned_and_unknown_covariates_are_named():
    y, X = promo_series(n=120)
    y, X = y.iloc[:120], X.iloc[:120].copy()
    bad = X.copy()
    bad.iloc[50, 0] = np.nan
    with pytest.raises(ValueError, match=r"missing \(NaN\).*2024-02-20"):
        small().fit(y, X=bad)
    with pytest.raises(ValueError, match=r"lacks 10 of the 120 timestamps.*2024-01-01"):
        small().fit(y, X=X.iloc[10:])  # starts after y
    with pytest.raises(ValueError, match=r"\['price'\] are not columns of X"):
        small(past_covariates=["price"]).fit(y, X=X)
    long_y, long_X, _ = long_frame()
    with pytest.raises(ValueError, match=r"no rows for series 's3'"):
        small().fit(long_y, X=long_X[long_X.unique_id != "s3"])


def test_past_covariates_cannot_roll_beyond_the_horizon_and_X_must_match_the_fit():
    y, X = promo_series(n=120)
    model = small(past_covariates=["promo"]).fit(y.iloc[:120], X=X.iloc[:120])
    with pytest.raises(ValueError, match="at most its horizon=6"):
        model.predict(horizon=12, X=X)
    plain = small().fit(y.iloc[:120])
    with pytest.raises(ValueError, match="fitted without X"):
        plain.predict(X=X)


def test_future_covariates_roll_forward_block_by_block():
    y, X = promo_series(n=120)
    model = small().fit(y.iloc[:120], X=X.iloc[:120])
    forecast = model.predict(horizon=9, X=X)  # two blocks of 6: X covers 12 steps
    assert len(forecast) == 9 and np.isfinite(forecast).all()


# -- save, load, export -------------------------------------------------------------------------
def test_save_and_load_keep_the_covariates(tmp_path):
    y, X, static = long_frame()
    model = small(max_epochs=1).fit(y, X=X, static=static)
    path = tmp_path / "model.pt"
    model.save(str(path))
    loaded = MemNetForecaster.load(str(path))
    pd.testing.assert_frame_equal(model.predict(X=X), loaded.predict(X=X))
    newer = y.groupby("unique_id").tail(40)
    pd.testing.assert_frame_equal(model.predict(y=newer, X=X), loaded.predict(y=newer, X=X))


def test_export_and_checkpoints_refuse_covariates_clearly(tmp_path):
    y, X = promo_series(n=120)
    model = small(max_epochs=1).fit(y.iloc[:120], X=X.iloc[:120])
    with pytest.raises(ValueError, match="export does not support models with covariates"):
        model.export(str(tmp_path / "m.onnx"))
    with pytest.raises(ValueError, match="to_checkpoint does not carry covariates"):
        model.to_checkpoint(str(tmp_path / "m.ckpt"))


# -- the DataModule and the Lightning module (the CLI's path) -----------------------------------
def test_the_datamodule_reads_covariate_columns_of_a_file_and_trains(tmp_path):
    y, X = promo_series(n=200)
    frame = pd.DataFrame({"date": y.index, "sales": y.to_numpy(), "promo": X["promo"].to_numpy(),
                          "footfall": np.random.default_rng(0).normal(size=len(y))})
    path = tmp_path / "shop.csv"
    frame.to_csv(path, index=False)
    data = MemNetDataModule(dataset=str(path), target=["sales"], lookback=24, horizon=6,
                            batch_size=8, past_covariates=["footfall"], future_covariates=["promo"])
    assert (data.n_channels, data.n_covariates, data.n_future_covariates) == (1, 2, 1)
    batch = data.windows("train")[[0, 1, 2]]
    assert batch["x"].shape == (3, 24, 1) and batch["covariates"].shape == (3, 24, 2)
    assert batch["future_covariates"].shape == (3, 6, 1)
    # future_covariates are the promotions of the target steps, scaled
    train = X["promo"].iloc[: data.borders[0][1]]
    scaled = (X["promo"] - train.mean()) / train.std(ddof=0)
    np.testing.assert_allclose(batch["future_covariates"][0, :, 0], scaled.iloc[24:30], atol=1e-5)
    module = MemNetModule(lookback=24, horizon=6, window=4, stride=4, d_model=8,
                          n_covariates=2, n_future_covariates=1)
    trainer = pl.Trainer(fast_dev_run=True, accelerator="cpu", logger=False, enable_progress_bar=False,
                         enable_model_summary=False)
    trainer.fit(module, datamodule=data)
    with pytest.raises(ValueError, match="future_covariates"):
        module.net(batch["x"], covariates=batch["covariates"])
    with torch.no_grad():
        out = module(batch["x"], covariates=batch["covariates"],
                     future_covariates=batch["future_covariates"])
    assert out.forecast.shape == (3, 6, 1)


def test_the_cli_reads_covariate_columns_and_links_their_widths(tmp_path):
    from tsmem.lightning_cli import main

    y, X = promo_series(n=200)
    frame = pd.DataFrame({"date": y.index, "sales": y.to_numpy(), "promo": X["promo"].to_numpy(),
                          "footfall": np.random.default_rng(0).normal(size=len(y))})
    path = tmp_path / "shop.csv"
    frame.to_csv(path, index=False)
    cli = main(["fit", f"--data.dataset={path}", "--data.target=[sales]", "--data.past_covariates=[footfall]",
                "--data.future_covariates=[promo]", "--data.lookback=24", "--data.horizon=6",
                "--model.window=4", "--model.stride=4", "--model.d_model=8", "--trainer.fast_dev_run=true",
                f"--trainer.default_root_dir={tmp_path}", "--trainer.enable_progress_bar=false",
                "--trainer.enable_model_summary=false"])
    hp = cli.model.hparams
    assert (hp.n_channels, hp.n_covariates, hp.n_future_covariates, hp.n_static) == (1, 2, 1, 0)
    assert cli.trainer.state.finished


@pytest.mark.parametrize("hops", [0, 1])
def test_past_covariates_reach_the_slots_as_well_as_the_query(hops):
    """A covariate changed only before the query window moves the forecast through the memory
    slots (hops=1), and only through them (hops=0 reads the query window alone)."""
    from tsmem.nn import MemNet, MemNetConfig

    torch.manual_seed(0)
    config = MemNetConfig(lookback=32, horizon=4, window=4, stride=4, d_model=8, hops=hops,
                          n_covariates=1, memory="lookback", dropout=0.0,
                          revin=False)  # RevIN's per-sample statistics would read every step
    net = MemNet(config).eval()
    x, covariates = torch.randn(2, 32, 1), torch.randn(2, 32, 1)
    changed = covariates.clone()
    changed[:, 5] += 3.0  # in an old slot, far from the query window (the last 4 steps)
    with torch.no_grad():
        before, after = net(x, covariates=covariates).forecast, net(x, covariates=changed).forecast
        query_changed = covariates.clone()
        query_changed[:, -1] += 3.0
        moved = net(x, covariates=query_changed).forecast
    assert not torch.allclose(before, moved)  # the controller reads the query's covariates
    assert torch.allclose(before, after) == (hops == 0)
