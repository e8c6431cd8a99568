"""MemNetModule (Lightning) and the losses: fit, log, predict, checkpoint, CLI signature."""

import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset

from tsmem.nn import MemNetConfig, MemNetOutput
from tsmem.training import MemNetModule, get_loss, pinball_loss

L, H, C, F = 16, 3, 2, 2

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*does not have many workers"),
    pytest.mark.filterwarnings("ignore:.*LeafSpec"),
    pytest.mark.filterwarnings("ignore:.*self.trainer. reference is not registered"),
    pytest.mark.filterwarnings("ignore:.*no .val_dataloader."),
]



def config(**overrides):
    kw = dict(lookback=L, horizon=H, n_channels=C, window=4, stride=2, d_model=8, dropout=0.0)
    kw.update(overrides)
    return MemNetConfig(**kw)


class DictBatches(Dataset):
    """Stand-in for the DataModule: dict samples following the batch contract."""

    def __init__(self, n=12, n_time_features=0, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, L, C, generator=g)
        self.y = torch.randn(n, H, C, generator=g)
        self.tf = torch.randn(n, L, n_time_features, generator=g) if n_time_features else None

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        item = {"x": self.x[i], "y": self.y[i]}
        if self.tf is not None:
            item["time_features"] = self.tf[i]
        return item


def loader(**kw):
    return DataLoader(DictBatches(**kw), batch_size=4)


def trainer(**kw):
    base = dict(
        accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, gradient_clip_val=1.0,
    )  # fmt: skip
    base.update(kw)
    return pl.Trainer(**base)


def test_memory_warmup_keeps_the_memory_shut_and_early_stopping_waiting_until_it_opens():
    torch.manual_seed(0)
    # A learning rate too small to ever improve the validation loss: patience 1 would stop
    # the fit after its second epoch, before the memory had been read at all.
    module = MemNetModule.from_config(config(), learning_rate=1e-12, lr_schedule="none",
                                      memory_warmup_epochs=3)
    seen = []

    class Record(pl.Callback):
        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
            if batch_idx == 0:
                seen.append(bool(pl_module.net.memory_open))

    stop = pl.callbacks.EarlyStopping(monitor="val_loss", patience=1)
    t = trainer(max_epochs=10, limit_train_batches=1, limit_val_batches=1, callbacks=[stop, Record()])
    t.fit(module, loader(), loader(seed=1))
    # three epochs of the controller alone, then the memory opens with the full patience
    assert seen == [False, False, False, True]


@pytest.mark.parametrize("lr_schedule", ["cosine", "onecycle", "none"])
def test_fast_dev_run_fits_and_logs(lr_schedule):
    torch.manual_seed(0)
    module = MemNetModule.from_config(config(), lr_schedule=lr_schedule, warmup_steps=1)
    before = [p.detach().clone() for p in module.parameters()]
    t = trainer(fast_dev_run=True)
    t.fit(module, loader(), loader(seed=1))
    logged = t.callback_metrics
    assert {"train_loss", "val_loss", "val_mse", "val_mae"} <= set(logged)
    assert all(torch.isfinite(logged[k]) for k in logged)
    assert torch.isclose(logged["val_loss"], logged["val_mse"])  # MSE loss
    assert any(not torch.equal(b, p) for b, p in zip(before, module.parameters(), strict=True))


def test_checkpoint_round_trip_gives_identical_predictions(tmp_path):
    torch.manual_seed(0)
    cfg = config(temporal_encoding=("learned", "calendar"), n_time_features=F, linear_start=True)
    module = MemNetModule.from_config(cfg, loss="huber", learning_rate=3e-3, linear_start_epochs=1)
    t = trainer(max_epochs=2, limit_train_batches=2, limit_val_batches=1)
    t.fit(module, loader(n_time_features=F), loader(n_time_features=F, seed=1))
    assert module.net.linear_start_active is False  # switched off after epoch 0
    path = tmp_path / "memnet.ckpt"
    t.save_checkpoint(path)

    restored = MemNetModule.load_from_checkpoint(path, weights_only=True)
    assert restored.config == cfg and isinstance(restored.config, MemNetConfig)
    assert restored.hparams.loss == "huber" and restored.hparams.learning_rate == 3e-3
    assert restored.net.linear_start_active is False
    data = loader(n_time_features=F, seed=2)
    ours = trainer().predict(module, data)
    theirs = trainer().predict(restored, data)
    assert isinstance(ours[0], MemNetOutput)
    for a, b in zip(ours, theirs, strict=True):
        assert torch.equal(a.forecast, b.forecast)
        assert torch.equal(a.attention, b.attention)
    assert ours[0].forecast.shape == (4, H, C)
    assert ours[0].attention.shape == (4, C, 2, cfg.n_slots)


