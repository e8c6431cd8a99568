"""The ``tsmem`` command: help, fit from every shipped config, config round trip, clear errors,
test/predict outputs, and checkpoints shared with ``MemNetForecaster``.

Everything runs in-process (``main([...])``, ``SystemExit`` caught) on small
models and few batches, so the file stays fast.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from tsmem.cli import COMMANDS, Command, main
from tsmem.datasets import dataset_info, load_dataset
from tsmem.lightning_cli import main as lightning_main
from tsmem.training import MemNetModule

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "experiments" / "configs").glob("*.yaml"))
MELBOURNE = next(c for c in CONFIGS if c.name == "melbourne_temp_memnet.yaml")
QUIET = ["--trainer.enable_progress_bar=false", "--trainer.enable_model_summary=false"]
# A model small enough to train a few batches in about a second.
TINY = [
    "--data.lookback=56",
    "--data.horizon=7",
    "--model.window=7",
    "--model.stride=7",
    "--model.d_model=8",
    "--data.batch_size=64",
    *QUIET,
]


def exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    return stopped.value.code


def one_epoch_forecaster(lookback: int, horizon: int, window: int):
    """A tiny ``MemNetForecaster`` trained for one epoch: enough to write a checkpoint."""
    from tsmem.estimators import MemNetForecaster

    return MemNetForecaster(
        lookback=lookback, horizon=horizon, window=window, stride=window, d_model=8,
        max_epochs=1, random_state=0, verbose=False,
    )  # fmt: skip


def from_run(command: str, run: dict[str, Path], *options: str, checkpoint: Path | None = None) -> list[str]:
    """``tsmem <command>`` on a run's saved config and a checkpoint (its ``last.ckpt`` by default)."""
    checkpoint = checkpoint or last_checkpoint(run)
    return [command, "--config", str(run["dir"] / "config.yaml"), "--ckpt_path", str(checkpoint), *options]


def last_checkpoint(run: dict[str, Path]) -> Path:
    return run["dir"] / "checkpoints" / "last.ckpt"


def dataset_of(config: Path) -> str:
    return yaml.safe_load(config.read_text())["data"]["dataset"]


# -- help ------------------------------------------------------------------------------------
def test_overview_lists_every_subcommand(capsys):
    main(["--help"])
    out = capsys.readouterr().out
    for name in ("fit", "validate", "test", "predict", "demo"):
        assert f"\n  {name} " in out


