"""Model architectures of the zoo, all taking [0, 1] pixel-space input and returning logits.

The paper's models (softmax regression, maxout network, shallow RBF network) and common
ones (ReLU MLP, small CNN). Input normalization lives inside :class:`PixelSpaceModel`, so an
attack's ε is always in pixel units — the wrong way (normalizing before the attack) is impossible.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from advviz.core.single_channel_conv import SingleChannelConv2d


class Maxout(nn.Module):
    """Maxout unit (Goodfellow et al., 2013): the max over ``pieces`` affine maps."""

    def __init__(self, in_features: int, out_features: int, pieces: int) -> None:
        super().__init__()
        self.out_features, self.pieces = out_features, pieces
        self.linear = nn.Linear(in_features, out_features * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(-1, self.out_features, self.pieces).amax(dim=2)


class RBFLayer(nn.Module):
    """Shallow RBF network (paper §7): one Gaussian unit per class.

    The logit of class c is ``log p(y=c|x) = -‖β_c ⊙ (x − μ_c)‖² + b_c``: a unit can only be
    confident near its prototype μ_c, which is why such a model resists adversarial examples and
    is not confident on rubbish inputs. Probabilities come from these logits and an implicit
    "none of them" logit of 0 (see :func:`advviz.core.outputs.probabilities`).
    """

    def __init__(self, in_features: int, classes: int) -> None:
        super().__init__()
        self.centres = nn.Parameter(torch.rand(classes, in_features) * 0.1)
        self.log_precision = nn.Parameter(torch.full((classes, in_features), -1.0))
        self.bias = nn.Parameter(torch.full((classes,), 4.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # ‖β ⊙ (x − μ)‖² expanded into two GEMMs: Σ p·x² − 2 Σ p·μ·x + Σ p·μ² (p = β²). Broadcasting
        # x − μ built a (B, classes, features) tensor: 50× slower forwards, 20× slower gradients.
        # The expansion cancels, so 16-bit inputs are computed in float32 (an error ~1e-5 of the
        # distance in float32, like the direct form's).
        result = torch.promote_types(x.dtype, self.bias.dtype)
        compute = result if result in (torch.float32, torch.float64) else torch.float32
        x = x.to(compute)
        precision = self.log_precision.to(compute).exp()
        centres = self.centres.to(compute)
        weighted_centres = precision * centres
        distance = (x * x) @ precision.T - 2 * (x @ weighted_centres.T) + (weighted_centres * centres).sum(dim=1)
        return (self.bias.to(compute) - distance).to(result)


def softmax_regression(in_features: int, classes: int) -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(in_features, classes))


def mlp(in_features: int, classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(in_features, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, classes)
    )


def maxout(in_features: int, classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Dropout(0.2), Maxout(in_features, 240, 4), nn.Dropout(0.3), Maxout(240, 240, 4),
        nn.Dropout(0.3), nn.Linear(240, classes),
    )


def cnn(in_features: int, classes: int, channels: int = 1, side: int = 28) -> nn.Module:
    pooled = side // 4
    first = SingleChannelConv2d if channels == 1 else nn.Conv2d  # same weights, a faster input gradient
    # max-pool before ReLU: the same function (ReLU is monotonic), with ReLU and its backward on a
    # quarter of the values (the input gradient ~15 % faster); the state_dict's keys are unchanged
    return nn.Sequential(
        first(channels, 16, 5, padding=2), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(16, 32, 5, padding=2), nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * pooled * pooled, 128), nn.ReLU(), nn.Linear(128, classes),
    )


def rbf(in_features: int, classes: int) -> nn.Module:
    return nn.Sequential(nn.Flatten(), RBFLayer(in_features, classes))


ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "softmax": softmax_regression,
    "mlp": mlp,
    "maxout": maxout,
    "cnn": cnn,
    "rbf": rbf,
}

ARCHITECTURE_TITLES = {
    "softmax": "softmax regression",
    "mlp": "ReLU MLP (2×256)",
    "maxout": "maxout network (2×240, 4 pieces)",
    "cnn": "small CNN (2 conv + 2 fc)",
    "rbf": "shallow RBF network",
}


class PixelSpaceModel(nn.Module):
    """A classifier that takes [0, 1] pixel-space images and returns logits.

    Normalization ``(x − mean) / std`` happens inside, so gradients and ε are in pixel space.

    Attributes
    ----------
    input_shape : (C, H, W) the model expects.
    class_names : label -> name.
    reject_logit : True when probabilities include an implicit "none" logit of 0 (RBF network).
    dataset : the shipped data set the model was trained on ("mnist", "fashion"), or None.
    """

    def __init__(
        self,
        net: nn.Module,
        *,
        input_shape: tuple[int, int, int],
        class_names: tuple[str, ...],
        mean: float | tuple[float, ...] = 0.0,
        std: float | tuple[float, ...] = 1.0,
        reject_logit: bool = False,
        name: str = "model",
        dataset: str | None = None,
    ) -> None:
        super().__init__()
        channels = input_shape[0]
        self.net = net
        self.input_shape = tuple(input_shape)
        self.class_names = tuple(class_names)
        self.reject_logit = reject_logit
        self.name = name
        self.dataset = dataset  # the shipped data set it was trained on, when known
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).expand(channels).reshape(1, -1, 1, 1).clone())
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32).expand(channels).reshape(1, -1, 1, 1).clone())

    @property
    def is_convolutional(self) -> bool:
        return any(isinstance(m, nn.Conv2d) for m in self.net.modules())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)


def build(architecture: str, *, dataset_classes: tuple[str, ...], input_shape: tuple[int, int, int],
          mean: float = 0.0, std: float = 1.0, name: str = "model", dataset: str | None = None) -> PixelSpaceModel:
    """Construct an untrained zoo architecture wrapped for pixel-space input."""
    try:
        factory = ARCHITECTURES[architecture]
    except KeyError:
        raise ValueError(f"unknown architecture {architecture!r}; choose one of: {', '.join(ARCHITECTURES)}") from None
    channels, height, width = input_shape
    in_features = channels * height * width
    net = factory(in_features, len(dataset_classes), channels, height) if architecture == "cnn" else factory(
        in_features, len(dataset_classes))
    return PixelSpaceModel(
        net, input_shape=input_shape, class_names=dataset_classes, mean=mean, std=std,
        reject_logit=architecture == "rbf", name=name, dataset=dataset,
    )
