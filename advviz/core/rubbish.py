"""The rubbish-class probe (paper §9): confident answers far from the data.

Inputs drawn from N(0, I) (or uniform on [0, 1]) look like nothing; a model whose outputs are
linear-ish far from the data still labels many of them with high confidence. RBF units, which are
only confident near their prototypes, do not.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from advviz.core import outputs
from advviz.core.batching import forward

Distribution = Literal["gaussian", "uniform"]


@dataclass(frozen=True)
class RubbishResult:
    """``confident_fraction``: share with max probability > ``threshold``; per-sample ``confidence``
    (N,) and ``predictions`` (N,); ``inputs`` (N, C, H, W) kept for the gallery."""

    distribution: str
    threshold: float
    confident_fraction: float
    mean_confidence: float
    confidence: np.ndarray
    predictions: np.ndarray
    inputs: np.ndarray


def rubbish_inputs(count: int, shape: tuple[int, ...], *, distribution: Distribution = "gaussian",
                   seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    if distribution == "gaussian":
        return torch.randn(count, *shape, generator=generator)
    if distribution == "uniform":
        return torch.rand(count, *shape, generator=generator)
    raise ValueError(f"unknown distribution {distribution!r}; choose gaussian or uniform")


def rubbish_probe(
    model: nn.Module,
    *,
    count: int = 10000,
    distribution: Distribution = "gaussian",
    threshold: float = 0.5,
    seed: int = 0,
    input_shape: tuple[int, ...] | None = None,
) -> RubbishResult:
    """Classify ``count`` rubbish inputs; report how many get confidence above ``threshold``.

    The inputs are *not* clipped to [0, 1] for the Gaussian case: the paper feeds N(0, I) samples.
    """
    if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 1:
        raise ValueError(f"count must be a whole number ≥ 1, got {count}")
    if not 0 <= threshold <= 1:  # NaN fails too: every comparison with it is false, so 0 % were "confident"
        raise ValueError(f"threshold must be a probability in [0, 1], got {threshold}")
    shape = tuple(input_shape or getattr(model, "input_shape"))
    inputs = rubbish_inputs(count, shape, distribution=distribution, seed=seed)
    probabilities = outputs.probabilities(forward(model, inputs), reject_logit=outputs.has_reject_logit(model))
    confidence, predictions = probabilities.max(dim=1)
    return RubbishResult(
        distribution=distribution, threshold=threshold,
        confident_fraction=float((confidence > threshold).float().mean()),
        mean_confidence=float(confidence.mean()), confidence=confidence.numpy(),
        predictions=predictions.numpy(), inputs=inputs.numpy(),
    )
