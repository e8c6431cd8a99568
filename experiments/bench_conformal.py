"""Conformal 95 % intervals on M4 Hourly (h = 48): coverage and MSIS beside the model-based ones.

For each base model (Naive, SeasonalNaive, Naive2 and Theta, all with m = 24;
AutoARIMA on a sample with ``--arima-sample``; the memory network, trained for the
2.5 %, 50 % and 97.5 % quantiles, on a sample with ``--memnet-sample``) three sets of 95 % intervals on
the 48 test hours of every series, from the same point forecast:

* **model-based**: the model's own ``predict(quantiles=[0.025, 0.975])`` (normal
  quantiles with the model's variance formula);
* **conformal, split**: :class:`tsmem.estimators.ConformalForecaster` calibrated
  on the model's errors at ``--n-windows`` origins one hour apart, the last 48
  hours before the end of the training part (refitted at every origin, except
  Theta and AutoARIMA: fitted once at the first origin, ``refit=False``, for time);
* **conformal, adaptive**: the same scores through ACI (``gamma``), no refit.

Scores as the M4 competition defines them (Makridakis et al. 2020): coverage
(share of the 48 x series test values inside), ACD = |coverage - 0.95|, and MSIS
= mean over the horizon of ``(U - L) + (2/α)(L - y)[y < L] + (2/α)(y - U)[y > U]``
scaled by the in-sample seasonal naive MAE (m = 24), averaged over series.
Published M4 Hourly MSIS and ACD (``m4/m4_pi_scores_by_frequency.csv``) beside them.

Usage::

    OMP_NUM_THREADS=1 python experiments/bench_conformal.py            # all 414 series
    OMP_NUM_THREADS=1 python experiments/bench_conformal.py --quick    # 6 series, 20 windows
    OMP_NUM_THREADS=1 python experiments/bench_conformal.py --arima-sample 20 --memnet-sample 50
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

from tsmem.benchmarks.provenance import git_commit, markdown_table
from tsmem.datasets import load_dataset
from tsmem.estimators import (
    AutoARIMA,
    ConformalForecaster,
    MemNetForecaster,
    Naive,
    Naive2,
    SeasonalNaive,
    Theta,
)
from tsmem.metrics import msis

HORIZON, SEASON, ALPHA = 48, 24, 0.05
LEVELS = [ALPHA / 2, 1 - ALPHA / 2]
PUBLISHED = {"Naive": "Naive (M4 benchmark)", "ETS": "ETS (M4 benchmark)", "ARIMA": "ARIMA (M4 benchmark)",
             "118": "ES-RNN (Smyl, M4 winner)", "245": "FFORMA (Montero-Manso et al., 2nd)"}


def intervals(forecast: pd.DataFrame) -> tuple[dict, dict, dict]:
    """Point, lower and upper per series from a long forecast frame with the two quantile columns."""
    by = forecast.groupby("unique_id", sort=False)
    return tuple({sid: g[col].to_numpy() for sid, g in by} for col in forecast.columns[2:5])


def score(name: str, kind: str, forecast: pd.DataFrame, actual: dict, train: dict, seconds: float) -> dict:
    point, lower, upper = intervals(forecast)
    inside = np.concatenate([(lower[s] <= actual[s]) & (actual[s] <= upper[s]) for s in actual])
    below = np.concatenate([actual[s] < lower[s] for s in actual])
    coverage = float(inside.mean())
    return {
        "model": name,
        "intervals": kind,
        "series": len(actual),
        "coverage": coverage,
        "ACD": abs(coverage - (1 - ALPHA)),
        "below / above": f"{below.mean():.3f} / {1 - coverage - below.mean():.3f}",
        "MSIS": float(np.mean([msis(actual[s], lower[s], upper[s], train[s], SEASON, level=100 * (1 - ALPHA)) for s in actual])),
        "mean width / scale": float(np.mean([
            np.mean(upper[s] - lower[s]) / np.mean(np.abs(train[s][SEASON:] - train[s][:-SEASON])) for s in actual
        ])),
        "seconds": seconds,
    }


def published(data_dir: Path) -> pd.DataFrame:
    table = pd.read_csv(data_dir / "m4" / "m4_pi_scores_by_frequency.csv", dtype={"method_id": str})
    table = table.set_index("method_id")[["MSIS_Hourly", "ACD_Hourly"]]
    best = table["MSIS_Hourly"].idxmin()
    names = PUBLISHED | {best: f"best M4 Hourly MSIS (id {best})"}
    rows = table.loc[[k for k in names if k in table.index]]
    return rows.rename(index=names).reset_index().set_axis(["method (all 414 series)", "MSIS", "ACD"], axis=1)


def run(args: argparse.Namespace) -> None:
    data = load_dataset("m4_hourly")
    ids = data["unique_id"].unique()
    if args.quick:
        ids = ids[np.sort(np.random.default_rng(0).choice(len(ids), 6, replace=False))]
    frame = data[data["unique_id"].isin(ids)]
    position = frame.groupby("unique_id", sort=False).cumcount(ascending=False)
    train_frame, test_frame = frame[position >= HORIZON], frame[position < HORIZON]
    actual = {s: g["y"].to_numpy() for s, g in test_frame.groupby("unique_id", sort=False)}
    train = {s: g["y"].to_numpy() for s, g in train_frame.groupby("unique_id", sort=False)}
    models = {  # name: (estimator, refit at every calibration origin, series)
        "Naive": (Naive(), True, ids),
        "SeasonalNaive": (SeasonalNaive(season_length=SEASON), True, ids),
        "Naive2": (Naive2(season_length=SEASON), True, ids),
        "Theta": (Theta(season_length=SEASON), False, ids),
    }
    if args.arima_sample:
        sample = ids[np.sort(np.random.default_rng(1).choice(len(ids), min(args.arima_sample, len(ids)), replace=False))]
        models["AutoARIMA"] = (AutoARIMA(season_length=SEASON), False, sample)
    if args.memnet_sample:
        # The memory network of experiments/memory.py's M4 rows (week-long windows a day apart,
        # ten analogues), trained for the 95 % quantiles and the median (pinball loss): its
        # quantile head is the "model-based" interval; conformal wraps the same network,
        # fitted once (refit=False), so both share the point forecast (the median).
        sample = ids[np.sort(np.random.default_rng(2).choice(len(ids), min(args.memnet_sample, len(ids)), replace=False))]
        memnet = MemNetForecaster(horizon=HORIZON, lookback=336, window=168, stride=24, top_k=10, train_step=4,
                                  quantiles=(LEVELS[0], 0.5, LEVELS[1]), max_epochs=2 if args.quick else 30,
                                  patience=4, random_state=0)
        models["MemNet"] = (memnet, False, sample)
    rows = []
    for name, (estimator, refit, chosen) in models.items():
        part = train_frame[train_frame["unique_id"].isin(chosen)]
        truth, history = {s: actual[s] for s in chosen}, {s: train[s] for s in chosen}
        label = name if len(chosen) == len(ids) else f"{name} ({len(chosen)}-series sample)"
        started = time.perf_counter()
        own = clone(estimator).fit(part).predict(horizon=HORIZON, quantiles=LEVELS)
        rows.append(score(label, "model-based", own, truth, history, time.perf_counter() - started))
        started = time.perf_counter()
        conformal = ConformalForecaster(estimator, horizon=HORIZON, n_windows=args.n_windows, refit=refit).fit(part)
        split = conformal.predict(quantiles=LEVELS)
        kind = f"conformal split ({args.n_windows} origins{'' if refit else ', no refit'})"
        rows.append(score(label, kind, split, truth, history, time.perf_counter() - started))
        started = time.perf_counter()
        # The method is read at predict time only: the same calibration scores through ACI.
        adaptive = conformal.set_params(method="adaptive", gamma=args.gamma).predict(quantiles=LEVELS)
        rows.append(score(label, f"conformal ACI (γ = {args.gamma})", adaptive, truth, history, time.perf_counter() - started))
        for row in rows[-3:]:
            print(f"{row['model']:>14} {row['intervals']:<42} coverage {row['coverage']:.3f}  MSIS {row['MSIS']:7.3f}"
                  f"  {row['seconds']:6.1f} s", flush=True)
    write(args, pd.DataFrame(rows), len(ids))


def write(args: argparse.Namespace, result: pd.DataFrame, n_series: int) -> None:
    data_dir = Path(os.environ["TSMEM_DATA_DIR"])
    command = "OMP_NUM_THREADS=1 python " + " ".join(shlex.quote(a) for a in sys.argv)
    cells = [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row] for row in result.itertuples(index=False)]
    reference = published(data_dir)
    lines = [
        "# Conformal 95 % intervals on M4 Hourly (h = 48)" + (" — QUICK MODE" if args.quick else ""),
        "",
        f"Command: `{command}`",
        "",
        f"Git commit: {git_commit(watched=('tsmem', 'experiments'), short=False)}",
        "",
        f"Series: {n_series} (train = all but the last 48 hours, test = the last 48). "
        f"Total wall time {result['seconds'].sum():.0f} s with OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')} "
        f"on {os.cpu_count()} logical CPUs (shared with other jobs). `seconds`: fit + predict for "
        "model-based and split rows (the split row includes the calibration fits), predict only for ACI.",
        "",
        "Coverage and ACD over all test values; MSIS averaged over series; `below / above`: share of "
        "values under the lower and over the upper bound; `mean width / scale`: the interval's width "
        "in units of the in-sample seasonal naive MAE (MSIS's scale).",
        "",
        markdown_table(result.columns, cells),
        "",
        "Published M4 Hourly interval scores (all 414 series; `m4/m4_pi_scores_by_frequency.csv`):",
        "",
        markdown_table(reference.columns, [[r[0], f"{r[1]:.3f}", f"{r[2]:.3f}"] for r in reference.itertuples(index=False)]),
        "",
    ]
    out = args.results / ("conformal_m4_hourly" + ("_quick" if args.quick else "") + ".md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(result.to_string(index=False))
    print(f"report written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="6 series, 20 windows: a smoke run")
    parser.add_argument("--n-windows", type=int, default=None, help="calibration origins (default 48; quick 20)")
    parser.add_argument("--gamma", type=float, default=0.05, help="ACI step size")
    parser.add_argument("--arima-sample", type=int, default=0, help="also AutoARIMA on this many series")
    parser.add_argument("--memnet-sample", type=int, default=0,
                        help="also the memory network (quantile head and conformal) on this many series")
    parser.add_argument("--results", type=Path, default=None,
                        help="output folder (default experiments/results; quick runs: runs/experiments)")
    args = parser.parse_args()
    args.n_windows = args.n_windows or (20 if args.quick else 48)
    if args.results is None:
        root = Path(__file__).resolve().parent
        args.results = root.parent / "runs" / "experiments" if args.quick else root / "results"
    os.environ.setdefault("TSMEM_DATA_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    run(args)


if __name__ == "__main__":
    main()
