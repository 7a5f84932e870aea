"""Fast gradient method, L2 — one step along the normalized gradient.

Paper: Goodfellow, Shlens & Szegedy (2015) introduce the L∞ version (FGSM); the L2 variant is the
same first-order step under an L2 budget (Kurakin et al., 2016; Foolbox's ``L2FastGradientAttack``).
Distance measure: L2.

    η = ε · ∇ₓJ / ‖∇ₓJ‖₂ (per sample),   x̃ = clip(x + η)

A sample whose gradient is all zeros is not moved (no division by zero, never NaN).

Arguments
---------
eps (float): ‖η‖₂ in pixel units. Default 1.5.
clip (bool): clip x̃ to [0, 1]. Default True.
targeted (bool): descend the loss of the target classes in ``y``. Default False.

Shape
-----
x: (B, C, H, W) in [0, 1]; y: (B,) int64; returns x̃ (B, C, H, W).

Example
-------
>>> x_adv = FGML2(eps=1.5)(model, x, y)
"""

from __future__ import annotations

import torch
from torch import nn

from advviz.core.attacks.directional import DirectionalAttack


class FGML2(DirectionalAttack):
    name = "fgm-l2"
    norm = "L2"

    def __init__(self, *, eps: float = 1.5, clip: bool = True, targeted: bool = False) -> None:
        super().__init__(eps=eps, clip=clip, targeted=targeted)

    def direction(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        grad = self.gradient(model, x, y)
        norms = grad.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, *([1] * (grad.dim() - 1)))
        return grad / norms, (-grad if self.targeted else grad)
