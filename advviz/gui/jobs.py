"""The window's jobs: generators of small typed steps built on the core's generators.

No Qt here, and nothing from torch or :mod:`advviz.core` at import time (the window must paint
before torch loads): each job imports what it needs when it runs, on a worker thread. Every job
checks its inputs and raises :class:`~advviz.core.errors.AdvvizError` (or ``ValueError``) with a
message the window shows as is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

GRID_SIZE = 200  # test images shown as thumbnails

# The window's attack choices: (key, title). Titles match advviz.core.attacks.ATTACK_TITLES.
ATTACK_CHOICES: tuple[tuple[str, str], ...] = (
    ("fgsm", "FGSM (L∞)"),
    ("fgsm-targeted", "targeted FGSM (L∞)"),
    ("random-sign", "random-sign baseline (L∞)"),
    ("bim", "I-FGSM / BIM (L∞)"),
    ("pgd", "PGD, random start (L∞)"),
    ("fgm-l2", "fast gradient (L2)"),
)
ATTACK_TITLES = dict(ATTACK_CHOICES)
PRECISIONS = ("float32", "bfloat16", "float16")  # core.precision.PRECISIONS, known before torch loads
# the zoo's CNN on two cores: a 101×101 decision map 1.4 s in float32, 17 s in bfloat16 or float16
CPU_SLOWER = "on the CPU they are slower than float32 (4.7–12× for the zoo's models): a GPU's choice"
ITERATIVE_STEPS = 10


@dataclass(frozen=True)
class AttackChoice:
    """The attack as chosen in the controls (``key`` from :data:`ATTACK_CHOICES`)."""

    key: str = "fgsm"
    target: int = 0
    clip: bool = True

    @property
    def title(self) -> str:
        return self.title_for(())

    def title_for(self, class_names: Sequence[str]) -> str:
        """The title, its target named as the data names it: "→ Sandal" (it said "→ class 5" beside a
        target box and curves saying Sandal); digits stay "→ class 5"."""
        if not self.targeted:
            return ATTACK_TITLES[self.key]
        name = class_names[self.target] if 0 <= self.target < len(class_names) else str(self.target)
        return ATTACK_TITLES[self.key] + (f" → class {name}" if name == str(self.target) else f" → {name}")

    @property
    def targeted(self) -> bool:
        return self.key == "fgsm-targeted"

    @property
    def norm(self) -> str:
        return "L2" if self.key == "fgm-l2" else "L∞"

    def build(self, eps: float, *, untargeted: bool = False) -> Any:
        """The core attack for ε = ``eps`` (BIM/PGD: 10 steps of ε/8; PGD and random-sign seeded)."""
        from advviz.core.attacks import make_attack

        eps = abs(float(eps))
        if self.key in ("fgsm", "fgsm-targeted"):
            return make_attack("fgsm", eps=eps, clip=self.clip, targeted=self.targeted and not untargeted)
        if self.key == "random-sign":
            return make_attack("random-sign", eps=eps, clip=self.clip, seed=0)
        if self.key in ("bim", "pgd"):
            extra = {"seed": 0} if self.key == "pgd" else {}
            # a share of ε, not a step size: a sweep's rows (attack.replace(eps=…)) each get their own ε's step
            return make_attack(self.key, eps=eps, clip=self.clip, step_fraction=1 / 8, steps=ITERATIVE_STEPS, **extra)
        if self.key == "fgm-l2":
            return make_attack("fgm-l2", eps=eps, clip=self.clip)
        raise ValueError(f"unknown attack {self.key!r}")


@dataclass(frozen=True)
class ModelSpec:
    """A model to load: a zoo name, or a weights file with its architecture and data set."""

    key: str
    label: str
    path: str | None = None
    architecture: str | None = None
    dataset: str | None = None


# -- steps -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    """A status-line message, not a result (the runner's ``jobProducing`` waits for the first result)."""

    message: str
    done: int = 0
    total: int = 0
    is_progress: ClassVar[bool] = True


@dataclass(frozen=True)
class DataLoaded:
    """A data set is ready: ``dataset`` is the zoo data set its models belong to."""

    dataset: str
    title: str
    x: Any  # torch (N, C, H, W)
    y: Any  # torch (N,)
    class_names: tuple[str, ...]
    zoo: list[dict]
    devices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ModelLoaded:
    key: str
    model: Any
    device: str
    message: str | None = None
    drift: Any = None  # advviz.core.precision.PrecisionReport of reduced-precision forwards, else None
    # a user model's or a weights file's (one trained in the window too) clean accuracy on the labelled images it was
    # loaded with, and how many (clean_accuracy); None for the zoo's models (theirs is in the zoo's table) and on
    # unlabelled images
    accuracy: tuple[float, int] | None = None


@dataclass(frozen=True)
class ModelFailed:
    """A model could not be loaded; the others still load."""

    key: str
    message: str


@dataclass(frozen=True)
class GridPredictions:
    model_key: str
    predictions: np.ndarray
    confidences: np.ndarray


@dataclass(frozen=True)
class SweepHeader:
    """What the sweep is about: sent before the core's SweepStart."""

    model_name: str
    class_names: tuple[str, ...]
    label: int  # the true class (or the clean prediction when the label is unknown)
    label_known: bool
    target: int | None  # the target class of a targeted attack
    clean_logits: np.ndarray
    reject_logit: bool
    attack: AttackChoice
    eps_max: float
    precision: str = "float32"  # of the model's forwards (the gradient is float32)


@dataclass(frozen=True)
class TransferHeader:
    names: list[str]
    eps: float
    samples: int
    attack_title: str
    precisions: tuple[str, ...] = ()  # of each model's forwards, in ``names``' order


# -- jobs --------------------------------------------------------------------------------------
def startup_job(dataset: str) -> Iterator[Any]:
    """Import torch, set the thread budget, list devices, then load the data set."""
    yield Progress("Loading PyTorch…")
    from advviz.gui.preload import preload_torch_libraries

    preload_torch_libraries()  # the libraries' loading without the GIL: the window stays responsive
    import torch  # noqa: F401  (the slow import, off the main thread)

    from advviz.core.device import available_devices, set_thread_budget

    set_thread_budget(leave_for_gui=1)
    devices = available_devices()
    for step in dataset_job(dataset):
        if isinstance(step, DataLoaded):
            step = DataLoaded(**{**step.__dict__, "devices": devices})
        yield step


def dataset_job(dataset: str) -> Iterator[Any]:
    from advviz.core import data, zoo

    info = data.dataset_info(dataset)
    yield Progress(f"Loading {info.title}…")
    x, y = data.load_dataset(dataset, "test")
    yield DataLoaded(dataset, info.title, x, y, info.classes, zoo.list_models(dataset))


def drift_message(drifts: dict[str, Any]) -> str:
    """One line for the message bar: how far each model's reduced-precision logits are from float32's, and
    which models stay float32 (:class:`advviz.core.precision.PrecisionRefused`)."""
    from advviz.core.precision import PrecisionRefused

    reports = {name: drift for name, drift in drifts.items() if not isinstance(drift, PrecisionRefused)}
    refused = {name: drift for name, drift in drifts.items() if isinstance(drift, PrecisionRefused)}
    parts = []
    if reports:
        first = next(iter(reports.values()))
        each = ", ".join(f"{name} {report.max_logit_difference:.3g}" for name, report in reports.items())
        agreement = min(report.prediction_agreement for report in reports.values())
        parts.append(f"{first.dtype} forwards: max |Δ logit| against float32 on {first.samples} images: {each}; "
                     f"{'predictions unchanged' if len(reports) == 1 else 'predictions unchanged, each'}: "
                     f"{'at least ' * (len(reports) > 1)}{100 * agreement:.1f} % (gradients stay float32)")
        if any(report.device == "cpu" for report in reports.values()):
            parts.append(CPU_SLOWER)
    parts += [f"{name} {drift.summary()}" for name, drift in refused.items()]
    return "; ".join(parts)


def clean_accuracy(model: Any, x: Any, y: Any, label: str) -> Iterator[Progress]:
    """A model's clean accuracy on the labelled of images ``x`` (labels ``y``; -1 unlabelled), in the core's
    chunked forwards (float32: before a reduced precision is applied), a Progress per chunk: ``(fraction right,
    labelled images)``, returned (``accuracy = yield from clean_accuracy(...)``); None without labelled images.
    A user model's row in the models list shows it, as the zoo's models have theirs, whether it loads from the
    dialog, a session or again on another device; so does a weights file's, and a model trained in the window's."""
    known = y >= 0 if y is not None else None
    if known is None or not bool(known.any()):
        return None
    from advviz.core.batching import forward_chunks

    x, y, right = x[known], y[known], 0
    for start, stop, logits in forward_chunks(model, x):
        right += int((logits.argmax(dim=1).cpu() == y[start:stop]).sum())
        yield Progress(f"Measuring {label}'s clean accuracy…", stop, len(y))
    return right / len(y), len(y)


def models_job(specs: Sequence[ModelSpec], device: str, precision: str = "float32", probe: Any = None,
               labels: tuple[Any, Sequence[str]] | None = None) -> Iterator[Any]:
    """Load models (zoo names or weights files) onto ``device`` (falls back to the CPU with a message), their
    forwards in ``precision`` (its drift measured on ``probe``, the window's images). A user model is checked
    against ``probe`` and ``labels`` (the images' labels and class names) as the dialog checks it: from a
    session, a model with 5 classes over 10-class data was swept, and every panel stayed empty."""
    from advviz.core.device import resolve_device
    from advviz.core.errors import AdvvizError
    from advviz.core.precision import apply_forward_precision
    from advviz.core.zoo import load_model

    resolved, message = resolve_device(device)
    for index, spec in enumerate(specs):
        yield Progress(f"Loading model {spec.label}…", index, len(specs))
        accuracy = None
        try:
            if callable(getattr(spec, "load", None)):  # a user model (advviz.gui.byo.UserModelSpec)
                model = spec.load(resolved)
                if probe is not None:
                    from advviz.gui.byo import check_fits_data, name_classes_by_data

                    check_fits_data(model, probe, *(labels or (None, ())))
                    if labels is not None:
                        name_classes_by_data(model, labels[1])
                        # as when the dialog loaded it: from a session, or again on another device, it said none
                        accuracy = yield from clean_accuracy(model, probe, labels[0], spec.label)
            elif spec.path is None:
                model = load_model(spec.key, device=resolved)
            else:
                model = load_model(spec.path, device=resolved, architecture=spec.architecture,
                                   dataset=spec.dataset)
                model.name = spec.label
                if probe is not None and labels is not None:  # listed beside the zoo's, with its accuracy as theirs
                    accuracy = yield from clean_accuracy(model, probe, labels[0], spec.label)
        except (AdvvizError, ValueError, OSError) as error:
            text = str(error)  # which model, when the reason does not say
            yield ModelFailed(spec.key, text if spec.label in text else f"{spec.label}: {text}")
            continue
        drift = apply_forward_precision(model, precision, probe)
        yield ModelLoaded(spec.key, model, str(resolved), message, drift, accuracy)


def grid_job(model_key: str, model: Any, x: Any) -> Iterator[Any]:
    """Predicted class and confidence of ``model`` on the thumbnail images."""
    from advviz.core import batching, outputs

    yield Progress(f"Classifying {len(x)} thumbnails…")
    logits = batching.forward(model, x)
    probabilities = outputs.probabilities(logits, reject_logit=outputs.has_reject_logit(model))
    confidence, predictions = probabilities.max(dim=1)
    yield GridPredictions(model_key, predictions.numpy(), confidence.numpy())


def sweep_job(model: Any, x: Any, label: int, eps_max: float, steps: int, attack: AttackChoice) -> Iterator[Any]:
    """One sample's ε-sweep: a :class:`SweepHeader`, then the core's SweepStart and SweepChunks."""
    import torch

    from advviz.core import batching, outputs, precision, sweep
    from advviz.core.errors import DataError

    if not torch.isfinite(x).all():
        raise DataError("this image contains NaN or infinite pixels; it cannot be attacked")
    eps = sweep.eps_grid(float(eps_max), int(steps))
    clean_logits = batching.forward(model, x)[0]
    if not torch.isfinite(clean_logits).all():
        raise DataError(f"{model.name} returns NaN or infinite logits for this image")
    known = label >= 0
    label = int(label) if known else int(clean_logits.argmax())
    target = attack.target if attack.targeted else None
    labels = torch.tensor([target if target is not None else label])
    yield SweepHeader(model.name, tuple(model.class_names), label, known, target, clean_logits.numpy(),
                      outputs.has_reject_logit(model), attack, float(eps_max), precision.forward_precision(model))
    yield from sweep.sweep_steps(model, x, labels, eps, attack=attack.build(eps_max))


def transfer_job(models: Sequence[Any], names: Sequence[str], x: Any, y: Any, eps: float, attack: AttackChoice,
                 ) -> Iterator[Any]:
    """The transfer matrix, cell by cell (targeted FGSM transfers as untargeted FGSM)."""
    from advviz.core.precision import forward_precision
    from advviz.core.transfer import transfer_steps

    if len(models) < 2:
        raise ValueError("check two or more models to compare how adversarial examples transfer")
    known = y >= 0
    if not bool(known.all()):
        raise ValueError("the transfer matrix needs labelled images (these have unknown labels)")
    built = attack.build(abs(eps), untargeted=True)
    title = ATTACK_TITLES["fgsm" if attack.targeted else attack.key]
    yield TransferHeader(list(names), abs(float(eps)), len(x), title,
                         tuple(forward_precision(model) for model in models))
    yield from transfer_steps(models, x, y, abs(float(eps)), attack=built)
