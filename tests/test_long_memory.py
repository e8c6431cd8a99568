"""Long memory through the data pipeline: whole-history inputs, padded, never past the origin."""

import numpy as np
import torch

from tsmem.training.windows import WindowDataset


def test_context_windows_prepend_the_history_and_pad_before_the_series_start():
    values = [np.arange(10.0).reshape(-1, 1), 100 + np.arange(8.0).reshape(-1, 1)]
    features = [np.ones((10, 2)), np.ones((8, 2))]
    data = WindowDataset(
        values, np.array([0, 1]), np.array([2, 0]), lookback=3, horizon=2,
        time_features=features, context=6,
    )
    batch = data[[0, 1]]
    nan = float("nan")
    # The first column is padding in both windows: it is dropped.
    expected_x = torch.tensor([[0, 1, 2, 3, 4], [nan, nan, 100, 101, 102]])
    assert torch.equal(batch["x"][..., 0].isnan(), expected_x.isnan())
    assert torch.equal(batch["x"][..., 0].nan_to_num(), expected_x.nan_to_num())
    assert torch.equal(batch["y"][..., 0], torch.tensor([[5.0, 6.0], [103.0, 104.0]]))
    assert torch.equal(batch["time_features"][1, :2], torch.zeros(2, 2))  # padding: no calendar
    # Without a context the windows are as before.
    plain = WindowDataset(values, np.array([0, 1]), np.array([2, 0]), lookback=3, horizon=2)[[0]]
    assert torch.equal(plain["x"][0, :, 0], torch.tensor([2.0, 3.0, 4.0]))


def test_no_input_step_lies_at_or_after_the_first_target_step():
    # Values are their own row numbers: every x must come strictly before every y.
    rng = np.random.default_rng(0)
    values = [np.arange(n, dtype=float).reshape(-1, 1) for n in (40, 25, 60)]
    series = rng.integers(0, 3, 50)
    starts = np.array([rng.integers(0, len(values[s]) - 9) for s in series])
    batch = WindowDataset(values, series, starts, lookback=5, horizon=4, context=30)[range(50)]
    last_input = torch.nan_to_num(batch["x"][..., 0], nan=-1.0).max(dim=1).values
    first_target = batch["y"][:, 0, 0]
    assert bool((last_input < first_target).all())
    assert bool((batch["y"][:, 0, 0] == batch["x"][:, -1, 0] + 1).all())


def test_a_context_far_longer_than_the_series_gives_the_same_batches():
    # WindowDataset gathers only the history a batch reaches: the result must not depend on it.
    rng = np.random.default_rng(1)
    values = [rng.normal(size=(n, 1)) for n in (40, 25, 60)]
    series = rng.integers(0, 3, 30)
    starts = np.array([rng.integers(0, len(values[s]) - 9) for s in series])
    just = WindowDataset(values, series, starts, lookback=5, horizon=4, context=65)
    far = WindowDataset(values, series, starts, lookback=5, horizon=4, context=100_000)
    for batch in ([0], range(30), [3, 7, 7, 12]):
        a, b = just[list(batch)], far[list(batch)]
        for key in a:
            assert torch.equal(a[key].nan_to_num(nan=-9.0), b[key].nan_to_num(nan=-9.0)), key
