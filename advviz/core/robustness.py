"""Robustness over a test set: the paper's two metrics for a list of ε.

For each ε: the error rate on adversarial examples and the mean confidence on the wrong answers —
undefined (NaN, not 0) at an ε where the model makes no wrong answer.
A directional attack (FGSM, random sign, L2) costs one gradient per sample batch for all ε, then
chunked forwards; an iterative attack runs once per ε.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from advviz.core import outputs
from advviz.core.attacks import FGSM, Attack, DirectionalAttack
from advviz.core.attacks.base import eval_mode
from advviz.core.batching import forward, model_device
from advviz.core.checks import check_eps, checked_batch
from advviz.core.sweep import perturbed


@dataclass(frozen=True)
class RobustnessPoint:
    """Error rate and mean wrong-answer confidence at ``eps`` (index ``index`` of ``total``);
    ``confidence`` is NaN where no answer is wrong."""

    index: int
    total: int
    eps: float
    error: float
    confidence: float


@dataclass(frozen=True)
class RobustnessCurve:
    eps: np.ndarray
    error: np.ndarray
    confidence: np.ndarray
    attack: str
    samples: int


def error_and_confidence(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
    """Error rate of ``model`` on ``inputs`` and its mean confidence where it is wrong (NaN where it
    never is: a mean over no answers is undefined, and 0 would read as "wrong, never confident")."""
    device = model_device(model)
    logits = forward(model, inputs, device=device)  # reduced where computed: two numbers go to the host
    confidence, predictions = outputs.probabilities(
        logits, reject_logit=outputs.has_reject_logit(model)).max(dim=1)
    wrong = predictions != labels.to(device)
    error, mean_confidence = torch.stack([wrong.float().mean(), (confidence * wrong).sum() / wrong.sum()]).tolist()
    return error, mean_confidence  # 0 / 0 = NaN where it is never wrong


def robustness_steps(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    eps: Sequence[float] | np.ndarray,
    *,
    attack: Attack | None = None,
) -> Iterator[RobustnessPoint]:
    """Stream one :class:`RobustnessPoint` per ε (in the given order)."""
    attack = attack or FGSM()
    x, y = checked_batch(model, x, y)
    values = [float(e) for e in np.atleast_1d(np.asarray(eps, dtype=np.float64))]  # one ε, or several
    if any(not np.isfinite(e) or e < 0 for e in values):
        raise ValueError("every ε must be a finite number ≥ 0")
    check_eps(values, norm=attack.norm, values=x[0].numel())
    device = model_device(model)
    x_dev, y_dev = x.detach().to(device), y.to(device)
    direction = None
    if isinstance(attack, DirectionalAttack):
        with eval_mode(model):
            direction, _ = attack.direction(model, x_dev, y_dev)
    for index, value in enumerate(values):
        if direction is not None:
            adversarial = perturbed(x_dev, direction, value, clip=attack.clip)
        else:
            adversarial = attack.replace(eps=value)(model, x_dev, y_dev)
        with eval_mode(model):  # a model left in train mode: dropout made its error rate vary between calls
            error, confidence = error_and_confidence(model, adversarial, y_dev)
        yield RobustnessPoint(index, len(values), value, error, confidence)


def robustness(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    eps: Sequence[float] | np.ndarray,
    *,
    attack: Attack | None = None,
) -> RobustnessCurve:
    """Error rate and mean confidence on wrong answers for each ε (paper §4–6 metrics)."""
    attack = attack or FGSM()
    points = list(robustness_steps(model, x, y, eps, attack=attack))
    return RobustnessCurve(
        eps=np.array([p.eps for p in points]), error=np.array([p.error for p in points]),
        confidence=np.array([p.confidence for p in points]), attack=attack.name, samples=len(x),
    )
