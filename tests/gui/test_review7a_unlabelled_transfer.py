"""The transfer tab on images of the user's without labels."""

from __future__ import annotations

import numpy as np
from PIL import Image


def _save(window, folder, indices, *, by_class):
    for index in indices:
        sub = folder / str(int(window.data.y[index])) if by_class else folder
        sub.mkdir(parents=True, exist_ok=True)
        Image.fromarray((window.data.x[index, 0].numpy() * 255).astype(np.uint8)).save(sub / f"d{index}.png")


def test_transfer_of_unlabelled_images_says_why_and_drops_the_old_matrix(window, idle, tmp_path):
    """After a labelled folder, a flat one left the labelled folder's matrix ("on 12 of your images") up beside
    5 unlabelled images, with a red 'transfer: … needs labelled images' on every tab."""
    labelled, flat = tmp_path / "labelled", tmp_path / "flat"
    _save(window, labelled, range(12), by_class=True)
    _save(window, flat, range(20, 25), by_class=False)
    window.controls.set_checked(["mnist-cnn", "mnist-softmax"])
    idle(window)
    window.tabs.setCurrentWidget(window.transfer_panel)
    window.load_folder(str(labelled))
    idle(window)
    assert window.transfer is not None and window.transfer.header.samples == 12
    window.load_folder(str(flat))
    idle(window)
    assert bool((window.data.y < 0).all())
    assert window.transfer is None
    assert window.error_label.text() == ""
    caption = window.transfer_panel.caption.text()
    assert "needs labelled images" in caption and "12 of your images" not in caption
