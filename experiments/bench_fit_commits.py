"""One fit at two commits, side by side (issue 15's fit rows).

Absolute seconds on a shared 2-core machine move with its load; this times the same fit
at two commits, alternating them ``--rounds`` times so both see the same load, and
prints the ratio of the medians and whether the forecasts agree. The fits (``--job``):

- ``memnet`` (default): ``MemNetForecaster(horizon=24, random_state=0)`` on ETTh1's oil
  temperature, its first 3,900 hourly steps, as ``bench_throughput.py``;
- ``autoarima``: ``AutoARIMA(season_length=24)`` on the first 40 M4 Hourly series
  (training parts, one process), forecasting 48 steps.

    TSMEM_DATA_DIR=../shared/data OMP_NUM_THREADS=1 python experiments/bench_fit_commits.py e8b243f 0cd2696
    TSMEM_DATA_DIR=../shared/data OMP_NUM_THREADS=1 python experiments/bench_fit_commits.py 19c9214~1 19c9214 --job autoarima

Each commit is checked out into a temporary git worktree and timed in a fresh process
(imports outside the timing). Results go to experiments/results/bench_fit_commits.md
(``_autoarima.md`` for that job).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Run in a fresh interpreter with the worktree first on sys.path: prints seconds and forecast.
TIMED_MEMNET = """
import json, logging, time, warnings
warnings.filterwarnings("ignore"); logging.disable(logging.WARNING)
import torch
from tsmem.datasets import load_dataset
from tsmem.estimators import MemNetForecaster
torch.set_num_threads(1)
y = load_dataset("etth1")["OT"].iloc[:3900]
model = MemNetForecaster(horizon=24, random_state=0)
started = time.perf_counter()
model.fit(y)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "forecast": model.predict().to_numpy().ravel().tolist()}))
"""
TIMED_AUTOARIMA = """
import json, time, warnings
warnings.filterwarnings("ignore")
from tsmem.datasets import load_dataset
from tsmem.estimators import AutoARIMA
data = load_dataset("m4_hourly")
data = data[data["unique_id"].isin(data["unique_id"].unique()[:40])]
train = data[data.groupby("unique_id").cumcount(ascending=False) >= 48]
model = AutoARIMA(season_length=24)
started = time.perf_counter()
model.fit(train)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "forecast": model.predict(horizon=48)["y"].tolist()}))
"""
#: Per job: the timed script, what it fits (for the report) and the forecasts' unit.
JOBS = {
    "memnet": (TIMED_MEMNET, "`MemNetForecaster(horizon=24, random_state=0)` on ETTh1 OT, 3,900 hourly steps", "°C"),
    "autoarima": (TIMED_AUTOARIMA, "`AutoARIMA(season_length=24)` on the first 40 M4 Hourly series "
                  "(one process), 48-step forecasts", "the series' units"),
}


def time_fit(tree: Path, script: str) -> dict:
    env = os.environ | {"PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                         capture_output=True, text=True, cwd=tree).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--job", choices=sorted(JOBS), default="memnet")
    parser.add_argument("--results", default=str(ROOT / "experiments" / "results"))
    args = parser.parse_args(argv)
    if "TSMEM_DATA_DIR" not in os.environ:
        raise SystemExit("Set TSMEM_DATA_DIR to the folder holding the benchmark data.")
    script, fitted, unit = JOBS[args.job]
    seconds: dict[str, list[float]] = {args.before: [], args.after: []}
    forecasts = {}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {}
        for rev in seconds:
            trees[rev] = Path(tmp) / rev
            subprocess.run(["git", "worktree", "add", "--detach", str(trees[rev]), rev],
                           cwd=ROOT, check=True, capture_output=True)
        try:
            for round_ in range(args.rounds):
                for rev in seconds:
                    run = time_fit(trees[rev], script)
                    seconds[rev].append(run["seconds"])
                    forecasts[rev] = run["forecast"]
                    print(f"round {round_ + 1}: {rev} {run['seconds']:.1f} s", flush=True)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
    before, after = (statistics.median(seconds[rev]) for rev in seconds)
    pairs = list(zip(*forecasts.values(), strict=True))
    gap = max(abs(a - b) for a, b in pairs)
    relative = max(abs(a - b) / max(abs(a), abs(b), 1e-12) for a, b in pairs)
    command = "python experiments/bench_fit_commits.py " + " ".join(argv or sys.argv[1:])
    lines = [
        "# One fit at two commits, side by side", "",
        f"Command: `TSMEM_DATA_DIR=... OMP_NUM_THREADS=1 {command}`", "",
        f"Load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} logical CPUs). "
        f"{fitted}; the commits alternate, each fit in a fresh process.", "",
        "| commit | fits (s) | median s |", "|---|---|---|",
        *(f"| {rev} | {', '.join(f'{s:.1f}' for s in runs)} | {statistics.median(runs):.1f} |"
          for rev, runs in seconds.items()),
        "",
        f"{args.before} / {args.after}: **{before / after:.2f}×**; the largest difference "
        f"between their forecasts: {gap:.2e} ({unit}), {relative:.1e} of the forecast.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    folder = Path(args.results)
    folder.mkdir(parents=True, exist_ok=True)
    name = "bench_fit_commits" + ("" if args.job == "memnet" else f"_{args.job}")
    (folder / f"{name}.md").write_text(text)


if __name__ == "__main__":
    main()
