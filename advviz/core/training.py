"""Training, plain and adversarial, as a generator of small steps.

Adversarial training uses the paper's objective (§6, eq. 5):

    J̃(θ, x, y) = α·J(θ, x, y) + (1 − α)·J(θ, x + ε·sign(∇ₓJ(θ, x, y)), y),   α = 0.5

with the FGSM examples made afresh from the current parameters at every minibatch, and clipped
to [0, 1] like every input the model sees.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from advviz.core import outputs
from advviz.core.attacks import FGSM
from advviz.core.attacks.base import eval_mode
from advviz.core.batching import forward, model_device


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int = 6
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    adversarial: bool = False
    alpha: float = 0.5  # weight of the clean loss in J̃
    eps: float = 0.25  # FGSM ε of the adversarial term, pixel units
    seed: int = 0
    train_fraction: tuple[float, float] = (0.0, 1.0)  # the slice of the training split used

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TrainStep:
    """Progress of a training run (CPU numbers). ``batch`` counts within ``epoch`` (1-based);
    ``clean_error`` and ``fgsm_error`` are filled at the end of each epoch (else None)."""

    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    clean_error: float | None = None
    fgsm_error: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def fraction_done(self) -> float:
        return ((self.epoch - 1) * self.batches + self.batch) / (self.epochs * self.batches)


def adversarial_objective(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, alpha: float,
                          eps: float) -> torch.Tensor:
    """J̃ = α·J(x) + (1−α)·J(clip(x + ε·sign∇ₓJ(x))), one minibatch, gradients flowing to θ."""
    reject = outputs.has_reject_logit(model)
    x = x.detach().requires_grad_(True)
    clean_loss = outputs.loss(model(x), y, reject_logit=reject)
    (grad,) = torch.autograd.grad(clean_loss, x, retain_graph=True)
    x_adv = (x.detach() + eps * grad.sign()).clamp(0.0, 1.0)
    return alpha * clean_loss + (1 - alpha) * outputs.loss(model(x_adv), y, reject_logit=reject)


def error_rate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with eval_mode(model):
        predictions = forward(model, x).argmax(dim=1)
    return float((predictions != y.cpu()).float().mean())


def fgsm_error_rate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float) -> float:
    with eval_mode(model):
        return error_rate(model, FGSM(eps=eps)(model, x, y), y)


def train_steps(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    settings: TrainingSettings,
    *,
    x_val: torch.Tensor | None = None,
    y_val: torch.Tensor | None = None,
    val_eps: float | None = None,
) -> Iterator[TrainStep]:
    """Train ``model`` in place with Adam, yielding a :class:`TrainStep` per minibatch.

    Deterministic for a given seed on the CPU. At each epoch's end, when validation data is given,
    the step carries the clean error and the FGSM error at ``val_eps`` (default ``settings.eps``).
    """
    torch.manual_seed(settings.seed)
    device = model_device(model)
    low, high = settings.train_fraction
    begin, end = int(round(low * len(x))), int(round(high * len(x)))
    x, y = x[begin:end].to(device), y[begin:end].to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    generator = torch.Generator().manual_seed(settings.seed)
    batches = math.ceil(len(x) / settings.batch_size)
    reject = outputs.has_reject_logit(model)
    try:
        yield from _epochs(model, x, y, settings, optimizer, generator, batches, reject, x_val, y_val, val_eps)
    finally:  # also when the caller stops early (a cancelled job): the model is not left with dropout on
        model.eval()


def _epochs(model: nn.Module, x: torch.Tensor, y: torch.Tensor, settings: TrainingSettings,
            optimizer: torch.optim.Optimizer, generator: torch.Generator, batches: int, reject: bool,
            x_val: torch.Tensor | None, y_val: torch.Tensor | None, val_eps: float | None) -> Iterator[TrainStep]:
    for epoch in range(1, settings.epochs + 1):
        model.train()
        order = torch.randperm(len(x), generator=generator).to(x.device)
        for batch_index in range(batches):
            chosen = order[batch_index * settings.batch_size: (batch_index + 1) * settings.batch_size]
            xb, yb = x[chosen], y[chosen]
            if settings.adversarial:
                batch_loss = adversarial_objective(model, xb, yb, alpha=settings.alpha, eps=settings.eps)
            else:
                batch_loss = outputs.loss(model(xb), yb, reject_logit=reject)
            optimizer.zero_grad(set_to_none=True)
            batch_loss.backward()
            optimizer.step()
            last = batch_index == batches - 1
            clean_error = fgsm_error = None
            if last and x_val is not None and y_val is not None:
                clean_error = error_rate(model, x_val, y_val)
                fgsm_error = fgsm_error_rate(model, x_val, y_val, eps=val_eps if val_eps is not None else settings.eps)
            yield TrainStep(epoch, settings.epochs, batch_index + 1, batches, float(batch_loss.detach()),
                            clean_error, fgsm_error)


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return 1.0 - error_rate(model, x, y)
