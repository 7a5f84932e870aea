"""A user's own model as settings: what the window's "Bring your own model" dialog and the CLI's ``--kind`` build.

A :class:`UserModelSpec` holds everything needed to rebuild a torchvision architecture (with a state_dict or
torchvision's pretrained weights) or a TorchScript file, so sessions can store it; :meth:`UserModelSpec.load`
builds it with :mod:`advviz.core.user_models`. :func:`check_fits_data` refuses a model that disagrees with the
images it will see, :func:`name_classes_by_data` gives numbered classes the data's names, and
:func:`load_images_for_model` loads an image folder at a model's input shape. The window and the CLI share
this one way of loading.

No torch at import time: the window imports this module (through :mod:`advviz.gui.byo`) before torch loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

# Said by the dialog and the CLI: unlike a weights file (read with weights_only=True), TorchScript carries code
# that runs when it loads.
TORCHSCRIPT_TRUST_WARNING = "A TorchScript file runs the code saved in it when it loads: open only files you trust."

USER_MODEL_KINDS = ("torchscript", "torchvision")
CLASS_SOURCES = ("count", "file", "imagenet")
# the side of a user model's square input, in pixels: the dialog's spin box, the CLI's --input-size, sessions
MIN_INPUT_SIDE, MAX_INPUT_SIDE = 8, 1024
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class UserModelSpec:
    """A torchvision architecture (weights file or torchvision's pretrained weights) or a TorchScript file.

    ``key`` identifies it (sessions, the window's model list) and ``label`` names it in messages. ``path`` is the
    state_dict (torchvision) or the TorchScript file; ``dataset`` the shipped data set it is listed with, if any.
    Class names come from ``class_file`` (one per line), ImageNet's list (``class_source="imagenet"``) or are
    numbered ``0 … class_count − 1``. ``mean``/``std`` normalize inside the model (ε stays in pixel units).
    """

    key: str
    label: str
    path: str | None = None
    architecture: str | None = None
    dataset: str | None = None
    kind: str = "torchvision"  # "torchvision" or "torchscript"
    pretrained: bool = False
    channels: int = 3
    size: int = 224
    class_source: str = "count"  # "file", "imagenet" or "count"
    class_file: str | None = None
    class_count: int = 10
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.size, self.size)

    @classmethod
    def create(cls, *, kind: str, dataset: str | None, path: str | None = None, architecture: str | None = None,
               **settings: Any) -> "UserModelSpec":
        """A spec with a key and label derived from its settings."""
        channels = settings.get("channels", 3)
        size = settings.get("size", 224)
        source = architecture if kind == "torchvision" else Path(path or "model").stem
        weights = " pretrained" if settings.get("pretrained") else (f", {Path(path).name}" if path and
                                                                     kind == "torchvision" else "")
        label = f"{source} ({kind}{weights}, {channels}×{size}×{size})"
        key = f"user:{kind}:{architecture or ''}:{path or ''}:{settings.get('pretrained', False)}:{channels}x{size}"
        return cls(key, label, path, architecture, dataset, kind=kind, **settings)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mean"], data["std"] = list(self.mean), list(self.std)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "UserModelSpec":
        """The spec :meth:`to_dict` wrote; ValueError names the first field of the wrong kind (a hand-edited
        session: an unknown ``class_source`` or a ``size`` of "big" failed later, or raised in the window)."""
        if not isinstance(data, dict):
            raise ValueError(f"a user model is a group of settings, not {type(data).__name__}")
        fields = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        for key in ("mean", "std"):
            if key in fields:
                values = fields[key]
                if (not isinstance(values, list) or not values
                        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
                    raise ValueError(f"{key} = {values!r} is not a list of numbers")
                fields[key] = tuple(float(v) for v in values)
        for key in ("key", "label"):
            if not isinstance(fields.get(key), str) or not fields[key]:
                raise ValueError(f"{key} = {fields.get(key)!r} is not a text")
        for key in ("path", "architecture", "dataset", "class_file"):
            if fields.get(key) is not None and not isinstance(fields[key], str):
                raise ValueError(f"{key} = {fields[key]!r} is not a text")
        choices = {"kind": USER_MODEL_KINDS, "class_source": CLASS_SOURCES}
        for key, allowed in choices.items():
            if key in fields and fields[key] not in allowed:
                raise ValueError(f"{key} = {fields[key]!r} is not one of {', '.join(allowed)}")
        for key, (low, high) in {"channels": (1, 4), "size": (MIN_INPUT_SIDE, MAX_INPUT_SIDE),
                                  "class_count": (1, 100000)}.items():
            value = fields.get(key)
            if key in fields and (not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high):
                raise ValueError(f"{key} = {value!r} is not a whole number in {low} … {high}")
        if "pretrained" in fields and not isinstance(fields["pretrained"], bool):
            raise ValueError(f"pretrained = {fields['pretrained']!r} is not true or false")
        return cls(**fields)

    def tooltip(self) -> str:
        classes = {"file": f"class names from {self.class_file}", "imagenet": "ImageNet's 1000 classes",
                   "count": f"{self.class_count} numbered classes"}[self.class_source]
        return (f"{self.kind} model, input {self.channels}×{self.size}×{self.size}, {classes}, mean {self.mean}, "
                f"std {self.std}" + (f"\n{self.path}" if self.path else ""))

    def missing_files(self) -> list[str]:
        """Files this spec names that do not exist (sessions report them instead of failing later)."""
        files = [self.path] if self.path else []
        if self.class_source == "file" and self.class_file:
            files.append(self.class_file)
        return [name for name in files if not Path(name).exists()]

    def class_names(self) -> tuple[str, ...] | None:
        from advviz.core.errors import ModelLoadError
        from advviz.core.user_models import read_class_names

        if self.class_source == "file":
            if not self.class_file:
                raise ModelLoadError("choose a class-names file (one name per line)")
            return read_class_names(self.class_file)
        if self.class_source == "imagenet":
            return imagenet_classes()
        if self.class_count < 1:
            raise ModelLoadError("the model needs at least one class")
        return tuple(str(index) for index in range(self.class_count))

    def folder_class_names(self) -> tuple[str, ...] | None:
        """The class names an image folder's sub-folders are matched to by name (a class-names file, ImageFolder's
        list), or None for numbered classes: then the sub-folders in sorted order are classes 0, 1, … (torchvision's
        ImageFolder) and the model's classes are named after them (:func:`name_classes_by_data`). The one rule of
        the window's dialog and the CLI: the dialog matched a numbered model's "0", "1", "2" to sub-folders cat, dog,
        frog and left every image unlabelled, where the CLI labelled them."""
        return None if self.class_source == "count" else self.class_names()

    def load(self, device: Any) -> Any:
        """Build the model on ``device`` (the window's models job uses it too: device changes, sessions)."""
        from advviz.core.errors import ModelLoadError
        from advviz.core.user_models import torchscript_model, torchvision_model

        names = self.class_names()
        if self.kind == "torchvision":
            if not self.architecture:
                raise ModelLoadError("type a torchvision architecture name, e.g. resnet18")
            if self.channels != 3:
                raise ModelLoadError(f"torchvision models take 3-channel (RGB) input, not {self.channels}")
            if self.path is None and not self.pretrained:
                raise ModelLoadError(f"{self.architecture}: choose a weights file (state_dict) or torchvision's "
                                     "pretrained weights; an untrained network shows nothing")
            model = torchvision_model(self.architecture, weights_file=self.path, pretrained=self.pretrained,
                                      class_names=names, input_size=self.size, mean=self.mean, std=self.std,
                                      device=device)
        elif self.kind == "torchscript":
            if not self.path:
                raise ModelLoadError("choose a TorchScript file (saved with torch.jit.save)")
            model = torchscript_model(self.path, input_shape=self.input_shape, class_names=names or ("0",),
                                      mean=self.mean, std=self.std, device=device)
        else:
            raise ModelLoadError(f"unknown model kind {self.kind!r}")
        model.name = self.label
        return model


def imagenet_classes() -> tuple[str, ...]:
    """ImageNet's class names from torchvision's metadata (shipped with torchvision; no download)."""
    from torchvision.models import get_model_weights

    return tuple(get_model_weights("resnet18").DEFAULT.meta["categories"])


class LoadedImages(NamedTuple):
    """Images loaded for a model: ``x`` (N, C, H, W) in [0, 1], ``y`` (N,) int64 (−1: unlabelled), the class
    names the labels index, and notes on what was skipped or left unlabelled."""

    x: Any
    y: Any
    class_names: tuple[str, ...]
    notes: list[str]


def load_images_for_model(paths: Sequence[str], shape: tuple[int, int, int], class_names: Sequence[str] | None
                          ) -> LoadedImages:
    """Images at ``shape`` (C, H, W) from files or folders; labels from sub-folders named like ``class_names``
    (without names: the first folder's sub-folders in sorted order are classes 0, 1, …, as torchvision's
    ImageFolder), else unknown (−1); and notes on what was skipped or left unlabelled (unreadable files,
    sub-folders named after no class), for the data's title. DataError when no image loads, or when one
    holds NaN or infinite values."""
    import torch

    from advviz.core import data
    from advviz.core.errors import DataError

    channels, height, width = shape
    names = tuple(class_names) if class_names else None
    xs, ys, notes = [], [], []
    for path in paths:
        # a sub-folder named after no class leaves only its own images unlabelled, with a note
        x, y, found = data.load_image_folder(path, channels=channels, size=(height, width), class_names=names,
                                             skipped=notes)
        names = names or found or None  # a single file names no class
        xs.append(x)
        ys.append(y)
    x, y = torch.cat(xs), torch.cat(ys)
    if not torch.isfinite(x).all():
        raise DataError(f"{', '.join(map(str, paths))}: the images contain NaN or infinite values")
    return LoadedImages(x, y, names or (), notes)


CLASS_COUNT_REMEDY = "give it the data's class names, or load images for it"


def check_fits_data(model: Any, x: Any, y: Any, class_names: Sequence[str], *, hint: str = "",
                    remedy: str = CLASS_COUNT_REMEDY) -> None:
    """Refuse a user model that does not take the data's images or cannot name its labels (ModelLoadError).

    ``hint`` is added to a refusal of the images' shape (what to do: other images may fit it), ``remedy`` to a
    refusal of the class count. The dialog's check, a session's or a device change's, and the CLI's."""
    from advviz.core.errors import ModelLoadError
    from advviz.core.user_models import InputMismatch, check_model_fits

    try:
        check_model_fits(model, x[:2])
    except InputMismatch as error:  # other images may fit it
        raise ModelLoadError(f"{error}{hint}") from error
    check_class_count(model, y, class_names, remedy=remedy)


def name_classes_by_data(model: Any, class_names: Sequence[str]) -> None:
    """A model with numbered classes ("0" … "9") over data of as many named classes takes the data's names: the
    heatmaps said "predicted 8" of a Fashion-MNIST model where the thumbnails said "Bag"."""
    numbered = tuple(str(index) for index in range(len(model.class_names)))
    if tuple(model.class_names) == numbered and len(class_names) == len(numbered):
        model.class_names = tuple(class_names)


def check_class_count(model: Any, y: Any, class_names: Sequence[str], *, remedy: str = CLASS_COUNT_REMEDY) -> None:
    """Refuse a model whose classes cannot be the data's labels (labelled data only)."""
    from advviz.core.errors import ModelLoadError

    known = y[y >= 0] if y is not None else []
    if len(known) and len(model.class_names) != len(class_names):
        listed = ", ".join(list(class_names)[:4]) + ", …" * (len(class_names) > 4)  # "…" only for names left out
        raise ModelLoadError(f"{model.name} has {len(model.class_names)} classes, the data's labels have "
                             f"{len(class_names)} ({listed}); {remedy}")
