"""A first convolution over single-channel images whose input gradient is fast on the CPU.

FGSM, the sweep, the transfer matrix and the robustness curve all need ∇ₓJ, and for a greyscale
CNN its last step is the input gradient of the first convolution: a convolution with one output
channel. oneDNN runs that shape slowly on the CPU — for the zoo's CNN (16 filters of 5×5 over
28×28) 40 µs per image, against 14 µs for the layer's forward. The same sum written as a
depthwise convolution of the output gradient with the flipped filters, then a sum over the
filters, takes ~11 µs: the CNN's whole input gradient ~20 % faster. Forwards, weight gradients
(training) and every other device run the stock convolution.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class _SingleChannelConvolution(torch.autograd.Function):
    """conv2d with stride 1, dilation 1 and one input channel; backward as described above."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,  # type: ignore[override]
                padding: tuple[int, int]) -> torch.Tensor:
        ctx.save_for_backward(x, weight, bias)
        ctx.padding = padding
        return F.conv2d(x, weight, bias, padding=padding)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):  # type: ignore[override]
        x, weight, bias = ctx.saved_tensors
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            # ∂J/∂x[i, j] = Σ_f Σ_(u, v) ∂J/∂y_f[i − u + p, j − v + p] · w_f[u, v]: per filter a
            # convolution with the flipped kernel (padding k − 1 − p), then a sum over filters.
            rows, columns = weight.shape[-2:]
            transposed_padding = (rows - 1 - ctx.padding[0], columns - 1 - ctx.padding[1])
            per_filter = F.conv2d(grad_output, weight.flip(-2, -1), padding=transposed_padding,
                                  groups=weight.shape[0])
            grad_x = per_filter.sum(dim=1, keepdim=True)
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            _, grad_weight, grad_bias = torch.ops.aten.convolution_backward(
                grad_output, x, weight, None if bias is None else [weight.shape[0]], [1, 1], list(ctx.padding),
                [1, 1], False, [0, 0], 1, [False, ctx.needs_input_grad[1], ctx.needs_input_grad[2]])
        return grad_x, grad_weight, grad_bias, None


class SingleChannelConv2d(nn.Conv2d):
    """``nn.Conv2d`` (same parameters and state_dict) with a fast input gradient on the CPU when it
    has one input channel, stride 1, dilation 1, zero padding of at most kernel − 1."""

    def _fast_input_gradient(self, x: torch.Tensor) -> bool:
        padding = self.padding
        return (x.requires_grad and torch.is_grad_enabled() and x.device.type == "cpu"
                and self.in_channels == 1 and self.groups == 1 and self.padding_mode == "zeros"
                and not isinstance(padding, str) and self.stride == (1, 1) and self.dilation == (1, 1)
                and all(0 <= p <= k - 1 for p, k in zip(padding, self.kernel_size)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._fast_input_gradient(x):
            return _SingleChannelConvolution.apply(x, self.weight, self.bias, tuple(self.padding))
        return super().forward(x)
