"""Fit throughput of the default ``MemNetForecaster`` on the CPU, and its time to accuracy.

Three measurements, in one run, all of the default configuration
(``MemNetForecaster(horizon=H, random_state=0)``, every other setting sized from the data):

(a) **windows per second**: a fit of ``--epochs`` epochs on one long series (ETTh1's
    oil temperature, its first 3,900 hourly steps, H = 24) and on the 100-series sample
    of M4 Hourly that ``experiments/memory.py --n-series 100`` uses (H = 48). A callback
    times each epoch's training batches (first batch's start to last batch's end, so
    data loading and the loop are in) and its validation; windows/s = training windows
    / seconds in training batches. The whole ``fit()`` is timed too; what is neither
    training nor validation is data preparation, Trainer setup and checkpoints.
(b) **where a training step goes**: Lightning's ``SimpleProfiler`` over the same fits,
    per training step: data loading, forward and loss, backward, gradient clipping, the
    AdamW update (``optimizer_step`` less the closure it runs), and the loop's own rest;
    and the validation epoch. Then ``torch.profiler``'s top operators of the forward and
    backward of a few steps on the M4 batches.
(c) **time to accuracy on M4 Hourly** (the same sample): one default fit (its own epoch
    count, early stopping, best weights kept), and at the end of every epoch the test OWA
    of the weights as they are, against the seconds of training so far (the evaluation's
    own time left out); the last row is the fitted estimator's ``predict()``. Beside it,
    NeuralForecast's NHITS on this machine: OWA 0.613 in 223 s (from issue 15; not rerun
    here, and on all 414 series).

OWA is reported two ways: against M4's published Naive2 scores for Hourly (sMAPE 18.383,
MASE 2.395), as ``experiments/memory.py`` does, and against Naive2 on the same series.

Prints the tables and writes them to ``experiments/results/bench_throughput.md``;
``--quick`` (fewer series, steps and epochs: a check that the script runs) writes to the
git-ignored ``runs/experiments/``, ``--results DIR`` anywhere.

Usage::

    TSMEM_DATA_DIR=/work/shared/data OMP_NUM_THREADS=1 python experiments/bench_throughput.py
    TSMEM_DATA_DIR=/work/shared/data python experiments/bench_throughput.py --quick
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch
from pytorch_lightning.profilers import SimpleProfiler

from tsmem import metrics
from tsmem.benchmarks.outputs import results_dir
from tsmem.benchmarks.protocols import M4_NAIVE2, M4Protocol
from tsmem.benchmarks.provenance import git_commit, markdown_table
from tsmem.datasets import load_dataset
from tsmem.estimators import MemNetForecaster
from tsmem.training.windows import batch_loader

ROOT = Path(__file__).resolve().parents[1]
NHITS = (0.613, 223.0)  # NeuralForecast NHITS on M4 Hourly on this machine: OWA, seconds (issue 15)
SEASON = 24


# -- data ----------------------------------------------------------------------------------


def long_series(length: int) -> pd.Series:
    """ETTh1's oil temperature, the first ``length`` hourly steps."""
    return load_dataset("etth1")["OT"].iloc[:length]


