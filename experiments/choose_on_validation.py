"""Choose, per horizon and seed, the model with the lowest validation loss among rows of result CSVs.

The rows of two runs (say the residual memory of one ablation and the futures-only residual
memory of a memory.py run) are pooled; for each horizon and seed the candidate with the
lowest ``val_loss`` is kept, and its test metrics are reported beside every candidate's and
a baseline's (mean ± std over seeds). The test split plays no part in the choice. Rows of
the same model, horizon and seed in two files are refused (the choice would be ambiguous).

    python experiments/choose_on_validation.py etth2_residuals \\
        experiments/results/ablation_memory_etth2_residual.csv experiments/results/memory_etth2_futures.csv \\
        --candidates memory_training=residual memnet_futures_residual --baseline gru \\
        --rename hops=0=gru

writes experiments/results/choice_<name>.md (``--results DIR`` elsewhere).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import pandas as pd

from tsmem.benchmarks.outputs import results_dir


def pooled(paths: list[Path], renames: dict[str, str]) -> pd.DataFrame:
    """The rows of every CSV, models renamed; a (model, horizon, seed) in two files is refused."""
    frames = [pd.read_csv(path).assign(source=path.name) for path in paths]
    rows = pd.concat(frames, ignore_index=True).replace({"model": renames})
    twice = rows[rows.duplicated(["model", "horizon", "seed"], keep=False)]
    if not twice.empty:
        first = twice.iloc[0]
        raise ValueError(f"{first.model} h={first.horizon} seed={first.seed} is in "
                         f"{sorted(set(twice.source))}: keep it in one file, or rename one with --rename.")
    return rows


def choose(rows: pd.DataFrame, candidates: list[str]) -> pd.DataFrame:
    """Per horizon and seed, the candidate row with the lowest val_loss (model renamed "chosen")."""
    missing = sorted(set(candidates) - set(rows.model))
    if missing:
        raise ValueError(f"no rows of {missing}; the files hold {sorted(set(rows.model))}.")
    pool = rows[rows.model.isin(candidates)]
    best = pool.loc[pool.groupby(["horizon", "seed"]).val_loss.idxmin()]
    return best.assign(picked=best.model, model="chosen on validation")


def table(rows: pd.DataFrame, metric: str) -> str:
    lines = [f"| model | horizon | {metric} | val_loss | seeds | picked |", "|---|---|---|---|---|---|"]
    for (horizon, model), group in rows.groupby(["horizon", "model"], sort=True):
        picked = ", ".join(group["picked"]) if "picked" in group and group["picked"].notna().all() else ""
        lines.append(f"| {model} | {horizon} | {group[metric].mean():.4f} ± {group[metric].std(ddof=1):.4f} | "
                     f"{group.val_loss.mean():.4f} | {len(group)} | {picked} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the report is choice_<name>.md")
    parser.add_argument("csvs", nargs="+", type=Path)
    parser.add_argument("--candidates", nargs="+", required=True)
    parser.add_argument("--baseline", default=None, help="a model reported beside them, not chosen from")
    parser.add_argument("--rename", nargs="*", default=[], metavar="OLD=NEW",
                        help="model names to unify across files (split at the last '=')")
    parser.add_argument("--metric", default="mse")
    parser.add_argument("--results", help="folder for the .md (default experiments/results)")
    args = parser.parse_args(argv)
    renames = dict(item.rsplit("=", 1) for item in args.rename)
    rows = pooled(args.csvs, renames)
    chosen = choose(rows, args.candidates)
    shown = rows[rows.model.isin([*args.candidates, *([args.baseline] if args.baseline else [])])]
    command = "python experiments/choose_on_validation.py " + " ".join(
        map(shlex.quote, sys.argv[1:] if argv is None else argv))
    commits = sorted(set(rows.loc[shown.index.union(chosen.index), "commit"].astype(str)))
    text = "\n".join([
        f"# Chosen on validation: {args.name}", "", __doc__.split("\n\n")[1], "",
        f"`{command}` (rows from commits {', '.join(commits)}).", "",
        table(pd.concat([shown, chosen]), args.metric),
    ])
    folder = results_dir(args.results, False, root=Path(__file__).resolve().parents[1])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"choice_{args.name}.md").write_text(text + "\n")
    print(text + f"\nwritten to {folder / f'choice_{args.name}.md'}")


if __name__ == "__main__":
    main()
