"""advviz — see adversarial examples.

A desktop visualizer (and headless CLI) of Goodfellow, Shlens & Szegedy (2014),
"Explaining and Harnessing Adversarial Examples".

The public API is imported lazily so that ``import advviz`` (and the window's first
paint) does not wait for torch to load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_PUBLIC: dict[str, str] = {
    "load_dataset": "advviz.core.data",
    "load_image_folder": "advviz.core.data",
    "class_names": "advviz.core.data",
    "DATASETS": "advviz.core.data",
    "load_model": "advviz.core.zoo",
    "list_models": "advviz.core.zoo",
    "fgsm_sweep": "advviz.core.sweep",
    "sweep_steps": "advviz.core.sweep",
    "transfer_matrix": "advviz.core.transfer",
    "transfer_steps": "advviz.core.transfer",
    "robustness": "advviz.core.robustness",
    "robustness_steps": "advviz.core.robustness",
    "rubbish_probe": "advviz.core.rubbish",
    "logit_linearity": "advviz.core.linearity",
    "linear_explanation": "advviz.core.linearity",
    "decision_map": "advviz.core.decision_map",
    "diagnose": "advviz.core.diagnostics",
    "make_attack": "advviz.core.attacks",
    "torchvision_model": "advviz.core.user_models",
    "torchscript_model": "advviz.core.user_models",
}

__all__ = sorted(_PUBLIC)

if TYPE_CHECKING:  # pragma: no cover
    from advviz.core.attacks import make_attack
    from advviz.core.data import DATASETS, class_names, load_dataset, load_image_folder
    from advviz.core.decision_map import decision_map
    from advviz.core.diagnostics import diagnose
    from advviz.core.linearity import linear_explanation, logit_linearity
    from advviz.core.robustness import robustness, robustness_steps
    from advviz.core.rubbish import rubbish_probe
    from advviz.core.sweep import fgsm_sweep, sweep_steps
    from advviz.core.transfer import transfer_matrix, transfer_steps
    from advviz.core.user_models import torchscript_model, torchvision_model
    from advviz.core.zoo import list_models, load_model


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'advviz' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    """The public API too (imported lazily): ``dir(advviz)``, ``help(advviz)`` and tab completion list it."""
    return sorted(set(globals()) | set(_PUBLIC))
