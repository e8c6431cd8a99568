"""The covariates of a ``MemNetForecaster``: what a fitted model keeps, and their rows at predict.

``X`` follows ``ARIMA``'s conventions (:func:`tsmem.data.exog.align_exog`): a frame
indexed by time for one series, a long frame (``unique_id``, ``ds``, one column per
covariate) for many, rows looked up by timestamp. Its columns are future-known
(``ARIMA``'s regressors are) unless named in ``past_covariates``:

* every covariate is read with the history, beside the target, in the query window
  and the memory slots' windows;
* the future-known ones are also read over the forecast steps, so ``predict`` needs
  them there (and says which timestamps are missing).

Static covariates (one numeric row per series) come as ``fit(y, static=...)``.
Everything is standardised with statistics of the training rows, pooled over the series
(so a new series at predict time is scaled like the training ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from tsmem.data.exog import align_exog
from tsmem.data.panel import ID_COL, TIME_COL, Panel, future_index
from tsmem.data.scaling import PanelScaler
from tsmem.training.datamodule import MemNetDataModule, align_static


@dataclass
class Covariates:
    """What a fitted model knows of its covariates.

    Attributes
    ----------
    names
        The covariates read with the history, future-known first.
    n_future
        How many of ``names`` (the first) are future-known.
    scaler
        Pooled standardisation of the covariates (None: no covariates).
    rows
        The raw covariate rows of every training series, aligned with its values (the
        last ``context_length`` after a load); None without covariates.
    static_names, static_scaler, static
        The static covariates' names, scaling and raw ``(S, K)`` rows of the training
        series (empty / None without).
    """

    names: list[str]
    n_future: int
    scaler: PanelScaler | None
    rows: list[np.ndarray] | None
    static_names: list[str]
    static_scaler: PanelScaler | None
    static: np.ndarray | None

    @classmethod
    def none(cls) -> Covariates:
        return cls([], 0, None, None, [], None, None)

    @classmethod
    def from_datamodule(cls, data: MemNetDataModule) -> Covariates:
        """The covariates the DataModule aligned and scaled (raw rows kept for predict)."""
        rows = None
        if data.covariates is not None:
            scaler = data.covariate_scaler
            rows = [r.astype(np.float64) * scaler.scale_[0] + scaler.shift_[0] for r in data.covariates]
        static = None
        if data.static is not None:
            static = data.static.astype(np.float64) * data.static_scaler.scale_[0] + data.static_scaler.shift_[0]
        return cls(list(data.covariate_names), data.n_future_covariates, data.covariate_scaler, rows,
                   list(data.static_names), data.static_scaler, static)

    @property
    def future_names(self) -> list[str]:
        return self.names[: self.n_future]

    @property
    def past_names(self) -> list[str]:
        return self.names[self.n_future :]

    def tail(self, n: int) -> Covariates:
        """The same, with only the last ``n`` rows of every series (what a saved model keeps)."""
        rows = None if self.rows is None else [r[-n:] for r in self.rows]
        return Covariates(self.names, self.n_future, self.scaler, rows, self.static_names,
                          self.static_scaler, self.static)

    # -- rows at predict time -------------------------------------------------------------
    def predict_rows(
        self, X: Any, history: Panel, steps: int, new_history: bool
    ) -> list[np.ndarray] | None:
        """Scaled rows per series: the history's (all covariates), then ``steps`` forecast
        steps (the future-known covariates; past-only ones NaN there).

        The history's rows come from ``X`` for a new history, else from the training data.
        """
        if not self.names:
            if X is not None:
                raise ValueError("The model was fitted without X (no covariates); drop X, or refit with X.")
            return None
        if X is None:
            need = f"the future-known covariates {self.future_names} over the forecast steps"
            if new_history:
                need = f"the covariates {self.names} over y's timestamps" + (
                    f" and {need}" if self.n_future else "")
            raise ValueError(f"The model was fitted with covariates: predict needs X with {need}.")
        if isinstance(X, pd.Series):
            X = X.to_frame()
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"X must be a pandas DataFrame (or Series), not {type(X).__name__}.")
        missing = sorted(set(self.names) - set(X.columns), key=str)
        if missing:
            raise ValueError(f"X lacks the covariate columns {missing} the model was fitted with.")
        keys = [ID_COL, TIME_COL] if history.layout == "long" and ID_COL in X.columns else []
        if new_history:
            past = align_exog(X[keys + self.names], history, history=True, horizon=0)
        else:
            past = self._training_rows(history)
        future = [np.full((steps, len(self.names)), np.nan) for _ in past]
        if self.n_future:
            try:
                ahead = align_exog(X[keys + self.future_names], history, history=False, horizon=steps)
            except ValueError as error:
                raise ValueError(
                    f"predict needs the future-known covariates {self.future_names} at the "
                    f"{steps} forecast steps (the model's horizon, or whole multiples of it): "
                    f"{_missing_steps(X, history, steps)}. ({error})"
                ) from None
            for rows, values in zip(future, ahead, strict=True):
                rows[:, : self.n_future] = values
        whole = [np.concatenate([p, f]) for p, f in zip(past, future, strict=True)]
        return self.scaler.transform(whole, series=[0] * len(whole))

    def _training_rows(self, history: Panel) -> list[np.ndarray]:
        return [r[-n:] for r, n in zip(self.rows, history.lengths, strict=True)]

    def static_rows(self, static: Any, history: Panel, fitted_ids: tuple) -> np.ndarray | None:
        """Scaled ``(S, K)`` static covariates of ``history``'s series (training ones if known)."""
        if not self.static_names:
            if static is not None:
                raise ValueError("The model was fitted without static covariates; drop static.")
            return None
        if static is None:
            position = {sid: i for i, sid in enumerate(fitted_ids)}
            if len(fitted_ids) == 1 and history.n_series == 1:
                rows = self.static[[0]]
            elif all(sid in position for sid in history.ids):
                rows = self.static[[position[sid] for sid in history.ids]]
            else:
                new = [sid for sid in history.ids if sid not in position]
                raise ValueError(
                    f"Series {new[:5]} were not seen in fit: pass their static covariates "
                    f"{self.static_names} as predict(..., static=frame indexed by unique_id)."
                )
        else:
            rows, names = align_static(static, history)
            if names != self.static_names:
                raise ValueError(f"static has columns {names}; the model was fitted with {self.static_names}.")
        return self.static_scaler.transform([rows])[0]

    # -- the model's file ---------------------------------------------------------------
    def to_plain(self) -> dict[str, Any]:
        """Plain values and tensors (``torch.load(weights_only=True)`` reads them)."""
        def scaler(s: PanelScaler | None) -> Any:
            return None if s is None else {"shift": torch.as_tensor(s.shift_), "scale": torch.as_tensor(s.scale_)}

        return {
            "names": [str(n) for n in self.names], "n_future": int(self.n_future),
            "scaler": scaler(self.scaler),
            "rows": None if self.rows is None else [torch.as_tensor(r) for r in self.rows],
            "static_names": list(self.static_names), "static_scaler": scaler(self.static_scaler),
            "static": None if self.static is None else torch.as_tensor(self.static),
        }

    @classmethod
    def from_plain(cls, plain: dict[str, Any] | None) -> Covariates:
        if plain is None:
            return cls.none()

        def scaler(p: Any) -> PanelScaler | None:
            if p is None:
                return None
            s = PanelScaler("standard", per_series=False)
            s.shift_, s.scale_ = p["shift"].numpy(), p["scale"].numpy()
            return s

        return cls(
            list(plain["names"]), int(plain["n_future"]), scaler(plain["scaler"]),
            None if plain["rows"] is None else [r.numpy() for r in plain["rows"]],
            list(plain["static_names"]), scaler(plain["static_scaler"]),
            None if plain["static"] is None else plain["static"].numpy(),
        )


