"""Do covariates help the memory network? ETTh1 with ``OT`` as target, with and without X.

The ETTh1-S protocol (the standard split: 12/4/4 months; every test origin; MSE and MAE on
the standardised target; lookback 336; the memory settings of ``experiments/memory.py``:
daily windows every half day, 128 slots, every second training window), and four models
that differ only in what they read beside ``OT``:

- ``univariate``: ``OT`` alone (tsmem's default memory network);
- ``loads``: the six load channels (HUFL, HULL, MUFL, MULL, LUFL, LULL) as *past*
  covariates, observed up to each forecast origin: read with the history, in the query
  and in the memory slots;
- ``calendar``: the hour of day and the day of week (sine and cosine of each) as
  *future-known* covariates, read with the history and over the forecast steps;
- ``loads_calendar``: both;
- ``calendar_as_past``: the calendar read with the history only (as past covariates), a
  diagnostic: is it the calendar itself, or its path over the forecast steps, that
  changes the forecast?

Covariates are standardised with the training rows' statistics, as ``OT`` is. One seed per
cell (CPU budget): differences smaller than the seed spread ``experiments/memory.py``
measured for ``memnet`` on ETTh1-S (a std of 0.0015 to 0.003 in MSE at H = 96 to 720) are not findings.

    python experiments/covariates.py                      # H = 24, 96, 336, 720
    python experiments/covariates.py --models univariate loads_calendar
    python experiments/covariates.py --quick              # H = 24, 2 epochs, to runs/

Results go to experiments/results/covariates_etth1.csv (resumable) and .md; ``--quick``
writes to the git-ignored runs/experiments/, ``--results DIR`` anywhere.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from tsmem import metrics
from tsmem.benchmarks.neural import NeuralSettings
from tsmem.benchmarks.outputs import results_dir
from tsmem.benchmarks.protocols import WindowProtocol
from tsmem.benchmarks.report import runs_section
from tsmem.benchmarks.runner import DirtyTreeError, _header, run_cells
from tsmem.benchmarks.suite import HOURLY
from tsmem.benchmarks.zoo import ModelSpec
from tsmem.datasets import load_dataset, split_borders
from tsmem.estimators.memnet_covariates import least_squares_effect
from tsmem.training import MemNetDataModule, MemNetModule
from tsmem.training.fitting import fit_best
from tsmem.training.windows import WindowDataset, batch_loader

LOADS = ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL"]
CALENDAR = ["hour_sin", "hour_cos", "weekday_sin", "weekday_cos"]
HORIZONS = (24, 96, 336, 720)
NETWORK = {"max_slots": 128}  # experiments/memory.py's ETT memory (64 days of slots)

MODELS = {
    "univariate": ModelSpec("univariate", "neural", {"past": [], "future": []}, "OT alone"),
    "loads": ModelSpec("loads", "neural", {"past": LOADS, "future": []}, "six loads as past covariates"),
    "calendar": ModelSpec("calendar", "neural", {"past": [], "future": CALENDAR},
                          "hour and weekday as future-known covariates"),
    "loads_calendar": ModelSpec("loads_calendar", "neural", {"past": LOADS, "future": CALENDAR},
                                "loads (past) and calendar (future-known)"),
    "calendar_as_past": ModelSpec("calendar_as_past", "neural", {"past": CALENDAR, "future": []},
                                  "hour and weekday read with the history only"),
}


def calendar(index: pd.DatetimeIndex) -> pd.DataFrame:
    """Hour of day and day of week on the circle: known for any future timestamp."""
    hour, weekday = index.hour.to_numpy(), index.day_of_week.to_numpy()
    return pd.DataFrame({
        "hour_sin": np.sin(2 * np.pi * hour / 24), "hour_cos": np.cos(2 * np.pi * hour / 24),
        "weekday_sin": np.sin(2 * np.pi * weekday / 7), "weekday_cos": np.cos(2 * np.pi * weekday / 7),
    }, index=index)


@dataclass
class CovariateProtocol(WindowProtocol):
    """ETTh1-S with covariates: the standard borders, each model's X from the same file."""

    eval_step: int = 1  # every test origin (a quick run scores every 24th)

    def frames(self) -> tuple[pd.Series, pd.DataFrame, tuple[int, int, int, int]]:
        frame = load_dataset(self.dataset, data_dir=self.data_dir)
        borders = split_borders(self.dataset, len(frame))
        frame = frame.iloc[: borders[3]]  # rows after the test part are outside the protocol
        X = pd.concat([frame[LOADS], calendar(frame.index)], axis=1)
        return frame["OT"], X, borders

    def evaluate(self, spec: ModelSpec, horizon: int, seed: int) -> dict[str, Any]:
        started = time.perf_counter()
        y, X, (_, train_end, val_end, test_end) = self.frames()
        past, future = spec.params["past"], spec.params["future"]
        data = MemNetDataModule.from_data(
            y, X=X[past + future] if past or future else None, lookback=self.lookback, horizon=horizon,
            batch_size=self.neural.batch_size, train_step=self.neural.train_step,
            val_size=val_end - train_end, test_size=test_end - val_end, per_series_scaling=False,
            seed=seed, past_covariates=past or None, future_covariates=future or None,
        )
        data.setup()
        assert data.borders[0] == (0, train_end, val_end, test_end), data.borders  # the standard split
        module, fit = self._train(data, seed)
        origins = np.arange(val_end - 1, test_end - horizon, self.eval_step)  # last input rows
        actual, forecast = self._forecast(module, data, origins, horizon)
        return {"mse": metrics.mse(actual, forecast), "mae": metrics.mae(actual, forecast),
                "val_loss": fit.best_val_loss, "epochs": fit.n_epochs, "shuffle_seed": seed,
                "n_windows": len(origins), "seconds": time.perf_counter() - started}

    def _train(self, data: MemNetDataModule, seed: int):
        import pytorch_lightning as pl

        pl.seed_everything(seed, workers=True, verbose=False)
        s = self.neural
        module = MemNetModule(
            lookback=self.lookback, horizon=data.hparams.horizon, n_channels=1, window=s.window,
            stride=s.stride, d_model=s.d_model, learning_rate=s.learning_rate,
            n_covariates=data.n_covariates, n_future_covariates=data.n_future_covariates, **NETWORK,
        )
        if data.n_future_covariates:  # as MemNetForecaster.fit starts it
            effect = least_squares_effect(data.scaled, data.covariates, data.n_future_covariates,
                                          [b[1] for b in data.borders], lags=min(s.window, 64))
            with torch.no_grad():
                module.net.future_linear.weight.copy_(torch.as_tensor(effect))
        fit = fit_best(module, data, max_epochs=s.max_epochs, patience=s.patience, deterministic=True,
                       trainer_kwargs={"accelerator": "cpu", "devices": 1})
        return module.eval(), fit

    def _forecast(self, module: MemNetModule, data: MemNetDataModule, origins: np.ndarray, horizon: int):
        """Scaled truth and forecasts ``(n, H, 1)`` from every origin."""
        windows = WindowDataset(
            data.scaled, np.zeros(len(origins), dtype=np.int64), origins - self.lookback + 1, self.lookback,
            horizon, None, module.context_length, data.covariates, data.n_future_covariates,
        )
        actual, forecast = [], []
        with torch.no_grad():
            for batch in batch_loader(windows, batch_size=512, shuffle=False):
                inputs = {k: batch[k] for k in ("covariates", "future_covariates") if k in batch}
                forecast.append(module(batch["x"], **inputs).forecast.numpy())
                actual.append(batch["y"].numpy())
        return np.concatenate(actual).astype(np.float64), np.concatenate(forecast).astype(np.float64)


