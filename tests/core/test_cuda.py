"""The CUDA path: the same jobs on a GPU give the CPU's answers, as CPU numpy steps.

Skipped where CUDA is absent (CI, the development machine); run on a lent GPU machine with
``python -m pytest tests/core/test_cuda.py`` (bench/README.md records the last run).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from advviz.core import batching
from advviz.core.attacks import FGSM
from advviz.core.data import load_dataset
from advviz.core.decision_map import decision_map
from advviz.core.device import resolve_device
from advviz.core.precision import precision_report
from advviz.core.robustness import robustness
from advviz.core.sweep import SweepChunk, SweepStart, eps_grid, fgsm_sweep, sweep_steps
from advviz.core.transfer import transfer_matrix
from advviz.core.zoo import load_model

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

MODELS = ("mnist-softmax", "mnist-mlp", "mnist-maxout", "mnist-cnn", "mnist-rbf")


@pytest.fixture(scope="module")
def gpu() -> torch.device:
    device, message = resolve_device("cuda")
    assert message is None and device.type == "cuda"
    return device


@pytest.fixture(scope="module")
def pair(gpu):
    """Each zoo model on the CPU and on the GPU, loaded once."""
    return {name: (load_model(name), load_model(name, device=gpu)) for name in MODELS}


@pytest.fixture(scope="module")
def batch():
    x, y = load_dataset("mnist", "test")
    return x[:256], y[:256]


def test_float32_on_the_gpu_is_ieee_float32(gpu):
    """TF32 convolutions (cuDNN's default) would differ from the CPU by ~1e-3: resolve_device turns them off."""
    conv = getattr(torch.backends.cudnn, "conv", None)
    if conv is not None and hasattr(conv, "fp32_precision"):
        assert conv.fp32_precision == "ieee"
    else:
        assert not torch.backends.cudnn.allow_tf32


@pytest.mark.parametrize("name", MODELS)
def test_gpu_forwards_equal_the_cpu_in_float32(pair, batch, name):
    """The same inputs (x and FGSM images) give the CPU's logits to float32 rounding (TF32 convolutions:
    1e-2 off for the CNN's logits of up to 30, measured on an H200; IEEE float32: 1e-5)."""
    cpu, cuda = pair[name]
    x, y = batch
    inputs = torch.cat([x, FGSM(eps=0.25)(cpu, x, y)])
    expected, got = batching.forward(cpu, inputs), batching.forward(cuda, inputs)
    assert got.device.type == "cpu"
    torch.testing.assert_close(got, expected, atol=1e-5 * float(expected.abs().max()), rtol=0)


@pytest.mark.parametrize("name", MODELS)
def test_sweep_on_the_gpu_is_its_definition_there(pair, batch, gpu, name):
    """Along its direction, the chunked and streamed sweep gives the model's logits of clip(x + ε·d)
    computed on the GPU in one batch per ε."""
    _, cuda = pair[name]
    x, y = batch
    eps = eps_grid(0.25, 21)
    steps = list(sweep_steps(cuda, x, y, eps))
    logits = np.concatenate([chunk.logits for chunk in steps[1:]])
    direction, x_gpu = torch.from_numpy(steps[0].direction).to(gpu), x.to(gpu)
    with torch.inference_mode():
        expected = torch.stack([cuda((x_gpu + float(e) * direction).clamp(0, 1)) for e in eps]).cpu().numpy()
    np.testing.assert_allclose(logits, expected, atol=1e-5 * float(np.abs(expected).max()), rtol=0)


@pytest.mark.parametrize("name", MODELS)
def test_sweep_on_the_gpu_agrees_with_the_cpu(pair, batch, name):
    """End to end, CPU and GPU sweeps differ only where ∇ₓJ is ill-defined in float32: a component of
    ~0 takes either sign, and max-pooling ties on a blank background route the gradient to another
    tied input (other valid subgradients), so a few samples get another x̃. The first GPU run showed
    |Δ logit| up to 11 for the CNN; most samples agree to rounding, and so do most predictions."""
    cpu, cuda = pair[name]
    x, y = batch
    eps = eps_grid(0.25, 21)
    expected, got = fgsm_sweep(cpu, x, y, eps), fgsm_sweep(cuda, x, y, eps)
    per_sample = (got - expected).abs().amax(dim=(0, 2)) / float(expected.abs().max())
    same_curve = float((per_sample < 1e-4).float().mean())
    same_prediction = float((got.argmax(-1) == expected.argmax(-1)).float().mean())
    print(f"{name}: {same_curve:.1%} of samples' curves agree; {same_prediction:.2%} of predictions")
    assert same_curve > 0.5 and same_prediction > 0.95


def test_sweep_steps_from_the_gpu_are_cpu_numpy(pair, batch):
    _, cuda = pair["mnist-cnn"]
    x, y = batch
    steps = list(sweep_steps(cuda, x[:8], y[:8], eps_grid(0.25, 201)))
    start, chunks = steps[0], steps[1:]
    assert isinstance(start, SweepStart) and all(isinstance(step, SweepChunk) for step in chunks)
    for value in (start.x, start.gradient, start.direction, start.clean_logits, *(c.logits for c in chunks)):
        assert isinstance(value, np.ndarray)
    assert chunks[-1].stop == 201


def test_fgsm_on_the_gpu_equals_torchattacks_on_the_gpu(pair, batch, gpu):
    torchattacks = pytest.importorskip("torchattacks")
    _, cuda = pair["mnist-cnn"]
    x, y = (t[:64].to(gpu) for t in batch)
    expected = torchattacks.FGSM(cuda, eps=0.1)(x, y)
    torch.testing.assert_close(FGSM(eps=0.1)(cuda, x, y), expected, atol=1e-6, rtol=0)


def test_transfer_matrix_on_the_gpu_matches_the_cpu(pair, batch):
    x, y = batch
    expected = transfer_matrix([cpu for cpu, _ in pair.values()], x, y, 0.25)
    got = transfer_matrix([cuda for _, cuda in pair.values()], x, y, 0.25)
    # one sample may sit on a boundary within float32 rounding: at most 1 of 256 per cell
    assert np.abs(got.error - expected.error).max() <= 1 / 256 + 1e-9
    assert np.isclose(got.error.mean(), expected.error.mean(), atol=2 / 256)


def test_robustness_and_decision_map_on_the_gpu_match_the_cpu(pair, batch):
    cpu, cuda = pair["mnist-cnn"]
    x, y = batch
    eps = [0.0, 0.1, 0.2, 0.3]
    np.testing.assert_allclose(robustness(cuda, x, y, eps).error, robustness(cpu, x, y, eps).error, atol=2 / 256)
    _, classes_cpu, _ = decision_map(cpu, x[:1], y[:1], resolution=41)
    _, classes_gpu, _ = decision_map(cuda, x[:1], y[:1], resolution=41)
    assert (classes_cpu == classes_gpu).mean() > 0.99


def test_calibration_picks_a_cuda_chunk(pair, batch):
    _, cuda = pair["mnist-cnn"]
    x, _ = load_dataset("mnist", "test")
    assert batching.chunk_size(cuda, tuple(x.shape[1:]), total=len(x)) in batching.CUDA_CHUNKS


@pytest.fixture
def small_gpu(gpu):
    """The GPU limited to ~1 GiB for this process: a real out-of-memory, not a simulated one."""
    total = torch.cuda.get_device_properties(gpu).total_memory
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(2 ** 30 / total, gpu)
    yield gpu
    torch.cuda.set_per_process_memory_fraction(1.0, gpu)
    torch.cuda.empty_cache()


def test_a_real_out_of_memory_halves_the_chunk_and_goes_on(pair, batch, small_gpu):
    """20,000 MNIST images in one chunk need ~10 GB of CNN activations: the chunk halves until it fits."""
    _, cuda = pair["mnist-cnn"]
    x = batch[0].repeat(80, 1, 1, 1)  # 20,480 images, 64 MB on the host
    with pytest.raises(torch.cuda.OutOfMemoryError):
        with torch.inference_mode():
            cuda(x.to(small_gpu))
    torch.cuda.empty_cache()
    sizes, logits = [], []
    for start, stop, part in batching.forward_chunks(cuda, x, chunk=len(x)):
        sizes.append(stop - start)
        logits.append(part.cpu())
    assert sizes[0] < len(x) and sum(sizes) == len(x)
    torch.testing.assert_close(torch.cat(logits), batching.forward(cuda, x[:256]).repeat(80, 1), atol=1e-3, rtol=0)
    gradient, _ = batching.input_gradient(cuda, x[:8192], batch[1].repeat(32), chunk=8192)
    assert torch.isfinite(gradient).all() and gradient.abs().sum() > 0


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_reduced_precision_on_the_gpu_reports_a_small_drift(pair, batch, dtype):
    _, cuda = pair["mnist-cnn"]
    report = precision_report(cuda, batch[0], dtype=dtype)
    assert report.device.startswith("cuda")
    assert 0 < report.max_logit_difference < 1.0 and report.prediction_agreement > 0.98


def test_cli_transfer_on_the_gpu_prints_the_cpu_matrix():
    def matrix(device: str) -> str:
        out = subprocess.run([sys.executable, "-m", "advviz", "transfer", "--device", device, "--samples", "300",
                              "--models", "mnist-mlp,mnist-cnn", "--json"],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0 and "using the CPU" not in out.stderr, out.stderr
        return out.stdout

    import json

    gpu, cpu = json.loads(matrix("cuda")), json.loads(matrix("cpu"))
    assert gpu.keys() == cpu.keys()
    assert np.abs(np.asarray(gpu["error"]) - np.asarray(cpu["error"])).max() <= 1 / 300 + 1e-9


def test_imagenet_sized_models_run_on_the_gpu_in_small_chunks(gpu):
    """torchvision models at 3×224×224 (untrained: nothing is downloaded): the calibration picks a small
    chunk from a probe of ≤ 256 MB, the sweep and the transfer matrix run and give finite logits."""
    from advviz.core.user_models import torchvision_model

    models = [torchvision_model(name, device=gpu) for name in ("resnet18", "mobilenet_v3_small")]
    torch.manual_seed(0)
    x, y = torch.rand(48, 3, 224, 224), torch.randint(0, 1000, (48,))
    assert batching.chunk_size(models[0], (3, 224, 224), total=4096) in batching.CUDA_LARGE_CHUNKS
    logits = fgsm_sweep(models[0], x[:4], y[:4], eps_grid(8 / 255, 11))
    assert logits.shape == (11, 4, 1000) and torch.isfinite(logits).all()
    result = transfer_matrix(models, x, y, 4 / 255)
    assert np.isfinite(result.error).all()


def test_reduced_precision_forwards_run_the_sweep_on_the_gpu(pair, batch, gpu):
    from advviz.core.precision import set_forward_precision

    exact_model = pair["mnist-cnn"][1]
    model = load_model("mnist-cnn", device=gpu)
    set_forward_precision(model, "bfloat16")
    x, y = batch
    eps = eps_grid(0.25, 21)
    reduced, exact = fgsm_sweep(model, x, y, eps), fgsm_sweep(exact_model, x, y, eps)
    assert 0 < float((reduced - exact).abs().max()) < 1.0
    assert float((reduced.argmax(-1) == exact.argmax(-1)).float().mean()) > 0.98
