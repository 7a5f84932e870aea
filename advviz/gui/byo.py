"""Bring your own: torchvision / TorchScript models and your own images, in the window.

A user model is a :class:`~advviz.core.user_model_spec.UserModelSpec` (everything needed to rebuild it, so
sessions can store it; the CLI builds the same from its options); :func:`user_model_job` builds it on a worker
thread and checks it against the images it will see (``check_fits_data``). A model that disagrees with the data
is refused with a message saying what it expected and what it got; nothing in the window changes until a
model has passed. Images (a file, a folder, several dropped files) are loaded at the input shape of the model
being swept, RGB or grey, resized and centre-cropped (:func:`images_job`).

No torch at import time (:mod:`advviz.core.user_model_spec` loads it when a model loads): the window imports
this module before torch loads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QDialog, QFileDialog

# the Qt-free parts live in the core, shared with the CLI; imported here under their old names too
from advviz.core.user_model_spec import (  # noqa: F401 - re-exported for sessions, jobs and tests
    UserModelSpec, check_class_count, imagenet_classes, name_classes_by_data,
)
from advviz.core.user_model_spec import check_fits_data as core_check_fits_data
from advviz.core.user_model_spec import load_images_for_model
from advviz.gui.jobs import DataLoaded, Progress, clean_accuracy, drift_message

if TYPE_CHECKING:
    from advviz.gui.window import MainWindow

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)"


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
    accuracy: tuple[float, int] | None = None  # clean accuracy on the labelled images it was checked on, and how many


def images_job(paths: Sequence[str], dataset: str, shape: tuple[int, int, int],
               class_names: Sequence[str] | None) -> Iterator[Any]:
    """The user's images at the swept model's input ``shape``, labelled with its ``class_names`` (by sub-folder
    name), or with None (a model of numbered classes) the sub-folders in sorted order, as torchvision's ImageFolder
    (:meth:`~advviz.core.user_model_spec.UserModelSpec.folder_class_names`)."""
    from advviz.core import zoo

    paths = [str(path) for path in paths]
    names = ", ".join(Path(path).name for path in paths)
    yield Progress(f"Loading images from {names}…")
    found = load_images_for_model(paths, shape, class_names)
    x, y, skipped = found.x, found.y, found.notes
    title = (f"{names if len(paths) < 3 else f'{len(paths)} files'} ({len(x)} images, {shape[0]}×{shape[1]}×{shape[2]}"
             + "".join(f"; {note}" for note in skipped) + ")")
    yield ImagesLoaded(dataset, title, x, y, found.class_names or tuple(class_names or ()), zoo.list_models(dataset),
                       source=tuple(paths))


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
        # numbered classes take the sub-folders in ImageFolder order, named classes match them by name (as the CLI)
        found = load_images_for_model(images, tuple(model.input_shape), spec.folder_class_names())
        x, y, classes = found.x, found.y, found.class_names or tuple(model.class_names)
        names = ", ".join(Path(path).name for path in images)
        notes = "".join(f"; {note}" for note in found.notes)
        loaded = ImagesLoaded(spec.dataset or "mnist", f"{names} ({len(x)} images for {Path(spec.label).name}{notes})",
                              x, y, classes, zoo.list_models(spec.dataset or "mnist"),
                              source=tuple(str(path) for path in images))
        data_x, data_y, data_classes = x, y, classes
    if data_x is None or len(data_x) == 0:
        raise ModelLoadError("no images to check the model on; load images for it")
    yield Progress(f"Checking {spec.label} on the images…")
    check_fits_data(model, data_x, data_y, data_classes, hint="" if images else IMAGES_HINT)
    name_classes_by_data(model, data_classes)
    accuracy = yield from clean_accuracy(model, data_x, data_y, spec.label)  # float32, before the precision below
    from advviz.core.precision import apply_forward_precision

    drift = apply_forward_precision(model, precision, data_x)
    yield UserModelReady(spec, model, str(resolved), loaded, message, drift, accuracy)


IMAGES_HINT = " — load images for it (the dialog's images field, or drop a folder on the window)"


def check_fits_data(model: Any, x: Any, y: Any, class_names: Sequence[str], *, hint: str = IMAGES_HINT) -> None:
    """:func:`advviz.core.user_model_spec.check_fits_data`, telling the window's user where to load images."""
    core_check_fits_data(model, x, y, class_names, hint=hint)


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
        text, tooltip = window.user_model_row(spec, ready.accuracy, ready.data)  # with its clean accuracy
        controls.add_model(spec.key, text, tooltip, checked=True, first=True)
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

    def target_shape(self) -> tuple[tuple[int, int, int], tuple[str, ...] | None]:
        """Input shape and class names of the model being swept (the data set's when none is); None for a user
        model whose classes are still numbered: the images' sub-folders are its classes in sorted order."""
        model = self.window.sweep_model()
        if model is not None:
            return tuple(model.input_shape), None if self._numbered(model) else tuple(model.class_names)
        from advviz.core.data import dataset_info

        info = dataset_info(self.window.dataset)
        return info.input_shape, info.classes

    def _numbered(self, model: Any) -> bool:
        """Whether ``model`` is a user model of numbered classes not yet named after a folder's sub-folders."""
        spec = next((self.window.specs.get(key) for key, loaded in self.window.loaded.items() if loaded is model), None)
        numbered = tuple(str(index) for index in range(len(model.class_names)))
        return (isinstance(spec, UserModelSpec) and spec.folder_class_names() is None
                and tuple(model.class_names) == numbered)

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
                            None if class_names is None else tuple(class_names), on_step=self._images_step,
                            on_error=window._failed("images", "data"))

    def _images_step(self, step: Any) -> None:
        window = self.window
        if isinstance(step, ImagesLoaded):
            for model in list(window.loaded.values()):  # numbered classes take the sub-folders' names
                if self._numbered(model):
                    name_classes_by_data(model, step.class_names)
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
