"""Adversarial training beside its plain twin: the paper's §6 experiment, as one stream.

Both models share architecture, data, seed and schedule; one minimizes J, the other
J̃ = α·J(x) + (1−α)·J(x + ε·sign∇ₓJ). Epochs alternate, so two live curves grow together, and both
are saved as state_dict files at the end, ready to join the loaded models.

The request and step types import nothing heavy, so a window can build a request before torch
has loaded; torch is imported when the stream starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TrainingRequest:
    dataset: str
    architecture: str = "mlp"
    samples: int = 2000
    epochs: int = 3
    batch_size: int = 64
    learning_rate: float = 1e-3
    alpha: float = 0.5
    eps: float = 0.25
    validation: int = 500
    seed: int = 0


@dataclass(frozen=True)
class TrainingHeader:
    request: TrainingRequest
    names: tuple[str, str]  # (plain twin, adversarially trained)


@dataclass(frozen=True)
class TrainProgress:
    run: int  # 0 = plain twin, 1 = adversarial
    step: Any  # advviz.core.training.TrainStep


@dataclass(frozen=True)
class TrainedModel:
    run: int
    name: str
    model: Any
    path: str
    architecture: str
    dataset: str


def twin_training_steps(request: TrainingRequest, *, folder: str | None = None,
                        suffix: str = "") -> Iterator[TrainingHeader | TrainProgress | TrainedModel]:
    """Train the plain twin and the adversarially trained model, alternating epoch by epoch.

    Yields a :class:`TrainingHeader`, then :class:`TrainProgress` per minibatch (clean and FGSM
    validation error at each epoch's end), then one :class:`TrainedModel` per run once saved to
    ``folder`` (by default a new folder under :func:`~advviz.core.resources.trained_models_dir`, kept: the
    models list and sessions name these files). ``suffix`` tells repeated runs' names apart.
    """
    import tempfile
    import time
    from pathlib import Path

    import torch

    from advviz.core.data import load_dataset
    from advviz.core.resources import trained_models_dir
    from advviz.core.training import TrainingSettings, train_steps
    from advviz.core.files import check_writable
    from advviz.core.zoo import new_model, prepare, save_state_dict

    if not 0 <= request.alpha <= 1:
        raise ValueError(f"α must be in [0, 1], got {request.alpha}")
    # the weights are written after the training: a folder that cannot take them is refused before it
    parent = Path(folder) if folder is not None else trained_models_dir()
    parent.mkdir(parents=True, exist_ok=True)
    check_writable(parent)
    x, y = load_dataset(request.dataset, "train")
    x_val, y_val = load_dataset(request.dataset, "test")
    x, y = x[: request.samples], y[: request.samples]
    x_val, y_val = x_val[: request.validation], y_val[: request.validation]
    tag = f"{request.dataset}-{request.architecture}"
    names = (f"{tag}-plain{suffix}", f"{tag}-advtrained{suffix}")
    yield TrainingHeader(request, names)
    normalized = request.architecture not in ("softmax", "rbf")
    runs = []
    for run, adversarial in enumerate((False, True)):
        torch.manual_seed(request.seed)
        model = new_model(names[run], request.architecture, request.dataset, normalized=normalized)
        settings = TrainingSettings(epochs=request.epochs, batch_size=request.batch_size,
                                    learning_rate=request.learning_rate, adversarial=adversarial,
                                    alpha=request.alpha, eps=request.eps, seed=request.seed)
        runs.append((model, train_steps(model, x, y, settings, x_val=x_val, y_val=y_val, val_eps=request.eps)))
    for _epoch in range(request.epochs):  # alternate: one epoch of each, so both curves grow together
        for run, (_, steps) in enumerate(runs):
            for step in steps:
                yield TrainProgress(run, step)
                if step.batch == step.batches:
                    break
    # one new folder per training, kept (see trained_models_dir); made only now: a cancelled one leaves none
    out = parent if folder is not None else Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"),
                                                                  dir=parent))
    for run, (model, steps) in enumerate(runs):
        steps.close()
        model.eval()
        path = out / f"{names[run]}.pt"
        save_state_dict(model, path)  # whole or not at all: a full disk raises SaveError, leaving no file
        yield TrainedModel(run, names[run], prepare(model), str(path), request.architecture, request.dataset)
