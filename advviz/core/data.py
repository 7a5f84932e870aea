"""Shipped data sets (MNIST, Fashion-MNIST) and the user's own images.

Every command uses the same fixed, seeded 8,000 / 2,000 train/test split, so numbers
from the CLI, the window and the tests refer to the same images.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
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

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


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


MIN_IMAGE_SIDE = 4  # smaller images carry no picture: a 1×1 PNG resized to 28×28 is one flat grey
SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")
ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def _has_transparency(image: "PIL.Image.Image") -> bool:  # noqa: F821
    return image.mode in ALPHA_MODES or "transparency" in image.info


def _float_in_pixels(image: "PIL.Image.Image") -> "PIL.Image.Image":  # noqa: F821
    """A floating-point image ("F", e.g. a float TIFF) by its values: in [0, 1] as they are, clearly in 0–255
    scaled; anything else is refused (convert("L") had cut [0, 1] to 0 or 1/255, and NaN to 0)."""
    from PIL import Image

    from advviz.core.checks import LOOKS_LIKE_BYTES

    values = np.asarray(image, dtype=np.float64)
    if not np.isfinite(values).all():
        raise DataError("NaN or infinite pixel values")
    low, high = float(values.min()), float(values.max())
    if low >= 0 and high <= 1:
        return image
    if low >= 0 and LOOKS_LIKE_BYTES < high <= 255:  # the same "0–255 units" rule as the analyses' input check
        return Image.fromarray((values / 255.0).astype(np.float32))
    raise DataError(f"floating-point pixel values {low:g}…{high:g}: expected [0, 1], or 0–255")


def _in_mode(image: "PIL.Image.Image", channels: int) -> "PIL.Image.Image":  # noqa: F821
    """``image`` as "L" or "RGB" (8 bits), or as "F" in [0, 1] when it has more than 8 bits or is floating."""
    from PIL import Image

    if image.mode == "F":
        return _float_in_pixels(image)
    if image.mode in SIXTEEN_BIT_MODES or image.mode == "I":
        # convert("L") clips 16-bit values at 255 (a grey digit turns nearly binary): scale by the bit depth.
        values = np.asarray(image, dtype=np.float64)
        full_scale = 65535.0 if image.mode != "I" or values.max() <= 65535 else 4294967295.0
        return Image.fromarray(np.clip(values / full_scale, 0.0, 1.0).astype(np.float32))
    if _has_transparency(image):
        # Transparent is "no ink": composite onto black, the background of MNIST's white-on-black digits
        # (convert() would drop the alpha channel and keep the colour under it).
        black = Image.new("RGBA", image.size, (0, 0, 0, 255))
        image = Image.alpha_composite(black, image.convert("RGBA"))
    return image.convert("L" if channels == 1 else "RGB")


def _to_array(image: "PIL.Image.Image", channels: int, size: tuple[int, int]) -> np.ndarray:  # noqa: F821
    from PIL import Image

    image = _in_mode(image, channels)
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
    if cropped.mode == "F":  # more than 8 bits or floating, grey, already in [0, 1]
        grey = np.asarray(cropped, dtype=np.float32)[None]
        return grey if channels == 1 else np.repeat(grey, channels, axis=0)
    array = np.asarray(cropped, dtype=np.float32) / 255.0
    return array[None] if channels == 1 else array.transpose(2, 0, 1)


def _image_files(folder: Path) -> list[Path]:
    """The images directly in ``folder``; hidden files (macOS's "._name.png" copies) are not images."""
    return [file for file in sorted(folder.iterdir())
            if file.is_file() and not file.name.startswith(".") and file.suffix.lower() in IMAGE_SUFFIXES]


def _folder_key(name: str) -> str:
    return re.sub(r"[\s_/-]+", " ", name.casefold()).strip()


def _class_of_folder(class_names: tuple[str, ...]) -> Callable[[str], int | None]:
    """Which class a sub-folder's name gives (None: no class, or more than one): the name itself; else,
    ignoring case and with "/", "_", "-" and spaces alike, the whole class name or one "/"-separated part
    of it; else the class index when no class name is a number."""
    by_key: dict[str, int | None] = {}
    by_part: dict[str, int | None] = {}
    for index, name in enumerate(class_names):
        key = _folder_key(name)
        by_key[key] = index if by_key.get(key, index) == index else None  # None: ambiguous
        for part in name.split("/") if "/" in name else ():
            key = _folder_key(part)
            by_part[key] = index if by_part.get(key, index) == index else None
    lookup = {**by_part, **by_key}  # a whole name wins over a part of another one
    if not any(name.strip().isdigit() for name in class_names):
        lookup = {**{str(index): index for index in range(len(class_names))}, **lookup}

    def class_of(folder: str) -> int | None:
        if folder in class_names:
            return class_names.index(folder)
        return lookup.get(_folder_key(folder))

    return class_of


def _listed(paths: list[Path], limit: int = 3) -> str:
    return ", ".join(path.name for path in paths[:limit]) + (", …" if len(paths) > limit else "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


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
    (label -1: unknown). Hidden files and folders (names starting with ".") and sub-folders without
    images are ignored; images beside the class sub-folders load unlabelled (-1).

    When ``class_names`` is given, a sub-folder gives the label of the class it is named after: the
    exact name; or, ignoring case and with "/", "_", "-" and spaces alike, the whole class name or one
    "/"-separated part of it (Fashion-MNIST's "T-shirt/top" as ``T-shirt_top``, ``t-shirt-top`` or
    ``T-shirt``); or the class index (``0`` … ``9``) when no class name is a number. The images of a
    sub-folder named after no class (or after several) load unlabelled, and the folder is named in a note.

    16-bit images are scaled by their bit depth; floating-point ones (a float TIFF) are taken by their values,
    in [0, 1] or 0–255 (other values, NaN or infinity make the file unreadable). Transparent pixels are
    composited onto black, the background of MNIST's white-on-black digits: a dark drawing on a transparent
    background comes out all black, and a note says so. Images smaller than 4×4 pixels and unreadable files
    are skipped.

    Notes on what was skipped or left unlabelled go to ``skipped`` when given (a worker thread must not
    touch the global warnings state), else each is reported by a :class:`SkippedImagesWarning`.

    Returns ``(x (N, C, H, W) in [0, 1], y (N,) int64, class names)``.
    """
    from PIL import Image, UnidentifiedImageError

    if channels not in (1, 3):  # any other count came back as 3 (RGB)
        raise ValueError(f"channels must be 1 (grey) or 3 (RGB), got {channels}")
    root = Path(path)
    if not root.exists():
        raise DataError(f"no such file or folder: {root}")
    notes: list[str] = []
    unlabelled_from: dict[Path, Path] = {}  # an image left unlabelled -> the top folder or its sub-folder
    if root.is_file():
        files, labels, names = [root], [-1], tuple(class_names or ())
    else:
        class_dirs = [folder for folder in sorted(root.iterdir())
                      if folder.is_dir() and not folder.name.startswith(".") and _image_files(folder)]
        names = tuple(class_names) if class_names else tuple(folder.name for folder in class_dirs)
        class_of = _class_of_folder(names)
        top_level = _image_files(root)
        files, labels = list(top_level), [-1] * len(top_level)
        if class_dirs:  # images beside the class sub-folders load unlabelled (a flat folder is all unlabelled)
            unlabelled_from = {file: root for file in top_level}
        for folder in class_dirs:
            label = class_of(folder.name)
            images = _image_files(folder)
            if label is None:  # keep the user's pictures; only their label is unknown
                unlabelled_from.update({file: folder for file in images})
            files += images
            labels += [-1 if label is None else label] * len(images)
    if not files:
        raise DataError(f"no images ({', '.join(IMAGE_SUFFIXES)}) found in {root}")
    arrays, kept, unreadable, too_small, flat = [], [], [], [], []
    for file, label in zip(files, labels):
        try:
            with Image.open(file) as image:
                if min(image.size) < MIN_IMAGE_SIDE:
                    too_small.append(file)
                    continue
                array = _to_array(image, channels, size)
                if (_has_transparency(image) and array.max() - array.min() < 1e-6
                        and image.convert("RGBA").getextrema()[3][0] < 255):  # its picture was in the alpha
                    flat.append(file)
            arrays.append(array)
            kept.append(label)
        except (OSError, UnidentifiedImageError, DataError) as error:
            unreadable.append((file, error))
    if not arrays:  # nothing usable: say why for the first
        if unreadable:
            file, error = unreadable[0]
            raise DataError(f"cannot read image {file}: {error}")
        raise DataError(f"image {too_small[0]} is smaller than {MIN_IMAGE_SIDE}×{MIN_IMAGE_SIDE} pixels")
    # what was left unlabelled, among the images that loaded (an unreadable or tiny one is said to be skipped)
    dropped = {file for file, _ in unreadable} | set(too_small)
    beside = [file for file, origin in unlabelled_from.items() if origin == root and file not in dropped]
    if beside:
        notes.append(f"{_plural(len(beside), 'image')} beside the class sub-folders unlabelled ({_listed(beside)})")
    unmatched: dict[Path, int] = {}
    for file, origin in unlabelled_from.items():
        if origin != root and file not in dropped:
            unmatched[origin] = unmatched.get(origin, 0) + 1
    if unmatched:
        several = len(unmatched) > 1
        notes.append(f"{_plural(sum(unmatched.values()), 'image')} unlabelled: sub-folder{'s' if several else ''} "
                     f"{_listed(list(unmatched))} name{'' if several else 's'} no class "
                     f"({', '.join(names[:4])}{', …' if len(names) > 4 else ''})")
    # one stray file must not refuse a whole folder
    if unreadable:
        notes.append(f"{_plural(len(unreadable), 'unreadable file')} skipped ({_listed([f for f, _ in unreadable])})")
    if too_small:
        notes.append(f"{_plural(len(too_small), 'image')} smaller than {MIN_IMAGE_SIDE}×{MIN_IMAGE_SIDE} pixels "
                     f"skipped ({_listed(too_small)})")
    if flat:
        notes.append(f"{_plural(len(flat), 'image')} all one value after compositing transparency onto black "
                     f"({_listed(flat)}; draw light on dark, as MNIST, or on an opaque background)")
    for note in notes:
        if skipped is not None:
            skipped.append(note)
        else:
            warnings.warn(note, SkippedImagesWarning, stacklevel=2)
    x = torch.from_numpy(np.stack(arrays))
    return x, torch.tensor(kept, dtype=torch.int64), names
