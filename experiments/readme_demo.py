"""Run ``tsmem demo`` and put what it printed, and how long it took, into the README.

The README's demo table is this script's output, never typed by hand, so it
cannot drift from what the demo prints. The block between the markers

    <!-- readme_demo:start -->  ...  <!-- readme_demo:end -->

in README.md is replaced by the demo's stdout (a fenced block), a line saying
how long it took, on which machine, at which commit, and the ranking of
``tsmem demo --dataset sunspots`` (a second series where the order differs). The
same text is written to ``experiments/results/readme_demo.md`` with the command.

It also times, each in a fresh process, the jobs a newcomer runs first (default
fits, the README's ``tsmem fit/test/predict`` commands) and writes that table
between ``<!-- readme_timings:start -->`` and ``<!-- readme_timings:end -->``.

    OMP_NUM_THREADS=1 python experiments/readme_demo.py            # about 5 minutes here
    python experiments/readme_demo.py --no-readme                   # only results/readme_demo.md

The demo's progress (stderr) passes through to the terminal.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- readme_demo:start -->", "<!-- readme_demo:end -->"
TIMINGS = ("<!-- readme_timings:start -->", "<!-- readme_timings:end -->")

#: Default fits, timed in one fresh process (the import of torch and Lightning included).
FITS = """
import json, time
began = time.perf_counter()
from tsmem.data import fill_missing
from tsmem.datasets import load_dataset
from tsmem.estimators import AutoARIMA, MemNetForecaster
MemNetForecaster.__init__  # the lazy import of torch and Lightning
times = {"import": time.perf_counter() - began}
for name, horizon in (("air_passengers", 12), ("melbourne_temp", 14)):
    y = fill_missing(load_dataset(name), method="interpolate")
    start = time.perf_counter()
    model = MemNetForecaster(horizon=horizon, random_state=0).fit(y)
    times[name] = (len(y), time.perf_counter() - start, model.n_epochs_)
start = time.perf_counter()
AutoARIMA(season_length=12).fit(load_dataset("air_passengers"))
times["autoarima"] = time.perf_counter() - start
print(json.dumps(times))
"""


#: The second dataset whose ranking the README states.
OTHER = "sunspots"


def run_demo(*options: str) -> tuple[str, float]:
    """The demo's stdout and its wall time in seconds, run as a user runs it."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tsmem.cli", "demo", *options],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    return done.stdout, time.perf_counter() - began


def ranking(stdout: str) -> list[tuple[str, float]]:
    """(model, MAE) from the demo's final table, best first."""
    table = stdout.split("seconds\n", 1)[1].split("\n\n", 1)[0]
    return [(line.split()[0], float(line.split()[1])) for line in table.splitlines() if line.strip()]


def machine() -> str:
    """Cores, load at the start and thread setting: what the time depends on."""
    load = os.getloadavg()[0]
    busy = f", a load average of {load:.1f} at the start (a shared, busy machine)" if load > 1.5 else ""
    threads = os.environ.get("OMP_NUM_THREADS")
    return f"{os.cpu_count()} CPU cores{busy}" + (f", OMP_NUM_THREADS={threads}" if threads else "")


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def memnet_seconds(stdout: str) -> float:
    """The memory network's backtest seconds, from its line in the demo's output."""
    line = re.search(r"^\s*MemNet\s+MAE\s+\S+\s+\(\s*([\d.]+) s\)", stdout, flags=re.M)
    if line is None:
        raise ValueError("the demo printed no MemNet line: has its output format changed?")
    return float(line.group(1))


def time_fits() -> dict:
    """Seconds of the import and of the default fits (see :data:`FITS`)."""
    done = subprocess.run([sys.executable, "-c", FITS], cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_cli() -> list[float]:
    """Seconds of the README's ``tsmem fit``, ``test`` and ``predict``, in a scratch folder."""
    config = ROOT / "experiments" / "configs" / "melbourne_temp_memnet.yaml"
    run = "runs/melbourne_temp_memnet/version_0"
    commands = [
        ["fit", "--config", str(config), "--model.hops", "3", "--trainer.max_epochs", "5"],
        ["test", "--config", f"{run}/config.yaml", "--ckpt_path", f"{run}/checkpoints/last.ckpt"],
        ["predict", "--config", f"{run}/config.yaml", "--ckpt_path", f"{run}/checkpoints/last.ckpt"],
    ]
    seconds = []
    with tempfile.TemporaryDirectory(prefix="tsmem-readme-") as folder:
        for command in commands:
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "tsmem.cli", *command], cwd=folder, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
            seconds.append(time.perf_counter() - began)
    return seconds


