"""The model zoo: shipped weights, their metadata, loading, and the command that trains them.

Weights are ``state_dict`` files written by :func:`train_zoo_steps` (``advviz train-zoo``) and read
with ``torch.load(..., weights_only=True)`` — never an arbitrary pickle. ``zoo.json`` beside them
records each model's architecture, data set, clean test accuracy and training settings.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from advviz.core.architectures import ARCHITECTURE_TITLES, PixelSpaceModel, build
from advviz.core.runners import is_convolutional
from advviz.core.data import dataset_info, load_dataset
from advviz.core.errors import ModelLoadError
from advviz.core.files import check_writable, write_atomically
from advviz.core.resources import models_dir
from advviz.core.training import TrainingSettings, TrainStep, accuracy, fgsm_error_rate, train_steps

METADATA_FILE = "zoo.json"
NORMALIZATION = {"mnist": (0.1307, 0.3081), "fashion": (0.2860, 0.3530)}
PAPER_EPS = {"mnist": 0.25, "fashion": 0.1}  # FGSM ε of adversarial training and headline numbers


@dataclass(frozen=True)
class ZooSpec:
    """How one zoo model is made."""

    name: str
    dataset: str
    architecture: str
    settings: TrainingSettings
    normalized: bool
    description: str


def _specs_for(dataset: str) -> list[ZooSpec]:
    eps = PAPER_EPS[dataset]
    plain = {
        "softmax": TrainingSettings(epochs=10, batch_size=64, learning_rate=3e-3),
        "mlp": TrainingSettings(epochs=6, learning_rate=1e-3),
        "maxout": TrainingSettings(epochs=10, learning_rate=1e-3),
        "cnn": TrainingSettings(epochs=5, learning_rate=2e-3),
        "rbf": TrainingSettings(epochs=12, learning_rate=1e-2),
    }
    specs = [
        ZooSpec(f"{dataset}-{arch}", dataset, arch, settings, arch not in ("softmax", "rbf"),
                ARCHITECTURE_TITLES[arch])
        for arch, settings in plain.items()
    ]
    for arch in ("maxout", "cnn"):
        base = plain[arch]
        settings = TrainingSettings(**{**base.as_dict(), "adversarial": True, "alpha": 0.5, "eps": eps,
                                       "epochs": base.epochs + 2})
        specs.append(ZooSpec(f"{dataset}-{arch}-adv", dataset, arch, settings, True,
                             f"{ARCHITECTURE_TITLES[arch]}, adversarially trained (α = 0.5, ε = {eps})"))
    # Twins trained on disjoint halves of the training split: transfer across training sets.
    for half, fraction in (("a", (0.0, 0.5)), ("b", (0.5, 1.0))):
        settings = TrainingSettings(**{**plain["mlp"].as_dict(), "train_fraction": fraction, "seed": 1})
        specs.append(ZooSpec(f"{dataset}-mlp-half{half}", dataset, "mlp", settings, True,
                             f"{ARCHITECTURE_TITLES['mlp']}, trained on half {half.upper()} of the training split"))
    return specs


ZOO_SPECS: dict[str, ZooSpec] = {spec.name: spec for d in ("mnist", "fashion") for spec in _specs_for(d)}


def read_metadata(folder: Path | None = None) -> dict[str, dict]:
    path = (folder or models_dir()) / METADATA_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ModelLoadError(f"the model zoo's metadata {path} is unreadable: {error}") from error


def list_models(dataset: str | None = None) -> list[dict]:
    """Shipped models (one dict each: name, dataset, architecture, description, clean_accuracy, ...)."""
    metadata = read_metadata()
    rows = [{"name": name, **info} for name, info in metadata.items()]
    return [row for row in rows if dataset is None or row["dataset"] == dataset]


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise ModelLoadError(f"{path} is a folder, not a model file" if path.is_dir() else f"model file not found: {path}")
    try:
        with warnings.catch_warnings():
            # a raw pickle of protocol > 2 makes torch warn on stderr before our one-line refusal below
            warnings.filterwarnings("ignore", message="Detected pickle protocol", category=UserWarning)
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a corrupt or foreign file
        # torch's own message suggests weights_only=False: never relay that advice for a file we cannot trust
        raise ModelLoadError(
            f"{path.name} is not a readable PyTorch weights file: advviz reads state_dicts saved with "
            f"torch.save(model.state_dict(), …), plain tensors only ({type(error).__name__})") from error
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelLoadError(f"{path.name} does not hold a state_dict (a mapping of names to tensors)")
    bad = [key for key, value in state.items() if value.is_floating_point() and not torch.isfinite(value).all()]
    if bad:
        raise ModelLoadError(f"{path.name} has NaN or infinite weights in {', '.join(bad[:3])}")
    return state


def load_weights(model: PixelSpaceModel, path: Path) -> PixelSpaceModel:
    return load_state(model, read_state_dict(path), path.name)


def load_state(model: PixelSpaceModel, state: dict[str, torch.Tensor], source: str) -> PixelSpaceModel:
    """Load ``state`` into ``model``, saying what does not fit (``source`` names it in messages)."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        if {f"net.{key}" for key in state} == {key for key in expected if key.startswith("net.")}:
            raise ModelLoadError(
                f"{source} holds the bare network's weights (model.net.state_dict()), without the model's input "
                "normalization: save the whole model's, torch.save(model.state_dict(), path)")
        raise ModelLoadError(
            f"{source} does not fit the architecture: missing {missing[:3] or 'none'}, "
            f"unexpected {unexpected[:3] or 'none'}")
    for key, tensor in state.items():
        if tensor.shape != expected[key].shape:
            raise ModelLoadError(
                f"{source}: {key} has shape {tuple(tensor.shape)}, the architecture expects {tuple(expected[key].shape)}")
    model.load_state_dict(state)
    # finite weights can still give NaN logits (a normalization std of 0 divides by zero), which every
    # job would report as numbers: refuse them here, on one grey image
    training = model.training
    with torch.no_grad():
        logits = model.eval()(torch.full((1, *model.input_shape), 0.5))
    model.train(training)
    if not torch.isfinite(logits).all():
        raise ModelLoadError(f"{source} gives NaN or infinite logits on a grey image (a normalization std of "
                             "0, or weights that overflow): its results would be meaningless")
    return model


