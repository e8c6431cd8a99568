"""Benchmarks on the standard protocols: run cells, resume, report beside published figures."""

from tsmem.benchmarks.runner import main, run
from tsmem.benchmarks.suite import BENCHMARKS

__all__ = ["BENCHMARKS", "main", "run"]
