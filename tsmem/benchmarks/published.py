"""Published figures that tsmem's benchmark tables are set beside.

The ETTh1 figures are those collected in ``design.md`` §5 (MSE / MAE on the
standardised scale), with their sources; "measured here" rows are the
reference runs named there, made on this project's machines on the same split.
Each row records its lookback (and any other difference), so a report can say
per row how the figures differ from its own protocol (:func:`differences`). M4
scores are read from the competition's own results table in the data folder
(:func:`m4_published`), not copied here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Reference:
    """One row of figures set beside a benchmark's table, with how it was obtained.

    ``lookback`` is the input length the figures used: an int, a phrase such as
    "whole history", or None where the source does not state it. The report
    compares it and the horizons with the benchmark's own protocol, row by row.
    """

    source: str
    figures: dict[int, tuple[float, float | None]]  # horizon (0: mean over horizons) -> (mse, mae)
    lookback: int | str | None
    note: str = ""  # anything else that differs from the benchmark's protocol


ETT_PUBLISHED: dict[str, list[Reference]] = {
    "etth1_univariate": [
        Reference("ARIMA (Informer paper)", {24: (0.108, 0.284), 48: (0.175, 0.424), 168: (0.396, 0.504), 336: (0.468, 0.593), 720: (0.659, 0.766)}, None),
        Reference("S4 (published)", {24: (0.061, 0.191), 48: (0.079, 0.220), 168: (0.104, 0.258), 336: (0.080, 0.229), 720: (0.116, 0.271)}, None),
        Reference("DLinear (published)", {96: (0.056, 0.180), 192: (0.071, 0.204), 336: (0.098, 0.244), 720: (0.189, 0.359)}, 336),
        Reference("PatchTST/42 (published)", {96: (0.055, 0.179), 192: (0.071, 0.205), 336: (0.081, 0.225), 720: (0.087, 0.232)}, 336),
        Reference("AutoARIMA fitted once on train (measured here, design.md)", {24: (0.028, None), 48: (0.041, None), 168: (0.073, None), 336: (0.095, None), 720: (0.110, None)},
                  None, "fitted once on the training rows, applied to each window"),
        Reference("tuned DLinear (measured here, design.md)", {24: (0.027, None), 48: (0.040, None), 96: (0.055, None), 168: (0.069, None), 336: (0.087, None), 720: (0.091, None)},
                  336, "standard scaling, lr 1e-3"),
    ],
    "etth1_multivariate": [
        Reference("DLinear (published)", {96: (0.375, 0.399), 192: (0.405, 0.416), 336: (0.439, 0.443), 720: (0.472, 0.490)}, 336),
        Reference("PatchTST/64 (published)", {96: (0.370, 0.400), 192: (0.413, 0.429), 336: (0.422, 0.440), 720: (0.447, 0.468)}, 512),
        Reference("RAFT (published)", {0: (0.420, None)}, None, "MSE averaged over H = 96/192/336/720 only"),
    ],
}


def differences(ref: Reference, lookback: int, horizons: Sequence[int]) -> str:
    """How ``ref`` was obtained differently from a protocol with this lookback and these horizons.

    Examples
    --------
    >>> ref = Reference("X", {96: (0.1, 0.2), 336: (0.3, 0.4)}, 512)
    >>> differences(ref, lookback=336, horizons=(24, 336))
    'lookback 512 (ours 336); horizons 96, 336: only 336 overlap ours'
    >>> differences(Reference("Y", {24: (0.1, None)}, 336), lookback=336, horizons=(24,))
    'same split, lookback and horizons'
    """
    parts = []
    if ref.lookback is None:
        parts.append("lookback not stated")
    elif ref.lookback != lookback:
        parts.append(f"lookback {ref.lookback} (ours {lookback})")
    ours = set(horizons)
    theirs = [h for h in ref.figures if h != 0]
    if theirs and not set(theirs) <= ours:
        overlap = [h for h in theirs if h in ours]
        listed = ", ".join(map(str, theirs))
        parts.append(f"horizons {listed}: " + (f"only {', '.join(map(str, overlap))} overlap ours" if overlap else "none overlap ours"))
    if ref.note:
        parts.append(ref.note)
    return "; ".join(parts) or "same split, lookback and horizons"


#: M4 method ids named in design.md §5, with a readable name.
M4_NAMED = {"Naive2": "Naive2", "sNaive": "sNaive", "Theta": "Theta", "118": "ES-RNN (M4 winner, Smyl)"}


def m4_published(data_dir: str | Path, frequency: str = "Hourly") -> pd.DataFrame:
    """Published sMAPE / MASE / OWA of the named M4 methods and of the best entry.

    Read from ``m4/m4_point_scores_by_frequency.csv`` (the competition's results).
    """
    table = pd.read_csv(Path(data_dir) / "m4" / "m4_point_scores_by_frequency.csv", dtype={"method_id": str})
    columns = [f"sMAPE_{frequency}", f"MASE_{frequency}", f"OWA_{frequency}"]
    rows = table.set_index("method_id")[columns].set_axis(["smape", "mase", "owa"], axis=1)
    named = rows.loc[[key for key in M4_NAMED if key in rows.index]].rename(index=M4_NAMED)
    best_id = rows["owa"].idxmin()
    best = rows.loc[[best_id]].rename(index={best_id: f"best M4 entry on {frequency} (id {best_id})"})
    return pd.concat([named, best])