def prepare(model: nn.Module, device: torch.device | str = "cpu") -> nn.Module:
    """Eval mode on ``device``; convolutional models in channels_last (faster on CPU and GPU)."""
    model = model.to(device).eval()
    if is_convolutional(model):
        model = model.to(memory_format=torch.channels_last)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


def load_model(
    name: str | Path,
    *,
    device: torch.device | str = "cpu",
    architecture: str | None = None,
    dataset: str | None = None,
) -> PixelSpaceModel:
    """A zoo model by name (``"mnist-cnn"``), or a state_dict file given its architecture and data set.

    Returns an ``nn.Module`` in eval mode taking [0, 1] pixel-space input (N, C, H, W) and returning
    logits (N, classes); normalization is inside. Raises :class:`ModelLoadError` with a clear message
    when the name is unknown or the file is missing, corrupt or of another architecture.
    """
    metadata = read_metadata()
    key = str(name)
    if key in metadata:
        info = metadata[key]
        path = models_dir() / info["file"]
        architecture, dataset = info["architecture"], info["dataset"]
        normalized = info.get("normalized", False)
    else:
        path = Path(key)
        if path.suffix not in (".pt", ".pth") and not path.exists():
            known = ", ".join(sorted(metadata)) or "none (run `advviz train-zoo`)"
            raise ModelLoadError(f"unknown model {key!r}; shipped models: {known}")
        if not path.is_file():
            raise ModelLoadError(f"{path} is a folder, not a model file" if path.is_dir() else f"model file not found: {path}")
        if architecture is None or dataset is None:
            raise ModelLoadError(f"{path.name} is a weights file: give its architecture "
                                 f"({', '.join(ARCHITECTURE_TITLES)}) and data set (mnist, fashion)")
        normalized = architecture not in ("softmax", "rbf")
    model = new_model(key if key in metadata else path.stem, architecture, dataset, normalized=normalized)
    load_weights(model, path)
    return prepare(model, _usable(device))


