"""The benchmark protocols reproduce known figures; the runner resumes; the report selects on validation."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from tsmem import metrics
from tsmem.benchmarks import neural, report, runner
from tsmem.benchmarks.protocols import WindowProtocol
from tsmem.benchmarks.published import m4_published
from tsmem.benchmarks.runner import run
from tsmem.benchmarks.suite import BENCHMARKS
from tsmem.benchmarks.zoo import get_model, variant

needs_data = pytest.mark.skipif(
    not os.environ.get("TSMEM_DATA_DIR"), reason="set TSMEM_DATA_DIR to the benchmark data folder to check the protocols"
)


def data_file(*parts: str) -> Path:
    return Path(os.environ["TSMEM_DATA_DIR"], *parts)


@needs_data
@pytest.mark.parametrize("model", ["naive", "seasonal_naive"])
def test_etth1_univariate_protocol_scores_every_test_origin(model):
    protocol = replace(BENCHMARKS["etth1_univariate"][0], data_dir=os.environ["TSMEM_DATA_DIR"])
    scores = protocol.evaluate(get_model(model), horizon=24, seed=0)
    # The Informer protocol read by hand from the raw file: rows [0, 8640) train, [11520, 14400)
    # test, OT standardised with the training rows' mean and std, every test origin (stride 1).
    ot = pd.read_csv(data_file("ett", "ETTh1.csv.gz"))["OT"].to_numpy()[:14400]
    scaled = (ot - ot[:8640].mean()) / ot[:8640].std()
    origins = np.arange(11520 - 1, 14400 - 24)  # the last input row of each window
    actual = np.stack([scaled[o + 1 : o + 25] for o in origins])
    if model == "naive":
        forecast = np.repeat(scaled[origins][:, None], 24, axis=1)
    else:
        forecast = np.stack([scaled[o - 23 : o + 1] for o in origins])  # the last day, again
    assert scores["n_windows"] == len(origins) == 2880 - 24 + 1
    # Naive forecasts are deterministic: the scores are exactly these (design.md quotes .034, .046).
    assert scores["mse"] == pytest.approx(np.mean((actual - forecast) ** 2), rel=1e-9)
    assert scores["mae"] == pytest.approx(np.mean(np.abs(actual - forecast)), rel=1e-9)


@needs_data
def test_lstnet_protocol_scores_the_last_step_of_every_test_target():
    protocol = replace(BENCHMARKS["exchange_rate"][0], data_dir=os.environ["TSMEM_DATA_DIR"])
    scores = protocol.evaluate(get_model("naive"), horizon=3, seed=0)
    # LSTNet's protocol by hand: split 60/20/20, every test row a target, forecast 3 rows ahead
    # of its origin, RSE and CORR on the original scale. Deterministic, so exactly these.
    rates = pd.read_csv(data_file("lstnet", "exchange_rate.txt.gz"), header=None).to_numpy()
    targets = np.arange(int(0.8 * len(rates)), len(rates))
    assert scores["n_windows"] == len(targets) == 7588 - 6070
    assert scores["rse"] == pytest.approx(metrics.rse(rates[targets], rates[targets - 3]), rel=1e-9)
    assert scores["corr"] == pytest.approx(metrics.corr(rates[targets], rates[targets - 3]), rel=1e-9)


@needs_data
def test_m4_protocol_reproduces_seasonal_naive():
    protocol = replace(BENCHMARKS["m4_hourly"][0], data_dir=os.environ["TSMEM_DATA_DIR"])
    scores = protocol.evaluate(get_model("seasonal_naive"), horizon=48, seed=0)
    # The competition's own sNaive scores on Hourly, given to 3 decimals (13.912 / 1.193 / .627).
    published = m4_published(os.environ["TSMEM_DATA_DIR"]).loc["sNaive"]
    assert (round(scores["smape"], 3), round(scores["mase"], 3)) == (published.smape, published.mase)
    assert scores["owa"] == pytest.approx(published.owa, abs=1e-3)  # computed from the rounded inputs


@needs_data
def test_runner_resumes_without_redoing_cells(tmp_path):
    first = run("etth1_univariate", ["naive"], results_dir=tmp_path, quick_mode=True, data_dir=os.environ["TSMEM_DATA_DIR"])
    rows = pd.read_csv(tmp_path / "etth1_univariate_quick.csv")
    run("etth1_univariate", ["naive", "seasonal_naive"], results_dir=tmp_path, quick_mode=True, data_dir=os.environ["TSMEM_DATA_DIR"])
    again = pd.read_csv(tmp_path / "etth1_univariate_quick.csv")
    assert len(rows) == 1 and len(again) == 2 and list(again.model) == ["naive", "seasonal_naive"]
    assert "naive" in first.read_text() and "Published" in first.read_text()


def test_memnet_best_is_chosen_by_validation_loss_not_test():
    results = pd.DataFrame({
        "model": ["memn2n", "gmemn2n", "memn2n", "gmemn2n", "naive"],
        "horizon": [24, 24, 48, 48, 24],
        "seed": [0, 0, 0, 0, 0],
        "mse": [0.50, 0.10, 0.20, 0.30, 0.40],  # test: gmemn2n wins h=24, memn2n wins h=48
        "val_loss": [0.1, 0.2, 0.3, 0.1, np.nan],  # validation says the opposite
        "fitted": [None] * 5,
    })
    best = report.with_memnet_best(results)
    picked = best[best.model == "memnet_best"].set_index("horizon")
    assert picked.loc[24, "fitted"] == "memn2n" and picked.loc[24, "mse"] == 0.50
    assert picked.loc[48, "fitted"] == "gmemn2n" and picked.loc[48, "mse"] == 0.30


def test_ablation_varies_one_factor_at_a_time():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "experiments" / "ablation.py"
    spec = importlib.util.spec_from_file_location("ablation", path)
    ablation = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ablation)
    variants = ablation.variants()
    base = variants.pop("base").params
    for name, spec in variants.items():
        factor, level = name.split("=", 1)
        changed = {k for k in base.keys() | spec.params.keys() if spec.params.get(k) != base.get(k)}
        # One factor, plus only the settings the ablation declares that level forces.
        forced = {k for (f, lv), extra in ablation.COUPLED.items() if f == factor and str(lv) == level
                  for k in extra}
        assert changed - forced == {factor}, (name, changed)


# -- provenance: which code made each row, what the published rows differ in, seeds ---------------
def cells(**columns) -> pd.DataFrame:
    base = {"model": ["naive", "gru", "gru"], "horizon": [24, 24, 24], "seed": [0, 0, 1], "mse": [0.03, 0.02, 0.04],
            "mae": [0.1, 0.1, 0.1], "val_loss": [np.nan, 0.5, 0.6], "seconds": [1.0, 2.0, 2.0], "fitted": [None] * 3,
            "command": ["tsmem benchmark"] * 3,
            "commit": ["f5438a5", "35be9f0 (tsmem/ had uncommitted changes)", "f5438a5"]}
    return pd.DataFrame(base | columns)


def table_rows(text: str, section: str) -> dict[str, str]:
    """The rows of the table under ``## <section>``, by their first cell."""
    part = text.split(f"## {section}")[1].split("\n## ")[0]
    return {line.split(" | ")[0].strip("| "): line for line in part.splitlines() if line.startswith("| ")}


