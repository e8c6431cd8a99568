"""Run ``tsmem demo`` and put what it printed, and how long it took, into the README.

The README's demo table is this script's output, never typed by hand, so it
cannot drift from what the demo prints. The block between the markers

    <!-- readme_demo:start -->  ...  <!-- readme_demo:end -->

in README.md is replaced by the demo's stdout (a fenced block), a line saying
how long it took, on which machine, at which commit, and the ranking of
``tsmem demo --dataset sunspots`` (a second series where the order differs). The
same text is written to ``experiments/results/readme_demo.md`` with the command.

    OMP_NUM_THREADS=1 python experiments/readme_demo.py            # about 3 minutes here
    python experiments/readme_demo.py --no-readme                   # only results/readme_demo.md

The demo's progress (stderr) passes through to the terminal.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- readme_demo:start -->", "<!-- readme_demo:end -->"


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


def block(stdout: str, seconds: float, where: str, other: str, other_seconds: float) -> str:
    """The README text: the demo's output, the measured time and the other dataset's ranking."""
    memnet = re.search(r"^\s*MemNet\s+MAE\s+\S+\s+\(\s*([\d.]+) s\)", stdout, flags=re.M)
    part = f", the memory network's backtest {float(memnet.group(1)):.0f} s of it" if memnet else ""
    day = datetime.date.today().isoformat()
    order = ", ".join(f"{name} {mae:.1f}" for name, mae in ranking(other)[:4])
    return (
        f"```\n{stdout.strip()}\n```\n\n"
        f"`tsmem demo` took {seconds:.0f} s here{part}: {where}, {day}, commit {commit()}. "
        f"`tsmem demo --dataset {OTHER}` ({other_seconds:.0f} s) ranks them by MAE {order}. "
        "`python experiments/readme_demo.py` reruns both and rewrites this block.\n"
    )


def replace_block(text: str, new: str) -> str:
    """``text`` with the part between the markers replaced by ``new``."""
    if text.count(START) != 1 or text.count(END) != 1:
        raise ValueError(f"README.md must hold {START} and {END} once each, around the demo's output.")
    head, rest = text.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{new}{END}{tail}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-readme", action="store_true", help="leave README.md as it is")
    args = parser.parse_args(argv)
    where = machine()
    stdout, seconds = run_demo()
    other, other_seconds = run_demo("--dataset", OTHER)
    new = block(stdout, seconds, where, other, other_seconds)
    print(new)
    results = ROOT / "experiments" / "results" / "readme_demo.md"
    threads = os.environ.get("OMP_NUM_THREADS")
    command = (f"OMP_NUM_THREADS={threads} " if threads else "") + "python experiments/readme_demo.py"
    results.write_text(f"# `tsmem demo` as the README shows it\n\nCommand: `{command}`\n\n{new}")
    print(f"wrote {results}")
    if not args.no_readme:
        README.write_text(replace_block(README.read_text(), new))
        print(f"wrote {README}")


if __name__ == "__main__":
    main()
