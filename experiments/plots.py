"""The figures of the benchmark report (PNG, under experiments/results/).

    python experiments/plots.py                 # needs TSMEM_DATA_DIR and the benchmark CSVs

* ``m4_forecasts.png``: forecast against actual, with 10-90% intervals, for a few
  M4 Hourly series (a quantile memory network trained on their training parts).
* ``m4_attention.png``: which past windows one of those forecasts read.
* ``<benchmark>_by_horizon.png``: test MSE against horizon per model, from the
  benchmark's results file (``experiments/benchmark.py`` writes it).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from tsmem.benchmarks.report import with_memnet_best  # noqa: E402
from tsmem.datasets import load_dataset  # noqa: E402
from tsmem.estimators import MemNetForecaster  # noqa: E402
from tsmem.plotting import plot_attention, plot_forecast  # noqa: E402

SERIES = ["H1", "H100", "H200", "H300"]


def m4_figures(folder: Path, data_dir: str) -> None:
    data = load_dataset("m4_hourly", data_dir=data_dir)
    data = data[data.unique_id.isin(SERIES)]
    test = data.groupby("unique_id", sort=False).tail(48)
    train = data.drop(test.index)
    model = MemNetForecaster(
        lookback=336, horizon=48, window=24, stride=12, d_model=64, quantiles=(0.1, 0.5, 0.9),
        temporal_encoding=("learned", "calendar"), learning_rate=1e-3, max_epochs=30, batch_size=64,
        random_state=0, verbose=False,
    ).fit(train)
    forecast = model.predict(quantiles=[0.1, 0.9])
    figure, axes = plt.subplots(len(SERIES), 1, figsize=(11, 3 * len(SERIES)))
    for ax, sid in zip(axes, SERIES, strict=True):
        history = train[train.unique_id == sid].set_index("ds")["y"].rename(sid)
        actual = test[test.unique_id == sid].set_index("ds")["y"]
        mine = forecast[forecast.unique_id == sid].set_index("ds")
        mine = mine.rename(columns={"y": sid, "y_q0.1": f"{sid}_q0.1", "y_q0.9": f"{sid}_q0.9"})
        plot_forecast(history, mine, actual=actual, last=7 * 24, ax=ax, title=f"M4 {sid}: 48 hours ahead")
    figure.tight_layout()
    figure.savefig(folder / "m4_forecasts.png", dpi=110)
    print(f"figure written to {folder / 'm4_forecasts.png'}")
    history = train[train.unique_id == SERIES[0]].set_index("ds")["y"]
    explanation = model.explain()
    ax = plot_attention(explanation[explanation.unique_id == SERIES[0]], history)
    ax.set_title(f"M4 {SERIES[0]}: attention of the next-48-hours forecast over past daily windows")
    ax.figure.savefig(folder / "m4_attention.png", dpi=110)
    print(f"figure written to {folder / 'm4_attention.png'}")


def horizon_figure(folder: Path, benchmark: str) -> None:
    path = folder / f"{benchmark}.csv"
    if not path.exists():
        print(f"skipped {benchmark}: no {path}")
        return
    results = with_memnet_best(pd.read_csv(path))
    metric = "mse" if "mse" in results else "rse"
    means = results.groupby(["model", "horizon"])[metric].mean().unstack("horizon")
    fig, ax = plt.subplots(figsize=(9, 5))
    colours = plt.get_cmap("tab20").colors  # 15 models: the default 10-colour cycle would repeat
    for i, (model, row) in enumerate(means.iterrows()):
        neural = model == "gru" or model.startswith(("memn", "gmemn"))
        style = {"linestyle": "-" if neural else "--", "color": colours[i % len(colours)]}
        if model == "memnet_best":
            style = {"linestyle": "-", "color": "black", "linewidth": 2.5}
        ax.plot(row.index, row.to_numpy(), marker="o", label=model, **style)
    ax.set_yscale("log")
    ax.set_xlabel("horizon (steps)")
    ax.set_ylabel(f"test {metric.upper()}")
    ax.set_title(f"{benchmark}: accuracy against horizon")
    ax.legend(fontsize=8, ncol=2, title="dashed: statistical, solid: neural", title_fontsize=8)
    fig.savefig(folder / f"{benchmark}_by_horizon.png", dpi=110)
    plt.close(fig)
    # The numbers behind the figure, so a run without an image viewer still shows them.
    print(f"{benchmark}: mean test {metric.upper()} by horizon (rows: models)")
    print(means.to_string(float_format=lambda value: f"{value:.4f}"))
    print(f"figure written to {folder / f'{benchmark}_by_horizon.png'}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results",
        default="experiments/results",
        help="folder with the benchmark CSVs; the figures are written beside them",
    )
    parser.add_argument("--data-dir", default=os.environ.get("TSMEM_DATA_DIR"))
    parser.add_argument("--skip-m4", action="store_true", help="only the by-horizon figures (no training)")
    args = parser.parse_args()
    folder = Path(args.results)
    folder.mkdir(parents=True, exist_ok=True)
    for benchmark in ("etth1_univariate", "etth2_univariate", "etth1_multivariate", "exchange_rate"):
        horizon_figure(folder, benchmark)
    if not args.skip_m4:
        m4_figures(folder, args.data_dir)


if __name__ == "__main__":
    main()
