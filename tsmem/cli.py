"""The ``tsmem`` command: one entry point, one help, a subcommand per job."""

from __future__ import annotations

import sys
from collections.abc import Sequence

SUBCOMMANDS = {
    "demo": ("tsmem.demo", "backtest the forecasters on a bundled dataset (the README's main job)"),
}


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_overview())
        return
    command, rest = argv[0], argv[1:]
    if command not in SUBCOMMANDS:
        sys.exit(f"tsmem: unknown command {command!r}.\n\n{_overview()}")
    module = __import__(SUBCOMMANDS[command][0], fromlist=["main"])
    module.main(rest)


def _overview() -> str:
    lines = ["usage: tsmem <command> [options]   (tsmem <command> --help for its options)", "", "commands:"]
    lines += [f"  {name:<10} {text}" for name, (_, text) in SUBCOMMANDS.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
