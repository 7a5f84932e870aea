"""Many small changes add up: the logit change of an L∞ attack grows linearly with the dimension.

The paper's core argument (§3): for a linear score wᵀx, a perturbation with ‖η‖∞ ≤ ε can move it by
up to ε‖w‖₁ ≈ ε·m·n, where n is the number of input dimensions and m the mean |wᵢ| — no single
pixel changes by more than ε, yet the total change grows with n. Here the attacker may change only
n of the D input dimensions (FGSM's sign(∇ₓJ) on those, 0 elsewhere), and we measure the logit
change for n = 1 … D. Two ways to pick the n dimensions:

* ``"pixels"``: the first n pixels of a fixed random order (each n-set contains the smaller ones);
* ``"blocks"``: the image averaged down to k×k blocks and up again — the attacker chooses one sign per
  block (n = k² free signs), the perturbation is constant on each block.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from advviz.core.attacks import FGSM
from advviz.core.attacks.base import eval_mode
from advviz.core.batching import forward, model_device

Mode = Literal["pixels", "blocks"]


@dataclass(frozen=True)
class DimensionPoint:
    """The attack restricted to ``n`` free input dimensions (point ``index`` of ``total``).

    measured (B, C) = logits(x + ε·d_n) − logits(x) (unclipped, the paper's setting, unless ``clip``);
    predicted (B, C) = ε·w_cᵀd_n for a single-linear-layer model, else None;
    bound (B, C) = the largest change of logit c any η of the same freedom can make, for a linear model (else
    None): ε·Σ over the n free pixels of |w_c| (``pixels``), ε·Σ over the blocks of |Σ of w_c in the block|
    (``blocks``: η is one value per block and channel);
    direction (B, C, H, W) the restricted perturbation d_n (entries in {−1, 0, +1}).
    """

    index: int
    total: int
    n: int
    measured: np.ndarray
    predicted: np.ndarray | None
    bound: np.ndarray | None
    direction: np.ndarray


def default_counts(dimension: int, mode: Mode = "pixels", *, points: int = 16) -> list[int]:
    """Dimension counts to try: ``points`` roughly even steps up to ``dimension`` (pixels), or k² for
    k = 1 … side (blocks; ``dimension`` is the image side length then)."""
    if mode == "blocks":
        return [k * k for k in range(1, dimension + 1)]
    values = np.unique(np.linspace(1, dimension, points).round().astype(int))
    return [int(v) for v in values]


def _restricted(gradient: torch.Tensor, n: int, mode: Mode, order: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """sign(∇) restricted to n free dimensions, and the 0/1 mask of those (pixels mode) or ones."""
    if mode == "pixels":
        mask = torch.zeros(gradient[0].numel(), device=gradient.device)
        mask[order[:n]] = 1.0
        mask = mask.view_as(gradient[0])
        return gradient.sign() * mask, mask
    side = int(round(n ** 0.5))
    if side * side != n:
        raise ValueError(f"blocks mode needs a square count k², got {n}")
    height, width = gradient.shape[-2:]
    pooled = F.adaptive_avg_pool2d(gradient, side)
    return F.interpolate(pooled, size=(height, width), mode="nearest").sign(), torch.ones_like(gradient[0])


def _block_sums(weights: torch.Tensor, side: int, shape: tuple[int, ...]) -> torch.Tensor:
    """(C, channels·side²) sums of pixel-space ``weights`` (C, D) over the k×k blocks :func:`_restricted` moves
    together (nearest upsampling of a side × side image: each pixel belongs to one block)."""
    channels, height, width = shape
    blocks = torch.arange(side * side, dtype=torch.float32, device=weights.device).view(1, 1, side, side)
    owner = F.interpolate(blocks, size=(height, width), mode="nearest").long().flatten()  # (H·W,) block of each pixel
    owner = (owner + side * side * torch.arange(channels, device=weights.device).view(-1, 1)).flatten()
    sums = torch.zeros(len(weights), channels * side * side, dtype=weights.dtype, device=weights.device)
    return sums.index_add_(1, owner, weights)


def dimension_steps(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    eps: float,
    counts: Sequence[int] | None = None,
    *,
    mode: Mode = "pixels",
    clip: bool = False,
    seed: int = 0,
    weights: torch.Tensor | None = None,
) -> Iterator[DimensionPoint]:
    """Stream one :class:`DimensionPoint` per count in ``counts`` (default :func:`default_counts`).

    ``weights`` (C, D): pixel-space weights of a linear model (see
    :func:`advviz.core.linearity.pixel_space_weights`) for the predicted change and the bound.
    """
    if mode not in ("pixels", "blocks"):
        raise ValueError(f"unknown mode {mode!r}; choose pixels or blocks")
    device = model_device(model)
    x_dev, y_dev = x.detach().to(device), y.to(device)
    dimension = x_dev[0].numel()
    counts = list(counts) if counts is not None else default_counts(
        dimension if mode == "pixels" else int(x_dev.shape[-1]), mode)
    if any(not 1 <= n <= dimension for n in counts):
        raise ValueError(f"every dimension count must be in 1…{dimension}")
    with eval_mode(model):
        _, gradient = FGSM(eps=eps).direction(model, x_dev, y_dev)
    order = torch.randperm(dimension, generator=torch.Generator().manual_seed(seed)).to(device)
    clean = forward(model, x_dev)
    w = None if weights is None else weights.to(device)
    for index, n in enumerate(counts):
        direction, mask = _restricted(gradient, n, mode, order)
        moved = x_dev + eps * direction
        measured = forward(model, moved.clamp(0.0, 1.0) if clip else moved) - clean
        predicted = bound = None
        if w is not None:
            predicted = (eps * direction.flatten(1) @ w.T).cpu().numpy()
            if mode == "pixels":
                per_class = eps * (w.abs() * mask.flatten()).sum(dim=1)
            else:
                per_class = eps * _block_sums(w, int(round(n ** 0.5)), tuple(x_dev.shape[1:])).abs().sum(dim=1)
            bound = per_class.expand(len(x_dev), -1).cpu().numpy()
        yield DimensionPoint(index, len(counts), int(n), measured.numpy(), predicted, bound,
                             direction.cpu().numpy())


def dimension_curve(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float,
                    counts: Sequence[int] | None = None, **options: object) -> list[DimensionPoint]:
    """All points of :func:`dimension_steps` as a list."""
    return list(dimension_steps(model, x, y, eps, counts, **options))  # type: ignore[arg-type]

