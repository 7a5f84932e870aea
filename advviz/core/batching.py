"""The one place that runs models over many inputs: chunked, under inference mode.

On a CPU, batch size matters more than anything: one forward of 5,376 MNIST images through a
small CNN took 3.3 s in one batch and 0.38 s in chunks of 64 (channels_last). Every job — sweep,
transfer, robustness, decision map, rubbish probe — calls :func:`forward_chunks` or
:func:`input_gradient`, so the chunk policy, thread count, memory format and out-of-memory handling
live here only.

The chunk size for a model kind (architecture, parameter sizes, input shape, device, thread budget)
is measured once and cached. On a CPU the thread count is chosen online: whether one thread beats
torch's budget depends on the load from other processes — on a busy machine often "yes, by 5×", as
OpenMP's barriers wait for a thread the kernel has descheduled, once per operator per chunk — so
every chunk is timed and the other count is tried now and then (:class:`_ThreadChooser`). The count
is set around each piece of work and restored before control returns to the caller, so the
process-wide budget is untouched.

What runs each chunk — the model, its reduced-precision copy or its frozen oneDNN graph — is
:mod:`advviz.core.runners`' choice.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import torch
from torch import nn

from advviz.core import outputs
from advviz.core.device import thread_budget
from advviz.core.precision import forward_precision
from advviz.core.runners import is_convolutional, probe_inputs, runner

DEFAULT_CHUNK = {"cpu": 64, "cuda": 1024}
CALIBRATE_ABOVE = 1024  # inputs; smaller jobs use the default rather than pay for a measurement
CPU_CHUNKS = (32, 64, 128, 256)
# Dense models on small inputs are cheap per input and their GEMMs grow more efficient with rows:
# maxout, 2,000 inputs, 32 ms in chunks of 1,024 against 44 ms in chunks of 256.
CPU_DENSE_CHUNKS = (64, 256, 1024)
SMALL_INPUT = 4096  # values per input (CIFAR's 3,072 included): a probe of 2,048 such inputs is ≤ 32 MB
CUDA_CHUNKS = (256, 1024, 4096)
# Large inputs on a GPU (ImageNet's 3×224×224): smaller chunks, and a probe of at most 256 MB of inputs —
# a probe of 8,192 such images would be 4.9 GB, more than many GPUs hold beside the model.
CUDA_LARGE_CHUNKS = (16, 64, 256)
CUDA_PROBE_BYTES = 256 * 2 ** 20
PROBE_ITEMS = 384  # inputs per timed pass of the calibration (CPU, convolutional)
_T = TypeVar("_T")


@dataclass(frozen=True)
class ChunkPolicy:
    """How to run one model kind: inputs per forward, and intra-op threads (CPU only)."""

    chunk: int
    threads: int


_policy_cache: dict[tuple, ChunkPolicy] = {}
_provisional: dict[tuple, ChunkPolicy] = {}  # default chunk, measured threads: for small jobs


def model_device(model: nn.Module) -> torch.device:
    for tensor in model.parameters():
        return tensor.device
    return torch.device("cpu")


def _memory_format(model: nn.Module, x: torch.Tensor) -> torch.memory_format:
    """channels_last for convolutional models on image batches: faster on CPU and on tensor cores."""
    return torch.channels_last if x.dim() == 4 and is_convolutional(model) else torch.contiguous_format


def _model_key(model: nn.Module, sample_shape: tuple[int, ...], device: torch.device,
               precision: str = "float32") -> tuple:
    """A model kind: its layers, parameter sizes, input shape, device type and forwards' precision (a
    chunk that fits in bfloat16 may not in float32, which needs twice the memory)."""
    layers = tuple(type(m).__name__ for m in model.modules())
    sizes = tuple(p.numel() for p in model.parameters())
    return (layers, sizes, sample_shape, device.type, precision)


@contextmanager
def _threads(count: int) -> Iterator[None]:
    """Run the block with ``count`` intra-op threads, then restore the budget (a no-op when equal)."""
    budget = thread_budget()
    count = count if count >= 1 else budget
    if count == torch.get_num_threads():
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(budget)


# -- the chunk policy ---------------------------------------------------------------------------

def _time_pass(run: Callable[[torch.Tensor], torch.Tensor], probe: torch.Tensor, chunk: int, threads: int,
               device: torch.device, *, repeats: int = 1, give_up: float = float("inf")) -> float:
    """Seconds for one pass over ``probe`` in chunks (best of ``repeats``); ``inf`` once past ``give_up``
    or when a chunk runs out of memory (a chunk size that does not fit is not a candidate)."""
    best = float("inf")
    try:
        with _threads(threads), torch.inference_mode():
            run(probe[:chunk])  # warm-up: allocator, kernels, oneDNN primitives for this shape
            if device.type == "cuda":
                torch.cuda.synchronize(device)  # the warm-up's queued kernels are not the first pass's time
            for _ in range(repeats):
                start = time.perf_counter()
                for begin in range(0, len(probe), chunk):
                    run(probe[begin: begin + chunk])
                    if time.perf_counter() - start > give_up:
                        return float("inf")
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                best = min(best, time.perf_counter() - start)
    except torch.cuda.OutOfMemoryError:
        _release_cuda_memory(device)
        return float("inf")
    return best


def _release_cuda_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()


def chunk_candidates(model: nn.Module, sample_shape: tuple[int, ...], device: torch.device
                     ) -> tuple[tuple[int, ...], int]:
    """The chunk sizes the calibration times for this model kind, and the inputs of its probe."""
    if device.type != "cpu":
        if math.prod(sample_shape) <= SMALL_INPUT:
            return CUDA_CHUNKS, max(CUDA_CHUNKS) * 2
        items = max(CUDA_LARGE_CHUNKS[0], CUDA_PROBE_BYTES // (4 * math.prod(sample_shape)))
        return tuple(c for c in CUDA_LARGE_CHUNKS if c <= items), items
    if is_convolutional(model) or math.prod(sample_shape) > SMALL_INPUT:
        return CPU_CHUNKS, PROBE_ITEMS
    return CPU_DENSE_CHUNKS, 2 * max(CPU_DENSE_CHUNKS)


def _measure_policy(run: Callable[[torch.Tensor], torch.Tensor], model: nn.Module,
                    sample_shape: tuple[int, ...], device: torch.device) -> ChunkPolicy:
    """Pick the fastest thread count (CPU), then the fastest chunk size, by timing forwards.

    About a dozen passes over a few hundred inputs: 0.2–0.7 s for the zoo's CNN on two cores.
    """
    budget = thread_budget()
    candidates, items = chunk_candidates(model, sample_shape, device)
    try:
        probe = probe_inputs(items, sample_shape, device)
        probe = probe.contiguous(memory_format=_memory_format(model, probe))
    except torch.cuda.OutOfMemoryError:  # large inputs on a small GPU: the smallest candidate, halved as needed
        _release_cuda_memory(device)
        return ChunkPolicy(candidates[0], budget)
    threads = budget
    if device.type == "cpu" and budget > 1:
        middle = candidates[len(candidates) // 2]
        one = _time_pass(run, probe, middle, 1, device, repeats=2)
        many = _time_pass(run, probe, middle, budget, device, repeats=2, give_up=1.5 * one)
        threads = 1 if one <= many else budget
    best, best_time = candidates[0], float("inf")  # none fits: the smallest, and forwards halve it further
    for chunk in candidates:
        elapsed = _time_pass(run, probe, chunk, threads, device, give_up=1.5 * best_time)
        if elapsed < best_time:
            best, best_time = chunk, elapsed
    return ChunkPolicy(best, threads)


def _measure_threads(run: Callable[[torch.Tensor], torch.Tensor], model: nn.Module,
                     sample_shape: tuple[int, ...], device: torch.device) -> ChunkPolicy:
    """The default chunk with the faster thread count, timed on two chunks (CPU; else the budget)."""
    budget, chunk = thread_budget(), DEFAULT_CHUNK.get(device.type, 256)
    if device.type != "cpu":
        return ChunkPolicy(min(chunk, max(chunk_candidates(model, sample_shape, device)[0])), budget)
    if budget == 1:
        return ChunkPolicy(chunk, budget)
    probe = probe_inputs(2 * chunk, sample_shape, device)
    probe = probe.contiguous(memory_format=_memory_format(model, probe))
    one = _time_pass(run, probe, chunk, 1, device, repeats=2)
    many = _time_pass(run, probe, chunk, budget, device, repeats=2, give_up=1.5 * one)
    return ChunkPolicy(chunk, 1 if one <= many else budget)


class _ThreadChooser:
    """Online choice between one thread and the budget, by measured seconds per input.

    The load from other processes changes by the minute, and with it which count is faster (by up
    to 7× for the zoo's CNN on two busy cores), so a count measured once goes stale. Each chunk is
    timed; now and then one runs with the other count. The exploration interval grows with how much
    slower the other count was (16 × the ratio, up to 256 chunks), so exploring costs ≤ 1/16 of the time.
    """

    EXPLORE_EVERY, EXPLORE_MAX, SMOOTHING = 16, 256, 0.3

    def __init__(self, preferred: int, budget: int) -> None:
        self.options = sorted({1, budget})
        self.preferred = preferred if preferred in self.options else budget
        self.cost: dict[int, float | None] = {threads: None for threads in self.options}
        self.since_explore = 0

    def pick(self) -> int:
        if len(self.options) == 1:
            return self.options[0]
        best = self.preferred
        other = next(t for t in self.options if t != best)
        best_cost, other_cost = self.cost[best], self.cost[other]
        if best_cost is None:
            return best
        interval = self.EXPLORE_EVERY if other_cost is None else min(
            self.EXPLORE_MAX, self.EXPLORE_EVERY * other_cost / best_cost)
        if self.since_explore >= interval:
            self.since_explore = 0
            return other
        self.since_explore += 1
        return best

    def record(self, threads: int, seconds: float, items: int) -> None:
        if threads not in self.cost or items <= 0:
            return
        per_item = seconds / items
        old = self.cost[threads]
        self.cost[threads] = per_item if old is None else (1 - self.SMOOTHING) * old + self.SMOOTHING * per_item
        known = {t: c for t, c in self.cost.items() if c is not None}
        if len(known) == len(self.options):
            self.preferred = min(known, key=known.__getitem__)


_choosers: dict[tuple, _ThreadChooser] = {}


def _chooser(model: nn.Module, sample_shape: tuple[int, ...], role: str, policy: ChunkPolicy) -> _ThreadChooser:
    """The thread chooser of this model kind for ``role`` ("forward", "frozen" or "gradient")."""
    key = (_model_key(model, tuple(sample_shape), model_device(model)), thread_budget(), role)
    if key not in _choosers:
        _choosers[key] = _ThreadChooser(policy.threads, thread_budget())
    return _choosers[key]


@contextmanager
def _timed_threads(chooser: _ThreadChooser, items: int, *, record: bool = True) -> Iterator[None]:
    """Run the block with the chooser's thread count and tell it how long the block took."""
    threads = chooser.pick()
    start = time.perf_counter()
    with _threads(threads):
        yield
    if record:
        chooser.record(threads, time.perf_counter() - start, items)


def _policy(model: nn.Module, sample_shape: tuple[int, ...], *, total: int,
            run: Callable[[torch.Tensor], torch.Tensor] | None = None, precision: str = "float32") -> ChunkPolicy:
    """The cached policy for this model kind, measured (with ``run``, default the model) if worth it.

    One policy serves the eager model and its frozen graph: the frozen graph's speed hardly depends
    on the chunk size (within 10 % from 32 to 512 for the zoo's CNN), so it is not measured twice.
    """
    device = model_device(model)
    key = (_model_key(model, tuple(sample_shape), device, precision), thread_budget())
    if key in _policy_cache:
        return _policy_cache[key]
    if total <= CALIBRATE_ABOVE:
        # small jobs do not pay for the full measurement, only for the thread count (a few chunks)
        if key not in _provisional:
            _provisional[key] = _measure_threads(run or model, model, tuple(sample_shape), device)
        return _provisional[key]
    _policy_cache[key] = _measure_policy(run or model, model, tuple(sample_shape), device)
    return _policy_cache[key]


def chunk_size(model: nn.Module, sample_shape: tuple[int, ...], *, total: int = 0) -> int:
    """Chunk size for forwards of ``model`` on inputs of ``sample_shape``.

    Measured once per (architecture, input shape, device, thread budget) when a job is large enough
    to repay the measurement, then cached; small jobs use the cached value or the device's default.
    """
    return _policy(model, tuple(sample_shape), total=total).chunk


def _remember_smaller_chunk(model: nn.Module, sample_shape: tuple[int, ...], chunk: int,
                            precision: str = "float32") -> None:
    """A chunk size that ran out of memory is not tried again by later jobs of this model kind."""
    key = (_model_key(model, tuple(sample_shape), model_device(model), precision), thread_budget())
    for cache in (_policy_cache, _provisional):
        if key in cache and cache[key].chunk > chunk:
            cache[key] = ChunkPolicy(chunk, cache[key].threads)


_gradient_caps: dict[tuple, int] = {}  # model kind → a gradient chunk that fit after running out of memory


def _run_halving_on_oom(run: Callable[[int], _T], chunk: int) -> tuple[_T, int]:
    """Run ``run(chunk)``; on CUDA out-of-memory halve the chunk and try again."""
    while True:
        try:
            return run(chunk), chunk
        except torch.cuda.OutOfMemoryError:
            if chunk == 1:
                raise
            torch.cuda.empty_cache()
            chunk = max(1, chunk // 2)


InputSource = torch.Tensor | tuple[int, Callable[[int, int], torch.Tensor]]


def forward_chunks(
    model: nn.Module, inputs: InputSource, *, chunk: int | None = None, first_chunk: int | None = None,
    precision: str | None = None,
) -> Iterator[tuple[int, int, torch.Tensor]]:
    """Yield ``(start, stop, logits)`` for consecutive chunks of the inputs.

    ``inputs`` is a tensor (N, ...) on any device, or ``(N, make)`` where ``make(start, stop)``
    builds the inputs of items ``start:stop`` on demand (an item may stand for several images, such
    as one ε row of a sweep) — so a sweep of K·B perturbed images is never materialized whole.
    ``first_chunk``, when smaller than the chunk size, sizes the first chunk only: a streamed job's
    first result sooner. ``precision`` overrides the model's :func:`forward_precision`. Logits are
    detached float32 on the model's device.
    """
    if isinstance(inputs, torch.Tensor):
        tensor = inputs
        total, make = len(tensor), lambda start, stop: tensor[start:stop]
        sample_shape = tuple(tensor.shape[1:])
    else:
        total, make = inputs
        sample_shape = tuple(make(0, 1).shape[1:]) if total else ()
    device = model_device(model)
    in_precision = precision or forward_precision(model)
    run_chunk = runner(model, sample_shape, device, total, in_precision) if total else model
    policy = _policy(model, sample_shape, total=total, run=run_chunk, precision=in_precision)
    size = chunk or policy.chunk
    role = in_precision if in_precision != "float32" else "forward" if run_chunk is model else "frozen"
    threads = _chooser(model, sample_shape, role, policy)
    conv = len(sample_shape) == 3 and is_convolutional(model)
    memory_format = torch.channels_last if conv else torch.contiguous_format
    start, steady = 0, size
    if first_chunk is not None and 0 < first_chunk < size:
        size = first_chunk
    sizes_run: set[int] = set()
    while start < total:
        def run(size: int) -> torch.Tensor:
            # inference mode and the thread count only around the work: never across a yield.
            # A job's first chunk of each size pays for warm-up (new shapes): not a fair sample of speed.
            items = min(total, start + size) - start
            timed = items in sizes_run and device.type == "cpu"
            sizes_run.add(items)
            with _timed_threads(threads, items, record=timed), torch.inference_mode():
                batch = make(start, start + items).to(device, non_blocking=True)
                return run_chunk(batch.contiguous(memory_format=memory_format)).float()

        logits, used = _run_halving_on_oom(run, size)
        stop = min(total, start + used)
        yield start, stop, logits
        start = stop
        if used < size:  # halved on out-of-memory: the rest goes in chunks no larger, and later jobs too
            steady = min(steady, used)
            _remember_smaller_chunk(model, sample_shape, steady, in_precision)
        size = steady


def forward(model: nn.Module, inputs: InputSource, *, chunk: int | None = None,
            device: torch.device | str = "cpu", precision: str | None = None) -> torch.Tensor:
    """All logits (N, C) on ``device`` (default the CPU), computed in chunks.

    A job that reduces the logits further (error rates, predictions) keeps them on the model's
    device: on a GPU each copy to the host waits for the kernels queued before it.
    """
    total = len(inputs) if isinstance(inputs, torch.Tensor) else inputs[0]
    out = None
    for start, stop, logits in forward_chunks(model, inputs, chunk=chunk, precision=precision):
        if out is None:
            out = torch.empty(total, logits.shape[1], dtype=torch.float32, device=device)
        out[start:stop] = logits.to(device)
    return out if out is not None else torch.empty(0, 0, device=device)


def _gradient_cap_key(model: nn.Module, sample_shape: tuple[int, ...], device: torch.device) -> tuple:
    return (_model_key(model, sample_shape, device), thread_budget())


def gradient_chunk_size(model: nn.Module, sample_shape: tuple[int, ...], *, total: int = 0) -> int:
    """Inputs per chunk of :func:`input_gradient` for ``model`` (jobs that batch their own gradient work, such
    as the rows of an iterative sweep, size their batches by it)."""
    device = model_device(model)
    policy = _policy(model, sample_shape, total=total)
    # Backward needs ~3x the memory of a forward, yet larger chunks amortize autograd's overhead:
    # four forward chunks, on a CPU at most 128 inputs for a convolutional model (the zoo's CNN, one
    # thread: 128 beat 32–512) and 1,024 for a dense one (maxout, 2,000 inputs: 88 ms at 1,000 a chunk,
    # 97 at 256, 145 at 64).
    cpu_cap = 128 if is_convolutional(model) else 1024
    size = max(16, policy.chunk * 4 if device.type != "cpu" else min(cpu_cap, policy.chunk * 4))
    # a size that ran out of memory is not tried again by later gradients of this model kind (on a GPU
    # each failed try runs most of a forward first); an explicit chunk is the caller's to choose
    return min(size, _gradient_caps.get(_gradient_cap_key(model, sample_shape, device), size))


def input_gradient(
    model: nn.Module,
    x: torch.Tensor,
    labels: torch.Tensor,
    *,
    chunk: int | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample ∇ₓJ(θ, x, y) and the logits at x, computed in chunks.

    The loss is summed over each chunk, so every sample's gradient is its own, whatever the
    chunk size. Returns ``(gradient like x, logits (N, C))`` on the device of ``x``.
    """
    device = model_device(model)
    reject = outputs.has_reject_logit(model)
    loss_fn = loss_fn or (lambda logits, y: outputs.loss(logits, y, reject_logit=reject, reduction="sum"))
    policy = _policy(model, tuple(x.shape[1:]), total=len(x))
    size = chunk or gradient_chunk_size(model, tuple(x.shape[1:]), total=len(x))
    cap_key = _gradient_cap_key(model, tuple(x.shape[1:]), device)
    memory_format = _memory_format(model, x)
    threads = _chooser(model, tuple(x.shape[1:]), "gradient", policy)
    gradient = torch.empty_like(x)
    logits_out: torch.Tensor | None = None
    start = 0
    while start < len(x):
        def run(size: int) -> tuple[torch.Tensor, torch.Tensor]:
            items = len(x[start: start + size])
            with _timed_threads(threads, items, record=start > 0 and device.type == "cpu"), torch.enable_grad():
                batch = x[start: start + size].to(device).contiguous(memory_format=memory_format)
                batch.requires_grad_(True)
                logits = model(batch)
                (grad,) = torch.autograd.grad(loss_fn(logits, labels[start: start + size].to(device)), batch)
            return grad, logits.detach().float()

        (grad, logits), used = _run_halving_on_oom(run, size)
        if used < size:
            _gradient_caps[cap_key] = size = used
        stop = start + len(grad)
        gradient[start:stop] = grad.to(x.device)
        if logits_out is None:
            logits_out = torch.empty(len(x), logits.shape[1], dtype=torch.float32, device=x.device)
        logits_out[start:stop] = logits.to(x.device)
        start = stop
    return gradient, (logits_out if logits_out is not None else torch.empty(0, 0))
