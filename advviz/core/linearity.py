"""The linear explanation of adversarial examples (paper §3) and a measure of linearity.

For a linear model, wᵀx̃ = wᵀx + wᵀη: with ‖η‖∞ ≤ ε the activation can grow by up to ε‖w‖₁,
reached by η = ε·sign(w) — many small changes add up in high dimension. FGSM's η = ε·sign(∇ₓJ)
changes logit c by exactly ε·w_cᵀsign(∇ₓJ) when unclipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from advviz.core.attacks import FGSM
from advviz.core.attacks.base import eval_mode
from advviz.core.batching import forward, model_device
from advviz.core.checks import checked_labels


def logit_linearity(logits: np.ndarray | torch.Tensor, eps: np.ndarray | torch.Tensor) -> np.ndarray:
    """R² of a straight-line fit of each logit against ε.

    logits (K, B, C) along a sweep over ``eps`` (K,) → R² (B, C); 1 means exactly linear.
    A constant logit counts as linear (R² = 1).
    """
    values = np.asarray(logits, dtype=np.float64)
    grid = np.asarray(eps, dtype=np.float64)
    centred_eps = grid - grid.mean()
    centred = values - values.mean(axis=0, keepdims=True)
    slope = np.einsum("k,kbc->bc", centred_eps, centred) / max(float(centred_eps @ centred_eps), 1e-300)
    residual = centred - centred_eps[:, None, None] * slope[None]
    total = (centred ** 2).sum(axis=0)
    unexplained = (residual ** 2).sum(axis=0)
    flat = total <= 1e-12 * (values ** 2).sum(axis=0) + 1e-30  # constant logit: a (flat) straight line
    return np.where(flat, 1.0, 1.0 - unexplained / np.where(flat, 1.0, total))


def pixel_space_weights(model: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """Weights (C, D) and bias (C,) of a softmax-regression model in pixel units.

    The model normalizes inside ((x − mean) / std), so its pixel-space weights are W / std.
    """
    layers = [module for module in model.modules() if isinstance(module, nn.Linear)]
    if len(layers) != 1 or any(isinstance(m, (nn.Conv2d,)) for m in model.modules()):
        raise ValueError(f"{getattr(model, 'name', 'the model')} is not a single linear layer (softmax regression)")
    layer = layers[0]
    shape = getattr(model, "input_shape", None)
    std = getattr(model, "std", torch.ones(1)).detach().flatten()
    mean = getattr(model, "mean", torch.zeros(1)).detach().flatten()
    channels = shape[0] if shape else 1
    per_feature = layer.in_features // channels
    std_full = std.repeat_interleave(per_feature) if std.numel() == channels else std.expand(layer.in_features)
    mean_full = mean.repeat_interleave(per_feature) if mean.numel() == channels else mean.expand(layer.in_features)
    weight = layer.weight.detach() / std_full.to(layer.weight.device)
    bias = layer.bias.detach() - weight @ mean_full.to(layer.weight.device)
    return weight, bias


def local_weights(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The weights of the model's linearization at each sample: w_c(x) = ∇ₓ z_c(x), shape (B, C, D).

    For softmax regression these are its weights everywhere; for a deep model they are the weights
    of the linear model that agrees with it to first order at x — the paper's "linear enough" view.
    One backward pass per class over the whole batch (samples do not interact in eval mode).
    """
    device = model_device(model)
    with eval_mode(model), torch.enable_grad():
        inputs = x.detach().to(device).requires_grad_(True)
        logits = model(inputs)
        rows = [torch.autograd.grad(logits[:, c].sum(), inputs, retain_graph=c < logits.shape[1] - 1)[0].flatten(1)
                for c in range(logits.shape[1])]
    return torch.stack(rows, dim=1).detach()


@dataclass(frozen=True)
class LinearExplanation:
    """For B samples and C classes at one ε (CPU numpy).

    weights (C, D) pixel-space w_c — the model's own for softmax regression (``local`` False), else the
    local weights ∇ₓz_c at the first sample (``local`` True); eta (B, D) the FGSM perturbation;
    predicted (B, C) = ε·w_cᵀsign(∇ₓJ) with each sample's own w_c; measured (B, C) = logits(x̃) − logits(x);
    bound (C,) = ε‖w_c‖₁ (of the first sample's w_c when local).
    """

    eps: float
    clip: bool
    weights: np.ndarray
    eta: np.ndarray
    predicted: np.ndarray
    measured: np.ndarray
    bound: np.ndarray
    local: bool = False


def linear_explanation(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, *, clip: bool = False
) -> LinearExplanation:
    """Predicted (linear) vs measured logit change under FGSM, for any model.

    For softmax regression, unclipped (the paper's setting, the default here), the two are equal up to
    float rounding; clipping makes the measured change smaller where pixels hit 0 or 1. For a deep model
    the prediction uses its linearization at x (:func:`local_weights`): how close the two come is how
    linear the model is along the attack.
    """
    device = model_device(model)
    y = checked_labels(model, y, count=len(x))
    x_dev, y_dev = x.detach().to(device), y.to(device)
    try:
        weight, _ = pixel_space_weights(model)
        per_sample = weight.unsqueeze(0).expand(len(x_dev), -1, -1)
        local = False
    except ValueError:
        per_sample = local_weights(model, x_dev)
        weight, local = per_sample[0], True
    attack = FGSM(eps=eps, clip=clip)
    with eval_mode(model):
        direction, _ = attack.direction(model, x_dev, y_dev)
        adversarial = attack.clip_to_bounds(x_dev + eps * direction)
    eta = (adversarial - x_dev).flatten(1)
    predicted = eps * torch.einsum("bcd,bd->bc", per_sample, direction.flatten(1))
    measured = forward(model, adversarial) - forward(model, x_dev)
    bound = eps * weight.abs().sum(dim=1)
    return LinearExplanation(
        eps=float(eps), clip=clip, weights=weight.cpu().numpy(), eta=eta.cpu().numpy(),
        predicted=predicted.cpu().numpy(), measured=measured.numpy(), bound=bound.cpu().numpy(), local=local,
    )
