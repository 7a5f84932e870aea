"""Headless versions of the window's explanation panels (registered by :func:`advviz.cli.build_parser`).

    advviz linear ...           predicted vs measured logit change of softmax regression; change vs dimension
    advviz linearity ...        R² of the logits along the FGSM direction, per model
    advviz decision-map ...     predicted class on the plane (FGSM direction, random orthogonal direction)
    advviz diagnose ...         logits or probabilities, input range, zero gradients, effective ε
    advviz adv-train ...        train a plain twin and an adversarially trained model side by side

Same conventions as :mod:`advviz.cli`: a table on stdout (``--json`` for machine-readable output),
bad inputs give one line on stderr.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from advviz.cli import CommandError, _device, _emit, _eps_value, _positive_int, _samples, _table


def _load(name: str, args: argparse.Namespace):
    from advviz.core.zoo import load_model

    return load_model(name, device=_device(args))


def _one_sample(args: argparse.Namespace, dataset: str):
    x, y = _samples(dataset, 10**9)
    if not 0 <= args.index < len(x):
        raise CommandError(f"--index must be in 0…{len(x) - 1} (the {dataset} test split), got {args.index}")
    return x[args.index: args.index + 1], y[args.index: args.index + 1]


def cmd_linear(args: argparse.Namespace) -> None:
    from advviz.core.dimension import dimension_curve
    from advviz.core.linearity import linear_explanation, pixel_space_weights

    model = _load(args.model, args)
    try:
        weights, _ = pixel_space_weights(model)
    except ValueError as error:
        raise CommandError(f"{error}; try --model mnist-softmax") from error
    dataset = args.model.split("-")[0]
    x, y = _one_sample(args, dataset)
    result = linear_explanation(model, x, y, args.eps, clip=args.clip)
    points = dimension_curve(model, x, y, args.eps, weights=weights, clip=args.clip)
    label = int(y[0])
    classes = model.class_names
    payload = {
        "model": args.model, "index": args.index, "label": label, "eps": args.eps, "clip": args.clip,
        "predicted": result.predicted[0].tolist(), "measured": result.measured[0].tolist(),
        "bound": result.bound.tolist(),
        "dimension": {"n": [p.n for p in points], "measured": [float(p.measured[0, label]) for p in points],
                      "predicted": [float(p.predicted[0, label]) for p in points],
                      "bound": [float(p.bound[0, label]) for p in points]},
    }
    per_class = _table(["class", "predicted ε·wᵀsign∇", "measured", "bound ε‖w‖₁"],
                       [[classes[c], float(result.predicted[0, c]), float(result.measured[0, c]), float(result.bound[c])]
                        for c in range(len(classes))])
    per_n = _table(["n free pixels", f"Δ logit {classes[label]} measured", "predicted", "−ε·Σ|w| over them"],
                   [[p.n, float(p.measured[0, label]), float(p.predicted[0, label]), -float(p.bound[0, label])]
                    for p in points])
    gap = float(abs(result.predicted - result.measured).max())
    _emit(args, payload, f"{args.model}, test #{args.index} (true {classes[label]}), FGSM ε = {args.eps}, "
          f"{'clipped' if args.clip else 'unclipped'}: max |predicted − measured| = {gap:.2g}\n{per_class}\n\n"
          f"the change grows linearly with the number of pixels the attack may change:\n{per_n}")


def cmd_linearity(args: argparse.Namespace) -> None:
    import numpy as np

    from advviz.core.linearity import logit_linearity
    from advviz.core.sweep import eps_grid, fgsm_sweep

    names = [n.strip() for n in args.models.split(",") if n.strip()]
    if not names:
        raise CommandError("--models needs one or more comma-separated model names")
    eps = eps_grid(args.eps_max, args.steps)
    rows, payload = [], []
    for name in names:
        model = _load(name, args)
        x, y = _samples(name.split("-")[0], args.samples)
        r2 = logit_linearity(fgsm_sweep(model, x, y, eps, clip=args.clip).numpy(), eps)
        rows.append([name, float(np.median(r2)), float(r2.mean()), f"{100 * float((r2 > 0.99).mean()):.1f}%"])
        payload.append({"model": name, "median_r2": float(np.median(r2)), "mean_r2": float(r2.mean()),
                        "r2": r2.tolist()})
    _emit(args, {"samples": args.samples, "eps_max": args.eps_max, "steps": args.steps, "clip": args.clip,
                 "models": payload},
          f"R² of each logit along x + ε·sign∇ₓJ, ε in ±{args.eps_max} ({args.steps} steps), {args.samples} test "
          f"images, {'clipped' if args.clip else 'unclipped'}\n"
          + _table(["model", "median R²", "mean R²", "R² > 0.99"], rows))


def cmd_decision_map(args: argparse.Namespace) -> None:
    from advviz.core.decision_map import decision_map

    model = _load(args.model, args)
    x, y = _one_sample(args, args.model.split("-")[0])
    start, predictions, confidence = decision_map(model, x, y, extent=args.extent, resolution=args.resolution,
                                                  clip=not args.no_clip, seed=args.seed)
    classes = model.class_names
    centre = args.resolution // 2
    symbols = "0123456789abcdefghijklmnopqrstuvwxyz"
    lines = []
    for row in range(args.resolution - 1, -1, -1):  # +b at the top
        text = "".join("X" if (row == centre and col == centre) else symbols[int(p) % len(symbols)]
                       for col, p in enumerate(predictions[row]))
        lines.append(f"{round(float(start.b[row]), 6) + 0.0:+.3f} {text}")
    share = float((predictions != start.clean_prediction).mean())
    payload = {"model": args.model, "index": args.index, "label": int(y[0]),
               "clean_prediction": start.clean_prediction, "a": start.a.tolist(), "b": start.b.tolist(),
               "predictions": predictions.tolist(), "confidence": confidence.tolist(),
               "share_other_class": share}
    legend = ", ".join(f"{symbols[i]} = {name}" for i, name in enumerate(classes) if symbols[i] != name)
    _emit(args, payload,
          f"{args.model}, test #{args.index}: predicted class on x + a·sign∇ₓJ + b·d (d random, orthogonal); "
          f"a → (−{args.extent} … +{args.extent}), b ↑; X = x; {100 * share:.1f}% of the plane gets another "
          f"class than x ({classes[start.clean_prediction]})" + (f"\n{legend}" if legend else "") + "\n"
          + "\n".join(lines))


def cmd_diagnose(args: argparse.Namespace) -> None:
    from dataclasses import asdict

    from advviz.core.diagnostics import diagnose

    model = _load(args.model, args)
    x, y = _samples(args.dataset or args.model.split("-")[0], args.samples)
    d = diagnose(model, x, y, eps=args.eps, clip=not args.no_clip)
    rows = [["outputs", "probabilities (a softmax is applied)" if d.outputs_look_like_probabilities else "logits"],
            ["mean output row sum", f"{d.output_row_sums:.4g}"],
            ["input range", f"[{d.input_min:.4g}, {d.input_max:.4g}]"],
            ["normalization", d.normalization],
            ["zero-gradient pixels", f"{100 * d.zero_gradient_fraction:.2f}%"],
            ["requested ε", f"{d.requested_eps:.4g}"],
            ["effective ‖η‖∞ (mean)", f"{d.effective_linf:.4g}"],
            ["moved pixels shortened by the clip", f"{100 * d.clipped_fraction:.2f}%"]]
    text = f"{args.model} on {len(x)} test images, FGSM ε = {args.eps}\n" + _table(["check", "value"], rows)
    text += "".join(f"\nwarning: {warning}" for warning in d.warnings) or "\nno warnings"
    _emit(args, {"model": args.model, "samples": len(x), **asdict(d)}, text)


def cmd_adv_train(args: argparse.Namespace) -> None:
    import sys

    from advviz.core.twin_training import TrainedModel, TrainingRequest, TrainProgress, twin_training_steps

    request = TrainingRequest(dataset=args.dataset, architecture=args.architecture, samples=args.samples,
                              epochs=args.epochs, alpha=args.alpha, eps=args.eps, validation=args.validation,
                              learning_rate=args.learning_rate, seed=args.seed)
    rows, files = [], {}
    titles = ("plain", "adversarial")
    for step in twin_training_steps(request, folder=args.output):
        if isinstance(step, TrainProgress):
            s = step.step
            if s.clean_error is not None:
                rows.append([titles[step.run], s.epoch, s.loss, f"{100 * s.clean_error:.1f}%",
                             f"{100 * s.fgsm_error:.1f}%"])
                if not args.json:
                    print(f"\r{titles[step.run]} epoch {s.epoch}/{s.epochs}: FGSM error "
                          f"{100 * s.fgsm_error:.1f}%".ljust(79), end="", file=sys.stderr, flush=True)
        elif isinstance(step, TrainedModel):
            files[titles[step.run]] = step.path
    if not args.json:
        print("\r".ljust(80) + "\r", end="", file=sys.stderr)
    payload = {"settings": request.__dict__, "epochs": [
        {"run": r[0], "epoch": r[1], "loss": r[2], "clean_error": float(r[3][:-1]) / 100,
         "fgsm_error": float(r[4][:-1]) / 100} for r in rows], "files": files}
    _emit(args, payload,
          f"{args.architecture} on {args.samples} {args.dataset} training images, α = {args.alpha}, ε = {args.eps}; "
          f"errors on {args.validation} test images\n"
          + _table(["model", "epoch", "last loss", "clean error", "FGSM error"], rows)
          + "".join(f"\n{run}: {path}" for run, path in files.items()))


def add_commands(command: Callable[[str, Callable, str], argparse.ArgumentParser],
                 attack_options: Callable[[argparse.ArgumentParser], Any]) -> None:
    """Register the explanation commands with ``build_parser``'s ``command`` helper."""
    sub = command("linear", cmd_linear, "linear explanation: predicted vs measured logit change of softmax regression")
    sub.add_argument("--model", default="mnist-softmax")
    sub.add_argument("--index", type=int, default=0, help="test-split sample index")
    sub.add_argument("--eps", type=_eps_value, default=0.25)
    sub.add_argument("--clip", action="store_true", help="clip x̃ to [0, 1] (the paper does not)")
    sub.add_argument("--device", default="auto")

    sub = command("linearity", cmd_linearity, "R² of the logits along the FGSM direction, per model")
    sub.add_argument("--models", default="mnist-softmax,mnist-maxout,mnist-rbf")
    sub.add_argument("--samples", type=_positive_int, default=64)
    sub.add_argument("--eps-max", type=_eps_value, default=0.5)
    sub.add_argument("--steps", type=_positive_int, default=41)
    sub.add_argument("--clip", action="store_true", help="clip x̃ to [0, 1] (bends even a linear model)")
    sub.add_argument("--device", default="auto")

    sub = command("decision-map", cmd_decision_map, "predicted class on the plane of the FGSM direction and a "
                  "random orthogonal sign direction")
    sub.add_argument("--model", default="mnist-cnn")
    sub.add_argument("--index", type=int, default=0)
    sub.add_argument("--extent", type=_eps_value, default=0.5)
    sub.add_argument("--resolution", type=_positive_int, default=41)
    sub.add_argument("--seed", type=int, default=0)
    sub.add_argument("--no-clip", action="store_true")
    sub.add_argument("--device", default="auto")

    sub = command("diagnose", cmd_diagnose, "check a model: logits or probabilities, inputs, zero gradients, "
                  "effective ε after clipping")
    sub.add_argument("--model", default="mnist-cnn")
    sub.add_argument("--dataset", choices=["mnist", "fashion"], help="default: the model's")
    sub.add_argument("--eps", type=_eps_value, default=0.25)
    sub.add_argument("--samples", type=_positive_int, default=64)
    sub.add_argument("--no-clip", action="store_true")
    sub.add_argument("--device", default="auto")

    sub = command("adv-train", cmd_adv_train, "train a plain twin and an adversarially trained model "
                  "(J̃ = αJ(x) + (1−α)J(x + ε·sign∇ₓJ)) and compare their FGSM error")
    sub.add_argument("--dataset", choices=["mnist", "fashion"], default="mnist")
    sub.add_argument("--architecture", choices=["mlp", "softmax", "maxout", "cnn", "rbf"], default="mlp")
    sub.add_argument("--samples", type=_positive_int, default=2000, help="training images")
    sub.add_argument("--epochs", type=_positive_int, default=3)
    sub.add_argument("--alpha", type=float, default=0.5)
    sub.add_argument("--eps", type=_eps_value, default=0.25)
    sub.add_argument("--learning-rate", type=float, default=1e-3)
    sub.add_argument("--validation", type=_positive_int, default=500, help="test images for the errors")
    sub.add_argument("--seed", type=int, default=0)
    sub.add_argument("--output", help="folder for the two weights files (default: a temporary folder)")