@pytest.mark.parametrize("command", ["fit", "validate", "test", "predict", "demo"])
def test_every_subcommand_has_help(command, capsys):
    assert exit_code([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: tsmem {command}") or out.startswith(
        f"usage: tsmem [options] {command}"
    )
    if command != "demo":
        assert COMMANDS[command].help.split(" (")[0] in " ".join(out.split())  # one help text
        assert "--model.hops" in out and "--data.dataset" in out
        assert "data.n_channels --> model.n_channels [applied on instantiate]" in out


def test_unknown_command_lists_the_commands():
    assert "unknown command 'fitt'" in str(exit_code(["fitt"]))


def test_a_registered_command_gets_its_arguments(monkeypatch, capsys):
    monkeypatch.setitem(
        COMMANDS, "echo", Command("builtins:print", "print the arguments", ("first",))
    )
    main(["echo", "second"])
    assert capsys.readouterr().out == "['first', 'second']\n"
    main(["--help"])
    assert "echo       print the arguments" in capsys.readouterr().out


# -- fit from every shipped config -------------------------------------------------------------
@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_fit_runs_from_every_shipped_config(config, tmp_path):
    if not dataset_info(dataset_of(config)).bundled and not os.environ.get("TSMEM_DATA_DIR"):
        pytest.skip(f"{dataset_of(config)} is a benchmark file: set TSMEM_DATA_DIR to its folder")
    small = ["--data.batch_size=8", "--model.d_model=8"]  # one step of each loop, kept cheap
    cli = lightning_main(
        [
            "fit",
            "--config",
            str(config),
            "--trainer.fast_dev_run=true",
            f"--trainer.default_root_dir={tmp_path}",
            *small,
            *QUIET,
        ]
    )
    assert cli.trainer.state.finished and cli.trainer.global_step == 1
    hp, data = cli.model.hparams, cli.datamodule
    assert (hp.lookback, hp.horizon) == (data.hparams.lookback, data.hparams.horizon)  # linked at parse time
    # ...and the data's shape when the classes were built
    assert (hp.n_channels, hp.n_time_features) == (data.n_channels, data.n_time_features)
    assert not list(tmp_path.rglob("*.ckpt"))  # fast_dev_run writes no checkpoint


def test_shared_settings_are_read_off_the_data(tmp_path):
    """Multivariate data and calendar features reach the model without being set twice."""
    frame = pd.DataFrame(
        {
            "a": np.sin(np.arange(400) / 5),
            "b": np.cos(np.arange(400) / 7),
            "c": np.arange(400) % 24,
        },
        index=pd.date_range("2024-01-01", periods=400, freq="h").rename("date"),
    )
    frame.to_csv(tmp_path / "three.csv")
    cli = lightning_main(
        [
            "fit",
            "--config",
            str(MELBOURNE),
            f"--data.dataset={tmp_path / 'three.csv'}",
            "--data.fill=null",
            "--data.val_size=0.2",
            "--data.test_size=0.2",
            "--data.calendar=true",
            "--model.temporal_encoding=[learned, calendar]",
            "--trainer.fast_dev_run=true",
            f"--trainer.default_root_dir={tmp_path}",
            *TINY,
        ]
    )
    assert cli.model.hparams.n_channels == 3
    assert cli.model.hparams.n_time_features == cli.datamodule.n_time_features > 0


# -- one small trained run, shared by the tests below -----------------------------------------
@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict[str, Path]:
    """Print a config, save it, train from the saved file: the run folder and the printed YAML."""
    root = tmp_path_factory.mktemp("runs")
    printed = root / "printed.yaml"
    overrides = [
        *TINY,
        "--model.hops=3",
        "--trainer.max_epochs=1",
        "--trainer.limit_train_batches=4",
        "--trainer.limit_val_batches=2",
        "--trainer.log_every_n_steps=2",
        f"--trainer.default_root_dir={root}",
    ]
    with (
        pytest.raises(SystemExit) as stopped,
        open(printed, "w") as out,
        contextlib.redirect_stdout(out),
    ):
        main(["fit", "--config", str(MELBOURNE), *overrides, "--print_config"])
    assert stopped.value.code in (0, None)
    main(["fit", "--config", str(printed)])
    return {"dir": root / "version_0", "printed": printed, "root": root}


def test_print_config_round_trip(run, capsys):
    printed = yaml.safe_load(run["printed"].read_text())
    assert printed["model"]["hops"] == 3 and printed["data"]["lookback"] == 56
    assert "lookback" not in printed["model"]  # a link target: given once, under data
    assert exit_code(["fit", "--config", str(run["printed"]), "--print_config"]) in (0, None)
    # printing the printed file gives it back: a fixed point
    assert yaml.safe_load(capsys.readouterr().out) == printed
    saved = yaml.safe_load((run["dir"] / "config.yaml").read_text())
    assert saved == printed  # the run from the printed YAML recorded exactly that config


def test_fit_writes_best_and_last_checkpoints_and_csv_metrics(run):
    names = sorted(p.name for p in (run["dir"] / "checkpoints").glob("*.ckpt"))
    assert "last.ckpt" in names and any(n.startswith("best-epoch=0-val_loss=") for n in names)
    logged = pd.read_csv(run["dir"] / "metrics.csv")
    assert {"val_loss", "val_mse", "val_mae"} <= set(logged.columns)
    checkpoint = torch.load(last_checkpoint(run), weights_only=True)
    assert checkpoint["datamodule_hyper_parameters"]["dataset"] == "melbourne_temp"


def test_test_writes_the_protocol_metrics(run):
    cli = lightning_main(from_run("test", run))
    (written,) = run["root"].glob("version_*/test_metrics.json")
    metrics = json.loads(written.read_text())
    assert metrics["protocol"] == "scaled" and metrics["dataset"] == "melbourne_temp"
    assert metrics["ckpt_path"].endswith("last.ckpt")
    assert metrics["test_mse"] == pytest.approx(float(cli.trainer.callback_metrics["test_mse"]))
    assert metrics["test_mse"] == pytest.approx(metrics["test_loss"])  # the loss is the MSE
    # On the standardised test windows, better than repeating the last input value (MAE .66;
    # a constant forecast scores .80, this run .58): scored on that scale, by a trained model.
    windows = list(cli.datamodule.test_dataloader())
    # (W, 1, 1), (W, H, 1): batches of a long memory differ in length, their last steps do not
    last, y = torch.cat([b["x"][:, -1:] for b in windows]), torch.cat([b["y"] for b in windows])
    last_value = (last - y).abs().mean().item()
    assert 0 < metrics["test_mae"] < last_value, (metrics["test_mae"], last_value)


@pytest.fixture(scope="module")
def predictions(run) -> Path:
    """``tsmem predict`` from the run's last checkpoint: the forecasts file it wrote."""
    main(from_run("predict", run))
    (written,) = run["root"].glob("version_*/predictions.csv")
    return written


def test_predict_writes_unscaled_forecasts_with_timestamps(predictions):
    forecast = pd.read_csv(predictions, index_col=0, parse_dates=True)
    # the 7 days after the series' last day, 1990-12-31
    assert list(forecast.index) == list(pd.date_range("1991-01-01", periods=7, freq="D"))
    assert list(forecast.columns) == ["min_temperature"]
    # In degrees C: near the 56 days the model read (mean 13.6, sd 2.8), where standardised
    # values (about 0.6, the series' mean being 11.2 and sd 4.1) would lie 4.5 sd below.
    lookback = load_dataset("melbourne_temp").iloc[-56:]
    assert abs(forecast["min_temperature"].mean() - lookback.mean()) < lookback.std()


def test_a_cli_checkpoint_loads_into_the_estimator(run, predictions):
    from tsmem.estimators import MemNetForecaster

    by_cli = pd.read_csv(predictions, index_col=0, parse_dates=True)["min_temperature"]
    model = MemNetForecaster.from_checkpoint(str(last_checkpoint(run)))
    assert (model.lookback, model.horizon, model.hops) == (56, 7, 3)
    by_estimator = model.predict()
    assert list(by_estimator.index) == list(by_cli.index)
    np.testing.assert_allclose(by_estimator.to_numpy(), by_cli.to_numpy(), rtol=1e-12)
    # A benchmark's scaler comes from its standard split, which data passed in cannot give.
    with pytest.raises(ValueError, match="registered dataset 'melbourne_temp' with its standard"):
        MemNetForecaster.from_checkpoint(str(last_checkpoint(run)), y=by_cli)


def test_an_estimator_checkpoint_loads_back_and_into_lightning(tmp_path):
    from tsmem.estimators import MemNetForecaster
    from tsmem.estimators.memnet_io import EMBEDDED
    from tsmem.training import MemNetModule

    index = pd.date_range("2024-01-01", periods=300, freq="h")
    y = pd.Series(
        np.sin(np.arange(300) * 2 * np.pi / 24) + 0.01 * np.arange(300), index=index, name="load"
    )
    fitted = one_epoch_forecaster(lookback=48, horizon=12, window=12).fit(y)
    path = tmp_path / "model.ckpt"
    fitted.to_checkpoint(str(path))
    expected = fitted.predict()
    pd.testing.assert_series_equal(MemNetForecaster.from_checkpoint(str(path)).predict(), expected)

    module = MemNetModule.load_from_checkpoint(path)  # what `tsmem test/predict --ckpt_path` loads
    x = torch.as_tensor(
        fitted.scaler_.transform([y.to_numpy()[-48:, None]])[0][None], dtype=torch.float32
    )
    torch.testing.assert_close(module.eval()(x).forecast, fitted.module_(x).forecast)

    # Without the embedded history, the training data rebuild scaler and history.
    checkpoint = torch.load(path, weights_only=True)
    del checkpoint[EMBEDDED]
    torch.save(checkpoint, path)
    with pytest.raises(ValueError, match="pass the training data as y"):
        MemNetForecaster.from_checkpoint(str(path))
    pd.testing.assert_series_equal(
        MemNetForecaster.from_checkpoint(str(path), y=y).predict(), expected
    )


def test_test_and_predict_write_beside_the_checkpoints_run_and_say_where(run, predictions, capsys):
    main(from_run("test", run))
    written = run["dir"].resolve() / "test_metrics.json"
    assert f"test: wrote {written}" in capsys.readouterr().out
    assert written.is_file() and predictions.resolve() == run["dir"].resolve() / "predictions.csv"
    # no version folder of their own, and the fit's config and metrics are untouched
    assert [p.name for p in run["root"].glob("version_*")] == ["version_0"]
    assert yaml.safe_load((run["dir"] / "config.yaml").read_text()) == yaml.safe_load(run["printed"].read_text())
    assert "val_loss" in pd.read_csv(run["dir"] / "metrics.csv").columns


def test_output_puts_the_results_in_a_folder_of_ones_choice(run, tmp_path, capsys):
    main(from_run("predict", run, f"--output={tmp_path / 'forecasts'}"))
    written = tmp_path / "forecasts" / "predictions.csv"
    assert f"predict: wrote {written}" in capsys.readouterr().out
    assert list(pd.read_csv(written, index_col=0).columns) == ["min_temperature"]


def test_progress_bars_go_to_stderr_and_stdout_holds_the_results(run, tmp_path, capfd):
    main(from_run("predict", run, "--trainer.enable_progress_bar=true", f"--output={tmp_path}"))
    captured = capfd.readouterr()
    assert "Predicting" in captured.err and "Predicting" not in captured.out
    assert captured.out.strip() == f"predict: wrote {tmp_path / 'predictions.csv'}"


def test_fit_says_where_its_run_went(tmp_path, capsys):
    main(["fit", "--config", str(MELBOURNE), *TINY, "--trainer.max_epochs=1", "--trainer.limit_train_batches=2",
          "--trainer.limit_val_batches=1", "--trainer.log_every_n_steps=1",
          f"--trainer.default_root_dir={tmp_path}"])  # fmt: skip
    out = capsys.readouterr().out
    assert out.startswith(f"fit: wrote {tmp_path / 'version_0'}\n")
    assert str(tmp_path / "version_0" / "checkpoints" / "last.ckpt") in out


def test_output_is_refused_for_fit(tmp_path, capsys):
    argv = ["fit", "--config", str(MELBOURNE), f"--output={tmp_path}", f"--trainer.default_root_dir={tmp_path}"]
    assert exit_code(argv) == 2
    assert "error: --output is for test and predict" in capsys.readouterr().err


def test_commands_show_no_lightning_banner_tip_or_summary(tmp_path, capfd, caplog):
    caplog.set_level("INFO")  # Lightning's messages are log records: pytest catches them here
    main(["fit", "--config", str(MELBOURNE), *TINY, "--trainer.fast_dev_run=1",
          "--trainer.enable_model_summary=true", f"--trainer.default_root_dir={tmp_path}"])  # fmt: skip
    captured = capfd.readouterr()
    shown = captured.out + captured.err + caplog.text
    for noise in ("GPU available", "litlogger", "Params", "stopped", "Seed set"):
        assert noise not in shown


# -- M4 protocol ------------------------------------------------------------------------------
def test_m4_protocol_scores_on_the_original_scale(tmp_path):
    from tsmem.estimators import Naive2
    from tsmem.metrics import m4_scores

    rng = np.random.default_rng(0)
    rows = []
    for sid, level in (("H1", 50.0), ("H2", 500.0), ("H3", 5000.0)):  # unscaling matters
        t = np.arange(200)
        y = level * (1 + 0.3 * np.sin(2 * np.pi * t / 24)) + rng.normal(0, level / 50, 200)
        # Integer steps for ds: MemNetDataModule parses a CSV's ds column only when pandas
        # calls it "object", and pandas 3 calls text "str".
        rows.append(pd.DataFrame({"unique_id": sid, "ds": t, "y": y}))
    long = pd.concat(rows, ignore_index=True)
    long.to_csv(tmp_path / "hourly.csv", index=False)
    cli = lightning_main(
        [
            "test",
            "--config",
            str(MELBOURNE),
            f"--data.dataset={tmp_path / 'hourly.csv'}",
            "--data.fill=null",
            "--data.lookback=48",
            "--data.horizon=24",
            "--data.val_size=24",
            "--data.test_size=24",
            "--model.window=12",
            "--model.stride=12",
            "--model.d_model=8",
            "--test_metrics.protocol=m4",
            "--test_metrics.season_length=24",
            f"--trainer.default_root_dir={tmp_path}",
            *QUIET,
        ]
    )
    (written,) = tmp_path.glob("version_*/test_metrics.json")
    scores = json.loads(written.read_text())
    assert scores["protocol"] == "m4" and scores["n_series"] == 3
    assert scores["test_owa"] == pytest.approx(
        0.5
        * (
            scores["test_smape"] / scores["test_smape_naive2"]
            + scores["test_mase"] / scores["test_mase_naive2"]
        )
    )
    assert float(cli.trainer.callback_metrics["test_smape"]) == pytest.approx(scores["test_smape"])
    # Naive2 scored independently on the raw series: the callback used the right rows, unscaled.
    train = long.groupby("unique_id").head(176)
    naive2 = Naive2(season_length=24).fit(train).predict(horizon=24)
    reference = m4_scores(
        [g.y.to_numpy()[-24:] for _, g in long.groupby("unique_id")],
        [g.y.to_numpy() for _, g in naive2.groupby("unique_id")],
        [g.y.to_numpy() for _, g in train.groupby("unique_id")],
        24,
    )
    assert scores["test_smape_naive2"] == pytest.approx(reference["smape"])
    assert scores["test_mase_naive2"] == pytest.approx(reference["mase"])


@pytest.mark.skipif(
    not os.environ.get("TSMEM_DATA_DIR"), reason="M4 Hourly is a benchmark file: set TSMEM_DATA_DIR"
)
def test_m4_window_scores_reproduce_the_published_seasonal_naive():
    from tsmem.training import MemNetDataModule
    from tsmem.training.callbacks import m4_window_scores

    data = MemNetDataModule("m4_hourly", lookback=48, horizon=48)  # windows() sets it up
    windows = data.windows("test")[list(range(len(data.windows("test"))))]
    seasonal_naive = windows["x"][:, -24:].repeat(1, 2, 1).numpy()  # (414, 48, 1), scaled
    scores = m4_window_scores(
        data, seasonal_naive, windows["series"].numpy(), windows["start"].numpy(), 24
    )
    assert scores["n_series"] == 414
    assert (round(scores["smape"], 3), round(scores["mase"], 3)) == (13.912, 1.193)  # M4's sNaive
    assert (round(scores["smape_naive2"], 3), round(scores["mase_naive2"], 3)) == (18.383, 2.395)
    assert scores["owa"] == pytest.approx(0.627, abs=1e-3)  # published to 3 decimals


# -- bad configs: one error line and exit code 2, before any training -------------------------
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--model.hops=three"],
            "Parser key \"model.hops\":\n  Expected a <class 'int'>. Got value: three",
        ),
        (["--model.lookback=48"], 'Linked "model.lookback" must be given via "data.lookback".'),
        (["--data.dataset=no_such_dataset"], "Unknown dataset 'no_such_dataset'; choose one of"),
        (["--model.output=contextual", "--model.hops=0"], "output='contextual' reads the memory"),
    ],
    ids=["wrong-type", "set-a-link-target", "unknown-dataset", "contradiction"],
)
def test_bad_settings_fail_with_a_clear_message(extra, message, tmp_path, capsys):
    argv = ["fit", "--config", str(MELBOURNE), *extra, f"--trainer.default_root_dir={tmp_path}"]
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert message in err.split("error: ", 1)[1]
    assert "Traceback" not in err and len(err.splitlines()) < 8  # not the 150-line usage
    assert not list(tmp_path.iterdir())  # nothing ran


