"""Benchmark ImageNet-sized models (torchvision, untrained: nothing is downloaded) in float32, bfloat16
and float16 forwards: an FGSM ε-sweep against torchattacks' per-ε loop, and a transfer matrix.

    python bench/large_models.py --device cuda          # 16 images × 21 ε; 3 models × 256 images
    python bench/large_models.py --quick                # on a CPU (minutes): 1 image × 3 ε; 2 models × 4 images

* advviz       — ``fgsm_sweep`` (one float32 gradient, forwards in the model's precision via
  ``set_forward_precision``) and ``transfer_matrix``.
* torchattacks — ``torchattacks.FGSM(model, eps=e)`` per ε plus a forward each, in float32 (its gradient
  per ε is the work advviz saves; it has no reduced-precision forwards).
* drift        — ``precision_report`` of each reduced precision on the sweep's images: the largest
  logit difference from float32 and the share of unchanged predictions.
Inputs are uniform noise in [0, 1] with random labels: the timings and the drift are what is measured,
not accuracy. On a GPU the peak memory allocated is reported too.
"""

from __future__ import annotations

import torch

import _common  # noqa: F401  (puts the checkout on sys.path)
from _common import bench_arguments, interleaved_medians, machine, print_table, seconds

from advviz.core.precision import set_forward_precision
from advviz.core.precision import precision_report
from advviz.core.sweep import eps_grid, fgsm_sweep
from advviz.core.transfer import transfer_matrix
from advviz.core.user_models import torchvision_model

SWEPT = "resnet50"
TRANSFER = ("resnet18", "mobilenet_v3_small", "resnet50")
EPS_MAX = 8 / 255
PRECISIONS = ("float32", "bfloat16", "float16")


def torchattacks_sweep(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: list[float]) -> None:
    import torchattacks

    for value in eps:
        adversarial = torchattacks.FGSM(model, eps=value)(x, y)
        with torch.no_grad():
            model(adversarial)


def main() -> None:
    args = bench_arguments(__doc__)
    gpu = args.device.type == "cuda"
    batch, steps, samples = (16, 21, 256) if gpu else (1, 3, 4)  # a CPU takes seconds per resnet50 gradient
    names = TRANSFER if gpu else TRANSFER[:2]
    print(machine(args.device))
    models = {name: torchvision_model(name, device=args.device) for name in dict.fromkeys((SWEPT, *names))}
    x = torch.rand(samples, 3, 224, 224)
    y = torch.randint(0, 1000, (samples,))
    eps = eps_grid(EPS_MAX, steps)
    swept = models[SWEPT]
    rows = []
    reps = 1 if args.quick else 3
    for precision in PRECISIONS:
        for model in models.values():
            set_forward_precision(model, precision)
        if gpu:
            torch.cuda.reset_peak_memory_stats()
        peers = {
            "sweep": lambda: fgsm_sweep(swept, x[:batch], y[:batch], eps),
            "transfer": lambda: transfer_matrix([models[n] for n in names], x, y, 4 / 255),
        }
        if precision == "float32":
            x_dev, y_dev = x[:batch].to(args.device), y[:batch].to(args.device)
            peers["torchattacks"] = lambda: torchattacks_sweep(swept, x_dev, y_dev, eps.tolist())
        times = interleaved_medians(peers, reps=reps)
        drift = "—" if precision == "float32" else (
            lambda r: f"{r.max_logit_difference:.3g} · {100 * r.prediction_agreement:.0f} %")(
            precision_report(swept, x[:batch], dtype=precision))
        memory = f"{torch.cuda.max_memory_allocated() / 2 ** 30:.1f} GiB" if gpu else "—"
        rows.append([precision, seconds(times["sweep"]), seconds(times["transfer"]),
                     seconds(times["torchattacks"]) if "torchattacks" in times else "", drift, memory])
    print()
    print_table(["forwards", f"sweep {SWEPT} {batch}×{steps}", f"transfer {len(names)}×{samples}",
                 "torchattacks sweep", "max |Δ logit| · same prediction", "peak GPU memory"], rows)
    print("\ngradients are float32 in every row; torchattacks runs float32 only")


if __name__ == "__main__":
    main()
