"""How large ε can mean anything: images are in [0, 1], so one limit per norm. Pure Python: the CLI checks
its options with it before torch loads, and the window bounds its ε boxes with it.

An L∞ step of ε = 1 already moves every pixel across the whole range; an L2 step of √D (D values per image,
784 for MNIST) is that same move's length. Larger values are typos or ε in 0–255 units (8 for 8/255): the
clipped curves lie flat beyond them, and the cursor was held at the limit while the headline named it.
"""

from __future__ import annotations

import math

MNIST_VALUES = 28 * 28


def largest_eps(norm: str, values: int = MNIST_VALUES) -> float:
    """The largest meaningful ε of an attack of ``norm`` ("Linf" or "L2") on images of ``values`` numbers."""
    return float(math.sqrt(values)) if norm == "L2" else 1.0


def why_largest(norm: str, values: int = MNIST_VALUES) -> str:
    """Why :func:`largest_eps` is the limit, in words."""
    if norm == "L2":
        return f"an L2 step of {largest_eps(norm, values):g} spans the whole [0, 1] range of an image of {values} values"
    return "ε = 1 already moves every pixel across the whole [0, 1] range; for ε in 0–255 units, divide by 255"
