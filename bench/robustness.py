"""Benchmark the robustness curve (paper §4–6 metrics) and the memory of a large transfer matrix.

    python bench/robustness.py          # ~1 minute on a 2-core CPU
    python bench/robustness.py --quick

* advviz       — ``advviz.core.robustness.robustness(mnist-cnn, 2,000 samples, 10 ε)``: one chunked
  gradient for all ε, then chunked forwards.
* torchattacks — ``torchattacks.FGSM(model, eps=e)`` per ε on all samples, plus a forward each; run with
  the thread count advviz measured for the model (``--default-threads``: torch's budget).
* peak RSS     — ``resource.getrusage`` of a child process that computes a transfer matrix over 10,000
  samples (``load_dataset("mnist", "all")``) × 5 shipped models, against the same child stopped right
  after loading data and models (the floor: Python, torch, data, weights). Target < 2 GB.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

import _common  # noqa: F401  (puts the checkout on sys.path)
from _common import bench_arguments, calibrated_threads, interleaved_medians, machine, print_table, ratio, seconds

from advviz.core import batching
from advviz.core.data import load_dataset
from advviz.core.robustness import robustness
from advviz.core.zoo import load_model

EPS = np.linspace(0.0, 0.3, 10).tolist()
SAMPLES = 2000
MODELS = ("mnist-softmax", "mnist-mlp", "mnist-maxout", "mnist-cnn", "mnist-rbf")

CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
import torch
from advviz.core.data import load_dataset
from advviz.core.transfer import transfer_matrix
from advviz.core.zoo import load_model
x, y = load_dataset("mnist", "all")
x, y = x[:10000], y[:10000]
models = [load_model(name, device={device!r}) for name in {models!r}]
if {run}:
    result = transfer_matrix(models, x, y, 0.25)
gpu = torch.cuda.max_memory_allocated() if torch.cuda.is_initialized() else 0
hwm = 0
try:  # this process's own high-water mark (new at exec)
    with open("/proc/self/status") as status:
        hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
print(len(x), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, hwm, gpu)  # KiB on Linux; bytes
"""


def torchattacks_curve(model, x, y, eps: list[float]) -> list[float]:
    import torchattacks

    errors = []
    for value in eps:
        adversarial = torchattacks.FGSM(model, eps=value)(x, y)
        with torch.no_grad():
            errors.append(float((model(adversarial).argmax(1) != y).float().mean()))
    return errors


def peak_rss(run: bool, device: torch.device) -> tuple[int, float, float, float]:
    """(samples, ru_maxrss MiB, VmHWM MiB, peak GPU memory allocated MiB) of a child process.

    Run these first, while this process is small: Linux carries ``ru_maxrss`` over ``exec``, so a
    child of a large parent reports at least the parent's size. ``VmHWM`` is the child's own.
    """
    root = str(Path(__file__).resolve().parents[1])
    code = CHILD.format(root=root, models=MODELS, run=run, device=str(device))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    samples, maxrss, hwm, gpu = out.split()[-4:]
    return int(samples), int(maxrss) / 1024, (int(hwm) or int(maxrss)) / 1024, int(gpu) / 2 ** 20


def main() -> None:
    args = bench_arguments(__doc__)
    samples, floor_maxrss, floor_hwm, floor_gpu = peak_rss(run=False, device=args.device)
    _, peak_maxrss, peak_hwm, peak_gpu = peak_rss(run=True, device=args.device)
    x_all, y_all = load_dataset("mnist", "test")
    x, y = x_all[:SAMPLES].to(args.device), y_all[:SAMPLES].to(args.device)
    model = load_model("mnist-cnn", device=args.device)
    print(machine(args.device))
    chosen = calibrated_threads(model, x)
    threads = torch.get_num_threads() if args.default_threads else chosen
    print(f"advviz's policy for mnist-cnn: {chosen} thread(s); torchattacks runs with {threads}")

    ours = robustness(model, x, y, EPS).error
    theirs = np.array(torchattacks_curve(model, x, y, EPS))
    print(f"largest |error difference| advviz vs torchattacks: {np.abs(ours - theirs).max():.4f}")

    def peer() -> None:
        with batching._threads(threads):
            torchattacks_curve(model, x, y, EPS)

    times = interleaved_medians({
        "advviz": lambda: robustness(model, x, y, EPS),
        "torchattacks": peer,
    }, reps=2 if args.quick else 3, warmup=0)  # both ran above (the agreement check)

    print()
    print_table(["case", "advviz", "torchattacks", "ta/adv"],
                [[f"mnist-cnn, {SAMPLES} samples × {len(EPS)} ε", seconds(times["advviz"]),
                  seconds(times["torchattacks"]), ratio(times["torchattacks"] / times["advviz"])]])
    print()
    gpu = args.device.type == "cuda"
    print_table(["peak memory of a child process", "ru_maxrss MiB", "VmHWM MiB"] + ["GPU allocated MiB"] * gpu, [
        [f"after loading data + {len(MODELS)} models", f"{floor_maxrss:.0f}", f"{floor_hwm:.0f}"]
        + [f"{floor_gpu:.0f}"] * gpu,
        [f"transfer matrix, {samples} samples × {len(MODELS)} models", f"{peak_maxrss:.0f}", f"{peak_hwm:.0f}"]
        + [f"{peak_gpu:.0f}"] * gpu,
    ])
    peak = max(peak_maxrss, peak_hwm)
    print(f"\ntarget: peak RSS < 2 GB ({'met' if peak * 2 ** 20 < 2e9 else 'missed'}: {peak:.0f} MiB)")


if __name__ == "__main__":
    main()
