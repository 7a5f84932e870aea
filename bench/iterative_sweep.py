"""Benchmark the BIM ε-sweep (an iterative attack's logits along ε) against a torchattacks loop over ε and the
arithmetic limit, on the shipped mnist-cnn.

    python bench/iterative_sweep.py            # ~1 minute on a 2-core CPU
    python bench/iterative_sweep.py --quick
    python bench/iterative_sweep.py --device cuda

Every peer produces the same thing: logits (K, B, C) of BIM(ε_k) — 10 steps of α = max(ε_k / 8, 1/255),
clipped — for K values of ε ≥ 0 (torchattacks has no mirrored attack for ε < 0: both run |ε| of the grid).

* advviz       — ``advviz.core.sweep.sweep_steps`` with ``BIM(step_fraction=1/8)``: the K ε rows run together,
  each iteration one gradient of all their images (``BIM.rows``), chunked.
* torchattacks — ``torchattacks.BIM(model, eps=ε, alpha=α, steps=10)`` per ε, plus a forward each: K × 10
  gradients of B images, the loop a user writes.
* limit        — multiply-adds × 2 FLOP ÷ the best float32 GEMM rate measured in the same run: K·B·10
  gradients (two forwards each) and K·B forwards.
"""

from __future__ import annotations

import numpy as np
import torch

import _common  # noqa: F401  (puts the checkout on sys.path)
from _common import (at_threads, bench_arguments, cnn_setup, gemm_peers, gemm_rate_of, interleaved_medians, multiply_adds,
                     print_table, ratio, seconds)

from advviz.core.attacks import BIM
from advviz.core.sweep import collect_sweep, eps_grid, sweep_steps

CASES = ((1, 101), (16, 21))
EPS_MAX = 0.25
STEPS = 10


def advviz_sweep(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: np.ndarray) -> torch.Tensor:
    return collect_sweep(sweep_steps(model, x, y, eps, attack=BIM(step_fraction=1 / 8, steps=STEPS)))


def torchattacks_sweep(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: list[float]) -> torch.Tensor:
    import torchattacks

    out = []
    for value in eps:
        adversarial = torchattacks.BIM(model, eps=value, alpha=max(value / 8, 1 / 255), steps=STEPS)(x, y)
        with torch.no_grad():
            out.append(model(adversarial))
    return torch.stack(out)


def run_case(model, x_all, y_all, batch: int, count: int, reps: int, threads: int) -> list[str]:
    x, y = x_all[:batch].clone(), y_all[:batch].clone()
    eps = np.abs(eps_grid(EPS_MAX, count)).astype(np.float32)  # ε ≥ 0: the peer's attack is never mirrored
    ours = advviz_sweep(model, x, y, eps)
    theirs = torchattacks_sweep(model, x, y, eps.tolist()).cpu()
    agree = float((ours.argmax(-1) == theirs.argmax(-1)).float().mean())

    times = interleaved_medians({
        "advviz": lambda: advviz_sweep(model, x, y, eps),
        "torchattacks": at_threads(threads, lambda: torchattacks_sweep(model, x, y, eps.tolist())),
        **gemm_peers(x.device),
    }, reps=reps)
    rate = gemm_rate_of(times)
    macs, _ = multiply_adds(model, x)
    limit = macs * 2 * count * batch * (2 * STEPS + 1) / rate
    adv = times["advviz"]
    print(f"  (B={batch}, K={count}): advviz and torchattacks agree on {agree:.1%} of predictions; "
          f"GEMM {rate / 1e9:.1f} GFLOP/s")
    return [f"B={batch}, K={count}", seconds(adv), seconds(times["torchattacks"]), seconds(limit),
            ratio(adv / limit), ratio(times["torchattacks"] / adv)]


def main() -> None:
    args = bench_arguments(__doc__)
    model, x_all, y_all, peer_threads = cnn_setup(args)
    rows = [run_case(model, x_all, y_all, batch, count, 2 if args.quick else 5, peer_threads)
            for batch, count in CASES]
    print()
    print_table(["case", "advviz", "torchattacks", "limit", "adv/limit", "ta/adv"], rows)
    print(f"\nBIM, {STEPS} steps of max(ε/8, 1/255), clipped; median of interleaved repetitions after a warm-up")


if __name__ == "__main__":
    main()
