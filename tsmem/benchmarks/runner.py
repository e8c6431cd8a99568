"""``tsmem benchmark`` / ``python experiments/benchmark.py``: run benchmark cells, resumably.

A cell is one (model, horizon, seed) of a benchmark. Each finished cell is
appended to ``<results>/<benchmark>.csv`` at once, with the command and git
commit that produced it, so an interrupted run resumes where it stopped; the
markdown report is rewritten from that file at the end and lists those commands.
Rows for the tracked ``experiments/results/`` must come from committed code:
from a tree with uncommitted changes in ``tsmem/`` the runner refuses to write
there unless told ``--allow-dirty`` (the report then stars those rows).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import torch
from tqdm.auto import tqdm

from tsmem.benchmarks import neural, report
from tsmem.benchmarks.outputs import TRACKED_RESULTS, results_dir
from tsmem.benchmarks.provenance import git_commit, git_toplevel
from tsmem.benchmarks.suite import BENCHMARKS, quick
from tsmem.benchmarks.zoo import ModelSpec, get_model, variant

KEY = ["model", "horizon", "seed"]
DETAILS = ["val_loss", "epochs", "shuffle_seed", "n_windows", "seconds", "fitted", "command", "commit", "finished_at"]


class DirtyTreeError(RuntimeError):
    """Cells would be written to the tracked results from code with uncommitted changes."""


class RequestError(ValueError):
    """A run asked for what the benchmark does not have (a horizon, a network setting)."""


def run(
    name: str,
    models: Sequence[str] | None = None,
    seeds: Sequence[int] = (0,),
    results_dir: str | Path = "experiments/results",
    quick_mode: bool = False,
    data_dir: str | None = None,
    n_series: int | None = None,
    command: str = "",
    report_only: bool = False,
    allow_dirty: bool = False,
    horizons: Sequence[int] | None = None,
    variants: Sequence[ModelSpec] = (),
    tag: str = "",
) -> Path:
    """Run every missing cell of benchmark ``name`` (none with ``report_only``) and write its
    markdown report; returns the report's path. ``allow_dirty``: see :func:`run_cells`.

    ``horizons``: a subset of the protocol's. ``variants``: neural models beyond the zoo
    (`tsmem.benchmarks.zoo.variant`); given without ``models``, only they run. ``tag``:
    a suffix of the result files, for runs kept beside the benchmark's own table.
    """
    protocol, default_models = quick(name) if quick_mode else BENCHMARKS[name]
    protocol = replace(protocol, data_dir=data_dir)
    if n_series is not None and hasattr(protocol, "n_series"):
        protocol = replace(protocol, n_series=n_series)
    if horizons is not None:
        unknown = sorted(set(horizons) - set(protocol.horizons))
        if unknown:
            raise RequestError(f"{name} has horizons {list(protocol.horizons)}; not {unknown}.")
        protocol = replace(protocol, horizons=tuple(h for h in protocol.horizons if h in horizons))
    for spec in variants:  # checked before any cell: a misspelt setting fails now, not hours in
        if unknown := neural.unknown_settings(spec.params):
            raise RequestError(f"Variant {spec.name!r}: unknown network setting(s) {unknown}; see MemNetModule's "
                               "parameters (docs/model.md).")
    folder = Path(results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = (f"{name}_quick" if quick_mode else name) + tag
    csv_path, md_path = folder / f"{stem}.csv", folder / f"{stem}.md"
    chosen = models or ([] if variants else default_models)
    specs = {model: get_model(model) for model in chosen} | {spec.name: spec for spec in variants}
    if not report_only:
        run_cells(protocol, specs, protocol.horizons, seeds, csv_path, desc=name, command=command,
                  allow_dirty=allow_dirty)
    rerun = f"python experiments/benchmark.py {name}" + (" --quick" if quick_mode else "") + (f" --tag {tag}" if tag else "")
    header = _header(rerun, protocol, quick_mode, probes=bool(variants or tag))
    descriptions = {spec.name: spec.description for spec in variants}
    report.write(name, csv_path, md_path, list(protocol.metrics), header, data_dir, protocol.lookback,
                 protocol.horizons, descriptions)
    return md_path


def run_cells(
    protocol,
    specs: dict[str, ModelSpec],
    horizons: Sequence[int],
    seeds: Sequence[int],
    csv_path: Path,
    desc: str,
    command: str = "",
    allow_dirty: bool = False,
) -> None:
    """Evaluate every (model, horizon, seed) cell not yet in ``csv_path``, appending each result.

    Deterministic models run once (seed 0 recorded); neural ones once per seed.
    Raises :class:`DirtyTreeError` before running anything when ``csv_path`` lies in
    the tracked results and ``tsmem/`` has uncommitted changes, unless ``allow_dirty``.
    """
    done = set(map(tuple, pd.read_csv(csv_path)[KEY].astype(str).to_numpy())) if csv_path.exists() else set()
    cells = [
        (model, horizon, seed)
        for model, spec in specs.items()
        for horizon in horizons
        for seed in (seeds if spec.kind.startswith("neural") else seeds[:1])
        if (model, str(horizon), str(seed)) not in done
    ]
    commit = git_commit()
    if cells and "uncommitted" in commit and not allow_dirty and _is_tracked(csv_path.parent):
        raise DirtyTreeError(
            f"Not writing to {csv_path}: the code has uncommitted changes ({commit}), so these rows could"
            " not be reproduced from the commit they record. Commit first, write elsewhere with --results DIR,"
            " or pass --allow-dirty (the report then stars these rows)."
        )
    columns = _columns(csv_path, [*KEY, *protocol.metrics, *DETAILS])  # fixed, so appended rows line up
    for model, horizon, seed in (bar := tqdm(cells, desc=desc, unit="cell")):
        bar.set_postfix_str(f"{model} h={horizon} seed={seed}")
        row = {"model": model, "horizon": horizon, "seed": seed}
        row |= protocol.evaluate(specs[model], horizon, seed)
        row |= {"command": command, "commit": commit, "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        pd.DataFrame([row]).reindex(columns=columns).to_csv(csv_path, mode="a", header=not csv_path.exists(), index=False)


def _is_tracked(folder: Path) -> bool:
    """Whether ``folder`` is this checkout's tracked results folder."""
    top = git_toplevel()
    return top is not None and folder.resolve() == (top / TRACKED_RESULTS).resolve()


