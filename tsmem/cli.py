"""The ``tsmem`` command: one entry point, one help, a subcommand per job.

Each subcommand is a :class:`Command`: the function that runs it (imported only
when that subcommand runs, so ``tsmem --help`` stays fast) and one line of help.
Add one with :func:`register`, e.g. in this module::

    register("forecast", "mypackage.forecast:main", "one line of help")

The function is called with the arguments after the subcommand's name (after
``Command.args``, which the Lightning subcommands use to pass their own name on).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """A ``tsmem`` subcommand.

    Attributes
    ----------
    target : str
        ``"package.module:function"``; the function takes a list of arguments.
    help : str
        One line for ``tsmem --help``.
    args : tuple of str
        Arguments put before the user's (``("fit",)`` for ``tsmem.lightning_cli:main``).
    """

    target: str
    help: str
    args: tuple[str, ...] = ()

    def run(self, argv: Sequence[str]) -> None:
        """Import the target and call it with ``args + argv``."""
        module, function = self.target.split(":")
        getattr(importlib.import_module(module), function)([*self.args, *argv])


COMMANDS: dict[str, Command] = {}


def register(name: str, target: str, help: str, args: Sequence[str] = ()) -> None:
    """Add the subcommand ``tsmem <name>``; see :class:`Command` for ``target`` and ``args``."""
    if name in COMMANDS:
        raise ValueError(f"tsmem already has a {name!r} subcommand.")
    COMMANDS[name] = Command(target, help, tuple(args))


# LightningCLI's subcommands, one tsmem subcommand each (tsmem.lightning_cli reads this help too).
_LIGHTNING = {
    "fit": "train a memory network from a YAML config (checkpoints: best by val_loss and last)",
    "validate": "score a checkpoint on the validation split",
    "test": "score a checkpoint on the test split by the benchmark's protocol (test_metrics.json)",
    "predict": "forecast past the end of every series from a checkpoint (predictions.csv)",
}
for _name, _help in _LIGHTNING.items():
    register(_name, "tsmem.lightning_cli:main", _help, args=(_name,))
register(
    "demo",
    "tsmem.demo:main",
    "backtest the forecasters on a bundled dataset (the README's main job)",
)
register(
    "benchmark",
    "tsmem.benchmarks:main",
    "run the benchmark tables on the standard protocols (experiments/benchmark.py)",
)


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``tsmem <command> [options]`` (``argv`` defaults to ``sys.argv[1:]``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_overview())
        return
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        sys.exit(f"tsmem: unknown command {command!r}.\n\n{_overview()}")
    COMMANDS[command].run(rest)


def _overview() -> str:
    lines = [
        "usage: tsmem <command> [options]   (tsmem <command> --help for its options)",
        "",
        "commands:",
    ]
    lines += [f"  {name:<10} {command.help}" for name, command in COMMANDS.items()]
    lines += [
        "",
        "fit, validate, test and predict take a YAML config (--config) and override any",
        "option on the command line: tsmem fit --config experiments/configs/"
        "melbourne_temp_memnet.yaml --model.hops 3",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
