"""Benchmark the 2-D decision map (101 × 101 points around one image on the shipped mnist-cnn)
against the raw-torch floor and the arithmetic limit; report when the first row is ready.

    python bench/decision_map.py            # ~1 minute on a 2-core CPU
    python bench/decision_map.py --quick    # fewer repetitions

Every peer computes the same thing: logits of clip(x + a·d₁ + b·d₂) on the 101 × 101 grid, with
d₁ = sign(∇ₓJ) and d₂ the orthogonal random sign direction.

* advviz      — ``advviz.core.decision_map.decision_map_steps`` consumed to the end (one gradient,
  rows streamed from chunked forwards via core.batching). "first row" = the job's start until its
  first ``MapRows`` step, the moment a panel can draw (targets: whole map ≤ 1.5 s, first row ≤ 50 ms).
* floor       — inline torch: one gradient, all 10,201 points built at once, one batched forward.
* floor-64cl  — the same, forwards in chunks of 64 in channels_last (the eager best case).
* limit       — multiply-adds of 10,201 forwards + one gradient (two forwards) ÷ the best float32
  GEMM rate, timed interleaved with the peers.
"""

from __future__ import annotations

import statistics
import time

import torch
import torch.nn.functional as F

import _common  # noqa: F401  (puts the checkout on sys.path)
from _common import (bench_arguments, calibrated_threads, gemm_peers, gemm_rate_of, interleaved_medians, machine,
                     multiply_adds, print_table, ratio, seconds)

from advviz.core import batching
from advviz.core.data import load_dataset
from advviz.core.decision_map import MapRows, decision_map_steps, orthogonal_sign_direction
from advviz.core.zoo import load_model

RESOLUTION, EXTENT = 101, 0.5


def floor_map(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, chunk: int | None = None) -> torch.Tensor:
    """The raw-torch floor: one gradient, every grid point built at once, forwarded in one batch (or chunks)."""
    batch = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(batch), y), batch)
    d1 = grad.sign()
    d2 = orthogonal_sign_direction(d1)
    with torch.inference_mode():
        axis = torch.linspace(-EXTENT, EXTENT, RESOLUTION, device=x.device)
        b, a = torch.meshgrid(axis, axis, indexing="ij")
        points = (x + a.reshape(-1, 1, 1, 1) * d1 + b.reshape(-1, 1, 1, 1) * d2).clamp_(0, 1)
        if chunk is None:
            return model(points)
        return torch.cat([model(points[s: s + chunk].contiguous(memory_format=torch.channels_last))
                          for s in range(0, len(points), chunk)])


def advviz_map(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, first_rows: list[float]) -> None:
    start = time.perf_counter()
    first = None
    for step in decision_map_steps(model, x, y, extent=EXTENT, resolution=RESOLUTION):
        if first is None and isinstance(step, MapRows):
            first = time.perf_counter() - start
    first_rows.append(first or 0.0)


def main() -> int:
    args = bench_arguments(__doc__)
    print(machine(args.device))
    model = load_model("mnist-cnn", device=args.device).eval()
    x_all, y_all = (t.to(args.device) for t in load_dataset("mnist", "test"))
    x, y = x_all[:1], y_all[:1]
    threads = calibrated_threads(model, x_all[:2048])
    budget = torch.get_num_threads()
    print(f"advviz's batching measured {threads} thread(s) as fastest (budget {budget}); "
          f"peers run at {budget if args.default_threads else threads}")

    first_rows: list[float] = []
    peer_threads = budget if args.default_threads else threads

    def at_peer_threads(fn):  # noqa: ANN001, ANN202 - the thread count the other benchmarks give peers
        def run() -> object:
            with batching._threads(peer_threads):
                return fn()
        return run

    peers = {
        "advviz": lambda: advviz_map(model, x, y, first_rows),
        "floor": at_peer_threads(lambda: floor_map(model, x, y)),
        "floor-64cl": at_peer_threads(lambda: floor_map(model, x, y, chunk=64)),
        **gemm_peers(args.device),
    }
    reps = 3 if args.quick else 7
    times = interleaved_medians(peers, reps=reps)
    first_row = statistics.median(first_rows[1:] or first_rows)  # the warm-up run calibrates

    macs, notes = multiply_adds(model, x)
    points = RESOLUTION * RESOLUTION
    flop = 2 * macs * (points + 2)  # + one gradient ≈ two forwards of one image
    rate = gemm_rate_of(times)
    limit = flop / rate
    print(f"mnist-cnn: {macs / 1e6:.2f} M multiply-adds per image; {points:,} points; "
          f"GEMM {rate / 1e9:.0f} GFLOP/s → limit {seconds(limit)}" + (f" ({'; '.join(notes)})" if notes else ""))
    print_table(
        ["case", "advviz", "first row", "floor", "floor-64cl", "limit", "adv/floor", "adv/floor-64cl", "adv/limit"],
        [[f"{RESOLUTION}×{RESOLUTION}", seconds(times["advviz"]), seconds(first_row), seconds(times["floor"]),
          seconds(times["floor-64cl"]), seconds(limit), ratio(times["advviz"] / times["floor"]),
          ratio(times["advviz"] / times["floor-64cl"]), ratio(times["advviz"] / limit)]])
    print(f"targets: whole map ≤ 1.5 s ({'met' if times['advviz'] <= 1.5 else 'missed'}), "
          f"first row ≤ 50 ms ({'met' if first_row <= 0.05 else 'missed'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
