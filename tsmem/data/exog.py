"""Line exogenous regressors ``X`` up with the series they explain.

``X`` has the same layout as ``y``: a frame (or Series) indexed by time for one
series, or a long frame with ``unique_id``, ``ds`` and one column per regressor
for many. Its rows are looked up by timestamp, so ``X`` may hold more rows than
needed (a whole calendar of holidays, say), never fewer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tsmem.data.panel import ID_COL, TIME_COL, Panel, future_index
from tsmem.data.validate import check_finite, check_numeric


def align_exog(X: pd.Series | pd.DataFrame, panel: Panel, history: bool, horizon: int) -> list[np.ndarray]:
    """The rows of ``X`` for each series: its history (when ``history``), then ``horizon`` future steps.

    Returns
    -------
    list of arrays
        One ``(rows, K)`` float64 array per series of ``panel``.

    Raises
    ------
    ValueError
        When ``X`` lacks a needed timestamp or series, is not numeric, or holds NaN.
    """
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame (or Series), not {type(X).__name__}.")
    if panel.layout == "long":
        return [_rows(_series_frame(X, sid), _wanted(ix, history, horizon), f"X for series {sid!r}")
                for sid, ix in zip(panel.ids, panel.index, strict=True)]
    if ID_COL in X.columns:
        raise ValueError("X is a long frame but y is a single series: pass X indexed by time, like y.")
    return [_rows(X, _wanted(panel.index[0], history, horizon), "X")]


def _wanted(index: pd.Index, history: bool, horizon: int) -> pd.Index:
    future = future_index(index, horizon) if horizon else index[:0]
    return index.append(future) if history else future


def _series_frame(X: pd.DataFrame, series_id: object) -> pd.DataFrame:
    if ID_COL not in X.columns or TIME_COL not in X.columns:
        raise ValueError("y is a long frame, so X must be long too: columns unique_id, ds and one per regressor.")
    rows = X[X[ID_COL] == series_id]
    if rows.empty:
        raise ValueError(f"X has no rows for series {series_id!r}; give X rows for every series of y.")
    return rows.drop(columns=ID_COL).set_index(TIME_COL)


def _rows(X: pd.DataFrame, wanted: pd.Index, label: str) -> np.ndarray:
    check_numeric(X, label)
    if X.index.has_duplicates:
        raise ValueError(f"{label} has duplicate timestamps; keep one row per timestamp.")
    _check_same_timezone(X.index, wanted, label)
    missing = wanted.difference(X.index)
    if len(missing):
        raise ValueError(
            f"{label} lacks {len(missing)} of the {len(wanted)} timestamps needed, the first "
            f"{missing[0]}. X must cover the series' history in fit, and the forecast horizon "
            "in predict (plus the new history when predict gets y)."
        )
    values = X.loc[wanted].to_numpy(dtype=np.float64)
    check_finite(values, wanted, label)
    return values


def _check_same_timezone(have: pd.Index, wanted: pd.Index, label: str) -> None:
    """Timestamps with and without a time zone never match: say so rather than "missing"."""
    have_tz, wanted_tz = getattr(have, "tz", None), getattr(wanted, "tz", None)
    if isinstance(have, pd.DatetimeIndex) and isinstance(wanted, pd.DatetimeIndex) and (have_tz is None) != (
        wanted_tz is None
    ):
        raise ValueError(
            f"Time zone mismatch: {label} has timestamps {'in ' + str(have_tz) if have_tz else 'without a time zone'} "
            f"but y's are {'in ' + str(wanted_tz) if wanted_tz else 'without a time zone'}. Use the same "
            "convention for both, e.g. X.index = X.index.tz_localize(None) or y's index.tz_localize('UTC')."
        )
