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
from typing import Any

EXIT_BAD_INPUT = 2
DATASET_CHOICES = ("mnist", "fashion")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?%?$")


class CommandError(Exception):
    """A bad input found by a command, reported as one line."""


# -- argument types -----------------------------------------------------------------------------
def eps_value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ε must be a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"ε must be a finite number ≥ 0, got {text!r}")
    return value


def eps_list(text: str) -> list[float]:
    return [eps_value(part) for part in text.split(",") if part.strip()] or [eps_value(text)]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 1, got {value}")
    return value


def device_name(text: str) -> str:
    name = text.strip().lower()
    if name in ("auto", "cpu", "cuda") or re.fullmatch(r"cuda:\d+", name):
        return name
    raise argparse.ArgumentTypeError(f"unknown device {text!r}; choose auto, cpu or cuda:N")


# -- output -------------------------------------------------------------------------------------
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


def emit(args: argparse.Namespace, payload: dict, text: str) -> None:
    print(json.dumps(payload, indent=2) if args.json else text)


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


def add_model_options(sub: argparse.ArgumentParser, *, default: str, several: bool = False) -> None:
    """``--model`` (or ``--models``), and for a weights file its ``--architecture`` and ``--dataset``."""
    if several:
        sub.add_argument("--models", default=default, help=f"comma-separated zoo names or weights files "
                                                           f"(default: {default}; see advviz models)")
    else:
        sub.add_argument("--model", default=default,
                         help=f"a zoo name or a weights file (default: {default}; see advviz models)")
    sub.add_argument("--architecture", help="architecture of a weights file: softmax, mlp, maxout, cnn or rbf")
    sub.add_argument("--dataset", choices=DATASET_CHOICES,
                     help="data set (default: the model's; required for a weights file)")
    add_device_option(sub)


def add_attack_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--attack", default="fgsm", help="fgsm, random-sign, bim, pgd or fgm-l2 (default: fgsm)")
    sub.add_argument("--no-clip", action="store_true", help="do not clip x̃ to [0, 1] (the paper does not)")


# -- device, attack, models, data ---------------------------------------------------------------
def device(args: argparse.Namespace) -> str:
    from advviz.core.device import resolve_device

    chosen, message = resolve_device(args.device)
    if message:
        print(f"advviz: {message}", file=sys.stderr)
    return str(chosen)


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
    names = [name.strip() for name in args.models.split(",") if name.strip()]
    if not names:
        raise CommandError("--models needs at least one model name")
    return names


def load_models(args: argparse.Namespace, names: Sequence[str]) -> tuple[list, str]:
    """Load ``names`` on the chosen device; returns the models and the one data set they share."""
    from advviz.core.zoo import load_model

    chosen_device = device(args)
    requested = getattr(args, "dataset", None)
    models = [load_model(name, device=chosen_device, architecture=getattr(args, "architecture", None),
                         dataset=requested) for name in names]
    trained_on = {model.dataset for model in models}
    if len(trained_on) > 1:
        raise CommandError(f"the models come from different data sets: {', '.join(sorted(trained_on))}")
    (dataset,) = trained_on
    if requested and requested != dataset:
        raise CommandError(f"{names[0]} was trained on {dataset}; it cannot classify {requested} images")
    return models, dataset


def load_one_model(args: argparse.Namespace):
    (model,), dataset = load_models(args, [args.model])
    return model, dataset


def test_samples(dataset: str, count: int):
    from advviz.core.data import load_dataset

    x, y = load_dataset(dataset, "test")
    return x[:count], y[:count]


def one_sample(args: argparse.Namespace, dataset: str):
    x, y = test_samples(dataset, 10**9)
    if not 0 <= args.index < len(x):
        raise CommandError(f"--index must be in 0…{len(x) - 1} (the {dataset} test split), got {args.index}")
    return x[args.index: args.index + 1], y[args.index: args.index + 1]
