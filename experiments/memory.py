"""Does the memory earn its place? The default memory network against its controller alone.

For each dataset, these models on the standard protocol, the neural ones with the same
settings except the memory:

- ``memnet``: tsmem's default memory network (Pearson addressing, retrieved futures
  through a per-step gate, slots over the whole history, no-op start, memory kept only
  where it scores better on validation);
- ``memnet_md``: the same with ``memory_dropout=0.5`` (half the training samples are
  forecast without memory by a solo head, so shutting the memory is a real option);
- ``memnet_fc``: the same with ``futures_correction=True`` (the read futures pass
  through a learned linear correction, zero at the start);
- ``memnet_open``: the same with ``noop_start=False`` (the hops and the futures gate start
  half open instead of almost shut; the ablation found this better on M4 Hourly);
- ``memnet_warm``: the same with ``memory_warmup_epochs=10`` (the controller alone for
  half the epochs, early stopping held, then the memory opens with a fresh schedule);
- ``memnet_residual``: the same with ``memory_training="residual"`` (the controller alone
  trained to early stopping, then frozen while the memory learns on top of it);
- ``memnet_futures``: the same with ``hop_update="none"`` and one hop (the memory only
  addresses and reaches the forecast through the retrieved futures; the controller's state
  is never changed), and ``memnet_futures_residual`` that memory trained on top of a
  frozen controller (``memory_training="residual"``);
- ``memnet_long``: the same with 512 slots a day apart (``stride=24``; the whole history
  at test time) instead of 128 slots half a day apart;
- ``memnet_ensemble``: the median of three default memory networks trained with
  different losses (N-BEATS' recipe: the median over members that differ in loss and
  seed; ETT: MSE, MAE, Huber; M4: MAE, MASE, Huber), at three times the cost;
- ``mixed_median`` (M4 only): the median per step of three different models, ``memnet``
  (trained with the same seed), ``analog`` and tsmem's default ``AutoARIMA``
  (``EnsembleForecaster(aggregate="median")``'s rule; ``bench_statistical.py`` combines the
  statistical models alone the same way);
- ``memnet_best``: per horizon and seed, whichever memory variant run has the lower
  validation loss (the test split is read once, for the chosen one);
- ``gru``: the same network with ``hops=0`` (no memory at all);
- ``analog``: the non-learned floor, the past windows most correlated with the last one
  and what followed them (:class:`tsmem.estimators.Analog`).

Per dataset the settings differ only where the data does: ETT uses the protocol's daily
windows (24 steps, stride 12), 128 slots (64 days) and every second training window
(all neural rows alike, to fit the CPU budget); M4 Hourly reads week-long
windows (168 steps, stride 24) and its ten best analogues (``top_k=10``), as the
analog floor does. Tables give mean ± std over seeds and the seconds per cell.

    python experiments/memory.py etth1 --seeds 0 1 2        # H = 96, 336, 720
    python experiments/memory.py etth2 --seeds 0 1 2
    python experiments/memory.py m4 --seeds 0 1 2           # all 414 series, H = 48
    python experiments/memory.py etth1 --quick              # one horizon, 2 epochs

Results go to experiments/results/memory_<dataset>.csv (resumable) and .md; --quick runs
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
from tsmem.benchmarks.report import runs_section
from tsmem.benchmarks.runner import _header, run_cells
from tsmem.benchmarks.suite import BENCHMARKS
from tsmem.benchmarks.zoo import M4_WEEKS, MODELS, ModelSpec

#: Per dataset: the losses of the ensemble's members (scale-free ones on M4, whose series
#: are standardised one by one: an sMAPE of standardised values would be meaningless).
ENSEMBLE_LOSSES = {"etth1": ("mse", "mae", "huber"), "etth2": ("mse", "mae", "huber"),
                   "m4": ("mae", "mase", "huber")}

#: Per dataset: the benchmark, the horizons, and what its networks read.
SETTINGS = {
    "etth1": ("etth1_univariate", (96, 336, 720), {"max_slots": 128}),
    "etth2": ("etth2_univariate", (96, 336, 720), {"max_slots": 128}),
    "m4": ("m4_hourly", (48,), M4_WEEKS),
}


#: The memory that only addresses: one hop, the controller's state unchanged, the futures read.
FUTURES_ONLY = {"hop_update": "none", "hops": 1}


def specs(network: dict, losses: tuple[str, ...]) -> dict[str, ModelSpec]:
    """The models compared, the neural ones sharing ``network``."""
    members = [network | {"loss": loss} for loss in losses]
    memnet = ModelSpec("memnet", "neural", dict(network), "the default memory network")
    return {
        "mixed_median": ModelSpec("mixed_median", "median", {"members": [memnet, MODELS["analog"], MODELS["autoarima"]]},
                                  "median of memnet, analog and AutoARIMA (M4 only)"),
        "analog": MODELS["analog"],
        "gru": ModelSpec("gru", "neural", network | {"hops": 0}, "the controller alone (hops=0)"),
        "memnet": memnet,
        "memnet_md": ModelSpec("memnet_md", "neural", network | {"memory_dropout": 0.5},
                               "memory dropout 0.5 with a solo head"),
        "memnet_fc": ModelSpec("memnet_fc", "neural", network | {"futures_correction": True},
                               "the read futures corrected by a learned linear map"),
        "memnet_open": ModelSpec("memnet_open", "neural", network | {"noop_start": False},
                                 "the memory open from the start (no no-op start)"),
        "memnet_warm": ModelSpec("memnet_warm", "neural", network | {"memory_warmup_epochs": 10},
                                 "the controller alone for 10 epochs, then the memory opens"),
        "memnet_residual": ModelSpec("memnet_residual", "neural", network | {"memory_training": "residual"},
                                     "the controller trained first, then frozen under the memory"),
        "memnet_futures": ModelSpec("memnet_futures", "neural", network | FUTURES_ONLY,
                                    "one hop that only addresses; the memory acts through the futures"),
        "memnet_futures_residual": ModelSpec(
            "memnet_futures_residual", "neural", network | FUTURES_ONLY | {"memory_training": "residual"},
            "the futures-only memory trained on top of the frozen controller"),
        "memnet_long": ModelSpec("memnet_long", "neural", network | {"max_slots": 512, "stride": 24},
                                 "512 slots a day apart (the whole history at test time)"),
        "memnet_ensemble": ModelSpec("memnet_ensemble", "neural_ensemble", {"members": members},
                                     "median of default memory networks trained with losses " + ", ".join(losses)),
    }


#: The memory variants ``memnet_best`` chooses among (on validation).
MEMORY_VARIANTS = ["memnet", "memnet_md", "memnet_fc", "memnet_open", "memnet_residual", "memnet_futures",
                   "memnet_futures_residual"]


def with_best(results: pd.DataFrame) -> pd.DataFrame:
    """Add ``memnet_best`` rows: per horizon and seed, the memory variant with the lower val_loss."""
    variants = results[results.model.isin(MEMORY_VARIANTS)]
    if variants.empty:
        return results
    best = variants.loc[variants.groupby(["horizon", "seed"]).val_loss.idxmin()].assign(model="memnet_best")
    return pd.concat([results, best], ignore_index=True)


def table(results: pd.DataFrame, metric_names: list[str]) -> str:
    """Mean ± std over seeds per model and horizon, with seconds per cell."""
    lines = ["| model | horizon | " + " | ".join(metric_names) + " | val_loss | seconds | seeds |",
             "|---|---|" + "---|" * (len(metric_names) + 3)]
    for (horizon, model), group in results.groupby(["horizon", "model"], sort=True):
        cells = []
        for m in [*metric_names, "val_loss"]:
            values = pd.to_numeric(group[m], errors="coerce").dropna()
            spread = values.std(ddof=1) if len(values) > 1 else 0.0
            cells.append(f"{values.mean():.4f} ± {spread:.4f}" if len(values) else "")
        lines.append(f"| {model} | {horizon} | " + " | ".join(cells)
                     + f" | {group['seconds'].mean():.0f} | {len(group)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=sorted(SETTINGS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--horizons", nargs="+", type=int, default=None)
    parser.add_argument("--models", nargs="+", default=None, choices=["analog", "gru", "memnet", "memnet_md", "memnet_fc", "memnet_open", "memnet_warm", "memnet_residual", "memnet_futures", "memnet_futures_residual", "memnet_long",
                                 "memnet_ensemble", "mixed_median"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tag", default="", help="suffix of the result files, for runs beside the "
                        "main table (e.g. _futures)")
    parser.add_argument("--n-series", type=int, default=None, help="M4: a fixed random sample of series")
    parser.add_argument("--results", help="folder for the .csv and .md (default experiments/results; "
                        "with --quick the git-ignored runs/experiments)")
    parser.add_argument("--data-dir", default=os.environ.get("TSMEM_DATA_DIR"))
    parser.add_argument("--allow-dirty", action="store_true", help="see experiments/benchmark.py")
    args = parser.parse_args(argv)

    benchmark, horizons, network = SETTINGS[args.dataset]
    protocol = replace(BENCHMARKS[benchmark][0], data_dir=args.data_dir)
    horizons = tuple(args.horizons or horizons)
    protocol = replace(protocol, horizons=horizons)  # the report states the horizons run
    if args.n_series is not None and hasattr(protocol, "n_series"):
        protocol = replace(protocol, n_series=args.n_series)
    if args.dataset.startswith("etth"):  # every second training window (see the docstring)
        protocol = replace(protocol, neural=replace(protocol.neural, train_step=2))
    if args.quick:
        protocol = replace(protocol, neural=replace(protocol.neural, max_epochs=2, patience=1))
        horizons = horizons[:1]
        if hasattr(protocol, "n_series"):
            protocol = replace(protocol, n_series=20)
    models = specs(network, ENSEMBLE_LOSSES[args.dataset])
    if args.models:
        models = {name: spec for name, spec in models.items() if name in args.models}

    folder = results_dir(args.results, args.quick, root=Path(__file__).resolve().parents[1])
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"memory_{args.dataset}{args.tag}" + ("_quick" if args.quick else "")
    csv_path = folder / f"{stem}.csv"
    command = "python experiments/memory.py " + " ".join(map(shlex.quote, sys.argv[1:] if argv is None else argv))
    run_cells(protocol, models, horizons, args.seeds, csv_path, desc=stem, command=command,
              allow_dirty=args.allow_dirty)
    results = pd.read_csv(csv_path)
    text = "\n".join([
        f"# Does the memory earn its place? {protocol.name}", "",
        "\n\n".join(__doc__.split("\n\n")[1:4]), "",
        _header(command, protocol, args.quick), "",
        table(with_best(results), list(protocol.metrics)), "",
        *runs_section(results),
    ])
    (folder / f"{stem}.md").write_text(text + "\n")
    print(text + f"\nwritten to {folder / stem}.md and .csv")


if __name__ == "__main__":
    main()
