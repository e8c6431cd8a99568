"""Window encoders (memory slots) and the controller (query reader).

A window encoder maps ``(B, N, w, C)`` windows to ``(B, N, d)`` slot embeddings,
the ``Enc_A`` / ``Enc_C`` of docs/model.md:

- `LinearWindowEncoder`: a linear map of the flattened window, the analogue of the
  position encoding of End-to-End Memory Networks (Sukhbaatar et al. 2015).
- `ConvWindowEncoder`: a 1-D convolution with mean pooling (any window length).
- `GRUWindowEncoder`: a GRU's last hidden state, as in MTNet (Chang et al. 2018,
  "A Memory-Network Based Solution for Multivariate Time-Series Forecasting").

The `Controller` (GRU or LSTM) reads the query window into ``u^1 ∈ R^d``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class LinearWindowEncoder(nn.Module):
    """``Enc(M) = W vec(M) + b`` for windows of a fixed length.

    Parameters
    ----------
    length : int
        Window length the encoder accepts.
    in_channels : int
        Channels per step.
    d_model : int
        Output size ``d``.
    """

    def __init__(self, length: int, in_channels: int, d_model: int) -> None:
        super().__init__()
        self.length = length
        self.proj = nn.Linear(length * in_channels, d_model)

    def forward(self, windows: Tensor) -> Tensor:
        """Encode ``windows`` (B, N, length, C) into (B, N, d)."""
        B, N, w, C = windows.shape
        if w != self.length:
            raise ValueError(
                f"LinearWindowEncoder expects windows of {self.length} steps, got {w}."
            )
        return self.proj(windows.reshape(B, N, w * C))  # (B, N, w·C) -> (B, N, d)


class ConvWindowEncoder(nn.Module):
    """Conv1d over the window, ReLU, mean over time, then a linear map.

    Parameters
    ----------
    in_channels : int
        Channels per step.
    d_model : int
        Output size ``d``.
    kernel_size : int, default 3
        Convolution width (same padding).
    """

    def __init__(self, in_channels: int, d_model: int, kernel_size: int = 3) -> None:
        super().__init__()
        self.conv = nn.Conv1d(in_channels, d_model, kernel_size, padding=kernel_size // 2)
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, windows: Tensor) -> Tensor:
        """Encode ``windows`` (B, N, w, C) into (B, N, d)."""
        B, N, w, C = windows.shape
        h = windows.reshape(B * N, w, C).transpose(1, 2)  # (B·N, C, w)
        h = torch.relu(self.conv(h)).mean(dim=-1)  # (B·N, d)
        return self.proj(h).reshape(B, N, -1)  # (B, N, d)


class GRUWindowEncoder(nn.Module):
    """Last hidden state of a GRU run over the window (MTNet's encoder).

    Parameters
    ----------
    in_channels : int
        Channels per step.
    d_model : int
        Hidden and output size ``d``.
    """

    def __init__(self, in_channels: int, d_model: int) -> None:
        super().__init__()
        self.gru = nn.GRU(in_channels, d_model, batch_first=True)

    def forward(self, windows: Tensor) -> Tensor:
        """Encode ``windows`` (B, N, w, C) into (B, N, d)."""
        B, N, w, C = windows.shape
        _, h = self.gru(windows.reshape(B * N, w, C))  # h: (1, B·N, d)
        return h[-1].reshape(B, N, -1)  # (B, N, d)


def make_window_encoder(kind: str, length: int, in_channels: int, d_model: int) -> nn.Module:
    """Build the window encoder named ``kind`` ("linear", "conv" or "gru").

    ``length`` is only used by the linear encoder; the others take any length.
    """
    if kind == "linear":
        return LinearWindowEncoder(length, in_channels, d_model)
    if kind == "conv":
        return ConvWindowEncoder(in_channels, d_model)
    if kind == "gru":
        return GRUWindowEncoder(in_channels, d_model)
    raise ValueError(f"Unknown window encoder {kind!r}; use 'linear', 'conv' or 'gru'.")


class Controller(nn.Module):
    """GRU or LSTM that reads the query window into the first query state ``u^1``.

    Parameters
    ----------
    kind : {"gru", "lstm"}
        Recurrent cell.
    input_size : int
        Features per step (channels, plus calendar features if used).
    d_model : int
        Hidden size ``d``.
    """

    def __init__(self, kind: str, input_size: int, d_model: int) -> None:
        super().__init__()
        if kind == "gru":
            self.rnn: nn.Module = nn.GRU(input_size, d_model, batch_first=True)
        elif kind == "lstm":
            self.rnn = nn.LSTM(input_size, d_model, batch_first=True)
        else:
            raise ValueError(f"Unknown controller {kind!r}; use 'gru' or 'lstm'.")

    def forward(self, query: Tensor) -> Tensor:
        """Read ``query`` (B, w, input_size) into ``u^1`` (B, d)."""
        _, state = self.rnn(query)
        h = state[0] if isinstance(state, tuple) else state  # LSTM returns (h, c)
        return h[-1]  # (B, d)
