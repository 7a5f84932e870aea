"""Benchmark the FGSM ε-sweep (paper Fig. 4) against the raw-torch floor, torchattacks, Foolbox and
the arithmetic limit, on the shipped mnist-cnn and the same inputs.

    python bench/sweep.py            # both cases, ~2 minutes on a 2-core CPU
    python bench/sweep.py --quick    # fewer repetitions
    python bench/sweep.py --device cuda   # models, inputs and every peer on the GPU

Every peer produces the same thing: logits (K, B, C) of clip(x + ε_k·sign(∇ₓJ)) for K values of ε.

* advviz      — ``advviz.core.sweep.fgsm_sweep`` (one gradient, chunked forwards via core.batching).
* floor       — inline torch: one gradient, the K·B images built at once, one batched forward.
* floor-64cl  — the same, forwards in chunks of 64 in channels_last.
* torchattacks — ``torchattacks.FGSM(model, eps=e)`` per ε, plus a forward each (a gradient per ε).
* foolbox     — ``fb.attacks.FGSM()(fmodel, x, y, epsilons=[...])`` plus a forward of each clipped batch for
  the logits. Foolbox accepts only ε ≥ 0, so it gets |ε| of the same grid (same size K, same work).
* threads     — advviz measures whether 1 thread beats torch's budget (often, on a loaded machine); every
  peer runs with the thread count advviz chose, so ratios compare libraries, not OpenMP contention.
  ``--default-threads`` runs the peers at torch's budget instead.
* limit       — multiply-adds (forward hooks on Conv2d/Linear) × 2 FLOP ÷ the best float32 GEMM rate
  (best of 1 thread / torch's budget), timed interleaved with the peers; the gradient counts as two forwards (forward + input backward, weights frozen).
"""

from __future__ import annotations


import numpy as np
import torch
import torch.nn.functional as F

import _common  # noqa: F401  (puts the checkout on sys.path)
from _common import (at_threads, bench_arguments, cnn_setup, gemm_peers, gemm_rate_of, interleaved_medians, multiply_adds,
                     print_table, ratio, seconds)

from advviz.core.sweep import eps_grid, fgsm_sweep

CASES = ((1, 201), (256, 21))
EPS_MAX = 0.25


def floor_sweep(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: torch.Tensor,
                chunk: int | None = None) -> torch.Tensor:
    """The raw-torch floor: one gradient, then the K·B perturbed images through the model."""
    batch = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(batch), y, reduction="sum")
    (grad,) = torch.autograd.grad(loss, batch)
    with torch.inference_mode():
        images = (x.unsqueeze(0) + eps.view(-1, 1, 1, 1, 1) * grad.sign().unsqueeze(0)).clamp_(0, 1)
        images = images.view(-1, *x.shape[1:])
        if chunk is None:
            logits = model(images)
        else:
            logits = torch.cat([model(images[s: s + chunk].contiguous(memory_format=torch.channels_last))
                                for s in range(0, len(images), chunk)])
    return logits.view(len(eps), len(x), -1)


def torchattacks_sweep(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: list[float]) -> torch.Tensor:
    import torchattacks

    out = []
    for value in eps:
        adversarial = torchattacks.FGSM(model, eps=value)(x, y)
        with torch.no_grad():
            out.append(model(adversarial))
    return torch.stack(out)


def foolbox_sweep(fmodel, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: list[float]) -> torch.Tensor:
    import foolbox as fb

    _, clipped, _ = fb.attacks.FGSM()(fmodel, x, y, epsilons=eps)
    with torch.no_grad():
        return torch.stack([model(batch) for batch in clipped])


def run_case(model, x_all, y_all, batch: int, steps: int, reps: int, threads: int) -> list[str]:
    import foolbox as fb

    x, y = x_all[:batch].clone(), y_all[:batch].clone()
    eps_np = eps_grid(EPS_MAX, steps)
    eps = torch.from_numpy(eps_np).to(x.device)
    fmodel = fb.PyTorchModel(model, bounds=(0, 1), device=x.device)  # its default moves models to a GPU
    abs_eps = np.abs(eps_np).tolist()  # Foolbox: ε ≥ 0 only; same grid size

    # the peers agree (sanity check, untimed)
    ours = fgsm_sweep(model, x, y, eps_np)
    reference = floor_sweep(model, x, y, eps).cpu()
    agree = float((ours.argmax(-1) == reference.argmax(-1)).float().mean())

    times = interleaved_medians({
        "advviz": lambda: fgsm_sweep(model, x, y, eps_np),
        "floor": at_threads(threads, lambda: floor_sweep(model, x, y, eps)),
        "floor-64cl": at_threads(threads, lambda: floor_sweep(model, x, y, eps, chunk=64)),
        "torchattacks": at_threads(threads, lambda: torchattacks_sweep(model, x, y, eps_np.tolist())),
        "foolbox": at_threads(threads, lambda: foolbox_sweep(fmodel, model, x, y, abs_eps)),
        **gemm_peers(x.device),
    }, reps=reps)
    rate = gemm_rate_of(times)
    macs, _ = multiply_adds(model, x)
    limit = macs * 2 * (steps * batch + 2 * batch) / rate
    adv = times["advviz"]
    print(f"  (B={batch}, K={steps}): advviz and floor agree on {agree:.1%} of predictions; "
          f"{macs / 1e6:.2f} M multiply-adds per image; GEMM {rate / 1e9:.1f} GFLOP/s")
    return [f"B={batch}, K={steps}", seconds(adv), seconds(times["floor"]), seconds(times["floor-64cl"]),
            seconds(times["torchattacks"]), seconds(times["foolbox"]), seconds(limit),
            ratio(adv / times["floor"]), ratio(adv / times["floor-64cl"]), ratio(adv / limit),
            ratio(times["torchattacks"] / adv), ratio(times["foolbox"] / adv)]


def main() -> None:
    args = bench_arguments(__doc__)
    model, x_all, y_all, peer_threads = cnn_setup(args)
    rows = []
    for batch, steps in CASES:
        reps = (3 if args.quick else 7) if batch == 1 else (2 if args.quick else 5)
        rows.append(run_case(model, x_all, y_all, batch, steps, reps, peer_threads))
    print()
    print_table(["case", "advviz", "floor", "floor-64cl", "torchattacks", "foolbox", "limit",
                 "adv/floor", "adv/floor64", "adv/limit", "ta/adv", "fb/adv"], rows)
    print("\nmedian of interleaved repetitions after a warm-up; foolbox ran on |ε| (it refuses ε < 0)")
    print("targets: (256,21) adv/floor ≤ 1.1, adv/limit ≤ 1.6, ta/adv ≥ 7; (1,201) ta/adv ≥ 10")


if __name__ == "__main__":
    main()
