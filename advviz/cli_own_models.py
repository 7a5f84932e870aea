"""The headless commands' options for the user's own models — a TorchScript file or a torchvision network's
state_dict (``--kind``, ``--input-size``, ``--classes``, ``--mean``, ``--std``, ``--images``) — and their loading:
the window's "Bring your own model" dialog as options, built into the same :class:`UserModelSpec` and checked on
the data as the dialog checks it.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advviz.cli_common import (
    DATASET_CHOICES, CommandError, _apply_precision, _refuse_one_file_twice, device, one_per_file,
)
# no torch at import: the parser's types use its kinds and input bounds before torch loads
from advviz.core.user_model_spec import MAX_INPUT_SIDE, MIN_INPUT_SIDE, USER_MODEL_KINDS

if TYPE_CHECKING:
    import torch

    from advviz.core.user_model_spec import UserModelSpec


# -- your own models: argument types ------------------------------------------------------------
def kind_list(text: str) -> list[str]:
    """``--kind``: torchscript or torchvision, one for all model files or one per file (comma-separated)."""
    kinds = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [kind for kind in kinds if kind not in USER_MODEL_KINDS]
    if not kinds or unknown:
        raise argparse.ArgumentTypeError(f"unknown model kind {(unknown or [text])[0]!r}; choose "
                                         f"{' or '.join(USER_MODEL_KINDS)} (one for all files, or one per file)")
    return kinds


def input_size(text: str) -> tuple[int, int, int]:
    """``--input-size CxHxW`` (``3x32x32``; ``×`` too): 1 (grey) or 3 (RGB) channels, a square side of 8 … 1024
    pixels, as the window's dialog takes it (images load grey or RGB, resized and centre-cropped to a square)."""
    parts = [part.strip() for part in re.split(r"[x×X]", text.strip())]
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"expected channels×height×width such as 3x32x32, got {text!r}")
    channels, height, width = map(int, parts)
    if channels not in (1, 3):
        raise argparse.ArgumentTypeError(f"images load grey (1 channel) or RGB (3), got {channels} channels")
    if height != width:
        raise argparse.ArgumentTypeError(f"a square input is taken (images are centre-cropped to a square), got "
                                         f"{height}×{width}")
    if not MIN_INPUT_SIDE <= height <= MAX_INPUT_SIDE:
        raise argparse.ArgumentTypeError(f"the side must be {MIN_INPUT_SIDE} … {MAX_INPUT_SIDE} pixels, got {height}")
    return channels, height, width


