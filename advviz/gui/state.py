"""What the panels show, accumulated from job steps on the main thread (numpy; no Qt).

A sweep streams chunks of ε rows; :class:`SweepState` collects them so that a redraw at any moment
shows every point received so far. The panels read from here on the redraw timer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advviz.gui.jobs import SweepHeader, TransferHeader



def snap_to_grid(value: float, grid: np.ndarray) -> float:
    """The grid ε nearest to ``value``; for a nonzero value the nearest nonzero one (the cursor at 0.25
    on the grid −0.5, 0, 0.5 went to 0 in the heatmaps while the transfer matrix kept 0.25)."""
    candidates = grid[grid != 0] if value != 0 and np.any(grid != 0) else grid
    return float(candidates[np.abs(candidates - value).argmin()])

class JobState:
    """What a job has produced so far; ``stopped`` once the job ended early (cancelled or failed), so
    that its panel says so instead of "computing…"."""

    stopped = False

    def unfinished(self, done: int, total: int, unit: str) -> str:
        """" · computing 3/8 models…" while the job runs, " · stopped after 3/8 models" once it ended early,
        nothing once complete."""
        if done >= total:
            return ""
        return f" · stopped after {done}/{total} {unit}" if self.stopped else f" · computing {done}/{total} {unit}…"


@dataclass(frozen=True)
class Band:
    """A run of ε where the prediction differs from the clean one: ``start`` … ``stop`` as drawn, ``points`` grid
    points of class ``predicted``. The argmax is known at grid points only: an edge beside a clean point (or the
    grid's end) is the band's own grid point, where the header's "flips to 2 at ε = +1.000" names it (it was half
    a grid step out, at +0.5 on the grid −1, 0, 1); an edge beside another flipped class is halfway between."""

    start: float
    stop: float
    predicted: int
    points: int = 1


def flip_runs(bands: list[Band]) -> list[list[Band]]:
    """Group touching bands into runs of ε where the prediction differs from the clean one, each run
    ordered from ε = 0 outwards (the class it flips to first comes first)."""
    runs: list[list[Band]] = []
    for band in bands:
        if runs and abs(band.start - runs[-1][-1].stop) < 1e-6 * max(1.0, abs(band.start)):
            runs[-1].append(band)
        else:
            runs.append([band])
    return [run[::-1] if run[-1].stop <= 1e-9 else run for run in runs]


class SweepState(JobState):
    """One sample's sweep: header, then the core's SweepStart and SweepChunks."""

    def __init__(self, header: SweepHeader) -> None:
        self.header = header
        self.eps: np.ndarray | None = None
        self.logits: np.ndarray | None = None  # (K, C), NaN until received
        self.adversarial: np.ndarray | None = None  # (K, C, H, W) for iterative attacks
        self.x: np.ndarray | None = None  # (C, H, W)
        self.direction: np.ndarray | None = None
        self.gradient: np.ndarray | None = None
        self.zero_gradient_fraction = 0.0
        self.clip = header.attack.clip
        self.filled = 0
        self._probabilities: np.ndarray | None = None
        self._clean: tuple[int, float] | None = None

    # -- feeding ----------------------------------------------------------------------------
    def apply(self, step: object) -> None:
        from advviz.core.sweep import SweepChunk, SweepStart

        if isinstance(step, SweepStart):
            self.eps = np.asarray(step.eps, dtype=np.float32)
            self.x = step.x[0]
            self.gradient = None if step.gradient is None else step.gradient[0]
            self.direction = None if step.direction is None else step.direction[0]
            self.zero_gradient_fraction = float(step.zero_gradient_fraction)
            self.clip = step.clip
            self.logits = np.full((len(self.eps), len(self.header.class_names)), np.nan, dtype=np.float32)
        elif isinstance(step, SweepChunk) and self.logits is not None:
            self.logits[step.start:step.stop] = step.logits[:, 0]
            if step.adversarial is not None:
                if self.adversarial is None:
                    self.adversarial = np.full((step.total, *step.adversarial.shape[2:]), np.nan, dtype=np.float32)
                self.adversarial[step.start:step.stop] = step.adversarial[:, 0]
            self.filled = max(self.filled, step.stop)
            self._probabilities = None

    @property
    def started(self) -> bool:
        return self.eps is not None

    @property
    def total(self) -> int:
        return 0 if self.eps is None else len(self.eps)

    @property
    def complete(self) -> bool:
        return self.started and self.filled == self.total

    # -- reading ----------------------------------------------------------------------------
    def index_of(self, eps: float) -> int:
        """Index of the grid ε nearest to ``eps``."""
        assert self.eps is not None
        return int(np.abs(self.eps - eps).argmin())

    def probabilities(self) -> np.ndarray:
        """Softmax probabilities (K, C) of the received rows (via the core: RBF's reject logit)."""
        assert self.logits is not None
        if self._probabilities is None:
            import torch

            from advviz.core.outputs import probabilities

            self._probabilities = probabilities(torch.from_numpy(self.logits),
                                                reject_logit=self.header.reject_logit).numpy()
        return self._probabilities

    def clean(self) -> tuple[int, float]:
        """Clean prediction and its probability (asked several times per redraw: computed once)."""
        if self._clean is None:
            import torch

            from advviz.core.outputs import probabilities

            probs = probabilities(torch.from_numpy(self.header.clean_logits), reject_logit=self.header.reject_logit)
            self._clean = (int(probs.argmax()), float(probs.max()))
        return self._clean

    def prediction_at(self, index: int) -> tuple[int, float] | None:
        if self.logits is None or index >= self.filled or not np.isfinite(self.logits[index]).all():
            return None
        probs = self.probabilities()[index]
        return int(probs.argmax()), float(probs.max())

    def adversarial_at(self, index: int) -> np.ndarray | None:
        """x̃ at grid index ``index`` (C, H, W): clip(x + ε·d) for directional attacks."""
        if self.x is None or self.eps is None:
            return None
        if self.direction is not None:
            import torch

            from advviz.core.sweep import perturbed

            moved = perturbed(torch.from_numpy(self.x), torch.from_numpy(self.direction), float(self.eps[index]),
                              clip=self.clip)
            return moved.numpy()
        if self.adversarial is None or index >= self.filled:
            return None
        return self.adversarial[index]

    def bands(self) -> list[Band]:
        """Runs of received ε whose argmax differs from the clean prediction (see :class:`Band` for their edges)."""
        if self.logits is None or self.eps is None or self.filled == 0:
            return []
        clean, _ = self.clean()
        eps = self.eps[: self.filled].astype(np.float64)
        predicted = self.logits[: self.filled].argmax(axis=1)
        flipped = predicted != clean
        bands: list[Band] = []
        start = None
        for index in range(self.filled + 1):
            same = start is not None and index < self.filled and predicted[index] == predicted[start]
            if start is not None and not same:
                last = index - 1
                low = (eps[start - 1] + eps[start]) / 2 if start > 0 and flipped[start - 1] else eps[start]
                high = (eps[last] + eps[index]) / 2 if index < self.filled and flipped[index] else eps[last]
                bands.append(Band(float(low), float(high), int(predicted[start]), index - start))
                start = None
            if start is None and index < self.filled and flipped[index]:
                start = index
        return bands

    def first_eps_predicting(self, cls: int) -> float | None:
        """Smallest received ε > 0 whose argmax is ``cls`` (a targeted attack reaching its target)."""
        if self.logits is None or self.eps is None or self.filled == 0:
            return None
        eps = self.eps[: self.filled]
        hits = np.nonzero((eps > 0) & (self.logits[: self.filled].argmax(axis=1) == cls))[0]
        return float(eps[hits[0]]) if len(hits) else None

    def flip_eps(self) -> tuple[float | None, float | None]:
        """Smallest ε > 0 (and largest ε < 0) that changes the prediction, among received rows."""
        if self.logits is None or self.eps is None or self.filled == 0:
            return None, None
        from advviz.core.sweep import summarize

        summary = summarize(self.eps[: self.filled], self.logits[: self.filled], self.header.clean_logits)
        return summary.flip_eps, summary.flip_eps_negative


class TransferState(JobState):
    """The N×N matrices, filled cell by cell."""

    def __init__(self, header: TransferHeader) -> None:
        from advviz.core.transfer import TransferResult

        self.header = header
        self.result = TransferResult.empty(header.names, header.eps, header.samples)
        self.done = 0
        self.total = len(header.names) ** 2

    def apply(self, cell: object) -> None:
        self.result.fill(cell)  # type: ignore[arg-type]
        self.done = getattr(cell, "done", self.done + 1)

    def matrix(self, metric: str) -> np.ndarray:
        return getattr(self.result, metric)
