"""The default `MemNetForecaster` fit at two commits, side by side (issue 15's fit row).

Absolute seconds on a shared 2-core machine move with its load; this times the same fit
(``MemNetForecaster(horizon=24, random_state=0)`` on ETTh1's oil temperature, its first
3,900 hourly steps, as ``bench_throughput.py``) at two commits, alternating them
``--rounds`` times so both see the same load, and prints the ratio of the medians and
whether the forecasts agree.

    TSMEM_DATA_DIR=../shared/data OMP_NUM_THREADS=1 python experiments/bench_fit_commits.py e8b243f 0cd2696

Each commit is checked out into a temporary git worktree and timed in a fresh process
(imports outside the timing). Results go to experiments/results/bench_fit_commits.md.
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
TIMED_FIT = """
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


def time_fit(tree: Path) -> dict:
    env = os.environ | {"PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", TIMED_FIT], env=env, check=True,
                         capture_output=True, text=True, cwd=tree).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--results", default=str(ROOT / "experiments" / "results"))
    args = parser.parse_args(argv)
    if "TSMEM_DATA_DIR" not in os.environ:
        raise SystemExit("Set TSMEM_DATA_DIR to the folder holding ett/ETTh1.csv.")
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
                    run = time_fit(trees[rev])
                    seconds[rev].append(run["seconds"])
                    forecasts[rev] = run["forecast"]
                    print(f"round {round_ + 1}: {rev} {run['seconds']:.1f} s", flush=True)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
    before, after = (statistics.median(seconds[rev]) for rev in seconds)
    gap = max(abs(a - b) for a, b in zip(*forecasts.values(), strict=True))
    command = "python experiments/bench_fit_commits.py " + " ".join(argv or sys.argv[1:])
    lines = [
        "# The default fit at two commits, side by side", "",
        f"Command: `TSMEM_DATA_DIR=... OMP_NUM_THREADS=1 {command}`", "",
        f"Load average at the end: {os.getloadavg()[0]:.1f} (2 logical CPUs). "
        "`MemNetForecaster(horizon=24, random_state=0)` on ETTh1 OT, 3,900 hourly steps; "
        "the commits alternate, each fit in a fresh process.", "",
        "| commit | fits (s) | median s |", "|---|---|---|",
        *(f"| {rev} | {', '.join(f'{s:.1f}' for s in runs)} | {statistics.median(runs):.1f} |"
          for rev, runs in seconds.items()),
        "",
        f"{args.before} / {args.after}: **{before / after:.2f}×**; the largest difference "
        f"between their 24-step forecasts: {gap:.2e} (°C).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    folder = Path(args.results)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench_fit_commits.md").write_text(text)


if __name__ == "__main__":
    main()
