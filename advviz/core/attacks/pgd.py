"""PGD-L∞ — projected gradient descent with a random start.

Paper: Madry, Makelov, Schmidt, Tsipras & Vladu, "Towards Deep Learning Models Resistant to
Adversarial Attacks", ICLR 2018, arXiv:1706.06083. Distance measure: L∞. BIM started from a
uniformly random point of the ε-ball:

    x̃₀ = clip(x + U(−ε, ε)),  x̃ₖ₊₁ = clip_{x,ε}(x̃ₖ + α · sign(∇ₓJ(θ, x̃ₖ, y)))

Arguments
---------
eps (float): maximum ‖η‖∞ in pixel units. Default 0.25.
alpha (float): step size. Default ``max(eps · step_fraction, 1/255)``, which follows ε.
step_fraction (float): the default step as a share of ε. Default 1/4.
steps (int): number of iterations. Default 10.
random_start (bool): start at a random point of the ε-ball. Default True.
seed (int | None): seed of the random start; None draws from torch's global generator (as
    torchattacks does, so a seeded global generator gives identical results).
clip (bool): clip x̃ to [0, 1]. Default True.
targeted (bool): descend the loss of the target classes in ``y``. Default False.

Shape
-----
x: (B, C, H, W) in [0, 1]; y: (B,) int64; returns x̃ (B, C, H, W).

Example
-------
>>> x_adv = PGD(eps=0.1, alpha=0.01, steps=40, seed=0)(model, x, y)
"""

from __future__ import annotations

import torch

from advviz.core.attacks.bim import BIM


class PGD(BIM):
    name = "pgd"
    norm = "Linf"
    iterative = True

    def __init__(self, *, eps: float = 0.25, alpha: float | None = None, step_fraction: float = 0.25, steps: int = 10,
                 random_start: bool = True, seed: int | None = None, clip: bool = True, targeted: bool = False) -> None:
        super().__init__(eps=eps, alpha=alpha, step_fraction=step_fraction, steps=steps, clip=clip, targeted=targeted)
        self.random_start = random_start
        self.seed = seed

    def start_at(self, x: torch.Tensor, eps: float) -> torch.Tensor:
        """A uniformly random point of the ``eps``-ball around x (x itself without ``random_start``)."""
        if not self.random_start:
            return x.clone()
        if self.seed is None:
            noise = torch.empty_like(x).uniform_(-eps, eps)
        else:
            generator = torch.Generator(device="cpu").manual_seed(self.seed)
            noise = torch.empty(x.shape).uniform_(-eps, eps, generator=generator).to(x.device)
        return self.clip_to_bounds(x + noise)
