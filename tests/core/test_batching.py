"""The one place that runs models in chunks: chunk sizes, the first chunk, out-of-memory halving."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from advviz.core import batching
from advviz.core.batching import chunk_size, forward, forward_chunks, input_gradient
from advviz.core.rows import forward_rows


@pytest.fixture(autouse=True)
def fresh_policies(monkeypatch):
    """Each test measures its own chunk policy: policies are cached per model kind, and every test here
    uses the same kind (run alone or in any order, a test sees the same)."""
    for cache in ("_policy_cache", "_provisional", "_choosers", "_gradient_caps"):
        monkeypatch.setattr(batching, cache, {})


class RunsOutOfMemory(nn.Module):
    """A linear model that raises CUDA's out-of-memory error for batches above ``limit`` (any device)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(12, 3)
        self.limit, self.failures, self.sizes = limit, 0, []

    def calibrated(self) -> RunsOutOfMemory:
        """Let the batching measure its thread count first (that probe also runs out of memory), then count anew."""
        forward(self, torch.rand(1, 12))
        self.failures, self.sizes = 0, []
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(x) > self.limit:
            self.failures += 1
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        self.sizes.append(len(x))
        return self.linear(x.flatten(1))


def test_out_of_memory_halves_the_chunk_once_and_goes_on():
    model = RunsOutOfMemory(limit=40).calibrated()
    x = torch.rand(300, 12)
    logits = forward(model, x, chunk=128)
    torch.testing.assert_close(logits, model.linear(x).detach())
    assert model.failures == 2  # 128 → 64 → 32, then every later chunk at 32: not a failure per chunk
    assert max(model.sizes) == 32 and sum(model.sizes) == 300


def test_out_of_memory_during_a_gradient_halves_the_chunk_too():
    model = RunsOutOfMemory(limit=50).calibrated()
    x, y = torch.rand(200, 12), torch.randint(0, 3, (200,))
    gradient, logits = input_gradient(model, x, y, chunk=160)
    expected_x = x.clone().requires_grad_(True)
    loss = nn.functional.cross_entropy(model.linear(expected_x), y, reduction="sum")
    (expected,) = torch.autograd.grad(loss, expected_x)
    torch.testing.assert_close(gradient, expected)
    assert model.failures == 2 and max(model.sizes) == 40


def test_a_gradient_chunk_that_ran_out_of_memory_is_not_tried_again():
    model = RunsOutOfMemory(limit=50).calibrated()
    x, y = torch.rand(200, 12), torch.randint(0, 3, (200,))
    first, _ = input_gradient(model, x, y)  # the default gradient chunk (256 here) → 128 → 64 → 32
    assert model.failures == 3
    model.failures = 0
    second, _ = input_gradient(model, x, y)
    assert model.failures == 0 and max(model.sizes) == 32
    torch.testing.assert_close(first, second)


def test_calibration_on_a_gpu_sizes_its_probe_by_the_input():
    """MNIST-sized inputs try chunks up to 4,096; ImageNet-sized ones smaller chunks, and a probe of
    ≤ 256 MB (8,192 images of 3×224×224 would be 4.9 GB)."""
    gpu, model = torch.device("cuda"), nn.Conv2d(3, 8, 3)
    small, small_probe = batching.chunk_candidates(model, (1, 28, 28), gpu)
    large, large_probe = batching.chunk_candidates(model, (3, 224, 224), gpu)
    assert max(small) == 4096 and small_probe >= max(small)
    assert max(large) <= 256 and large_probe * 3 * 224 * 224 * 4 <= 256 * 2 ** 20 and large_probe >= max(large)


def test_a_chunk_size_that_ran_out_of_memory_is_not_tried_again():
    model = RunsOutOfMemory(limit=40).calibrated()
    forward(model, torch.rand(300, 12))  # the measured policy's 64 → 32
    model.failures = 0
    forward(model, torch.rand(300, 12))
    assert model.failures == 0 and chunk_size(model, (12,)) == 32


def test_calibration_skips_chunk_sizes_that_run_out_of_memory():
    model = RunsOutOfMemory(limit=100)
    x = torch.rand(2000, 12)
    logits = forward(model, x)  # a job large enough for the full measurement of chunk sizes
    torch.testing.assert_close(logits, model.linear(x).detach())
    assert chunk_size(model, (12,), total=len(x)) <= 100  # the sizes that ran out of memory were not chosen


def test_the_first_chunk_can_be_smaller_so_a_stream_starts_sooner():
    model = RunsOutOfMemory(limit=10_000)
    x = torch.rand(500, 12)
    spans = [(start, stop) for start, stop, _ in forward_chunks(model, x, chunk=128, first_chunk=37)]
    assert spans[:3] == [(0, 37), (37, 165), (165, 293)] and spans[-1][1] == 500


def test_rows_stream_their_first_row_alone():
    """A decision map's or sweep's first row is its first chunk: it reaches the screen first."""
    model = RunsOutOfMemory(limit=10_000).calibrated()
    grid = torch.rand(20 * 30, 12)
    yielded = [(first, stop) for first, stop, _ in forward_rows(model, 20, 30, lambda a, b: grid[a:b])]
    assert model.sizes[0] == 30 and yielded[0] == (0, 1)
    assert yielded[-1][1] == 20 and all(a[1] == b[0] for a, b in zip(yielded, yielded[1:]))


def test_a_chunk_that_ran_out_of_memory_in_bfloat16_is_not_float32s_limit():
    """float32 needs twice bfloat16's memory: each precision keeps its own chunk policy."""
    from advviz.core.precision import set_forward_precision

    model = RunsOutOfMemory(limit=10_000).calibrated()
    x = torch.rand(300, 12)
    forward(model, x)
    float32_chunk = chunk_size(model, (12,))
    set_forward_precision(model, "bfloat16")
    forward(model, x, chunk=20)  # the bfloat16 copy runs (it does not fail), in chunks of 20
    batching._remember_smaller_chunk(model, (12,), 8, "bfloat16")  # as a halving in bfloat16 would
    assert chunk_size(model, (12,)) == float32_chunk  # float32's policy untouched
    keys = {key[0][-1] for key in {**batching._policy_cache, **batching._provisional}}
    assert keys == {"float32", "bfloat16"}
