"""Typed base class of advviz's attacks.

Each attack is usable two ways over one code path:

* ``attack(model, x, y)`` returns the adversarial batch (a tensor like ``x``);
* ``attack.steps(model, x, y)`` yields an :class:`AttackStep` (detached CPU numpy) after each
  iteration, so the window streams progress and can cancel between steps.

Subclasses implement only :meth:`Attack._iterate`, a generator of adversarial tensors. The base
class puts the model in eval mode and restores its mode afterwards, moves data to the model's
device, and applies the ε-ball and the valid-range clip in one place (:meth:`Attack.project`).
ε is always in pixel units on [0, 1] inputs; normalization belongs inside the model.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import torch
from torch import nn

from advviz.core import outputs
from advviz.core.batching import forward, input_gradient, model_device

Norm = Literal["Linf", "L2"]
BOUNDS = (0.0, 1.0)


@dataclass(frozen=True)
class AttackStep:
    """One iteration of an attack, detached on the CPU.

    ``adversarial`` (B, C, H, W) is the current adversarial batch, ``loss`` (B,) J at it,
    ``predicted`` (B,) the model's class there, ``zero_gradient_fraction`` the share of input
    dimensions whose gradient was exactly 0 (sign(0) = 0: those pixels do not move).
    """

    iteration: int
    iterations: int
    adversarial: np.ndarray
    loss: np.ndarray
    predicted: np.ndarray
    zero_gradient_fraction: float

    @property
    def done(self) -> bool:
        return self.iteration == self.iterations


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[None]:
    """Evaluate ``model`` in eval mode (no dropout), restoring its former mode afterwards."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


class Attack(ABC):
    """Base of all attacks. Arguments are keyword-only.

    Parameters
    ----------
    eps : float
        Size of the perturbation in pixel units: ‖η‖ ≤ eps in the attack's norm.
    clip : bool
        Clip x̃ to the valid range [0, 1] (default True; the paper does not clip).
    targeted : bool
        When True, ``y`` holds target classes and the attack descends J(θ, x, target).
    """

    name: ClassVar[str]
    norm: ClassVar[Norm]
    iterative: ClassVar[bool] = False

    def __init__(self, *, eps: float, clip: bool = True, targeted: bool = False) -> None:
        eps = float(eps)
        if not np.isfinite(eps) or eps < 0:
            raise ValueError(f"eps must be a finite number ≥ 0, got {eps}")
        self.eps = eps
        self.clip = clip
        self.targeted = targeted
        self.last_zero_gradient_fraction = 0.0
        self.last_logits: torch.Tensor | None = None  # logits at the last gradient's input, a free by-product

    def replace(self, **changes: object) -> "Attack":
        """A copy with some settings changed (e.g. ``eps``), validated like the constructor's."""
        clone = copy.copy(self)
        for key, value in changes.items():
            if not hasattr(clone, key):
                raise AttributeError(f"{type(self).__name__} has no setting {key!r}")
            setattr(clone, key, value)
        if not np.isfinite(clone.eps) or clone.eps < 0:
            raise ValueError(f"eps must be a finite number ≥ 0, got {clone.eps}")
        return clone

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eps={self.eps}, clip={self.clip}, targeted={self.targeted})"

    # -- the two ways to run an attack -------------------------------------------------------
    def __call__(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The adversarial batch x̃ (same shape and device as ``x``)."""
        adversarial = x
        for adversarial in self._run(model, x, y):
            pass
        return adversarial.detach().to(x.device)

    def steps(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Iterator[AttackStep]:
        """Yield one :class:`AttackStep` per iteration; the last one holds the final x̃."""
        total = self.iteration_count
        reject = outputs.has_reject_logit(model)
        labels = y.cpu()
        for iteration, adversarial in enumerate(self._run(model, x, y), start=1):
            logits = forward(model, adversarial)  # chunked: a step may hold thousands of images
            step_loss = outputs.loss(logits, labels, reject_logit=reject, reduction="none")
            yield AttackStep(
                iteration=iteration,
                iterations=total,
                adversarial=adversarial.detach().cpu().numpy(),
                loss=step_loss.cpu().numpy(),
                predicted=logits.argmax(dim=1).cpu().numpy(),
                zero_gradient_fraction=self.last_zero_gradient_fraction,
            )

    @property
    def iteration_count(self) -> int:
        return 1

    # -- shared pieces for subclasses ---------------------------------------------------------
    def _run(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Iterator[torch.Tensor]:
        device = model_device(model)
        with eval_mode(model):
            yield from self._iterate(model, x.detach().to(device), y.to(device))

    @abstractmethod
    def _iterate(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Iterator[torch.Tensor]:
        """Yield the adversarial batch after each iteration (on the model's device)."""

    def gradient(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """∇ₓJ per sample, negated for targeted attacks (so every attack *ascends* the result)."""
        grad, self.last_logits = input_gradient(model, x, y)
        self.last_zero_gradient_fraction = float((grad == 0).float().mean()) if grad.numel() else 0.0
        return -grad if self.targeted else grad

    def clip_to_bounds(self, x: torch.Tensor) -> torch.Tensor:
        return x.clamp(*BOUNDS) if self.clip else x
