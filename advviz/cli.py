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
    (and linear, linearity, decision-map, diagnose, adv-train: see advviz.cli_explain; models, animate,
    train-zoo and install-desktop are in advviz.cli_zoo)

Tables go to stdout (``--json`` for machine-readable output); every bad input exits non-zero
with a one-line message on stderr, never a traceback. The commands that analyse models also take the
user's own TorchScript and torchvision models (``--kind``, ``--input-size``, ``--images``: see
:func:`advviz.cli_own_models.add_own_model_options`), loaded as the window's dialog loads them.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence

from advviz import __version__
from advviz.cli_common import (
    CommandError, DATASET_EPS_HELP, EXIT_BAD_INPUT, L2_EPS_HELP, MAX_RUBBISH_COUNT, MAX_SWEEP_STEPS,
    add_attack_options, add_device_option, add_model_options, add_sample_options, apply_model_defaults, attack,
    capped, clipping, data_source, dataset_eps, device, emit, load_models, load_one_model, model_names, one_sample,
    progress, samples_title, table, test_samples,
)
from advviz.cli_run import eps_too_large, run
from advviz.cli_types import eps_list, eps_value, int_at_least, positive_int, seed_value
from advviz.cli_zoo import add_commands as add_zoo_commands

PAPER = "Goodfellow, Shlens & Szegedy (2014)"
TEST_SAMPLES_HELP = ("test images used, or labelled images of --images (capped, with a note, at the size of the test "
                     "split or of the folder)")


# -- commands -----------------------------------------------------------------------------------
def cmd_sweep(args: argparse.Namespace) -> None:
    import numpy as np
    import torch

    from advviz.core.linearity import logit_linearity
    from advviz.core.sweep import SweepStart, collect_sweep, eps_grid, summarize, sweep_steps

    model, dataset = load_one_model(args)
    sample, label = one_sample(args, dataset)
    classes = model.class_names
    if args.target is not None and not 0 <= args.target < len(classes):
        raise CommandError(f"--target must be a class in 0…{len(classes) - 1}, got {args.target}")
    attack_labels = torch.tensor([args.target]) if args.target is not None else label
    eps = eps_grid(args.eps_max, args.steps)
    steps = list(sweep_steps(model, sample, attack_labels, eps, attack=attack(args)))
    start = next(step for step in steps if isinstance(step, SweepStart))
    logits = collect_sweep(iter(steps))[:, 0].numpy()
    summary = summarize(eps, logits, start.clean_logits[0])
    # a line through 2 points always fits: R² = 1 there measures nothing (linearity refuses --steps 2 for it)
    r2 = logit_linearity(logits[:, None], eps)[0] if len(eps) >= 3 else None
    target = args.target
    # smallest ε > 0 predicting the target (the grid ascends), as the window's summary reports it
    target_eps = None if target is None else next(
        (e for e, p in zip(eps.tolist(), summary.predictions.tolist()) if e > 0 and p == target), None)
    payload = {
        "model": args.model, "dataset": dataset, "index": args.index, "label": int(label),
        "label_name": classes[int(label)], "clean_prediction": summary.clean_prediction,
        "attack": args.attack, "targeted": target is not None, "target": target,
        "target_name": None if target is None else classes[target], "target_eps": target_eps,
        "clip": not args.no_clip, "eps_max": args.eps_max, "eps": eps.tolist(), "logits": logits.tolist(),
        "predictions": summary.predictions.tolist(), "flip_eps": summary.flip_eps,
        "flip_eps_negative": summary.flip_eps_negative, "r2_per_class": None if r2 is None else r2.tolist(),
        "classes": list(classes),
        "zero_gradient_fraction": start.zero_gradient_fraction,
    }
    if summary.flip_eps is None:
        flip = f"does not flip for 0 < ε ≤ {args.eps_max:g}"
    else:
        flipped = classes[int(summary.predictions[np.argmax(eps >= summary.flip_eps)])]
        flip = f"flips to {flipped} at ε = {summary.flip_eps:.4g}"
    if target is None:
        attack_text = f"{args.attack} {flip}"
    else:  # the window's summary says both: where the prediction flips, and where it reaches the target
        lead, upto = f"targeted {args.attack} towards {classes[target]}", f"0 < ε ≤ {args.eps_max:g}"
        if target == summary.clean_prediction:
            attack_text = f"{lead} (already the clean prediction) {flip}"
        elif target_eps is None and summary.flip_eps is None:
            attack_text = f"{lead} does not flip, nor reach the target, for {upto}"
        elif target_eps is None:
            attack_text = f"{lead} {flip}, but does not reach the target for {upto}"
        elif target_eps == summary.flip_eps:
            attack_text = f"{lead} flips to the target at ε = {target_eps:.4g}"
        else:
            attack_text = f"{lead} {flip}, reaches the target at ε = {target_eps:.4g}"
    if start.zero_gradient_fraction > 0.5:  # as the window's summary says it: flat logits are no robustness
        attack_text += " (the gradient is zero here: sign(0) = 0 does not move x)"
    header = (f"{args.model} on {data_source(args, dataset)} #{args.index}: true {classes[int(label)]}, "
              f"clean prediction {classes[summary.clean_prediction]}; {attack_text}; {clipping(args)}; "
              + (f"mean R² of the logits along ε: {r2.mean():.4f}" if r2 is not None else
                 "R² of the logits along ε: — (a line through 2 values of ε always fits)"))
    rows = [[float(e), classes[int(p)], *map(float, row)] for e, p, row in zip(eps, summary.predictions, logits)]
    emit(args, payload, header + "\n" + table(["ε", "prediction", *[f"logit {c}" for c in classes]], rows))


