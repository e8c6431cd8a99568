"""The one definition of the memory network's hyperparameters.

`MemNetConfig` is read by `tsmem.nn.MemNet`, by the Lightning module (whose typed
``__init__`` takes it, so LightningCLI reads the same fields) and by the estimator.
Every field is documented once, here.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

TEMPORAL_ENCODINGS = ("learned", "sinusoidal", "calendar")

_CHOICES: dict[str, tuple[str, ...]] = {
    "controller": ("gru", "lstm"),
    "encoder": ("linear", "conv", "gru"),
    "attention": ("dot", "scaled"),
    "hop_update": ("additive", "gated", "recurrent", "none"),
    "weight_tying": ("adjacent", "layerwise"),
    "output": ("linear", "nonlinear", "contextual"),
    "channel_mode": ("independent", "mixing"),
    "memory": ("lookback", "history"),
    "addressing": ("learned", "shared", "pearson"),
    "value_alignment": ("zscore", "offset", "none"),
}


def n_slots(lookback: int, window: int, stride: int) -> int:
    """Number of memory slots ``N = (L - 2w) // s + 1`` (0 if the lookback is too short).

    Parameters
    ----------
    lookback : int
        Input length ``L``.
    window : int
        Window length ``w`` (the query takes the last ``w`` steps).
    stride : int
        Slot stride ``s``.

    Returns
    -------
    int
        Number of full windows of length ``w``, stride ``s``, in ``x[:L - w]``.
    """
    if lookback < 2 * window:
        return 0
    return (lookback - 2 * window) // stride + 1


@dataclass
class MemNetConfig:
    """Hyperparameters of `tsmem.nn.MemNet` (see docs/model.md).

    Options that do not apply to the chosen variant are ignored (for example
    ``learned_h`` unless ``hop_update="additive"``, or every memory option when
    ``hops=0``); options that contradict each other raise ``ValueError``.

    Parameters
    ----------
    lookback : int
        Input length ``L`` (steps of history per sample). The last ``window`` steps are
        the query, the ``L - window`` before them the memory.
    horizon : int
        Forecast length ``H``; the head predicts all ``H`` steps at once (direct).
    n_channels : int, default 1
        Number of channels ``C`` of the input ``x`` (B, L, C) and of the forecast.
    window : int, default 16
        Window length ``w`` of the query and of every memory slot.
    stride : int, default 8
        Stride ``s`` between memory slots. ``N = (L - 2w) // s + 1`` slots.
    d_model : int, default 64
        Embedding size ``d`` of the query ``u`` and of every slot embedding.
    hops : int, default 2
        Number of attention hops ``K``. ``0`` means no memory: the controller alone
        reads the query and the head forecasts from it (the no-memory baseline).
    controller : {"gru", "lstm"}, default "gru"
        Recurrent net that reads the query window into ``u^1``.
    encoder : {"linear", "conv", "gru"}, default "linear"
        Window encoder of the slots: a linear map of the flattened window, a 1-D
        convolution with mean pooling, or a GRU's last state (MTNet).
    temporal_encoding : tuple of {"learned", "sinusoidal", "calendar"}, default ("sinusoidal",)
        Encodings added to every slot embedding: a learned vector per recency index
        (MemN2N "TE"; fixes the lookback), a projected sinusoidal encoding of the
        slot's lag in steps (lets a model read a longer memory at predict time), and
        a linear map of the calendar features at the slot's last step. Empty: none.
    n_time_features : int, default 0
        Width ``F`` of the calendar features ``time_features`` (B, L, F) given to
        ``forward``. Must be > 0 exactly when "calendar" is used. The query's
        features are also read by the controller, so it knows its own time.
    n_covariates : int, default 0
        Width ``P`` of the covariates read with the history, ``covariates`` (B, L, P)
        given to ``forward``: past covariates (observed up to the forecast origin) and
        the history of the future-known ones. They are read beside the target in the
        query window (by the controller) and in every memory slot's window (by the slot
        encoders); addressing by correlation and the retrieved futures read the target
        only. With ``revin=True`` they are standardised by their own last ``lookback``
        steps, as the target is. Read off the data by the estimator and the DataModule.
    n_future_covariates : int, default 0
        Width ``Fk`` of the future-known covariates over the forecast steps,
        ``future_covariates`` (B, H, Fk): calendar, holidays, planned prices. They enter
        the query through a linear map of all ``H·Fk`` values (zero at the start), and
        a same-step linear effect ``β·f_t`` on the model's input scale, outside RevIN:
        the network reads and forecasts ``y − β·f`` and adds ``β·f_h`` back over the
        forecast steps (regression with memory-network errors; ``β`` starts at zero,
        the estimator starts it at a least squares fit). Their history must be the first
        ``Fk`` columns of ``covariates``, so ``n_future_covariates <= n_covariates``.
        Read off the data.
    n_static : int, default 0
        Width ``S`` of the static covariates, ``static`` (B, S): one value per series,
        mapped linearly (zero at the start) to a vector added to the query ``u^1``.
        Read off the data.
    key_value : bool, default False
        Key-value slots (Key-Value Memory Networks): a slot is addressed by its
        window and reads the ``value_length`` steps that followed it.
    value_length : int or None, default None
        Length ``v`` of a slot's value (``key_value=True`` only). ``None`` means
        ``window``; at most ``window``, so the most recent slot's value is observed
        (it lies in the query window).
    memory : {"lookback", "history"}, default "history"
        Where the slots come from. "lookback": the ``lookback - window`` steps before
        the query. "history": the series' whole past before the forecast origin, the
        most recent ``max_slots`` windows; the model then takes inputs longer than
        ``lookback`` (``context_length`` steps, left-padded with NaN where a series is
        shorter), while the query, RevIN statistics and AR highway still read the last
        ``lookback`` steps.
    max_slots : int, default 512
        Most slots read with ``memory="history"`` (the most recent ones, at ``stride``).
    addressing : {"learned", "shared", "pearson"}, default "pearson"
        How the query finds slots. "learned" (MemN2N): ``u · m_i`` with ``u`` the
        controller state and ``m_i`` a separate embedding of each slot. "shared": the
        query window goes through the same slot encoder, ``(u + Enc_A(Q)) · m_i``.
        "pearson": the correlation of the query window with each slot window divided
        by a learned temperature, plus the learned score ``u · m_i / τ`` (whose slot
        embedding carries the temporal encoding, so lags or calendar positions can be
        preferred).
    futures : bool, default True
        Retrieved futures: every slot also holds the ``horizon`` steps that followed
        its window, and the forecast mixes in ``r = Σ_i p_i v_i`` read with the last
        hop's addressing, through a learned per-step gate:
        ``ŷ = (1 − g) ⊙ head(u) + g ⊙ r``. Slots whose future is not fully observed
        before the origin are masked out of this read.
    value_alignment : {"zscore", "offset", "none"}, default "zscore"
        How a slot's future is moved onto the query's level before it is read: by the
        affine map matching the slot window's mean and spread to the query's, by the
        difference of their last values, or not at all (``futures=True`` only).
    top_k : int, default 0
        Read futures from the ``top_k`` best-scoring slots only; 0 reads all.
    futures_correction : bool, default False
        Correct the read before it is mixed in: ``r ← r + W [r; u]``, a learned linear
        map of the read futures and the query state, zero at the start (so the read is
        first taken as it is). The head sees only ``u``, never the aligned futures, so
        without this nothing can learn how the analogues' average errs (for instance
        that it overshoots and should be damped). ``futures=True`` only.
    memory_dropout : float, default 0.0
        During training, the probability that a sample's memory is dropped whole: that
        sample is forecast from the controller's state by a head of its own (the "solo"
        head), so the model also learns to forecast without its memory, and validation
        can keep the memory shut where it does not help. In [0, 1).
    noop_start : bool, default True
        Start the memory as a no-op: gated hops and the futures gate begin almost shut
        (bias −4), so training starts from the controller alone and opens the memory
        where it lowers the loss.
    attention : {"dot", "scaled"}, default "scaled"
        Softmax temperature ``τ = 1`` ("dot") or ``√d`` ("scaled").
    hop_update : {"additive", "gated", "recurrent", "none"}, default "gated"
        ``u + o`` style update (MemN2N), the GMemN2N gate
        ``u' = g ⊙ o + (1 − g) ⊙ u`` with ``g = σ(W_g u + b_g)``, a GRU cell
        ``u' = GRUCell(o, u)`` shared by all hops, or "none": the hops only address,
        ``u`` stays the controller's, and the memory acts on the forecast through the
        retrieved futures alone (needs ``hops=1`` and ``futures=True``).
    learned_h : bool, default False
        Additive update only: ``u' = H u + o`` with a learned ``H`` (initialised to
        the identity, shared by the hops) instead of ``H = I``.
    shared_gates : bool, default False
        Gated update only: one ``W_g, b_g`` for all hops instead of one per hop.
    nonlinear_hops : bool, default False
        Apply tanh to every new ``u^{k+1}``.
    weight_tying : {"adjacent", "layerwise"}, default "adjacent"
        MemN2N tying: ``A^{k+1} = C^k`` (``K + 1`` embedding sets) or the same
        ``A`` and ``C`` at every hop (2 sets).
    output : {"linear", "nonlinear", "contextual"}, default "linear"
        Head on ``u^{K+1}``: ``W u + b``; ``W₂ tanh(W₁ u + b₁) + b₂``; or
        "contextual" (TMN-like): the last hop reads ``Σ p_i tanh(c_i + W_u u^K)``,
        then a linear head. "contextual" needs ``hops >= 1``.
    ar_window : int, default 0
        Length ``a`` of the linear autoregressive highway over the last ``a`` values
        added to the forecast (LSTNet/MTNet). 0 turns it off.
    revin : bool, default True
        Reversible instance normalisation around the whole model (RevIN).
    quantiles : tuple of float or None, default None
        Quantile levels, strictly increasing in (0, 1): the head then predicts
        ``H × Q`` values. ``None``: a point forecast.
    channel_mode : {"independent", "mixing"}, default "independent"
        "independent": every channel is a separate series through shared weights;
        "mixing": windows, query and head carry all ``C`` channels.
    linear_start : bool, default False
        MemN2N linear start: the module starts with the attention softmax removed
        (``MemNet.linear_start_active``) until the trainer switches it off.
    empty_slot_rate : float, default 0.0
        MemN2N random noise: during training, ``ceil(rate · N)`` empty (zero) slots
        are inserted at random places among the ``N`` real ones, shifting their
        recency indices. In [0, 1).
    dropout : float, default 0.1
        Dropout on the slot embeddings and on the head's input. In [0, 1).
    """

    lookback: int
    horizon: int
    n_channels: int = 1
    window: int = 16
    stride: int = 8
    d_model: int = 64
    hops: int = 2
    controller: Literal["gru", "lstm"] = "gru"
    encoder: Literal["linear", "conv", "gru"] = "linear"
    temporal_encoding: tuple[Literal["learned", "sinusoidal", "calendar"], ...] = ("sinusoidal",)
    n_time_features: int = 0
    n_covariates: int = 0
    n_future_covariates: int = 0
    n_static: int = 0
    key_value: bool = False
    value_length: int | None = None
    memory: Literal["lookback", "history"] = "history"
    max_slots: int = 512
    addressing: Literal["learned", "shared", "pearson"] = "pearson"
    futures: bool = True
    value_alignment: Literal["zscore", "offset", "none"] = "zscore"
    top_k: int = 0
    futures_correction: bool = False
    memory_dropout: float = 0.0
    noop_start: bool = True
    attention: Literal["dot", "scaled"] = "scaled"
    hop_update: Literal["additive", "gated", "recurrent", "none"] = "gated"
    learned_h: bool = False
    shared_gates: bool = False
    nonlinear_hops: bool = False
    weight_tying: Literal["adjacent", "layerwise"] = "adjacent"
    output: Literal["linear", "nonlinear", "contextual"] = "linear"
    ar_window: int = 0
    revin: bool = True
    quantiles: tuple[float, ...] | None = None
    channel_mode: Literal["independent", "mixing"] = "independent"
    linear_start: bool = False
    empty_slot_rate: float = 0.0
    dropout: float = 0.1

    def __post_init__(self) -> None:
        # Lists come in from YAML/JSON and from asdict round trips: store tuples.
        if isinstance(self.temporal_encoding, str):
            self.temporal_encoding = (self.temporal_encoding,)
        self.temporal_encoding = tuple(self.temporal_encoding)
        if self.quantiles is not None:
            self.quantiles = tuple(float(q) for q in self.quantiles)
        self._validate()

    # -- validation ------------------------------------------------------------------

    def _validate(self) -> None:
        for name in ("lookback", "horizon", "n_channels", "window", "stride", "d_model"):
            setattr(self, name, _as_int(name, getattr(self, name), minimum=1))
        self.max_slots = _as_int("max_slots", self.max_slots, minimum=1)
        for name in ("hops", "n_time_features", "ar_window", "top_k", "n_covariates",
                     "n_future_covariates", "n_static"):
            setattr(self, name, _as_int(name, getattr(self, name), minimum=0))
        if self.n_future_covariates > self.n_covariates:
            raise ValueError(
                f"n_future_covariates={self.n_future_covariates} > n_covariates={self.n_covariates}: "
                "the future-known covariates' history is part of the covariates (their first columns)."
            )
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if value not in choices:
                raise ValueError(f"{name}={value!r} is not one of {choices}.")

        for kind in self.temporal_encoding:
            if kind not in TEMPORAL_ENCODINGS:
                raise ValueError(
                    f"temporal_encoding contains {kind!r}; use a subset of {TEMPORAL_ENCODINGS}."
                )
        if len(set(self.temporal_encoding)) != len(self.temporal_encoding):
            raise ValueError(f"temporal_encoding={self.temporal_encoding} repeats an entry.")
        if "calendar" in self.temporal_encoding and self.n_time_features == 0:
            raise ValueError(
                "temporal_encoding contains 'calendar' but n_time_features=0; set "
                "n_time_features to the width F of the time_features (B, L, F)."
            )
        if self.n_time_features > 0 and "calendar" not in self.temporal_encoding:
            raise ValueError(
                f"n_time_features={self.n_time_features} but 'calendar' is not in "
                "temporal_encoding; add 'calendar' or set n_time_features=0."
            )

        if self.hops == 0 or self.memory == "history":
            if self.lookback < self.window:
                raise ValueError(
                    f"lookback={self.lookback} is shorter than window={self.window}: the "
                    f"query needs the last {self.window} steps, so lookback must be at "
                    f"least {self.window}."
                )
        elif self.n_slots < 1:
            raise ValueError(
                f"lookback={self.lookback} is too short for window={self.window}, "
                f"stride={self.stride}: the query takes the last {self.window} steps and one "
                f"memory slot needs {self.window} more, so lookback must be at least "
                f"{2 * self.window} (each further slot needs stride={self.stride} more steps)."
            )

        if self.value_length is not None:
            self.value_length = _as_int("value_length", self.value_length, minimum=1)
            if self.value_length > self.window:
                raise ValueError(
                    f"value_length={self.value_length} exceeds window={self.window}: the "
                    "most recent slot's value must lie in the observed query window; use "
                    f"value_length <= {self.window} (None means window)."
                )
        if (
            self.hops > 0
            and self.key_value
            and self.weight_tying == "adjacent"
            and self.encoder == "linear"
            and self.value_len != self.window
        ):
            raise ValueError(
                f"weight_tying='adjacent' with key_value=True and encoder='linear' applies one "
                f"linear map to keys (window={self.window}) and values "
                f"(value_length={self.value_length}); set value_length=None (= window), "
                "weight_tying='layerwise', or encoder='conv'/'gru'."
            )
        if self.hops > 0 and self.futures and self.first_future_slot >= self.capacity:
            where = (
                f"lookback={self.lookback} holds {self.n_slots} slot(s)"
                if self.memory == "lookback"
                else f"max_slots={self.max_slots}"
            )
            raise ValueError(
                f"futures=True reads the horizon={self.horizon} steps after each slot, but "
                f"{where}, none of which can have its whole future observed before the origin "
                f"(the first such slot is number {self.first_future_slot + 1}). Use "
                "memory='history', a longer lookback or max_slots, a larger stride, or "
                "futures=False."
            )
        if self.hops > 0 and self.hop_update == "none":
            # The controller's state is never updated, so every hop would address alike and
            # only the last hop's weights read the futures: one hop, the futures, a state head.
            problems = [text for bad, text in [
                (self.hops != 1, f"hops=1 (got {self.hops}: every hop would address alike)"),
                (not self.futures, "futures=True (the futures are all the memory reads)"),
                (self.output == "contextual", "output='linear' or 'nonlinear' (got 'contextual', a read into the state)"),
            ] if bad]
            if problems:
                raise ValueError(
                    "hop_update='none' keeps the controller's state and reads only the retrieved "
                    "futures; set " + "; ".join(problems) + ", or choose another hop_update."
                )
        if self.output == "contextual" and self.hops == 0:
            raise ValueError(
                "output='contextual' reads the memory in its last hop and needs hops >= 1; "
                "use output='linear' or 'nonlinear' with hops=0."
            )
        if self.ar_window > self.lookback:
            raise ValueError(
                f"ar_window={self.ar_window} exceeds lookback={self.lookback}; use "
                f"ar_window <= {self.lookback}."
            )

        if self.quantiles is not None:
            qs = self.quantiles
            if len(qs) == 0:
                raise ValueError("quantiles=() is empty; use None for a point forecast.")
            if any(not (0.0 < q < 1.0) for q in qs):
                raise ValueError(f"quantiles={qs} must all lie strictly between 0 and 1.")
            if any(b <= a for a, b in zip(qs, qs[1:], strict=False)):
                raise ValueError(f"quantiles={qs} must be strictly increasing.")

        if not (0.0 <= self.empty_slot_rate < 1.0) or math.isnan(self.empty_slot_rate):
            raise ValueError(f"empty_slot_rate={self.empty_slot_rate} must lie in [0, 1).")
        if not (0.0 <= self.memory_dropout < 1.0) or math.isnan(self.memory_dropout):
            raise ValueError(f"memory_dropout={self.memory_dropout} must lie in [0, 1).")
        if not (0.0 <= self.dropout < 1.0) or math.isnan(self.dropout):
            raise ValueError(f"dropout={self.dropout} must lie in [0, 1).")

    # -- derived quantities ------------------------------------------------------------

    @property
    def n_slots(self) -> int:
        """Number of memory slots ``N`` in an input of ``lookback`` steps (0 if ``hops=0``)."""
        return n_slots(self.lookback, self.window, self.stride) if self.hops > 0 else 0

    @property
    def capacity(self) -> int:
        """Most slots the model reads: ``n_slots``, or ``max_slots`` with ``memory="history"``."""
        if self.hops > 0 and self.memory == "history":
            return max(self.max_slots, 1)
        return self.n_slots

    @property
    def first_future_slot(self) -> int:
        """Recency index of the most recent slot whose ``horizon``-step future is observed.

        Slot ``j``'s window ends ``w + j·s`` steps before the origin, so its future is
        observed when ``w + j·s >= H``.
        """
        return max(0, math.ceil((self.horizon - self.window) / self.stride))

    @property
    def context_length(self) -> int:
        """Input steps the model is fed: ``lookback``, or with ``memory="history"`` enough
        for ``max_slots`` slots before the query (``2w + (max_slots - 1)·s``)."""
        if self.memory == "lookback" or self.hops == 0:
            return self.lookback
        return max(self.lookback, 2 * self.window + (self.max_slots - 1) * self.stride)

    @property
    def n_empty_slots(self) -> int:
        """Number of empty slots inserted per training batch, ``ceil(rate · N)``."""
        return math.ceil(self.empty_slot_rate * self.n_slots)

    @property
    def value_len(self) -> int:
        """Resolved value length ``v`` (``value_length`` or ``window``)."""
        return self.window if self.value_length is None else self.value_length

    @property
    def in_channels(self) -> int:
        """Channels a window carries: 1 (independent) or ``C`` (mixing)."""
        return 1 if self.channel_mode == "independent" else self.n_channels

    @property
    def n_quantiles(self) -> int:
        """``Q``: number of quantile levels, 1 for a point forecast."""
        return 1 if self.quantiles is None else len(self.quantiles)

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` of the fields (safe for checkpoints and YAML)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> MemNetConfig:
        """Build a config from `to_dict` output, rejecting unknown keys by name."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"Unknown MemNetConfig fields {unknown}; known: {sorted(known)}.")
        return cls(**values)


def _as_int(name: str, value: Any, minimum: int) -> int:
    """``value`` as a Python int (numpy ints accepted), or a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}={value!r} must be an int >= {minimum}.")
    if value < minimum:
        raise ValueError(f"{name}={value} must be >= {minimum}.")
    return int(value)