def test_report_names_the_commits_of_each_row_and_stars_uncommitted_code():
    text = report.markdown("etth1_univariate", cells(), ["mse", "mae"], "", None, 336, (24, 48, 168, 336, 720))
    rows = table_rows(text, "Results")
    assert rows["naive"].endswith("| f5438a5 |")
    assert rows["gru"].endswith("| 35be9f0*, f5438a5 |")  # both commits, the dirty one starred
    assert "* = with uncommitted changes in tsmem/" in text


def test_published_rows_say_what_differs_from_the_protocol():
    uni = report.markdown("etth1_univariate", cells(), ["mse", "mae"], "", None, 336, (24, 48, 168, 336, 720))
    multi = report.markdown("etth1_multivariate", cells(), ["mse", "mae"], "", None, 336, (96, 192, 336, 720))
    assert "same protocol" not in uni + multi
    line = table_rows(uni, "Published") | table_rows(multi, "Published")
    assert "lookback not stated" in line["ARIMA (Informer paper)"] and "lookback not stated" in line["S4 (published)"]
    assert "horizons 96, 192, 336, 720: only 336, 720 overlap ours" in line["PatchTST/42 (published)"]
    assert "lookback 512 (ours 336)" in line["PatchTST/64 (published)"]
    assert "same split, lookback and horizons" in line["DLinear (published)"]  # the multivariate one, L = 336
    assert "lookback not stated" in line["RAFT (published)"] and "averaged over H" in line["RAFT (published)"]


def test_report_says_which_seed_spreads_kept_the_batch_order_of_seed_0():
    before = report.markdown("etth1_univariate", cells(), ["mse"], "", None, 336, (24,))
    assert "only the initialisation varied (gru)" in before
    after = report.markdown("etth1_univariate", cells(shuffle_seed=[np.nan, 0, 1]), ["mse"], "", None, 336, (24,))
    assert "only the initialisation varied" not in after


class StopCell(Exception):
    pass