def cmd_transfer(args: argparse.Namespace) -> None:
    import numpy as np

    from advviz.core.transfer import transfer_matrix

    names = model_names(args)  # at least two: counted while parsing
    models, dataset = load_models(args, names)
    x, y = test_samples(args, dataset)
    dataset_eps(args, dataset)
    result = transfer_matrix(models, x, y, args.eps, attack=attack(args), names=names)
    payload = {"models": names, "eps": args.eps, "samples": len(x), "attack": args.attack, "clip": not args.no_clip,
               "error": result.error.tolist(), "confidence": result.confidence.tolist(),
               "agreement": result.agreement.tolist()}
    blocks = []
    for title, matrix, undefined in (
            ("error rate of target on source's examples", result.error, ""),
            ("mean confidence of target's wrong answers", result.confidence, "the target made no wrong answers"),
            ("same wrong class as source (where both wrong)", result.agreement,
             "source and target were never both wrong")):
        # a mean over no examples is undefined: "—", not a 0.0% that reads as a measurement
        rows = [[f"{source} →", *[f"{100 * v:.1f}%" if np.isfinite(v) else "—" for v in matrix[i]]]
                for i, source in enumerate(names)]
        note = f"\n— = undefined: {undefined}" if undefined and not np.isfinite(matrix).all() else ""
        blocks.append(f"{title} (row = source, column = target), {args.attack} ε = {args.eps}, "
                      f"{clipping(args)}, {len(x)} samples\n" + table(["source \\ target", *names], rows) + note)
    emit(args, payload, "\n\n".join(blocks))


def cmd_robustness(args: argparse.Namespace) -> None:
    import numpy as np

    from advviz.core.robustness import robustness

    model, dataset = load_one_model(args)
    x, y = test_samples(args, dataset)
    curve = robustness(model, x, y, args.eps, attack=attack(args))
    payload = {"model": args.model, "attack": args.attack, "clip": not args.no_clip, "samples": len(x),
               "eps": curve.eps.tolist(),
               "error": curve.error.tolist(), "confidence": curve.confidence.tolist()}
    # a mean over no wrong answers is undefined: "—" as in transfer's tables (it printed "nan%")
    text = table(["ε", "error", "mean confidence on errors"],
                 [[float(e), f"{100 * err:.2f}%", f"{100 * conf:.2f}%" if np.isfinite(conf) else "—"]
                  for e, err, conf in zip(curve.eps, curve.error, curve.confidence)])
    if not np.isfinite(curve.confidence).all():
        text += "\n— = undefined: no wrong answers at this ε"
    emit(args, payload, f"{args.model}, {args.attack}, {clipping(args)}, {samples_title(args, dataset, len(x))}\n"
                        + text)


def cmd_rubbish(args: argparse.Namespace) -> None:
    from advviz.core.rubbish import rubbish_probe

    names = model_names(args)
    models, _ = load_models(args, names)
    rows, payload = [], []
    for name, model in zip(names, models):
        result = rubbish_probe(model, count=args.count, distribution=args.distribution, seed=args.seed)
        rows.append([name, f"{100 * result.confident_fraction:.2f}%", f"{100 * result.mean_confidence:.2f}%"])
        payload.append({"model": name, "confident_fraction": result.confident_fraction,
                        "mean_confidence": result.mean_confidence})
    emit(args, {"distribution": args.distribution, "count": args.count, "models": payload},
         f"{args.count} {args.distribution} inputs\n" + table(["model", "confidence > 0.5", "mean confidence"], rows))