def normalization(what: str) -> Callable[[str], tuple[float, ...]]:
    """``--mean`` / ``--std``: one number, or one per channel, comma-separated (``.49,.48,.45``); a std > 0."""
    def parse(text: str) -> tuple[float, ...]:
        try:
            values = tuple(float(part) for part in text.split(",") if part.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
        if not values or not all(math.isfinite(value) for value in values):
            raise argparse.ArgumentTypeError(f"expected one finite number, or one per channel, got {text!r}")
        if what == "std" and not all(value > 0 for value in values):  # x is divided by it
            raise argparse.ArgumentTypeError(f"every value must be > 0 (x is divided by it), got {text!r}")
        return values

    return parse


def add_own_model_options(sub: argparse.ArgumentParser) -> None:
    """The window's "Bring your own model" dialog as options: a TorchScript file or a torchvision state_dict."""
    group = sub.add_argument_group(
        "your own models", "a TorchScript file (torch.jit.save) or a torchvision network's state_dict (torch.save) "
        "given as --model/--models, mixed with zoo models where they take the same images; inputs are [0, 1] "
        "pixels and --mean/--std apply inside the model, so ε stays in pixel units")
    group.add_argument("--kind", type=kind_list, metavar="torchscript|torchvision",
                       help="torchscript or torchvision: what the model files are; one for all, or one per file in "
                            "order (torchscript,torchvision). A TorchScript file runs its own code when it loads: "
                            "only files you trust")
    group.add_argument("--input-size", type=input_size, metavar="CxHxW",
                       help="input of your own models: 1 (grey) or 3 (RGB) channels × a square side, e.g. 3x32x32 "
                            "(required with --kind)")
    group.add_argument("--classes", metavar="FILE|N|imagenet",
                       help="class names of your own models: a text file (one name per line), a count N (numbered "
                            "0 … N−1, named after the data's classes when it has as many) or imagenet (torchvision's "
                            "1000) (default: as many as the data's classes, named after them)")
    group.add_argument("--mean", type=normalization("mean"), metavar="M[,M,M]",
                       help="normalization mean inside your own models, one value or one per channel (default: "
                            "ImageNet's 0.485,0.456,0.406 for torchvision, 0 for torchscript)")
    group.add_argument("--std", type=normalization("std"), metavar="S[,S,S]",
                       help="normalization std (> 0), one value or one per channel (default: ImageNet's "
                            "0.229,0.224,0.225 for torchvision, 1 for torchscript)")
    group.add_argument("--images", metavar="FOLDER",
                       help="your own test images, one sub-folder per class: a sub-folder named after a class "
                            "labels its images (without --classes the sorted sub-folders are the classes, as "
                            "torchvision's ImageFolder); resized and centre-cropped to --input-size. Required for "
                            "your own models unless their input is the shipped data's 1×28×28 (then --dataset)")


# -- your own models: loading ---------------------------------------------------------------------
OWN_MODEL_OPTIONS = {"input_size": "--input-size", "classes": "--classes", "mean": "--mean", "std": "--std",
                     "images": "--images"}


@dataclass(frozen=True)
class ImageSet:
    """The user's own images (``--images``) the commands run on instead of a shipped data set's test split:
    the labelled ones, labels indexing ``class_names``."""

    folder: str
    x: torch.Tensor  # (N, C, H, W) in [0, 1]
    y: torch.Tensor  # (N,) int64, every one ≥ 0
    class_names: tuple[str, ...]

    @property
    def title(self) -> str:
        return Path(self.folder).name or self.folder


def _shape_text(shape: Sequence[int]) -> str:
    return "×".join(map(str, shape))


def own_model_kinds(args: argparse.Namespace, names: Sequence[str]) -> dict[str, str]:
    """Each of ``names`` that is one of the user's own model files, with its kind (``--kind``); empty without
    ``--kind``. Zoo names among them stay zoo models. Everything that needs no torch is checked here: the
    options that describe an own model given without ``--kind`` (they were ignored), files that are missing,
    the counts of ``--kind`` and ``--architecture``."""
    kinds = getattr(args, "kind", None)
    if kinds is None:
        given = [option for dest, option in OWN_MODEL_OPTIONS.items() if getattr(args, dest, None) is not None]
        if given:
            raise CommandError(f"{given[0]} is for your own model files: give --kind torchscript or torchvision "
                               "with them")
        return {}
    from advviz.core.zoo import list_models

    shipped = {row["name"] for row in list_models()}
    files = [name for name in names if name not in shipped]
    option = "--models" if hasattr(args, "models") else "--model"
    if not files:
        are = "is a zoo model" if len(names) == 1 else "are zoo models"
        raise CommandError(f"--kind describes your own model files, and {', '.join(names)} {are}: give {option} "
                           "FILE, or leave --kind out")
    for name in files:
        path = Path(name).expanduser()
        if path.is_dir():
            raise CommandError(f"{name} is a folder, not a model file")
        if not path.is_file():
            raise CommandError(f"model file not found: {name} (nor is it a zoo model; see advviz models)")
    _refuse_one_file_twice(files, option)
    kinds = one_per_file(kinds, files, option="--kind", values="kinds", of="model file",
                         order=f"the order of {option}")
    if args.input_size is None:
        raise CommandError("your own models need --input-size, their input as channels×height×width (e.g. 3x32x32 "
                           "or 1x28x28)")
    channels = args.input_size[0]
    for what in ("mean", "std"):
        values = getattr(args, what)
        if values is not None and len(values) not in (1, channels):
            raise CommandError(f"--{what} has {len(values)} values; give 1 or one per channel ({channels} for "
                               f"--input-size {_shape_text(args.input_size)})")
    if args.images is not None and args.dataset is not None:
        raise CommandError("--images replaces the data set's test images: leave --dataset out")
    if args.images is not None and not Path(args.images).expanduser().exists():
        raise CommandError(f"--images {args.images}: no such file or folder")
    classes = args.classes
    if classes is not None and classes.strip().lower() != "imagenet" and not classes.strip().isdigit():
        if not Path(classes).expanduser().is_file():
            raise CommandError(f"--classes {classes}: no such file (give a text file with one class name per line, a "
                               "count of classes, or imagenet)")
    return dict(zip(files, kinds))


def _own_architectures(args: argparse.Namespace, own_files: dict[str, str]) -> dict[str, str]:
    """Each torchvision file's torchvision network from ``--architecture``: one for all, or one each in order."""
    vision_files = [name for name, kind in own_files.items() if kind == "torchvision"]
    given = [part.strip() for part in (args.architecture or "").split(",") if part.strip()]
    if vision_files and not given:
        raise CommandError(f"{vision_files[0]} is a torchvision state_dict: give its network with --architecture "
                           "(e.g. resnet18)")
    if given and not vision_files:
        raise CommandError("--architecture names the torchvision network of a --kind torchvision file; a TorchScript "
                           "file carries its own: leave --architecture out")
    return dict(zip(vision_files, one_per_file(given, vision_files, option="--architecture", values="networks",
                                               of="torchvision file", order="order")))


def _classes_option(args: argparse.Namespace) -> dict[str, Any]:
    """``--classes`` as a spec's class settings (empty when not given)."""
    classes = (args.classes or "").strip()
    if not classes:
        return {}
    if classes.lower() == "imagenet":
        return {"class_source": "imagenet"}
    if classes.isdigit():
        if int(classes) < 1:
            raise CommandError("--classes must count at least one class")
        return {"class_source": "count", "class_count": int(classes)}
    return {"class_source": "file", "class_file": str(Path(classes).expanduser())}


def named_classes_option(args: argparse.Namespace) -> tuple[str, ...] | None:
    """The class names ``--images``' sub-folders are matched to by name (``--classes`` a file or imagenet), or None
    (numbered classes: the sub-folders in sorted order), by the spec's rule, the window's dialog's."""
    from advviz.core.user_model_spec import UserModelSpec

    return UserModelSpec("classes", "classes", **_classes_option(args)).folder_class_names()


def own_model_specs(args: argparse.Namespace, own_files: dict[str, str], *, data_classes: int,
                    dataset: str | None, architectures: dict[str, str]) -> dict[str, UserModelSpec]:
    """A :class:`~advviz.core.user_model_spec.UserModelSpec` per own model file, as the window's dialog makes them:
    ``--classes``, or ``data_classes`` numbered classes (named after the data's by ``name_classes_by_data``);
    ``architectures`` the torchvision files' networks (:func:`_own_architectures`)."""
    from advviz.core.user_model_spec import IMAGENET_MEAN, IMAGENET_STD, UserModelSpec

    class_settings = _classes_option(args) or {"class_source": "count", "class_count": data_classes}
    channels, size, _ = args.input_size
    specs = {}
    for name, kind in own_files.items():
        vision = kind == "torchvision"
        specs[name] = UserModelSpec.create(
            kind=kind, dataset=dataset, path=str(Path(name).expanduser()), architecture=architectures.get(name),
            channels=channels, size=size, mean=args.mean or (IMAGENET_MEAN if vision else (0.0,)),
            std=args.std or (IMAGENET_STD if vision else (1.0,)), **class_settings)
    return specs


def _load_with_own_models(args: argparse.Namespace, names: Sequence[str], own_files: dict[str, str]
                          ) -> tuple[list, str]:
    """``names`` with the user's own model files among them (the zoo's by name), built and checked against the
    data as the window's dialog does (:mod:`advviz.core.user_model_spec`): ``--images`` at ``--input-size``, or a
    shipped data set for a 1×28×28 input. Models run together must take the same images."""
    from advviz.core import data
    from advviz.core.user_model_spec import TORCHSCRIPT_TRUST_WARNING, check_fits_data, load_images_for_model, \
        name_classes_by_data
    from advviz.core.user_models import OutputMismatch
    from advviz.core.zoo import load_model

    prog = f"advviz {args.command}"
    chosen_device = device(args)
    shape = tuple(args.input_size)
    first_file = next(iter(own_files))
    zoo_models = {name: load_model(name, device=chosen_device) for name in names if name not in own_files}
    trained_on = {model.dataset for model in zoo_models.values()}
    if len(trained_on) > 1:
        raise CommandError(f"the models come from different data sets: {', '.join(sorted(trained_on))}")
    zoo_dataset = next(iter(trained_on), None)
    if zoo_dataset is not None:
        zoo_shape = data.dataset_info(zoo_dataset).input_shape
        if tuple(zoo_shape) != shape:
            zoo_name = next(iter(zoo_models))
            raise CommandError(f"{first_file} takes {_shape_text(shape)} images (--input-size), {zoo_name} takes "
                               f"{zoo_dataset}'s {_shape_text(zoo_shape)}: models run together must take the same "
                               "images")
        if args.dataset and args.dataset != zoo_dataset:
            raise CommandError(f"{next(iter(zoo_models))} was trained on {zoo_dataset}; it cannot classify "
                               f"{args.dataset} images")
    dataset = args.dataset or zoo_dataset
    architectures = _own_architectures(args, own_files)  # its refusals before the images load
    if args.images is not None:
        # labelled by the zoo models' classes, --classes' names, or else the sorted sub-folders
        label_names = data.class_names(zoo_dataset) if zoo_dataset else named_classes_option(args)
        x, y, class_names, notes = load_images_for_model([str(Path(args.images).expanduser())], shape, label_names)
        labelled = y >= 0
        if not bool(labelled.any()):  # the notes in the one line (a note, then an error, repeated the class list)
            named = f" ({', '.join(class_names[:4])}{', …' if len(class_names) > 4 else ''})" if class_names else ""
            raise CommandError(f"no image in {args.images} is labelled"
                               + (f" ({'; '.join(notes)})" if notes else "") + ": put each class's images in a "
                               f"sub-folder named after the class{'' if notes else named}")
        for note in notes:
            print(f"{prog}: note: {args.images}: {note}", file=sys.stderr)
        x, y = x[labelled], y[labelled]
        images = ImageSet(args.images, x, y, tuple(class_names))
        args.user_images = images
        source = images.title
    elif shape == tuple(data.dataset_info("mnist").input_shape):
        if dataset is None:
            raise CommandError(f"{first_file} is your own model: give --images FOLDER (a sub-folder of images per "
                               f"class), or --dataset {' or '.join(DATASET_CHOICES)} for its "
                               f"{_shape_text(shape)} input")
        x, y = data.load_dataset(dataset, "test")
        class_names = data.class_names(dataset)
        source = dataset
    else:
        on = f"; --dataset {args.dataset}'s images are 1×28×28" if args.dataset else ""
        raise CommandError(f"{first_file} takes {_shape_text(shape)} images: give --images FOLDER, a sub-folder of "
                           f"images per class{on}")
    # without --classes: numbered classes, as many as the data's, then named after them
    specs = own_model_specs(args, own_files, data_classes=len(class_names), dataset=dataset,
                            architectures=architectures)
    remedy = ("give --classes the data's class names (a file, one per line), or --images of the model's classes"
              if args.images is None else "give --classes with as many classes as the sub-folders of --images, or "
                                          "a sub-folder per class of the model")
    models = []
    for name in names:
        if name in zoo_models:
            models.append(zoo_models[name])
            continue
        if own_files[name] == "torchscript":  # as the window's dialog says it, before its code runs
            print(f"{prog}: warning: {name} is TorchScript. {TORCHSCRIPT_TRUST_WARNING}", file=sys.stderr)
        model = specs[name].load(chosen_device)
        try:
            check_fits_data(model, x, y, class_names, hint=" (is --input-size its input?)", remedy=remedy)
        except OutputMismatch as error:  # say where the class count came from
            counted = (f"--classes {args.classes}" if args.classes else
                       f"without --classes, one per class of the data: {', '.join(class_names[:4])}"
                       + ", …" * (len(class_names) > 4))
            raise CommandError(f"{error} ({counted}); give --classes the model's class names or count") from error
        name_classes_by_data(model, class_names)
        model.dataset = dataset if args.images is None else None
        models.append(model)
    if getattr(args, "precision", "float32") != "float32":
        _apply_precision(args, names, models, x)
    return models, source
