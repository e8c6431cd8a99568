"""Plain-PyTorch memory network (no Lightning, no pandas).

`MemNetConfig` holds every hyperparameter, `MemNet` is the ``nn.Module``; the
smaller pieces (window encoders, temporal encodings, hop updates, heads, RevIN,
slot layout) live in their own modules.
"""

from tsmem.nn.config import TEMPORAL_ENCODINGS, MemNetConfig, n_slots
from tsmem.nn.encoders import (
    Controller,
    ConvWindowEncoder,
    GRUWindowEncoder,
    LinearWindowEncoder,
    make_window_encoder,
)
from tsmem.nn.heads import ARHighway, ForecastHead
from tsmem.nn.hops import (
    AdditiveUpdate,
    ContextualRead,
    GatedUpdate,
    RecurrentUpdate,
    attention_weights,
    make_hop_updates,
    read,
)
from tsmem.nn.memnet import MemNet, MemNetOutput
from tsmem.nn.revin import RevIN, RevINStats
from tsmem.nn.slot_embedding import SlotEmbedding
from tsmem.nn.slots import Memory, build_memory, insert_empty_slots
from tsmem.nn.temporal import TemporalEncoding, sinusoidal_encoding

__all__ = [
    "TEMPORAL_ENCODINGS",
    "ARHighway",
    "AdditiveUpdate",
    "ContextualRead",
    "Controller",
    "ConvWindowEncoder",
    "ForecastHead",
    "GRUWindowEncoder",
    "GatedUpdate",
    "LinearWindowEncoder",
    "MemNet",
    "MemNetConfig",
    "MemNetOutput",
    "Memory",
    "RecurrentUpdate",
    "RevIN",
    "RevINStats",
    "SlotEmbedding",
    "TemporalEncoding",
    "attention_weights",
    "build_memory",
    "insert_empty_slots",
    "make_hop_updates",
    "make_window_encoder",
    "n_slots",
    "read",
    "sinusoidal_encoding",
]
