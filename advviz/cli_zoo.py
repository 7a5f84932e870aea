"""advviz's commands about the zoo and the app itself: models, train-zoo, animate, install-desktop
(the paper's analyses are in :mod:`advviz.cli` and :mod:`advviz.cli_explain`)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from advviz.cli_common import (
    CommandError, add_attack_options, add_model_options, add_sample_options, emit, folder_option, load_one_model,
    one_sample, progress, table, writable_folder,
)
from advviz.cli_types import int_at_least, model_list

# Narrower frames shrink animate's heatmaps to specks (at 480 px the images were 13 px: the colour bars' and
# captions' minimum widths left them nothing); 640 is also the window's smallest offer.
MIN_ANIMATION_WIDTH = 640
MAX_ANIMATION_FRAMES = 241  # every frame stays in memory until the file is written: 201 frames at 640 px took 16 s
# The window's export offers the panel's width, 1280, 1920 and 640; the command's default is 1280 pixels wide (it was
# 640, the window's smallest offer). Frames are 0.95 as high as wide: 1280×1216.
DEFAULT_ANIMATION_WIDTH = 1280
MAX_ANIMATION_WIDTH = 3840  # 4K (frames are drawn at their own size, text scaled); a typo of 40,000 would not fit


def animation_file(text: str) -> str:
    """``--out``: a .gif or .mp4 name, refused while parsing (a .png was refused after seconds of loading); the
    rule of the window's export (:func:`advviz.core.animation_files.animation_name_problem`)."""
    from advviz.core.animation_files import animation_name_problem

    problem = animation_name_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def cmd_models(args: argparse.Namespace) -> None:
    from advviz.core.zoo import list_models

    rows = list_models(args.dataset)
    if not rows:
        raise CommandError("no shipped models found; run `advviz train-zoo`")
    text = table(
        ["name", "dataset", "architecture", "clean acc.", "FGSM error", "ε", "description"],
        [[r["name"], r["dataset"], r["architecture"], f"{100 * r['clean_accuracy']:.2f}%",
          f"{100 * r['fgsm_error']:.1f}%", r["fgsm_eps"], r["description"]] for r in rows])
    emit(args, {"models": rows}, text)


def _zoo_output(args: argparse.Namespace):
    """Where train-zoo writes: --output, or the shipped zoo of a source checkout (never site-packages)."""
    from advviz.core.resources import models_dir, resources_dir

    if args.output:  # refused before torch loads, as adv-train's
        return writable_folder("--output", args.output)
    if not (resources_dir().parent / "pyproject.toml").exists():
        raise CommandError("advviz is installed as a package: give --output FOLDER for the retrained weights")
    return models_dir()


def cmd_train_zoo(args: argparse.Namespace) -> None:
    from advviz.core.zoo import train_zoo_steps

    names = args.only  # split while parsing: blanks dropped, a repeat refused
    started = time.perf_counter()
    finished = []
    for step in train_zoo_steps(names, folder=_zoo_output(args)):
        if step.finished is not None:
            finished.append({"name": step.name, **step.finished})
            progress("", done=True)
            print(f"[{step.index}/{step.count}] {step.name}: clean accuracy "
                  f"{100 * step.finished['clean_accuracy']:.2f}%, FGSM error {100 * step.finished['fgsm_error']:.1f}% "
                  f"({step.finished['train_seconds']:.0f} s)", file=sys.stderr)
        elif step.train is not None and (step.train.batch % 10 == 0 or step.train.batch == step.train.batches):
            done = int(30 * step.train.fraction_done)
            progress(f"[{step.index}/{step.count}] {step.name:<20} [{'#' * done}{'.' * (30 - done)}] "
                     f"epoch {step.train.epoch}/{step.train.epochs} loss {step.train.loss:.3f}")
    emit(args, {"models": finished, "seconds": round(time.perf_counter() - started, 1)},
         f"trained {len(finished)} models in {time.perf_counter() - started:.0f} s")


def cmd_animate(args: argparse.Namespace) -> None:
    from advviz.gui.animate import animate, check_request

    check_request(args.out, steps=args.steps, attack=args.attack, target=args.target, width=args.width)  # before loading
    model, dataset = load_one_model(args)  # validates the model and its data set before any Qt starts
    result = animate(model=args.model, loaded_model=model, index=args.index, eps_max=args.eps_max, steps=args.steps,
                     out=args.out, attack=args.attack, target=args.target, clip=not args.no_clip, dataset=dataset,
                     width=args.width, probabilities=args.probabilities, sample=one_sample(args, dataset))
    emit(args, result, f"wrote {result['out']}: {result['frames']} frames, ε = 0…{args.eps_max:g}, "
                       f"{result['width']}×{result['height']} px, {result['bytes'] / 1024:.0f} KB")


def cmd_install_desktop(args: argparse.Namespace) -> None:
    from advviz.desktop import install_desktop_entry

    path = install_desktop_entry(folder_option("--folder", args.folder) if args.folder else None)
    emit(args, {"desktop_file": str(path)}, f"installed {path}: advviz is in your desktop's application menu")


def add_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    sub = command("models", cmd_models, "list the shipped models")
    sub.add_argument("--dataset", choices=["mnist", "fashion"], help="only this data set's models (default: all)")

    sub = command("animate", cmd_animate, "a GIF (or MP4, with ffmpeg or imageio-ffmpeg) of the curves and heatmaps as "
                                          "ε goes 0 → ε_max")
    add_model_options(sub, default="mnist-cnn", own_models=True)
    add_sample_options(sub, steps=26, steps_help=f"frames, ε = 0 … ε_max, 2 to {MAX_ANIMATION_FRAMES}",
                       steps_why="frames from ε = 0 to ε_max", max_steps=MAX_ANIMATION_FRAMES,
                       max_why="every frame is kept in memory until the file is written")
    sub.add_argument("--out", type=animation_file, default="sweep.gif",
                     help="a .gif, or an .mp4 where ffmpeg (or pip's imageio-ffmpeg) is installed")
    sub.add_argument("--width", type=int_at_least(MIN_ANIMATION_WIDTH, "narrower frames shrink the heatmaps to "
                                                                      "unreadable specks", maximum=MAX_ANIMATION_WIDTH,
                                                  why_not_more="every frame is held in memory until written"),
                     default=DEFAULT_ANIMATION_WIDTH,
                     help=f"frame width in pixels, {MIN_ANIMATION_WIDTH} to {MAX_ANIMATION_WIDTH} (default: "
                          f"{DEFAULT_ANIMATION_WIDTH} pixels wide; 640 for a smaller file)")
    sub.add_argument("--probabilities", action="store_true", help="softmax probabilities instead of logits")
    add_attack_options(sub)

    sub = command("install-desktop", cmd_install_desktop, "add advviz to the desktop's application menu")
    sub.add_argument("--folder", help="applications folder (default: $XDG_DATA_HOME/applications)")

    sub = command("train-zoo", cmd_train_zoo, "retrain the shipped models (deterministic, CPU)")
    sub.add_argument("--only", type=model_list(), help="comma-separated zoo names (default: all)")
    sub.add_argument("--output", help="folder for the weights (default: the shipped zoo, in a source checkout)")