def test_a_seed_sets_the_order_of_the_training_batches_too(monkeypatch):
    protocol = WindowProtocol(name="sunspots", dataset="sunspots", target=None, horizons=(6,), lookback=24,
                              season_length=12)  # a bundled file: no data folder needed
    first_batch = {}

    def train(data, settings, overrides, seed):  # stands in for training: keeps the first batch
        first_batch.setdefault(seed, []).append(next(iter(data.train_dataloader()))["x"])
        raise StopCell

    monkeypatch.setattr(neural, "train", train)
    for seed in (1, 2, 1):
        with pytest.raises(StopCell):
            protocol.evaluate(get_model("gru"), horizon=6, seed=seed)
    assert torch.equal(*first_batch[1])  # reproducible ...
    assert not torch.equal(first_batch[1][0], first_batch[2][0])  # ... and seeded by the cell's seed


class OneMetric:
    """A protocol stand-in: counts the cells it evaluates."""

    metrics = ("mse",)

    def __init__(self):
        self.calls = 0

    def evaluate(self, spec, horizon, seed):
        self.calls += 1
        return {"mse": 0.5}


def test_runner_refuses_uncommitted_code_for_the_tracked_results(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "git_commit", lambda: "abc1234 (tsmem/ had uncommitted changes)")
    monkeypatch.setattr(runner, "_is_tracked", lambda folder: folder == tmp_path)
    protocol, specs = OneMetric(), {"naive": get_model("naive")}
    with pytest.raises(runner.DirtyTreeError, match="--allow-dirty"):
        runner.run_cells(protocol, specs, [24], [0], tmp_path / "b.csv", desc="b")
    assert protocol.calls == 0 and not (tmp_path / "b.csv").exists()
    (tmp_path / "scratch").mkdir()
    runner.run_cells(protocol, specs, [24], [0], tmp_path / "scratch" / "b.csv", desc="b")  # elsewhere: fine
    runner.run_cells(protocol, specs, [24], [0], tmp_path / "b.csv", desc="b", allow_dirty=True)
    assert pd.read_csv(tmp_path / "b.csv").commit.tolist() == ["abc1234 (tsmem/ had uncommitted changes)"]


def test_runner_adds_new_columns_to_an_older_results_file(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "git_commit", lambda: "abc1234")
    older = tmp_path / "b.csv"
    pd.DataFrame({"model": ["naive"], "horizon": [24], "seed": [0], "mse": [0.25], "commit": ["0ld0ld0"]}).to_csv(
        older, index=False)
    runner.run_cells(OneMetric(), {"seasonal_naive": get_model("seasonal_naive")}, [24], [0], older, desc="b")
    rows = pd.read_csv(older)
    assert rows.model.tolist() == ["naive", "seasonal_naive"] and rows.mse.tolist() == [0.25, 0.5]
    assert rows.commit.tolist() == ["0ld0ld0", "abc1234"] and "shuffle_seed" in rows


def test_a_neural_ensemble_takes_the_median_of_its_members_each_seeded_apart(monkeypatch):
    from types import SimpleNamespace

    seeds, levels = [], {"mse": 1.0, "mae": 5.0, "huber": 2.0}  # one member goes astray

    def train(data, settings, member, seed):
        seeds.append(seed)
        return member["loss"], SimpleNamespace(best_val_loss=levels[member["loss"]], n_epochs=3)

    def predict_origins(module, data, origins, series=None):
        return np.full((len(origins), 4, 1), levels[module])

    monkeypatch.setattr(neural, "train", train)
    monkeypatch.setattr(neural, "predict_origins", predict_origins)
    members = [{"loss": "mse"}, {"loss": "mae"}, {"loss": "huber"}]
    forecast, summary = neural.ensemble_origins(None, None, members, seed=2, origins=np.arange(7))
    assert forecast.shape == (7, 4, 1) and np.all(forecast == 2.0)  # the median, not the mean (2.67)
    assert seeds == [200, 201, 202]
    assert np.isnan(summary["val_loss"]) and summary["epochs"] == "3+3+3"  # MSE, MAE, Huber: no common unit
    _, summary = neural.ensemble_origins(None, None, [{"loss": "mae"}] * 2, seed=0, origins=np.arange(7))
    assert summary["val_loss"] == 5.0


