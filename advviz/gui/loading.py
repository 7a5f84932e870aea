"""The main window's data and models: the start-up job, data sets, the model list, weights files,
the device, and the thumbnails' predictions — and, once the checked models are loaded, the jobs that
show them (sweep, transfer, the explanation panels).

A mixin of :class:`~advviz.gui.window.MainWindow`: it uses the window's runner, controls, panels and
status line, and keeps the state below on the window, where sessions, exports and tests find it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from advviz.gui import jobs
from advviz.gui.controls import DEFAULT_EPS_MAX, DEFAULT_EPS_MAX_L2, DEFAULT_MODEL, PAPER_EPS
from advviz.gui.dialogs import WeightsDialog


def data_caption(title: str, count: int, classes: int, *, own: bool, unlabelled: int = 0) -> tuple[str, str]:
    """The data's caption and its tooltip.

    A zoo data set's title is its name ("MNIST: 2000 images, 10 classes"). The user's images' title already
    counts them and lists what was left unlabelled or skipped ("imgs (7 images, 1×28×28; 1 image beside the
    class sub-folders unlabelled (noise.png); …)"): the caption counts those in a few words (a caption of
    every note squeezed the models list below it), and the tooltip has each note on a line of its own.
    """
    if not own:
        return f"{title}: {count} images, {classes} classes", ""
    # the notes follow "; " and each starts with its count (a note's own "; draw light…" does not)
    head, *notes = re.split(r"; (?=\d)", title)
    if notes:
        head, notes[-1] = head + ")", notes[-1].removesuffix(")")
    skipped = sum(int(match.group(1)) for note in notes if (match := re.match(r"(\d+) [^(]*skipped", note)))
    text = f"{head}, {classes} classes"
    text += f" · {unlabelled} unlabelled" if unlabelled else ""
    text += f" · {skipped} skipped" if skipped else ""
    text += " (which: hover here)" if notes else ""
    return text, "\n".join([head, *notes]) if notes else ""


ACCURACY_TIP = "\nclean accuracy on "  # a measured model's tooltip: this, then which images


def _images_key(data: jobs.DataLoaded) -> tuple[str, str, int]:
    """What tells images apart: their data set, title (a folder's names it and counts what was skipped) and count."""
    return data.dataset, data.title, len(data.x)


class DataAndModels:
    """Loading for the main window (see the module docstring); the window sets the state up."""

    data: jobs.DataLoaded | None
    dataset: str  # the zoo data set whose models are listed
    specs: dict[str, jobs.ModelSpec]
    loaded: dict[str, Any]  # key -> model on the current device
    ready: bool
    _grid_key: str | None

    def start_loading(self) -> None:
        self.progress["data"] = jobs.Progress("Loading PyTorch…")
        self.runner.start("data", jobs.startup_job, self.dataset, on_step=self._data_step,
                          on_error=self._failed("loading", "data"))

    def choose_dataset(self, key: str) -> None:
        if key == "folder":
            path = QFileDialog.getExistingDirectory(self, "Folder of images (one sub-folder per class, or flat)")
            if not path:
                self._restore_dataset_combo()
                return
            self.load_folder(path)
            return
        self.dataset = key
        self.runner.start("data", jobs.dataset_job, key, on_step=self._data_step, on_error=self._failed("data"))

    def load_folder(self, path: str) -> None:
        self.byo.load_images([path])  # at the swept model's input shape, RGB or grey (advviz.gui.byo)

    def _own_images(self) -> bool:
        """Whether the data are the user's own images (not a shipped data set)."""
        from advviz.gui.byo import ImagesLoaded

        return isinstance(self.data, ImagesLoaded)

    def _restore_dataset_combo(self) -> None:
        """The data combo names what is shown: the user's images as "Folder of my images", not the zoo's set."""
        combo = self.controls.dataset
        combo.setCurrentIndex(max(0, combo.findData("folder" if self._own_images() else self.dataset)))

    def _data_step(self, step: Any) -> None:
        if isinstance(step, jobs.Progress):
            self._progress("data", step)
        elif isinstance(step, jobs.DataLoaded):
            self._set_data(step)

    def _set_data(self, data: jobs.DataLoaded) -> None:
        if data.devices:
            self.controls.set_devices(data.devices)
        same_models = self.data is not None and self.data.dataset == data.dataset
        for slot in ("sweep", "transfer", "grid"):  # the old images' results: none may land beside the new ones
            if self.runner.is_running(slot):
                self._stopped(slot)
                self.runner.cancel(slot)
        if self.data is not None:
            self._clear_results_of_old_images(data)
        self.data = data
        self.dataset = data.dataset
        self._forget_accuracies_of_other_images()
        self.clear_error()
        own = self._own_images()
        text, details = data_caption(data.title, len(data.x), len(data.class_names), own=own,
                                     unlabelled=int((data.y < 0).sum()) if own else 0)
        self.controls.set_dataset(data.dataset, data.class_names, text,
                                   image_values=math.prod(data.x.shape[1:]))
        self.controls.data_label.setToolTip(details)
        if not same_models:
            self._list_models(data)
            self._cursor_to_paper_eps(data.dataset)
            self.explain.set_training_eps(PAPER_EPS.get(data.dataset, 0.25))
        else:
            self._relabel_user_models()  # an accuracy measured on the images shown before goes
        self._restore_dataset_combo()
        count = min(jobs.GRID_SIZE, len(data.x))
        noun = "of your images" if self._own_images() else "test images"
        self.samples.set_images(data.x[:count].numpy(), data.y[:count].numpy(), data.class_names, noun=noun,
                                total=len(data.x))
        self.transfer_panel.images_noun = noun
        self._grid_key = None
        self.samples.grid.blockSignals(True)
        self.samples.set_current(0)
        self.samples.grid.blockSignals(False)
        self.controls.setEnabled(True)
        self.samples.setEnabled(True)
        misfits = self._uncheck_misfits()
        default = DEFAULT_MODEL.format(dataset=data.dataset)
        if misfits and not self.controls.checked_keys() and default in self.specs:
            self.controls.blockSignals(True)  # _models_changed runs below, once
            self.controls.set_checked([default])
            self.controls.blockSignals(False)
        self._models_changed()

    def _clear_results_of_old_images(self, data: jobs.DataLoaded) -> None:
        """New images replace the shown ones: every result computed on the old ones goes at once — the sweep's curves
        and heatmaps, the transfer matrix and the automatic explanation panels (their jobs stop) — until the new
        images' models have loaded and compute again. For half a second after a switch to Fashion-MNIST the heatmaps
        showed MNIST's "3" beside Fashion's thumbnails, and the robustness curves MNIST's models "computing 0/110".
        Adversarial training and the paper table keep theirs (they run models of their own)."""
        message = "New images: computing again once their models have loaded…"
        self._awaiting_header -= {"sweep", "transfer"}
        self.sweep = self.transfer = None  # a pending redraw would bring them back
        self.curves.set_classes(data.class_names)  # no legend of the old classes beside empty lines
        self.curves.clear(message)
        self.heatmaps.clear()
        self.transfer_panel.clear(message)
        self.explain.data_changed(message)

    def _cursor_to_paper_eps(self, dataset: str) -> None:
        """A new data set puts the cursor at its paper ε (scaled as ε max is for an L2 attack), on the grid
        of the sweep to come. Put there as is, the cursor's label and the transfer matrix said ε = 0.100
        beside heatmaps at 0.092 (20 steps), and with an L2 attack the cursor sat at 0.25 on a 0…5 axis."""
        from advviz.core.sweep import eps_grid  # torch has loaded: the data came from the start-up job

        eps_max = self.controls.eps_max.value()
        eps = PAPER_EPS.get(dataset, 0.25)
        if self.controls.attack_choice.norm == "L2":
            eps *= DEFAULT_EPS_MAX_L2.get(dataset, 0.5) / DEFAULT_EPS_MAX.get(dataset, 0.5)
        self.curves.set_range(eps_max)  # the old range's bounds would clamp the cursor
        self.curves.place_cursor(min(eps, eps_max), eps_grid(eps_max, self.controls.steps.value()))

    def _uncheck_misfits(self) -> list[str]:
        """Uncheck, and name, the checked models that do not take the data's images or classes (they stay
        listed); returns their keys. Checked later, such a model failed only when a job ran."""
        data = self.data
        misfits = [key for key in self.controls.checked_keys() if not self.byo.fits(key, data)]
        for key in misfits:
            self._uncheck(key)
        if misfits:
            names = ", ".join(self.specs[key].label if key in self.specs else key for key in misfits)
            they = "it does not" if len(misfits) == 1 else "they do not"
            self.show_error(f"Unchecked {names}: {they} take the {data.title} images "
                            f"({'×'.join(map(str, data.x.shape[1:]))}) or their classes.", warning=True)
        return misfits

    def _list_models(self, data: jobs.DataLoaded) -> None:
        from advviz.gui.byo import UserModelSpec

        # weights files of this data set, and the user's own models (their inputs are their own, whatever
        # the data set): listed unchecked, checked again by the user where they fit
        files = {**self.other_dataset_specs, **self.specs}
        kept = {key: spec for key, spec in files.items()
                if isinstance(spec, UserModelSpec) or (spec.path and spec.dataset == data.dataset)}
        # weights files of the other data set wait for it (switching away and back forgot them)
        self.other_dataset_specs = {key: spec for key, spec in files.items()
                                    if key not in kept and spec.path and spec.dataset != data.dataset}
        self.specs = dict(kept)
        self.loaded = {key: model for key, model in self.loaded.items() if key in kept}
        self.controls.clear_models()
        default = DEFAULT_MODEL.format(dataset=data.dataset)
        rows = sorted(data.zoo, key=lambda row: row["name"] != default)
        for row in rows:
            name = row["name"]
            self.specs[name] = jobs.ModelSpec(name, name)
            accuracy = row.get("clean_accuracy")
            fgsm = row.get("fgsm_error")
            text = name + (f"  · {accuracy:.1%} clean" if accuracy is not None else "")
            tooltip = (f"{row.get('description', '')}\nclean test accuracy {accuracy}, FGSM error "
                       f"{fgsm} at ε = {row.get('fgsm_eps')}")
            self.controls.add_model(name, text, tooltip, checked=name == default)
        for key, spec in kept.items():
            text, tooltip = self._user_row(spec)
            self.controls.add_model(key, text, tooltip, checked=False)
        if not rows:
            self.show_error(f"No shipped models for {data.title} (run `advviz train-zoo`), or load a weights file.")

    # -- a user model's clean accuracy ---------------------------------------------------------
    def user_model_row(self, spec: Any, accuracy: tuple[float, int] | None,
                       data: jobs.DataLoaded | None = None) -> tuple[str, str]:
        """A user model's text and tooltip in the models list: its clean accuracy beside its name, as the zoo's
        models have theirs. ``accuracy`` (fraction right, labelled images) was measured on the images the model
        was checked on: ``data`` (loaded with it), else the window's; None for unlabelled images. It is shown
        while those images are."""
        measured = self._user_accuracies()
        measured.pop(spec.key, None)
        images = data if data is not None else self.data
        if accuracy is not None and images is not None:
            measured[spec.key] = (accuracy, _images_key(images))
        return self._user_row(spec)

    def _user_accuracies(self) -> dict[str, tuple[tuple[float, int], tuple[str, str, int]]]:
        """key → (its clean accuracy, the images it was measured on: :func:`_images_key`), for the user models
        measured (made at first use: the window sets up the rest of the state)."""
        try:
            return self._accuracy_of_user_models
        except AttributeError:
            self._accuracy_of_user_models: dict[str, tuple[tuple[float, int], tuple[str, str, int]]] = {}
            return self._accuracy_of_user_models

    def _user_row(self, spec: Any, tooltip: str | None = None) -> tuple[str, str]:
        """The text and tooltip of a user model's row, or a weights file's (one trained in the window too: its
        ``tooltip`` says so; else the file's path): its clean accuracy beside its name where it was measured."""
        from advviz.gui.byo import UserModelSpec

        user = isinstance(spec, UserModelSpec)
        if tooltip is None:
            tooltip = spec.tooltip() if user else spec.path or ""
        measured = self._user_accuracies().get(spec.key)
        if measured is None:
            return spec.label, tooltip
        (accuracy, labelled), (_, _, count) = measured
        which = (f"the window's {count:,}" if labelled == count
                 else f"the {labelled:,} labelled of the window's {count:,}")
        name, details = spec.label, ""
        if user:
            # after the model's name, as the zoo's rows have it: after "(torchscript, 1×28×28)" it lay past the
            # list's right edge, behind a scroll bar
            source = spec.architecture if spec.kind == "torchvision" else Path(spec.path or "model").stem
            if spec.label.startswith(f"{source} ("):
                name, details = source, spec.label[len(source):]
        return f"{name}  · {accuracy:.1%} clean{details}", f"{tooltip}{ACCURACY_TIP}{which} images"

    def _forget_accuracies_of_other_images(self) -> None:
        """Other images are shown: the accuracies measured on the previous ones are not theirs."""
        shown = _images_key(self.data) if self.data is not None else None
        measured = self._user_accuracies()
        for key in [key for key, (_, images) in measured.items() if images != shown]:
            del measured[key]

    def _relabel_user_models(self) -> None:
        """The listed user models' and weights files' texts and tooltips as :meth:`_user_row` has them now."""
        from advviz.gui.byo import UserModelSpec
        from advviz.gui.controls import KEY_ROLE

        models = self.controls.models
        models.blockSignals(True)  # a text, not a check: no models change
        for row in range(models.count()):
            item = models.item(row)
            spec = self.specs.get(str(item.data(KEY_ROLE)))
            if isinstance(spec, UserModelSpec) or (spec is not None and spec.path):
                # a weights file keeps its tooltip ("trained in this session: …"), less an earlier accuracy's line
                kept = None if isinstance(spec, UserModelSpec) else item.toolTip().split(ACCURACY_TIP)[0]
                text, tooltip = self._user_row(spec, kept)
                item.setText(text)
                item.setToolTip(tooltip)
        models.blockSignals(False)

    def ask_weights(self) -> None:
        dialog = WeightsDialog(self.dataset, self)
        if dialog.exec() and (spec := dialog.spec()) is not None:
            self.add_weights(spec)

    def add_weights(self, spec: jobs.ModelSpec) -> None:
        if spec.dataset != self.dataset:
            self.show_error(f"{spec.label} was trained on {spec.dataset}; switch the data set to use it.")
            return
        self.specs[spec.key] = spec
        self.loaded.pop(spec.key, None)
        self.controls.add_model(spec.key, spec.label, spec.path or "", checked=True, first=True)
        self._models_changed()

    def _models_changed(self) -> None:
        if self.data is None:
            return
        self._uncheck_misfits()
        keys = self.controls.checked_keys()
        missing = [self.specs[key] for key in keys if key not in self.loaded and key in self.specs]
        if missing:  # its own first message now (the last models job's "Loading model mnist-rbf." stayed up)
            self.progress["models"] = jobs.Progress(f"Loading model {missing[0].label}…", 0, len(missing))
            self.runner.start("models", jobs.models_job, missing, self.controls.device_choice,
                              self.controls.precision_choice, self.data.x, (self.data.y, self.data.class_names),
                              on_step=self._model_step, on_done=lambda _: self._models_ready(),
                              on_error=self._failed("models"))
        else:
            self._models_ready()

    def _model_step(self, step: Any) -> None:
        if isinstance(step, jobs.Progress):
            self._progress("models", step)
        elif isinstance(step, jobs.ModelLoaded):
            self.loaded[step.key] = step.model
            spec = self.specs.get(step.key)
            # a user model or a weights file (one trained in the window too): its clean accuracy on the images now, or
            # none; a zoo model's row has the zoo's
            if callable(getattr(spec, "load", None)) or getattr(spec, "path", None):
                self.user_model_row(spec, step.accuracy)
                self._relabel_user_models()
            if step.message:
                self.show_error(step.message, warning=True)
            if step.drift is not None:
                self.drifts[step.key] = step.drift
        elif isinstance(step, jobs.ModelFailed):
            shown = self.error_label.text()  # a session's notes, or another model's failure: kept beside it
            self.show_error(f"{shown} · {step.message}" if shown and step.message not in shown else step.message,
                            source="models")
            self.specs.pop(step.key, None) if step.key.startswith("file:") else None
            self._uncheck(step.key)

    def _uncheck(self, key: str) -> None:
        models = self.controls.models
        models.blockSignals(True)
        for row in range(models.count() - 1, -1, -1):
            if models.item(row).data(Qt.ItemDataRole.UserRole) == key:
                if key.startswith("file:"):
                    models.takeItem(row)
                else:
                    models.item(row).setCheckState(Qt.CheckState.Unchecked)
        models.blockSignals(False)
        self.controls._mark_first()

    def _device_changed(self, _device: str) -> None:
        self.reload_models()
        self._models_changed()

    def _models_ready(self) -> None:
        self.ready = True
        keys = [key for key in self.controls.checked_keys() if key in self.loaded]
        drifts = {self.loaded[key].name: self.drifts.pop(key) for key in keys if key in self.drifts}
        if drifts:  # once, for the models just loaded in a reduced precision
            self.show_error(jobs.drift_message(drifts), warning=True)
        if not keys:
            for slot in ("sweep", "transfer", "grid"):  # nothing of the unchecked models may come back
                self.runner.cancel(slot)
            self.sweep = self.transfer = None  # a pending redraw would bring them back
            self._grid_key = None  # checked again, the model's predictions come back
            self.samples.clear_predictions()
            self.curves.clear("Check a model in the left panel.")
            self.heatmaps.clear()
            self.transfer_panel.clear("Check two or more models to see how adversarial examples transfer.")
            self.explain.models_ready()
            self._update_status()
            return
        self.explain.models_ready()
        if self._grid_key != keys[0] and self.data is not None:
            self._grid_key = keys[0]
            count = self.samples.grid.count()
            self.runner.start("grid", jobs.grid_job, keys[0], self.loaded[keys[0]], self.data.x[:count],
                              on_step=self._grid_step, on_error=self._failed("thumbnails", "grid"))
        self.start_sweep()
        self.start_transfer()
        self._update_status()

    def _grid_step(self, step: Any) -> None:
        if isinstance(step, jobs.Progress):
            self._progress("grid", step)
        elif isinstance(step, jobs.GridPredictions) and step.model_key in self.loaded:
            self.samples.set_predictions(step.predictions, step.confidences, self.loaded[step.model_key].name)
