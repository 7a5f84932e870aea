"""Shared helpers of the benchmarks: interleaved median timing, multiply-add counts, the GEMM rate.

Timings on a shared machine are noisy, so peers are measured *in the same run*, interleaved
round by round (each round runs every peer once, in a rotating order), and the median is reported.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install


def synchronize() -> None:
    """Wait for queued CUDA work (a no-op where CUDA was never used)."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def interleaved_medians(peers: dict[str, Callable[[], object]], *, reps: int, warmup: int = 1) -> dict[str, float]:
    """Median seconds per call of each peer: ``warmup`` untimed calls each, then ``reps`` rounds."""
    for fn in peers.values():
        for _ in range(warmup):
            fn()
            synchronize()
    times: dict[str, list[float]] = {name: [] for name in peers}
    names = list(peers)
    for round_index in range(reps):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            peers[name]()
            synchronize()  # a GPU peer's queued kernels count as its own time
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def cnn_setup(args: argparse.Namespace) -> tuple[nn.Module, torch.Tensor, torch.Tensor, int]:
    """The shipped mnist-cnn, the MNIST test split and the peers' thread count on ``args.device`` (the machine and
    advviz's thread policy printed): what the sweep benchmarks start from."""
    from advviz.core.data import load_dataset
    from advviz.core.zoo import load_model

    model = load_model("mnist-cnn", device=args.device)
    x_all, y_all = (t.to(args.device) for t in load_dataset("mnist", "test"))
    print(machine(args.device))
    threads = calibrated_threads(model, x_all)
    peer_threads = torch.get_num_threads() if args.default_threads else threads
    print(f"advviz's policy for mnist-cnn: {threads} thread(s); peers run with {peer_threads}")
    return model, x_all, y_all, peer_threads


