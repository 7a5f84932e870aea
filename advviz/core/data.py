"""Shipped data sets (MNIST, Fashion-MNIST) and the user's own images.

Every command uses the same fixed, seeded 8,000 / 2,000 train/test split, so numbers
from the CLI, the window and the tests refer to the same images.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from advviz.core.errors import DataError, SkippedImagesWarning
from advviz.core.resources import data_dir

Split = Literal["train", "test", "all"]

SPLIT_SEED = 20141220  # the paper's arXiv date; fixed forever so splits never move
TRAIN_SIZE = 8000

MNIST_CLASSES = tuple(str(digit) for digit in range(10))
FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    file: str
    classes: tuple[str, ...]
    input_shape: tuple[int, int, int]  # (C, H, W)


DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo("mnist", "MNIST", "mnist10k.npz", MNIST_CLASSES, (1, 28, 28)),
    "fashion": DatasetInfo("fashion", "Fashion-MNIST", "fashion10k.npz", FASHION_CLASSES, (1, 28, 28)),
}

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")


def dataset_info(name: str) -> DatasetInfo:
    try:
        return DATASETS[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}") from None


def class_names(name: str) -> tuple[str, ...]:
    """Human-readable class names of a shipped data set, indexed by label."""
    return dataset_info(name).classes


def split_indices(count: int, split: Split) -> np.ndarray:
    """Indices of ``split`` within a data set of ``count`` items, in a seeded shuffled order
    (the shipped files are grouped by class; shuffled, any prefix is a fair sample)."""
    order = np.random.default_rng(SPLIT_SEED).permutation(count)
    train_size = min(TRAIN_SIZE, count * 4 // 5)
    if split == "train":
        return order[:train_size]
    if split == "test":
        return order[train_size:]
    if split == "all":
        return np.arange(count)
    raise DataError(f"unknown split {split!r}; choose train, test or all")


def load_dataset(name: str, split: Split = "test") -> tuple[torch.Tensor, torch.Tensor]:
    """Load a shipped data set.

    Returns
    -------
    x : float32 tensor (N, 1, 28, 28) in [0, 1]
    y : int64 tensor (N,)
    """
    info = dataset_info(name)
    path = data_dir() / info.file
    try:
        with np.load(path) as archive:
            images, labels = archive["images"], archive["labels"]
    except (OSError, KeyError, ValueError) as error:
        raise DataError(f"cannot read {path}: {error}") from error
    chosen = split_indices(len(images), split)
    x = torch.from_numpy(images[chosen].astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels[chosen].astype(np.int64))
    return x.contiguous(), y


def _to_array(image: "PIL.Image.Image", channels: int, size: tuple[int, int]) -> np.ndarray:  # noqa: F821
    from PIL import Image

    image = image.convert("L" if channels == 1 else "RGB")
    # Resize the short side, then centre-crop: the usual torchvision eval transform.
    height, width = size
    scale = max(height / image.height, width / image.width)
    resized = image.resize(
        (max(width, round(image.width * scale)), max(height, round(image.height * scale))),
        Image.Resampling.BILINEAR,
    )
    left = (resized.width - width) // 2
    top = (resized.height - height) // 2
    cropped = resized.crop((left, top, left + width, top + height))
    array = np.asarray(cropped, dtype=np.float32) / 255.0
    return array[None] if channels == 1 else array.transpose(2, 0, 1)


def load_image_folder(
    path: str | Path,
    *,
    channels: int = 1,
    size: tuple[int, int] = (28, 28),
    class_names: tuple[str, ...] | None = None,
    skipped: list[str] | None = None,
) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...]]:
    """Load the user's own images, resized and centre-cropped to ``size``.

    ``path`` is an image file, or a folder following torchvision's ImageFolder convention
    (one sub-folder per class, sorted names are labels), or a flat folder of images
    (label -1: unknown). When ``class_names`` is given, sub-folders are matched to it by name.
    Unreadable files in a folder are skipped: noted in ``skipped`` when given (a worker thread must not
    touch the global warnings state), else reported by a :class:`SkippedImagesWarning`.

    Returns ``(x (N, C, H, W) in [0, 1], y (N,) int64, class names)``.
    """
    from PIL import Image, UnidentifiedImageError

    root = Path(path)
    if not root.exists():
        raise DataError(f"no such file or folder: {root}")
    if root.is_file():
        files, labels, names = [root], [-1], tuple(class_names or ())
    else:
        class_dirs = sorted(p for p in root.iterdir() if p.is_dir())
        if class_dirs:
            names = tuple(class_names) if class_names else tuple(p.name for p in class_dirs)
            files, labels = [], []
            for folder in class_dirs:
                if folder.name not in names:
                    raise DataError(f"sub-folder {folder.name!r} is not one of the classes {list(names)}")
                for file in sorted(folder.iterdir()):
                    if file.suffix.lower() in IMAGE_SUFFIXES:
                        files.append(file)
                        labels.append(names.index(folder.name))
        else:
            names = tuple(class_names or ())
            files = [f for f in sorted(root.iterdir()) if f.suffix.lower() in IMAGE_SUFFIXES]
            labels = [-1] * len(files)
    if not files:
        raise DataError(f"no images ({', '.join(IMAGE_SUFFIXES)}) found in {root}")
    arrays, kept, unreadable = [], [], []
    for file, label in zip(files, labels):
        try:
            with Image.open(file) as image:
                arrays.append(_to_array(image, channels, size))
            kept.append(label)
        except (OSError, UnidentifiedImageError) as error:
            unreadable.append((file, error))
    if not arrays:  # nothing readable: say why for the first
        file, error = unreadable[0]
        raise DataError(f"cannot read image {file}: {error}")
    if unreadable:  # one stray file must not refuse a whole folder
        note = (f"{len(unreadable)} unreadable file{'s' if len(unreadable) > 1 else ''} skipped "
                f"({unreadable[0][0].name}{', …' if len(unreadable) > 1 else ''})")
        if skipped is not None:
            skipped.append(note)
        else:
            warnings.warn(note, SkippedImagesWarning, stacklevel=2)
    x = torch.from_numpy(np.stack(arrays))
    return x, torch.tensor(kept, dtype=torch.int64), names
