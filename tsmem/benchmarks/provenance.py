"""What every results file records about where it came from, and how it prints tables.

Shared by the benchmark runner and the scripts under ``experiments/``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path


def git_commit(watched: Sequence[str] = ("tsmem",), short: bool = True) -> str:
    """The checked-out commit, flagged when files under ``watched`` differ from it.

    Examples
    --------
    >>> git_commit(short=True) != ""
    True
    """
    try:
        command = ["git", "rev-parse", *(["--short"] if short else []), "HEAD"]
        sha = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
        status = ["git", "status", "--porcelain", "--", *watched]
        dirty = subprocess.run(status, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    folders = " or ".join(f"{path}/" for path in watched)
    return sha + (f" ({folders} had uncommitted changes)" if dirty else "")


def markdown_table(headers: Sequence[object], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table of already formatted cells.

    Examples
    --------
    >>> print(markdown_table(["model", "mse"], [["naive", "0.034"]]))
    | model | mse |
    |---|---|
    | naive | 0.034 |
    """
    lines = ["| " + " | ".join(map(str, headers)) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def git_toplevel() -> Path | None:
    """The root of the git checkout the process runs in (None outside one)."""
    try:
        command = ["git", "rev-parse", "--show-toplevel"]
        return Path(subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return None
