"""M4 Hourly: memory-network ensemble members trained one by one, their median scored.

N-BEATS' ensemble is the median of many networks that differ in lookback, loss and seed.
Here each member is ``experiments/memory.py``'s M4 network (week-long windows a day
apart, ten best analogues, the benchmark's training settings) with one lookback, one
loss and one seed, trained on the M4 Hourly protocol (all 414 series unless
``--n-series``) and saved as ``L<lookback>_<loss>_s<seed>.npz`` (``..._t<k>`` when trained on every k-th
window by ``--train-step k`` instead of the benchmark's every 4th) (the forecasts of every
series, the validation loss, the epochs, the seconds and where it trained), so members
trained in separate processes, or on separate machines, make one pool.

``train --estimators analog autoarima`` adds members of other families to the pool
(``memory.py``'s analog floor and tsmem's default AutoARIMA, saved as ``analog.npz`` and
``autoarima.npz``). ``combine`` scores each member alone, the per-step median of the
memory networks (``L*`` files), and, where other members are in the pool, the rule of
``memory.py``'s ``mixed_median``: the per-step median of each memory network with every
other member, and of the networks' median with them. ``--members`` (shell patterns)
restricts the pool; the rules are fixed before the scores are read (no selection on the
test split).

    python experiments/m4_members.py train --lookbacks 168 336 504 --losses mae mase huber \\
        --seeds 0 --out runs/m4_members
    python experiments/m4_members.py train --estimators analog autoarima --out runs/m4_members
    python experiments/m4_members.py combine --out runs/m4_members --results experiments/results

``train --accelerator gpu`` trains on the first GPU (``experiments/bench_gpu.py`` measures
that the fit is the same there up to rounding).
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import platform
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tsmem.benchmarks.protocols import M4Protocol
from tsmem.benchmarks.provenance import git_commit, markdown_table
from tsmem.benchmarks.suite import BENCHMARKS
from tsmem.benchmarks.zoo import M4_WEEKS, MODELS, ModelSpec

HORIZON = 48
ESTIMATORS = ("analog", "autoarima")  # the other families of memory.py's mixed_median (zoo specs)


def protocol(lookback: int | None, n_series: int | None, data_dir: str | None, accelerator: str = "cpu",
             max_epochs: int | None = None, train_step: int | None = None) -> M4Protocol:
    """The M4 Hourly benchmark's protocol with this lookback (None: its own), on this accelerator."""
    base: M4Protocol = BENCHMARKS["m4_hourly"][0]
    neural = replace(base.neural, trainer=(("accelerator", accelerator), ("devices", 1)),
                     max_epochs=max_epochs or base.neural.max_epochs,
                     train_step=train_step or base.neural.train_step)
    return replace(base, lookback=lookback or base.lookback, n_series=n_series, data_dir=data_dir, neural=neural)


