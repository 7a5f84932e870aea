"""What every headless command shares: argument types, tables, progress, models and data.

A model's data set comes from the model itself (``model.dataset``, recorded by the zoo or given
with ``--dataset`` for a weights file), never from its name; a model asked to classify another data
set is refused.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advviz.cli_types import device_name, int_at_least, model_list, positive_eps

if TYPE_CHECKING:
    import torch

    from advviz.cli_own_models import ImageSet

EXIT_BAD_INPUT = 2
DATASET_CHOICES = ("mnist", "fashion")
_NUMBER = re.compile(r"^([+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?%?|—)$")  # "—": a number that is undefined


class CommandError(Exception):
    """A bad input found by a command, reported as one line."""


# option limits: the window's largest settings, or what fits in memory and a few seconds
MAX_EPS_STEPS = 2001  # the window's largest ε steps, over many images (linearity: 2,000 images took 8 minutes)
MAX_SWEEP_STEPS = 10_001  # one image (sweep, animate): 10,001 values of ε take ~5 s
MAX_MAP_RESOLUTION = 301  # the window's largest map: 301 × 301 = 90,601 forwards, ~20 s for the CNN on 2 cores
MAX_RUBBISH_COUNT = 100_000  # 5× the window's largest; the confident share to ±0.3 %, ~10 s for three models
MAX_EPOCHS = 100  # twice the window's largest; the zoo's models train for 5 to 12 epochs


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: numbers right-aligned, text left-aligned."""
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return "nan" if math.isnan(value) else f"{value:.4g}" if abs(value) < 1e4 else f"{value:.3e}"
        return "—" if value is None else str(value)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.rjust(w) if _NUMBER.match(v) else v.ljust(w) for v, w in zip(row, widths)).rstrip()
              for row in text]
    return "\n".join(lines)