def m4_sample(n_series: int, horizon: int = 48) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The train and test frames of ``experiments/memory.py --n-series n_series``."""
    protocol = replace(M4Protocol(name="m4_hourly"), n_series=n_series)
    return protocol.split(horizon)


# -- timing a fit ------------------------------------------------------------------------------


class EpochTimer(pl.Callback):
    """Per epoch: seconds in training batches, training windows and steps, validation seconds."""

    def __init__(self) -> None:
        self.epochs: list[dict[str, float]] = []
        self._first = 0.0
        self.full_windows = 0  # training windows of a whole epoch (limit_train_batches aside)

    def on_train_start(self, trainer, pl_module) -> None:
        self.full_windows = len(trainer.datamodule.windows("train"))

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.epochs.append({"train_s": 0.0, "val_s": 0.0, "windows": 0, "steps": 0})
        self._first = 0.0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if not self._first:
            self._first = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        epoch = self.epochs[-1]
        epoch["train_s"] = time.perf_counter() - self._first
        epoch["windows"] += len(batch["x"])
        epoch["steps"] += 1

    def on_validation_start(self, trainer, pl_module) -> None:
        self._val = time.perf_counter()

    def on_validation_end(self, trainer, pl_module) -> None:
        if self.epochs:  # not the sanity check (there is none by default)
            self.epochs[-1]["val_s"] += time.perf_counter() - self._val


class TestScoreEachEpoch(pl.Callback):
    """After every validation: the test OWA of the weights as they are, and the training seconds.

    The forecast is made from the end of every series of the fit's data (the test origin),
    with the memory open or shut as validation just chose. Its own time is left out.
    """

    def __init__(self, started: float, test: dict, train: dict) -> None:
        self.started, self.test, self.train = started, test, train
        self.points: list[dict[str, float]] = []
        self._spent = 0.0  # seconds spent scoring

    def on_validation_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking:
            return
        begin = time.perf_counter()
        data = trainer.datamodule
        forecast = forecast_from_ends(pl_module, data)  # (S, H)
        ids = data.panel.ids
        scores = m4_scores([self.test[i] for i in ids], list(forecast), [self.train[i] for i in ids])
        self.points.append({
            "epoch": trainer.current_epoch + 1,
            "seconds": begin - self.started - self._spent,
            "val_loss": float(trainer.callback_metrics.get("val_loss", float("nan"))),
            **scores,
        })  # fmt: skip
        self._spent += time.perf_counter() - begin


def forecast_from_ends(module, data) -> np.ndarray:
    """(S, H) forecasts, on the original scale, from the last step of every series."""
    was_training = module.training
    module.eval()
    outputs = []
    with torch.no_grad():
        for batch in batch_loader(data.windows("future"), batch_size=512, shuffle=False):
            outputs.append(module.predict_step(batch, 0).forecast.numpy())
    module.train(was_training)
    scaled = np.concatenate(outputs).astype(np.float64)  # (S, H, C)
    return data.scaler.inverse_transform(scaled, series=np.arange(len(scaled)))[..., 0]


def m4_scores(test: list, forecast: list, train: list) -> dict[str, float]:
    """sMAPE, MASE, OWA against the published Naive2, and OWA against Naive2 on these series."""
    horizon = len(test[0])
    naive2 = [metrics.naive2_forecast(t, horizon, SEASON) for t in train]
    scores = metrics.m4_scores(test, forecast, train, SEASON, naive2)
    return {
        "smape": scores["smape"],
        "mase": scores["mase"],
        "owa": metrics.owa(scores["smape"], scores["mase"], *M4_NAIVE2),
        "owa_same": scores["owa"],
    }


@dataclass
class Fit:
    """A timed fit: the model, its wall seconds, the epoch timer and the profiler's durations."""

    model: MemNetForecaster
    seconds: float
    timer: EpochTimer
    durations: dict[str, list[float]] = field(default_factory=dict)
    extra: list[pl.Callback] = field(default_factory=list)


