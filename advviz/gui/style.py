"""Colours and small helpers shared by the panels."""

from __future__ import annotations

# Tableau-10: distinct, colour-blind-friendlier than the rainbow, readable on white. Its grey (class 7)
# is Tableau-20b's indigo here: the decision map shows confidence as paleness beside a grey scale bar,
# and a grey class read as "unsure".
# Tableau's ten, with a dark teal for 7: its grey read as the map's "unsure", and an indigo faded, where the
# map is unsure, to the lavender of 4 (a 4 → 7 flip showed one colour)
CLASS_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#004d40", "#bcbd22", "#17becf",
)
FLIP_BRUSH = (214, 39, 40, 38)  # translucent red: ε where the class flipped
ERROR_COLOR = "#c62828"
WARN_COLOR = "#b26a00"
OK_COLOR = "#2e7d32"


def class_color(index: int) -> str:
    return CLASS_COLORS[index % len(CLASS_COLORS)]


def class_label(names: tuple[str, ...], index: int) -> str:
    """``"3"`` for MNIST digits, ``"Sandal"`` for named classes; falls back to the index."""
    return names[index] if 0 <= index < len(names) else str(index)


def short_names(names: list[str]) -> list[str]:
    """Drop the shared data-set prefix ("mnist-cnn" → "cnn") so axis labels do not overlap."""
    prefixes = {name.split("-", 1)[0] for name in names}
    if len(prefixes) == 1 and all("-" in name for name in names):
        return [name.split("-", 1)[1] for name in names]
    return list(names)
