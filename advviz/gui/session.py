"""Save and open the window's whole state as a JSON session file.

A session holds the data (a shipped data set, or the paths of the user's images and the shape they
were loaded at), the model list (weights files and user models with everything needed to rebuild
them), which models are checked and in what order, the sample, the attack, the ε settings and cursor,
clip, device and forwards' precision, the panels' options (the explanation panels' too, once built) and the
layout (``saveState``/``saveGeometry`` as base64). The file's format, its atomic writing and the checked reading
of its fields are :mod:`advviz.gui.session_file`'s.

Opening is asynchronous: when the data differ, the data job runs first and the rest is applied once
the new data arrive (:class:`SessionLoader`). Whatever cannot be restored — a model that is no longer
available, a missing file — is named in the window's message line; the rest opens.
"""

from __future__ import annotations

import base64
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QObject, Qt
from PySide6.QtWidgets import QFileDialog

from advviz.gui.panels.explain_common import set_spin_value
from advviz.gui.session_file import FILTER, FORMAT, VERSION, FieldReader, SessionError, read_session, write_json_atomic

if TYPE_CHECKING:
    from advviz.gui.window import MainWindow

def _b64(data: QByteArray) -> str:
    return base64.b64encode(bytes(data.data())).decode("ascii")


def _unb64(text: str | None) -> QByteArray | None:
    if not text:
        return None
    try:
        return QByteArray(base64.b64decode(text))
    except (TypeError, ValueError):
        return None


# -- capture ------------------------------------------------------------------------------------------
def capture(window: "MainWindow", *, layout: bool = True) -> dict[str, Any]:
    """The window's state as a JSON-ready dict."""
    from advviz.gui.byo import ImagesLoaded, UserModelSpec

    controls = window.controls
    data = window.data
    if isinstance(data, ImagesLoaded):
        source: dict[str, Any] = {"kind": "images", "dataset": data.dataset, "paths": list(data.source),
                                  "shape": list(data.x.shape[1:]), "class_names": list(data.class_names)}
    else:
        source = {"kind": "dataset", "dataset": window.dataset}
    models = []
    for row in range(controls.models.count()):
        key = str(controls.models.item(row).data(Qt.ItemDataRole.UserRole))
        spec = window.specs.get(key)
        if isinstance(spec, UserModelSpec):
            models.append({"kind": "user", "spec": spec.to_dict()})
        elif spec is not None and spec.path:
            models.append({"kind": "weights", "key": key, "label": spec.label, "path": spec.path,
                           "architecture": spec.architecture, "dataset": spec.dataset})
    choice = controls.attack_choice
    transfer = window.transfer_panel
    toggle = getattr(window.heatmaps, "per_channel", None)
    presentation = getattr(window, "presentation", None)
    payload: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "data": source,
        "models": models,
        "checked": controls.checked_keys(),
        "sample": window.samples.current(),
        "attack": {"key": choice.key, "target": choice.target},
        "eps_max": float(controls.eps_max.value()),
        "steps": int(controls.steps.value()),
        "clip": bool(controls.clip.isChecked()),
        "cursor": float(window.curves.cursor_value()),
        "device": controls.device_choice,
        "precision": controls.precision_choice,
        "probabilities": bool(window.curves.probabilities.isChecked()),
        "per_channel": bool(toggle is not None and toggle.isChecked()),
        "transfer": {"follow": transfer.follow.isChecked(), "eps": float(transfer.eps.value()),
                     "samples": int(transfer.samples.value()), "metric": transfer.metric_key},
        "tab": window.tabs.currentIndex(),
        "explain_tab": window.explain.tabs.currentIndex() if hasattr(window, "explain") else 0,
        # panels not built yet have only their defaults: nothing to keep
        "explain_options": {key: panel.options() for key, panel in window.explain.built_panels.items()}
        if hasattr(window, "explain") else {},
        "presentation": bool(presentation is not None and presentation.active),
    }
    if layout:
        payload["layout"] = {"state": _b64(window.saveState()), "geometry": _b64(window.saveGeometry()),
                             # a heatmaps height the user dragged to stays theirs when the session opens
                             "heatmaps_user_sized": window.heatmaps_give_way.share.user_sized}
    return payload


