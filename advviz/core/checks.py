"""What every analysis checks on the way in: a batch of images and its labels, said in the caller's terms.

Unchecked, a wrong shape surfaced as torch's "expected input[1, 64, 28, 28] to have 1 channels", an empty batch
as a pooling size error, a label of 10 as "Target 10 is out of bounds", and a NaN pixel as an error rate that
depended on what had run before (the frozen graph does not carry NaN through as eager PyTorch does).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn

from advviz.core.eps_limits import largest_eps, why_largest
from advviz.core.errors import AdvvizError

# Pixels are in [0, 1]; unclipped adversarial images go up to the largest ε (1) beyond it on either side.
LOOKS_LIKE_BYTES = 2.0  # a pixel above this is not in [0, 1]: images in 0–255 units
LOOKS_NORMALIZED = -1.0  # a pixel below this is not in [0, 1]: normalized (mean-subtracted) or shifted images


def checked_batch(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` (B ≥ 1, C, H, W) floating images in [0, 1] of the model's input shape, finite; ``y`` (B,) integer
    labels below the model's number of classes. Returns them as float32 and int64."""
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
    if float(x.min()) < LOOKS_NORMALIZED:
        raise ValueError(f"images must be in [0, 1] pixel units; these reach {float(x.min()):g} (normalized? pass "
                         "the raw pixels and normalize inside the model, so that ε is in pixel units)")
    return x.float(), checked_labels(model, y, count=len(x))


def checked_labels(model: nn.Module, y: torch.Tensor, *, count: int) -> torch.Tensor:
    """``y`` (count,) integer class indices of ``model``, as int64: the true classes every analysis attacks."""
    if not isinstance(y, torch.Tensor) or y.dim() != 1 or len(y) != count:
        shape = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise ValueError(f"labels must be a ({count},) tensor, one per image, got {shape}")
    if y.is_floating_point() or y.is_complex():
        raise ValueError(f"labels must be integers (class indices), got {y.dtype}")
    if bool((y < 0).any()):  # an unknown class has no loss to ascend: torch said "Target -1 is out of bounds"
        raise ValueError(f"labels must be class indices ≥ 0, got {int(y.min())} (load_image_folder gives -1 to an "
                         "image outside a class sub-folder: its class is unknown); pass the model's prediction as "
                         "its label, model(x).argmax(1), as the window does, or put the image in a class sub-folder")
    classes = len(getattr(model, "class_names", ()) or ())
    if classes and bool((y >= classes).any()):
        raise ValueError(f"labels must be class indices 0…{classes - 1} of {getattr(model, 'name', 'the model')}, "
                         f"got {int(y.max())}")
    return y.long()


def check_eps(eps: Iterable[float], *, norm: str, values: int) -> None:
    """Refuse an ε beyond the largest meaningful one (:mod:`advviz.core.eps_limits`, as the CLI and the window
    do) for an attack of ``norm`` on images of ``values`` numbers; negative ε (a sweep's other side) by size."""
    limit = largest_eps(norm, values)
    largest = max((abs(float(e)) for e in eps), default=0.0)
    if not math.isfinite(largest):
        raise ValueError("every ε must be a finite number")
    if largest > limit * (1 + 1e-6):  # ε in float32 (a sweep's grid) may round just past √D
        raise ValueError(f"ε must be at most {limit:g} ({why_largest(norm, values)}), got {largest:g}")