def cmd_reproduce(args: argparse.Namespace) -> None:
    from advviz.core.data import load_dataset
    from advviz.core.paper import reproduce_steps

    samples = capped(args, "--samples", args.samples, len(load_dataset("mnist", "test")[1]), "the mnist test split")
    rows = []
    clip = not args.no_clip
    for index, total, row in reproduce_steps(samples=samples, device=device(args), clip=clip):
        rows.append(row)
        progress(f"[{index}/{total}] {row.experiment} ({row.model})")
    progress("", done=True)
    def shown(value: float) -> str:
        return f"{value:.1f}"

    # the difference of the numbers shown (88.8 − 89.4 = −0.6; from the unrounded 88.75 it printed −0.7)
    text = table(["experiment", "model", "metric", "paper", "advviz", "difference"],
                 [[r.experiment, r.model, r.metric, shown(r.paper), shown(r.ours),
                   f"{float(shown(r.ours)) - float(shown(r.paper)):+.1f}"] for r in rows])
    payload = {"samples": samples, "clip": clip, "rows": [r.__dict__ for r in rows]}
    clipped = "x̃ clipped to [0, 1], the paper's unclipped" if clip else "unclipped, as in the paper"
    emit(args, payload, f"{PAPER}, MNIST, FGSM ε = 0.25 ({clipped}), {samples} test "
                        f"sample{'' if samples == 1 else 's'}\n" + text)


