"""From a model's logits to probabilities and loss, in one place.

Most models' probabilities are ``softmax(logits)``. A model with ``reject_logit`` (the RBF
network) has an implicit extra logit of 0 meaning "none of these classes", so it can give low
confidence to every class far from the data — the paper's point about RBF units.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def has_reject_logit(model: nn.Module) -> bool:
    return bool(getattr(model, "reject_logit", False))


def _with_reject(logits: torch.Tensor) -> torch.Tensor:
    return torch.cat([logits, logits.new_zeros(*logits.shape[:-1], 1)], dim=-1)


def probabilities(logits: torch.Tensor, *, reject_logit: bool = False) -> torch.Tensor:
    """Class probabilities (..., C) from logits (..., C)."""
    if reject_logit:
        return _with_reject(logits).softmax(dim=-1)[..., :-1]
    return logits.softmax(dim=-1)


def loss(logits: torch.Tensor, labels: torch.Tensor, *, reject_logit: bool = False,
         reduction: str = "mean") -> torch.Tensor:
    """Cross-entropy J(θ, x, y), the loss FGSM ascends."""
    if reject_logit:
        logits = _with_reject(logits)
    return F.cross_entropy(logits, labels, reduction=reduction)
