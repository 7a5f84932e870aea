"""Stream logits of a grid of inputs row by row, built lazily and forwarded in chunks.

An ε-sweep is a grid of K rows (ε values) × B samples; a decision map is H rows × W points. Both
hand :func:`forward_rows` a function that builds any range of grid items, and receive complete
rows as soon as the chunked forwards have covered them — so a panel can draw row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import torch
from torch import nn

from advviz.core.batching import forward_chunks


def forward_rows(
    model: nn.Module,
    rows: int,
    row_size: int,
    make: Callable[[int, int], torch.Tensor],
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield ``(first_row, stop_row, logits (stop_row − first_row, row_size, C))`` in row order.

    ``make(start, stop)`` returns the inputs of flattened grid items ``start:stop``
    (item i is row i // row_size, column i % row_size).
    """
    total = rows * row_size
    logits: np.ndarray | None = None
    done_rows = 0
    # the first chunk is one row: on two busy cores a 256-input chunk held the first row back 20 ms
    for start, stop, chunk in forward_chunks(model, (total, make), first_chunk=row_size):
        if logits is None:
            logits = np.empty((total, chunk.shape[1]), dtype=np.float32)
        logits[start:stop] = chunk.cpu().numpy()
        complete = stop // row_size
        if complete > done_rows:
            block = logits[done_rows * row_size: complete * row_size].reshape(complete - done_rows, row_size, -1)
            yield done_rows, complete, block.copy()
            done_rows = complete
