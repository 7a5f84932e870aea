"""The one place that runs models over many inputs: chunked, under inference mode.

On a CPU, batch size matters more than anything: one forward of 5,376 MNIST images through a
small CNN took 3.3 s in one batch and 0.38 s in chunks of 64 (channels_last). Every job — sweep,
transfer, robustness, decision map, rubbish probe — calls :func:`forward_chunks` or
:func:`input_gradient`, so the chunk policy, memory format and out-of-memory handling live here only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from typing import TypeVar

import torch
from torch import nn

from advviz.core import outputs

DEFAULT_CHUNK = {"cpu": 64, "cuda": 1024}
CALIBRATE_ABOVE = 1024  # inputs; smaller jobs use the default rather than pay for a measurement
_chunk_cache: dict[tuple, int] = {}
_T = TypeVar("_T")


def model_device(model: nn.Module) -> torch.device:
    for tensor in model.parameters():
        return tensor.device
    return torch.device("cpu")


def is_convolutional(model: nn.Module) -> bool:
    return any(isinstance(module, nn.Conv2d) for module in model.modules())


def _memory_format(model: nn.Module, x: torch.Tensor) -> torch.memory_format:
    """channels_last for convolutional models on image batches: faster on CPU and on tensor cores."""
    return torch.channels_last if x.dim() == 4 and is_convolutional(model) else torch.contiguous_format


def _model_key(model: nn.Module, sample_shape: tuple[int, ...], device: torch.device) -> tuple:
    layers = tuple(type(m).__name__ for m in model.modules())
    sizes = tuple(p.numel() for p in model.parameters())
    return (layers, sizes, sample_shape, device.type)


def _measure_chunk(model: nn.Module, sample_shape: tuple[int, ...], device: torch.device) -> int:
    """Pick the fastest chunk size for this model by timing a few forwards (once per model kind)."""
    candidates = (32, 64, 128, 256) if device.type == "cpu" else (256, 1024, 4096)
    probe = torch.rand(max(candidates) * 2, *sample_shape, device=device)
    probe = probe.contiguous(memory_format=_memory_format(model, probe))
    best, best_time = candidates[0], float("inf")
    with torch.inference_mode():
        model(probe[: candidates[0]])  # warm-up: allocator, kernels
        for chunk in candidates:
            start = time.perf_counter()
            for begin in range(0, len(probe), chunk):
                model(probe[begin: begin + chunk])
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            elapsed = time.perf_counter() - start
            if elapsed < best_time:
                best, best_time = chunk, elapsed
    return best


def chunk_size(model: nn.Module, sample_shape: tuple[int, ...], *, total: int = 0) -> int:
    """Chunk size for forwards of ``model`` on inputs of ``sample_shape``.

    Measured once per (architecture, input shape, device) when a job is large enough to repay the
    measurement, then cached; small jobs use the device's default.
    """
    device = model_device(model)
    key = _model_key(model, tuple(sample_shape), device)
    if key in _chunk_cache:
        return _chunk_cache[key]
    if total <= CALIBRATE_ABOVE:
        return DEFAULT_CHUNK.get(device.type, 256)
    _chunk_cache[key] = _measure_chunk(model, tuple(sample_shape), device)
    return _chunk_cache[key]


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
    model: nn.Module, inputs: InputSource, *, chunk: int | None = None
) -> Iterator[tuple[int, int, torch.Tensor]]:
    """Yield ``(start, stop, logits)`` for consecutive chunks of the inputs.

    ``inputs`` is a tensor (N, ...) on any device, or ``(N, make)`` where ``make(start, stop)``
    builds the inputs of items ``start:stop`` on demand (an item may stand for several images, such
    as one ε row of a sweep) — so a sweep of K·B perturbed images is never materialized whole.
    Logits are detached float32 on the model's device.
    """
    if isinstance(inputs, torch.Tensor):
        tensor = inputs
        total, make = len(tensor), lambda start, stop: tensor[start:stop]
        sample_shape = tuple(tensor.shape[1:])
    else:
        total, make = inputs
        sample_shape = tuple(make(0, 1).shape[1:]) if total else ()
    device = model_device(model)
    size = chunk or chunk_size(model, sample_shape, total=total)
    conv = len(sample_shape) == 3 and is_convolutional(model)
    memory_format = torch.channels_last if conv else torch.contiguous_format
    start = 0
    with torch.inference_mode():
        while start < total:
            def run(size: int) -> torch.Tensor:
                batch = make(start, min(total, start + size)).to(device, non_blocking=True)
                return model(batch.contiguous(memory_format=memory_format)).float()

            logits, size = _run_halving_on_oom(run, size)
            stop = min(total, start + size)
            yield start, stop, logits
            start = stop


def forward(model: nn.Module, inputs: InputSource, *, chunk: int | None = None) -> torch.Tensor:
    """All logits (N, C) on the CPU, computed in chunks."""
    total = len(inputs) if isinstance(inputs, torch.Tensor) else inputs[0]
    out = None
    for start, stop, logits in forward_chunks(model, inputs, chunk=chunk):
        if out is None:
            out = torch.empty(total, logits.shape[1], dtype=torch.float32)
        out[start:stop] = logits.cpu()
    return out if out is not None else torch.empty(0, 0)


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
    # Backward needs ~3x the memory of a forward; keep chunks a quarter of the forward's size.
    size = chunk or max(16, chunk_size(model, tuple(x.shape[1:]), total=len(x)) * 4)
    memory_format = _memory_format(model, x)
    gradient = torch.empty_like(x)
    logits_out: torch.Tensor | None = None
    start = 0
    while start < len(x):
        def run(size: int) -> tuple[torch.Tensor, torch.Tensor]:
            with torch.enable_grad():
                batch = x[start: start + size].to(device).contiguous(memory_format=memory_format)
                batch.requires_grad_(True)
                logits = model(batch)
                (grad,) = torch.autograd.grad(loss_fn(logits, labels[start: start + size].to(device)), batch)
            return grad, logits.detach().float()

        (grad, logits), size = _run_halving_on_oom(run, size)
        stop = start + len(grad)
        gradient[start:stop] = grad.to(x.device)
        if logits_out is None:
            logits_out = torch.empty(len(x), logits.shape[1], dtype=torch.float32, device=x.device)
        logits_out[start:stop] = logits.to(x.device)
        start = stop
    return gradient, (logits_out if logits_out is not None else torch.empty(0, 0))
