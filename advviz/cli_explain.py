"""Headless versions of the window's explanation panels (registered by :func:`advviz.cli.build_parser`).

    advviz linear ...           predicted vs measured logit change under FGSM (any model); change vs dimension
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

from advviz.cli_common import (
    DATASET_EPS_HELP, INDEX_HELP, MAX_EPOCHS, MAX_EPS_STEPS, MAX_MAP_RESOLUTION, CommandError, add_model_options,
    capped, data_source, dataset_eps, emit, load_models, load_one_model, model_names, one_sample, progress, table,
    test_samples, writable_folder,
)
from advviz.cli_types import (
    eps_above_zero, eps_value, int_at_least, positive_eps, positive_float, positive_int, seed_value,
)


def cmd_linear(args: argparse.Namespace) -> None:
    from advviz.core.dimension import dimension_curve
    import torch

    from advviz.core.linearity import linear_explanation

    model, dataset = load_one_model(args)
    x, y = one_sample(args, dataset)
    dataset_eps(args, dataset)
    result = linear_explanation(model, x, y, args.eps, clip=args.clip)
    # softmax regression: its weights; a deep model: its linearization at x (local weights ∇ₓz_c)
    points = dimension_curve(model, x, y, args.eps, weights=torch.from_numpy(result.weights), clip=args.clip)
    label = int(y[0])
    classes = model.class_names
    payload = {
        "model": args.model, "index": args.index, "label": label, "eps": args.eps, "clip": args.clip,
        "predicted": result.predicted[0].tolist(), "measured": result.measured[0].tolist(),
        "bound": result.bound.tolist(), "local_weights": result.local,
        "dimension": {"n": [p.n for p in points], "measured": [float(p.measured[0, label]) for p in points],
                      "predicted": [float(p.predicted[0, label]) for p in points],
                      "bound": [float(p.bound[0, label]) for p in points]},
    }
    weights_kind = "local weights ∇ₓz_c at x (a deep model: its linearization)" if result.local else "weights"
    per_class = table(["class", "predicted ε·wᵀsign∇", "measured", "bound ε‖w‖₁"],
                       [[classes[c], float(result.predicted[0, c]), float(result.measured[0, c]), float(result.bound[c])]
                        for c in range(len(classes))])
    per_n = table(["n free pixels", f"Δ logit {classes[label]} measured", "predicted", "−ε·Σ|w| over them"],
                   [[p.n, float(p.measured[0, label]), float(p.predicted[0, label]), -float(p.bound[0, label])]
                    for p in points])
    gap = float(abs(result.predicted - result.measured).max())
    emit(args, payload, f"{args.model}, {data_source(args, dataset)} #{args.index} (true {classes[label]}), FGSM "
          f"ε = {args.eps}, "
          f"{'clipped' if args.clip else 'unclipped'}, w = the model's {weights_kind}: "
          f"max |predicted − measured| = {gap:.2g}\n{per_class}\n\n"
          f"the change grows linearly with the number of pixels the attack may change:\n{per_n}")


SAMPLES_HELP = "how many of the test images, or of the labelled images of --images, are used: the first ones"


def image_count(args: argparse.Namespace, count: int) -> str:
    """"32 test images", or "12 images in imgs" for ``--images`` (sweep's "imgs #0": one naming)."""
    images = getattr(args, "user_images", None)
    plural = "s" * (count != 1)  # "1 test images" read as a typo
    return f"{count} image{plural} in {images.title}" if images is not None else f"{count} test image{plural}"


def cmd_linearity(args: argparse.Namespace) -> None:
    import numpy as np

    from advviz.core.linearity import logit_linearity
    from advviz.core.sweep import eps_grid, fgsm_sweep

    names = model_names(args)
    models, dataset = load_models(args, names)
    x, y = test_samples(args, dataset)
    eps = eps_grid(args.eps_max, args.steps)
    rows, payload = [], []
    for name, model in zip(names, models):
        r2 = logit_linearity(fgsm_sweep(model, x, y, eps, clip=args.clip).numpy(), eps)
        rows.append([name, float(np.median(r2)), float(r2.mean()), f"{100 * float((r2 > 0.99).mean()):.1f}%"])
        payload.append({"model": name, "median_r2": float(np.median(r2)), "mean_r2": float(r2.mean()),
                        "r2": r2.tolist()})
    emit(args, {"samples": len(x), "eps_max": args.eps_max, "steps": args.steps, "clip": args.clip,
                 "models": payload},
          f"R² of each logit along x + ε·sign∇ₓJ, ε in ±{args.eps_max} ({args.steps} steps), "
          f"{image_count(args, len(x))}, {'clipped' if args.clip else 'unclipped'}\n"
          + table(["model", "median R²", "mean R²", "R² > 0.99"], rows))


def cmd_decision_map(args: argparse.Namespace) -> None:
    from advviz.core.decision_map import decision_map

    model, dataset = load_one_model(args)
    x, y = one_sample(args, dataset)
    start, predictions, confidence = decision_map(model, x, y, extent=args.extent, resolution=args.resolution,
                                                  clip=not args.no_clip, seed=args.seed)
    classes = model.class_names
    # x (a = b = 0) is a grid point only for an odd resolution; an even one puts it between the middle four
    # (an X drawn at resolution // 2 marked a = b = +extent/(resolution−1), at resolution 2 the corner +extent)
    centre = args.resolution // 2 if args.resolution % 2 else None
    symbols = "0123456789abcdefghijklmnopqrstuvwxyz"
    lines = []
    for row in range(args.resolution - 1, -1, -1):  # +b at the top
        text = "".join("X" if (row == centre and col == centre) else symbols[int(p) % len(symbols)]
                       for col, p in enumerate(predictions[row]))
        lines.append(f"{round(float(start.b[row]), 6) + 0.0:+.3f} {text}")
    share = float((predictions != start.clean_prediction).mean())
    payload = {"model": args.model, "index": args.index, "label": int(y[0]), "clip": not args.no_clip,
               "extent": args.extent, "resolution": args.resolution, "seed": args.seed,
               "clean_prediction": start.clean_prediction, "a": start.a.tolist(), "b": start.b.tolist(),
               "predictions": predictions.tolist(), "confidence": confidence.tolist(),
               "share_other_class": share}
    legend = ", ".join(f"{symbols[i]} = {name}" for i, name in enumerate(classes) if symbols[i] != name)
    clipping = "unclipped" if args.no_clip else "clipped to [0, 1]"
    where_x = ("X = x" if centre is not None
               else "x (a = b = 0) falls between grid points (an odd --resolution marks it X)")
    emit(args, payload,
          f"{args.model}, {data_source(args, dataset)} #{args.index}: predicted class on x + a·sign∇ₓJ + b·d "
          "(d random, orthogonal); "
          f"a → (−{args.extent} … +{args.extent}), b ↑, {clipping}; "
          f"{where_x}; {100 * share:.1f}% of the plane gets another "
          f"class than x ({classes[start.clean_prediction]})" + (f"\n{legend}" if legend else "") + "\n"
          + "\n".join(lines))


def cmd_diagnose(args: argparse.Namespace) -> None:
    from dataclasses import asdict

    from advviz.core.diagnostics import diagnose

    model, dataset = load_one_model(args)
    x, y = test_samples(args, dataset)
    dataset_eps(args, dataset)
    d = diagnose(model, x, y, eps=args.eps, clip=not args.no_clip)
    rows = [["outputs", "probabilities (a softmax is applied)" if d.outputs_look_like_probabilities else "logits"],
            ["mean output row sum", f"{d.output_row_sums:.4g}"],
            ["input range", f"[{d.input_min:.4g}, {d.input_max:.4g}]"],
            ["normalization", d.normalization],
            ["zero-gradient pixels", f"{100 * d.zero_gradient_fraction:.2f}%"],
            ["requested ε", f"{d.requested_eps:.4g}"],
            ["effective ‖η‖∞ (mean)", f"{d.effective_linf:.4g}"],
            ["mean |η| per pixel", f"{d.effective_mean:.4g}"],
            ["pixels the clip keeps from moving", f"{100 * d.blocked_fraction:.2f}%"],
            ["moved pixels shortened by the clip", f"{100 * d.clipped_fraction:.2f}%"]]
    extra = {}
    from advviz.core.precision import forward_precision, precision_report

    ran = forward_precision(model)  # float32 where the model could not run in the precision asked for
    if ran != "float32":
        # on the images checked here; the line on stderr measured the data set's first 512
        report = precision_report(model, x, dtype=ran)
        on_these = f"on these {image_count(args, len(x))}"
        rows += [[f"{ran} forwards: max |Δ logit| {on_these}", f"{report.max_logit_difference:.4g}"],
                 [f"{ran} forwards: same prediction {on_these}", f"{100 * report.prediction_agreement:.2f}%"]]
        extra["precision"] = asdict(report)
    clipping = "unclipped" if args.no_clip else "clipped to [0, 1]"
    text = (f"{args.model} on {image_count(args, len(x))}, FGSM ε = {args.eps}, {clipping}\n"
            + table(["check", "value"], rows))
    text += "".join(f"\nwarning: {warning}" for warning in d.warnings) or "\nno warnings"
    emit(args, {"model": args.model, "samples": len(x), **asdict(d), **extra}, text)


def cmd_adv_train(args: argparse.Namespace) -> None:
    from advviz.core.data import load_dataset
    from advviz.core.twin_training import TrainedModel, TrainingRequest, TrainProgress, twin_training_steps
    from advviz.core.zoo import PAPER_EPS

    eps = args.eps if args.eps is not None else PAPER_EPS[args.dataset]
    if not 0 <= args.alpha <= 1:
        raise CommandError(f"--alpha must be in [0, 1], got {args.alpha}")
    # the weights are written after the training: a file, a read-only folder or a path under a file named as
    # --output was reported then ("PATH: File exists"), minutes of training lost
    folder = str(writable_folder("--output", args.output)) if args.output else None
    samples = capped(args, "--samples", args.samples, len(load_dataset(args.dataset, "train")[1]),
                     f"the {args.dataset} training split")
    validation = capped(args, "--validation", args.validation, len(load_dataset(args.dataset, "test")[1]),
                        f"the {args.dataset} test split")
    request = TrainingRequest(dataset=args.dataset, architecture=args.architecture, samples=samples,
                              epochs=args.epochs, alpha=args.alpha, eps=eps, validation=validation,
                              learning_rate=args.learning_rate, seed=args.seed)
    rows, files = [], {}
    titles = ("plain", "adversarial")
    for step in twin_training_steps(request, folder=folder):
        if isinstance(step, TrainProgress):
            s = step.step
            if s.clean_error is not None:
                rows.append([titles[step.run], s.epoch, s.loss, f"{100 * s.clean_error:.1f}%",
                             f"{100 * s.fgsm_error:.1f}%"])
                progress(f"{titles[step.run]} epoch {s.epoch}/{s.epochs}: FGSM error {100 * s.fgsm_error:.1f}%")
        elif isinstance(step, TrainedModel):
            files[titles[step.run]] = step.path
    progress("", done=True)
    payload = {"settings": request.__dict__, "epochs": [
        {"run": r[0], "epoch": r[1], "loss": r[2], "clean_error": float(r[3][:-1]) / 100,
         "fgsm_error": float(r[4][:-1]) / 100} for r in rows], "files": files}
    emit(args, payload,
          f"{args.architecture} on {samples} {args.dataset} training images, α = {args.alpha}, ε = {eps}; "
          f"errors on {validation} test images\n"
          + table(["model", "epoch", "last loss", "clean error", "FGSM error"], rows)
          + "".join(f"\n{run}: {path}" for run, path in files.items()))


def add_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Register the explanation commands with ``build_parser``'s ``command`` helper."""
    sub = command("linear", cmd_linear, "linear explanation: predicted (ε·wᵀsign∇) vs measured logit change "
                  "under FGSM, for any model: exact for softmax regression, a deep model through its linearization "
                  "at x")
    add_model_options(sub, default="mnist-softmax", own_models=True)
    sub.add_argument("--index", type=int, default=0, help=INDEX_HELP)
    # the window's "move the ε cursor away from 0": at ε = 0 there is no change to explain (a table of zeros)
    sub.add_argument("--eps", type=eps_above_zero("ε = 0 leaves x unchanged: there is no logit change to explain"),
                     help=f"ε of FGSM (> 0), pixel units on [0, 1] {DATASET_EPS_HELP}")
    sub.add_argument("--clip", action="store_true", help="clip x̃ to [0, 1] (off: the paper's linear argument is unclipped)")

    sub = command("linearity", cmd_linearity, "R² of the logits along the FGSM direction, per model")
    add_model_options(sub, default="mnist-softmax,mnist-maxout,mnist-rbf", several=True, own_models=True)
    sub.add_argument("--samples", type=positive_int, default=64, help=SAMPLES_HELP)
    sub.add_argument("--eps-max", type=positive_eps, default=0.5, help="largest |ε| (> 0), pixel units on [0, 1]")
    sub.add_argument("--steps", type=int_at_least(3, "a line through 2 points always has R² = 1",
                                                  maximum=MAX_EPS_STEPS, why_not_more="the window's largest"),
                     default=41, help=f"number of ε values, 3 to {MAX_EPS_STEPS}")
    sub.add_argument("--clip", action="store_true", help="clip x̃ to [0, 1] (off: clipping bends even a linear model)")

    sub = command("decision-map", cmd_decision_map, "predicted class on the plane of the FGSM direction and a "
                  "random orthogonal sign direction")
    add_model_options(sub, default="mnist-cnn", own_models=True)
    sub.add_argument("--index", type=int, default=0, help=INDEX_HELP)
    sub.add_argument("--extent", type=positive_eps, default=0.5, help="half-width of the plane (> 0), pixel units")
    sub.add_argument("--resolution", type=int_at_least(2, "the plane needs both of its edges",
                                                       maximum=MAX_MAP_RESOLUTION,
                                                       why_not_more="the window's largest: "
                                                                    f"{MAX_MAP_RESOLUTION ** 2:,} points"),
                     default=41, help=f"points per axis, 2 to {MAX_MAP_RESOLUTION}")
    sub.add_argument("--seed", type=seed_value, default=0, help="seed of the random direction, 0 … 2⁶⁴ − 1")
    sub.add_argument("--no-clip", action="store_true", help="do not clip to [0, 1]")

    sub = command("diagnose", cmd_diagnose, "check a model: logits or probabilities, inputs, zero gradients, "
                  "effective ε after clipping")
    add_model_options(sub, default="mnist-cnn", own_models=True)
    sub.add_argument("--eps", type=eps_above_zero("at ε = 0 no pixel moves: there is nothing to diagnose"),
                     help=f"ε of FGSM (> 0), pixel units on [0, 1] {DATASET_EPS_HELP}")
    sub.add_argument("--samples", type=positive_int, default=64, help=SAMPLES_HELP)
    sub.add_argument("--no-clip", action="store_true", help="do not clip to [0, 1]")

    sub = command("adv-train", cmd_adv_train, "train a plain twin and an adversarially trained model "
                  "(J̃ = αJ(x) + (1−α)J(x + ε·sign∇ₓJ)) and compare their FGSM error")
    sub.add_argument("--dataset", choices=["mnist", "fashion"], default="mnist", help="training data")
    sub.add_argument("--architecture", choices=["mlp", "softmax", "maxout", "cnn", "rbf"], default="mlp",
                     help="architecture of both models")
    sub.add_argument("--samples", type=positive_int, default=2000, help="training images")
    sub.add_argument("--epochs", type=int_at_least(1, maximum=MAX_EPOCHS,
                                                   why_not_more="the zoo's models train for 5 to 12"),
                     default=3, help=f"epochs of each model, 1 to {MAX_EPOCHS}")
    sub.add_argument("--alpha", type=float, default=0.5, help="weight of the clean loss in J̃")
    sub.add_argument("--eps", type=eps_value, default=None,
                     help="ε of the adversarial term (default: the paper's, 0.25 for mnist, 0.1 for fashion)")
    sub.add_argument("--learning-rate", type=positive_float, default=1e-3, help="Adam's learning rate")
    sub.add_argument("--validation", type=positive_int, default=500, help="test images for the errors")
    sub.add_argument("--seed", type=seed_value, default=0, help="seed of both models, 0 … 2⁶⁴ − 1")
    sub.add_argument("--output", help="folder for the two weights files (default: a new folder, kept, under "
                                      "$XDG_DATA_HOME/advviz/trained/, ~/.local/share by default)")