def _missing_steps(X: pd.DataFrame, history: Panel, steps: int) -> str:
    """Which forecast timestamps ``X`` lacks, per series (at most five of each listed)."""
    parts = []
    for sid, index in zip(history.ids, history.index, strict=True):
        wanted = future_index(index, steps)
        if ID_COL in X.columns:
            have = pd.Index(X.loc[X[ID_COL] == sid, TIME_COL])
        else:
            have = X.index
        absent = wanted.difference(have) if len(have) else wanted
        if len(absent):
            shown = ", ".join(str(t) for t in absent[:5])
            parts.append(f"series {sid!r} lacks {len(absent)} of them: {shown}"
                         + (" and more" if len(absent) > 5 else ""))
    return "; ".join(parts) or "some rows are NaN or not numeric"


def least_squares_effect(
    values: list[np.ndarray], covariates: list[np.ndarray], n_future: int, ends: list[int], lags: int
) -> np.ndarray:
    """``(C, Fk)``: the same-step effect of each future-known covariate on each channel.

    Fitted by least squares on the training rows (``[:end]`` of every series), on the
    scaled data, with ``lags`` lags of the channel and an intercept as controls (an ARX
    regression): the lags soak up the series' own dynamics, so the covariate's effect is
    estimated from what they leave. It starts the network's per-step covariate term
    (``MemNet.future_linear``), which training then refines.
    """
    n_channels = values[0].shape[1]
    effect = np.zeros((n_channels, n_future))
    for c in range(n_channels):
        design, target = [], []
        for v, f, end in zip(values, covariates, ends, strict=True):
            y = v[:end, c]
            if len(y) <= lags + 1:
                continue
            lagged = np.stack([y[lags - k - 1 : len(y) - k - 1] for k in range(lags)], axis=1)  # (T', p)
            design.append(np.column_stack([f[lags:end, :n_future], lagged, np.ones(len(y) - lags)]))
            target.append(y[lags:])
        if design:
            solution = np.linalg.lstsq(np.concatenate(design), np.concatenate(target), rcond=None)[0]
            effect[c] = solution[:n_future]
    return effect