def test_a_median_of_any_models_is_the_per_step_median_of_their_forecasts(monkeypatch):
    from tsmem.benchmarks.protocols import M4Protocol
    from tsmem.benchmarks.zoo import ModelSpec

    rng = np.random.default_rng(0)
    rows = [(f"S{k}", t, 10 + k + np.sin(t * 2 * np.pi / 24) + rng.normal(0, 0.3)) for k in range(3) for t in range(120)]
    frame = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    test = frame.groupby("unique_id", sort=False).tail(12)
    protocol = M4Protocol("tiny", horizons=(12,))
    monkeypatch.setattr(M4Protocol, "split", lambda self, horizon: (frame.drop(test.index), test))
    members = [get_model(name) for name in ("naive", "seasonal_naive", "naive2")]
    spec = ModelSpec("median", "median", {"members": members})
    train = frame.drop(test.index)
    alone = [np.stack(protocol.forecast(m, train, 12, seed=0)[0]) for m in members]
    median, extra = protocol._median(spec, train, 12, seed=0)
    np.testing.assert_allclose(np.stack(median), np.median(np.stack(alone), axis=0))
    assert not np.allclose(np.stack(median), np.mean(np.stack(alone), axis=0))  # the median, not the mean
    assert extra["fitted"] == "median of naive; seasonal_naive; naive2"
    assert "epochs" not in extra  # the median itself trained no epochs (the CSV's epochs column stays empty)
    scores = protocol.evaluate(spec, 12, seed=0)
    assert scores["n_windows"] == 3 and np.isfinite(scores["owa"])
    # a neural member's validation loss and epochs are named beside it, not in the epochs column
    real_forecast = M4Protocol.forecast

    def forecast(self, member, train, horizon, seed):
        forecast, extra = real_forecast(self, member, train, horizon, seed)
        return forecast, (extra | {"val_loss": 0.12345, "epochs": 7} if member.name == "naive" else extra)

    monkeypatch.setattr(M4Protocol, "forecast", forecast)
    _, extra = protocol._median(spec, train, 12, seed=0)
    assert extra["fitted"] == "median of naive (val_loss 0.1235, epochs 7); seasonal_naive; naive2"
    with pytest.raises(ValueError, match="M4 protocols only"):
        BENCHMARKS["etth1_univariate"][0].evaluate(spec, 24, seed=0)


def test_a_variant_changes_only_the_settings_it_names():
    spec = variant("memn2n_probe", "memn2n", ["ar_window=336", "learning_rate=1e-4", 'temporal_encoding=["learned"]',
                                              "controller=lstm"])
    base = get_model("memn2n").params
    assert spec.kind == "neural" and spec.name == "memn2n_probe"
    assert spec.params == base | {"ar_window": 336, "learning_rate": 1e-4, "temporal_encoding": ["learned"],
                                  "controller": "lstm"}
    assert spec.description.startswith("memn2n with ar_window=336, learning_rate=0.0001")


@pytest.mark.parametrize(("base", "settings", "message"), [
    ("naive", ["window=3"], "only neural models"),
    ("memn2n", ["ar_window"], "not KEY=VALUE"),
    ("memn2n", ["=3"], "not KEY=VALUE"),
])
def test_a_variant_refuses_what_it_cannot_build(base, settings, message):
    with pytest.raises(ValueError, match=message):
        variant("probe", base, settings)


def test_a_variant_may_not_take_a_zoo_models_name():
    with pytest.raises(ValueError, match="zoo model already"):
        variant("gru", "memn2n", ["ar_window=336"])


def test_benchmark_runs_only_its_variants_at_the_asked_horizons_into_tagged_files(tmp_path, monkeypatch):
    seen = []

    def evaluate(self, spec, horizon, seed):
        seen.append((spec.name, horizon, spec.params.get("ar_window")))
        return {"mse": 0.5, "mae": 0.5, "val_loss": 0.1, "seconds": 1.0}

    monkeypatch.setattr(WindowProtocol, "evaluate", evaluate)
    probe = variant("memn2n_ar", "memn2n", ["ar_window=336"])
    md = run("etth1_univariate", seeds=[0], results_dir=tmp_path, horizons=[168, 24], variants=[probe], tag="_probes")
    assert seen == [("memn2n_ar", 24, 336), ("memn2n_ar", 168, 336)]  # the protocol's order, only the variant
    assert md == tmp_path / "etth1_univariate_probes.md" and (tmp_path / "etth1_univariate_probes.csv").exists()
    assert "- `memn2n_ar`: memn2n with ar_window=336." in md.read_text()


def test_benchmark_refuses_unknown_settings_and_horizons_before_any_cell(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(WindowProtocol, "evaluate", lambda *args: pytest.fail("a cell ran"))
    for argv, message in [
        (["--variant", "probe", "memn2n", "ar_windw=336"], "unknown network setting(s) ['ar_windw']"),
        (["--variant", "probe", "naive", "window=3"], "only neural models take settings"),
        (["--variant", "probe"], "--variant takes NAME BASE"),
        (["--horizons", "25"], "has horizons [24, 48, 168, 336, 720]; not [25]"),
    ]:
        with pytest.raises(SystemExit) as stop:
            runner.main(["etth1_univariate", "--results", str(tmp_path), *argv])
        assert stop.value.code == 2 and message in capsys.readouterr().err
    assert not list(tmp_path.glob("*.csv"))
