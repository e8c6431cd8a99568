"""Training-speed benchmark of tsmem's memory network on the CPU.

Measures, in one run:

(a) the time of a training step in the Lightning fit loop (`MemNetModule` + `Trainer`
    with the options `tsmem.training.fitting.fit_best` passes, so what
    `MemNetForecaster.fit` runs) against a hand-written PyTorch loop doing the same
    work: the same model and initial weights, the same loss object, AdamW from
    `MemNetModule.configure_optimizers` at a constant LR, gradient-norm clipping at 1.0,
    and the same pre-built synthetic batches; validation off in both. A step is timed
    from one batch's start to the next's (so everything the loop does in between
    counts); the figure per run is the median step after the warm-up, and the ratio is
    taken within each repeat, the loops run back to back, then the median over repeats
    (robust to other load on a shared machine). Variants: the quiet estimator settings;
    the module as it was before its per-step ``self.log`` was removed; with the CSV
    logger writing every 10 steps (``tsmem fit``); with Lightning's progress bar
    (``verbose=2``).
(b) how the time of one training step (forward + backward + optimizer) grows with
    the number of memory slots N (via the lookback) and with the number of hops K.

Prints the tables and writes them to ``experiments/results/bench_training.md`` and
``.csv`` together with the command, torch/Lightning versions and thread count;
``--quick`` writes to the git-ignored ``runs/experiments/`` instead, and
``--results DIR`` anywhere.

Usage::

    OMP_NUM_THREADS=1 python experiments/bench_training.py --threads 1
    python experiments/bench_training.py --quick --threads 1
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import logging
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger

from tsmem.benchmarks.outputs import results_dir
from tsmem.benchmarks.provenance import git_commit, markdown_table
from tsmem.nn import MemNetConfig
from tsmem.training import MemNetModule
from tsmem.training.fitting import trainer_options

ROOT = Path(__file__).resolve().parents[1]  # the repository: default folders are relative to it
CLIP = 1.0  # fit_best's gradient_clip_val


def make_config(lookback: int, hops: int = 2) -> MemNetConfig:
    """Benchmark model: window 16, stride 8, d 64, gated hops, adjacent tying."""
    return MemNetConfig(
        lookback=lookback, horizon=24, window=16, stride=8, d_model=64, hops=hops, dropout=0.0
    )


def make_batches(n: int, batch_size: int, lookback: int, horizon: int = 24) -> list[dict]:
    """``n`` dict batches (the module's batch contract) of a noisy sine, fixed seed."""
    g = torch.Generator().manual_seed(0)
    t = torch.arange(lookback + horizon, dtype=torch.float32)
    batches = []
    for _ in range(n):
        phase = torch.rand(batch_size, 1, generator=g) * 100
        series = torch.sin((t + phase) / 5) + 0.1 * torch.randn(
            batch_size, lookback + horizon, generator=g
        )
        batches.append({"x": series[:, :lookback, None], "y": series[:, lookback:, None]})
    return batches


class PerStepLogModule(MemNetModule):
    """The module as it was before: ``self.log("train_loss")`` on every training step."""

    def training_step(self, batch, batch_idx):
        loss = super().training_step(batch, batch_idx)
        self.log("train_loss_step", loss, prog_bar=True, batch_size=len(batch["x"]))
        return loss


def new_module(cfg: MemNetConfig, cls: type[MemNetModule] = MemNetModule) -> MemNetModule:
    torch.manual_seed(0)
    return cls.from_config(cfg, lr_schedule="none", learning_rate=1e-3)


# -- (a) Lightning vs bare loop ------------------------------------------------------------


class BareLoop:
    """A hand-written training step on a twin of the benchmark model (same initial weights)."""

    def __init__(self, cfg: MemNetConfig) -> None:
        module = new_module(cfg)
        self.net, self.loss_fn = module.net.train(), module.loss_fn
        self.optimizer = module.configure_optimizers()["optimizer"]

    def step(self, batch: dict) -> None:
        loss = self.loss_fn(self.net(batch["x"]).forecast, batch["y"])
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), CLIP)
        self.optimizer.step()


class Replay:
    """Iterable over pre-built batches (a bare list would read as several dataloaders)."""

    def __init__(self, batches: list[dict]) -> None:
        self.batches = batches

    def __iter__(self):
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