def table(results: pd.DataFrame) -> str:
    """MSE and MAE per horizon and model (one seed: no spread), with the ratio to univariate."""
    lines = ["| horizon | model | mse | mae | mse / univariate | val_loss | epochs | seconds |",
             "|---|---|---|---|---|---|---|---|"]
    for horizon, group in results.groupby("horizon", sort=True):
        base = group.loc[group.model == "univariate", "mse"].mean()
        for model in [m for m in MODELS if m in set(group.model)]:
            row = group[group.model == model].mean(numeric_only=True)
            ratio = f"{row.mse / base:.3f}" if np.isfinite(base) else ""
            lines.append(f"| {horizon} | {model} | {row.mse:.4f} | {row.mae:.4f} | {ratio} | "
                         f"{row.val_loss:.4f} | {row.epochs:.0f} | {row.seconds:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--horizons", nargs="+", type=int, default=list(HORIZONS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--quick", action="store_true", help="H = 24, 2 epochs, every 24th test origin")
    parser.add_argument("--results", help="folder for the .csv and .md (default experiments/results; "
                        "with --quick the git-ignored runs/experiments)")
    parser.add_argument("--data-dir", default=os.environ.get("TSMEM_DATA_DIR"))
    parser.add_argument("--allow-dirty", action="store_true", help="see experiments/benchmark.py")
    args = parser.parse_args(argv)

    neural: NeuralSettings = replace(HOURLY, train_step=2)  # every second training window
    protocol = CovariateProtocol(name="etth1_univariate_covariates", dataset="etth1", target=["OT"],
                                 horizons=tuple(args.horizons), lookback=336, season_length=24,
                                 neural=neural, data_dir=args.data_dir)
    if args.quick:
        protocol = replace(protocol, horizons=(args.horizons[0] if args.horizons != list(HORIZONS) else 24,),
                           neural=replace(neural, max_epochs=2, patience=1), eval_step=24)
    folder = results_dir(args.results, args.quick, root=Path(__file__).resolve().parents[1])
    folder.mkdir(parents=True, exist_ok=True)
    stem = "covariates_etth1" + ("_quick" if args.quick else "")
    csv_path = folder / f"{stem}.csv"
    command = "python experiments/covariates.py " + " ".join(map(shlex.quote, sys.argv[1:] if argv is None else argv))
    models = {name: MODELS[name] for name in args.models}
    try:
        run_cells(protocol, models, protocol.horizons, args.seeds, csv_path, desc=stem, command=command,
                  allow_dirty=args.allow_dirty)
    except DirtyTreeError as error:
        parser.exit(2, f"covariates.py: error: {error}\n")
    results = pd.read_csv(csv_path)
    text = "\n".join([
        "# Covariates in the memory network: ETTh1, OT with and without X", "",
        "\n\n".join(__doc__.split("\n\n")[1:4]), "",
        _header(command.strip(), protocol, args.quick), "",
        table(results), "",
        *runs_section(results),
    ])
    (folder / f"{stem}.md").write_text(text + "\n")
    print(text + f"\nwritten to {folder / stem}.md and .csv")


if __name__ == "__main__":
    main()
