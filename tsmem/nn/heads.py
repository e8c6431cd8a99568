"""Forecast heads and the autoregressive highway.

- `ForecastHead`: direct multi-horizon output from the final query state,
  ``W u + b`` (End-to-End Memory Networks, Sukhbaatar et al. 2015) or
  ``W₂ tanh(W₁ u + b₁) + b₂`` (in the spirit of the non-linear projections of
  Target-Sensitive Memory Networks, Wang et al. 2018).
- `ARHighway`: a linear map from the last ``a`` values of every channel to the
  ``H`` forecast steps, added to the network's output, as in LSTNet (Lai et al.
  2018, "Modeling Long- and Short-Term Temporal Patterns with Deep Neural
  Networks") and MTNet (Chang et al. 2018).
"""

from __future__ import annotations

from torch import Tensor, nn


class ForecastHead(nn.Module):
    """Map ``u`` (B, d) to ``out_features`` values at once.

    Parameters
    ----------
    kind : {"linear", "nonlinear"}
        One linear map, or a tanh MLP with one hidden layer of size ``d``.
    d_model : int
        Input size ``d``.
    out_features : int
        ``H · C_out · Q``.
    """

    def __init__(self, kind: str, d_model: int, out_features: int) -> None:
        super().__init__()
        if kind == "linear":
            self.net: nn.Module = nn.Linear(d_model, out_features)
        elif kind == "nonlinear":
            self.net = nn.Sequential(
                nn.Linear(d_model, d_model), nn.Tanh(), nn.Linear(d_model, out_features)
            )
        else:
            raise ValueError(f"Unknown head {kind!r}; use 'linear' or 'nonlinear'.")

    def forward(self, u: Tensor) -> Tensor:
        """(B, d) -> (B, out_features)."""
        return self.net(u)


class ARHighway(nn.Module):
    """Linear autoregression from the last ``a`` values, shared by the channels.

    Parameters
    ----------
    ar_window : int
        ``a``: how many of the last values are read.
    horizon : int
        ``H``.
    """

    def __init__(self, ar_window: int, horizon: int) -> None:
        super().__init__()
        self.ar_window = ar_window
        self.proj = nn.Linear(ar_window, horizon)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` (B, L, C) -> (B, H, C) from ``x[:, -a:]``."""
        last = x[:, -self.ar_window :].transpose(1, 2)  # (B, C, a)
        return self.proj(last).transpose(1, 2)  # (B, C, H) -> (B, H, C)