def test_linear_start_epochs_follow_the_schedule():
    torch.manual_seed(0)
    module = MemNetModule.from_config(config(linear_start=True), linear_start_epochs=2)
    seen = []

    class Record(pl.Callback):
        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
            if batch_idx == 0:
                seen.append(pl_module.net.linear_start_active)

    t = trainer(max_epochs=3, limit_train_batches=1, limit_val_batches=0, callbacks=[Record()])
    t.fit(module, loader())
    assert seen == [True, True, False]


def test_quantile_module_uses_pinball_and_point_metrics():
    torch.manual_seed(0)
    levels = (0.1, 0.5, 0.9)
    module = MemNetModule.from_config(config(quantiles=levels), loss="pinball")
    t = trainer(fast_dev_run=True)  # one training step, then one validation batch
    t.fit(module, loader(), loader(seed=1))
    logged = t.callback_metrics
    assert {"val_loss", "val_mse", "val_mae"} <= set(logged)
    out = module.predict_step({"x": torch.randn(3, L, C)}, 0)  # no "y" needed
    assert out.forecast.shape == (3, H, C, 3)
    # The logged loss is the pinball loss of that batch, by hand; the point metrics read the median.
    batch = next(iter(loader(seed=1)))
    with torch.no_grad():
        forecast = module.net(batch["x"]).forecast  # (B, H, C, Q)
    error = batch["y"].unsqueeze(-1) - forecast  # (B, H, C, Q)
    by_level = [torch.maximum(q * error[..., i], (q - 1) * error[..., i]).mean() for i, q in enumerate(levels)]
    assert logged["val_loss"].item() == pytest.approx(torch.stack(by_level).mean().item(), rel=1e-5)
    assert logged["val_mae"].item() == pytest.approx(error[..., 1].abs().mean().item(), rel=1e-5)


def test_batch_contract_errors():
    module = MemNetModule.from_config(config())
    with pytest.raises(ValueError, match="expects dict batches"):
        module.training_step((torch.randn(2, L, C), torch.randn(2, H, C)), 0)
    with pytest.raises(ValueError, match="needs the target 'y'"):
        module.validation_step({"x": torch.randn(2, L, C)}, 0)
    # Extra time features are ignored by a model without the calendar encoding ...
    batch = {
        "x": torch.randn(2, L, C),
        "y": torch.randn(2, H, C),
        "time_features": torch.randn(2, L, F),
    }
    assert torch.isfinite(module.training_step(batch, 0))
    # ... and required by one with it.
    cal = MemNetModule.from_config(config(temporal_encoding=("calendar",), n_time_features=F))
    with pytest.raises(ValueError, match="pass time_features"):
        cal.training_step({"x": batch["x"], "y": batch["y"]}, 0)


@pytest.mark.parametrize(
    ("cfg", "kwargs", "match"),
    [
        (dict(), dict(loss="pinball"), "needs quantile levels"),
        (dict(quantiles=(0.1, 0.9)), dict(loss="mse"), "point loss but the model forecasts"),
        (dict(), dict(loss="l2"), "loss='l2' is not one of"),
        (dict(), dict(lr_schedule="step"), "lr_schedule='step'"),
        (dict(), dict(learning_rate=0.0), "learning_rate == 0.0, must be > 0"),
        (dict(linear_start=True), dict(), "linear_start_epochs >= 1"),
        (dict(), dict(linear_start_epochs=2), "linear_start_epochs=2 but the model"),
    ],
)
def test_bad_module_arguments(cfg, kwargs, match):
    with pytest.raises(ValueError, match=match):
        MemNetModule.from_config(config(**cfg), **kwargs)


