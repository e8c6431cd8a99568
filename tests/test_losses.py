"""The M4-matching training losses (sMAPE, MASE): values by hand, invariances, errors, a fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tsmem.training.losses import get_loss, mase_loss, needs_insample, smape_loss


def column(*values: float) -> torch.Tensor:
    """One window, one channel: shape (1, T, 1)."""
    return torch.tensor(values, dtype=torch.float32).reshape(1, -1, 1)


def test_smape_by_hand():
    # terms 2·|1−3|/(1+3) = 1, then 0/0 (both zero) counted as 0, then an exact 0
    pred, target = torch.tensor([1.0, 0.0, 2.0]), torch.tensor([3.0, 0.0, 2.0])
    assert smape_loss(pred, target).item() == pytest.approx(1 / 3)
    assert get_loss("smape")(pred, target).item() == pytest.approx(1 / 3)


def test_smape_matches_the_m4_metric_divided_by_100():
    from tsmem.metrics import smape

    rng = np.random.default_rng(0)
    target, pred = rng.uniform(1, 10, 20), rng.uniform(1, 10, 20)
    loss = smape_loss(torch.tensor(pred), torch.tensor(target)).item()
    assert loss == pytest.approx(smape(target, pred) / 100)


def test_smape_gradient_is_finite_where_both_are_zero():
    pred = torch.tensor([0.0, 1.0], requires_grad=True)
    smape_loss(pred, torch.tensor([0.0, 2.0])).backward()
    assert torch.isfinite(pred.grad).all()


def test_mase_by_hand():
    x = column(1.0, 3.0, 2.0, 4.0)
    pred, target = column(4.0, 8.0), column(5.0, 6.0)  # errors 1 and 2: MAE 1.5
    # m = 2: |2 − 1|, |4 − 3| -> scale 1; m = 1: |3−1|, |2−3|, |4−2| -> scale 5/3
    assert mase_loss(pred, target, x, season_length=2).item() == pytest.approx(1.5)
    assert mase_loss(pred, target, x, season_length=1).item() == pytest.approx(1.5 / (5 / 3))
    assert get_loss("mase", season_length=2)(pred, target, x).item() == pytest.approx(1.5)


def test_mase_scales_each_window_by_its_own_lookback():
    x = torch.cat([column(1.0, 3.0, 2.0, 4.0), column(10.0, 30.0, 20.0, 40.0)])  # scales 1 and 10
    pred = torch.cat([column(4.0, 8.0), column(40.0, 80.0)])
    target = torch.cat([column(5.0, 6.0), column(50.0, 60.0)])
    # both windows have MASE 1.5: ten times the error at ten times the scale
    assert mase_loss(pred, target, x, season_length=2).item() == pytest.approx(1.5)


def test_mase_ignores_a_window_with_a_constant_lookback():
    x = torch.cat([column(1.0, 3.0, 2.0, 4.0), column(5.0, 5.0, 5.0, 5.0)])
    pred = torch.cat([column(4.0, 8.0), column(0.0, 0.0)])
    target = torch.cat([column(5.0, 6.0), column(5.0, 5.0)])
    # errors 1, 2 (scale 1) and two of 5 at scale 0, counted as 0: (1 + 2 + 0 + 0) / 4
    assert mase_loss(pred, target, x, season_length=2).item() == pytest.approx(0.75)


def test_mase_is_unchanged_by_affine_scaling_smape_only_by_positive_scaling():
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(3, 12, 2, generator=generator) + 1
    pred, target = torch.rand(3, 4, 2, generator=generator) + 1, torch.rand(3, 4, 2, generator=generator) + 1
    a, b = 7.0, -3.0
    assert mase_loss(a * pred + b, a * target + b, a * x + b, 2).item() == pytest.approx(
        mase_loss(pred, target, x, 2).item(), rel=1e-5
    )
    assert smape_loss(a * pred, a * target).item() == pytest.approx(smape_loss(pred, target).item(), rel=1e-5)
    assert smape_loss(pred + b, target + b).item() != pytest.approx(smape_loss(pred, target).item(), rel=1e-3)


def test_only_mase_reads_the_lookback():
    assert needs_insample(get_loss("mase"))
    assert not any(needs_insample(get_loss(name)) for name in ("mse", "mae", "huber", "smape"))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: get_loss("mase", season_length=0), "season_length must be a positive integer"),
        (lambda: get_loss("smape", quantiles=(0.1, 0.9)), "point loss but the model forecasts"),
        (lambda: mase_loss(column(1.0), column(1.0), column(1.0, 2.0), 2), "lookback longer than"),
    ],
)
def test_bad_options_get_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(("loss", "scaling"), [("mase", "standard"), ("smape", "none")])
def test_a_memory_network_trains_on_the_m4_losses(loss, scaling):
    from tsmem.estimators import MemNetForecaster

    t = np.arange(120)
    y = pd.Series(20 + 3 * np.sin(2 * np.pi * t / 8) + np.random.default_rng(0).normal(0, 0.3, 120))
    model = MemNetForecaster(
        lookback=24, horizon=6, window=4, stride=4, d_model=8, max_epochs=2, loss=loss, scaling=scaling,
        random_state=0, verbose=False, trainer_kwargs={"accelerator": "cpu"},
    ).fit(y)
    assert np.isfinite(model.best_val_loss_)
    assert np.isfinite(model.predict().to_numpy()).all()
