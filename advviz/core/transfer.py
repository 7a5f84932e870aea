"""Transfer of adversarial examples between models (paper §8).

For N models, examples crafted on source i are shown to every target j. Per cell (i, j):

* ``error`` — the error rate of target j on source i's adversarial examples;
* ``confidence`` — target j's mean probability of its (wrong) answer where it is wrong;
* ``agreement`` — where both are wrong, how often target j picks the same wrong class as source i.

A mean over no examples is undefined, not 0: ``confidence`` is NaN where target j made no wrong
answer, ``agreement`` where source i and target j were never both wrong.

Cost: N gradients (one per source, chunked) and N² chunked forwards.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from advviz.core import outputs
from advviz.core.attacks import FGSM, Attack
from advviz.core.attacks.base import eval_mode
from advviz.core.batching import forward, model_device
from advviz.core.checks import check_eps, checked_batch


@dataclass(frozen=True)
class TransferCell:
    """One finished cell of the matrix: row = source, column = target."""

    source: int
    target: int
    error: float
    confidence: float  # NaN where the target made no wrong answer
    agreement: float  # NaN where source and target were never both wrong
    done: int
    total: int


@dataclass(frozen=True)
class TransferResult:
    """The three N×N matrices (row = source, column = target); NaN where a cell is not computed yet and,
    in ``confidence`` and ``agreement``, where a computed cell is undefined (see :meth:`computed`)."""

    names: list[str]
    eps: float
    samples: int
    error: np.ndarray
    confidence: np.ndarray
    agreement: np.ndarray

    @classmethod
    def empty(cls, names: list[str], eps: float, samples: int) -> TransferResult:
        size = len(names)
        nan = np.full((size, size), np.nan)
        return cls(list(names), eps, samples, nan.copy(), nan.copy(), nan.copy())

    def computed(self) -> np.ndarray:
        """(N, N) bool: the cells filled in so far. ``error`` is defined in every one, so a NaN there in
        ``confidence`` or ``agreement`` means undefined (no wrong answers to average over), not pending."""
        return np.isfinite(self.error)

    def fill(self, cell: TransferCell) -> None:
        self.error[cell.source, cell.target] = cell.error
        self.confidence[cell.source, cell.target] = cell.confidence
        self.agreement[cell.source, cell.target] = cell.agreement


def check_compatible(models: Sequence[nn.Module], x: torch.Tensor) -> None:
    """Refuse models that disagree with the data or each other, saying what differs."""
    for model in models:
        shape = getattr(model, "input_shape", None)
        if shape is not None and tuple(x.shape[1:]) != tuple(shape):
            raise ValueError(f"{getattr(model, 'name', 'a model')} expects images of shape {tuple(shape)} (C, H, W), "
                             f"got {tuple(x.shape[1:])}")
    classes = {len(getattr(model, "class_names", ())) for model in models} - {0}
    if len(classes) > 1:
        raise ValueError(f"the models disagree on the number of classes: {sorted(classes)}")


def transfer_steps(
    models: Sequence[nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    eps: float,
    *,
    attack: Attack | None = None,
) -> Iterator[TransferCell]:
    """Stream the matrix cell by cell, source by source (row-major order).

    x (B, C, H, W) in [0, 1], y (B,) true labels; ``attack`` (default FGSM, clipped) gets ``eps``.
    """
    if not models:
        raise ValueError("transfer needs at least one model (one gives its white-box 1×1 matrix)")
    x, y = checked_batch(models[0], x, y)
    check_compatible(models, x)  # every model takes these images and has as many classes
    attack = (attack or FGSM()).replace(eps=float(eps))
    check_eps([attack.eps], norm=attack.norm, values=x[0].numel())
    placed: dict[torch.device, tuple[torch.Tensor, torch.Tensor]] = {}

    def on(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        # x and y copied once to each device the models live on; adversarial examples and logits stay
        # there, and each cell sends the host three numbers (on a GPU every copy waits for the queue)
        if device not in placed:
            placed[device] = (x.detach().to(device), y.to(device))
        return placed[device]

    total = len(models) ** 2
    done = 0
    for source_index, source in enumerate(models):
        adversarial = attack(source, *on(model_device(source)))
        source_predictions: torch.Tensor | None = None
        # the source's own column first: agreement needs its wrong answers
        order = [source_index] + [j for j in range(len(models)) if j != source_index]
        for target_index in order:
            target = models[target_index]
            device = model_device(target)
            labels = on(device)[1]
            with eval_mode(target):  # as the attack's own forwards: no dropout in a model left in train mode
                logits = forward(target, adversarial, device=device)
            probabilities = outputs.probabilities(logits, reject_logit=outputs.has_reject_logit(target))
            confidence, predictions = probabilities.max(dim=1)
            if source_predictions is None:
                source_predictions = predictions
            source_wrong_as = source_predictions.to(device)
            wrong = predictions != labels
            both_wrong = wrong & (source_wrong_as != labels)
            done += 1
            # 0 / 0 = NaN: a mean over no wrong answers is undefined, which 0 % would misstate as "never confident"
            error, mean_confidence, agreement = torch.stack([
                wrong.float().mean(),
                (confidence * wrong).sum() / wrong.sum(),
                ((predictions == source_wrong_as) & both_wrong).sum() / both_wrong.sum(),
            ]).tolist()
            yield TransferCell(source=source_index, target=target_index, error=error, confidence=mean_confidence,
                               agreement=agreement, done=done, total=total)


def transfer_matrix(
    models: Sequence[nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    eps: float,
    *,
    attack: Attack | None = None,
    names: Sequence[str] | None = None,
) -> TransferResult:
    """The N×N transfer matrices for ``models`` at ``eps`` on (x, y)."""
    names = list(names or [getattr(m, "name", f"model {i}") for i, m in enumerate(models)])
    result = TransferResult.empty(names, float(eps), len(x))
    for cell in transfer_steps(models, x, y, eps, attack=attack):
        result.fill(cell)
    return result
