"""Cost of a long memory: training-step time and peak memory from 64 to 16,384 slots.

Every slot count runs in a fresh process (so peak RSS is its own), on one thread:
a training step (forward, backward, AdamW) of the default memory network
(Pearson addressing, retrieved futures, 2 hops, d=64) with ``memory="history"``,
window 24, stride 1, batch 8, horizon 24. The table gives milliseconds per step,
the peak resident memory above the process's footprint before the first step, and
both per slot: flat per-slot columns mean the cost is linear in the number of slots.

    OMP_NUM_THREADS=1 python experiments/bench_memory.py            # the full table
    OMP_NUM_THREADS=1 python experiments/bench_memory.py --quick    # 64..1,024 slots

Results go to experiments/results/bench_memory.md unless ``--quick`` (then to
runs/experiments/ unless ``--results`` is given).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tsmem.benchmarks.provenance import git_commit

SLOTS = (64, 256, 1024, 4096, 16384)
QUICK_SLOTS = (64, 256, 1024)


def measure(n_slots: int, steps: int) -> dict[str, float]:
    """One slot count, in this process: ms per training step and peak RSS growth (MiB)."""
    import resource

    import torch

    from tsmem.nn import MemNet, MemNetConfig

    torch.set_num_threads(1)
    torch.manual_seed(0)
    window, horizon, batch = 24, 24, 8
    config = MemNetConfig(
        lookback=96, horizon=horizon, window=window, stride=1, max_slots=n_slots,
        memory="history",
    )
    model = MemNet(config)
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    length = config.context_length
    x = torch.randn(batch, length, 1)
    y = torch.randn(batch, horizon, 1)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB (Linux: KiB)

    def step() -> None:
        loss = (model(x).forecast - y).square().mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()

    step()  # warm-up
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ms = 1000 * sorted(times)[len(times) // 2]
    return {"slots": n_slots, "input_steps": length, "ms_per_step": ms, "peak_mib": peak - before}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64..1,024 slots, 3 steps each")
    parser.add_argument("--results", type=Path, default=None, help="directory for the table")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=None, help="timed steps per slot count")
    args = parser.parse_args(argv)
    steps = args.steps or (3 if args.quick else 10)
    if args.one is not None:  # the child process
        print(json.dumps(measure(args.one, steps)))
        return

    rows = []
    for n in QUICK_SLOTS if args.quick else SLOTS:
        command = [sys.executable, __file__, "--one", str(n), "--steps", str(steps)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        r = rows[-1]
        print(
            f"{r['slots']:>6} slots  {r['ms_per_step']:9.1f} ms/step  {r['peak_mib']:8.1f} MiB"
            f"  {1000 * r['ms_per_step'] / r['slots']:7.1f} µs/slot"
            f"  {1024 * r['peak_mib'] / r['slots']:7.1f} KiB/slot",
            flush=True,
        )

    lines = [
        "# Long memory: cost per training step against the number of slots",
        "",
        "Command: `OMP_NUM_THREADS=1 python experiments/bench_memory.py"
        + "".join(f" {a}" for a in (sys.argv[1:] if argv is None else argv)) + "`",
        "",
        f"Commit {git_commit()}; 1-minute load average at the end {os.getloadavg()[0]:.1f} "
        f"({os.cpu_count()} logical CPUs).",
        "",
        "One thread, batch 8, window 24, stride 1, horizon 24, d=64, 2 hops, Pearson addressing,",
        "retrieved futures, `memory=\"history\"`; median of the timed steps; peak RSS growth above",
        "the process's footprint before the first step (fresh process per row).",
        "",
        "| slots | input steps | ms/step | peak MiB | µs/slot | KiB/slot |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['slots']} | {r['input_steps']} | {r['ms_per_step']:.1f} | {r['peak_mib']:.1f} "
            f"| {1000 * r['ms_per_step'] / r['slots']:.1f} | {1024 * r['peak_mib'] / r['slots']:.1f} |"
        )
    default = Path("runs/experiments") if args.quick else Path(__file__).parent / "results"
    out_dir = args.results or default
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "bench_memory.md"
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