def json_ready(value: Any) -> Any:
    """``value`` with each non-finite float as None: JSON has no NaN, and the bare ``NaN`` json.dumps writes
    by default is refused by strict parsers (jq, JavaScript's JSON.parse). A float that is a float32 (the
    ε grids, logits and rates torch gives) is written as its shortest float32 digits: 0.35, not
    0.3499999940395355, so that ``0.35 in result["eps"]``."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        import numpy as np  # loaded with torch by every command that has floats to write

        single = np.float32(value)
        return float(str(single)) if float(single) == value else value
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    return value


def emit(args: argparse.Namespace, payload: dict, text: str) -> None:
    if getattr(args, "precision", None) is not None and "precision" not in payload:
        # the forwards' as they ran (diagnose's JSON has its report there); per model where one kept float32
        precision = getattr(args, "ran_precision", None) or args.precision
        payload = {**payload, "precision": precision}
    print(json.dumps(json_ready(payload), indent=2, allow_nan=False) if args.json else text)


def progress(text: str, *, done: bool = False) -> None:
    """A one-line progress note on stderr, rewritten in place — only on a terminal."""
    if not sys.stderr.isatty():
        return
    width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
    print("\r" + (text[:width].ljust(width) if not done else " " * width) + "\r" * done, end="",
          file=sys.stderr, flush=True)


# -- options shared by commands -----------------------------------------------------------------
def add_device_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--device", type=device_name, default="auto",
                     help="auto, cpu or cuda:N (default: auto; absent CUDA falls back to the CPU with a note)")


def add_model_options(sub: argparse.ArgumentParser, *, default: str, several: bool = False, minimum: int = 1,
                      why: str = "", own_models: bool = False) -> None:
    """``--model`` (or ``--models``, at least ``minimum`` of them), and for a weights file its ``--architecture``
    and ``--dataset``; with ``own_models`` the options of the user's own TorchScript and torchvision models
    (``--kind``, ``--input-size``, ``--classes``, ``--mean``, ``--std``, ``--images``)."""
    # no default here: the default models follow --dataset (apply_model_defaults, after parsing)
    fashion = models_for_dataset(default, "fashion")
    # your own files are said after the defaults: "weights files, at least 2 (default: …)" reads as before
    own = f"; with --kind, your own model file{'s' * several} (see 'your own models' below)" if own_models else ""
    if several:
        at_least = f", at least {minimum}" if minimum > 1 else ""
        sub.add_argument("--models", type=model_list(minimum, why),
                         help=f"comma-separated zoo names or weights files{at_least} (default: {default}; with "
                              f"--dataset fashion: {fashion}; see advviz models){own}")
    else:
        sub.add_argument("--model", help=f"a zoo name or a weights file (default: {default}; with --dataset "
                                         f"fashion: {fashion}; see advviz models){own}")
    sub.set_defaults(default_models=default)
    sub.add_argument("--architecture", help="architecture of a weights file: softmax, mlp, maxout, cnn or rbf"
                                            + ("; with --kind torchvision the torchvision network (resnet18)"
                                               if own_models else "")
                                            + "; for several files one for all, or one each in order (softmax,cnn)")
    sub.add_argument("--dataset", choices=DATASET_CHOICES,
                     help="data set (default: the model's; required for a weights file)")
    add_device_option(sub)
    sub.add_argument("--precision", choices=PRECISIONS, default="float32",
                     help="precision of the models' forwards; gradients stay float32. bfloat16 and float16 are "
                          "faster on a GPU; advviz says how far their logits are from float32's (default: float32)")
    if own_models:
        from advviz.cli_own_models import add_own_model_options  # (it imports this module)

        add_own_model_options(sub)


def models_for_dataset(default: str, dataset: str | None) -> str:
    """A command's default models for ``dataset``: the shipped MNIST models' Fashion-MNIST twins
    (``sweep --dataset fashion`` had run mnist-cnn, and refused: "trained on mnist")."""
    if dataset in (None, "mnist"):
        return default
    return ",".join(f"{dataset}-{name.removeprefix('mnist-')}" for name in default.split(","))


def apply_model_defaults(args: argparse.Namespace) -> None:
    """Fill ``--model`` / ``--models`` left out with the command's default models for its ``--dataset``."""
    default = getattr(args, "default_models", None)
    if default is None:
        return
    names = models_for_dataset(default, getattr(args, "dataset", None))
    if hasattr(args, "models") and args.models is None:
        args.models = model_list()(names)
    elif hasattr(args, "model") and args.model is None:
        args.model = names


PRECISIONS = ("float32", "bfloat16", "float16")  # core.precision.PRECISIONS, known before torch loads


ATTACK_NAMES = ("fgsm", "random-sign", "bim", "pgd", "fgm-l2")  # core.attacks.ATTACKS, known before torch loads


def attack_name(text: str) -> str:
    """An attack's name, checked while parsing (a typo was reported after the model had loaded)."""
    if text not in ATTACK_NAMES:
        raise argparse.ArgumentTypeError(f"unknown attack {text!r}; choose from {', '.join(ATTACK_NAMES)}")
    return text


# fgm-l2's ε is another scale: `sweep --attack fgm-l2` kept the default ε_max of 0.5 and said "does not flip", which
# reads as robustness; the same model flips at ‖η‖₂ = 2.5, and FGSM's ε = 0.25 moves a 28 × 28 image by up to 7.
L2_EPS_HELP = ("for fgm-l2: the L2 norm of η, at most 28 (√(C·H·W) for --input-size); FGSM's ε = 0.25 is an L2 "
               "norm of up to 7")


def add_attack_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--attack", type=attack_name, default="fgsm",
                     help=f"{', '.join(ATTACK_NAMES[:-1])} or {ATTACK_NAMES[-1]} (default: fgsm); fgm-l2 takes ε "
                          "as an L2 norm: give it a larger ε")
    sub.add_argument("--no-clip", action="store_true", help="do not clip x̃ to [0, 1] (the paper does not)")


# one naming of the images an --index picks (sweep said "imgs #0", linear "test #0" of the same --images picture)
INDEX_HELP = "image index in the test split, or among the labelled images of --images (sub-folders in sorted order)"


