"""Reduced-precision forwards (bfloat16 / float16) and what they cost in accuracy.

On a GPU, half-precision forwards are faster; an adversarial analysis must know how far their
logits drift from float32's before trusting them near a decision boundary. The report gives the
largest logit difference and how often the predicted class changes. A model set to a reduced
precision (:func:`set_forward_precision`) runs every chunked forward in it (:mod:`advviz.core.runners`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

REDUCED = ("bfloat16", "float16")


PRECISIONS = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def check_precision(precision: str) -> torch.dtype:
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose {', '.join(PRECISIONS)}")
    return PRECISIONS[precision]


def forward_precision(model: nn.Module) -> str:
    """The precision of ``model``'s chunked forwards: "float32" unless :func:`set_forward_precision` said otherwise."""
    return getattr(model, "advviz_forward_precision", "float32")


def set_forward_precision(model: nn.Module, precision: str) -> None:
    """Run every chunked forward of ``model`` — the ε-grid of a sweep, the transfer matrix's targets,
    robustness curves, decision maps — in ``precision`` from now on; gradients (the attacks' directions)
    stay float32. Every operation runs in it, weights and inputs included (autocast would leave an RBF
    network, all element-wise, in float32). :func:`advviz.core.precision.precision_report` says how
    far its logits are from float32's."""
    check_precision(precision)
    model.advviz_forward_precision = precision


@dataclass(frozen=True)
class PrecisionReport:
    dtype: str
    device: str
    samples: int
    max_logit_difference: float
    mean_logit_difference: float
    prediction_agreement: float  # share of samples whose argmax is unchanged

    def summary(self) -> str:
        """One line for a status bar or a terminal."""
        return (f"{self.dtype} forwards: max |Δ logit| {self.max_logit_difference:.3g} against float32 on "
                f"{self.samples} images, same prediction for {100 * self.prediction_agreement:.1f} %")


PRECISION_PROBE = 512  # images on which a reduced precision's drift from float32 is measured


@dataclass(frozen=True)
class PrecisionRefused:
    """A model whose forwards cannot run in ``dtype`` (they fail, or their logits overflow it): they stay float32."""

    dtype: str
    reason: str

    def summary(self) -> str:
        return f"cannot run its forwards in {self.dtype} ({self.reason}): they stay float32"


def apply_forward_precision(model: nn.Module, precision: str, probe: torch.Tensor | None
                            ) -> PrecisionReport | PrecisionRefused | None:
    """Run ``model``'s chunked forwards in ``precision`` (:func:`set_forward_precision`). For a reduced one,
    its drift from float32 on the first :data:`PRECISION_PROBE` images of ``probe``; where its forwards cannot
    run in it — a TorchScript model that casts its input to float32 fails beside bfloat16 weights, or logits
    overflow float16 — the model keeps float32 forwards and a :class:`PrecisionRefused` says why. None for
    float32 or no probe."""
    import math

    from advviz.core.user_models import _reason

    set_forward_precision(model, precision)
    if precision == "float32" or probe is None or not len(probe):
        return None
    try:
        report = precision_report(model, probe[:PRECISION_PROBE], dtype=precision)
    except (RuntimeError, TypeError) as error:  # torch's dtype mismatches; a model that cannot be copied
        set_forward_precision(model, "float32")
        return PrecisionRefused(precision, _reason(error))
    if not math.isfinite(report.max_logit_difference):
        set_forward_precision(model, "float32")
        return PrecisionRefused(precision, f"its logits overflow {precision}")
    return report


def forward_reduced(model: nn.Module, x: torch.Tensor, *, dtype: str = "bfloat16") -> torch.Tensor:
    """Logits (N, C) on the CPU from chunked forwards of a copy of ``model`` whose weights, inputs and
    every operation are in ``dtype``. (Autocast would run only matrix products and convolutions in
    ``dtype``: an RBF network, all element-wise, drifted by exactly 0 — a report of nothing.)"""
    from advviz.core.batching import forward  # batching runs on these settings: imported when used

    if dtype not in REDUCED:
        check_precision(dtype)
        raise ValueError(f"unknown precision {dtype!r}; choose {', '.join(REDUCED)}")
    return forward(model, x, precision=dtype)


def precision_report(model: nn.Module, x: torch.Tensor, *, dtype: str = "bfloat16") -> PrecisionReport:
    """Compare ``dtype`` forwards with float32 ones on ``x``."""
    from advviz.core.batching import forward, model_device

    exact = forward(model, x, precision="float32")
    reduced = forward_reduced(model, x, dtype=dtype)
    difference = (reduced - exact).abs()
    return PrecisionReport(
        dtype=dtype, device=str(model_device(model)), samples=len(x),
        max_logit_difference=float(difference.max()) if difference.numel() else 0.0,
        mean_logit_difference=float(difference.mean()) if difference.numel() else 0.0,
        prediction_agreement=float((reduced.argmax(1) == exact.argmax(1)).float().mean()) if len(x) else 1.0,
    )
