"""BIM / I-FGSM — the basic iterative method.

Paper: Kurakin, Goodfellow & Bengio, "Adversarial examples in the physical world" (2016),
arXiv:1607.02533. Distance measure: L∞. FGSM repeated with a small step, projected back onto
the ε-ball around x (and [0, 1] when clipping) after every step:

    x̃₀ = x,  x̃ₖ₊₁ = clip_{x,ε}(x̃ₖ + α · sign(∇ₓJ(θ, x̃ₖ, y)))

Arguments
---------
eps (float): maximum ‖η‖∞ in pixel units. Default 0.25.
alpha (float): step size. Default ``max(eps · step_fraction, 1/255)``, which follows ε.
step_fraction (float): the default step as a share of ε. Default 1/4.
steps (int): number of iterations. Default 10.
clip (bool): clip x̃ to [0, 1]. Default True.
targeted (bool): descend the loss of the target classes in ``y``. Default False.

Shape
-----
x: (B, C, H, W) in [0, 1]; y: (B,) int64; returns x̃ (B, C, H, W). ``steps()`` yields once per iteration.

Example
-------
>>> x_adv = BIM(eps=0.1, alpha=0.01, steps=10)(model, x, y)
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from advviz.core.attacks.base import Attack


class BIM(Attack):
    name = "bim"
    norm = "Linf"
    iterative = True

    def __init__(self, *, eps: float = 0.25, alpha: float | None = None, step_fraction: float = 0.25,
                 steps: int = 10, clip: bool = True, targeted: bool = False) -> None:
        super().__init__(eps=eps, clip=clip, targeted=targeted)
        if steps < 1:
            raise ValueError(f"steps must be ≥ 1, got {steps}")
        if not 0 < step_fraction <= 1:
            raise ValueError(f"step_fraction must be in (0, 1], got {step_fraction}")
        self.alpha = alpha
        self.step_fraction = float(step_fraction)
        self.steps_count = int(steps)

    @property
    def alpha(self) -> float:
        """Step size: as given, else a share of ε (so ``replace(eps=...)`` rescales it — each row of a sweep
        gets its own ε's step, not ε max's)."""
        return self._alpha if self._alpha is not None else max(self.eps * self.step_fraction, 1 / 255)

    @alpha.setter
    def alpha(self, value: float | None) -> None:
        self._alpha = None if value is None else float(value)

    @property
    def iteration_count(self) -> int:
        return self.steps_count

    def start(self, x: torch.Tensor) -> torch.Tensor:
        return x.clone()

    def project(self, x: torch.Tensor, adversarial: torch.Tensor) -> torch.Tensor:
        """Back onto the ε-ball around x, then into [0, 1] when clipping."""
        delta = torch.clamp(adversarial - x, min=-self.eps, max=self.eps)
        return self.clip_to_bounds(x + delta)

    def _iterate(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Iterator[torch.Tensor]:
        adversarial = self.start(x)
        for _ in range(self.steps_count):
            step = self.gradient(model, adversarial, y).sign()
            adversarial = self.project(x, adversarial + self.alpha * step).detach()
            yield adversarial