def cmd_gui(args: argparse.Namespace) -> int:
    from pathlib import Path

    session = getattr(args, "gui_session", None) or getattr(args, "session", None)
    if session and not Path(session).is_file():
        problem = (f"{session} is a folder, not a session file" if Path(session).is_dir()
                   else f"session file not found: {session}")
        print(f"advviz: error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from advviz.gui.app import main as gui_main, platform_problem

    problem = platform_problem()  # no display, or Qt's X11 plugin lacks a system library
    if problem:
        print(f"advviz: error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT

    return gui_main([], session=session)


# -- parser -------------------------------------------------------------------------------------
class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each default once: a hand-written "(default: …)" (which can say more than the value) wins, and an
    unset option (None) or an off switch (False) adds nothing."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        # whole model names on a line: "fashion-\nmlp" is no name
        return textwrap.wrap(self._whitespace_matcher.sub(" ", text).strip(), width, break_on_hyphens=False)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "(default:" in text or action.default is None or action.default is False:
            return text
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """Bad arguments give one line on stderr (and exit 2), not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="advviz", description=f"See adversarial examples — {PAPER}, 'Explaining and "
                                                 "Harnessing Adversarial Examples'. With no command, open the window.",
                     formatter_class=_HelpFormatter)
    parser.add_argument("--session", metavar="FILE", help="open a saved session (JSON) in the window")
    parser.add_argument("--version", action="version", version=f"advviz {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="command", parser_class=_Parser)

    def command(name: str, handler: Callable, help_text: str, *, json_output: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, formatter_class=_HelpFormatter)
        sub.set_defaults(handler=handler, json=False, command_parser=sub)  # main() refuses extras in its name
        if json_output:
            sub.add_argument("--json", action="store_true", help="machine-readable output")
        return sub

    sub = command("gui", cmd_gui, "open the desktop window (also: advviz with no command)", json_output=False)
    # `advviz gui --session FILE` as well as `advviz --session FILE` (it was refused: "unrecognized arguments")
    sub.add_argument("--session", dest="gui_session", metavar="FILE", help="open a saved session (JSON)")
    sub.add_argument("--version", action="version", version=f"advviz {__version__}")  # advviz-gui --version
    sub = command("sweep", cmd_sweep, "logits along x + ε·d for ε in −ε_max…+ε_max")
    add_model_options(sub, default="mnist-cnn", own_models=True)
    add_sample_options(sub, steps=201, steps_help=f"number of ε values from −ε_max to +ε_max, 2 to {MAX_SWEEP_STEPS}",
                       steps_why="the sweep runs from −ε_max to +ε_max", max_steps=MAX_SWEEP_STEPS,
                       max_why="a finer ε grid adds rows, not detail")
    add_attack_options(sub)

    sub = command("transfer", cmd_transfer, "transfer matrices between models (row = source, column = target)")
    add_model_options(sub, default="mnist-softmax,mnist-mlp,mnist-cnn", several=True, minimum=2,
                      why="a transfer goes from one model to another", own_models=True)
    sub.add_argument("--eps", type=eps_value,
                     help=f"ε of the attack, pixel units on [0, 1]; {L2_EPS_HELP} {DATASET_EPS_HELP}")
    sub.add_argument("--samples", type=positive_int, default=2000, help=TEST_SAMPLES_HELP)
    add_attack_options(sub)

    sub = command("robustness", cmd_robustness, "error rate and confidence on wrong answers per ε")
    add_model_options(sub, default="mnist-cnn", own_models=True)
    # a string default goes through eps_list too, and --help shows it as it is typed
    sub.add_argument("--eps", type=eps_list, default="0,0.05,0.1,0.25",
                     help=f"comma-separated values of ε (default: 0,0.05,0.1,0.25), pixel units on [0, 1]; "
                          f"{L2_EPS_HELP}")
    sub.add_argument("--samples", type=positive_int, default=2000, help=TEST_SAMPLES_HELP)
    add_attack_options(sub)

    sub = command("rubbish", cmd_rubbish, "share of rubbish inputs (N(0, I) or uniform) classified with confidence > .5")
    add_model_options(sub, default="mnist-softmax,mnist-maxout,mnist-rbf", several=True, own_models=True)
    sub.add_argument("--count", type=int_at_least(1, maximum=MAX_RUBBISH_COUNT,
                                                  why_not_more="it gives the confident share to ±0.3 %"),
                     default=10000, help=f"rubbish inputs per model, 1 to {MAX_RUBBISH_COUNT:,}")
    sub.add_argument("--distribution", choices=["gaussian", "uniform"], default="gaussian",
                     help="N(0, I) (the paper's) or uniform on [0, 1]")
    sub.add_argument("--seed", type=seed_value, default=0, help="seed of the rubbish inputs, 0 … 2⁶⁴ − 1")

    sub = command("reproduce", cmd_reproduce, "the paper's headline MNIST numbers next to ours")
    sub.add_argument("--samples", type=positive_int, default=2000, help=TEST_SAMPLES_HELP)
    sub.add_argument("--no-clip", action="store_true", help="leave x̃ unclipped, as the paper did (default: "
                     "clipped to [0, 1], the valid range)")
    add_device_option(sub)

    add_zoo_commands(command)  # models, animate, install-desktop, train-zoo
    from advviz.cli_explain import add_commands  # linear, linearity, decision-map, diagnose, adv-train

    add_commands(command)
    return parser


def negative_values_attached(argv: Sequence[str]) -> list[str]:
    """``--eps -0.1,0,0.1`` as ``--eps=-0.1,0,0.1``: argparse takes a value starting with "-" that is not a plain
    number for an option, and said "expected one argument" instead of what is wrong with the value."""
    words, index = [], 0
    while index < len(argv):
        option, value = argv[index], argv[index + 1] if index + 1 < len(argv) else ""
        if option.startswith("--") and "=" not in option and re.fullmatch(r"-[\d.][\d.,eE+-]*", value):
            words.append(f"{option}={value}")
            index += 2
        else:
            words.append(option)
            index += 1
    return words


def main(argv: Sequence[str] | None = None) -> int:
    prog = "advviz"
    try:  # Ctrl+C while torch loads (the first seconds) is an interruption too, not a traceback
        parser = build_parser()
        args, extra = parser.parse_known_args(negative_values_attached(sys.argv[1:] if argv is None else argv))
        if extra:  # told by the command's parser: "advviz: … (see advviz --help)" named neither it nor its options
            getattr(args, "command_parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
        apply_model_defaults(args)
        if args.command in (None, "gui"):  # the window paints before torch loads: not through run()
            return cmd_gui(args)
        prog = f"advviz {args.command}"
        if args.session and args.command != "gui":
            print(f"{prog}: error: --session opens the window; it does not go with a command", file=sys.stderr)
            return EXIT_BAD_INPUT
        too_large = eps_too_large(args)
        if too_large:  # before torch loads, like the bounds argparse checks
            print(f"{prog}: error: {too_large} (see {prog} --help)", file=sys.stderr)
            return EXIT_BAD_INPUT
        return run(args, prog)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
