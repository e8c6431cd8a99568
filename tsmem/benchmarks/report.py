"""Turn a benchmark's results file into markdown tables beside the published figures.

``memnet_best`` is chosen per horizon and seed by the *validation* loss among
the memory-network variants that ran, and reported by its test scores: test
data never picks a model. Every row of our table names the commits its cells
ran on (a star marks code with uncommitted changes), and every published row
says how its protocol differs from the benchmark's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tsmem.benchmarks.published import ETT_PUBLISHED, differences, m4_published
from tsmem.benchmarks.zoo import MEMNET_VARIANTS, MODELS


def with_memnet_best(results: pd.DataFrame) -> pd.DataFrame:
    """Add ``memnet_best`` rows: per horizon and seed, the variant with the lowest validation loss."""
    variants = results[results.model.isin(MEMNET_VARIANTS) & results.val_loss.notna()]
    if variants.empty:
        return results
    best = variants.loc[variants.groupby(["horizon", "seed"]).val_loss.idxmin()].copy()
    best["fitted"] = best["model"]
    best["model"] = "memnet_best"
    return pd.concat([results, best], ignore_index=True)


def summary(results: pd.DataFrame, metric_names: list[str]) -> pd.DataFrame:
    """Mean (± std over seeds) of every metric, one row a model, one column a horizon and metric."""
    results = with_memnet_best(results)
    grouped = results.groupby(["model", "horizon"], sort=False)
    table = {}
    for (model, horizon), group in grouped:
        for name in metric_names:
            values = group[name].to_numpy(dtype=float)
            cell = f"{values.mean():.4f}" if len(values) == 1 else f"{values.mean():.4f} ± {values.std(ddof=1):.4f}"
            table.setdefault(model, {})[(horizon, name)] = cell
    frame = pd.DataFrame.from_dict(table, orient="index")
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame.sort_index(axis=1, level=0, sort_remaining=False)


def commit_label(commit: object) -> str:
    """A row's commit as the table shows it: the short sha, starred if the tree was dirty.

    Examples
    --------
    >>> commit_label("35be9f0 (tsmem/ had uncommitted changes)"), commit_label("f5438a5")
    ('35be9f0*', 'f5438a5')
    """
    if not isinstance(commit, str) or not commit:
        return "not recorded"
    if commit.startswith("unknown"):
        return "unknown"
    return commit.split()[0] + ("*" if "uncommitted" in commit else "")


def commits_by_model(results: pd.DataFrame) -> dict[str, str]:
    """Per model (``memnet_best`` included), the commits its cells ran on, in run order."""
    results = with_memnet_best(results)
    column = results["commit"] if "commit" in results else pd.Series(None, index=results.index, dtype=object)
    labels = column.map(commit_label)
    return {model: ", ".join(dict.fromkeys(group)) for model, group in labels.groupby(results["model"], sort=False)}


def markdown(
    benchmark: str,
    results: pd.DataFrame,
    metric_names: list[str],
    header: str,
    data_dir: str | None,
    lookback: int | None = None,
    horizons: Sequence[int] = (),
    descriptions: Mapping[str, str] | None = None,
) -> str:
    """The whole report: how it was run, our table, the published one, and notes.

    ``lookback`` and ``horizons`` are the benchmark's protocol: every published
    row states what differs from them. ``descriptions`` name the models that are not
    in the zoo (``--variant``s).
    """
    lines = [f"# Benchmark: {benchmark}", "", header, ""]
    ours = summary(results, metric_names)
    lines += ["## Results (test split)", "", _table(ours, metric_names, commits_by_model(results)), ""]
    lines += _provenance_notes(results)
    lines += _model_notes(results, descriptions or {})
    published = _published(benchmark, data_dir, lookback, horizons)
    if published is not None:
        lines += ["## Published and reference figures", "", published, ""]
    lines += runs_section(results)
    seconds = results.groupby("model").seconds.sum().sort_values(ascending=False)
    lines += ["## Compute", "", "| model | seconds (all cells) |", "|---|---|"]
    lines += [f"| {model} | {value:.0f} |" for model, value in seconds.items()]
    return "\n".join(lines) + "\n"


def runs_section(results: pd.DataFrame) -> list[str]:
    """Markdown lines naming each command and commit that wrote rows, with its models."""
    if "command" not in results:
        return []
    commands = results["command"].astype(object).fillna("(not recorded)")  # all-blank reads back as float
    runs = results.assign(command=commands).groupby(["command", "commit"], dropna=False).model.unique()
    lines = ["## Runs that produced these rows", ""]
    lines += [f"- `{command}` at {commit}: {', '.join(models)}" for (command, commit), models in runs.items()]
    return [*lines, ""]


def _table(frame: pd.DataFrame, metric_names: list[str], commits: dict[str, str]) -> str:
    horizons = list(dict.fromkeys(h for h, _ in frame.columns))
    head = "| model | " + " | ".join(f"h={h} {m}" for h in horizons for m in metric_names) + " | commit |"
    rule = "|---|" + "---|" * (len(horizons) * len(metric_names) + 1)
    rows = [
        f"| {model} | " + " | ".join(str(frame.loc[model].get((h, m), "")) for h in horizons for m in metric_names)
        + f" | {commits.get(model, '')} |"
        for model in frame.index
    ]
    return "\n".join([head, rule, *rows])


def _provenance_notes(results: pd.DataFrame) -> list[str]:
    """What the commit column's stars mean, and which spreads over seeds vary less than they should."""
    lines = []
    if any("*" in label for label in commits_by_model(results).values()):
        lines.append("- commit: the code the row's cells ran on; * = with uncommitted changes in tsmem/, so not"
                     " reproducible from that commit (rerun those cells from a clean tree).")
    neural = results[results.val_loss.notna()]
    shuffle = neural["shuffle_seed"] if "shuffle_seed" in neural else pd.Series(np.nan, index=neural.index)
    older = neural.loc[(neural.seed != 0) & shuffle.isna(), "model"].unique()
    note = ("- ± std over seeds: each seed sets the weight initialisation and the order of the training"
            " batches (`shuffle_seed` in the .csv).")
    if len(older):
        note += (" Rows with no recorded `shuffle_seed` were run before the runner varied it: their seeds ≥ 1"
                 f" kept the batch order of seed 0, so only the initialisation varied ({', '.join(older)}).")
    return [*lines, note, ""]


