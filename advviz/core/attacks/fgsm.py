"""FGSM — the fast gradient sign method.

Paper: Goodfellow, Shlens & Szegedy, "Explaining and Harnessing Adversarial Examples", ICLR 2015
(arXiv:1412.6572), eq. (3). Distance measure: L∞.

    η = ε · sign(∇ₓJ(θ, x, y)),   x̃ = clip(x + η) to [0, 1]

Targeted (``targeted=True``, ``y`` = target classes): η = −ε · sign(∇ₓJ(θ, x, target)).

Arguments
---------
eps (float): maximum perturbation ‖η‖∞ in pixel units. Default 0.25 (the paper's MNIST value).
clip (bool): clip x̃ to [0, 1]. Default True (the paper does not clip).
targeted (bool): descend the loss of the target classes in ``y``. Default False.

Shape
-----
x: (B, C, H, W) in [0, 1]; y: (B,) int64 labels (or targets); returns x̃ of shape (B, C, H, W).
Pixels with a gradient of exactly 0 do not move (sign(0) = 0); their share is reported in
``AttackStep.zero_gradient_fraction`` rather than hidden.

Example
-------
>>> attack = FGSM(eps=0.25)
>>> x_adv = attack(model, x, y)
"""

from __future__ import annotations

import torch
from torch import nn

from advviz.core.attacks.directional import DirectionalAttack


class FGSM(DirectionalAttack):
    name = "fgsm"
    norm = "Linf"

    def __init__(self, *, eps: float = 0.25, clip: bool = True, targeted: bool = False) -> None:
        super().__init__(eps=eps, clip=clip, targeted=targeted)

    def direction(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        grad = self.gradient(model, x, y)
        return grad.sign(), (-grad if self.targeted else grad)
