"""The notes on a folder of images count only what they say: an unreadable or too small image beside the
class sub-folders is skipped, not "unlabelled"."""

from __future__ import annotations

import numpy as np
from PIL import Image

from advviz.core.data import MNIST_CLASSES, load_image_folder


def _folder(root):
    """3/ (labelled), seven/ (no class), and beside them: a readable image, a broken file, a 3×3 image."""
    for folder, count in (("3", 2), ("seven", 2)):
        (root / folder).mkdir(parents=True)
        for index in range(count):
            Image.new("L", (28, 28), 40 * index).save(root / folder / f"{index}.png")
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)).save(root / "noise.png")
    (root / "broken.png").write_bytes(b"not a png")
    Image.new("L", (3, 3), 200).save(root / "tiny.png")
    (root / "seven" / "bad.png").write_bytes(b"nor this")
    return root


def test_skipped_images_are_not_counted_as_unlabelled(tmp_path):
    """The note said "3 images beside the class sub-folders unlabelled (broken.png, noise.png, tiny.png)"
    while broken.png and tiny.png were also listed as skipped: only noise.png loaded unlabelled."""
    notes: list[str] = []
    x, y, _ = load_image_folder(_folder(tmp_path), class_names=MNIST_CLASSES, skipped=notes)
    assert len(x) == 5 and sorted(y.tolist()) == [-1, -1, -1, 3, 3]
    assert notes == [
        "1 image beside the class sub-folders unlabelled (noise.png)",
        "2 images unlabelled: sub-folder seven names no class (0, 1, 2, 3, …)",  # not its unreadable bad.png
        "2 unreadable files skipped (broken.png, bad.png)",
        "1 image smaller than 4×4 pixels skipped (tiny.png)",
    ]
    unlabelled = sum(int(note.split()[0]) for note in notes if "unlabelled" in note)
    assert unlabelled == int((y < 0).sum())


def test_no_unlabelled_note_when_every_stray_image_is_skipped(tmp_path):
    (tmp_path / "3").mkdir()
    Image.new("L", (28, 28), 90).save(tmp_path / "3" / "a.png")
    (tmp_path / "broken.png").write_bytes(b"?")
    notes: list[str] = []
    _, y, _ = load_image_folder(tmp_path, class_names=MNIST_CLASSES, skipped=notes)
    assert y.tolist() == [3]
    assert notes == ["1 unreadable file skipped (broken.png)"]
