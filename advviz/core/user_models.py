"""Bring your own model: torchvision architectures, weights files and TorchScript.

Whatever the source, the result is a :class:`PixelSpaceModel`: [0, 1] pixel-space input of a known
shape, logits out, normalization (mean/std) inside — so ε stays in pixel units. Weights are read with
``weights_only=True``; torchvision's pretrained weights use its real download path, and an offline
machine gets a clear message instead of a traceback.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import torch

from advviz.core.architectures import PixelSpaceModel
from advviz.core.errors import DataError, ModelLoadError
from advviz.core.user_model_spec import IMAGENET_MEAN, IMAGENET_STD
from advviz.core.zoo import load_state, prepare, read_state_dict


def read_class_names(path: str | Path) -> tuple[str, ...]:
    """Class names from a text file, one per line (blank lines ignored)."""
    try:
        names = tuple(line.strip() for line in Path(path).read_text().splitlines() if line.strip())
    except OSError as error:
        raise DataError(f"cannot read class names from {path}: {error}") from error
    if not names:
        raise DataError(f"{path} holds no class names (one per line expected)")
    return names


def torchvision_model(
    architecture: str,
    *,
    weights_file: str | Path | None = None,
    pretrained: bool = False,
    class_names: Sequence[str] | None = None,
    input_size: int | None = None,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    device: torch.device | str = "cpu",
) -> PixelSpaceModel:
    """A torchvision classifier (``"resnet18"``, ``"mobilenet_v3_small"``, ...).

    With ``pretrained=True`` torchvision's default weights are fetched through torchvision (its cache
    first); their metadata gives the class names, input size and normalization. With ``weights_file``
    a saved ``state_dict`` is loaded (``weights_only=True``); give ``class_names`` then (the class count
    sets the classifier's size). Without either, the architecture is built untrained.
    """
    import torchvision

    if architecture not in torchvision.models.list_models(module=torchvision.models):
        raise ModelLoadError(f"torchvision has no classification model {architecture!r}")
    weights_enum = torchvision.models.get_model_weights(architecture).DEFAULT if pretrained else None
    if weights_enum is not None:
        transform = weights_enum.transforms()
        class_names = class_names or tuple(weights_enum.meta["categories"])
        input_size = input_size or int(transform.crop_size[0])
        mean, std = mean or tuple(transform.mean), std or tuple(transform.std)
    names = tuple(class_names or (f"class {i}" for i in range(1000)))
    net = torchvision.models.get_model(architecture, weights=None, num_classes=len(names))
    if weights_enum is not None:
        try:
            state = weights_enum.get_state_dict(progress=False, check_hash=True)
        except (OSError, RuntimeError) as error:  # URLError is an OSError
            raise ModelLoadError(
                f"cannot fetch torchvision's pretrained {architecture} weights ({error}); on an offline machine "
                "load a saved state_dict file instead") from error
        net.load_state_dict(state)
    check_normalization(tuple(mean or IMAGENET_MEAN), tuple(std or IMAGENET_STD), channels=3)
    model = PixelSpaceModel(net, input_shape=(3, input_size or 224, input_size or 224), class_names=names,
                            mean=tuple(mean or IMAGENET_MEAN), std=tuple(std or IMAGENET_STD), name=architecture)
    if weights_file is not None:
        path = Path(weights_file)
        if _is_torchscript(path):  # torch.load dispatched it to torch.jit.load with a warning, then refused it
            raise ModelLoadError(f"{path.name} is a TorchScript file (a scripted model), not a state_dict of "
                                 f"{architecture}: load it as TorchScript")
        state = read_state_dict(path)
        if not any(key.startswith("net.") for key in state):  # a bare torchvision state_dict
            state = {f"net.{key}": value for key, value in state.items()}
            state.update(mean=model.mean, std=model.std)
        _refuse_other_channels(model, state, path.name)
        _refuse_other_network(net, state, path.name, architecture)
        load_state(model, state, path.name)
    return prepare(model, device)  # type: ignore[return-value]


def _refuse_other_channels(model: PixelSpaceModel, state: dict[str, torch.Tensor], source: str) -> None:
    """torchvision's architectures take 3-channel images: weights trained on greyscale (a first convolution
    over 1 channel) cannot load into them, and the shape error alone did not say what to do instead."""
    first = next((name for name, module in model.named_modules() if isinstance(module, torch.nn.Conv2d)), None)
    weight = state.get(f"{first}.weight") if first else None
    expected = model.input_shape[0]
    if weight is not None and weight.dim() == 4 and weight.shape[1] != expected:
        raise ModelLoadError(
            f"{source} was trained on {weight.shape[1]}-channel images (its first convolution, {first}, takes "
            f"{weight.shape[1]}), and torchvision's architectures take {expected}: save your model as TorchScript "
            "(torch.jit.script(model).save(path)) and load that file as TorchScript")


def _refuse_other_network(net: torch.nn.Module, state: dict[str, torch.Tensor], source: str, architecture: str
                          ) -> None:
    """Weights of another torchvision network (a resnet18's for resnet50) are said to be so, in the network's own
    names: "missing ['net.layer1.0.bn3.bias', …], unexpected none" showed the model's internal ``net.`` prefix."""
    expected = set(net.state_dict())
    saved = {key.removeprefix("net.") for key in state if key.startswith("net.")}
    missing, unexpected = sorted(expected - saved), sorted(saved - expected)
    if not missing and not unexpected:
        return
    found = [f"{len(keys)} {what}, e.g. {keys[0]}" for keys, what in ((missing, "missing"), (unexpected, "unexpected"))
             if keys]
    raise ModelLoadError(f"{source} looks like another architecture's weights, not torchvision's {architecture} "
                         f"({'; '.join(found)}): give the architecture it was saved from")


def check_normalization(mean: Sequence[float] | float, std: Sequence[float] | float, *, channels: int) -> None:
    """Refuse a normalization the model cannot use, in its own words: one value or one per channel, and a
    positive, finite std (0 gave "NaN or infinite outputs"; a negative one flipped every gradient's sign)."""
    for what, values in (("mean", mean), ("std", std)):
        values = (values,) if isinstance(values, (int, float)) else tuple(values)
        if len(values) not in (1, channels):
            raise ModelLoadError(f"normalization {what} has {len(values)} values; give 1 or one per channel "
                                 f"({channels})")
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise ModelLoadError(f"normalization {what} must be finite numbers, got {values}")
        if what == "std" and not all(v > 0 for v in values):
            raise ModelLoadError(f"normalization std must be positive, got {values} (x is divided by it)")


def torchscript_model(
    path: str | Path,
    *,
    input_shape: tuple[int, int, int],
    class_names: Sequence[str],
    mean: Sequence[float] | float = 0.0,
    std: Sequence[float] | float = 1.0,
    device: torch.device | str = "cpu",
) -> PixelSpaceModel:
    """A TorchScript classifier (``torch.jit.save``) that maps normalized inputs to logits."""
    path = Path(path)
    if not path.exists():
        raise ModelLoadError(f"model file not found: {path}")
    try:
        net = torch.jit.load(str(path), map_location="cpu")
    except Exception as error:  # torch raises several types for a foreign file
        raise ModelLoadError(f"{path.name} is not a TorchScript file: {_what_it_is(path)}. Save a model as "
                             "TorchScript with torch.jit.script(model).save(path), or choose its torchvision "
                             "architecture and give this file as its weights") from error
    check_normalization(mean, std, channels=input_shape[0])
    model = PixelSpaceModel(net, input_shape=input_shape, class_names=tuple(class_names), mean=mean, std=std,
                            name=path.stem)
    return prepare(model, device)  # type: ignore[return-value]


class InputMismatch(ModelLoadError):
    """The model does not take the data's images (their shape): other images might fit it."""


class OutputMismatch(ModelLoadError):
    """The model's outputs are not one logit per class name: other class names might fit it."""


def _archive_names(path: Path) -> list[str] | None:
    """The members of a PyTorch zip archive, or None for a file that is not one."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return None


def _is_torchscript(path: Path) -> bool:
    """Whether ``path`` is a TorchScript archive (torch.jit.save writes its code under ``code/``)."""
    return any("/code/" in name for name in _archive_names(path) or ())


def _what_it_is(path: Path) -> str:
    """A guess at what a file that is not TorchScript is, for the message."""
    if path.suffix == ".py":
        return "it is Python source (advviz does not run source files)"
    names = _archive_names(path)
    if names is None:
        return "it is not a PyTorch archive"
    if any(name.endswith("data.pkl") for name in names) and not any("/code/" in name for name in names):
        return "it holds pickled tensors (torch.save: a state_dict or a whole model), not a scripted model"
    return "its archive has no TorchScript code"


def _reason(error: Exception) -> str:
    """The line of a forward's error that says what went wrong: TorchScript puts it last, after its stack."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return repr(error)
    return lines[-1].removeprefix("RuntimeError: ") if "TorchScript interpreter" in lines[0] else lines[0]


def check_model_fits(model: PixelSpaceModel, x: torch.Tensor) -> None:
    """Refuse a model that disagrees with the data or cannot be attacked, saying what it expected and
    what it got: outputs that are not (N, classes) float logits, NaN, or no gradient with respect to
    the input (every attack needs ∇ₓJ; such models failed later, in every sweep, with torch's words)."""
    expected = tuple(model.input_shape)
    if tuple(x.shape[1:]) != expected:
        raise InputMismatch(f"{model.name} expects images of shape {expected} (C, H, W), the data has "
                            f"{tuple(x.shape[1:])}")
    probe = x[:1].to(next(iter(model.buffers())).device).clone().requires_grad_(True)
    try:
        with torch.enable_grad():
            logits = model(probe)
    except RuntimeError as error:
        raise InputMismatch(f"{model.name} fails on inputs of shape {expected}: {_reason(error)}") from error
    if not isinstance(logits, torch.Tensor):
        raise ModelLoadError(f"{model.name} returns a {type(logits).__name__}, not a tensor of logits (N, "
                             f"{len(model.class_names)}); script a wrapper that returns the logits alone")
    if logits.dim() != 2 or logits.shape[1] != len(model.class_names):
        raise OutputMismatch(f"{model.name} returns outputs of shape {tuple(logits.shape)}; expected "
                             f"(N, {len(model.class_names)}) logits, one per class name")
    if not logits.is_floating_point():
        raise ModelLoadError(f"{model.name} returns {str(logits.dtype).removeprefix('torch.')} outputs, not "
                             "floating-point logits (class indices or rounded scores cannot be attacked)")
    if not torch.isfinite(logits).all():
        raise ModelLoadError(f"{model.name} returns NaN or infinite outputs")
    if not logits.requires_grad:
        raise ModelLoadError(f"{model.name}'s outputs have no gradient with respect to its input (they do not "
                             "depend on it, or it runs under no_grad or detaches them): attacks need ∇ₓ")
