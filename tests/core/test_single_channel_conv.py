"""The first convolution's fast input gradient equals the stock convolution's gradients."""

import pytest
import torch
from torch import nn

from advviz.core.single_channel_conv import SingleChannelConv2d


def _twins(**options) -> tuple[nn.Conv2d, SingleChannelConv2d]:
    torch.manual_seed(0)
    stock = nn.Conv2d(1, 6, **options)
    fast = SingleChannelConv2d(1, 6, **options)
    fast.load_state_dict(stock.state_dict())
    return stock, fast


@pytest.mark.parametrize("options", [dict(kernel_size=5, padding=2), dict(kernel_size=3, padding=0),
                                     dict(kernel_size=(3, 5), padding=(1, 0)), dict(kernel_size=3, bias=False)])
@pytest.mark.parametrize("memory_format", [torch.contiguous_format, torch.channels_last])
def test_gradients_equal_the_stock_convolution(options, memory_format) -> None:
    stock, fast = _twins(**options)
    x = torch.rand(4, 1, 12, 11).contiguous(memory_format=memory_format)
    upstream = torch.randn_like(stock(x))
    gradients = []
    for conv in (stock, fast):
        conv.zero_grad()
        inputs = x.clone().requires_grad_(True)
        (conv(inputs) * upstream).sum().backward()
        gradients.append((inputs.grad, conv.weight.grad, None if conv.bias is None else conv.bias.grad))
    (x_stock, w_stock, b_stock), (x_fast, w_fast, b_fast) = gradients
    torch.testing.assert_close(x_fast, x_stock, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(w_fast, w_stock)
    if b_stock is not None:
        torch.testing.assert_close(b_fast, b_stock)


def test_the_fast_path_is_taken_only_for_an_input_gradient_it_can_compute() -> None:
    _, fast = _twins(kernel_size=5, padding=2)
    x = torch.rand(2, 1, 8, 8)
    assert fast(x.requires_grad_(True)).grad_fn.name().endswith("_SingleChannelConvolutionBackward")
    assert fast(x.detach()).grad_fn.name() == "ConvolutionBackward0"  # training: weights only
    strided = SingleChannelConv2d(1, 4, 3, stride=2)
    assert strided(x.requires_grad_(True)).grad_fn.name() == "ConvolutionBackward0"
    with torch.no_grad():
        assert fast(x).grad_fn is None


def test_the_zoo_cnn_input_gradient_is_unchanged() -> None:
    """The zoo's greyscale CNN uses it; its ∇ₓJ matches the same weights in stock layers."""
    from advviz.core.architectures import build

    fast = build("cnn", dataset_classes=tuple("0123456789"), input_shape=(1, 28, 28)).eval()
    assert isinstance(fast.net[0], SingleChannelConv2d)
    stock = build("cnn", dataset_classes=tuple("0123456789"), input_shape=(1, 28, 28)).eval()
    stock.net[0] = nn.Conv2d(1, 16, 5, padding=2)
    stock.load_state_dict(fast.state_dict())
    x = torch.rand(8, 1, 28, 28)
    labels = torch.arange(8)
    gradients = []
    for model in (stock, fast):
        inputs = x.clone().requires_grad_(True)
        (gradient,) = torch.autograd.grad(nn.functional.cross_entropy(model(inputs), labels), inputs)
        gradients.append(gradient)
    torch.testing.assert_close(gradients[1], gradients[0], rtol=1e-5, atol=1e-6)
