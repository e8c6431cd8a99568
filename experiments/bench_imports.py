"""How long tsmem's entry points take to import, each in a fresh interpreter.

Measures, in subprocesses (so nothing is cached between runs), the wall time of

- the statistical estimators: ``from tsmem.estimators import SeasonalNaive, AutoARIMA, ETS,
  Theta, Naive2`` (target: at most 2 s here),
- ``tsmem --help`` and ``tsmem demo --help`` (target: at most 1.5 s each),
- the libraries the statistical estimators build on (pandas, scikit-learn, SciPy,
  statsmodels), imported without tsmem: the floor of the first figure,
- ``from tsmem.estimators import MemNetForecaster`` (the neural model: torch and Lightning),
- ``python -c pass`` (the interpreter alone, for scale),

and whether each imported torch or pytorch_lightning. Each is run ``--repeats`` times; the
table gives the median and the fastest. Runs are kept under a ``--label`` (e.g. ``before`` and
``after`` a change) in ``experiments/results/bench_imports.csv``; the markdown report
``experiments/results/bench_imports.md`` shows every label with its command and git commit.

Usage::

    OMP_NUM_THREADS=1 python experiments/bench_imports.py --label after --repeats 5
"""

from __future__ import annotations

import argparse
import csv
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent

# Printed to stderr when the child exits (also after ``--help``'s SystemExit).
_REPORT_HEAVY = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('\\nHEAVY=' + ','.join("
    "m for m in ('torch', 'pytorch_lightning') if m in sys.modules) + '\\n'))\n"
)
CASES = {
    "python -c pass": "pass",
    "statistical estimators": (
        "from tsmem.estimators import SeasonalNaive, AutoARIMA, ETS, Theta, Naive2"
    ),
    # What the statistical estimators build on, imported without tsmem: the floor for the above.
    "their libraries alone": (
        "import pandas, joblib, tqdm, scipy.signal, scipy.stats, sklearn.base, "
        "statsmodels.tsa.statespace.sarimax, statsmodels.tsa.exponential_smoothing.ets, "
        "statsmodels.tsa.forecasting.theta, statsmodels.tsa.holtwinters, "
        "statsmodels.tsa.seasonal, statsmodels.tsa.stattools"
    ),
    "tsmem --help": "from tsmem.cli import main; main(['--help'])",
    "tsmem demo --help": "from tsmem.cli import main; main(['demo', '--help'])",
    "MemNetForecaster": "from tsmem.estimators import MemNetForecaster",
}
TARGETS = {"statistical estimators": 2.0, "tsmem --help": 1.5, "tsmem demo --help": 1.5}
FIELDS = ["label", "case", "median_s", "min_s", "imports_heavy", "repeats", "commit", "command"]


def time_case(code: str) -> tuple[float, str]:
    """Seconds one fresh interpreter takes to run ``code``, and the heavy modules it imported."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _REPORT_HEAVY + code],
        capture_output=True, text=True, cwd=ROOT,
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0,):
        raise RuntimeError(f"{code!r} failed:\n{done.stderr}")
    heavy = done.stderr.rsplit("HEAVY=", 1)[-1].strip()
    return seconds, heavy or "none"


def measure(repeats: int) -> list[dict[str, object]]:
    rows = []
    for case, code in CASES.items():
        runs = [time_case(code) for _ in range(repeats)]
        seconds = [s for s, _ in runs]
        rows.append({
            "case": case,
            "median_s": f"{statistics.median(seconds):.2f}",
            "min_s": f"{min(seconds):.2f}",
            "imports_heavy": runs[-1][1],
            "repeats": repeats,
        })
        print(f"{case:<24} median {rows[-1]['median_s']} s  min {rows[-1]['min_s']} s  "
              f"heavy: {rows[-1]['imports_heavy']}", flush=True)
    return rows


def load(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def report(rows: list[dict[str, str]]) -> str:
    # Imported here so that the parent's own imports never slow the children down.
    from tsmem.benchmarks.provenance import markdown_table

    parts = [
        "# Import times",
        "",
        "Wall time of a fresh interpreter running each case (median and fastest of the repeats), and",
        "which of torch and pytorch_lightning it imported. Targets: statistical estimators <= 2 s,",
        "`tsmem --help` and `tsmem demo --help` <= 1.5 s. The machine is shared (2 CPU cores), so",
        "single figures move by a few tenths of a second.",
    ]
    for label in dict.fromkeys(row["label"] for row in rows):
        mine = [row for row in rows if row["label"] == label]
        parts += [
            "", f"## {label}", "",
            f"Command: `{mine[0]['command']}`", "", f"Git commit: {mine[0]['commit']}", "",
            markdown_table(
                ["case", "median (s)", "fastest (s)", "target (s)", "imports"],
                [[r["case"], r["median_s"], r["min_s"], TARGETS.get(r["case"], ""),
                  r["imports_heavy"]] for r in mine],
            ),
        ]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default="current", help="name of this run in the report")
    parser.add_argument("--repeats", type=int, default=3, help="runs per case")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for the report")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    # The commit measured, taken first (the tree may change while the cases run).
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip() or "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "tsmem"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    measured = measure(args.repeats)
    stamp = {
        "label": args.label,
        "commit": commit + (" (tsmem/ had uncommitted changes)" if dirty else ""),
        "command": "python " + " ".join(shlex.quote(a) for a in [
            "experiments/bench_imports.py", *(sys.argv[1:] if argv is None else argv)]),
    }
    csv_path, md_path = args.results / "bench_imports.csv", args.results / "bench_imports.md"
    rows = [row for row in load(csv_path) if row["label"] != args.label]
    rows += [{**stamp, **row} for row in measured]
    args.results.mkdir(parents=True, exist_ok=True)
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    md_path.write_text(report(rows))
    print(f"wrote {md_path}")


if __name__ == "__main__":
    main()
