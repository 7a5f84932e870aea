"""The user's images in the window: a stray sub-folder keeps the others' labels and is named in the data's
title, and the samples' caption counts wrong answers only where a true label is known."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from advviz.core.data import MNIST_CLASSES
from advviz.gui.samples import SamplesPanel


def _images_loaded(paths, class_names=MNIST_CLASSES):
    from advviz.gui.byo import ImagesLoaded, images_job

    return [step for step in images_job([str(path) for path in paths], "mnist", (1, 28, 28), class_names)
            if isinstance(step, ImagesLoaded)][0]


@pytest.fixture
def digits_folder(tmp_path):
    """0/ … 2/ with two images each, beside a notebook's empty ``.ipynb_checkpoints/``."""
    root = tmp_path / "digits"
    rng = np.random.default_rng(0)
    for digit in range(3):
        (root / str(digit)).mkdir(parents=True)
        for index in range(2):
            Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(root / str(digit) / f"{index}.png")
    (root / ".ipynb_checkpoints").mkdir()
    return root


def test_a_hidden_sub_folder_keeps_the_labels_of_the_class_folders(digits_folder):
    """Loading the folder in the window turned every label into −1 (the samples showed "?")."""
    loaded = _images_loaded([digits_folder])
    assert loaded.y.tolist() == [0, 0, 1, 1, 2, 2]
    assert loaded.title == "digits (6 images, 1×28×28)"


def test_a_sub_folder_named_after_no_class_is_named_in_the_title(digits_folder):
    (digits_folder / "scans").mkdir()
    Image.new("L", (28, 28), 90).save(digits_folder / "scans" / "page.png")
    loaded = _images_loaded([digits_folder])
    assert loaded.y.tolist() == [0, 0, 1, 1, 2, 2, -1]
    assert "1 image unlabelled: sub-folder scans names no class" in loaded.title


@pytest.fixture
def samples(qtbot):
    panel = SamplesPanel()
    qtbot.addWidget(panel)
    return panel


def _predict(panel, labels, predictions):
    x = np.zeros((len(labels), 1, 28, 28), np.float32)
    panel.set_images(x, np.array(labels), MNIST_CLASSES, noun="of your images")
    panel.set_predictions(np.array(predictions), np.full(len(labels), 0.9), "mnist-cnn")
    return panel.caption.text()


def test_the_caption_claims_no_count_of_wrong_answers_without_labels(samples):
    """Unlabelled images said "(0 wrong, in red)": nothing can be wrong when no true class is known."""
    caption = _predict(samples, [-1, -1, -1], [3, 5, 7])
    assert "0 wrong" not in caption and caption.endswith("(labels unknown: none marked wrong)")


def test_the_caption_counts_wrong_answers_among_the_labelled_images(samples):
    assert _predict(samples, [3, -1, 7], [3, 5, 1]).endswith("(1 of 2 labelled wrong, in red)")
    assert _predict(samples, [3, 5, 7], [3, 5, 1]).endswith("(1 wrong, in red)")