class PairedTimer(pl.Callback):
    """Times every Lightning step and, right after it, the bare loop's step on the same batch.

    Each batch's Lightning step is the time from its start to the next batch's start, less
    the bare step run in between (in ``on_train_batch_end``). The two loops alternate step
    by step, so a change in the machine's load hits both alike.
    """

    def __init__(self, bare: BareLoop) -> None:
        self.bare = bare
        self.starts: list[float] = []
        self.bare_s: list[float] = []
        self.end = 0.0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.starts.append(time.perf_counter())

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        begin = time.perf_counter()
        self.bare.step(batch)
        self.end = time.perf_counter()
        self.bare_s.append(self.end - begin)

    def steps(self, warmup: int) -> tuple[list[float], list[float]]:
        """Seconds of each (Lightning, bare) step after ``warmup``."""
        bounds = [*self.starts, self.end]
        lightning = [b - a - d for a, b, d in zip(bounds[:-1], bounds[1:], self.bare_s, strict=True)]
        return lightning[warmup:], self.bare_s[warmup:]


#: variant -> (module class, verbosity level of fit_best, logger)
VARIANTS = {
    "lightning": (MemNetModule, 0, False),
    "lightning, per-step log (before)": (PerStepLogModule, 0, False),
    "lightning+logger": (MemNetModule, 0, True),
    "lightning+bar": (MemNetModule, 2, False),
}


def paired_run(
    cfg: MemNetConfig, batches: list[dict], warmup: int, variant: str
) -> tuple[list[float], list[float]]:
    """``Trainer.fit`` with fit_best's options, each step paired with the bare loop's.

    Returns the seconds of each step after ``warmup``: Lightning's, and the bare loop's.
    """
    cls, level, logger = VARIANTS[variant]
    module = new_module(cfg, cls)
    timer = PairedTimer(BareLoop(cfg))
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        options = trainer_options(level, max_epochs=1, validate=False) | {
            "accelerator": "cpu",
            "devices": 1,
            "max_steps": len(batches),
            # fit_best's checkpoint (it saves after the last step, outside the timing)
            "callbacks": [ModelCheckpoint(dirpath=folder, monitor=None), timer],
            "default_root_dir": folder,
        }
        if logger:  # the CLI's: a CSV file written every 10 steps
            options |= {"logger": CSVLogger(folder), "log_every_n_steps": 10}
        trainer = pl.Trainer(**options)
        sink = io.StringIO()  # the progress bar is drawn (and costs time) but not shown
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            trainer.fit(module, train_dataloaders=Replay(batches))
    return timer.steps(warmup)


def bench_overhead(batch_sizes, steps, warmup, repeats) -> list[dict]:
    cfg = make_config(lookback=96)
    rows = []
    for bs in batch_sizes:
        batches = make_batches(warmup + steps, bs, cfg.lookback)
        runs: dict[str, list[tuple[list[float], list[float]]]] = {v: [] for v in VARIANTS}
        for _ in range(repeats):
            for variant in VARIANTS:
                runs[variant].append(paired_run(cfg, batches, warmup, variant))
        all_bare = [t for variant_runs in runs.values() for _, bare in variant_runs for t in bare]
        rows.append(_row("bare", bs, cfg, steps, all_bare, [(1.0, 1.0)]))
        for variant, variant_runs in runs.items():
            medians = [(statistics.median(ls), statistics.median(b)) for ls, b in variant_runs]
            rows.append(_row(variant, bs, cfg, steps, [t for ls, _ in variant_runs for t in ls], medians))
    return rows


def _row(variant, batch_size, cfg, steps, step_s: list[float], medians: list[tuple]) -> dict:
    """A table row; ``medians`` are each run's (Lightning, paired bare) median step."""
    sec = statistics.median(step_s)
    ratios = [lightning / bare for lightning, bare in medians]
    return dict(
        section="overhead",
        variant=variant,
        batch_size=batch_size,
        n_slots=cfg.n_slots,
        hops=cfg.hops,
        lookback=cfg.lookback,
        steps=steps,
        seconds=sec * steps,
        samples_per_s=batch_size / sec,
        ms_per_step=1000 * sec,
        ms_per_step_mean=1000 * statistics.fmean(step_s),
        ratio=statistics.median(ratios),
        paired_bare_ms=1000 * statistics.median(bare for _, bare in medians),
        extra_ms=1000 * statistics.median(lightning - bare for lightning, bare in medians),
        ratio_min=min(ratios),
        ratio_max=max(ratios),
    )


