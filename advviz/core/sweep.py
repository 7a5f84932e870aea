"""The ε-sweep: logits along x + ε·d for ε from −ε_max to +ε_max (paper Fig. 4).

"The relationship between input perturbation and output is very linear": for FGSM's direction
d = sign(∇ₓJ) the logits are nearly straight lines in ε and the argmax flips at some ε. The sweep
of a directional attack costs one gradient and chunked batched forwards — never a gradient per ε.
Iterative attacks (BIM, PGD) have no single direction: every ε runs its own attack (negative ε descends
the loss of the true class, the mirror image of the attack), many ε at once — each iteration one gradient of
all their images, not one gradient per ε.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from advviz.core.attacks import BIM, FGSM, Attack, DirectionalAttack
from advviz.core.attacks.base import eval_mode
from advviz.core.batching import forward, gradient_chunk_size, model_device
from advviz.core.checks import check_eps, checked_batch
from advviz.core.precision import forward_precision
from advviz.core.errors import AdvvizError
from advviz.core.rows import forward_rows


@dataclass(frozen=True)
class SweepStart:
    """First step of a sweep: what every later chunk refers to (CPU numpy).

    eps (K,); x (B, C, H, W); gradient (B, C, H, W) the raw ∇ₓJ(θ, x, y), None for a direction that takes
    none (random signs); direction (B, C, H, W) the
    unit-ε perturbation d (None for iterative attacks); clean_logits (B, C) the logits at x;
    zero_gradient_fraction: share of inputs with
    ∇ = 0 exactly (they do not move: sign(0) = 0).
    """

    eps: np.ndarray
    x: np.ndarray
    labels: np.ndarray
    clean_logits: np.ndarray  # (B, C) at ε = 0
    gradient: np.ndarray | None
    direction: np.ndarray | None
    zero_gradient_fraction: float
    clip: bool
    attack: str


@dataclass(frozen=True)
class SweepChunk:
    """Logits for ε indices ``start:stop``: logits (stop−start, B, C); adversarial images for
    iterative attacks (stop−start, B, C, H, W), else None (they are clip(x + ε·d))."""

    start: int
    stop: int
    total: int
    logits: np.ndarray
    adversarial: np.ndarray | None = None


SweepStep = SweepStart | SweepChunk


def _as_eps(eps: torch.Tensor | np.ndarray | list[float]) -> torch.Tensor:
    values = torch.as_tensor(np.asarray(eps, dtype=np.float32)).flatten()
    if not torch.isfinite(values).all():
        raise ValueError("every ε must be a finite number")
    return values


def eps_grid(eps_max: float, steps: int) -> np.ndarray:
    """The symmetric grid −ε_max … +ε_max with ``steps`` points (0 included when ``steps`` is odd)."""
    if not np.isfinite(eps_max) or eps_max <= 0:
        raise ValueError(f"ε max must be a positive number, got {eps_max}")
    if steps < 2:
        raise ValueError(f"the sweep needs at least 2 steps, got {steps}")
    return np.linspace(-eps_max, eps_max, steps, dtype=np.float32)


def perturbed(x: torch.Tensor, direction: torch.Tensor, eps: float, *, clip: bool) -> torch.Tensor:
    """x + ε·d, clipped to [0, 1] when asked."""
    moved = x + eps * direction
    return moved.clamp(0.0, 1.0) if clip else moved


def sweep_steps(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    eps: torch.Tensor | np.ndarray | list[float],
    *,
    attack: Attack | None = None,
) -> Iterator[SweepStep]:
    """Stream an ε-sweep: one :class:`SweepStart`, then :class:`SweepChunk` s in ε order.

    Parameters
    ----------
    model : pixel-space classifier returning logits.
    x : (B, C, H, W) in [0, 1]; y : (B,) labels (targets, for a targeted attack).
    eps : (K,) values of ε, negative allowed.
    attack : the attack whose direction is swept; its own ``eps`` is ignored. Default FGSM (clipped).
    """
    attack = attack or FGSM()
    x, y = checked_batch(model, x, y)
    eps_values = _as_eps(eps)
    check_eps(eps_values.tolist(), norm=attack.norm, values=x[0].numel())
    device = model_device(model)
    x_dev, y_dev = x.detach().to(device), y.to(device)
    with eval_mode(model):
        source: Attack = attack
        if isinstance(attack, DirectionalAttack):
            attack.last_logits = None
            direction, gradient = attack.direction(model, x_dev, y_dev)
        else:
            source = FGSM(clip=attack.clip, targeted=attack.targeted)
            _, gradient = source.direction(model, x_dev, y_dev)
            attack.last_zero_gradient_fraction = source.last_zero_gradient_fraction
            direction = None
        if gradient is not None and not torch.isfinite(gradient).all():
            raise AdvvizError(f"the gradient of {getattr(model, 'name', 'the model')} at this input is NaN or "
                              "infinite: its loss is not differentiable here, and sign(NaN) gives no direction")
        # the gradient's forward already gave the clean logits (not for a gradient-free direction)
        clean = source.last_logits if source.last_logits is not None else forward(model, x_dev)
        clean_logits = clean.float().cpu().numpy()
        yield SweepStart(
            eps=eps_values.numpy(), x=x.detach().cpu().numpy(), labels=y.cpu().numpy(), clean_logits=clean_logits,
            gradient=None if gradient is None else gradient.cpu().numpy(),
            direction=None if direction is None else direction.cpu().numpy(),
            zero_gradient_fraction=attack.last_zero_gradient_fraction, clip=attack.clip, attack=attack.name,
        )
        if direction is not None:
            # x itself at ε = 0 (clip(x) = x inside [0, 1]): its logits are known, not forwarded again —
            # unless forwards run in reduced precision, where the row must be theirs like its neighbours
            at_zero = clean.float() if forward_precision(model) == "float32" and (
                not attack.clip or bool(((x_dev >= 0) & (x_dev <= 1)).all())) else None
            yield from _directional_chunks(model, x_dev, direction, eps_values, clip=attack.clip, at_zero=at_zero)
        else:
            yield from _iterative_chunks(model, x_dev, y_dev, eps_values, attack)


def _directional_chunks(model: nn.Module, x: torch.Tensor, direction: torch.Tensor, eps: torch.Tensor, *,
                        clip: bool, at_zero: torch.Tensor | None = None) -> Iterator[SweepChunk]:
    """Chunks of logits along x + ε·d; rows where ε = 0 come from ``at_zero`` (B, C) when given."""
    batch, total = len(x), len(eps)
    forwarded = [k for k, value in enumerate(eps.tolist()) if at_zero is None or value != 0]
    eps_dev = eps[forwarded].to(x.device)

    def make(start: int, stop: int) -> torch.Tensor:
        # item i of the flattened sweep is sample i % B at forwarded ε row i // B; broadcast, no gather
        first, last = start // batch, (stop - 1) // batch + 1
        if last - first == 1:  # inside one ε row: only the samples needed
            low, high = start - first * batch, stop - first * batch
            moved = x[low:high] + eps_dev[first] * direction[low:high]
        else:
            scale = eps_dev[first:last].view(-1, *[1] * x.dim())
            moved = (x.unsqueeze(0) + scale * direction.unsqueeze(0)).view(-1, *x.shape[1:])
            moved = moved[start - first * batch: stop - first * batch]
        return moved.clamp(0.0, 1.0) if clip else moved

    zero_row = None if at_zero is None else at_zero.cpu().numpy()
    emitted = 0  # rows of the full ε grid yielded so far

    def through(stop: int, rows: list[int], logits: np.ndarray | None) -> SweepChunk:
        # rows emitted … stop − 1 of the grid: forwarded ``rows`` from ``logits``, ε = 0 rows from zero_row
        block = np.empty((stop - emitted, batch, zero_row.shape[-1] if logits is None else logits.shape[-1]),
                         dtype=np.float32)
        if zero_row is not None:
            block[:] = zero_row
        if logits is not None:
            block[np.asarray(rows) - emitted] = logits
        return SweepChunk(start=emitted, stop=stop, total=total, logits=block)

    if forwarded:
        for first, stop, logits in forward_rows(model, len(forwarded), batch, make):
            chunk = through(forwarded[stop - 1] + 1, forwarded[first:stop], logits)
            emitted = chunk.stop
            yield chunk
    if emitted < total:  # ε = 0 rows after the last forwarded one
        yield through(total, [], None)


FIRST_ROWS = 8  # an iterative sweep's first block of ε rows: its first points on screen soon, then whole blocks


def _iterative_chunks(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: torch.Tensor,
                      attack: Attack) -> Iterator[SweepChunk]:
    """Each ε's own attack. BIM and PGD run many ε at once (:meth:`BIM.rows`): blocks of ε rows as large as a
    gradient chunk holds, the first :data:`FIRST_ROWS` alone, then doubling."""
    total = len(eps)
    if isinstance(attack, BIM):
        most = max(1, gradient_chunk_size(model, tuple(x.shape[1:]), total=total * len(x)) // len(x))
        start, rows = 0, min(FIRST_ROWS, most)
        while start < total:
            stop = min(total, start + rows)
            adversarial = attack.rows(model, x, y, eps[start:stop])
            logits = forward(model, adversarial)  # in the model's forward precision, like a directional sweep's rows
            yield SweepChunk(start=start, stop=stop, total=total,
                             logits=logits.view(stop - start, len(x), -1).cpu().numpy(),
                             adversarial=adversarial.view(stop - start, *x.shape).cpu().numpy())
            start, rows = stop, min(2 * rows, most)
        return
    for index, value in enumerate(eps.tolist()):
        # ε < 0 mirrors the attack: descend the loss of the true class (a targeted attack on y).
        runner = attack.replace(eps=abs(value), targeted=attack.targeted if value >= 0 else not attack.targeted)
        adversarial = runner(model, x, y)
        logits = forward(model, adversarial)  # in the model's forward precision, like a directional sweep's rows
        yield SweepChunk(start=index, stop=index + 1, total=total, logits=logits.unsqueeze(0).cpu().numpy(),
                         adversarial=adversarial.unsqueeze(0).cpu().numpy())


def fgsm_sweep(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    eps: torch.Tensor | np.ndarray | list[float],
    *,
    clip: bool = True,
    targeted: bool = False,
) -> torch.Tensor:
    """Logits (K, B, C) of x̃ = clip(x + ε_k·sign(∇ₓJ(θ, x, y))) for each of the K values of ε.

    One gradient and chunked batched forwards; negative ε allowed (the paper's plot spans −ε…+ε).
    """
    return collect_sweep(sweep_steps(model, x, y, eps, attack=FGSM(clip=clip, targeted=targeted)))


def collect_sweep(steps: Iterator[SweepStep]) -> torch.Tensor:
    """Consume a sweep stream into logits (K, B, C)."""
    out: np.ndarray | None = None
    for step in steps:
        if isinstance(step, SweepChunk):
            if out is None:
                out = np.empty((step.total, *step.logits.shape[1:]), dtype=np.float32)
            out[step.start: step.stop] = step.logits
    if out is None:
        raise ValueError("the sweep produced no logits (empty ε list?)")
    return torch.from_numpy(out)


@dataclass(frozen=True)
class SweepSummary:
    """Per-ε predictions for one sample and where the prediction first flips."""

    predictions: np.ndarray  # (K,)
    clean_prediction: int
    flip_eps: float | None  # smallest ε > 0 whose prediction differs from the clean one
    flip_eps_negative: float | None  # same on the negative side (largest ε < 0)


def summarize(eps: np.ndarray, logits: np.ndarray, clean_logits: np.ndarray) -> SweepSummary:
    """Predictions along the sweep of one sample: ``logits`` (K, C), ``clean_logits`` (C,)."""
    predictions = logits.argmax(axis=1)
    clean = int(clean_logits.argmax())
    positive = [(e, p) for e, p in zip(eps.tolist(), predictions.tolist()) if e > 0]
    negative = [(e, p) for e, p in zip(eps.tolist(), predictions.tolist()) if e < 0]
    flip = next((e for e, p in sorted(positive) if p != clean), None)
    flip_negative = next((e for e, p in sorted(negative, reverse=True) if p != clean), None)
    return SweepSummary(predictions, clean, flip, flip_negative)