def _usable(device: torch.device | str) -> torch.device | str:
    """``device`` ("auto" included) made a torch device; CUDA where there is none is refused in words (torch said
    "Found no NVIDIA driver"), where the window and the CLI fall back to the CPU with a message."""
    if not isinstance(device, str):
        return device
    from advviz.core.device import resolve_device

    resolved, fallback = resolve_device(device)
    if fallback is not None:
        raise ModelLoadError(fallback.replace("; using the CPU", ": load the model with device=\"cpu\", or \"auto\" "
                                                                "(a GPU where there is one)"))
    return resolved


def new_model(name: str, architecture: str, dataset: str, *, normalized: bool) -> PixelSpaceModel:
    info = dataset_info(dataset)
    mean, std = NORMALIZATION[dataset] if normalized else (0.0, 1.0)
    return build(architecture, dataset_classes=info.classes, input_shape=info.input_shape, mean=mean, std=std,
                 name=name, dataset=dataset)


@dataclass(frozen=True)
class ZooStep:
    """Progress of ``train-zoo``: model ``index`` of ``count`` and its training step; ``finished``
    holds the metadata row once that model is written."""

    name: str
    index: int
    count: int
    train: TrainStep | None
    finished: dict | None = None


def train_zoo_steps(names: list[str] | None = None, *, folder: Path | None = None) -> Iterator[ZooStep]:
    """Train zoo models (all by default) deterministically on the CPU and write them to ``folder``.

    Each model's weights go to ``<folder>/<name>.pt`` and its row to ``zoo.json`` as soon as it is done,
    so an interrupted run keeps what it finished.
    """
    folder = folder or models_dir()
    chosen = names or list(ZOO_SPECS)
    unknown = [name for name in chosen if name not in ZOO_SPECS]
    if unknown:
        raise ModelLoadError(f"unknown zoo model(s) {', '.join(unknown)}; choose from {', '.join(ZOO_SPECS)}")
    folder.mkdir(parents=True, exist_ok=True)
    check_writable(folder)
    data: dict[str, tuple] = {}
    for index, name in enumerate(chosen, start=1):
        spec = ZOO_SPECS[name]
        if spec.dataset not in data:
            data[spec.dataset] = (*load_dataset(spec.dataset, "train"), *load_dataset(spec.dataset, "test"))
        x_train, y_train, x_test, y_test = data[spec.dataset]
        torch.manual_seed(spec.settings.seed)
        model = new_model(name, spec.architecture, spec.dataset, normalized=spec.normalized)
        started = time.perf_counter()
        for step in train_steps(model, x_train, y_train, spec.settings):
            yield ZooStep(name, index, len(chosen), step)
        model.eval()
        eps = PAPER_EPS[spec.dataset]
        row = {
            "file": f"{name}.pt",
            "dataset": spec.dataset,
            "architecture": spec.architecture,
            "description": spec.description,
            "normalized": spec.normalized,
            "clean_accuracy": round(accuracy(model, x_test, y_test), 4),
            "fgsm_error": round(fgsm_error_rate(model, x_test, y_test, eps=eps), 4),
            "fgsm_eps": eps,
            "train_seconds": round(time.perf_counter() - started, 1),
            "settings": spec.settings.as_dict(),
        }
        save_state_dict(model, folder / row["file"])
        metadata = read_metadata(folder)
        metadata[name] = row
        ordered = {key: metadata[key] for key in sorted(metadata, key=_zoo_order)}
        text = json.dumps(ordered, indent=2) + "\n"
        write_atomically(folder / METADATA_FILE, lambda name: Path(name).write_text(text, encoding="utf-8"))
        yield ZooStep(name, index, len(chosen), None, finished=row)


def _zoo_order(name: str) -> float:
    order = list(ZOO_SPECS)
    return order.index(name) if name in order else math.inf


# -- writing --------------------------------------------------------------------------------------------
def save_state_dict(model: nn.Module, path: Path) -> None:
    """``model``'s weights to ``path``, whole or not at all (:func:`write_atomically`)."""
    write_atomically(path, lambda name: torch.save(model.state_dict(), name))
