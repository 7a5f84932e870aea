"""The user's own images: which sub-folders give labels, what is left unlabelled or skipped (and said so),
and pixels read at their true depth and transparency."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from advviz.core.data import FASHION_CLASSES, MNIST_CLASSES, load_image_folder
from advviz.core.errors import DataError, SkippedImagesWarning


def _digit() -> np.ndarray:
    """A 28×28 "digit" with grey levels (a ramp in a square on black), as uint8."""
    pixels = np.zeros((28, 28), np.uint8)
    pixels[6:22, 6:22] = np.linspace(40, 255, 16 * 16).reshape(16, 16).astype(np.uint8)
    return pixels


def _save(folder, name, pixels=None, mode=None):
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(_digit() if pixels is None else pixels, mode).save(folder / name)


def _load_quietly(path, **kwargs):
    """Load, failing on any warning (nothing here may be reported)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_image_folder(path, **kwargs)


def test_hidden_and_image_less_sub_folders_do_not_drop_the_labels(tmp_path):
    """An empty ``.ipynb_checkpoints/`` beside 0/ … 9/ turned every label into −1, without a word."""
    for digit in ("0", "1"):
        _save(tmp_path / digit, "a.png")
        _save(tmp_path / digit, "b.png")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    _save(tmp_path / ".thumbnails", "t.png")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("no images here")
    x, y, names = _load_quietly(tmp_path, class_names=MNIST_CLASSES)
    assert x.shape == (4, 1, 28, 28) and y.tolist() == [0, 0, 1, 1] and names == MNIST_CLASSES


def test_a_sub_folder_named_after_no_class_is_named_and_only_its_images_are_unlabelled(tmp_path):
    _save(tmp_path / "3", "a.png")
    _save(tmp_path / "7", "a.png")
    _save(tmp_path / "misc", "a.png")
    _save(tmp_path / "misc", "b.png")
    notes: list[str] = []
    x, y, _ = load_image_folder(tmp_path, class_names=MNIST_CLASSES, skipped=notes)
    assert y.tolist() == [3, 7, -1, -1]
    assert len(notes) == 1 and "2 images unlabelled" in notes[0] and "misc" in notes[0]
    with pytest.warns(SkippedImagesWarning, match="sub-folder misc names no class"):
        load_image_folder(tmp_path, class_names=MNIST_CLASSES)


@pytest.mark.parametrize(("folder", "label"), [
    ("T-shirt", 0), ("t-shirt_top", 0), ("T-SHIRT-TOP", 0), ("top", 0), ("trouser", 1),
    ("ankle_boot", 9), ("Ankle-Boot", 9), ("5", 5),
])
def test_fashion_folders_name_their_class_without_a_slash(tmp_path, folder, label):
    """"T-shirt/top" cannot be a folder name: its parts, "_" or "-" for "/", any case, or the index work."""
    _save(tmp_path / folder, "a.png")
    _save(tmp_path / "Bag", "a.png")
    _, y, _ = _load_quietly(tmp_path, class_names=FASHION_CLASSES)
    assert sorted(y.tolist()) == sorted([label, 8])


def test_the_index_names_a_class_only_when_no_class_name_is_a_number(tmp_path):
    _save(tmp_path / "1", "a.png")
    _save(tmp_path / "5", "a.png")
    notes: list[str] = []
    _, y, _ = load_image_folder(tmp_path, class_names=("3", "5"), skipped=notes)
    assert y.tolist() == [-1, 1] and "sub-folder 1 names no class" in notes[0]


def test_images_beside_class_sub_folders_load_unlabelled_and_are_reported(tmp_path):
    """Top-level images of a folder with class sub-folders were silently left out (1 of 2 loaded)."""
    _save(tmp_path / "3", "a.png")
    _save(tmp_path, "root.png")
    notes: list[str] = []
    x, y, _ = load_image_folder(tmp_path, class_names=MNIST_CLASSES, skipped=notes)
    assert len(x) == 2 and y.tolist() == [-1, 3]
    assert notes == ["1 image beside the class sub-folders unlabelled (root.png)"]


def test_a_16_bit_image_keeps_its_grey_levels(tmp_path):
    """A 16-bit PNG was clipped at 255 of 65535: nearly binary (mean 0.223 against 0.153)."""
    eight = _digit()
    _save(tmp_path, "a_8bit.png", eight)
    _save(tmp_path, "b_16bit.png", eight.astype(np.uint16) * 257)
    assert Image.open(tmp_path / "b_16bit.png").mode.startswith("I")
    x, _, _ = _load_quietly(tmp_path)
    torch.testing.assert_close(x[1], x[0], atol=1e-6, rtol=0)
    rgb, _, _ = _load_quietly(tmp_path, channels=3)
    torch.testing.assert_close(rgb[1], rgb[0], atol=1e-6, rtol=0)


def test_transparent_pixels_are_composited_onto_black(tmp_path):
    """convert() dropped the alpha channel: a white digit drawn on a transparent background came out all white."""
    digit = _digit()
    white_ink = np.full((28, 28, 4), 255, np.uint8)
    white_ink[..., 3] = digit
    _save(tmp_path, "a_grey.png", digit)
    _save(tmp_path, "b_white_on_transparent.png", white_ink, "RGBA")
    x, _, _ = _load_quietly(tmp_path)
    torch.testing.assert_close(x[1], x[0], atol=1.5 / 255, rtol=0)


def test_a_dark_drawing_on_a_transparent_background_says_it_comes_out_flat(tmp_path):
    black_ink = np.zeros((28, 28, 4), np.uint8)
    black_ink[..., 3] = _digit()
    _save(tmp_path, "a_grey.png")
    _save(tmp_path, "b_black_on_transparent.png", black_ink, "RGBA")
    notes: list[str] = []
    x, _, _ = load_image_folder(tmp_path, skipped=notes)
    assert len(x) == 2 and float(x[1].max()) == 0.0
    assert len(notes) == 1 and "all one value" in notes[0] and "b_black_on_transparent.png" in notes[0]


def test_images_smaller_than_4_by_4_pixels_are_skipped_and_named(tmp_path):
    """A 1×1 PNG resized to 28×28 became one flat grey image."""
    _save(tmp_path, "a.png")
    _save(tmp_path, "b_1px.png", np.full((1, 1), 200, np.uint8))
    notes: list[str] = []
    x, _, _ = load_image_folder(tmp_path, skipped=notes)
    assert len(x) == 1 and notes == ["1 image smaller than 4×4 pixels skipped (b_1px.png)"]
    with pytest.raises(DataError, match="b_1px.png is smaller than 4×4 pixels"):
        load_image_folder(tmp_path / "b_1px.png")
