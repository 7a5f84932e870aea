"""The paper's headline MNIST numbers next to ours, for the matching shipped models.

Goodfellow, Shlens & Szegedy (2015), §4–§9. Each row names the experiment, the shipped model that
matches the paper's, the paper's value and ours, measured on the shipped test split with ε = 0.25.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from advviz.core.attacks import FGSM
from advviz.core.data import load_dataset
from advviz.core.robustness import error_and_confidence
from advviz.core.rubbish import rubbish_probe
from advviz.core.transfer import transfer_matrix
from advviz.core.zoo import load_model

EPS = 0.25


@dataclass(frozen=True)
class PaperRow:
    experiment: str
    model: str
    metric: str
    paper: float  # percent
    ours: float  # percent

    @property
    def difference(self) -> float:
        return self.ours - self.paper


@dataclass(frozen=True)
class _Claim:
    experiment: str
    model: str
    metric: str
    paper: float
    measure: Callable[["_Context"], float]


RUBBISH_MIN = 1000


class _Context:
    """Loads each model and adversarial batch once for all rows."""

    def __init__(self, samples: int, device: str, clip: bool = True) -> None:
        x, y = load_dataset("mnist", "test")
        self.x, self.y = x[:samples], y[:samples]
        self.device = device
        self.clip = clip  # x̃ clipped to [0, 1]; the paper did not clip
        self._models: dict[str, torch.nn.Module] = {}
        self._fgsm: dict[str, tuple[float, float]] = {}

    def model(self, name: str) -> torch.nn.Module:
        if name not in self._models:
            self._models[name] = load_model(name, device=self.device)
        return self._models[name]

    def fgsm(self, name: str) -> tuple[float, float]:
        if name not in self._fgsm:
            model = self.model(name)
            adversarial = FGSM(eps=EPS, clip=self.clip)(model, self.x, self.y)
            self._fgsm[name] = error_and_confidence(model, adversarial, self.y)
        return self._fgsm[name]

    def rubbish(self, name: str) -> tuple[float, float]:
        # the probe draws its own noise: as many inputs as test images, never fewer than RUBBISH_MIN
        # (with --samples 1 a single noise image gave a rate of 0 % or 100 %)
        result = rubbish_probe(self.model(name), count=max(len(self.x), RUBBISH_MIN), seed=0)
        return result.confident_fraction, result.mean_confidence

    def transfer(self, source: str, target: str) -> float:
        result = transfer_matrix([self.model(source), self.model(target)], self.x, self.y, EPS,
                                 attack=FGSM(clip=self.clip))
        return float(result.error[0, 1])


CLAIMS: list[_Claim] = [
    _Claim("FGSM ε=.25, error", "mnist-softmax", "error %", 99.9, lambda c: c.fgsm("mnist-softmax")[0]),
    _Claim("FGSM ε=.25, confidence on errors", "mnist-softmax", "confidence %", 79.3,
           lambda c: c.fgsm("mnist-softmax")[1]),
    _Claim("FGSM ε=.25, error", "mnist-maxout", "error %", 89.4, lambda c: c.fgsm("mnist-maxout")[0]),
    _Claim("FGSM ε=.25, confidence on errors", "mnist-maxout", "confidence %", 97.6,
           lambda c: c.fgsm("mnist-maxout")[1]),
    _Claim("adversarially trained, FGSM error", "mnist-maxout-adv", "error %", 17.9,
           lambda c: c.fgsm("mnist-maxout-adv")[0]),
    _Claim("shallow RBF, FGSM error", "mnist-rbf", "error %", 55.4, lambda c: c.fgsm("mnist-rbf")[0]),
    _Claim("shallow RBF, confidence on errors", "mnist-rbf", "confidence %", 1.2, lambda c: c.fgsm("mnist-rbf")[1]),
    _Claim("rubbish N(0, I): confident > .5", "mnist-maxout", "share %", 98.35, lambda c: c.rubbish("mnist-maxout")[0]),
    _Claim("rubbish N(0, I): mean confidence", "mnist-maxout", "confidence %", 92.8,
           lambda c: c.rubbish("mnist-maxout")[1]),
    _Claim("rubbish N(0, I): confident > .5", "mnist-softmax", "share %", 59.8,
           lambda c: c.rubbish("mnist-softmax")[0]),
    _Claim("rubbish N(0, I): mean confidence", "mnist-softmax", "confidence %", 70.8,
           lambda c: c.rubbish("mnist-softmax")[1]),
    _Claim("rubbish N(0, I): confident > .5", "mnist-rbf", "share %", 0.0, lambda c: c.rubbish("mnist-rbf")[0]),
    _Claim("transfer original → adv-trained, error", "mnist-maxout → mnist-maxout-adv", "error %", 19.6,
           lambda c: c.transfer("mnist-maxout", "mnist-maxout-adv")),
    _Claim("transfer adv-trained → original, error", "mnist-maxout-adv → mnist-maxout", "error %", 40.9,
           lambda c: c.transfer("mnist-maxout-adv", "mnist-maxout")),
]


def reproduce_steps(*, samples: int = 2000, device: str = "cpu", clip: bool = True
                    ) -> Iterator[tuple[int, int, PaperRow]]:
    """Yield ``(index, total, row)`` for each of the paper's headline numbers, as measured; ``clip=False`` leaves
    x̃ unclipped, as the paper did (several rows then move: the maxout network's error 88.8 → 93.9 %)."""
    context = _Context(samples, device, clip)
    for index, claim in enumerate(CLAIMS, start=1):
        ours = 100.0 * claim.measure(context)
        yield index, len(CLAIMS), PaperRow(claim.experiment, claim.model, claim.metric, claim.paper, round(ours, 2))