def test_network_fields_are_keyword_arguments_and_checked():
    module = MemNetModule(**config().to_dict())
    assert isinstance(module.config, MemNetConfig) and module.config == config()
    with pytest.raises(TypeError, match="unexpected keyword argument 'layers'"):
        MemNetModule(**config().to_dict(), layers=3)


def test_typed_init_is_the_cli_config():
    from jsonargparse import ArgumentParser

    parser = ArgumentParser(exit_on_error=False)
    parser.add_class_arguments(MemNetModule, "model")
    args = parser.parse_args(
        [
            "--model.lookback=32",
            "--model.horizon=8",
            "--model.hop_update=recurrent",
            "--model.temporal_encoding=[learned, sinusoidal]",
            "--model.loss=mae",
        ]
    )
    module = parser.instantiate(args).model
    assert isinstance(module, MemNetModule)
    assert module.config.hop_update == "recurrent"
    assert module.config.temporal_encoding == ("learned", "sinusoidal")
    assert module.hparams.loss == "mae"
    with pytest.raises(Exception, match="hop_update"):
        parser.parse_args(["--model.lookback=32", "--model.horizon=8",
                           "--model.hop_update=sum"])  # fmt: skip


def test_training_options_accept_numpy_numbers_and_refuse_other_types():
    import numpy as np

    module = MemNetModule(**config().to_dict(), warmup_steps=np.int64(3), learning_rate=np.float32(1e-3))
    assert module.hparams.warmup_steps == 3
    with pytest.raises(TypeError, match="warmup_steps must be an instance of"):
        MemNetModule(**config().to_dict(), warmup_steps="3")
    with pytest.raises(ValueError, match="weight_decay == -0.1, must be >= 0"):
        MemNetModule(**config().to_dict(), weight_decay=-0.1)


def _old_lambda_factor(step: int, warmup: int, total: int, cosine: bool) -> float:
    """The hand-written LambdaLR factor the module used before warmup_cosine (the reference)."""
    import math

    if step < warmup:
        return (step + 1) / warmup
    if not cosine:
        return 1.0
    progress = min((step - warmup) / max(total - warmup, 1), 1.0)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


@pytest.mark.parametrize("cosine", [True, False])
@pytest.mark.parametrize(("warmup", "total"), [(0, 50), (1, 50), (7, 50), (10, 10), (12, 10), (3, 4)])
def test_warmup_cosine_gives_the_factors_of_the_hand_written_schedule(warmup, total, cosine):
    from tsmem.training.module import warmup_cosine

    weight = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.AdamW([weight], lr=2e-3)
    scheduler = warmup_cosine(optimizer, warmup, total, cosine=cosine)
    for step in range(total):  # Lightning steps the scheduler once per optimiser step
        expected = 2e-3 * _old_lambda_factor(step, warmup, total, cosine)
        assert optimizer.param_groups[0]["lr"] == pytest.approx(expected, rel=1e-9, abs=1e-15), step
        optimizer.step()
        scheduler.step()


def test_losses_by_name():
    pred, target = torch.tensor([1.0, 3.0]), torch.tensor([2.0, 0.0])
    assert get_loss("mse")(pred, target).item() == pytest.approx(5.0)
    assert get_loss("mae")(pred, target).item() == pytest.approx(2.0)
    assert get_loss("huber", huber_delta=1.0)(pred, target).item() == pytest.approx((0.5 + 2.5) / 2)
    # Pinball by hand: e = y − q̂; q·e if e >= 0 else (q − 1)·e.
    qpred = torch.tensor([[0.0, 1.0], [4.0, 4.0]])  # (2, Q=2)
    y = torch.tensor([2.0, 2.0])
    # q=0.1: e=2 -> 0.2, e=-2 -> 1.8 ; q=0.9: e=1 -> 0.9, e=-2 -> 0.2
    expected = (0.2 + 0.9 + 1.8 + 0.2) / 4
    assert pinball_loss(qpred, y, (0.1, 0.9)).item() == pytest.approx(expected)
    assert get_loss("pinball", quantiles=(0.1, 0.9))(qpred, y).item() == pytest.approx(expected)
    with pytest.raises(ValueError, match="expects pred"):
        pinball_loss(qpred, y, (0.1, 0.5, 0.9))