def add_sample_options(sub: argparse.ArgumentParser, *, steps: int, steps_help: str, steps_why: str,
                       max_steps: int, max_why: str) -> None:
    """One test image and an ε grid from −ε_max (or 0) to +ε_max: sweep and animate."""
    sub.add_argument("--index", type=int, default=0, help=INDEX_HELP)
    sub.add_argument("--eps-max", type=positive_eps, default=0.5,
                     help=f"largest |ε| (> 0), pixel units on [0, 1]; {L2_EPS_HELP}")
    sub.add_argument("--steps", type=int_at_least(2, steps_why, maximum=max_steps, why_not_more=max_why),
                     default=steps, help=steps_help)
    sub.add_argument("--target", type=int, help="target class: targeted FGSM towards it (default: untargeted)")


# -- device, attack, models, data ---------------------------------------------------------------
def device(args: argparse.Namespace) -> str:
    from advviz.core.device import resolve_device

    chosen, message = resolve_device(args.device)
    if message:
        print(f"advviz: {message}", file=sys.stderr)
    return str(chosen)


# 8/255, the budget most papers give L∞ attacks on natural images (CIFAR-10, ImageNet)
OWN_IMAGES_EPS = 8 / 255
DATASET_EPS_HELP = "(default: the data set's FGSM ε, as advviz models and the window use it: 0.25 for mnist, 0.1 " \
                   "for fashion; 8/255 ≈ 0.0314 for --images)"


def dataset_eps(args: argparse.Namespace, dataset: str) -> float:
    """``--eps``, or where not given the data set's FGSM ε: a fixed 0.25 saturated Fashion-MNIST (every cell of
    transfer's matrix 84–100 %), where the zoo, the window and adv-train use 0.1."""
    if args.eps is None and getattr(args, "user_images", None) is not None:
        args.eps = round(OWN_IMAGES_EPS, 4)  # as typed in the help: 0.0314
    if args.eps is None:
        from advviz.core.zoo import PAPER_EPS

        args.eps = PAPER_EPS[dataset]
    return args.eps


def clipping(args: argparse.Namespace) -> str:
    """Whether x̃ was clipped to [0, 1], for a header: clipped and unclipped runs printed the same header
    (``robustness`` and ``robustness --no-clip`` differ by 17 points of error on mnist-maxout-adv)."""
    return "unclipped" if args.no_clip else "clipped to [0, 1]"


def attack(args: argparse.Namespace, **overrides: Any):
    from advviz.core.attacks import ATTACKS, make_attack

    settings: dict[str, Any] = {"clip": not args.no_clip}
    if getattr(args, "target", None) is not None:
        if args.attack != "fgsm":
            raise CommandError("--target works with --attack fgsm (targeted FGSM)")
        settings["targeted"] = True
    if args.attack not in ATTACKS:
        raise CommandError(f"unknown attack {args.attack!r}; choose one of: {', '.join(ATTACKS)}")
    return make_attack(args.attack, **settings, **overrides)


def model_names(args: argparse.Namespace) -> list[str]:
    return list(args.models)  # split and counted by model_list while parsing


def load_models(args: argparse.Namespace, names: Sequence[str]) -> tuple[list, str]:
    """Load ``names`` on the chosen device; returns the models and the one data set they share (with ``--images``:
    the folder's name, its images kept in ``args.user_images``)."""
    from advviz.cli_own_models import _load_with_own_models, own_model_kinds
    from advviz.core.zoo import load_model

    own_files = own_model_kinds(args, names)  # refuses --input-size and the like without --kind, before loading
    if own_files:
        return _load_with_own_models(args, names, own_files)
    chosen_device = device(args)
    requested = getattr(args, "dataset", None)
    architectures = _check_weights_options(args, names)
    models = [load_model(name, device=chosen_device, architecture=architectures.get(name), dataset=requested)
              for name in names]
    trained_on = {model.dataset for model in models}
    if len(trained_on) > 1:
        raise CommandError(f"the models come from different data sets: {', '.join(sorted(trained_on))}")
    (dataset,) = trained_on
    if requested and requested != dataset:
        raise CommandError(f"{names[0]} was trained on {dataset}; it cannot classify {requested} images")
    if getattr(args, "precision", "float32") != "float32":
        from advviz.core.data import load_dataset

        _apply_precision(args, names, models, load_dataset(dataset, "test")[0])
    return models, dataset


