"""memory_training="residual": the controller first, then the memory alone on top of it."""

import pytest
import torch

from tsmem.training import MemNetDataModule, MemNetModule, fitting
from tsmem.training.fitting import fit_best

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*does not have many workers"),
    pytest.mark.filterwarnings("ignore:.*LeafSpec"),
]


def _module(**overrides) -> MemNetModule:
    kwargs = dict(lookback=24, horizon=6, window=6, stride=3, d_model=8, max_slots=16,
                  memory_training="residual")
    return MemNetModule(**(kwargs | overrides))


def test_the_memory_trains_on_a_frozen_controller_whose_forecast_it_keeps_when_shut(monkeypatch):
    torch.manual_seed(0)
    data = MemNetDataModule("air_passengers", lookback=24, horizon=6, batch_size=16)
    module = _module()
    stages = []
    original = MemNetModule.start_from_controller

    def record(self, controller):  # keep the first stage's trained network to compare with
        stages.append(controller)
        original(self, controller)

    monkeypatch.setattr(MemNetModule, "start_from_controller", record)
    result = fit_best(module, data, max_epochs=3, patience=0)

    (controller,) = stages
    assert controller.config.hops == 0
    # the second stage read the memory's long context, not the controller's lookback
    assert data.hparams.context == module.context_length > 24
    frozen = {name for name, p in module.net.named_parameters() if not p.requires_grad}
    learned = {name for name, p in module.net.named_parameters() if p.requires_grad}
    assert frozen == set(dict(controller.net.named_parameters()))
    assert learned and all(n.startswith(("embeddings", "updates", "futures_read", "log_temperature"))
                           for n in learned)
    for name, value in controller.net.state_dict().items():  # frozen means unchanged
        torch.testing.assert_close(module.net.state_dict()[name], value)

    batch = next(iter(data.val_dataloader()))
    module.net.memory_open.fill_(False)
    with torch.no_grad():
        shut = module.net(batch["x"]).forecast
        alone = controller.net(batch["x"][:, -24:]).forecast
    torch.testing.assert_close(shut, alone)
    assert result.n_epochs == 6  # both stages, 3 epochs each without early stopping


def test_the_fitted_model_never_scores_worse_on_validation_than_its_controller(monkeypatch):
    torch.manual_seed(1)
    data = MemNetDataModule("air_passengers", lookback=24, horizon=6, batch_size=16)
    scores = []
    original = fitting._fit

    def record(module, data, **options):
        result = original(module, data, **options)
        scores.append(result.best_val_loss)
        return result

    monkeypatch.setattr(fitting, "_fit", record)
    result = fit_best(_module(), data, max_epochs=4, patience=2)
    controller_loss, memory_loss = scores
    assert result.best_val_loss == memory_loss <= controller_loss


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        (dict(memory_training="boosted"), "memory_training='boosted' is not one of"),
        (dict(memory_dropout=0.5), "does not combine with memory_dropout=0.5"),
        (dict(memory_warmup_epochs=2), "memory_warmup_epochs=2: set those to 0"),
    ],
)
def test_bad_memory_training_is_refused_with_the_fix(overrides, match):
    with pytest.raises(ValueError, match=match):
        _module(**overrides)


def test_the_controller_starts_from_the_memory_networks_own_weights():
    module = _module()
    with torch.no_grad():  # a start set before the fit, as the estimator's covariate effect is
        for parameter in module.net.head.parameters():
            parameter.fill_(0.25)
    controller = module.controller_alone()
    for name, value in controller.net.state_dict().items():
        torch.testing.assert_close(value, module.net.state_dict()[name])


def test_a_plain_trainer_fit_is_refused_rather_than_training_jointly():
    import pytorch_lightning as pl

    data = MemNetDataModule("air_passengers", lookback=24, horizon=6, batch_size=16)
    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    with pytest.raises(ValueError, match="A plain Trainer.fit .* would train it jointly"):
        trainer.fit(_module(), datamodule=data)


def test_a_network_without_memory_trains_once():
    data = MemNetDataModule("air_passengers", lookback=24, horizon=6, batch_size=16)
    result = fit_best(_module(hops=0), data, max_epochs=2, patience=0)
    assert result.n_epochs == 2
