"""advviz's command line: the window by default, headless commands over the same core.

    advviz                      open the desktop window
    advviz models               shipped models, data set, clean accuracy
    advviz sweep ...            logits along x + ε·sign(∇ₓJ) for ε in −ε_max…+ε_max
    advviz animate ...          a GIF (or MP4) of the curves and heatmaps as ε goes 0 → ε_max
    advviz transfer ...         transfer matrices between models
    advviz robustness ...       error rate and confidence on wrong answers per ε
    advviz rubbish ...          confident answers on N(0, I) inputs
    advviz reproduce            the paper's headline numbers next to ours
    advviz train-zoo            retrain the shipped models

Tables go to stdout (``--json`` for machine-readable output); every bad input exits non-zero
with a one-line message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

EXIT_BAD_INPUT = 2


class CommandError(Exception):
    """A bad input found by a command, reported as one line."""


def _eps_value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ε must be a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"ε must be a finite number ≥ 0, got {text!r}")
    return value


def _eps_list(text: str) -> list[float]:
    return [_eps_value(part) for part in text.split(",") if part.strip()] or [_eps_value(text)]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 1, got {value}")
    return value


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return "nan" if math.isnan(value) else f"{value:.4g}" if abs(value) < 1e4 else f"{value:.3e}"
        return "—" if value is None else str(value)

    def numeric(text: str) -> bool:
        return text.rstrip("%").replace(".", "", 1).lstrip("+-").replace("e", "", 1).lstrip("+-").isdigit()

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.rjust(w) if numeric(v) else v.ljust(w) for v, w in zip(row, widths)).rstrip()
              for row in text]
    return "\n".join(lines)


def _emit(args: argparse.Namespace, payload: dict, text: str) -> None:
    print(json.dumps(payload, indent=2) if args.json else text)


def _device(args: argparse.Namespace) -> str:
    from advviz.core.device import resolve_device

    device, message = resolve_device(args.device)
    if message:
        print(f"advviz: {message}", file=sys.stderr)
    return str(device)


def _attack(args: argparse.Namespace, **overrides: Any):
    from advviz.core.attacks import ATTACKS, make_attack

    settings: dict[str, Any] = {"clip": not args.no_clip}
    if getattr(args, "target", None) is not None:
        if args.attack != "fgsm":
            raise CommandError("--target works with --attack fgsm (targeted FGSM)")
        settings["targeted"] = True
    if args.attack not in ATTACKS:
        raise CommandError(f"unknown attack {args.attack!r}; choose one of: {', '.join(ATTACKS)}")
    return make_attack(args.attack, **settings, **overrides)


def _samples(dataset: str, count: int):
    from advviz.core.data import load_dataset

    x, y = load_dataset(dataset, "test")
    return x[:count], y[:count]


# -- commands -----------------------------------------------------------------------------------
def cmd_models(args: argparse.Namespace) -> None:
    from advviz.core.zoo import list_models

    rows = list_models(args.dataset)
    if not rows:
        raise CommandError("no shipped models found; run `advviz train-zoo`")
    table = _table(
        ["name", "dataset", "architecture", "clean acc.", "FGSM error", "ε", "description"],
        [[r["name"], r["dataset"], r["architecture"], f"{100 * r['clean_accuracy']:.2f}%",
          f"{100 * r['fgsm_error']:.1f}%", r["fgsm_eps"], r["description"]] for r in rows])
    _emit(args, {"models": rows}, table)


def cmd_sweep(args: argparse.Namespace) -> None:
    import numpy as np
    import torch

    from advviz.core.batching import forward
    from advviz.core.linearity import logit_linearity
    from advviz.core.sweep import collect_sweep, eps_grid, summarize, sweep_steps
    from advviz.core.zoo import load_model

    model = load_model(args.model, device=_device(args))
    dataset = args.dataset or args.model.split("-")[0]
    x, y = _samples(dataset, 10**9)
    if not 0 <= args.index < len(x):
        raise CommandError(f"--index must be in 0…{len(x) - 1} (the {dataset} test split), got {args.index}")
    sample, label = x[args.index: args.index + 1], y[args.index: args.index + 1]
    classes = model.class_names
    if args.target is not None and not 0 <= args.target < len(classes):
        raise CommandError(f"--target must be a class in 0…{len(classes) - 1}, got {args.target}")
    attack_labels = torch.tensor([args.target]) if args.target is not None else label
    eps = eps_grid(args.eps_max, args.steps)
    logits = collect_sweep(sweep_steps(model, sample, attack_labels, eps, attack=_attack(args)))[:, 0].numpy()
    clean = forward(model, sample)[0].numpy()
    summary = summarize(eps, logits, clean)
    r2 = logit_linearity(logits[:, None], eps)[0]
    payload = {
        "model": args.model, "dataset": dataset, "index": args.index, "label": int(label),
        "label_name": classes[int(label)], "clean_prediction": summary.clean_prediction,
        "attack": args.attack, "clip": not args.no_clip, "eps": eps.tolist(), "logits": logits.tolist(),
        "predictions": summary.predictions.tolist(), "flip_eps": summary.flip_eps,
        "flip_eps_negative": summary.flip_eps_negative, "r2_per_class": r2.tolist(), "classes": list(classes),
    }
    flip = "never" if summary.flip_eps is None else (
        f"ε = {summary.flip_eps:.4g} → {classes[int(summary.predictions[np.argmax(eps >= summary.flip_eps)])]}")
    header = (f"{args.model} on {dataset} test #{args.index}: true {classes[int(label)]}, "
              f"clean prediction {classes[summary.clean_prediction]}; {args.attack} flips at {flip}; "
              f"mean R² of the logits along ε: {r2.mean():.4f}")
    table = _table(["ε", "prediction", *[f"logit {c}" for c in classes]],
                   [[float(e), classes[int(p)], *map(float, row)] for e, p, row in zip(eps, summary.predictions, logits)])
    _emit(args, payload, header + "\n" + table)


def cmd_transfer(args: argparse.Namespace) -> None:
    from advviz.core.transfer import transfer_matrix
    from advviz.core.zoo import load_model

    names = [name.strip() for name in args.models.split(",") if name.strip()]
    if len(names) < 2:
        raise CommandError("--models needs at least two comma-separated model names")
    device = _device(args)
    models = [load_model(name, device=device) for name in names]
    datasets = {name.split("-")[0] for name in names}
    if len(datasets) > 1:
        raise CommandError(f"the models come from different data sets: {', '.join(sorted(datasets))}")
    x, y = _samples(datasets.pop(), args.samples)
    try:
        result = transfer_matrix(models, x, y, args.eps, attack=_attack(args), names=names)
    except ValueError as error:
        raise CommandError(str(error)) from error
    payload = {"models": names, "eps": args.eps, "samples": len(x), "attack": args.attack,
               "error": result.error.tolist(), "confidence": result.confidence.tolist(),
               "agreement": result.agreement.tolist()}
    blocks = []
    for title, matrix in (("error rate of target on source's examples", result.error),
                          ("mean confidence of target's wrong answers", result.confidence),
                          ("same wrong class as source (where both wrong)", result.agreement)):
        rows = [[f"{source} →", *[f"{100 * v:.1f}%" for v in matrix[i]]] for i, source in enumerate(names)]
        blocks.append(f"{title} (row = source, column = target), {args.attack} ε = {args.eps}, "
                      f"{len(x)} samples\n" + _table(["source \\ target", *names], rows))
    _emit(args, payload, "\n\n".join(blocks))


def cmd_robustness(args: argparse.Namespace) -> None:
    from advviz.core.robustness import robustness
    from advviz.core.zoo import load_model

    model = load_model(args.model, device=_device(args))
    x, y = _samples(args.dataset or args.model.split("-")[0], args.samples)
    curve = robustness(model, x, y, args.eps, attack=_attack(args))
    payload = {"model": args.model, "attack": args.attack, "samples": len(x), "eps": curve.eps.tolist(),
               "error": curve.error.tolist(), "confidence": curve.confidence.tolist()}
    table = _table(["ε", "error", "mean confidence on errors"],
                   [[float(e), f"{100 * err:.2f}%", f"{100 * conf:.2f}%"]
                    for e, err, conf in zip(curve.eps, curve.error, curve.confidence)])
    _emit(args, payload, f"{args.model}, {args.attack}, {len(x)} test samples\n" + table)


def cmd_rubbish(args: argparse.Namespace) -> None:
    from advviz.core.rubbish import rubbish_probe
    from advviz.core.zoo import load_model

    rows, payload = [], []
    for name in [n.strip() for n in args.models.split(",") if n.strip()]:
        result = rubbish_probe(load_model(name, device=_device(args)), count=args.count,
                               distribution=args.distribution, seed=args.seed)
        rows.append([name, f"{100 * result.confident_fraction:.2f}%", f"{100 * result.mean_confidence:.2f}%"])
        payload.append({"model": name, "confident_fraction": result.confident_fraction,
                        "mean_confidence": result.mean_confidence})
    _emit(args, {"distribution": args.distribution, "count": args.count, "models": payload},
          f"{args.count} {args.distribution} inputs\n" + _table(["model", "confidence > 0.5", "mean confidence"], rows))


def cmd_reproduce(args: argparse.Namespace) -> None:
    from advviz.core.paper import reproduce_steps

    rows = []
    for index, total, row in reproduce_steps(samples=args.samples, device=_device(args)):
        rows.append(row)
        if not args.json:
            print(f"\r[{index}/{total}] {row.experiment} ({row.model})".ljust(79), end="", file=sys.stderr, flush=True)
    if not args.json:
        print("\r".ljust(80) + "\r", end="", file=sys.stderr)
    table = _table(["experiment", "model", "metric", "paper", "advviz", "difference"],
                   [[r.experiment, r.model, r.metric, f"{r.paper:.1f}", f"{r.ours:.1f}", f"{r.difference:+.1f}"]
                    for r in rows])
    payload = {"samples": args.samples, "rows": [r.__dict__ for r in rows]}
    _emit(args, payload, f"Goodfellow et al. (2015), MNIST, ε = 0.25, {args.samples} test samples\n" + table)


def cmd_train_zoo(args: argparse.Namespace) -> None:
    from pathlib import Path

    from advviz.core.zoo import train_zoo_steps

    names = [n.strip() for n in args.only.split(",")] if args.only else None
    started = time.perf_counter()
    finished = []
    for step in train_zoo_steps(names, folder=Path(args.output) if args.output else None):
        if step.finished is not None:
            finished.append({"name": step.name, **step.finished})
            print(f"\r[{step.index}/{step.count}] {step.name}: clean accuracy "
                  f"{100 * step.finished['clean_accuracy']:.2f}%, FGSM error {100 * step.finished['fgsm_error']:.1f}% "
                  f"({step.finished['train_seconds']:.0f} s)".ljust(79), file=sys.stderr)
        elif step.train is not None and (step.train.batch % 10 == 0 or step.train.batch == step.train.batches):
            done = int(30 * step.train.fraction_done)
            print(f"\r[{step.index}/{step.count}] {step.name:<22} [{'#' * done}{'.' * (30 - done)}] "
                  f"epoch {step.train.epoch}/{step.train.epochs} loss {step.train.loss:.3f}".ljust(79),
                  end="", file=sys.stderr, flush=True)
    _emit(args, {"models": finished, "seconds": round(time.perf_counter() - started, 1)},
          f"trained {len(finished)} models in {time.perf_counter() - started:.0f} s")


def cmd_animate(args: argparse.Namespace) -> None:
    from advviz.gui.animate import animate

    result = animate(model=args.model, index=args.index, eps_max=args.eps_max, steps=args.steps, out=args.out,
                     attack=args.attack, target=args.target, clip=not args.no_clip, device=_device(args),
                     dataset=args.dataset, width=args.width, probabilities=args.probabilities)
    _emit(args, result, f"wrote {result['out']}: {result['frames']} frames, ε = 0…{args.eps_max:g}, "
                        f"{result['width']}×{result['height']} px, {result['bytes'] / 1024:.0f} KB")


def cmd_install_desktop(args: argparse.Namespace) -> None:
    from pathlib import Path

    from advviz.desktop import install_desktop_entry

    path = install_desktop_entry(Path(args.folder) if args.folder else None)
    _emit(args, {"desktop_file": str(path)}, f"installed {path}: advviz is in your desktop's application menu")


def cmd_gui(args: argparse.Namespace) -> int:
    from pathlib import Path

    session = getattr(args, "session", None)
    if session and not Path(session).is_file():
        print(f"advviz: error: session file not found: {session}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from advviz.gui.app import main as gui_main

    return gui_main([], session=session)


# -- parser -------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """Bad arguments give one line on stderr (and exit 2), not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="advviz", description="See adversarial examples (Goodfellow et al., 2014).")
    parser.add_argument("--session", metavar="FILE", help="open a saved session (JSON) in the window")
    commands = parser.add_subparsers(dest="command", metavar="command", parser_class=_Parser)

    def command(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        return sub

    def attack_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--attack", default="fgsm", help="fgsm, random-sign, bim, pgd or fgm-l2 (default fgsm)")
        sub.add_argument("--no-clip", action="store_true", help="do not clip x̃ to [0, 1] (the paper does not)")
        sub.add_argument("--device", default="auto", help="auto, cpu or cuda:N (default auto)")

    command("gui", cmd_gui, "open the desktop window (also: advviz with no command)")
    sub = command("models", cmd_models, "list the shipped models")
    sub.add_argument("--dataset", choices=["mnist", "fashion"])

    sub = command("sweep", cmd_sweep, "logits along x + ε·d for ε in −ε_max…+ε_max")
    sub.add_argument("--model", default="mnist-cnn")
    sub.add_argument("--dataset", choices=["mnist", "fashion"], help="default: the model's")
    sub.add_argument("--index", type=int, default=0, help="test-split sample index")
    sub.add_argument("--eps-max", type=_eps_value, default=0.5)
    sub.add_argument("--steps", type=_positive_int, default=201)
    sub.add_argument("--target", type=int, help="target class (targeted FGSM)")
    attack_options(sub)

    sub = command("animate", cmd_animate, "a GIF (or MP4, with ffmpeg) of the curves and heatmaps as ε goes 0 → ε_max")
    sub.add_argument("--model", default="mnist-cnn")
    sub.add_argument("--dataset", choices=["mnist", "fashion"], help="default: the model's")
    sub.add_argument("--index", type=int, default=0, help="test-split sample index")
    sub.add_argument("--eps-max", type=_eps_value, default=0.5)
    sub.add_argument("--steps", type=_positive_int, default=26, help="frames, ε = 0 … ε_max (default 26)")
    sub.add_argument("--target", type=int, help="target class (targeted FGSM)")
    sub.add_argument("--out", default="sweep.gif", help="a .gif, or an .mp4 where ffmpeg is installed")
    sub.add_argument("--width", type=_positive_int, default=640, help="frame width in pixels (default 640)")
    sub.add_argument("--probabilities", action="store_true", help="softmax probabilities instead of logits")
    attack_options(sub)

    sub = command("transfer", cmd_transfer, "transfer matrices between models (row = source, column = target)")
    sub.add_argument("--models", default="mnist-softmax,mnist-mlp,mnist-cnn")
    sub.add_argument("--eps", type=_eps_value, default=0.25)
    sub.add_argument("--samples", type=_positive_int, default=2000)
    attack_options(sub)

    sub = command("robustness", cmd_robustness, "error rate and confidence on wrong answers per ε")
    sub.add_argument("--model", default="mnist-cnn")
    sub.add_argument("--dataset", choices=["mnist", "fashion"], help="default: the model's")
    sub.add_argument("--eps", type=_eps_list, default=[0.0, 0.05, 0.1, 0.25])
    sub.add_argument("--samples", type=_positive_int, default=2000)
    attack_options(sub)

    sub = command("rubbish", cmd_rubbish, "share of rubbish inputs (N(0, I) or uniform) classified with confidence > .5")
    sub.add_argument("--models", default="mnist-softmax,mnist-maxout,mnist-rbf")
    sub.add_argument("--count", type=_positive_int, default=10000)
    sub.add_argument("--distribution", choices=["gaussian", "uniform"], default="gaussian")
    sub.add_argument("--seed", type=int, default=0)
    sub.add_argument("--device", default="auto")

    sub = command("reproduce", cmd_reproduce, "the paper's headline MNIST numbers next to ours")
    sub.add_argument("--samples", type=_positive_int, default=2000)
    sub.add_argument("--device", default="auto")

    sub = command("install-desktop", cmd_install_desktop, "add advviz to the desktop's application menu")
    sub.add_argument("--folder", help="applications folder (default: $XDG_DATA_HOME/applications)")

    sub = command("train-zoo", cmd_train_zoo, "retrain the shipped models (deterministic, CPU)")
    sub.add_argument("--only", help="comma-separated zoo names (default: all)")
    sub.add_argument("--output", help="folder for the weights (default: the shipped models folder)")

    from advviz.cli_explain import add_commands  # linear, linearity, decision-map, diagnose, adv-train

    add_commands(command, attack_options)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        return cmd_gui(args)
    from advviz.core.device import set_thread_budget
    from advviz.core.errors import AdvvizError

    set_thread_budget()
    try:
        result = args.handler(args)
    except (CommandError, AdvvizError, ValueError) as error:
        print(f"advviz {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"advviz {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)
