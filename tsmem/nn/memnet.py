"""tsmem's memory network for forecasting (docs/model.md).

A recurrent controller reads the most recent window (the query) into ``u^1``; the
lookback before it — or, with ``memory="history"``, the series' whole past — is
cut into windows, the memory slots (see `tsmem.nn.slots` for the layout); ``K``
attention hops read the slots and update the query; a direct multi-horizon head
forecasts ``H`` steps (or ``H × Q`` quantiles), mixed per step with the futures
that followed the slots the last hop addressed (`tsmem.nn.retrieval`).

References
----------
- Sukhbaatar et al. 2015, "End-To-End Memory Networks" (NeurIPS): embeddings A/C,
  hops, adjacent and layer-wise weight tying, temporal encoding, linear start,
  random empty memories.
- Liu & Perez 2017, "Gated End-to-End Memory Networks" (EACL): gated hop update.
- Wang et al. 2018, "Target-Sensitive Memory Networks for Aspect Sentiment
  Classification" (ACL): non-linear and contextual (query-dependent) outputs.
- Miller et al. 2016, "Key-Value Memory Networks for Directly Reading Documents"
  (EMNLP): key-value slots.
- Chang et al. 2018, "A Memory-Network Based Solution for Multivariate Time-Series
  Forecasting" (MTNet): GRU window encoder, AR highway.
- Lai et al. 2018, LSTNet: the autoregressive highway.
- Han et al. 2024, "Retrieval-Augmented Forecasting of Time Series" (RAFT, ICML):
  correlation addressing of past windows and reading what followed them.
- Kim et al. 2022, "Reversible Instance Normalization for Accurate Time-Series
  Forecasting against Distribution Shift" (ICLR): RevIN.

Shapes: ``B`` batch, ``L`` lookback, ``C`` channels, ``F`` calendar features,
``w`` window, ``N`` slots, ``d`` model size, ``K`` hops, ``H`` horizon, ``Q``
quantiles. With ``channel_mode="independent"`` every channel is a separate series
through shared weights, so the core runs on ``B' = B·C`` series of 1 channel; with
"mixing" on ``B' = B`` series of ``C`` channels. ``G`` (attention groups) is ``C``
or 1 respectively.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from tsmem.nn.config import MemNetConfig, n_slots
from tsmem.nn.encoders import Controller
from tsmem.nn.heads import ARHighway, ForecastHead
from tsmem.nn.hops import ContextualRead, make_hop_updates
from tsmem.nn.retrieval import FuturesRead, masked_softmax, pearson_scores
from tsmem.nn.revin import RevIN
from tsmem.nn.slot_embedding import SlotEmbedding
from tsmem.nn.slots import build_memory, insert_empty_slots


def _zero_linear(n_in: int, n_out: int) -> nn.Linear:
    """A bias-free linear map starting at zero: an input added this way starts as a no-op."""
    layer = nn.Linear(n_in, n_out, bias=False)
    nn.init.zeros_(layer.weight)
    return layer


class MemNetOutput(NamedTuple):
    """What `MemNet.forward` returns.

    Attributes
    ----------
    forecast : Tensor
        (B, H, C), or (B, H, C, Q) with quantiles, on the input's scale.
    attention : Tensor
        (B, G, K, N) attention weights of every hop over the slots, slot 0 the
        most recent; ``G = C`` for channel-independent models (per channel), 1 for
        channel mixing. ``K = N = 0`` when ``hops=0``. During training with
        ``empty_slot_rate > 0``, ``N`` includes the inserted empty slots. Under
        linear start they are raw scores, not probabilities.
    """

    forecast: Tensor
    attention: Tensor


class Read(NamedTuple):
    """What the controller and the memory read for a batch (inside `MemNet`).

    ``u`` (B', d) the final query state, ``attention`` (B', K, N), ``futures`` the read
    futures and their gate (B', H·C_in each) or None, ``controller`` (B', d) the
    controller's own state ``u^1``, ``keep`` (B', 1) the samples that kept their memory
    under memory dropout (None: all), ``shut`` whether the memory was not read at all.
    """

    u: Tensor
    attention: Tensor
    futures: tuple[Tensor, Tensor] | None
    controller: Tensor
    keep: Tensor | None
    shut: bool


class MemNet(nn.Module):
    """Memory network forecaster.

    Parameters
    ----------
    config : MemNetConfig
        All hyperparameters.

    Attributes
    ----------
    linear_start_active : bool
        While True (initially ``config.linear_start``) the attention softmax is
        removed (MemN2N linear start); the trainer switches it off.
    memory_open : Tensor
        Boolean buffer, True unless the trainer keeps the memory shut (the model then
        forecasts as its controller alone); saved with the weights.
    """

    def __init__(self, config: MemNetConfig) -> None:
        super().__init__()
        self.config = config
        self.linear_start_active = config.linear_start
        # False while the trainer keeps the memory shut (a warm-up of the controller alone);
        # a buffer, so a checkpoint taken then restores a model that forecasts without it.
        self.register_buffer("memory_open", torch.tensor(True))
        c, d = config, config.d_model

        self.revin = RevIN(c.n_channels) if c.revin else None
        # Covariates are standardised per sample as the target is (no affine, nothing to
        # learn): one that drifts between training and test arrives on its training scale.
        self.covariate_revin = RevIN(c.n_covariates, affine=False) if c.revin and c.n_covariates else None
        self.controller = Controller(
            c.controller, c.in_channels + c.n_covariates + c.n_time_features, d
        )
        self.dropout = nn.Dropout(c.dropout)
        # Static and future-known covariates: linear maps into the query, and a per-step
        # linear term of the future covariates on the forecast. All start at zero, so a
        # network with covariates starts as the one without and learns what they add.
        self.static_query = _zero_linear(c.n_static, d) if c.n_static else None
        self.future_query = None
        self.future_linear = None
        if c.n_future_covariates:
            self.future_query = _zero_linear(c.horizon * c.n_future_covariates, d)
            self.future_linear = _zero_linear(c.n_future_covariates, c.n_channels)

        self.embeddings: nn.ModuleList | None = None
        self.updates: nn.ModuleList | None = None
        self.contextual: ContextualRead | None = None
        self.futures_read: FuturesRead | None = None
        self.log_temperature: nn.Parameter | None = None
        if c.hops > 0:
            if c.weight_tying == "adjacent":  # E^0..E^K: A^k = E^{k-1}, C^k = E^k
                lengths = [c.window] * (c.hops + 1)
            else:  # layerwise: A, C
                lengths = [c.window, c.value_len if c.key_value else c.window]
            if c.hop_update == "none":  # one hop that only addresses: A alone, no C to read
                lengths = lengths[:1]
            self.embeddings = nn.ModuleList(SlotEmbedding(c, n) for n in lengths)
            self.updates = make_hop_updates(
                c.hop_update, d, c.hops, c.learned_h, c.shared_gates, c.noop_start
            )
            if c.output == "contextual":
                self.contextual = ContextualRead(d)
            if c.addressing == "pearson":
                # Correlations live in [-1, 1]: a temperature of 0.1 makes a 0.1 better
                # match e times as likely; learned from there.
                self.log_temperature = nn.Parameter(torch.tensor(math.log(0.1)))
            if c.futures:
                self.futures_read = FuturesRead(
                    d, c.horizon * c.in_channels, c.value_alignment, c.top_k, c.noop_start,
                    c.futures_correction,
                )

        head = "linear" if c.output == "contextual" else c.output
        self.head = ForecastHead(head, d, c.horizon * c.in_channels * c.n_quantiles)
        # With memory dropout, the samples without memory train a head of their own: the
        # model then also forecasts well with its memory shut (chosen on validation).
        self.solo_head: ForecastHead | None = None
        if c.hops > 0 and c.memory_dropout > 0:
            self.solo_head = ForecastHead(head, d, c.horizon * c.in_channels * c.n_quantiles)
        self.ar = ARHighway(c.ar_window, c.horizon) if c.ar_window > 0 else None

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:  # noqa: ANN001
        # Weights saved before the memory_open buffer existed come from open memories.
        state_dict.setdefault(prefix + "memory_open", torch.tensor(True))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # -- forward -----------------------------------------------------------------------

    def forward(
        self,
        x: Tensor,
        time_features: Tensor | None = None,
        covariates: Tensor | None = None,
        future_covariates: Tensor | None = None,
        static: Tensor | None = None,
    ) -> MemNetOutput:
        """Forecast the ``H`` steps after ``x``.

        Parameters
        ----------
        x : Tensor
            (B, L, C) lookback. With ``memory="lookback"``, ``L`` may differ from
            ``config.lookback`` unless the "learned" temporal encoding is used. With
            ``memory="history"`` it is the whole memory (up to ``config.context_length``
            steps): the last ``config.lookback`` steps must be observed, steps before
            them may be NaN (a series shorter than the memory, left-padded).
        time_features : Tensor or None
            (B, L, F) numeric calendar features of every lookback step; required
            exactly when ``"calendar"`` is in ``config.temporal_encoding``.
        covariates : Tensor or None
            (B, L, P) covariates of every input step, aligned with ``x``, already scaled;
            required exactly when ``config.n_covariates = P > 0``. Finite over the last
            ``lookback`` steps; ignored where ``x`` is padding.
        future_covariates : Tensor or None
            (B, H, Fk) future-known covariates of the ``H`` forecast steps; required
            exactly when ``config.n_future_covariates = Fk > 0``. Their history must be
            the first ``Fk`` columns of ``covariates``.
        static : Tensor or None
            (B, S) static covariates of every sample's series; required exactly when
            ``config.n_static = S > 0``.

        Returns
        -------
        MemNetOutput
        """
        c = self.config
        self._check_inputs(x, time_features)
        self._check_covariates(x, covariates, future_covariates, static)
        B, L, C = x.shape
        observed = None
        if c.memory == "history" and c.hops > 0:
            observed = torch.isfinite(x).all(dim=-1)  # (B, L): False on a long memory's padding
            x = torch.where(observed.unsqueeze(-1), x, torch.zeros_like(x))  # no NaN in any gradient
            if covariates is not None:  # padding's covariates are not read either
                covariates = torch.where(
                    observed.unsqueeze(-1), covariates, torch.zeros_like(covariates)
                )  # (B, L, P)
        if self.future_linear is not None:
            # Regression with memory-network errors (as ARIMA with regressors): the network
            # reads and forecasts y − β·f, the same-step effect of the future-known covariates
            # (the first Fk columns of ``covariates`` are their history) taken out; β·f of
            # the forecast steps is added back below.
            x = x - self.future_linear(covariates[..., : c.n_future_covariates])  # (B, L, C)
        if self.covariate_revin is not None:
            covariates, _ = self.covariate_revin.normalize(covariates, last=c.lookback)  # (B, L, P)
            if observed is not None:  # padding stays 0
                covariates = torch.where(observed.unsqueeze(-1), covariates, torch.zeros_like(covariates))
        extras = {"covariates": covariates, "future": future_covariates, "static": static}
        stats = None
        if self.revin is not None:
            recent = c.lookback if c.memory == "history" else None
            x, stats = self.revin.normalize(x, last=recent)  # (B, L, C)

        if c.channel_mode == "independent":
            series = x.transpose(1, 2).reshape(B * C, L, 1)  # (B·C, L, 1)
            if time_features is not None:
                time_features = time_features.repeat_interleave(C, dim=0)  # (B·C, L, F)
            if observed is not None:
                observed = observed.repeat_interleave(C, dim=0)  # (B·C, L)
            # Every channel of a series reads the same covariates: (B·C, ...)
            extras = {k: v if v is None else v.repeat_interleave(C, dim=0) for k, v in extras.items()}
        else:
            series = x  # (B, L, C)
        G = C // c.in_channels  # series per sample

        read = self._read(series, time_features, observed, **extras)
        u, attention, futures = read.u, read.attention, read.futures  # (B', d), (B', K, N)
        y = self.head(self.dropout(u))  # (B', H·C_in·Q)
        if futures is not None:
            r, g = futures  # (B', H·C_in) each
            y = y.reshape(y.shape[0], -1, c.n_quantiles)  # (B', H·C_in, Q); not len(y): export keeps B free
            y = ((1 - g).unsqueeze(-1) * y + (g * r).unsqueeze(-1)).flatten(1)
        if self.solo_head is not None and (read.shut or read.keep is not None):
            solo = self.solo_head(self.dropout(read.controller))  # (B', H·C_in·Q): no memory
            y = solo if read.shut else torch.where(read.keep, y, solo)
        y = y.reshape(B, G, c.horizon, c.in_channels, c.n_quantiles)  # (B, G, H, C_in, Q)
        y = y.transpose(1, 2).reshape(B, c.horizon, C, c.n_quantiles)  # (B, H, C, Q)
        if self.ar is not None:
            y = y + self.ar(x).unsqueeze(-1)  # (B, H, C, 1) broadcast over Q
        if self.revin is not None:
            y = self.revin.denormalize(y, stats)
        if self.future_linear is not None:  # on the input's scale: an effect of fixed size
            y = y + self.future_linear(future_covariates).unsqueeze(-1)  # (B, H, C, 1)
        if c.quantiles is None:
            y = y.squeeze(-1)  # (B, H, C)
        attention = attention.reshape(B, G, *attention.shape[1:])  # (B, G, K, N)
        return MemNetOutput(y, attention)

    def _read(
        self,
        series: Tensor,
        time_features: Tensor | None,
        observed: Tensor | None = None,
        covariates: Tensor | None = None,
        future: Tensor | None = None,
        static: Tensor | None = None,
    ) -> Read:
        """Controller, hops and the futures read on ``series`` (B', L, C_in).

        ``observed`` (B', L) marks the steps a long memory really holds (None: all).
        ``covariates`` (B', L, P), ``future`` (B', H, Fk) and ``static`` (B', S) are the
        covariates (None: none); the covariates are read beside the target in the query
        and the slot windows, the others are added to the query.
        Returns ``u^{K+1}`` (B', d), the hops' attention p (B', K, N) and, with
        ``futures=True``, the read ``r`` and its gate ``g`` (B', H·C_in each).
        """
        c = self.config
        query = series[:, -c.window :]  # (B', w, C_in)
        context = series  # what the controller and the slot encoders read
        if covariates is not None:
            context = torch.cat([series, covariates], dim=-1)  # (B', L, C_in + P)
        query_context = context[:, -c.window :]  # (B', w, C_in [+ P])
        controller_input = query_context
        if time_features is not None:
            controller_input = torch.cat([controller_input, time_features[:, -c.window :]], dim=-1)
        u = self.controller(controller_input)  # (B', d)
        if self.static_query is not None:
            u = u + self.static_query(static)  # (B', d)
        if self.future_query is not None:
            u = u + self.future_query(future.flatten(1))  # (B', d)
        u_controller = u
        if c.hops == 0:
            return Read(u, u.new_zeros(u.shape[0], 0, 0), None, u, None, False)
        if not torch.compiler.is_compiling() and not bool(self.memory_open):
            # Memory shut: the controller alone.
            return Read(u, u.new_zeros(u.shape[0], c.hops, 0), None, u, None, True)

        memory = build_memory(
            context,
            c.window,
            c.stride,
            c.value_len if c.key_value else None,
            time_features,
            future_length=c.horizon if c.futures else None,
            max_slots=c.max_slots if c.memory == "history" else None,
            observed=observed,
        )
        if self.training and c.empty_slot_rate > 0:
            n_empty = math.ceil(c.empty_slot_rate * memory.index.shape[1])
            memory = insert_empty_slots(memory, n_empty, c.window, c.stride)
        keys, futures = memory.keys, memory.futures  # the target's: what correlation and futures read
        if covariates is not None:
            keys = keys[..., : c.in_channels]  # (B', N, w, C_in)
            futures = None if futures is None else futures[..., : c.in_channels]  # (B', N, H, C_in)
        readable = memory.mask
        if readable is None:
            readable = torch.ones_like(memory.index, dtype=torch.bool)  # (B', N)
        correlation = None
        if c.addressing == "pearson":
            correlation = pearson_scores(query, keys)  # (B', N)

        prepared: dict[tuple[int, str], Tensor | None] = {}  # per embedding set and windows

        def slots(j: int, which: str) -> tuple[Tensor, Tensor | None]:
            """Embedding set ``j``'s windows ("keys" or "values") and what it prepared of them."""
            windows = memory.values if which == "values" else memory.keys
            if (j, which) not in prepared:
                prepared[j, which] = self.embeddings[j].prepare(windows, memory)
            return windows, prepared[j, which]

        weights = []
        scores = u.new_zeros(readable.shape)
        for k in range(c.hops):
            a_set, c_set = (k, k + 1) if c.weight_tying == "adjacent" else (0, 1)
            scores = self._address(a_set, u, query_context, correlation, *slots(a_set, "keys"))
            if self.linear_start_active:
                p = scores.masked_fill(~readable, 0.0)  # MemN2N linear start: no softmax
            else:
                p = masked_softmax(scores, readable)  # (B', N)
            weights.append(p)
            if c.hop_update == "none":  # u stays the controller's: nothing to read into it
                continue
            windows, terms = slots(c_set, "values" if c.key_value else "keys")
            if self.contextual is not None and k == c.hops - 1:
                o = self.contextual(p, self.embeddings[c_set](windows, memory), u)  # (B', d)
            else:
                o = self.embeddings[c_set].read(p, windows, terms)  # (B', d)
            o = self.dropout(o)  # on the read, not on the (B', N, d) slots: N times cheaper
            u = self.updates[min(k, len(self.updates) - 1)](u, o)  # (B', d)
            if c.nonlinear_hops:
                u = torch.tanh(u)
        attention = torch.stack(weights, dim=1)  # (B', K, N)
        keep = None
        if self.training and c.memory_dropout > 0:  # drop whole memories: the controller alone
            keep = torch.rand(u.shape[0], 1, device=u.device) >= c.memory_dropout  # (B', 1)
            u = torch.where(keep, u, u_controller)
        if self.futures_read is None:
            return Read(u, attention, None, u_controller, keep, False)
        r, g, _ = self.futures_read(
            scores, memory.future_mask, query, keys, futures, u, correlation
        )
        return Read(u, attention, (r, g if keep is None else g * keep), u_controller, keep, False)

    def _address(
        self,
        embedding_set: int,
        u: Tensor,
        query: Tensor,
        correlation: Tensor | None,
        keys: Tensor,
        prepared: Tensor | None,
    ) -> Tensor:
        """Addressing scores (B', N) of the query against every slot (``config.addressing``).

        ``keys`` (B', N, w, C) are the slot windows and ``prepared`` what the embedding set
        prepared of them (`SlotEmbedding.prepare`).
        """
        c = self.config
        tau = math.sqrt(c.d_model) if c.attention == "scaled" else 1.0
        embedding = self.embeddings[embedding_set]
        key = u
        if c.addressing == "shared":  # the query window through the slots' own encoder
            key = u + embedding.encoder(query.unsqueeze(1)).squeeze(1)
        scores = embedding.scores(key, keys, prepared) / tau  # (B', N)
        if c.addressing == "pearson":  # likeness needs no learning; u · m_i adds what does
            return correlation / self.log_temperature.exp() + scores
        return scores

    def _check_inputs(self, x: Tensor, time_features: Tensor | None) -> None:
        c = self.config
        if x.dim() != 3 or x.shape[-1] != c.n_channels:
            raise ValueError(
                f"x must have shape (batch, lookback, n_channels={c.n_channels}); got {tuple(x.shape)}."
            )
        L = x.shape[1]
        recent = x[:, -c.lookback :] if c.memory == "history" else x
        if not torch.compiler.is_compiling() and not bool(torch.isfinite(recent).all()):
            where = f"the last lookback={c.lookback} steps" if c.memory == "history" else "x"
            raise ValueError(
                f"x holds NaN or inf in {where}; only a long memory (memory='history') may be "
                "NaN, and only before the last lookback steps. Fill missing values first."
            )
        if (
            c.hops > 0
            and c.memory == "lookback"
            and "learned" in c.temporal_encoding
            and L != c.lookback
        ):
            raise ValueError(
                f"This model's 'learned' temporal encoding has one vector per slot for "
                f"lookback={c.lookback}, got an input of {L} steps. Pass {c.lookback} steps, "
                "or train without 'learned' (e.g. temporal_encoding=('sinusoidal',)) to read "
                "a memory of another length."
            )
        need = max(c.window, c.ar_window, 2 * c.window if c.hops > 0 else 0)
        if L < need or (c.hops > 0 and n_slots(L, c.window, c.stride) < 1):
            raise ValueError(f"x has {L} steps; this model needs at least {need}.")
        uses_calendar = "calendar" in c.temporal_encoding
        if uses_calendar and time_features is None:
            raise ValueError(
                "This model uses the 'calendar' temporal encoding: pass time_features "
                f"(batch, {L}, {c.n_time_features})."
            )
        if not uses_calendar and time_features is not None:
            raise ValueError(
                "time_features were given but the model has no 'calendar' temporal encoding "
                "(n_time_features=0); drop them or configure temporal_encoding with 'calendar'."
            )
        if time_features is not None and tuple(time_features.shape) != (
            x.shape[0],
            L,
            c.n_time_features,
        ):
            raise ValueError(
                f"time_features must have shape (batch, lookback, {c.n_time_features}) = "
                f"{(x.shape[0], L, c.n_time_features)}; got {tuple(time_features.shape)}."
            )

    def _check_covariates(
        self, x: Tensor, covariates: Tensor | None, future: Tensor | None, static: Tensor | None
    ) -> None:
        """Each covariate input is given exactly when the config has a width for it, in shape."""
        c = self.config
        B, L = x.shape[:2]
        for name, tensor, width, shape, field in (
            ("covariates", covariates, c.n_covariates, (B, L, c.n_covariates), "n_covariates"),
            ("future_covariates", future, c.n_future_covariates,
             (B, c.horizon, c.n_future_covariates), "n_future_covariates"),
            ("static", static, c.n_static, (B, c.n_static), "n_static"),
        ):
            if width and tensor is None:
                raise ValueError(f"This model reads {name} of shape {shape} ({field}={width}); pass them.")
            if not width and tensor is not None:
                raise ValueError(f"{name} were given but the model has {field}=0; drop them.")
            if tensor is not None and tuple(tensor.shape) != shape:
                raise ValueError(f"{name} must have shape {shape}; got {tuple(tensor.shape)}.")
        recent = None if covariates is None else covariates[:, -c.lookback :]
        for name, tensor in (("covariates (last lookback steps)", recent),
                             ("future_covariates", future), ("static", static)):
            if (tensor is not None and not torch.compiler.is_compiling()
                    and not bool(torch.isfinite(tensor).all())):
                raise ValueError(f"{name} hold NaN or inf; fill them first.")
