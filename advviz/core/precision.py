"""Reduced-precision forwards (bfloat16 / float16) and what they cost in accuracy.

On a GPU, half-precision forwards are faster; an adversarial analysis must know how far their
logits drift from float32's before trusting them near a decision boundary. The report gives the
largest logit difference and how often the predicted class changes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn

from advviz.core.batching import chunk_size, forward, model_device

REDUCED = {"bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass(frozen=True)
class PrecisionReport:
    dtype: str
    device: str
    samples: int
    max_logit_difference: float
    mean_logit_difference: float
    prediction_agreement: float  # share of samples whose argmax is unchanged


def forward_reduced(model: nn.Module, x: torch.Tensor, *, dtype: str = "bfloat16") -> torch.Tensor:
    """Logits (N, C) on the CPU from chunked forwards of a copy of ``model`` whose weights, inputs and
    every operation are in ``dtype``. (Autocast would run only matrix products and convolutions in
    ``dtype``: an RBF network, all element-wise, drifted by exactly 0 — a report of nothing.)"""
    if dtype not in REDUCED:
        raise ValueError(f"unknown precision {dtype!r}; choose {', '.join(REDUCED)}")
    device = model_device(model)
    size = chunk_size(model, tuple(x.shape[1:]), total=len(x))
    reduced = copy.deepcopy(model).to(REDUCED[dtype]).eval()
    parts = []
    with torch.inference_mode():
        for start in range(0, len(x), size):
            parts.append(reduced(x[start: start + size].to(device, REDUCED[dtype])).float().cpu())
    return torch.cat(parts) if parts else torch.empty(0, 0)


def precision_report(model: nn.Module, x: torch.Tensor, *, dtype: str = "bfloat16") -> PrecisionReport:
    """Compare ``dtype`` forwards with float32 ones on ``x``."""
    exact = forward(model, x)
    reduced = forward_reduced(model, x, dtype=dtype)
    difference = (reduced - exact).abs()
    return PrecisionReport(
        dtype=dtype, device=str(model_device(model)), samples=len(x),
        max_logit_difference=float(difference.max()) if difference.numel() else 0.0,
        mean_logit_difference=float(difference.mean()) if difference.numel() else 0.0,
        prediction_agreement=float((reduced.argmax(1) == exact.argmax(1)).float().mean()) if len(x) else 1.0,
    )
