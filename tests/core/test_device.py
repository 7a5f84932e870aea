"""Device choice: CUDA where it exists, a visible fallback to the CPU where it does not."""

from __future__ import annotations

import pytest
import torch

from advviz.core.device import available_devices, resolve_device


def test_auto_and_cpu():
    device, message = resolve_device("auto")
    assert message is None and device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == (torch.device("cpu"), None)
    assert available_devices()[0] == "cpu"


def test_absent_cuda_falls_back_with_a_message():
    missing = f"cuda:{torch.cuda.device_count()}"  # one past the last GPU: never exists
    device, message = resolve_device(missing)
    assert device == torch.device("cpu") and "using the CPU" in message


def test_unknown_device_is_an_error():
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("gpu")


def test_load_model_says_when_cuda_cannot_be_used(monkeypatch):
    """`load_model(name, device="cuda")` without a GPU raised torch's "Found no NVIDIA driver"."""
    import pytest

    import advviz.core.device as device_module
    from advviz.core.errors import ModelLoadError
    from advviz.core.zoo import load_model

    monkeypatch.setattr(device_module, "available_devices", lambda: ["cpu"])
    with pytest.raises(ModelLoadError, match='CUDA is not available on this machine: load the model with device="cpu"'):
        load_model("mnist-softmax", device="cuda")
    assert str(next(load_model("mnist-softmax", device="auto").parameters()).device) == "cpu"