def timings_table(demo_seconds: float, memnet_seconds: float, fits: dict, cli: list[float], where: str) -> str:
    """The README's "How long things take here" table."""
    air, melbourne = fits["air_passengers"], fits["melbourne_temp"]
    rows = [
        ("`make demo`, once set up", f"{demo_seconds:.0f} s, {memnet_seconds:.0f} s of it the memory network's backtest"),
        (f"`MemNetForecaster(horizon=12).fit(air_passengers)` ({air[0]} months, defaults)",
         f"{air[1]:.1f} s ({air[2]} epochs); `AutoARIMA(season_length=12)`: {fits['autoarima']:.1f} s"),
        (f"`MemNetForecaster(horizon=14).fit(melbourne_temp)` ({melbourne[0]:,} days, defaults)",
         f"{melbourne[1]:.0f} s ({melbourne[2]} epochs, early stopping)"),
        ("`tsmem fit`, `test`, `predict` as under \"Training from the command line\"",
         ", ".join(f"{s:.0f} s" for s in cli) + " (each a fresh process)"),
        ("importing `MemNetForecaster` (torch and Lightning, once per process)", f"{fits['import']:.1f} s"),
    ]  # fmt: skip
    lines = ["| job | time |", "|---|---|", *(f"| {job} | {took} |" for job, took in rows)]
    return "\n".join(lines) + (
        f"\n\nMeasured once each by `python experiments/readme_demo.py`: {where}, "
        f"{datetime.date.today().isoformat()}, commit {commit()}.\n"
    )


def block(stdout: str, seconds: float, where: str, other: str, other_seconds: float) -> str:
    """The README text: the demo's output, the measured time and the other dataset's ranking."""
    part = f", the memory network's backtest {memnet_seconds(stdout):.0f} s of it"
    day = datetime.date.today().isoformat()
    order = ", ".join(f"{name} {mae:.1f}" for name, mae in ranking(other)[:4])
    return (
        f"```\n{stdout.strip()}\n```\n\n"
        f"`tsmem demo` took {seconds:.0f} s here{part}: {where}, {day}, commit {commit()}. "
        f"`tsmem demo --dataset {OTHER}` ({other_seconds:.0f} s) ranks them by MAE {order}. "
        "`python experiments/readme_demo.py` reruns both and rewrites this block.\n"
    )


def replace_block(text: str, new: str, start: str = START, end: str = END) -> str:
    """``text`` with the part between the markers replaced by ``new``."""
    if text.count(start) != 1 or text.count(end) != 1:
        raise ValueError(f"README.md must hold {start} and {end} once each.")
    head, rest = text.split(start)
    _, tail = rest.split(end)
    return f"{head}{start}\n{new}{end}{tail}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-readme", action="store_true", help="leave README.md as it is")
    args = parser.parse_args(argv)
    where = machine()
    stdout, seconds = run_demo()
    other, other_seconds = run_demo("--dataset", OTHER)
    new = block(stdout, seconds, where, other, other_seconds)
    print(new)
    table = timings_table(seconds, memnet_seconds(stdout), time_fits(), time_cli(), where)
    print(table)
    results = ROOT / "experiments" / "results" / "readme_demo.md"
    threads = os.environ.get("OMP_NUM_THREADS")
    command = (f"OMP_NUM_THREADS={threads} " if threads else "") + "python experiments/readme_demo.py"
    results.write_text(
        f"# `tsmem demo` as the README shows it\n\nCommand: `{command}`\n\n{new}\n"
        f"## How long things take here\n\n{table}"
    )
    print(f"wrote {results}")
    if not args.no_readme:
        README.write_text(replace_block(replace_block(README.read_text(), new), table, *TIMINGS))
        print(f"wrote {README}")


if __name__ == "__main__":
    main()