def train(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.estimators or ():
        started = time.perf_counter()
        m4 = protocol(None, args.n_series, args.data_dir)
        forecast, _ = m4.forecast(MODELS[name], m4.split(HORIZON)[0], HORIZON, 0)
        _save(out / f"{name}.npz", forecast, started, "cpu", val_loss=np.nan, epochs=0)
    if args.estimators:
        return
    for seed in args.seeds:
        for lookback in args.lookbacks:
            for loss in args.losses:
                name = f"L{lookback}_{loss}_s{seed}" + (f"_t{args.train_step}" if args.train_step else "")
                if (out / f"{name}.npz").exists():
                    print(f"{name}: already there", flush=True)
                    continue
                started = time.perf_counter()
                m4 = protocol(lookback, args.n_series, args.data_dir, args.accelerator, args.max_epochs,
                              args.train_step)
                spec = ModelSpec(name, "neural", M4_WEEKS | {"loss": loss}, name)
                forecast, extra = m4.forecast(spec, m4.split(HORIZON)[0], HORIZON, seed)
                _save(out / f"{name}.npz", forecast, started, args.accelerator,
                      val_loss=extra["val_loss"], epochs=extra["epochs"])


def _save(path: Path, forecast: list[np.ndarray], started: float, accelerator: str, **fit: Any) -> None:
    """One member's file: its forecasts, ``fit`` (val_loss, epochs), its seconds, where it
    trained and the command that trained it."""
    seconds = time.perf_counter() - started
    np.savez(path, forecast=_stored(forecast), seconds=seconds, n_series=len(forecast),
             trained_on=f"{accelerator} ({_device_name(accelerator)}), torch {torch.__version__}",
             command=_command(), **fit)
    print(f"{path.stem}: val_loss {float(fit['val_loss']):.4f}, {fit['epochs']} epochs, {seconds:.0f} s",
          flush=True)


def combine(args: argparse.Namespace) -> None:
    files = sorted(Path(args.out).glob("*.npz"))
    if args.members:
        files = [f for f in files if any(fnmatch.fnmatch(f.stem, p) for p in args.members)]
    if not any(f.stem.startswith("L") for f in files):
        raise SystemExit(f"no memory-network member (L*.npz) in {args.out} matches {args.members or '*'}")
    members = {f.stem: np.load(f) for f in files}
    n_series = {int(m["n_series"]) for m in members.values()}
    if len(n_series) != 1:
        raise SystemExit(f"members forecast different numbers of series {sorted(n_series)}: "
                         "train them all with the same --n-series")
    count = n_series.pop()
    m4 = protocol(None, None if count == 414 else count, args.data_dir)
    train_part, test = m4.split(HORIZON)
    rows = []
    for name, member in members.items():
        rows.append({"model": name, **_rounded(m4.score(train_part, test, list(member["forecast"]))),
                     "val_loss": _loss(member), "seconds": round(float(member["seconds"])),
                     "trained_on": str(member["trained_on"])})
    networks = {name: m for name, m in members.items() if name.startswith("L")}
    others = {name: m for name, m in members.items() if name not in networks}
    median = np.median(np.stack([m["forecast"] for m in networks.values()]), axis=0)
    rows.append(_combined(m4, train_part, test, f"median of {len(networks)} memory networks", median, networks))
    for name, network in networks.items() if others else ():  # memory.py's mixed_median, per network
        mixed = np.median(np.stack([network["forecast"], *(m["forecast"] for m in others.values())]), axis=0)
        rows.append(_combined(m4, train_part, test, f"median of ({name}, " + ", ".join(others) + ")",
                              mixed, {name: network} | others))
    if others:
        mixed = np.median(np.stack([median, *(m["forecast"] for m in others.values())]), axis=0)
        rows.append(_combined(m4, train_part, test, "median of (that median, " + ", ".join(others) + ")",
                              mixed, members))
    commands = sorted({str(m["command"]) for m in members.values() if "command" in m})
    report(rows, commands, args)


def _combined(m4: M4Protocol, train_part, test, name: str, forecast: np.ndarray, members: dict) -> dict:
    """A combination's row: its scores and its members' seconds added up."""
    return {"model": name, **_rounded(m4.score(train_part, test, list(forecast))), "val_loss": "",
            "seconds": round(sum(float(m["seconds"]) for m in members.values())), "trained_on": ""}


def report(rows: list[dict], commands: list[str], args: argparse.Namespace) -> None:
    columns = list(rows[0])
    text = "\n".join([
        "# M4 Hourly: memory-network members and their median", "",
        "Written by `experiments/m4_members.py` (its docstring says what each member is). "
        f"Command: `{_command()}`; "
        f"combined on {platform.machine()}, Python {platform.python_version()}. `seconds`: each "
        "member's training and forecast where it trained (`trained_on`); the median's is their sum.", "",
        markdown_table(columns, [[row[c] for c in columns] for row in rows]), "",
        "The members were trained by:", "", *(f"- `{command}`" for command in commands), "",
    ])
    print(text)
    if args.results:
        Path(args.results).mkdir(parents=True, exist_ok=True)
        (Path(args.results) / f"m4_members{args.tag}.md").write_text(text)


def _stored(forecast: list[np.ndarray]) -> np.ndarray:
    """Forecasts as float32: half the size of a pool kept beside the results, and seven
    digits are more than the scores (four decimals) read."""
    return np.stack(forecast).astype(np.float32)


def _loss(member) -> float | str:
    loss = float(member["val_loss"])
    return "" if np.isnan(loss) else round(loss, 4)


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {k: round(float(scores[k]), 4) for k in ("smape", "mase", "owa")}


def _command() -> str:
    return f"python {shlex.join(['experiments/m4_members.py', *sys.argv[1:]])} at {git_commit()}"


def _device_name(accelerator: str) -> str:
    if accelerator == "gpu" and torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"{os.cpu_count()} CPUs, {torch.get_num_threads()} threads"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["train", "combine"])
    parser.add_argument("--out", required=True, help="folder of the member files")
    parser.add_argument("--lookbacks", nargs="+", type=int, default=[168, 336, 504])
    parser.add_argument("--losses", nargs="+", default=["mae", "mase", "huber"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--estimators", nargs="+", choices=ESTIMATORS,
                        help="train: these non-neural members instead of memory networks")
    parser.add_argument("--n-series", type=int, default=None, help="a fixed random sample of series")
    parser.add_argument("--max-epochs", type=int, default=None, help="default: the benchmark's (30)")
    parser.add_argument("--train-step", type=int, default=None,
                        help="train on every k-th window (default: the benchmark's 4); names get _t<k>")
    parser.add_argument("--accelerator", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--members", nargs="+", help="combine: shell patterns of member names")
    parser.add_argument("--results", help="combine: folder for m4_members<tag>.md")
    parser.add_argument("--tag", default="", help="combine: suffix of the report's name")
    parser.add_argument("--data-dir", default=os.environ.get("TSMEM_DATA_DIR"))
    args = parser.parse_args(argv)
    if args.accelerator == "gpu" and not torch.cuda.is_available():
        parser.error("--accelerator gpu needs a CUDA GPU (torch.cuda.is_available() is False)")
    (train if args.action == "train" else combine)(args)


if __name__ == "__main__":
    main()
