"""What runs a chunk of a model's forwards: the model itself, a copy in a reduced precision, or a frozen
oneDNN graph of it — the two copies cached per model and rebuilt whenever a weight changes.

A convolutional model in eval mode on the CPU whose weights are used a second time unchanged is run as
a frozen oneDNN graph (prepacked weights, blocked layout, in-place ReLU): about twice the speed of eager
channels_last for the zoo's CNN. It is checked against the eager model on a probe and skipped wherever
it fails — eager is always the fallback. :mod:`advviz.core.batching` decides how many inputs a chunk holds.
"""

from __future__ import annotations

import copy
import threading
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from advviz.core.precision import check_precision, forward_precision

# Said on every freeze, from a worker thread, where ``catch_warnings`` (process-wide, not thread-safe)
# did not always hold: the frozen graph is checked against the eager model, and eager is the fallback.
JIT_DEPRECATED = r"`torch\.jit\.\w+` is deprecated"
warnings.filterwarnings("ignore", message=JIT_DEPRECATED, category=FutureWarning)


def probe_inputs(count: int, sample_shape: tuple[int, ...], device: torch.device | str = "cpu") -> torch.Tensor:
    """Random inputs in [0, 1] for calibrations and checks, from a generator of their own: drawn from torch's
    global one, they shifted the dropout masks of a training run beside them (one seed, other weights)."""
    generator = torch.Generator(device=device).manual_seed(0)
    return torch.rand(count, *sample_shape, generator=generator, device=device)


def is_convolutional(model: nn.Module) -> bool:
    return any(isinstance(module, nn.Conv2d) for module in model.modules())


# -- reduced-precision copies ------------------------------------------------------------------------

@dataclass
class _Reduced:
    signature: tuple | None
    dtype: torch.dtype
    copy: nn.Module


_reduced: weakref.WeakKeyDictionary[nn.Module, _Reduced] = weakref.WeakKeyDictionary()


def reduced_runner(model: nn.Module, dtype: torch.dtype) -> Callable[[torch.Tensor], torch.Tensor]:
    """A copy of ``model`` in ``dtype`` (made once per weights and dtype), fed inputs cast to it."""
    signature = weights_signature(model)
    entry = _reduced.get(model)
    if entry is None or entry.dtype != dtype or entry.signature is None or entry.signature != signature:
        entry = _Reduced(signature, dtype, copy.deepcopy(model).to(dtype).eval())
        _reduced[model] = entry
    reduced = entry.copy
    return lambda batch: reduced(batch.to(dtype))


# -- frozen inference graphs for convolutional models on the CPU ---------------------------------

@dataclass
class _Frozen:
    signature: tuple
    uses: int = 1
    runner: Callable[[torch.Tensor], torch.Tensor] | None = None
    failed: bool = False


_frozen: weakref.WeakKeyDictionary[nn.Module, _Frozen] = weakref.WeakKeyDictionary()
_FREEZING = threading.Lock()  # one freeze at a time: warnings' filters are process-wide; no model frozen twice


def weights_signature(model: nn.Module) -> tuple | None:
    """Identity, version and sum of every parameter and buffer: changes whenever a weight does. The sums catch
    edits through ``p.data`` (EMA, pruning, hand edits), an alias with a version counter of its own: the frozen
    graph ran the old weights, its logits 5.1 away from the model's."""
    try:
        tensors = model.state_dict(keep_vars=True)
        identity = tuple((name, t.data_ptr(), t._version) for name, t in tensors.items())
    except RuntimeError:  # inference tensors have no version counter
        return None
    floats = [t.detach().sum() for t in tensors.values() if t.is_floating_point()]  # float64 took 13× longer
    # NaN ≠ NaN would make every signature new (a copy per forward); one transfer from a GPU
    return identity + (tuple(torch.stack(floats).nan_to_num().tolist()) if floats else (),)


def _freeze(model: nn.Module, sample_shape: tuple[int, ...]) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """A traced, frozen, oneDNN-optimized copy of ``model``, or None where that fails or disagrees."""
    probe = probe_inputs(5, sample_shape).contiguous(memory_format=torch.channels_last)
    try:
        # under _FREEZING: two freezes' catch_warnings overlapping on two threads left "ignore" installed for good
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)  # checked below against the eager model
            warnings.filterwarnings("ignore", message=JIT_DEPRECATED, category=FutureWarning)
            traced = torch.jit.trace(model, probe[:4], check_trace=False)
            frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))
            expected, got = model(probe), frozen(probe)  # another batch size than the trace's
            frozen(probe[:1])
    except Exception:  # any tracing or freezing failure: stay eager
        return None
    if got.shape != expected.shape or not torch.allclose(got.float(), expected.float(), rtol=1e-4, atol=1e-4):
        return None
    return frozen


def runner(model: nn.Module, sample_shape: tuple[int, ...], device: torch.device, total: int,
            precision: str | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
    """What runs a chunk: a reduced-precision copy where asked for, the frozen graph when worthwhile
    and valid, else the model itself."""
    dtype = check_precision(precision or forward_precision(model))
    if dtype != torch.float32:
        return reduced_runner(model, dtype)
    if device.type != "cpu" or model.training or len(sample_shape) != 3 or not is_convolutional(model):
        return model
    signature = weights_signature(model)
    if signature is None:
        return model
    entry = _frozen.get(model)
    if entry is None or entry.signature != signature:
        _frozen[model] = _Frozen(signature)  # first use of these weights: eager (they may be mid-training)
        return model
    entry.uses += 1
    if entry.runner is None and not entry.failed and total > 64:
        with _FREEZING:
            if entry.runner is None and not entry.failed:  # another thread may have frozen it meanwhile
                entry.runner = _freeze(model, sample_shape)
                entry.failed = entry.runner is None
    return entry.runner or model
