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

    A batch is a dict: ``x`` (B, L, C), ``y`` (B, H, C) when ``horizon > 0``,
    ``time_features`` (B, L, F) when given, and ``series``/``start`` (B,) to
    locate each window.
    """

    def __init__(
        self,
        values: Sequence[np.ndarray],
        series: np.ndarray,
        starts: np.ndarray,
        lookback: int,
        horizon: int,
        time_features: Sequence[np.ndarray] | None = None,
    ) -> None:
        buffer, offsets = concat_series(values)
        self.buffer = torch.as_tensor(buffer, dtype=torch.float32)  # (sum T, C)
        self.features = None
        if time_features is not None and time_features[0].shape[1] > 0:
            self.features = torch.as_tensor(concat_series(time_features)[0], dtype=torch.float32)
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
        steps = torch.arange(self.lookback + self.horizon)
        rows = self.first_row[windows, None] + steps  # (B, L + H)
        block = self.buffer[rows]  # (B, L + H, C)
        batch = {
            "x": block[:, : self.lookback],
            "series": self.series[windows],
            "start": self.starts[windows],
        }
        if self.horizon:
            batch["y"] = block[:, self.lookback :]
        if self.features is not None:
            batch["time_features"] = self.features[rows[:, : self.lookback]]  # (B, L, F)
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
