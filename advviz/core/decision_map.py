"""The 2-D decision map: the predicted class over a plane through x.

The plane is spanned by FGSM's direction d₁ = sign(∇ₓJ) and a random sign direction d₂ made
orthogonal to d₁ (and scaled to the same length). Point (a, b) is x + a·d₁ + b·d₂, clipped when
asked. Adversarial examples fill wide regions of this plane, not isolated pockets (paper §5).
The map costs one gradient and chunked forwards, streamed row by row (one row per value of b).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from advviz.core import outputs
from advviz.core.attacks import FGSM
from advviz.core.attacks.base import eval_mode
from advviz.core.batching import forward, model_device
from advviz.core.checks import checked_batch
from advviz.core.eps_limits import largest_eps
from advviz.core.rows import forward_rows


@dataclass(frozen=True)
class MapStart:
    """Axes of the map: ``a`` (W,) along FGSM's direction, ``b`` (H,) along the orthogonal one."""

    a: np.ndarray
    b: np.ndarray
    fgsm_direction: np.ndarray  # (C, H, W) image shape
    other_direction: np.ndarray
    clean_prediction: int


@dataclass(frozen=True)
class MapRows:
    """Rows ``start:stop`` of the map: predicted class and its probability, (stop−start, W) each;
    logits (stop−start, W, C)."""

    start: int
    stop: int
    total: int
    predictions: np.ndarray
    confidence: np.ndarray
    logits: np.ndarray


def orthogonal_sign_direction(direction: torch.Tensor, *, seed: int = 0) -> torch.Tensor:
    """A random ±1 direction, Gram–Schmidt-orthogonalized against ``direction`` and rescaled to its length."""
    generator = torch.Generator().manual_seed(seed)
    random = (torch.randint(0, 2, direction.shape, generator=generator).float() * 2 - 1).to(direction.device)
    flat, base = random.flatten(), direction.flatten()
    norm_sq = float(base @ base)
    if norm_sq > 0:
        flat = flat - (flat @ base) / norm_sq * base
        flat = flat * (base.norm() / flat.norm().clamp_min(1e-12))
    return flat.view_as(direction)


def decision_map_steps(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    extent: float = 0.5,
    resolution: int = 101,
    clip: bool = True,
    seed: int = 0,
) -> Iterator[MapStart | MapRows]:
    """Stream the map around one sample x (1, C, H, W) with label y (1,).

    Both axes run over −extent…+extent with ``resolution`` points (odd resolution puts x at the centre);
    ``extent`` is in (0, 1]: steps along sign directions, an L∞ ε (:mod:`advviz.core.eps_limits`).
    """
    largest = largest_eps("Linf")
    if not 0 < extent <= largest:  # NaN fails too
        raise ValueError(f"extent must be an ε in (0, {largest:g}]: both axes run over −extent…+extent along "
                         f"sign directions, got {extent}")
    if resolution < 2:
        raise ValueError(f"resolution must be ≥ 2, got {resolution}")
    x, y = checked_batch(model, x, y)
    if len(x) != 1:
        raise ValueError(f"the decision map is drawn around one sample, got a batch of {len(x)}")
    device = model_device(model)
    x_dev, y_dev = x.detach().to(device), y.to(device)
    with eval_mode(model):
        direction, _ = FGSM(clip=clip).direction(model, x_dev, y_dev)
        other = orthogonal_sign_direction(direction, seed=seed)
        clean = int(forward(model, x_dev).argmax(dim=1))  # in the forwards' precision, like the map's points
        axis = torch.linspace(-extent, extent, resolution, device=device)
        yield MapStart(a=axis.cpu().numpy(), b=axis.cpu().numpy(), fgsm_direction=direction[0].cpu().numpy(),
                       other_direction=other[0].cpu().numpy(), clean_prediction=clean)
        flat_x, d1, d2 = x_dev.flatten(), direction.flatten(), other.flatten()

        def make(start: int, stop: int) -> torch.Tensor:
            index = torch.arange(start, stop, device=device)
            a, b = axis[index % resolution].unsqueeze(1), axis[index // resolution].unsqueeze(1)
            points = flat_x + a * d1 + b * d2
            return (points.clamp(0.0, 1.0) if clip else points).view(-1, *x.shape[1:])

        reject = outputs.has_reject_logit(model)
        for start, stop, logits in forward_rows(model, resolution, resolution, make):
            probabilities = outputs.probabilities(torch.from_numpy(logits), reject_logit=reject)
            confidence, predictions = probabilities.max(dim=-1)
            yield MapRows(start, stop, resolution, predictions.numpy(), confidence.numpy(), logits)


def decision_map(model: nn.Module, x: torch.Tensor, y: torch.Tensor, **options: object) -> tuple[MapStart, np.ndarray, np.ndarray]:
    """The whole map: ``(start, predictions (H, W), confidence (H, W))``."""
    stream = decision_map_steps(model, x, y, **options)  # type: ignore[arg-type]
    start = next(stream)
    assert isinstance(start, MapStart)
    predictions = np.empty((len(start.b), len(start.a)), dtype=np.int64)
    confidence = np.empty((len(start.b), len(start.a)), dtype=np.float32)
    for rows in stream:
        assert isinstance(rows, MapRows)
        predictions[rows.start: rows.stop] = rows.predictions
        confidence[rows.start: rows.stop] = rows.confidence
    return start, predictions, confidence
