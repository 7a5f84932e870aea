"""Device choice and the CPU thread budget."""

from __future__ import annotations

import os

import torch


def cpu_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_budget: int | None = None  # the intra-op threads every job may use, once set


def set_thread_budget(*, leave_for_gui: int = 0) -> int:
    """Limit torch's intra-op threads so that ``leave_for_gui`` cores stay free; returns the count."""
    global _budget
    _budget = max(1, cpu_cores() - leave_for_gui)
    torch.set_num_threads(_budget)
    return _budget


def thread_budget() -> int:
    """The intra-op threads a job may use: :func:`set_thread_budget`'s, else torch's. Not the calling thread's
    torch.get_num_threads(): a thread new to torch adopts whatever count another thread set last (OpenMP), and
    one that started during another job's one-thread chunk kept a budget of 1 for good."""
    return _budget if _budget is not None else torch.get_num_threads()


def use_thread_budget() -> None:
    """Give the calling thread (a pooled worker starting a job) the whole budget."""
    if torch.get_num_threads() != thread_budget():
        torch.set_num_threads(thread_budget())


def available_devices() -> list[str]:
    """``["cpu", "cuda:0", ...]`` — CUDA entries only where CUDA works."""
    devices = ["cpu"]
    try:
        if torch.cuda.is_available():
            devices += [f"cuda:{index}" for index in range(torch.cuda.device_count())]
    except RuntimeError:  # a broken driver must not stop the app
        pass
    return devices


def exact_float32() -> None:
    """Make float32 on CUDA IEEE float32, as on the CPU.

    cuDNN rounds float32 convolutions' inputs to TF32 (a 10-bit mantissa) by default on Ampere and
    newer GPUs: the zoo CNN's logits then differ from the CPU's by up to 1e-2 (1e-5 in IEEE float32) — enough to flip an argmax or the sign of
    a small ∇ₓJ component near the decision boundaries this app draws. Reduced precision is an
    explicit choice here, with its drift reported (:mod:`advviz.core.precision`). The zoo's models
    are small: on a GPU their speed is bound by kernel launches, not by TF32's arithmetic.
    """
    conv = getattr(torch.backends.cudnn, "conv", None)
    if conv is not None and hasattr(conv, "fp32_precision"):  # torch ≥ 2.9; mixing in the old flags is refused
        conv.fp32_precision = "ieee"
        torch.backends.cuda.matmul.fp32_precision = "ieee"
    else:  # pragma: no cover - older torch
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False


def resolve_device(requested: str = "auto") -> tuple[torch.device, str | None]:
    """Turn "auto", "cpu" or "cuda:N" into a usable device.

    A CUDA device computes in IEEE float32 from then on (:func:`exact_float32`).
    Returns the device and, when CUDA was asked for but cannot be used, a message saying why the
    CPU is used instead (shown in the window's status line or on stderr). A name that is no device
    at all raises ``ValueError``.
    """
    requested = (requested or "auto").strip().lower()
    available = available_devices()
    if requested == "auto":
        requested = available[1] if len(available) > 1 else "cpu"
    if requested == "cuda":
        requested = "cuda:0"
    if requested in available:
        if requested != "cpu":
            exact_float32()
        return torch.device(requested), None
    if requested.startswith("cuda"):
        reason = "CUDA is not available on this machine" if len(available) == 1 else (
            f"{requested} does not exist (available: {', '.join(available[1:])})")
        return torch.device("cpu"), f"{reason}; using the CPU"
    raise ValueError(f"unknown device {requested!r}; choose auto, cpu or cuda:N")
