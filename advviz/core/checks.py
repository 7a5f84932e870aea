"""What every analysis checks on the way in: a batch of images and its labels, said in the caller's terms.

Unchecked, a wrong shape surfaced as torch's "expected input[1, 64, 28, 28] to have 1 channels", an empty batch
as a pooling size error, a label of 10 as "Target 10 is out of bounds", and a NaN pixel as an error rate that
depended on what had run before (the frozen graph does not carry NaN through as eager PyTorch does).
"""

from __future__ import annotations

import torch
from torch import nn

from advviz.core.errors import AdvvizError

LOOKS_LIKE_BYTES = 2.0  # a pixel above this is not in [0, 1]: images in 0–255 units


def checked_batch(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` (B ≥ 1, C, H, W) floating images in [0, 1] of the model's input shape, finite; ``y`` (B,) integer
    labels below the model's number of classes (negative: unknown, attacked at the model's own prediction by the
    callers that allow it). Returns them as float32 and int64."""
    name = getattr(model, "name", "the model")
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"images must be a (B, C, H, W) tensor, got {shape}")
    if len(x) == 0:
        raise ValueError("no images: the batch is empty")
    if not x.is_floating_point():
        raise ValueError(f"images must be floating point in [0, 1], got {x.dtype}")
    expected = getattr(model, "input_shape", None)
    if expected is not None and tuple(x.shape[1:]) != tuple(expected):
        raise ValueError(f"{name} expects images of shape {tuple(expected)} (C, H, W), got {tuple(x.shape[1:])}")
    if not bool(torch.isfinite(x).all()):
        raise AdvvizError("the images contain NaN or infinite values")
    if float(x.max()) > LOOKS_LIKE_BYTES:
        raise ValueError(f"images must be in [0, 1] pixel units; these reach {float(x.max()):g} (0–255? divide by 255)")
    if not isinstance(y, torch.Tensor) or y.dim() != 1 or len(y) != len(x):
        shape = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise ValueError(f"labels must be a ({len(x)},) tensor, one per image, got {shape}")
    if y.is_floating_point() or y.is_complex():
        raise ValueError(f"labels must be integers (class indices), got {y.dtype}")
    classes = len(getattr(model, "class_names", ()) or ())
    if classes and bool((y >= classes).any()):
        raise ValueError(f"labels must be class indices 0…{classes - 1} of {name}, got {int(y.max())}")
    return x.float(), y.long()