# -- (b) scaling with N and K -------------------------------------------------------------


def step_time(cfg: MemNetConfig, batch_size: int, steps: int, warmup: int) -> list[float]:
    """Per-step seconds (forward + backward + AdamW step) of the bare loop."""
    module = new_module(cfg)
    net = module.net.train()
    opt = module.configure_optimizers()["optimizer"]
    batches = make_batches(1, batch_size, cfg.lookback)
    x, y = batches[0]["x"], batches[0]["y"]
    out = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        loss = F.mse_loss(net(x).forecast, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= warmup:
            out.append(time.perf_counter() - t0)
    return out


def bench_scaling(slot_counts, hop_counts, batch_size, steps, warmup, hop_slots=256) -> list[dict]:
    rows = []
    settings = [("slots", n, 2) for n in slot_counts] + [("hops", hop_slots, k) for k in hop_counts]
    for section, n, k in settings:
        lookback = 2 * 16 + (n - 1) * 8  # N = (L - 2w) // s + 1 with w = 16, s = 8
        cfg = make_config(lookback, hops=k)
        assert cfg.n_slots == n
        ts = step_time(cfg, batch_size, steps, warmup)
        sec = statistics.median(ts)
        rows.append(
            dict(
                section=section,
                variant="bare",
                batch_size=batch_size,
                n_slots=n,
                hops=k,
                lookback=lookback,
                steps=steps,
                seconds=sum(ts),
                samples_per_s=batch_size / sec,
                ms_per_step=1000 * sec,
            )
        )
    return rows


# -- report ---------------------------------------------------------------------------------


def report(rows: list[dict], args: argparse.Namespace, command: str, elapsed: float) -> str:
    over = [r for r in rows if r["section"] == "overhead"]
    out = [
        "# Training-speed benchmark (CPU)",
        "",
        f"Command: `{command}`",
        "",
        f"Commit {git_commit()}; torch {torch.__version__}, pytorch-lightning {pl.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()} with {os.cpu_count()} logical "
        f"CPUs shared with other jobs (1-minute load average {args.load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end), `torch.set_num_threads({args.threads})`. "
        f"Total run time {elapsed:.0f} s.",
        "",
        *(["QUICK MODE: tiny sizes and a few steps, to check the script; the figures mean nothing.", ""]
          if args.quick else []),
        "Model: `MemNetConfig(lookback, horizon=24, window=16, stride=8, d_model=64, hops, "
        "dropout=0)` with the other defaults (gated hops, Pearson addressing, RevIN), AdamW at a "
        "constant LR, MSE, synthetic noisy sines built once before timing.",
        "",
        "## (a) Lightning fit loop vs a bare PyTorch loop",
        "",
        "Lookback 96. Both loops: the same model and initial weights, the same loss object, "
        "AdamW from `configure_optimizers`, gradient-norm clipping at 1.0, the same batches in "
        "the same order; validation off in both (a validation epoch is timed in "
        "`bench_throughput.py`). Lightning runs with `fit_best`'s Trainer options "
        "(`tsmem.training.fitting.trainer_options`: no logger, no progress bar or model summary "
        "when quiet, no sanity validation) and its `ModelCheckpoint`. The two loops alternate "
        "step by step in one process: after each Lightning step (in `on_train_batch_end`) the "
        "bare loop runs the same batch on a twin model, so a change in the machine's load hits "
        "both alike. A Lightning step is the time from one batch's start to the next's, less "
        f"the bare step in between. {args.steps} steps after {args.warmup} warm-up steps per run, "
        f"{args.repeats} runs per variant; `vs bare` is the median over runs of "
        "median(Lightning step) / median(bare step) of the run (the range over runs in "
        "brackets); `its bare ms/step` and `extra ms/step` are the medians over runs of the "
        "paired bare step and of the difference. The `bare` row pools every run's bare steps. "
        "`mean ms` is the mean step, periodic costs included (noisier on a shared machine).",
        "",
        "Variants: `lightning` is what `MemNetForecaster.fit` runs; `per-step log (before)` "
        "adds back the `self.log` of the training loss on every step that the module did before "
        "(it now sums the loss in a tensor and logs its mean once per epoch); `+logger` adds "
        "the CSV logger writing every 10 steps (`tsmem fit`'s setting); `+bar` is `verbose=2` "
        "(Lightning's progress bar, drawn into a buffer, and model summary).",
        "",
    ]
    body = []
    for bs in sorted({r["batch_size"] for r in over}):
        by = {r["variant"]: r for r in over if r["batch_size"] == bs}
        for variant in ("bare", *VARIANTS):
            r = by[variant]
            paired = variant != "bare"
            body.append(
                [
                    str(bs),
                    variant,
                    f"{r['ms_per_step']:.2f}",
                    f"{r['ms_per_step_mean']:.2f}",
                    f"{r['samples_per_s']:.0f}",
                    f"{r['paired_bare_ms']:.2f}" if paired else "",
                    f"{r['ratio']:.3f} [{r['ratio_min']:.3f}, {r['ratio_max']:.3f}]",
                    f"{r['extra_ms']:+.2f}" if paired else "",
                ]
            )
    out.append(
        markdown_table(
            ["batch", "loop", "median ms/step", "mean ms", "samples/s", "its bare ms/step",
             "vs bare", "extra ms/step"],
            body,
        )
    )
    ratio = {r["batch_size"]: r["ratio"] for r in over if r["variant"] == "lightning"}
    out += [
        "",
        "Lightning overhead as `MemNetForecaster.fit` runs it (`vs bare − 1`): "
        + ", ".join(f"{100 * (ratio[bs] - 1):+.1f} % at batch {bs}" for bs in sorted(ratio))
        + " (target: at most +10 %).",
        "",
        "## (b) Step time vs slots N and hops K (bare loop)",
        "",
        f"One training step (forward + backward + AdamW), batch {args.scaling_batch}, median "
        f"of {args.scaling_steps} steps after {args.warmup_scaling} warm-up; N grows through "
        "the lookback `L = 2w + (N - 1)s`.",
        "",
    ]
    hop_slots = next(r["n_slots"] for r in rows if r["section"] == "hops")
    for section, label in (("slots", "hops K = 2"), ("hops", f"N = {hop_slots} slots")):
        sec_rows = [r for r in rows if r["section"] == section]
        base = sec_rows[0]
        body = [
            [
                str(r["n_slots"]),
                str(r["hops"]),
                str(r["lookback"]),
                f"{r['ms_per_step']:.2f}",
                f"{r['ms_per_step'] / base['ms_per_step']:.2f}x",
            ]
            for r in sec_rows
        ]
        out += [f"### {label}", "", markdown_table(["N", "K", "lookback", "ms/step", "vs first"], body), ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a seconds-long check: tiny sizes, few steps")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument(
        "--results",
        "--out",
        type=Path,
        help="folder for .md and .csv (default experiments/results; with --quick runs/experiments)",
    )
    args = parser.parse_args(argv)
    args.steps, args.warmup, args.repeats = (5, 2, 1) if args.quick else (200, 20, 3)
    args.scaling_batch, args.scaling_steps, args.warmup_scaling = (
        (4, 3, 1) if args.quick else (16, 15, 3)
    )
    # Quick mode checks that the script runs and reports; its figures mean nothing.
    batch_sizes, slot_counts, hop_counts, hop_slots = (
        ([8, 16], [4, 8, 16], [1, 2], 16) if args.quick else ([32, 256], [64, 256, 1024, 4096], [1, 2, 4, 8], 256)
    )

    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *(argv or sys.argv[1:])])
    if os.environ.get("OMP_NUM_THREADS"):
        command = f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']} {command}"

    t0, args.load = time.perf_counter(), os.getloadavg()[0]
    rows = bench_overhead(batch_sizes, args.steps, args.warmup, args.repeats)
    rows += bench_scaling(
        slot_counts,
        hop_counts,
        args.scaling_batch,
        args.scaling_steps,
        args.warmup_scaling,
        hop_slots,
    )
    text = report(rows, args, command, time.perf_counter() - t0)
    print(text)

    folder = results_dir(args.results, args.quick, root=ROOT)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench_training.md").write_text(text + "\n")
    with open(folder / "bench_training.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"written to {folder / 'bench_training.md'} and .csv")


if __name__ == "__main__":
    main()