def timed_fit(
    y, horizon: int, max_epochs: int | None, callbacks=(), profile: bool = False,
    steps: int | None = None,
) -> Fit:
    """Fit the default MemNetForecaster (seeded) with a timer, optionally the profiler, and
    at most ``steps`` training batches per epoch (validation stays whole)."""
    timer = EpochTimer()
    kwargs: dict = {"callbacks": [timer, *callbacks]}
    if steps is not None:
        kwargs["limit_train_batches"] = steps
    profiler = SimpleProfiler() if profile else None
    if profiler is not None:
        kwargs["profiler"] = profiler
    model = MemNetForecaster(
        horizon=horizon, max_epochs=max_epochs, random_state=0, trainer_kwargs=kwargs
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(y)
    seconds = time.perf_counter() - start
    durations = dict(profiler.recorded_durations) if profiler is not None else {}
    return Fit(model, seconds, timer, durations, list(callbacks))


# -- (a) throughput and (b) step breakdown -------------------------------------------------------


def throughput_row(name: str, fit: Fit) -> list[str]:
    epochs = fit.timer.epochs
    windows = sum(e["windows"] for e in epochs)
    train_s = sum(e["train_s"] for e in epochs)
    val_s = sum(e["val_s"] for e in epochs) / len(epochs)
    steps = sum(e["steps"] for e in epochs)
    per_s = windows / train_s
    full = fit.timer.full_windows
    c = fit.model.config_
    return [
        name,
        f"{c.lookback} / {c.window} / {c.stride} / {c.max_slots}",
        f"{c.context_length:,}",
        f"{len(epochs)} × {steps // len(epochs)}",
        f"{1000 * train_s / steps:.1f}",
        f"{per_s:,.0f}",
        f"{full:,}",
        f"{val_s:.1f}",
        f"{full / per_s + val_s:.0f}",
    ]


THROUGHPUT_HEADERS = [
    "data", "lookback / window / stride / max slots", "context steps", "epochs × steps",
    "ms/step", "windows/s", "train windows/epoch", "val s/epoch", "s per full epoch (est.)",
]


def step_breakdown(fit: Fit) -> list[tuple[str, float]]:
    """Mean ms per training step by part, from Lightning's SimpleProfiler (plus validation)."""
    d = fit.durations
    model = type(fit.model.module_).__name__

    def total(suffix: str) -> float:
        return sum(sum(v) for k, v in d.items() if k.endswith(suffix))

    steps = len(d.get(f"[LightningModule]{model}.optimizer_step", [])) or 1
    fetches = [t for k, v in d.items() if k.endswith("].train_dataloader_next") for t in v]
    forward = sum(sum(v) for k, v in d.items() if k.startswith("[Strategy]") and k.endswith(".training_step"))
    backward = sum(sum(v) for k, v in d.items() if k.startswith("[Strategy]") and k.endswith(".backward"))
    clip = total(f"{model}.configure_gradient_clipping")
    zero = total(f"{model}.optimizer_zero_grad")
    opt_step = total(f"{model}.optimizer_step")
    update = opt_step - forward - backward - clip - zero  # the closure runs inside optimizer_step
    epochs = fit.timer.epochs
    per_step = 1000 * sum(e["train_s"] for e in epochs) / sum(e["steps"] for e in epochs)
    parts = [
        ("data loading (next batch)", 1000 * statistics.fmean(fetches)),
        ("forward + loss (training_step)", 1000 * forward / steps),
        ("backward", 1000 * backward / steps),
        ("gradient clipping", 1000 * clip / steps),
        ("zero_grad", 1000 * zero / steps),
        ("AdamW update", 1000 * update / steps),
    ]
    parts.append(("Lightning loop, hooks, LR schedule (the rest)", per_step - sum(p for _, p in parts)))
    parts.append(("= one training step", per_step))
    val = sum(sum(v) for k, v in d.items() if k.startswith("[Strategy]") and k.endswith(".validation_step"))
    val_next = total("].val_next")
    n_epochs = len(epochs)
    parts.append(("validation epoch: forward (memory open and shut)", 1000 * val / n_epochs))
    parts.append(("validation epoch: data loading", 1000 * val_next / n_epochs))
    parts.append(("validation epoch: total", 1000 * statistics.fmean(e["val_s"] for e in epochs)))
    parts.append(("training epoch: total", 1000 * statistics.fmean(e["train_s"] for e in epochs)))
    return parts


def breakdown_table(fits: dict[str, Fit]) -> str:
    columns = {name: dict(step_breakdown(fit)) for name, fit in fits.items()}
    first = next(iter(columns.values()))
    per_step = {name: parts["= one training step"] for name, parts in columns.items()}
    rows = []
    for part in first:
        cells = [part]
        for name, parts in columns.items():
            value = parts[part]
            share = f" ({100 * value / per_step[name]:.0f} %)" if "epoch" not in part and "=" not in part else ""
            cells.append(f"{value:.1f}{share}")
        rows.append(cells)
    return markdown_table(["ms (per step, or per epoch)", *fits], rows)


def operator_table(module, batches: list[dict], top: int = 15) -> str:
    """torch.profiler's operators by self CPU time over training steps on ``batches``.

    The steps are the fit's (forward, loss, backward, clipping, AdamW) in a plain loop, so
    the table shows the network's and the optimizer's operators, not Lightning's.
    """
    module = module.train()
    optimizer = torch.optim.AdamW(module.parameters(), lr=1e-3)
    for batch in batches[:2]:  # warm-up
        _train_step(module, optimizer, batch)
    timed = batches[2:]
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for batch in timed:
            _train_step(module, optimizer, batch)
    events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total = sum(e.self_cpu_time_total for e in events)
    n = len(timed)
    rows = [
        [f"`{e.key}`", f"{e.count / n:g}", f"{e.self_cpu_time_total / 1000 / n:.2f}",
         f"{100 * e.self_cpu_time_total / total:.1f}"]
        for e in events[:top]
    ]
    return markdown_table(["operator", "calls/step", "self ms/step", "% of self CPU"], rows)


def _train_step(module, optimizer, batch) -> None:
    forecast = module(batch["x"], batch.get("time_features")).forecast
    loss = module.loss_fn(forecast, batch["y"])
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
    optimizer.step()


class KeepBatches(pl.Callback):
    """Keep the first ``n`` training batches of a fit, to profile operators on them afterwards."""

    def __init__(self, n: int) -> None:
        self.n, self.batches = n, []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if trainer.current_epoch == 0 and len(self.batches) < self.n:
            self.batches.append({k: v.clone() for k, v in batch.items()})


# -- (c) time to accuracy ------------------------------------------------------------------------


def by_id(frame: pd.DataFrame) -> dict:
    return {i: g.to_numpy() for i, g in frame.groupby("unique_id", sort=False)["y"]}


def accuracy_rows(fit: Fit, curve: TestScoreEachEpoch, test: dict, train: dict) -> list[list[str]]:
    rows = [
        [str(p["epoch"]), f"{p['seconds']:.0f}", f"{p['val_loss']:.4f}", f"{p['smape']:.2f}",
         f"{p['mase']:.3f}", f"{p['owa']:.3f}", f"{p['owa_same']:.3f}"]
        for p in curve.points
    ]
    forecast = fit.model.predict()
    ids = list(test)
    predicted = {i: g.to_numpy() for i, g in forecast.groupby("unique_id", sort=False)[forecast.columns[-1]]}
    final = m4_scores([test[i] for i in ids], [predicted[i] for i in ids], [train[i] for i in ids])
    rows.append([
        f"fitted: best of {fit.model.n_epochs_}", f"{fit.seconds:.0f} (whole fit)",
        f"{fit.model.best_val_loss_:.4f}", f"{final['smape']:.2f}", f"{final['mase']:.3f}",
        f"{final['owa']:.3f}", f"{final['owa_same']:.3f}",
    ])  # fmt: skip
    rows.append(["NHITS (NeuralForecast, issue 15)", f"{NHITS[1]:.0f}", "", "", "", f"{NHITS[0]:.3f}", ""])
    return rows


ACCURACY_HEADERS = ["epoch", "s since fit()", "val_loss", "sMAPE", "MASE", "OWA (M4 Naive2)",
                    "OWA (Naive2, same series)"]


# -- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a check that it runs: small, short")
    parser.add_argument("--epochs", type=int, default=None, help="epochs of the throughput fits")
    parser.add_argument("--n-series", type=int, default=None, help="M4 sample size (default 100)")
    parser.add_argument("--accuracy-epochs", type=int, default=None,
                        help="max_epochs of the time-to-accuracy fit (default: the estimator's own)")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--results", default=None, help="output folder")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    epochs = args.epochs or (1 if args.quick else 2)
    steps = 5 if args.quick else 100  # training batches per epoch of the throughput fits
    n_series = args.n_series or (10 if args.quick else 100)
    length = 1000 if args.quick else 3900
    started, load_before = time.perf_counter(), os.getloadavg()[0]

    # (a) and (b): the throughput fits, profiled.
    one = long_series(length)
    train, test = m4_sample(n_series)
    keep = KeepBatches(4 if args.quick else 12)
    fits = {
        f"one series ({length:,} steps, H=24)": timed_fit(one, 24, epochs, profile=True, steps=steps),
        f"M4 Hourly, {n_series} series (H=48)": timed_fit(
            train, 48, epochs, [keep], profile=True, steps=steps
        ),
    }
    for name, fit in fits.items():
        print(name, throughput_row(name, fit), flush=True)
    # The yardstick: the whole default fit of the long series, end to end.
    whole = timed_fit(one, 24, 2 if args.quick else None)
    whole_windows = sum(e["windows"] for e in whole.timer.epochs)
    whole_text = (
        f"The whole default fit of the one series, end to end: {whole.seconds:.1f} s for "
        f"{whole.model.n_epochs_} epochs ({whole_windows:,} training windows, "
        f"{sum(e['train_s'] for e in whole.timer.epochs):.1f} s in training batches, "
        f"{sum(e['val_s'] for e in whole.timer.epochs):.1f} s validating), best val_loss "
        f"{whole.model.best_val_loss_:.4f}."
    )
    print(whole_text, flush=True)
    operators = operator_table(fits[list(fits)[1]].model.module_, keep.batches)

    # (c): time to accuracy, one default fit scored after every epoch.
    test_by, train_by = by_id(test), by_id(train)
    curve = TestScoreEachEpoch(time.perf_counter(), test_by, train_by)
    accuracy_fit = timed_fit(train, 48, args.accuracy_epochs or (2 if args.quick else None), [curve])
    accuracy = accuracy_rows(accuracy_fit, curve, test_by, train_by)
    elapsed = time.perf_counter() - started

    data_dir = f"TSMEM_DATA_DIR={os.environ['TSMEM_DATA_DIR']} " if os.environ.get("TSMEM_DATA_DIR") else ""
    command = f"{data_dir}OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')} python " + " ".join(
        map(shlex.quote, ["experiments/bench_throughput.py", *(sys.argv[1:] if argv is None else argv)])
    )
    text = "\n".join([
        "# Fit throughput and time to accuracy of the default `MemNetForecaster` (CPU)", "",
        f"Command: `{command}`", "",
        f"Commit {git_commit()}; torch {torch.__version__}, pytorch-lightning {pl.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()} with {os.cpu_count()} logical CPUs "
        f"shared with other jobs (1-minute load average {load_before:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end), `torch.set_num_threads({args.threads})`. "
        f"Total run time {elapsed:.0f} s.",
        "",
        *(["QUICK MODE: small data and one epoch, to check the script; the figures mean nothing.", ""]
          if args.quick else []),
        "\n\n".join(__doc__.split("\n\n")[1:3]), "",
        "## (a) Windows per second (default settings sized from the data)", "",
        f"{epochs} epoch(s) of at most {steps} training batches (batch 64) each, validation whole; "
        "`s per full epoch (est.)` = the epoch's training windows / windows/s + validation.", "",
        markdown_table(THROUGHPUT_HEADERS, [
            *(throughput_row(n, f) for n, f in fits.items()),
            throughput_row(f"M4 Hourly, {n_series} series: the whole epochs of (c)", accuracy_fit),
            throughput_row(f"one series ({length:,} steps): the whole default fit", whole),
        ]), "",
        "The last two rows time every epoch of the (c) fit and of the whole default fit (no "
        "profiler); on a shared machine the rows differ by the load of the moment as much as "
        "by anything else.", "",
        whole_text, "",
        "## (b) Where a training step goes (Lightning's SimpleProfiler over the fits above)", "",
        breakdown_table(fits), "",
        f"Operators of {len(keep.batches) - 2} training steps on the M4 batches "
        "(`torch.profiler`, self CPU time, plain loop):", "",
        operators, "",
        "## (c) Time to accuracy on M4 Hourly", "",
        f"{n_series} series (`experiments/memory.py --n-series {n_series}`'s sample), H = 48, "
        "the default fit; test OWA after each epoch of the weights as they were.", "",
        markdown_table(ACCURACY_HEADERS, accuracy), "",
    ])
    print(text)
    out = results_dir(args.results, args.quick, ROOT)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_throughput.md").write_text(text + "\n")
    print(f"written to {out / 'bench_throughput.md'}")


if __name__ == "__main__":
    main()
