"""Bring your own: torchvision / TorchScript models and your own images, in the window.

A user model is a :class:`UserModelSpec` (everything needed to rebuild it, so sessions can store it);
:func:`user_model_job` builds it with :mod:`advviz.core.user_models` on a worker thread and checks it
against the images it will see (``check_model_fits``). A model that disagrees with the data is refused
with a message saying what it expected and what it got; nothing in the window changes until a model
has passed. Images (a file, a folder, several dropped files) are loaded at the input shape of the model
being swept, RGB or grey, resized and centre-cropped (:func:`images_job`).

No torch or :mod:`advviz.core` at import time: the window imports this module before torch loads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QDialog, QFileDialog

from advviz.gui.jobs import DataLoaded, ModelSpec, Progress, drift_message

if TYPE_CHECKING:
    from advviz.gui.window import MainWindow

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)"


@dataclass(frozen=True)
class UserModelSpec(ModelSpec):
    """A torchvision architecture (weights file or torchvision's pretrained weights) or a TorchScript file.

    ``path`` is the state_dict (torchvision) or the TorchScript file. Class names come from
    ``class_file`` (one per line), ImageNet's list (``class_source="imagenet"``) or are numbered
    ``0 … class_count − 1``. ``mean``/``std`` normalize inside the model (ε stays in pixel units).
    """

    kind: str = "torchvision"  # "torchvision" or "torchscript"
    pretrained: bool = False
    channels: int = 3
    size: int = 224
    class_source: str = "count"  # "file", "imagenet" or "count"
    class_file: str | None = None
    class_count: int = 10
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.size, self.size)

    @classmethod
    def create(cls, *, kind: str, dataset: str, path: str | None = None, architecture: str | None = None,
               **settings: Any) -> "UserModelSpec":
        """A spec with a key and label derived from its settings."""
        channels = settings.get("channels", 3)
        size = settings.get("size", 224)
        source = architecture if kind == "torchvision" else Path(path or "model").stem
        weights = " pretrained" if settings.get("pretrained") else (f", {Path(path).name}" if path and
                                                                     kind == "torchvision" else "")
        label = f"{source} ({kind}{weights}, {channels}×{size}×{size})"
        key = f"user:{kind}:{architecture or ''}:{path or ''}:{settings.get('pretrained', False)}:{channels}x{size}"
        return cls(key, label, path, architecture, dataset, kind=kind, **settings)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mean"], data["std"] = list(self.mean), list(self.std)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "UserModelSpec":
        """The spec :meth:`to_dict` wrote; ValueError names the first field of the wrong kind (a hand-edited
        session: an unknown ``class_source`` or a ``size`` of "big" failed later, or raised in the window)."""
        if not isinstance(data, dict):
            raise ValueError(f"a user model is a group of settings, not {type(data).__name__}")
        fields = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        for key in ("mean", "std"):
            if key in fields:
                values = fields[key]
                if (not isinstance(values, list) or not values
                        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
                    raise ValueError(f"{key} = {values!r} is not a list of numbers")
                fields[key] = tuple(float(v) for v in values)
        for key in ("key", "label"):
            if not isinstance(fields.get(key), str) or not fields[key]:
                raise ValueError(f"{key} = {fields.get(key)!r} is not a text")
        for key in ("path", "architecture", "dataset", "class_file"):
            if fields.get(key) is not None and not isinstance(fields[key], str):
                raise ValueError(f"{key} = {fields[key]!r} is not a text")
        choices = {"kind": ("torchvision", "torchscript"), "class_source": ("count", "file", "imagenet")}
        for key, allowed in choices.items():
            if key in fields and fields[key] not in allowed:
                raise ValueError(f"{key} = {fields[key]!r} is not one of {', '.join(allowed)}")
        for key, (low, high) in {"channels": (1, 4), "size": (8, 1024), "class_count": (1, 100000)}.items():
            value = fields.get(key)
            if key in fields and (not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high):
                raise ValueError(f"{key} = {value!r} is not a whole number in {low} … {high}")
        if "pretrained" in fields and not isinstance(fields["pretrained"], bool):
            raise ValueError(f"pretrained = {fields['pretrained']!r} is not true or false")
        return cls(**fields)

    def tooltip(self) -> str:
        classes = {"file": f"class names from {self.class_file}", "imagenet": "ImageNet's 1000 classes",
                   "count": f"{self.class_count} numbered classes"}[self.class_source]
        return (f"{self.kind} model, input {self.channels}×{self.size}×{self.size}, {classes}, mean {self.mean}, "
                f"std {self.std}" + (f"\n{self.path}" if self.path else ""))

    def missing_files(self) -> list[str]:
        """Files this spec names that do not exist (sessions report them instead of failing later)."""
        files = [self.path] if self.path else []
        if self.class_source == "file" and self.class_file:
            files.append(self.class_file)
        return [name for name in files if not Path(name).exists()]

    def class_names(self) -> tuple[str, ...] | None:
        from advviz.core.errors import ModelLoadError
        from advviz.core.user_models import read_class_names

        if self.class_source == "file":
            if not self.class_file:
                raise ModelLoadError("choose a class-names file (one name per line)")
            return read_class_names(self.class_file)
        if self.class_source == "imagenet":
            return imagenet_classes()
        if self.class_count < 1:
            raise ModelLoadError("the model needs at least one class")
        return tuple(str(index) for index in range(self.class_count))

    def load(self, device: Any) -> Any:
        """Build the model on ``device`` (used by the window's models job too: device changes, sessions)."""
        from advviz.core.errors import ModelLoadError
        from advviz.core.user_models import torchscript_model, torchvision_model

        names = self.class_names()
        if self.kind == "torchvision":
            if not self.architecture:
                raise ModelLoadError("type a torchvision architecture name, e.g. resnet18")
            if self.channels != 3:
                raise ModelLoadError(f"torchvision models take 3-channel (RGB) input, not {self.channels}")
            if self.path is None and not self.pretrained:
                raise ModelLoadError(f"{self.architecture}: choose a weights file (state_dict) or torchvision's "
                                     "pretrained weights; an untrained network shows nothing")
            model = torchvision_model(self.architecture, weights_file=self.path, pretrained=self.pretrained,
                                      class_names=names, input_size=self.size, mean=self.mean, std=self.std,
                                      device=device)
        elif self.kind == "torchscript":
            if not self.path:
                raise ModelLoadError("choose a TorchScript file (saved with torch.jit.save)")
            model = torchscript_model(self.path, input_shape=self.input_shape, class_names=names or ("0",),
                                      mean=self.mean, std=self.std, device=device)
        else:
            raise ModelLoadError(f"unknown model kind {self.kind!r}")
        model.name = self.label
        return model


def imagenet_classes() -> tuple[str, ...]:
    """ImageNet's class names from torchvision's metadata (shipped with torchvision; no download)."""
    from torchvision.models import get_model_weights

    return tuple(get_model_weights("resnet18").DEFAULT.meta["categories"])


# -- steps and jobs -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImagesLoaded(DataLoaded):
    """The user's images; ``source`` are the paths they came from (for sessions)."""

    source: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class UserModelReady:
    spec: UserModelSpec
    model: Any
    device: str
    data: ImagesLoaded | None = None  # images loaded for this model, when the dialog named some
    message: str | None = None
    drift: Any = None  # PrecisionReport of its reduced-precision forwards, else None


def _load_images(paths: Sequence[str], shape: tuple[int, int, int], class_names: Sequence[str] | None
                 ) -> tuple[Any, Any, list[str]]:
    """Images at ``shape`` (C, H, W); labels from sub-folders named like ``class_names``, else unknown (−1);
    and notes on what was skipped or left unlabelled (unreadable files, sub-folders named after no class),
    for the data's title."""
    import torch

    from advviz.core import data
    from advviz.core.errors import DataError

    channels, height, width = shape
    xs, ys, skipped = [], [], []
    for path in paths:
        # a sub-folder named after no class leaves only its own images unlabelled, with a note
        x, y, _ = data.load_image_folder(path, channels=channels, size=(height, width),
                                         class_names=tuple(class_names) if class_names else None, skipped=skipped)
        xs.append(x)
        ys.append(y)
    x, y = torch.cat(xs), torch.cat(ys)
    if not torch.isfinite(x).all():
        raise DataError(f"{', '.join(paths)}: the images contain NaN or infinite values")
    return x, y, skipped


def images_job(paths: Sequence[str], dataset: str, shape: tuple[int, int, int],
               class_names: Sequence[str]) -> Iterator[Any]:
    """The user's images at the swept model's input ``shape``, labelled with its ``class_names``."""
    from advviz.core import zoo

    paths = [str(path) for path in paths]
    names = ", ".join(Path(path).name for path in paths)
    yield Progress(f"Loading images from {names}…")
    x, y, skipped = _load_images(paths, shape, class_names)
    title = (f"{names if len(paths) < 3 else f'{len(paths)} files'} ({len(x)} images, {shape[0]}×{shape[1]}×{shape[2]}"
             + "".join(f"; {note}" for note in skipped) + ")")
    yield ImagesLoaded(dataset, title, x, y, tuple(class_names), zoo.list_models(dataset), source=tuple(paths))


def user_model_job(spec: UserModelSpec, device: str, images: Sequence[str], data_x: Any, data_y: Any,
                   data_classes: Sequence[str], precision: str = "float32") -> Iterator[Any]:
    """Build ``spec`` and check it against ``images`` (loaded at its input shape) or the window's data."""
    from advviz.core import zoo
    from advviz.core.device import resolve_device
    from advviz.core.errors import ModelLoadError

    resolved, message = resolve_device(device)
    yield Progress(f"Loading model {spec.label}…")
    model = spec.load(resolved)
    loaded = None
    if images:
        yield Progress(f"Loading images for {spec.label}…")
        x, y, skipped = _load_images(images, tuple(model.input_shape), model.class_names)
        names = ", ".join(Path(path).name for path in images)
        notes = "".join(f"; {note}" for note in skipped)
        loaded = ImagesLoaded(spec.dataset or "mnist", f"{names} ({len(x)} images for {Path(spec.label).name}{notes})",
                              x, y, tuple(model.class_names), zoo.list_models(spec.dataset or "mnist"),
                              source=tuple(str(path) for path in images))
        data_x, data_y, data_classes = x, y, model.class_names
    if data_x is None or len(data_x) == 0:
        raise ModelLoadError("no images to check the model on; load images for it")
    yield Progress(f"Checking {spec.label} on the images…")
    check_fits_data(model, data_x, data_y, data_classes, hint="" if images else IMAGES_HINT)
    name_classes_by_data(model, data_classes)
    from advviz.core.precision import apply_forward_precision

    drift = apply_forward_precision(model, precision, data_x)
    yield UserModelReady(spec, model, str(resolved), loaded, message, drift)


IMAGES_HINT = " — load images for it (the dialog's images field, or drop a folder on the window)"


def check_fits_data(model: Any, x: Any, y: Any, class_names: Sequence[str], *, hint: str = IMAGES_HINT) -> None:
    """Refuse a user model that does not take the data's images or cannot name its labels (ModelLoadError);
    the dialog's check, and a session's or a device change's when the model loads again."""
    from advviz.core.errors import ModelLoadError
    from advviz.core.user_models import InputMismatch, check_model_fits

    try:
        check_model_fits(model, x[:2])
    except InputMismatch as error:  # other images may fit it
        raise ModelLoadError(f"{error}{hint}") from error
    check_class_count(model, y, class_names)


def name_classes_by_data(model: Any, class_names: Sequence[str]) -> None:
    """A model with numbered classes ("0" … "9") over data of as many named classes takes the data's names: the
    heatmaps said "predicted 8" of a Fashion-MNIST model where the thumbnails said "Bag"."""
    numbered = tuple(str(index) for index in range(len(model.class_names)))
    if tuple(model.class_names) == numbered and len(class_names) == len(numbered):
        model.class_names = tuple(class_names)


def check_class_count(model: Any, y: Any, class_names: Sequence[str]) -> None:
    """Refuse a model whose classes cannot be the data's labels (labelled data only)."""
    from advviz.core.errors import ModelLoadError

    known = y[y >= 0] if y is not None else []
    if len(known) and len(model.class_names) != len(class_names):
        raise ModelLoadError(f"{model.name} has {len(model.class_names)} classes, the data's labels have "
                             f"{len(class_names)} ({', '.join(list(class_names)[:4])}…); give it the data's class "
                             "names, or load images for it")


# -- the window's side ------------------------------------------------------------------------------
class BringYourOwn(QObject):
    """Adds user models and images to a :class:`MainWindow`; accepts files dropped on it."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    # -- models ------------------------------------------------------------------------------
    def ask_model(self) -> None:
        from advviz.gui.byo_dialog import UserModelDialog

        dialog = UserModelDialog(self.window.dataset, self.window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            spec, images = dialog.request()
            self.add_model(spec, images)

    def add_model(self, spec: UserModelSpec, images: Sequence[str] = ()) -> None:
        """Load ``spec`` (with ``images`` for it, or on the window's data); refusals are shown, nothing lost."""
        window = self.window
        if window.data is None and not images:
            window.show_error("Wait until the data has loaded, or name images for the model.")
            return
        data = window.data
        window.runner.start("user-model", user_model_job, spec, window.controls.device_choice, list(images),
                            None if data is None else data.x, None if data is None else data.y,
                            () if data is None else data.class_names, window.controls.precision_choice,
                            on_step=lambda step, settings=self._settings(): self._model_step(step, settings),
                            on_error=window._failed("model", "user-model"))

    def _settings(self) -> tuple[str, str]:
        return self.window.controls.device_choice, self.window.controls.precision_choice

    def _model_step(self, step: Any, settings: tuple[str, str]) -> None:
        window = self.window
        if isinstance(step, Progress):
            window._progress("user-model", step)
        elif isinstance(step, UserModelReady):
            self._add_ready(step, current=settings == self._settings())

    def _add_ready(self, ready: UserModelReady, *, current: bool = True) -> None:
        """The model joins the list, checked; loaded as it came unless the device or precision changed while it
        loaded (``current`` False): then the models job loads it again with the others, on the new settings."""
        window, controls, spec = self.window, self.window.controls, ready.spec
        window.clear_error()
        window.specs[spec.key] = spec
        if current:
            window.loaded[spec.key] = ready.model
        self._remove_rows(spec.key)
        controls.add_model(spec.key, spec.label, spec.tooltip(), checked=True, first=True)
        data = ready.data if ready.data is not None else window.data
        keep = [key for key in controls.checked_keys() if key == spec.key or self.fits(key, data)]
        if ready.data is not None:
            controls.blockSignals(True)  # the new data's _set_data starts the jobs once
            controls.set_checked(keep)
            controls.blockSignals(False)
            window._data_step(ready.data)
        else:
            controls.set_checked(keep)
        if ready.message:
            window.show_error(ready.message, warning=True)
        if ready.drift is not None and current:  # else the reload says the new precision's drift
            window.show_error(drift_message({ready.model.name: ready.drift}), warning=True)

    def _remove_rows(self, key: str) -> None:
        models = self.window.controls.models
        models.blockSignals(True)
        for row in range(models.count() - 1, -1, -1):
            if models.item(row).data(Qt.ItemDataRole.UserRole) == key:
                models.takeItem(row)
        models.blockSignals(False)

    def fits(self, key: str, data: Any) -> bool:
        """Whether model ``key`` takes ``data``'s images and labels."""
        if data is None:
            return True
        model = self.window.loaded.get(key)
        if model is not None:
            shape, classes = tuple(model.input_shape), len(model.class_names)
        else:
            spec = self.window.specs.get(key)
            if isinstance(spec, UserModelSpec):
                shape, classes = spec.input_shape, None
            else:
                from advviz.core.data import dataset_info

                info = dataset_info((spec.dataset if spec else None) or self.window.dataset)
                shape, classes = info.input_shape, len(info.classes)
        labelled = bool((data.y >= 0).any())
        return shape == tuple(data.x.shape[1:]) and (not labelled or classes in (None, len(data.class_names)))

    # -- images ------------------------------------------------------------------------------
    def ask_images(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.window, "Images", "", IMAGE_FILTER)
        if paths:
            self.load_images(paths)

    def ask_image_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self.window, "Folder of images (one sub-folder per class, or flat)")
        if path:
            self.load_images([path])

    def target_shape(self) -> tuple[tuple[int, int, int], tuple[str, ...]]:
        """Input shape and class names of the model being swept (the data set's when none is)."""
        model = self.window.sweep_model()
        if model is not None:
            return tuple(model.input_shape), tuple(model.class_names)
        from advviz.core.data import dataset_info

        info = dataset_info(self.window.dataset)
        return info.input_shape, info.classes

    def load_images(self, paths: Sequence[str] | str, *, shape: Sequence[int] | None = None,
                    class_names: Sequence[str] | None = None) -> None:
        """Show the images in ``paths`` (files or folders), at the swept model's input shape by default."""
        window = self.window
        paths = [paths] if isinstance(paths, str) else [str(path) for path in paths]
        if window.data is None and shape is None:
            window.show_error("Wait until PyTorch and the data have loaded, then load images.")
            return
        if shape is None or class_names is None:
            default_shape, default_names = self.target_shape()
            shape = shape or default_shape
            class_names = class_names if class_names is not None else default_names
        window.runner.start("data", images_job, paths, window.dataset, tuple(int(v) for v in shape),
                            tuple(class_names), on_step=self._images_step, on_error=window._failed("images", "data"))

    def _images_step(self, step: Any) -> None:
        window = self.window
        if isinstance(step, ImagesLoaded):
            keep = [key for key in window.controls.checked_keys() if self.fits(key, step)]
            if keep != window.controls.checked_keys():
                window.controls.blockSignals(True)
                window.controls.set_checked(keep)
                window.controls.blockSignals(False)
        window._data_step(step)

    # -- drag and drop -----------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if dropped_paths(event):
                event.acceptProposedAction()
                return True
        elif watched is self.window and event.type() == QEvent.Type.Drop:
            paths = dropped_paths(event)
            if paths:
                event.acceptProposedAction()
                self.load_images(paths)
                return True
        return super().eventFilter(watched, event)


def dropped_paths(event: Any) -> list[str]:
    """Local files and folders in a drag event."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]
