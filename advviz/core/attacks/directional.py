"""Single-step attacks that move along one direction: x̃ = clip(x + ε·d).

Because d does not depend on ε, a whole ε-sweep costs one gradient and batched forwards
(:mod:`advviz.core.sweep`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator

import torch
from torch import nn

from advviz.core.attacks.base import Attack


class DirectionalAttack(Attack):
    """An attack x̃ = clip(x + ε·d(x, y)) with a direction d independent of ε."""

    @abstractmethod
    def direction(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The unit-ε direction d and the raw gradient ∇ₓJ it came from (None when none is taken).

        ``x`` and ``y`` are on the model's device; the model is in eval mode.
        """

    def _iterate(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Iterator[torch.Tensor]:
        step, _ = self.direction(model, x, y)
        yield self.clip_to_bounds(x + self.eps * step)