def save_session(window: "MainWindow", path: str | os.PathLike) -> Path:
    """Write the window's state to ``path`` atomically."""
    path = Path(path)
    if not path.parent.is_dir():
        raise SessionError(f"folder not found: {path.parent}")
    payload = capture(window)
    presentation = getattr(window, "presentation", None)
    if presentation is not None and presentation.active and presentation.saved_state is not None:
        payload["layout"]["state"] = _b64(presentation.saved_state)  # the normal layout, not the bare one
    return write_json_atomic(path, payload)


# -- open -------------------------------------------------------------------------------------------------
class SessionLoader(QObject):
    """Applies a session to a window: data first (waiting for its job), then everything else."""

    def __init__(self, window: "MainWindow", payload: dict[str, Any], name: str = "session") -> None:
        super().__init__(window)
        self.window = window
        self.payload = payload
        self.name = name
        self.problems: list[str] = []
        self.fields = FieldReader(self.problems)
        self.finished = False
        self._before: Any = None

    def start(self) -> None:
        window = self.window
        if window.data is None and window.runner.is_running("data"):  # the start-up job: wait, then load ours
            self._wait_for_data(self._load_data)
        else:  # (a start-up job that failed left no data and no job to wait for: it waited for good)
            self._load_data()

    def _load_data(self) -> None:
        from advviz.gui.byo import ImagesLoaded
        from advviz.gui.controls import DATASET_CHOICES

        window, fields = self.window, self.fields
        source = fields.section(self.payload, "data")
        if fields.text(source, "kind", "dataset") == "images":
            paths = [str(path) for path in fields.items(source, "paths")]
            missing = [path for path in paths if not Path(path).exists()]
            if missing or not paths:
                self.problems.append(f"the images {', '.join(missing) or '(none named)'} are missing; "
                                     f"showing {window.data.title if window.data else 'the current data'}")
                self._apply()
                return
            if source.get("dataset") in {key for key, _ in DATASET_CHOICES}:
                window.dataset = str(source["dataset"])
            shape, class_names = fields.image_shape(source, "shape"), fields.texts(source, "class_names")
            self._wait_for_data(self._apply, lambda: window.byo.load_images(
                paths, shape=shape, class_names=class_names))
            return
        dataset = fields.text(source, "dataset", window.dataset)
        if dataset not in {key for key, _ in DATASET_CHOICES if key != "folder"}:
            self.problems.append(f"unknown data set {dataset!r}")
            self._apply()
            return
        current = window.data
        if current is not None and current.dataset == dataset and not isinstance(current, ImagesLoaded):
            self._apply()  # the shipped data set is already shown
            return
        window.controls.dataset.setCurrentIndex(max(0, window.controls.dataset.findData(dataset)))
        self._wait_for_data(self._apply, lambda: window.choose_dataset(dataset))

    def _wait_for_data(self, then: Any, start: Any = None) -> None:
        """Call ``then`` once the window's data job (started by ``start``, or the start-up job) has ended,
        whether or not it succeeded."""
        window = self.window
        self._before = window.data
        self._then = then
        self._seen_running = False  # the runner also says "changed" while it cancels, before a job starts
        window.runner.jobsChanged.connect(self._jobs_changed)
        if start is not None:
            start()
            if not window.runner.is_running("data"):  # nothing started (the reason is on the message line)
                self._seen_running = True
                self._jobs_changed()

    def _jobs_changed(self) -> None:
        window = self.window
        if window.runner.is_running("data"):
            self._seen_running = True
            return
        if not self._seen_running:
            return
        window.runner.jobsChanged.disconnect(self._jobs_changed)
        if window.data is self._before:
            reason = window.error_label.text() or "cancelled"
            self.problems.append(f"its data could not be loaded ({reason})")
            if window.data is None:
                self._finish()
                return
            self._apply()
            return
        self._then()

    def _apply(self) -> None:
        from advviz.gui.byo import UserModelSpec
        from advviz.gui.dialogs import weights_spec

        window, controls, payload, fields = self.window, self.window.controls, self.payload, self.fields
        # the sweep settings, without starting a job per widget
        controls.blockSignals(True)
        for widget in (controls.attack, controls.target, controls.eps_max, controls.steps, controls.clip):
            widget.blockSignals(True)
        try:
            attack = fields.section(payload, "attack")
            index = controls.attack.findData(fields.text(attack, "key", "fgsm"))
            if index < 0:
                self.problems.append(f"unknown attack {attack.get('key')!r}")
            else:
                controls.attack.setCurrentIndex(index)
                controls._attack_changed()
            target = fields.integer(attack, "target", 0)
            if 0 <= target < controls.target.count():
                controls.target.setCurrentIndex(target)
            elif controls.attack_choice.targeted:  # quietly kept the previous target before
                self.problems.append(f"target class {target} is not one of the {controls.target.count()} classes; "
                                     f"kept {controls.target.currentText()}")
            controls._set_target_visible(controls.attack_choice.targeted)
            self._set_spin("eps_max", controls.eps_max, fields.number(payload, "eps_max", controls.eps_max.value()))
            self._set_spin("steps", controls.steps, fields.integer(payload, "steps", controls.steps.value()))
            controls.clip.setChecked(fields.flag(payload, "clip", True))
        finally:
            for widget in (controls.attack, controls.target, controls.eps_max, controls.steps, controls.clip):
                widget.blockSignals(False)
            controls.blockSignals(False)

        # the model list: weights files and user models are re-added (unchecked for now)
        reported: set[str] = set()  # models already named in a problem (by their label, not their key)
        for entry in fields.items(payload, "models"):
            try:
                if entry.get("kind") == "user":
                    spec = UserModelSpec.from_dict(entry["spec"])
                    missing = spec.missing_files()
                else:
                    spec = weights_spec(str(entry["path"]), str(entry["architecture"]), str(entry["dataset"]))
                    label = entry.get("label")
                    if isinstance(label, str) and label.strip():  # a trained model keeps its name
                        spec = replace(spec, label=label.strip())
                    missing = [] if Path(spec.path or "").exists() else [str(spec.path)]
            except (AttributeError, KeyError, TypeError, ValueError) as error:
                self.problems.append(f"a model entry could not be read ({error})")
                continue
            if missing:
                self.problems.append(f"model {spec.label}: file not found: {', '.join(missing)}")
                reported.add(spec.key)
                continue
            if not isinstance(spec, UserModelSpec) and spec.dataset != window.dataset:
                # as Load weights file… refuses it: its inputs and classes are another data set's
                self.problems.append(f"model {spec.label} was trained on {spec.dataset}, not {window.dataset}")
                reported.add(spec.key)
                continue
            if spec.key not in window.specs:
                window.specs[spec.key] = spec
                tooltip = spec.tooltip() if isinstance(spec, UserModelSpec) else (spec.path or "")
                controls.add_model(spec.key, spec.label, tooltip, checked=False)
        checked = [str(key) for key in fields.items(payload, "checked")]
        missing_models = [key for key in checked if key not in window.specs]
        for key in missing_models:
            if key not in reported and not any(key in problem for problem in self.problems):
                self.problems.append(f"model {key!r} is not available here")
        checked = [key for key in checked if key in window.specs]

        # device, sample, cursor and panel options
        device = fields.text(payload, "device", "auto")
        combo = controls.device
        device_index = combo.findData(device)
        if device_index < 0:
            self.problems.append(f"device {device!r} is not available here; using {controls.device_choice}")
        precision = fields.text(payload, "precision", "float32")
        precision_index = controls.precision.findData(precision)
        if precision_index < 0:
            self.problems.append(f"forwards in {precision!r} are not available; using {controls.precision_choice}")
        changed = False
        if device_index >= 0 and device != controls.device_choice:
            combo.setCurrentIndex(device_index)
            changed = True
        if precision_index >= 0 and precision != controls.precision_choice:
            controls.precision.setCurrentIndex(precision_index)
            changed = True
        if changed:  # every model loads again, on this device and in this precision
            window.reload_models()
        sample = fields.integer(payload, "sample", 0)
        grid = window.samples.grid
        if grid.count():
            if not 0 <= sample < grid.count():
                self.problems.append(f"sample #{sample} is not among the {grid.count()} images; showing #0")
                sample = 0
            grid.blockSignals(True)
            window.samples.set_current(sample)
            grid.blockSignals(False)
        window.curves.set_range(float(controls.eps_max.value()))
        cursor = fields.number(payload, "cursor", window.curves.cursor_value())
        window.curves.set_cursor(cursor)
        if abs(window.curves.cursor_value() - cursor) > 1e-9:
            self.problems.append(f"cursor = {cursor:g} is outside ±ε max; used {window.curves.cursor_value():g}")
        window.curves.probabilities.setChecked(fields.flag(payload, "probabilities", False))
        toggle = getattr(window.heatmaps, "per_channel", None)
        if toggle is not None:
            toggle.setChecked(fields.flag(payload, "per_channel", False))
        transfer = fields.section(payload, "transfer")
        panel = window.transfer_panel
        for widget in (panel.follow, panel.eps, panel.samples, panel.metric_choice):
            widget.blockSignals(True)
        try:
            panel.follow.setChecked(fields.flag(transfer, "follow", True))
            panel.eps.setEnabled(not panel.follow.isChecked())
            self._set_spin("transfer eps", panel.eps, fields.number(transfer, "eps", panel.eps.value()))
            self._set_spin("transfer samples", panel.samples, fields.integer(transfer, "samples", panel.samples.value()))
            metric_key = fields.text(transfer, "metric", "error")
            metric = panel.metric_choice.findData(metric_key)
            if metric < 0:
                self.problems.append(f"unknown transfer metric {metric_key!r}; showing "
                                     f"{panel.metric_choice.itemText(0)}")
            panel.metric_choice.setCurrentIndex(max(0, metric))
        finally:
            for widget in (panel.follow, panel.eps, panel.samples, panel.metric_choice):
                widget.blockSignals(False)
        explain = getattr(window, "explain", None)
        explain_tab = fields.integer(payload, "explain_tab", 0)
        options = fields.section(payload, "explain_options")
        if explain is not None and (explain_tab > 0 or options):
            explain.ensure_built()  # the panels are built in turns after start-up: the saved tab may not exist yet
        for key, values in options.items():
            panel = explain.panels.get(key) if explain is not None else None
            if panel is None or not isinstance(values, dict):
                self.problems.append(f"options of an unknown panel {key!r}")
                continue
            self.problems.extend(f"{key} panel: {problem}" for problem in panel.set_options(values))
        if explain is not None and 0 <= explain_tab < explain.tabs.count():
            explain.tabs.setCurrentIndex(explain_tab)
        elif explain is not None and (explain_tab > 0 or explain_tab < -1):  # -1: saved before any was built
            self.problems.append(f"explain_tab = {explain_tab} is not one of the {explain.tabs.count()} tabs")
        tab = fields.integer(payload, "tab", 0)
        if 0 <= tab < window.tabs.count():
            window.tabs.setCurrentIndex(tab)
        else:
            self.problems.append(f"tab = {tab} is not one of the {window.tabs.count()} tabs")

        # layout, then the jobs: checking the models starts loading, sweep and transfer
        layout = fields.section(payload, "layout")
        geometry, state = _unb64(layout.get("geometry")), _unb64(layout.get("state"))
        if geometry is not None:
            window.restoreGeometry(geometry)
        if state is not None and not window.restoreState(state):
            self.problems.append("the saved layout could not be restored")
        elif state is not None:  # else the next resize gave the dock its default share again
            window.heatmaps_give_way.share.user_sized = fields.flag(layout, "heatmaps_user_sized", False)
        presentation = getattr(window, "presentation", None)
        if presentation is not None and fields.flag(payload, "presentation", False) != presentation.active:
            presentation.toggle()
        controls.set_checked(checked)
        self._finish()

    def _set_spin(self, key: str, box: Any, value: float) -> None:
        """Set a spin box; a value it had to bring into its range is named (it was changed quietly)."""
        clamped = set_spin_value(box, value)
        if clamped:
            self.problems.append(f"{key} {clamped}")

    def _finish(self) -> None:
        self.finished = True
        if self.problems:
            self.window.show_error(f"{self.name}: " + "; ".join(self.problems) + ". The rest of the session was opened.",
                                   warning=True)
        self.deleteLater()


def open_session(window: "MainWindow", path: str | os.PathLike) -> SessionLoader | None:
    """Open a session file in ``window``; an unreadable file is reported in the window."""
    try:
        payload = read_session(path)
    except SessionError as error:
        window.show_error(str(error))
        return None
    loader = SessionLoader(window, payload, name=f"session {Path(path).name}")
    window.set_status(f"Opening {Path(path).name}…")
    loader.start()
    return loader


def ask_save(window: "MainWindow") -> Path | None:
    path, _ = QFileDialog.getSaveFileName(window, "Save session", "session.json", FILTER)
    if not path:
        return None
    from advviz.gui.export import ExportError

    try:
        written = save_session(window, path)
    except (SessionError, ExportError, OSError) as error:
        window.show_error(f"session: {error}")
        return None
    window.report_saved(f"Saved session {written}")
    return written


def ask_open(window: "MainWindow") -> SessionLoader | None:
    path, _ = QFileDialog.getOpenFileName(window, "Open session", "", FILTER)
    return open_session(window, path) if path else None
