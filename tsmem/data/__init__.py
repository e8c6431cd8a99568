"""Input conversion and validation, windows, scaling, splits and calendar features."""

from tsmem.data.convert import is_long_frame, to_panel
from tsmem.data.features import calendar_features, n_calendar_features
from tsmem.data.missing import fill_missing
from tsmem.data.panel import ID_COL, TARGET_COL, TIME_COL, Panel, future_index, quantile_column
from tsmem.data.scaling import PanelScaler
from tsmem.data.splits import temporal_split
from tsmem.data.windows import concat_series, gather_windows, sliding_windows, window_starts

__all__ = [
    "ID_COL",
    "TARGET_COL",
    "TIME_COL",
    "Panel",
    "PanelScaler",
    "calendar_features",
    "concat_series",
    "fill_missing",
    "future_index",
    "gather_windows",
    "is_long_frame",
    "n_calendar_features",
    "quantile_column",
    "sliding_windows",
    "temporal_split",
    "to_panel",
    "window_starts",
]
