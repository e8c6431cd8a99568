"""A torch ``Dataset`` of forecasting windows that builds whole batches at once.

The DataLoader hands the dataset a *list* of window numbers (the sampler is a
``BatchSampler`` and ``batch_size=None``), and the batch is one fancy index into
a flat buffer of all series: no Python work per sample.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler

from tsmem.data.windows import concat_series


class WindowDataset(Dataset):
    """Windows of ``lookback`` inputs and ``horizon`` targets over many series.

    Parameters
    ----------
    values
        One ``(T_i, C)`` array per series, already scaled.
    series, starts
        Window ``k`` starts at row ``starts[k]`` of series ``series[k]``
        (see :func:`tsmem.data.window_starts`).
    lookback, horizon
        Input and target lengths; ``horizon=0`` gives input-only windows (prediction).
    time_features
        Optional ``(T_i, F)`` arrays of calendar features aligned with ``values``.
    context
        Input steps per window, ``>= lookback`` (a long memory, see
        ``MemNetConfig.context_length``): the ``context - lookback`` steps before each
        window's lookback are prepended, NaN where they fall before the series'
        start (their calendar features 0). ``None`` means ``lookback``.
    covariates
        Optional ``(T_i, P)`` arrays of covariates aligned with ``values``, already
        scaled: served over each window's input as ``covariates`` (0 where the input is
        padding).
    n_future
        The first ``n_future`` columns of ``covariates`` are known over the horizon:
        served over each window's target steps as ``future_covariates`` (needs
        ``horizon > 0``).
    static
        Optional ``(S, K)`` array, one row of static covariates per series: ``static``.

    A batch is a dict: ``x`` (B, L, C) with ``L <= context`` (leading steps that are
    padding in every window of the batch are dropped), ``y`` (B, H, C) when
    ``horizon > 0``, ``time_features`` (B, L, F) when given, and ``series``/``start``
    (B,) to locate each window (``start`` is where its lookback begins).
    """

    def __init__(
        self,
        values: Sequence[np.ndarray],
        series: np.ndarray,
        starts: np.ndarray,
        lookback: int,
        horizon: int,
        time_features: Sequence[np.ndarray] | None = None,
        context: int | None = None,
        covariates: Sequence[np.ndarray] | None = None,
        n_future: int = 0,
        static: np.ndarray | None = None,
    ) -> None:
        if n_future and not horizon:
            raise ValueError(
                "Future-known covariates are served over the target steps, but these windows "
                "have none (horizon=0): forecast with MemNetForecaster.predict(X=...), which "
                "takes the covariates of the forecast steps."
            )
        buffer, offsets = concat_series(values)
        self.history = 0 if context is None else max(0, int(context) - lookback)
        self.series_start = torch.as_tensor(offsets[series])  # (n,) buffer row of each series' start
        self.buffer = torch.as_tensor(buffer, dtype=torch.float32)  # (sum T, C)
        self.features = None
        if time_features is not None and time_features[0].shape[1] > 0:
            self.features = torch.as_tensor(concat_series(time_features)[0], dtype=torch.float32)
        self.covariates = None
        if covariates is not None:
            self.covariates = torch.as_tensor(concat_series(covariates)[0], dtype=torch.float32)
        self.n_future = n_future
        self.static = None if static is None else torch.as_tensor(static, dtype=torch.float32)
        self.first_row = torch.as_tensor(
            offsets[series] + starts
        )  # (n,) row of each window's start
        self.series = torch.as_tensor(series)
        self.starts = torch.as_tensor(starts)
        self.lookback, self.horizon = lookback, horizon

    def __len__(self) -> int:
        return len(self.first_row)

    def __getitem__(self, windows: Sequence[int] | int) -> dict[str, torch.Tensor]:
        windows = torch.as_tensor(windows).reshape(-1)
        # Only the history this batch's earliest-reaching window has: a long memory's context
        # can be far longer than the series, and steps before every window's series start
        # would be dropped below anyway (same batch, without gathering them first).
        reach = self.first_row[windows] - self.series_start[windows]  # (B,) steps of history
        history = min(self.history, int(reach.max())) if len(windows) else self.history
        steps = torch.arange(-history, self.lookback + self.horizon)
        rows = self.first_row[windows, None] + steps  # (B, M + L + H), M = history steps
        before_start = rows < self.series_start[windows, None]  # (B, M + L + H)
        rows = torch.where(before_start, self.series_start[windows, None], rows)
        block = self.buffer[rows]  # (B, M + L + H, C)
        context = history + self.lookback
        if self.history:
            # Steps before a series' start are not observed: NaN, masked by the model.
            block = block.masked_fill(before_start[..., None], float("nan"))
            # Columns that are padding in every row hold only masked slots: drop them
            # (the slots are anchored at the end, so the others are unchanged).
            unseen = int(before_start[:, :context].sum(dim=1).min())
            block, rows, before_start = block[:, unseen:], rows[:, unseen:], before_start[:, unseen:]
            context -= unseen
        batch = {
            "x": block[:, :context],
            "series": self.series[windows],
            "start": self.starts[windows],
        }
        if self.horizon:
            batch["y"] = block[:, context:]
        if self.features is not None:
            features = self.features[rows[:, :context]]  # (B, L, F)
            batch["time_features"] = features.masked_fill(before_start[:, :context, None], 0.0)
        if self.covariates is not None:
            covariates = self.covariates[rows]  # (B, M + L + H, P)
            batch["covariates"] = covariates[:, :context].masked_fill(
                before_start[:, :context, None], 0.0
            )  # (B, L, P)
            if self.n_future:
                batch["future_covariates"] = covariates[:, context:, : self.n_future]  # (B, H, Fk)
        if self.static is not None:
            batch["static"] = self.static[self.series[windows]]  # (B, K)
        return batch


def batch_loader(
    dataset: WindowDataset, batch_size: int, shuffle: bool, seed: int = 0, num_workers: int = 0
) -> DataLoader:
    """A DataLoader that asks ``dataset`` for whole batches (see the module docstring).

    Shuffling draws from a generator seeded with ``seed``, so the batch order is
    the same on every run with the same seed.
    """
    if shuffle:
        order = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    else:
        order = SequentialSampler(dataset)
    return DataLoader(
        dataset,
        sampler=BatchSampler(order, batch_size=batch_size, drop_last=False),
        batch_size=None,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
    )
