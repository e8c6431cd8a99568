"""Run tsmem's benchmarks on the standard protocols and write the tables.

    python experiments/benchmark.py etth1_univariate --seeds 0 1 2
    python experiments/benchmark.py all --quick          # minutes: a smoke run of everything

The same as ``tsmem benchmark ...``; see ``tsmem.benchmarks`` for the protocols,
models and the resumable results files under ``experiments/results/``.
"""

from tsmem.benchmarks import main

if __name__ == "__main__":
    main(prog="python experiments/benchmark.py")