def _model_notes(results: pd.DataFrame, descriptions: Mapping[str, str]) -> list[str]:
    lines = ["Models:", ""]
    for model in results.model.unique():
        description = MODELS[model].description if model in MODELS else descriptions.get(model, "")
        fitted = results.loc[results.model == model, "fitted"].dropna().astype(str)
        chosen = f" Chose: {fitted.iloc[0][:200]}." if len(fitted) and fitted.iloc[0] else ""
        lines.append(f"- `{model}`: {description}.{chosen}")
    best = with_memnet_best(results)
    picks = best.loc[best.model == "memnet_best", ["horizon", "seed", "fitted"]]
    if len(picks):
        listed = ", ".join(f"h={r.horizon}/seed {r.seed}: {r.fitted}" for r in picks.itertuples())
        lines.append(f"- `memnet_best`: the variant with the lowest validation loss ({listed}).")
    return [*lines, ""]


def _published(benchmark: str, data_dir: str | None, lookback: int | None, horizons: Sequence[int]) -> str | None:
    if benchmark.startswith("m4") and data_dir:
        table = m4_published(data_dir)
        rows = [f"| {name} | {r.smape:.3f} | {r.mase:.3f} | {r.owa:.3f} |" for name, r in table.iterrows()]
        note = ("The competition's own scores on every Hourly series, its last 48 points held out: this"
                " table's test points unless the header above says it sampled series.")
        return "\n".join([note, "", "| source | sMAPE | MASE | OWA |", "|---|---|---|---|", *rows])
    if benchmark not in ETT_PUBLISHED:
        return None
    lines = ["The same split as above; each row says what else differs from this table's protocol.", "",
             "| source | lookback | horizon: MSE / MAE | differs from this table |", "|---|---|---|---|"]
    for ref in ETT_PUBLISHED[benchmark]:
        cells = ", ".join(
            f"{'mean' if h == 0 else h}: {mse:.3f}" + ("" if mae is None else f" / {mae:.3f}") for h, (mse, mae) in ref.figures.items()
        )
        differs = differences(ref, lookback, horizons) if lookback is not None else "(protocol not given)"
        lines.append(f"| {ref.source} | {ref.lookback or 'not stated'} | {cells} | {differs} |")
    return "\n".join(lines)


def write(
    benchmark: str,
    csv_path: Path,
    md_path: Path,
    metric_names: list[str],
    header: str,
    data_dir: str | None,
    lookback: int | None = None,
    horizons: Sequence[int] = (),
    descriptions: Mapping[str, str] | None = None,
) -> str:
    """Regenerate ``md_path`` from ``csv_path``; returns the markdown."""
    results = pd.read_csv(csv_path)
    results["val_loss"] = results.get("val_loss", pd.Series(np.nan, index=results.index))
    text = markdown(benchmark, results, metric_names, header, data_dir, lookback, horizons, descriptions)
    md_path.write_text(text)
    return text
