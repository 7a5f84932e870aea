"""Random-sign baseline — the paper's control for FGSM.

Paper: Goodfellow, Shlens & Szegedy (2015), §5 and Fig. 2: a perturbation of the same ‖η‖∞ = ε
with *random* signs barely changes the output, while the gradient's signs fool the model.
Distance measure: L∞.

    η = ε · s,  s ∈ {−1, +1}^D uniformly at random,   x̃ = clip(x + η)

Arguments
---------
eps (float): ‖η‖∞ in pixel units. Default 0.25.
clip (bool): clip x̃ to [0, 1]. Default True.
seed (int | None): seed for the signs (reproducible); None draws from torch's global generator.

Shape
-----
x: (B, C, H, W) in [0, 1]; y: (B,) unused except for reporting; returns x̃ (B, C, H, W).

Example
-------
>>> x_noise = RandomSign(eps=0.25, seed=0)(model, x, y)
"""

from __future__ import annotations

import torch
from torch import nn

from advviz.core.attacks.directional import DirectionalAttack


class RandomSign(DirectionalAttack):
    name = "random-sign"
    norm = "Linf"

    def __init__(self, *, eps: float = 0.25, clip: bool = True, seed: int | None = 0) -> None:
        super().__init__(eps=eps, clip=clip, targeted=False)
        self.seed = seed

    def direction(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, None]:
        generator = None
        if self.seed is not None:
            generator = torch.Generator(device="cpu").manual_seed(self.seed)
        bits = torch.randint(0, 2, x.shape, generator=generator, dtype=torch.int8)
        signs = (bits.float() * 2 - 1).to(x.device)
        self.last_zero_gradient_fraction = 0.0
        return signs, None  # no gradient: zeros would read as a model whose gradient vanished
