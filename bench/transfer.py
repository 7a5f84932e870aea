"""Benchmark the transfer matrix (paper §8): 5 shipped MNIST models × 2,000 test samples at one ε.

    python bench/transfer.py           # ~1–2 minutes on a 2-core CPU
    python bench/transfer.py --quick

* advviz      — ``advviz.core.transfer.transfer_matrix`` (N chunked gradients, N² chunked forwards).
* per-pair    — the loop over pairs a torchattacks user writes first: for each (source, target),
  ``torchattacks.FGSM(source, eps)`` on all 2,000 samples, then one unchunked forward of the target
  (N² gradients + N² forwards: the attack is recomputed for every target).
* per-source  — the careful loop: the attack once per source, reused for every target (N gradients +
  N² forwards, the same work as advviz: only batching and kernels differ).
  Each piece of both loops runs with the thread count advviz measured for that model
  (``--default-threads``: torch's budget), so ratios compare code, not contention.
* limit     — multiply-adds of that work (N gradients counted as two forwards each, N² forwards;
  forward hooks on Conv2d/Linear, the RBF layer in its GEMM form) × 2 FLOP ÷ the best float32
  GEMM rate, measured interleaved with the peers in this run.
"""

from __future__ import annotations


import torch

import _common  # noqa: F401  (puts the checkout on sys.path)
from _common import (bench_arguments, calibrated_threads, gemm_peers, gemm_rate_of, interleaved_medians, machine, multiply_adds,
                     print_table, ratio, seconds)

from advviz.core import batching
from advviz.core.data import load_dataset
from advviz.core.transfer import transfer_matrix
from advviz.core.zoo import load_model

MODELS = ("mnist-softmax", "mnist-mlp", "mnist-maxout", "mnist-cnn", "mnist-rbf")
EPS = 0.25
SAMPLES = 2000


def per_pair_loop(models, x, y, threads: list[int]) -> torch.Tensor:
    """For each (source, target): torchattacks FGSM on the source, a forward of the target, no
    chunking. Returns the error-rate matrix."""
    import torchattacks

    error = torch.empty(len(models), len(models), device=x.device)
    for i, source in enumerate(models):
        for j, target in enumerate(models):
            with batching._threads(threads[i]):
                adversarial = torchattacks.FGSM(source, eps=EPS)(x, y)
            with batching._threads(threads[j]), torch.no_grad():
                error[i, j] = (target(adversarial).argmax(1) != y).float().mean()
    return error


def per_source_loop(models, x, y, threads: list[int]) -> torch.Tensor:
    """torchattacks FGSM once per source, a forward per target, no chunking: the error-rate matrix."""
    import torchattacks

    error = torch.empty(len(models), len(models), device=x.device)
    for i, source in enumerate(models):
        with batching._threads(threads[i]):
            adversarial = torchattacks.FGSM(source, eps=EPS)(x, y)
        for j, target in enumerate(models):
            with batching._threads(threads[j]), torch.no_grad():
                error[i, j] = (target(adversarial).argmax(1) != y).float().mean()
    return error


def main() -> None:
    args = bench_arguments(__doc__)
    x_all, y_all = load_dataset("mnist", "test")
    x, y = x_all[:SAMPLES].to(args.device), y_all[:SAMPLES].to(args.device)
    models = [load_model(name, device=args.device) for name in MODELS]
    print(machine(args.device))
    chosen = [calibrated_threads(model, x) for model in models]
    threads = [torch.get_num_threads()] * len(models) if args.default_threads else chosen
    print("advviz's thread policy: " + ", ".join(f"{n} {t}" for n, t in zip(MODELS, chosen)))

    ours = transfer_matrix(models, x, y, EPS)
    theirs = per_source_loop(models, x, y, threads)
    agree = float((torch.from_numpy(ours.error).float() - theirs.cpu()).abs().max())
    print(f"largest |error-rate difference| advviz vs the torchattacks loops: {agree:.4f} "
          "(torchattacks ignores the RBF model's reject logit in its loss)")

    macs = {name: multiply_adds(model, x)[0] for name, model in zip(MODELS, models)}
    work = sum(2 * macs[s] for s in MODELS) + len(MODELS) * sum(macs.values())  # MACs per sample
    flops = 2 * work * SAMPLES

    reps = 3 if args.quick else 4
    times = interleaved_medians({
        "advviz": lambda: transfer_matrix(models, x, y, EPS),
        "per-pair": lambda: per_pair_loop(models, x, y, threads),
        "per-source": lambda: per_source_loop(models, x, y, threads),
        **gemm_peers(args.device),
    }, reps=reps, warmup=0)  # advviz and the loop ran above (the agreement check)
    rate = gemm_rate_of(times)
    limit = flops / rate
    adv = times["advviz"]
    print("multiply-adds per image: " + ", ".join(f"{n} {m / 1e6:.2f} M" for n, m in macs.items()))
    print(f"work: {flops / 1e9:.1f} GFLOP; float32 GEMM {rate / 1e9:.1f} GFLOP/s (interleaved; on a CPU the best "
          f"of 1 / {torch.get_num_threads()} threads)")
    print()
    print_table(["case", "advviz", "per-pair", "per-source", "limit", "adv/limit", "pair/adv", "source/adv"],
                [[f"{len(MODELS)} models × {SAMPLES}, ε={EPS}", seconds(adv), seconds(times["per-pair"]),
                  seconds(times["per-source"]), seconds(limit), ratio(adv / limit), ratio(times["per-pair"] / adv),
                  ratio(times["per-source"] / adv)]])
    print("\ntargets: adv/limit ≤ 2, pair/adv ≥ 5 (per-source does advviz's own work: its ratio is kernels only)")


if __name__ == "__main__":
    main()
