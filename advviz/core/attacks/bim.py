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

from advviz.core.attacks.base import Attack, eval_mode
from advviz.core.batching import input_gradient, model_device


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
        return self.start_at(x, self.eps)

    def start_at(self, x: torch.Tensor, eps: float) -> torch.Tensor:
        """The first x̃ of an attack of radius ``eps``: x itself."""
        return x.clone()

    def project(self, x: torch.Tensor, adversarial: torch.Tensor) -> torch.Tensor:
        """Back onto the ε-ball around x, then into [0, 1] when clipping."""
        delta = torch.clamp(adversarial - x, min=-self.eps, max=self.eps)
        return self.clip_to_bounds(x + delta)

    def rows(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """x̃ of every sample at every ε of ``eps`` (K,) at once: (K·B, C, H, W), row k·B + i = sample i at eps[k].

        The same iterations as K calls of ``replace(eps=|ε|)`` — a negative ε runs the attack mirrored (``targeted``
        flipped), as a sweep's ε < 0 rows do — but each iteration is one gradient of K·B images instead of K
        gradients of B: a sweep of one image over 101 ε took 1,010 gradients of a single image (4 s for the CNN).
        """
        device = model_device(model)
        x, y = x.detach().to(device), y.to(device)
        count, batch = len(eps), len(x)
        values = [float(value) for value in eps.tolist()]
        shape = (count * batch,) + (1,) * (x.dim() - 1)
        radius = torch.tensor([abs(value) for value in values], dtype=x.dtype, device=device)
        radius = radius.repeat_interleave(batch).view(shape)
        # +1: ascend the loss of y (an untargeted attack at ε ≥ 0); −1: descend it (targeted, or mirrored)
        ascend = [1.0 if (value >= 0) != self.targeted else -1.0 for value in values]
        direction = torch.tensor(ascend, dtype=x.dtype, device=device).repeat_interleave(batch).view(shape)
        alpha = (torch.full_like(radius, self._alpha) if self._alpha is not None
                 else (radius * self.step_fraction).clamp_min(1 / 255))
        originals, labels = x.repeat(count, *(1,) * (x.dim() - 1)), y.repeat(count)
        with eval_mode(model):
            # the start of each ε's own call, in the same order (a seeded or global random start draws alike)
            adversarial = torch.cat([self.start_at(x, abs(value)) for value in values])
            for _ in range(self.steps_count):
                gradient, _ = input_gradient(model, adversarial, labels)
                moved = adversarial + alpha * direction * gradient.sign()
                delta = torch.minimum(torch.maximum(moved - originals, -radius), radius)
                adversarial = self.clip_to_bounds(originals + delta).detach()
        return adversarial

    def _iterate(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Iterator[torch.Tensor]:
        adversarial = self.start(x)
        for _ in range(self.steps_count):
            step = self.gradient(model, adversarial, y).sign()
            adversarial = self.project(x, adversarial + self.alpha * step).detach()
            yield adversarial