def at_threads(threads: int, fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` run with torch's thread count set to ``threads`` (a peer runs at the count advviz chose)."""
    from advviz.core import batching

    def run() -> object:
        with batching._threads(threads):
            return fn()
    return run


def calibrated_threads(model: nn.Module, x: torch.Tensor) -> int:
    """Calibrate advviz's batching policy for ``model`` (one large forward) and return its thread count.

    Peers run with the same thread count, so ratios compare the libraries, not OpenMP contention.
    """
    from advviz.core import batching

    batching.forward(model, x)
    return batching._policy(model, tuple(x.shape[1:]), total=len(x)).threads


def multiply_adds(model: nn.Module, sample: torch.Tensor) -> tuple[int, list[str]]:
    """Multiply-adds of one forward of one image, counted with forward hooks.

    Conv2d: output elements × (in_channels / groups × kernel area); Linear: output elements × in_features.
    Layers that are neither but do GEMM-equivalent work (the RBF layer: ‖β⊙(x−μ)‖² = Σβx² − 2Σβμx + c,
    two products with a features × classes matrix) are counted as such and named in the notes.
    Elementwise work (normalization, ReLU, pooling, max of maxout pieces) is not counted.
    """
    total = 0
    notes: list[str] = []

    def conv_hook(module: nn.Conv2d, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        kernel = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        total += output[0].numel() * kernel

    def linear_hook(module: nn.Linear, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        total += output[0].numel() * module.in_features

    def rbf_hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        classes, features = module.centres.shape
        total += 2 * classes * features
        notes.append(f"{type(module).__name__} counted as 2×{features}×{classes} (its GEMM form)")

    handles = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
        elif hasattr(module, "centres") and hasattr(module, "log_precision"):
            handles.append(module.register_forward_hook(rbf_hook))
    try:
        with torch.inference_mode():
            model(sample[:1])
    finally:
        for handle in handles:
            handle.remove()
    return total, notes


GEMM_SIZE, GEMM_LOOPS = 1024, 8
CUDA_GEMM_SIZE, CUDA_GEMM_LOOPS = 8192, 4  # a GPU reaches its rate only on large products: ~0.1 s at 50 TFLOP/s
GEMM_FLOP: dict[str, int] = {}  # FLOP per call of each gemm peer, by name


def gemm_peers(device: torch.device | str = "cpu") -> dict[str, Callable[[], object]]:
    """Peers for :func:`interleaved_medians` that time a float32 matmul loop: on a CPU 1024² at 1 thread
    and at torch's budget, on a GPU 8192² (TF32 off, as in the models' float32 forwards). Rate =
    ``GEMM_FLOP[name]`` / median. Interleaved with the work they bound, so the limit sees the same
    machine load. Under load one thread can beat two (OpenMP barriers wait for a descheduled thread),
    so the limit uses whichever is faster: the machine's best.
    """
    if torch.device(device).type == "cuda":
        a, b = (torch.randn(CUDA_GEMM_SIZE, CUDA_GEMM_SIZE, device=device) for _ in range(2))
        out = torch.empty_like(a)
        GEMM_FLOP["gemm-cuda"] = CUDA_GEMM_LOOPS * 2 * CUDA_GEMM_SIZE ** 3

        def on_gpu() -> None:
            for _ in range(CUDA_GEMM_LOOPS):
                torch.mm(a, b, out=out)
        return {"gemm-cuda": on_gpu}
    a, b = torch.randn(GEMM_SIZE, GEMM_SIZE), torch.randn(GEMM_SIZE, GEMM_SIZE)
    out = torch.empty(GEMM_SIZE, GEMM_SIZE)
    budget = torch.get_num_threads()
    peers = {}
    for threads in sorted({1, budget}):
        def loop(threads: int = threads) -> None:
            torch.set_num_threads(threads)
            try:
                for _ in range(GEMM_LOOPS):
                    torch.mm(a, b, out=out)
            finally:
                torch.set_num_threads(budget)

        peers[f"gemm-{threads}t"] = loop
        GEMM_FLOP[f"gemm-{threads}t"] = GEMM_LOOPS * 2 * GEMM_SIZE ** 3
    return peers


def gemm_rate_of(times: dict[str, float]) -> float:
    """Best GEMM rate (FLOP/s) among the gemm peers' medians."""
    return max(GEMM_FLOP[key] / value for key, value in times.items() if key in GEMM_FLOP)


def machine(device: torch.device | str = "cpu") -> str:
    """CPU model, cores, torch version, thread budget; and the GPU, when the benchmark runs on one."""
    name = platform.processor() or "unknown CPU"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in lscpu.splitlines():
            if line.lower().startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = "n/a"
    if hasattr(os, "getloadavg"):
        load = f"{os.getloadavg()[0]:.1f}"
    line = (f"CPU: {name}, {cores} cores (load average {load}); torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads")
    if torch.device(device).type == "cuda":
        properties = torch.cuda.get_device_properties(device)
        line += (f"\nGPU: {properties.name}, {properties.total_memory / 2 ** 30:.0f} GiB, "
                 f"{properties.multi_processor_count} multiprocessors; CUDA {torch.version.cuda}")
    return line


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    line = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    print(line.format(*headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row))


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def ratio(value: float) -> str:
    return f"{value:.2f}×"


def bench_arguments(doc: str) -> argparse.Namespace:
    """The options every benchmark takes (--quick, --default-threads, --device); also seeds torch and silences
    the peers' UserWarnings so the tables stay readable."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--default-threads", action="store_true",
                        help="run the peers at torch's thread budget, not at the count advviz measured")
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]: where models, inputs and peers run")
    args = parser.parse_args()
    from advviz.core.device import resolve_device

    device, refused = resolve_device(args.device)  # on a GPU: IEEE float32 from here on, as in the app
    if refused:
        parser.error(refused.split(";")[0])
    args.device = device
    warnings.filterwarnings("ignore", category=UserWarning)
    torch.manual_seed(0)
    return args