def test_an_unknown_key_in_a_config_file_fails(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model:\n  hopz: 2\n")
    assert exit_code(["fit", "--config", str(MELBOURNE), "--config", str(bad)]) == 2
    assert "error: Subcommand 'fit' does not accept option 'model.hopz'" in capsys.readouterr().err


def test_a_missing_dataset_file_fails_with_the_registry_message(tmp_path, capsys):
    empty = tmp_path / "data"
    empty.mkdir()
    argv = [
        "fit",
        "--config",
        str(MELBOURNE),
        "--data.dataset=etth1",
        f"--data.data_dir={empty}",
        f"--trainer.default_root_dir={tmp_path / 'runs'}",
    ]
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert "error: FileNotFoundError: Dataset 'etth1' is not bundled" in err
    assert f"looked for {empty / 'ett' / 'ETTh1.csv.gz'}" in err and "TSMEM_DATA_DIR" in err
    assert not (tmp_path / "runs").exists()  # failed before the trainer made a run folder
    missing = tmp_path / "nope.csv"
    assert exit_code(["fit", "--config", str(MELBOURNE), f"--data.dataset={missing}"]) == 2
    err = capsys.readouterr().err
    assert f"error: FileNotFoundError: Data file {missing} does not exist" in err


def test_model_options_are_described_in_help(capsys):
    assert exit_code(["fit", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "--model.hops HOPS Number of attention hops" in out  # a network field (MemNetConfig)
    assert "Peak AdamW learning rate" in out  # a training option (MemNetModule)


def test_every_model_option_has_a_description_in_help(capsys):
    from tsmem.training.module import MemNetModule

    assert exit_code(["fit", "--help"]) == 0
    usage, options_help = capsys.readouterr().out.split("\n\n", 1)  # usage lists names only
    out = " ".join(options_help.split())  # argparse wraps lines
    linked = {"lookback", "horizon", "n_channels", "n_time_features",  # given under --data
              "n_covariates", "n_future_covariates", "n_static"}
    options = [n for n in inspect.signature(MemNetModule.__init__).parameters if n != "self"]
    undescribed = []
    for name in (n for n in options if n not in linked):
        # "--model.hops HOPS Number of attention hops ... (type: int, default: 2)"
        entry = re.search(rf"--model\.{name} (\S+ )?(.*?)\(type:", out)
        if entry is None or len(entry.group(2).split()) < 3:
            undescribed.append(name)
    assert not undescribed, f"--model options without a description in tsmem fit --help: {undescribed}"


def test_a_checkpoint_that_does_not_fit_the_data_settings_is_refused_up_front(run, capsys):
    assert exit_code(from_run("predict", run, "--data.lookback=112")) == 2
    error = capsys.readouterr().err
    assert "data.lookback=112 (the checkpoint was trained with 56)" in error
    assert "config.yaml" in error


def test_a_checkpoint_for_other_channels_is_a_clear_error(run, tmp_path, capsys):
    index = pd.date_range("2024-01-01", periods=200, freq="D")
    two_channels = pd.DataFrame(
        {"a": np.sin(np.arange(200) / 3), "b": np.cos(np.arange(200) / 5)}, index=index
    )
    fitted = one_epoch_forecaster(lookback=56, horizon=7, window=7).fit(two_channels)
    path = tmp_path / "two_channels.ckpt"
    fitted.to_checkpoint(str(path))
    assert exit_code(from_run("test", run, checkpoint=path)) == 2
    error = capsys.readouterr().err
    assert "does not fit the network these settings build" in error
    assert "size mismatch" in error


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")  # torch's note on the hostile file
@pytest.mark.parametrize("kind", ["missing", "directory", "corrupted", "malicious", "model file"])
def test_an_unreadable_checkpoint_is_one_error_line(tmp_path, capsys, kind):
    import pickle

    marker = tmp_path / "ran"
    path = tmp_path / "model.ckpt"
    if kind == "directory":
        path = tmp_path
    elif kind == "corrupted":
        path.write_bytes(b"not a checkpoint")
    elif kind == "malicious":
        class Payload:
            def __reduce__(self):
                return (os.system, (f"touch {marker}",))
        path.write_bytes(pickle.dumps(Payload()))
    elif kind == "model file":
        torch.save({"format": "tsmem.MemNetForecaster", "version": 1}, path)
    expected = {"missing": "does not exist", "directory": "is a directory", "corrupted": "can read",
                "malicious": "never loaded", "model file": "MemNetForecaster.load"}[kind]
    for command in ("test", "predict"):
        with pytest.raises(SystemExit) as stop:
            lightning_main([command, "--ckpt_path", str(path), "--data.dataset", "air_passengers"])
        assert stop.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith(f"tsmem {command}: error: --ckpt_path") and expected in err[-1]
        assert "Traceback" not in "\n".join(err)
    assert not marker.exists()  # the malicious file's code never ran


def test_fit_trains_a_residual_memory_in_two_stages(tmp_path, capsys):
    """The controller alone first, then the run's own fit trains only the memory on it:
    every checkpoint of the run holds the same controller and head, and they are not the
    fresh network's."""
    cli = lightning_main(["fit", "--config", str(MELBOURNE), *TINY, *QUIET, "--model.memory_training=residual",
                          f"--trainer.default_root_dir={tmp_path}", "--trainer.max_epochs=2", "--seed_everything=0"])
    assert "stage 1 of 2 (memory_training=residual), the controller alone: 2 epoch(s), best val_loss" \
        in capsys.readouterr().err
    checkpoints = sorted(tmp_path.rglob("*.ckpt"))
    assert len(checkpoints) >= 2  # best and last
    states = [torch.load(path, map_location="cpu", weights_only=True)["state_dict"] for path in checkpoints]
    frozen = [name for name, p in cli.model.named_parameters() if not p.requires_grad]
    assert frozen and all(name.startswith(("net.controller.", "net.head.", "net.revin.")) for name in frozen)
    fresh = MemNetModule(**{k: v for k, v in cli.model.hparams.items() if not k.startswith("_")})
    fresh_state = fresh.state_dict()
    for name in frozen:
        for state in states:
            torch.testing.assert_close(state[name], states[0][name])  # stage 2 never moved them
    assert any(not torch.equal(states[0][name], fresh_state[name]) for name in frozen)  # stage 1 trained them
    learned = [name for name, p in cli.model.named_parameters() if p.requires_grad]
    assert learned and all(name.startswith(("net.embeddings.", "net.updates.", "net.futures_read.",
                                            "net.log_temperature")) for name in learned)

    # resuming stage 2 trains on from its checkpoint: no stage 1 again, the controller still frozen
    last = next(path for path in checkpoints if path.name == "last.ckpt")
    resumed = lightning_main(["fit", "--config", str(MELBOURNE), *TINY, *QUIET, "--model.memory_training=residual",
                              f"--trainer.default_root_dir={tmp_path / 'resumed'}", "--trainer.max_epochs=3",
                              f"--ckpt_path={last}"])
    assert "stage 1 of 2" not in capsys.readouterr().err
    assert resumed.trainer.current_epoch == 3
    for name, parameter in resumed.model.named_parameters():
        if name in frozen:
            assert not parameter.requires_grad
            torch.testing.assert_close(parameter.detach(), states[0][name])
