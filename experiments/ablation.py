"""Ablation: which parts of the memory network matter, each factor head to head.

Every variant changes ONE factor of the base model, tsmem's default memory network
(Pearson addressing, retrieved futures read through a gate, slots over the whole
history, gated hops starting as no-ops, 2 hops, linear output), and is trained with
several seeds on the same protocol; the table gives the test MSE/MAE (ETT) or
sMAPE/MASE/OWA (M4) as mean ± std over seeds, plus the validation loss. The
controller alone (hops=0) is the "no memory" reference.

    python experiments/ablation.py etth1 --seeds 0 1 2      # ETTh1 univariate, H = 96 and 336
    python experiments/ablation.py etth2 --seeds 0 1 2      # ETTh2 univariate, H = 96 and 336
    python experiments/ablation.py m4 --seeds 0 1 --n-series 100   # week-long windows, top 10 slots
    python experiments/ablation.py m4 --seeds 0 1 --n-series 100 --train-step 1 --factors noop_start futures_correction loss --tag _every_window
    python experiments/ablation.py etth1 --quick            # minutes

Results go to experiments/results/ablation_memory_<dataset><tag>.csv (resumable) and .md; --quick runs
to the git-ignored runs/experiments/, --results DIR anywhere.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from tsmem.benchmarks.outputs import results_dir
from tsmem.benchmarks.protocols import WindowProtocol
from tsmem.benchmarks.report import runs_section
from tsmem.benchmarks.runner import _header, run_cells
from tsmem.benchmarks.suite import BENCHMARKS
from tsmem.benchmarks.zoo import M4_WEEKS, ModelSpec

BASE = {"futures": True, "memory": "history", "noop_start": True, "addressing": "pearson",
        "hop_update": "gated", "output": "linear", "hops": 2, "futures_correction": False}

#: A level that forces another setting: slots confined to the lookback cannot hold a long
#: horizon's future, so "memory=lookback" reads none (compare it with "futures=False").
COUPLED = {("memory", "lookback"): {"futures": False},
           # a memory that only addresses has one hop (every hop would address alike)
           ("hop_update", "none"): {"hops": 1}}

#: factor -> the levels compared (the base level first)
FACTORS = {
    "futures": [True, False],
    "memory": ["history", "lookback"],
    "noop_start": [True, False],
    "addressing": ["pearson", "learned"],
    "hop_update": ["gated", "additive", "none"],
    "output": ["linear", "nonlinear", "contextual"],
    "hops": [2, 1, 0],
    # a learned linear correction of the read futures (zero at the start)
    "futures_correction": [False, True],
    # the training loss: the protocol's (MSE on ETT, MAE on M4) or a MASE-scaled one
    # (each window's errors divided by its seasonal naive's in-sample error, like M4's MASE);
    # val_loss is in the loss's own units, so compare the test metrics across these levels
    "loss": ["protocol", "mase"],
    # epochs of the controller alone (memory shut, early stopping held) before the memory
    # opens with a fresh learning-rate schedule: the memory starts from a trained controller
    "memory_warmup_epochs": [0, 10],
    # the controller alone trained first (early stopping), then frozen while the memory
    # learns on top of it: the shut memory is that controller exactly
    "memory_training": ["joint", "residual"],
}


def base_network(dataset: str, max_slots: int | None = None) -> dict:
    """The network every variant changes one factor of, on ``dataset``."""
    base = dict(BASE)
    if max_slots:
        base["max_slots"] = max_slots
    if dataset == "m4":
        base.update(M4_WEEKS)  # memory.py's M4 network, so the base is its memnet
    return base


def variants(factors: list[str] | None = None, base: dict | None = None) -> dict[str, ModelSpec]:
    """One spec per distinct configuration of ``base`` (default `BASE`); the base appears once."""
    base = dict(BASE if base is None else base)
    specs = {"base": ModelSpec("base", "neural", dict(base), "default memory network")}
    for factor, levels in FACTORS.items():
        if factors and factor not in factors:
            continue
        for level in levels[1:]:
            name = f"{factor}={'none' if level == () else level}"
            params = base | {factor: level} | COUPLED.get((factor, level), {})
            specs[name] = ModelSpec(name, "neural", params, f"base with {factor} = {level}")
    return specs


def protocol_for(dataset: str, quick: bool, n_series: int | None, data_dir: str | None):
    if dataset in ("etth1", "etth2"):
        protocol = replace(BENCHMARKS[f"{dataset}_univariate"][0], horizons=(96, 336))
    else:
        protocol = replace(BENCHMARKS["m4_hourly"][0], n_series=n_series)
    protocol = replace(protocol, data_dir=data_dir)
    if quick:
        protocol = replace(protocol, neural=replace(protocol.neural, max_epochs=2, patience=1))
        protocol = replace(protocol, horizons=protocol.horizons[:1]) if isinstance(protocol, WindowProtocol) else replace(protocol, n_series=20)
    return protocol


def table(results: pd.DataFrame, metric_names: list[str]) -> str:
    """Mean ± std over seeds per factor level and horizon, grouped by factor."""
    lines = []
    for factor, levels in FACTORS.items():
        names = ["base"] + [f"{factor}={'none' if level == () else level}" for level in levels[1:]]
        labels = [f"{factor}={'none' if level == () else level}" for level in levels]
        rows = results[results.model.isin(names)]
        if rows.model.nunique() < 2:  # a factor not run: its only level would be the base
            continue
        lines += [f"### {factor}", "", "| level | horizon | " + " | ".join(metric_names) + " | val_loss | seeds |",
                  "|---|---|" + "---|" * (len(metric_names) + 2)]
        for name, label in zip(names, labels, strict=True):
            for horizon, group in rows[rows.model == name].groupby("horizon"):
                cells = [f"{group[m].mean():.4f} ± {group[m].std(ddof=1) if len(group) > 1 else 0:.4f}" for m in [*metric_names, "val_loss"]]
                lines.append(f"| {label}{' (base)' if name == 'base' else ''} | {horizon} | " + " | ".join(cells) + f" | {len(group)} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["etth1", "etth2", "m4"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--horizons", nargs="+", type=int, default=None,
                        help="a subset of the protocol's horizons")
    parser.add_argument("--factors", nargs="+", default=None, choices=[*sorted(FACTORS), "none"],
                        help="only these factors (the base always runs; 'none': the base alone)")
    parser.add_argument("--max-slots", type=int, default=None,
                        help="slots every variant reads (default: the network's own)")
    parser.add_argument("--train-step", type=int, default=None,
                        help="steps between training windows (default: the protocol's)")
    parser.add_argument("--allow-dirty", action="store_true", help="see experiments/benchmark.py")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n-series", type=int, default=None, help="M4: a fixed random sample of series")
    parser.add_argument("--tag", default="", help="suffix of the result files, for runs under other "
                        "protocol settings (e.g. _every_window with --train-step 1)")
    parser.add_argument("--results", help="folder for the .csv and .md (default experiments/results; "
                        "with --quick the git-ignored runs/experiments)")
    parser.add_argument("--data-dir", default=os.environ.get("TSMEM_DATA_DIR"))
    args = parser.parse_args(argv)
    protocol = protocol_for(args.dataset, args.quick, args.n_series, args.data_dir)
    if args.horizons:
        protocol = replace(protocol, horizons=tuple(args.horizons))
    if args.train_step:
        protocol = replace(protocol, neural=replace(protocol.neural, train_step=args.train_step))
    base = base_network(args.dataset, args.max_slots)
    folder = results_dir(args.results, args.quick, root=Path(__file__).resolve().parents[1])
    folder.mkdir(parents=True, exist_ok=True)
    # "memory": the ablation of the second memory design (the first one's tables keep their names).
    stem = f"ablation_memory_{args.dataset}{args.tag}" + ("_quick" if args.quick else "")
    csv_path = folder / f"{stem}.csv"
    command = "python experiments/ablation.py " + " ".join(map(shlex.quote, sys.argv[1:] if argv is None else argv))
    run_cells(protocol, variants(args.factors, base), protocol.horizons, args.seeds, csv_path, desc=stem,
              command=command, allow_dirty=args.allow_dirty)
    results = pd.read_csv(csv_path)
    text = "\n".join([
        f"# Ablation on {protocol.name}", "", __doc__.split("\n\n")[1], "",
        _header(command, protocol, args.quick),
        # the base's own settings win over the protocol's neural settings above
        "Base network (every variant changes one of these): "
        + ", ".join(f"{k}={v}" for k, v in base.items()) + ".", "",
        table(results, list(protocol.metrics)),
        *runs_section(results),
    ])
    (folder / f"{stem}.md").write_text(text + "\n")
    print(text + f"\nwritten to {folder / stem}.md and .csv")


if __name__ == "__main__":
    main()
