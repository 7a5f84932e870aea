"""Diagnostics of a model and an attack: the usual ways an adversarial evaluation goes wrong.

* outputs that are already probabilities (a softmax inside the model) flatten the loss's gradient;
* inputs outside [0, 1] or normalization outside the model put ε in the wrong units;
* zero gradients: sign(0) = 0, so those pixels never move (Foolbox #198 produced NaN there);
* clipping to [0, 1] keeps pixels from moving the whole ε: the mean |η| per pixel falls below ε while ‖η‖∞,
  the largest move, still reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from advviz.core.attacks import FGSM
from advviz.core.batching import forward, input_gradient
from advviz.core.checks import checked_labels


@dataclass(frozen=True)
class Diagnostics:
    outputs_look_like_probabilities: bool
    output_row_sums: float  # mean over samples of the sum of outputs
    input_min: float
    input_max: float
    normalization: str
    zero_gradient_fraction: float
    requested_eps: float
    effective_linf: float  # mean over samples of ‖x̃ − x‖∞ after clipping
    effective_mean: float  # mean over samples and pixels of |x̃ − x|: ε where every pixel moves the whole ε
    clipped_fraction: float  # share of moved pixels whose perturbation the clip shortened
    blocked_fraction: float  # share of all pixels with a gradient that the clip kept from moving at all
    warnings: list[str] = field(default_factory=list)


def diagnose(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, clip: bool = True) -> Diagnostics:
    """Check ``model`` on a batch (x, y) and an FGSM attack of size ``eps``."""
    # labels only: images outside [0, 1] are what this warns about, not refuses
    y = checked_labels(model, y, count=len(x))
    logits = forward(model, x)
    sums = logits.sum(dim=1)
    probabilities_like = bool(((logits >= 0) & (logits <= 1)).all() and torch.allclose(sums, torch.ones_like(sums), atol=1e-3))
    log_probabilities_like = bool((logits <= 0).all() and torch.allclose(logits.exp().sum(1), torch.ones_like(sums), atol=1e-3))
    attack = FGSM(eps=eps, clip=clip)
    adversarial = attack(model, x, y)
    gradient, _ = input_gradient(model, x.to(adversarial.device), y.to(adversarial.device))
    change = (adversarial - x.to(adversarial.device)).abs()
    moved = change > 0
    clipped_fraction = float(((change < eps - 1e-6) & moved).float().sum() / moved.float().sum().clamp_min(1))
    # e.g. MNIST's black background: the gradient says "darker", the clip at 0 says no
    blocked_fraction = float(((change == 0) & (gradient != 0)).float().mean()) if eps > 0 else 0.0
    mean = getattr(model, "mean", None)
    std = getattr(model, "std", None)
    normalization = ("inside the model: mean " + ", ".join(f"{v:.4g}" for v in mean.flatten().tolist()) +
                     ", std " + ", ".join(f"{v:.4g}" for v in std.flatten().tolist())) if mean is not None else "none"
    warnings = []
    if probabilities_like or log_probabilities_like:
        warnings.append("the outputs look like (log-)probabilities: a softmax is already applied; attacks want logits")
    if float(x.min()) < 0 or float(x.max()) > 1:
        warnings.append("inputs lie outside [0, 1]: normalize inside the model so ε is in pixel units")
    if blocked_fraction > 0.25:
        warnings.append(f"{blocked_fraction:.0%} of pixels cannot move: the clip to [0, 1] blocks them "
                        "(try clip off, as in the paper)")
    if attack.last_zero_gradient_fraction > 0.5:
        warnings.append(f"{attack.last_zero_gradient_fraction:.0%} of input gradients are exactly 0: "
                        "those pixels do not move (sign(0) = 0)")
    return Diagnostics(
        outputs_look_like_probabilities=probabilities_like or log_probabilities_like,
        output_row_sums=float(sums.mean()),
        input_min=float(x.min()), input_max=float(x.max()), normalization=normalization,
        zero_gradient_fraction=attack.last_zero_gradient_fraction, requested_eps=eps,
        effective_linf=float(change.flatten(1).amax(dim=1).mean()), effective_mean=float(change.mean()),
        clipped_fraction=clipped_fraction,
        blocked_fraction=blocked_fraction,
        warnings=warnings,
    )