def _columns(csv_path: Path, wanted: list[str]) -> list[str]:
    """The results file's columns, plus any new ones (its older rows left blank there)."""
    if not csv_path.exists():
        return wanted
    existing = pd.read_csv(csv_path)
    missing = [name for name in wanted if name not in existing.columns]
    if missing:
        existing.reindex(columns=[*existing.columns, *missing]).to_csv(csv_path, index=False)
    return [*existing.columns, *missing]


def _header(rerun: str, protocol, quick_mode: bool, probes: bool = False) -> str:
    settings = protocol.neural
    options = " with the --models, --variant and --horizons of the runs listed at the end" if probes else ""
    return "\n".join([
        f"Rerun every cell: `{rerun}`{options} (it resumes from the .csv beside this file; delete it to start"
        " over). The commands and commits that produced the rows are listed at the end.",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__},"
        f" Python {platform.python_version()}.",
        f"Protocol: {protocol.name}, horizons {list(protocol.horizons)}, lookback {protocol.lookback}"
        + (f", {protocol.n_series} sampled series" if getattr(protocol, "n_series", None) else "") + ".",
        f"Neural settings: window {settings.window}, stride {settings.stride}, d_model {settings.d_model}, "
        f"lr {settings.learning_rate}, batch {settings.batch_size}, at most {settings.max_epochs} epochs "
        f"(early stopping on validation loss, patience {settings.patience}, best weights kept), "
        f"train window step {settings.train_step}"
        + "".join(f", {name} {value}" for name, value in settings.options) + ".",
        "QUICK MODE: fewer horizons/series/epochs and only cheap models; not comparable to the full run." if quick_mode else "",
    ]).strip()


def main(argv: Sequence[str] | None = None, prog: str = "tsmem benchmark") -> None:
    parser = argparse.ArgumentParser(prog=prog, description="Run tsmem's benchmarks on the standard protocols (experiments/README.md).")
    parser.add_argument("benchmarks", nargs="+", choices=[*BENCHMARKS, "all"], help="which benchmarks")
    parser.add_argument("--models", nargs="+", help="a subset of the benchmark's models")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="seeds for the neural models")
    parser.add_argument("--quick", action="store_true", help="a minutes-long smoke version")
    parser.add_argument("--results", help="folder for the .csv and .md files (default experiments/results; "
                        "with --quick the git-ignored runs/experiments)")
    parser.add_argument("--data-dir", default=os.environ.get("TSMEM_DATA_DIR"), help="benchmark data (default $TSMEM_DATA_DIR)")
    parser.add_argument("--n-series", type=int, help="M4: a fixed random sample of this many series")
    parser.add_argument("--horizons", nargs="+", type=int, help="a subset of the benchmark's horizons")
    parser.add_argument("--variant", nargs="+", action="append", default=[], metavar="ARG",
                        help="a neural model of the zoo with settings changed, e.g. --variant memn2n_ar memn2n "
                        "ar_window=336 (repeatable; values are JSON where they parse); without --models only "
                        "the variants run")
    parser.add_argument("--tag", default="", help="suffix of the result files, e.g. _probes")
    parser.add_argument("--report-only", action="store_true", help="rewrite the .md from the .csv, run nothing")
    parser.add_argument("--allow-dirty", action="store_true", help="write to experiments/results from a tree with "
                        "uncommitted changes in tsmem/ (development only: the report stars those rows)")
    args = parser.parse_args(argv)
    names = list(BENCHMARKS) if "all" in args.benchmarks else args.benchmarks
    if any(len(given) < 2 for given in args.variant):
        parser.error("--variant takes NAME BASE [KEY=VALUE ...]")
    try:
        variants = [variant(name, base, settings) for name, base, *settings in args.variant]
    except ValueError as error:
        parser.exit(2, f"{prog}: error: --variant: {error}\n")
    command = " ".join([prog, *map(shlex.quote, sys.argv[1:] if argv is None else argv)])
    for name in names:
        folder = results_dir(args.results, args.quick)
        try:
            path = run(name, args.models, args.seeds, folder, args.quick, args.data_dir, args.n_series, command,
                       args.report_only, args.allow_dirty, args.horizons, variants, args.tag)
        except (DirtyTreeError, RequestError) as error:
            parser.exit(2, f"{prog}: error: {error}\n")
        print(path.read_text().rstrip() + f"\n\n{name}: report written to {path}\n", flush=True)