def _apply_precision(args: argparse.Namespace, names: Sequence[str], models: Sequence, probe) -> None:
    """The models' forwards in ``--precision``, their drift from float32 on ``probe`` said on stderr."""
    from advviz.core.precision import PrecisionRefused, apply_forward_precision, forward_precision

    for name, model in zip(names, models):
        drift = apply_forward_precision(model, args.precision, probe)
        slower = ("; on the CPU slower than float32 (4.7–12× for the zoo's models)"
                  if not isinstance(drift, PrecisionRefused) and drift.device == "cpu" else "")
        print(f"advviz: {name}: {drift.summary()}{slower}", file=sys.stderr)
    ran = {name: forward_precision(model) for name, model in zip(names, models)}
    if set(ran.values()) != {args.precision}:  # one string when they all ran alike, else per model
        args.ran_precision = ran if len(set(ran.values())) > 1 else next(iter(ran.values()))


def one_per_file(given: list[str], files: Sequence[str], *, option: str, values: str, of: str, order: str
                 ) -> list[str]:
    """``given`` values of ``option`` for ``files``: one for them all, or one per file in ``order``; ``of`` names
    one file ("model file"): "2 kinds for 1 model file", "for 3 model files"."""
    if len(given) == 1:
        return given * len(files)
    if len(given) != len(files):
        raise CommandError(f"{option} names {len(given)} {values} for {len(files)} {of}{'s' * (len(files) != 1)}: give "
                           f"one for them all, or one per file in {order}")
    return given


def _refuse_one_file_twice(files: Sequence[str], option: str) -> None:
    """The same model file named twice by two paths (tiny.ts, ./tiny.ts) only repeats its rows, as a name given
    twice does (which ``model_list`` refuses while parsing)."""
    seen: dict[Path, str] = {}
    for name in files:
        path = Path(name).expanduser().resolve()
        if path in seen:
            raise CommandError(f"{option} names one file twice: {seen[path]} and {name}; give each model once")
        seen[path] = name


def _check_weights_options(args: argparse.Namespace, names: Sequence[str]) -> dict[str, str]:
    """A weights file needs --architecture and --dataset: name the ones missing. ``--model w.pt --dataset mnist``
    was told 'give its architecture … and data set …', the data set given, and neither named as an option.
    Returns each weights file's architecture: one for all, or one per file in order (``--architecture
    softmax,cnn``; a single one for every file made a transfer between a softmax and a CNN file impossible)."""
    from advviz.core.architectures import ARCHITECTURE_TITLES
    from advviz.core.zoo import list_models

    options = {"architecture": ("--architecture", tuple(ARCHITECTURE_TITLES)),
               "dataset": ("--dataset", DATASET_CHOICES)}
    missing = [dest for dest in options if getattr(args, dest, None) is None]
    shipped = {row["name"] for row in list_models()}
    files = [name for name in names if name not in shipped and Path(name).is_file()]
    _refuse_one_file_twice(files, "--models" if hasattr(args, "models") else "--model")
    given = [part.strip() for part in (getattr(args, "architecture", None) or "").split(",") if part.strip()]
    vision = [name for name in given if name not in ARCHITECTURE_TITLES and _is_torchvision_network(name)]
    if files and vision:  # asked for --dataset, then "unknown architecture 'resnet18'; choose one of: softmax, …"
        raise CommandError(f"{vision[0]} is a torchvision network: load {files[0]} as your own model with --kind "
                           "torchvision --input-size CxHxW (e.g. 3x224x224) and --images FOLDER")
    if files and missing:
        wanted = " and ".join(
            f"its {'data set' if dest == 'dataset' else dest} ({options[dest][0]} {', '.join(options[dest][1][:-1])} "
            f"or {options[dest][1][-1]})" for dest in missing)
        raise CommandError(f"{files[0]} is a weights file: give {wanted}")
    if not files or not given:
        return {}
    return dict(zip(files, one_per_file(given, files, option="--architecture", values="architectures",
                                        of="weights file", order="the order of --models")))


