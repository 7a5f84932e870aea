"""Jobs and states of the explanation panels: the paper's arguments, each computed by the core.

Like :mod:`advviz.gui.jobs`: no Qt here, and nothing from torch or :mod:`advviz.core` at import time
(the window paints before torch loads). Each job is a generator of small typed steps that runs on a
worker thread and imports what it needs there; each state class accumulates a job's steps on the
main thread (numpy) so that a redraw at any moment shows everything received so far.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advviz.core.twin_training import TrainedModel, TrainingHeader, TrainingRequest, TrainProgress
from advviz.gui.jobs import Progress
from advviz.gui.state import JobState

ROBUSTNESS_ATTACKS = (("fgsm", "FGSM"), ("random-sign", "random sign"))
TRAIN_ARCHITECTURES = ("mlp", "softmax", "maxout", "cnn", "rbf")


def attack_labels(model: Any, x: Any, y: Any) -> Any:
    """``y`` with each unknown label (< 0, an image of the user's without a class folder) replaced by the
    model's clean prediction: the class the sweep attacks there. Plain ints, not tensors of an
    ``inference_mode`` forward, which autograd refuses to take as the loss's targets."""
    import torch

    from advviz.core import batching

    unknown = y < 0
    if not bool(unknown.any()):
        return y
    predicted = batching.forward(model, x).argmax(dim=1).tolist()
    return torch.tensor([p if u else int(t) for p, u, t in zip(predicted, unknown.tolist(), y.tolist())],
                        dtype=y.dtype)


# -- 1. linear explanation ------------------------------------------------------------------------
@dataclass(frozen=True)
class LinearHeader:
    """What the linear panel explains: ``local`` when the model is not a single linear layer, so its
    weights are those of its linearization at x (∇ₓz_c)."""

    model_name: str
    local: bool
    class_names: tuple[str, ...]
    image_shape: tuple[int, ...]  # (C, H, W)
    x: np.ndarray  # (C, H, W)
    label: int
    eps: float
    clip: bool
    mode: str
    label_known: bool = True  # else ``label`` is the clean prediction (the class attacked)
    precision: str = "float32"  # of the model's forwards: the measured changes' (w_c, a gradient, is float32)


@dataclass(frozen=True)
class LinearResult:
    explanation: Any  # advviz.core.linearity.LinearExplanation, B = 1


def linear_job(model: Any, dataset: str, x: Any, y: Any, eps: float, *, clip: bool = False,
               mode: str = "pixels") -> Iterator[Any]:
    """Weights, FGSM η, predicted vs measured logit change (core ``linear_explanation``), then the
    change as the number of free input dimensions grows (core ``dimension_steps``)."""
    import torch

    from advviz.core.precision import forward_precision
    from advviz.core.dimension import dimension_steps
    from advviz.core.linearity import linear_explanation

    if eps <= 0:
        raise ValueError("move the ε cursor away from 0 to see the linear explanation")
    known = bool(y[0] >= 0)
    y = attack_labels(model, x, y)
    # Softmax regression: its own weights. Any other model: the weights of its linearization at x.
    explanation = linear_explanation(model, x, y, eps, clip=clip)
    yield LinearHeader(model.name, explanation.local, tuple(model.class_names), tuple(x.shape[1:]), x[0].numpy(),
                       int(y[0]), float(eps), clip, mode, known, forward_precision(model))
    yield LinearResult(explanation)
    weights = torch.from_numpy(explanation.weights)
    yield from dimension_steps(model, x, y, eps, mode=mode, clip=clip, weights=weights)  # type: ignore[arg-type]


class LinearState:
    def __init__(self, header: LinearHeader) -> None:
        self.header = header
        self.explanation: Any = None
        self.points: list[Any] = []  # DimensionPoint, in count order

    def apply(self, step: Any) -> None:
        if isinstance(step, LinearResult):
            self.explanation = step.explanation
        elif type(step).__name__ == "DimensionPoint":
            self.points.append(step)

    @property
    def total(self) -> int:
        return self.points[0].total if self.points else 0

    def counts(self) -> np.ndarray:
        return np.array([p.n for p in self.points], dtype=np.float64)

    def series(self, name: str, cls: int) -> np.ndarray:
        """``measured``, ``predicted`` or ``bound`` of class ``cls`` (sample 0) over the received counts."""
        values = [getattr(p, name) for p in self.points]
        if any(v is None for v in values):
            return np.full(len(values), np.nan)
        return np.array([v[0, cls] for v in values], dtype=np.float64)


# -- 2. linearity meter ---------------------------------------------------------------------------
@dataclass(frozen=True)
class LinearityHeader:
    names: list[str]
    eps: np.ndarray
    samples: int
    clip: bool


@dataclass(frozen=True)
class LinearityResult:
    index: int
    name: str
    r2: np.ndarray  # (B, C)


def linearity_job(models: Sequence[Any], names: Sequence[str], x: Any, y: Any, eps_max: float, steps: int,
                  *, clip: bool = False) -> Iterator[Any]:
    """R² of each logit along the FGSM direction (core ``fgsm_sweep`` + ``logit_linearity``), per model."""
    from advviz.core.linearity import logit_linearity
    from advviz.core.sweep import eps_grid, fgsm_sweep

    eps = eps_grid(float(eps_max), int(steps))
    yield LinearityHeader(list(names), eps, len(x), clip)
    for index, (model, name) in enumerate(zip(models, names)):
        yield Progress(f"Linearity: sweeping {len(x)} images on {name}…", index, len(models))
        logits = fgsm_sweep(model, x, y, eps, clip=clip)
        yield LinearityResult(index, name, logit_linearity(logits.numpy(), eps))


class LinearityState(JobState):
    def __init__(self, header: LinearityHeader) -> None:
        self.header = header
        self.r2: dict[int, np.ndarray] = {}

    def apply(self, step: Any) -> None:
        if isinstance(step, LinearityResult):
            self.r2[step.index] = step.r2


# -- 3. decision map ------------------------------------------------------------------------------
@dataclass(frozen=True)
class MapHeader:
    model_name: str
    class_names: tuple[str, ...]
    label: int
    extent: float
    resolution: int
    clip: bool


def decision_map_job(model: Any, x: Any, y: Any, *, extent: float, resolution: int, clip: bool = True,
                     seed: int = 0) -> Iterator[Any]:
    """The predicted class over the plane (FGSM direction, random orthogonal sign direction), row by row."""
    from advviz.core.decision_map import decision_map_steps

    # the header keeps an unknown label (the panel says so); the attack goes against the clean prediction
    yield MapHeader(model.name, tuple(model.class_names), int(y[0]), float(extent), int(resolution), clip)
    yield from decision_map_steps(model, x, attack_labels(model, x, y), extent=extent, resolution=resolution,
                                  clip=clip, seed=seed)


class MapState(JobState):
    def __init__(self, header: MapHeader) -> None:
        self.header = header
        self.start: Any = None
        size, classes = header.resolution, len(header.class_names)
        self.predictions = np.full((size, size), -1, dtype=np.int64)
        self.confidence = np.zeros((size, size), dtype=np.float32)
        self.logits = np.full((size, size, classes), np.nan, dtype=np.float32)
        self.filled = 0

    def apply(self, step: Any) -> None:
        name = type(step).__name__
        if name == "MapStart":
            self.start = step
        elif name == "MapRows":
            self.predictions[step.start:step.stop] = step.predictions
            self.confidence[step.start:step.stop] = step.confidence
            self.logits[step.start:step.stop] = step.logits
            self.filled = max(self.filled, step.stop)

    @property
    def complete(self) -> bool:
        return self.filled == self.header.resolution


# -- 4. robustness curves -------------------------------------------------------------------------
@dataclass(frozen=True)
class RobustnessHeader:
    names: list[str]
    eps: list[float]
    samples: int
    clip: bool


@dataclass(frozen=True)
class CurvePoint:
    model_index: int
    attack: str  # "fgsm" or "random-sign"
    point: Any  # advviz.core.robustness.RobustnessPoint


def robustness_job(models: Sequence[Any], names: Sequence[str], x: Any, y: Any, eps: Sequence[float], *,
                   clip: bool = True) -> Iterator[Any]:
    """Error rate and mean confidence on wrong answers per ε, FGSM and the random-sign baseline."""
    from advviz.core.attacks import FGSM, RandomSign
    from advviz.core.robustness import robustness_steps

    if bool((y < 0).any()):
        raise ValueError("robustness curves need labelled images (these have unknown labels)")
    yield RobustnessHeader(list(names), [float(e) for e in eps], len(x), clip)
    for index, (model, name) in enumerate(zip(models, names)):
        for key, attack in (("fgsm", FGSM(clip=clip)), ("random-sign", RandomSign(seed=0, clip=clip))):
            yield Progress(f"Robustness of {name} ({key})…", index, len(models))
            for point in robustness_steps(model, x, y, eps, attack=attack):
                yield CurvePoint(index, key, point)


class RobustnessState(JobState):
    def __init__(self, header: RobustnessHeader) -> None:
        self.header = header
        shape = (len(header.names), len(ROBUSTNESS_ATTACKS), len(header.eps))
        self.error = np.full(shape, np.nan)
        self.confidence = np.full(shape, np.nan)

    def apply(self, step: Any) -> None:
        if isinstance(step, CurvePoint):
            attack = [key for key, _ in ROBUSTNESS_ATTACKS].index(step.attack)
            self.error[step.model_index, attack, step.point.index] = step.point.error
            self.confidence[step.model_index, attack, step.point.index] = step.point.confidence


# -- 5. rubbish class -----------------------------------------------------------------------------
@dataclass(frozen=True)
class RubbishHeader:
    names: list[str]
    count: int
    distribution: str


@dataclass(frozen=True)
class RubbishStep:
    index: int
    name: str
    class_names: tuple[str, ...]
    result: Any  # advviz.core.rubbish.RubbishResult


def rubbish_job(models: Sequence[Any], names: Sequence[str], *, count: int, distribution: str,
                seed: int = 0) -> Iterator[Any]:
    """The rubbish-class probe (core ``rubbish_probe``) for each model, same inputs for all."""
    from advviz.core.rubbish import rubbish_probe

    yield RubbishHeader(list(names), int(count), distribution)
    for index, (model, name) in enumerate(zip(models, names)):
        yield Progress(f"Rubbish inputs on {name}…", index, len(models))
        result = rubbish_probe(model, count=count, distribution=distribution, seed=seed)  # type: ignore[arg-type]
        yield RubbishStep(index, name, tuple(model.class_names), result)


class RubbishState(JobState):
    def __init__(self, header: RubbishHeader) -> None:
        self.header = header
        self.results: dict[int, RubbishStep] = {}

    def apply(self, step: Any) -> None:
        if isinstance(step, RubbishStep):
            self.results[step.index] = step


# -- 6. adversarial training ----------------------------------------------------------------------
_trained_count = 0


def training_job(request: TrainingRequest, *, folder: str | None = None) -> Iterator[Any]:
    """The core's twin training (:func:`advviz.core.twin_training.twin_training_steps`), numbered per window."""
    from advviz.core.twin_training import twin_training_steps

    global _trained_count
    _trained_count += 1
    yield Progress(f"Loading the {request.dataset} training split…")
    yield from twin_training_steps(request, folder=folder, suffix=f"-{_trained_count}")


class TrainingState(JobState):
    def __init__(self, header: TrainingHeader) -> None:
        self.header = header
        self.loss: list[list[tuple[float, float]]] = [[], []]  # per run: (epoch progress, loss)
        self.epochs: list[list[tuple[int, float, float]]] = [[], []]  # per run: (epoch, clean, FGSM error)
        self.trained: dict[int, TrainedModel] = {}

    def apply(self, step: Any) -> None:
        if isinstance(step, TrainProgress):
            s = step.step
            self.loss[step.run].append((s.epoch - 1 + s.batch / s.batches, s.loss))
            if s.clean_error is not None:
                self.epochs[step.run].append((s.epoch, s.clean_error, s.fgsm_error))
        elif isinstance(step, TrainedModel):
            self.trained[step.run] = step

    @property
    def complete(self) -> bool:
        return len(self.trained) == 2


# -- 7. diagnostics -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiagnosticsResult:
    model_name: str
    samples: int
    clip: bool
    diagnostics: Any  # advviz.core.diagnostics.Diagnostics


def diagnostics_job(model: Any, x: Any, y: Any, *, eps: float, clip: bool) -> Iterator[Any]:
    from advviz.core.diagnostics import diagnose

    # FGSM's direction depends on the label: each unknown one becomes the clean prediction, as in the other
    # panels (every label set to 0 changed the clipped share from 9.2 % to 14.8 % for one unlabelled image)
    y = attack_labels(model, x, y)
    yield Progress(f"Diagnosing {model.name}…")
    yield DiagnosticsResult(model.name, len(x), clip, diagnose(model, x, y, eps=eps, clip=clip))


# -- 8. paper table -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PaperStep:
    index: int
    total: int
    row: Any  # advviz.core.paper.PaperRow


def paper_job(samples: int, device: str = "cpu", clip: bool = True) -> Iterator[Any]:
    """The paper's headline numbers on the window's device ("auto" included), in float32 as the paper's were;
    x̃ clipped to [0, 1] or, as in the paper, not (the controls' clip box)."""
    from advviz.core.device import resolve_device
    from advviz.core.paper import CLAIMS, reproduce_steps

    resolved, _ = resolve_device(device)
    yield Progress(f"Reproducing the paper's table on {samples} test images…", 0, len(CLAIMS))
    for index, total, row in reproduce_steps(samples=samples, device=str(resolved), clip=clip):
        yield PaperStep(index, total, row)
        yield Progress(f"Paper table: {row.experiment} ({row.model})", index, total)


@dataclass
class PaperState:
    samples: int
    clip: bool = True
    total: int = 0
    rows: list[Any] = field(default_factory=list)

    def apply(self, step: Any) -> None:
        if isinstance(step, PaperStep):
            self.rows.append(step.row)
            self.total = step.total