def _is_torchvision_network(name: str) -> bool:
    """Whether torchvision has a classification network ``name`` (torchvision loads here, on this error path only)."""
    try:
        import torchvision
    except ImportError:
        return False
    return name in torchvision.models.list_models(module=torchvision.models)


def load_one_model(args: argparse.Namespace):
    (model,), dataset = load_models(args, [args.model])
    return model, dataset


def folder_option(option: str, text: str) -> Path:
    """``text`` as a folder to write in (made if missing): a file of that name is refused by name, not by errno."""
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise CommandError(f"{option} {text} is a file, not a folder")
    return path


def writable_folder(option: str, text: str) -> Path:
    """:func:`folder_option`, made now and checked for writing: a command that writes only at its end (after
    minutes of training) must not find out then that it cannot."""
    import os

    path = folder_option(option, text)
    path.mkdir(parents=True, exist_ok=True)  # an OSError reads "PATH: reason"
    if not os.access(path, os.W_OK | os.X_OK):
        raise CommandError(f"{option} {text}: folder not writable")
    return path


def capped(args: argparse.Namespace, option: str, requested: int, available: int, what: str) -> int:
    """``requested``, or all ``available`` with a note on stderr: more than the data holds is not an error,
    but the numbers must not silently rest on fewer images than asked for."""
    if requested <= available:
        return requested
    print(f"advviz {args.command}: note: {option} {requested} is more than {what} holds ({available} images); "
          f"using all {available}", file=sys.stderr)
    return available


def _test_images(args: argparse.Namespace, dataset: str) -> tuple[torch.Tensor, torch.Tensor, str]:
    """The images the command runs on: ``--images`` (loaded with the models), else the data set's test split;
    and what to call them in a message."""
    images: ImageSet | None = getattr(args, "user_images", None)
    if images is not None:
        return images.x, images.y, f"the labelled images in {images.folder}"
    from advviz.core.data import load_dataset

    x, y = load_dataset(dataset, "test")
    return x, y, f"the {dataset} test split"


def data_source(args: argparse.Namespace, dataset: str) -> str:
    """The images' name in a header: "mnist test", or the folder of ``--images``."""
    images: ImageSet | None = getattr(args, "user_images", None)
    return images.title if images is not None else f"{dataset} test"


def samples_title(args: argparse.Namespace, dataset: str, count: int) -> str:
    """"2000 mnist test samples", or "9 images in cifar_test" (``--images``)."""
    images: ImageSet | None = getattr(args, "user_images", None)
    if images is not None:
        return f"{count} image{'' if count == 1 else 's'} in {images.title}"
    return f"{count} {dataset} test sample{'' if count == 1 else 's'}"


def test_samples(args: argparse.Namespace, dataset: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``--samples`` test images (all of them, with a note, when there are fewer)."""
    x, y, what = _test_images(args, dataset)
    parser = getattr(args, "command_parser", None)
    if getattr(args, "user_images", None) is not None and parser and args.samples == parser.get_default("samples"):
        return x, y  # the default count is the shipped test split's size: a folder of fewer is used whole, unremarked
    count = capped(args, "--samples", args.samples, len(x), what)
    return x[:count], y[:count]


def one_sample(args: argparse.Namespace, dataset: str) -> tuple[torch.Tensor, torch.Tensor]:
    x, y, what = _test_images(args, dataset)
    if not 0 <= args.index < len(x):
        raise CommandError(f"--index must be in 0…{len(x) - 1} ({what}), got {args.index}")
    return x[args.index: args.index + 1], y[args.index: args.index + 1]
