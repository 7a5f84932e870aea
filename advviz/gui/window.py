"""The main window: docks, status line, and which job runs when.

Nothing from torch or :mod:`advviz.core` is imported here: the window paints first, then the
startup job imports torch on a worker thread. Each control change cancels the affected job and
starts a new one (the :class:`~advviz.gui.worker.JobRunner` keeps one job per slot). Steps are
accumulated into :mod:`advviz.gui.state` objects and drawn by a coalescing timer at ≤ 60 Hz. Data
sets, the model list and weights files are :mod:`advviz.gui.loading`'s part of the window.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from advviz.gui import jobs
from advviz.gui.collector import collect_garbage_on_gui_thread
from advviz.gui.controls import ControlsPanel
from advviz.gui.explain_controller import ExplanationsController
from advviz.gui.layout import HEATMAP_DOCK, HeatmapsGiveWay, arrange, initial_size
from advviz.gui.loading import DataAndModels
from advviz.gui.menus import install as install_menus
from advviz.gui.redraw import GROUP, FirstPaint, RedrawScheduler
from advviz.gui.panels.curves import CurvesPanel
from advviz.gui.panels.heatmaps import HeatmapsPanel
from advviz.gui.panels.transfer import TransferPanel
from advviz.gui.samples import SamplesPanel
from advviz.gui.state import JobState, SweepState, TransferState
from advviz.gui.export import add_context_menus
from advviz.gui.style import ERROR_COLOR, WARN_COLOR
from advviz.gui.worker import JobRunner

REDRAW_ORDER = ("curves", "heatmaps", "transfer")  # then the explanation panels
USER_ERRORS = ("AdvvizError", "ModelLoadError", "DataError", "ValueError", "FileNotFoundError")


class MainWindow(DataAndModels, QMainWindow):
    def __init__(self, *, dataset: str = "mnist", autostart: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("advviz — adversarial examples (Goodfellow, Shlens & Szegedy 2014)")
        self.resize(initial_size(self.screen()))
        collect_garbage_on_gui_thread()  # never on a worker: it would destroy Qt objects there
        self.runner = JobRunner(self)
        self.runner.jobsChanged.connect(self._update_status)
        self.runner.jobProducing.connect(self._job_producing)
        self.runner.front = self._front_slot
        self._error_source: str | None = None  # the job slot whose failure the message line shows
        self.data: jobs.DataLoaded | None = None
        self.dataset = dataset  # the zoo data set whose models are listed
        self.specs: dict[str, jobs.ModelSpec] = {}
        self.other_dataset_specs: dict[str, jobs.ModelSpec] = {}  # weights files listed with their data set
        self.loaded: dict[str, Any] = {}  # key -> model on the current device
        self.drifts: dict[str, Any] = {}  # key -> PrecisionReport of its reduced-precision forwards, not yet shown
        self.sweep: SweepState | None = None
        self.transfer: TransferState | None = None
        self._awaiting_header: set[str] = set()  # "sweep", "transfer": started, no header step yet
        self.progress: dict[str, jobs.Progress] = {}
        self.exports: list[Any] = []  # animation exports running (gui.animation_export): Cancel stops those first
        self._grid_key: str | None = None
        self.ready = False
        self._idle_text = "Ready."

        self.controls = ControlsPanel()
        self.samples = SamplesPanel()
        self.curves = CurvesPanel()
        self._heatmaps: HeatmapsPanel | None = None  # built after the first paint (see heatmaps)
        self.transfer_panel = TransferPanel()
        self.redraw = RedrawScheduler(self, order=REDRAW_ORDER, widget_of=self._panel_widget,
                                      front=self._front_panel, draw=self._draw)
        self.redraw_timer = self.redraw.timer
        for panel in (self.curves, self.transfer_panel):
            self.redraw.watch(panel)
        arrange(self)  # tabs, docks and the status bar
        self._connect()
        self.explain = ExplanationsController(self)  # the paper's arguments: a second row of tabs
        self.heatmaps_give_way = HeatmapsGiveWay(self)  # on a short window, to the paper's arguments
        self._sweep_norm, self._sweep_eps_max = self.controls.attack_choice.norm, self.controls.eps_max.value()
        self.controls.setEnabled(False)
        self.samples.setEnabled(False)
        self.set_status("Loading PyTorch…")
        install_menus(self)  # File/View menus: sessions, exports, animation, presentation, own models
        self._autostart = autostart
        self._first_paint = FirstPaint(self, self._after_first_paint)

    def _after_first_paint(self) -> None:
        _ = self.heatmaps
        if self._autostart:  # a turn later: torch's import holds the GIL for long stretches
            QTimer.singleShot(1, self, self.start_loading)

    @property
    def heatmaps(self) -> HeatmapsPanel:
        """The heatmaps panel, built at first use or after the first paint (its eight pyqtgraph plots
        took 200 ms, for a panel with nothing to show until torch has loaded)."""
        if self._heatmaps is None:
            self._heatmaps = HeatmapsPanel()
            self.redraw.watch(self._heatmaps)
            self.findChild(QDockWidget, HEATMAP_DOCK).setWidget(self._heatmaps)
            add_context_menus(self)  # "Export this panel…" for the panel built after the menus
            self._mark("heatmaps")
        return self._heatmaps

    def _connect(self) -> None:
        # first: a change clears the old message before its handlers can report a new one
        for signal in (self.controls.datasetRequested, self.controls.modelsChanged, self.controls.sweepSettingsChanged,
                       self.controls.deviceChanged, self.controls.loadWeightsRequested, self.samples.sampleChanged,
                       self.curves.cursorReleased, self.transfer_panel.settingsChanged):
            signal.connect(self.user_changed)
        self.cancel_button.clicked.connect(self.cancel_jobs)
        self.controls.datasetRequested.connect(self.choose_dataset)
        self.controls.modelsChanged.connect(self._models_changed)
        self.controls.loadWeightsRequested.connect(self.ask_weights)
        self.controls.sweepSettingsChanged.connect(self._sweep_settings_changed)
        self.controls.epsLimitChanged.connect(self.transfer_panel.eps.setMaximum)  # the same attack, the same limit
        self.controls.deviceChanged.connect(self._device_changed)
        self.controls.precisionChanged.connect(self._device_changed)  # the same: every model loads again
        self.samples.sampleChanged.connect(lambda _: self.start_sweep())
        self.curves.cursorMoved.connect(lambda _: self._mark("curves", "heatmaps"))
        self.curves.cursorReleased.connect(self._cursor_released)
        self.curves.modeChanged.connect(lambda: self._mark("curves"))
        self.transfer_panel.settingsChanged.connect(self.start_transfer)

    # -- status ----------------------------------------------------------------------------------
    def set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def show_error(self, message: str, *, warning: bool = False, source: str | None = None) -> None:
        """Show ``message`` on the message line until the user changes something or, when ``source``
        (a job slot) is given, until a new job in that slot produces a result."""
        color = WARN_COLOR if warning else ERROR_COLOR
        self.error_label.setStyleSheet(f"color: {color}; font-weight: bold;")
        self.error_label.setText(message)
        self._error_source = source

    def report_saved(self, text: str) -> None:
        """A file the user asked for was written: say so, and drop the message of an earlier attempt that failed
        (it had stayed red beside "Saved …")."""
        self.clear_error()
        self.set_status(text)

    def clear_error(self) -> None:
        self.error_label.setText("")
        self._error_source = None

    def _job_producing(self, slot: str) -> None:
        if self._error_source is not None and slot == self._error_source:
            self.clear_error()

    def user_changed(self, *_: Any) -> None:
        """The user changed a control, the sample or the cursor: an old message no longer applies."""
        self.clear_error()

    def _update_status(self) -> None:
        running = self.runner.running_slots()
        self.cancel_button.setEnabled(bool(self._cancellable(running) or self.exports))
        if not running:  # idle: an empty bar
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setValue(0)
            if self.ready:
                self.set_status(self._idle_text)
            return
        self._idle_text = "Ready."
        slot = running[-1]
        step = self.progress.get(slot, jobs.Progress(f"{slot}…"))
        if step.total:
            self.progress_bar.setRange(0, step.total)
            self.progress_bar.setValue(step.done)
        else:
            self.progress_bar.setRange(0, 0)
        self.set_status(step.message)

    def _progress(self, slot: str, step: jobs.Progress) -> None:
        self.progress[slot] = step
        self._update_status()

    def _failed(self, label: str, slot: str | None = None):  # noqa: ANN202
        """An ``on_error`` handler: the message names ``label``; a new result in ``slot`` clears it."""
        def handle(error: BaseException) -> None:
            if any(cls.__name__ in USER_ERRORS for cls in type(error).__mro__):
                message = str(error)
            else:  # a bug: say what happened, log the traceback for a report, never a dialog
                message = f"{type(error).__name__}: {error}"
                traceback.print_exception(error, file=sys.stderr)
            self.show_error(f"{label}: {message}", source=slot or label)
            self._stopped(slot or label)
            self.progress.pop(slot or label, None)
            self._update_status()
        return handle

    def _stopped(self, slot: str) -> None:
        """The job in ``slot`` ended early (cancelled or failed): its panel says so, not "computing…"."""
        if slot in self._awaiting_header:  # before its first step: the result on screen is the last good one,
            self._awaiting_header.discard(slot)  # kept (nothing the user had is lost), not this job's to mark
            return
        if slot.startswith("explain-"):
            state, panels = self.explain.states.get(slot.removeprefix("explain-")), (slot,)
        else:
            state, panels = {"sweep": (self.sweep, ("curves", "heatmaps")),
                             "transfer": (self.transfer, ("transfer",))}.get(slot, (None, ()))
        if isinstance(state, JobState):  # (a finished result, such as the diagnostics', has nothing to stop)
            state.stopped = True
            self._mark(*panels)

    # -- sweep -----------------------------------------------------------------------------------
    def sweep_model(self) -> Any | None:
        keys = [key for key in self.controls.checked_keys() if key in self.loaded]
        return self.loaded[keys[0]] if keys else None

    def _sweep_settings_changed(self) -> None:
        from advviz.core.sweep import eps_grid  # torch has loaded: the controls are enabled after it

        eps_max = self.controls.eps_max.value()
        cursor = self.curves.chosen_eps
        norm = self.controls.attack_choice.norm
        if norm != self._sweep_norm and self._sweep_eps_max > 0:
            # L∞ ↔ L2: ε max jumped to the other scale (0.5 ↔ 5); the cursor keeps its place on the axis
            cursor *= eps_max / self._sweep_eps_max
        self._sweep_norm, self._sweep_eps_max = norm, eps_max
        # on the new sweep's grid, so the heatmaps, the transfer matrix and the explanations share one ε; a chosen
        # ε beyond ε max waits at its edge and comes back with a larger ε max (it went to ε max / 2, for good)
        self.curves.set_range(eps_max)
        self.curves.place_cursor(cursor, eps_grid(eps_max, self.controls.steps.value()))
        self.start_sweep()
        self.start_transfer()
        self.explain.sweep_settings_changed()

    def start_sweep(self) -> None:
        # the scale the cursor lives on (a new data set resets ε max without a sweep-settings change)
        self._sweep_norm, self._sweep_eps_max = self.controls.attack_choice.norm, self.controls.eps_max.value()
        model, index = self.sweep_model(), self.samples.current()
        if model is None or self.data is None or index < 0:
            return
        x = self.data.x[index: index + 1]
        label = int(self.data.y[index])
        self.progress["sweep"] = jobs.Progress(f"Sweeping ε for sample #{index} on {model.name}…")
        self.runner.start("sweep", jobs.sweep_job, model, x, label, self.controls.eps_max.value(),
                          self.controls.steps.value(), self.controls.attack_choice, on_step=self._sweep_step,
                          on_done=lambda _: self._mark("curves", "heatmaps"), on_error=self._failed("sweep"))
        self._awaiting_header.add("sweep")

    def _sweep_step(self, step: Any) -> None:
        if isinstance(step, jobs.SweepHeader):
            self._awaiting_header.discard("sweep")
            self.sweep = SweepState(step)
            self.curves.set_classes(step.class_names)
            self.curves.set_range(step.eps_max)
        elif self.sweep is not None:
            self.sweep.apply(step)
            if self.sweep.total:
                message = self.progress.get("sweep", jobs.Progress("Sweeping ε…")).message
                self.progress["sweep"] = jobs.Progress(message, self.sweep.filled, self.sweep.total)
                self._update_status()
        self._mark("curves", "heatmaps")

    def cursor_index(self) -> int:
        if self.sweep is None or not self.sweep.started:
            return 0
        return self.sweep.index_of(self.curves.cursor_value())

    def _cursor_released(self, _value: float) -> None:
        self._mark("curves", "heatmaps")
        if self.transfer_panel.follow.isChecked():
            self.start_transfer()

    # -- transfer --------------------------------------------------------------------------------
    def transfer_eps(self) -> float:
        if self.transfer_panel.follow.isChecked():
            return abs(self.curves.cursor_value())
        return float(self.transfer_panel.eps.value())

    def start_transfer(self) -> None:
        keys = [key for key in self.controls.checked_keys() if key in self.loaded]
        if len(keys) < 2 or self.data is None:
            self.runner.cancel("transfer")
            self.transfer = None
            self.transfer_panel.clear("Check two or more models in the left panel to see how adversarial "
                                      "examples crafted on one model fool the others.")
            return
        if bool((self.data.y < 0).any()):  # the job refuses them: the matrix of the previous images stayed up
            self.runner.cancel("transfer")
            self.transfer = None
            self.transfer_panel.clear("The transfer matrix needs labelled images: some of these have no class "
                                      "(put each image in a sub-folder named as its class, or by its index).")
            return
        eps = self.transfer_eps()
        if self.transfer_panel.follow.isChecked():
            self.transfer_panel.show_eps(eps)
        if eps <= 0:  # nothing to compute: the matrix of the previous ε stops and goes
            self.runner.cancel("transfer")
            self.transfer = None
            self.transfer_panel.clear("Move the ε cursor away from 0 (or set ε) to compute the transfer matrix.")
            return
        count = min(self.transfer_panel.samples.value(), len(self.data.x))
        models = [self.loaded[key] for key in keys]
        self.progress["transfer"] = jobs.Progress(f"Transfer matrix of {len(keys)} models at ε = {eps:.3f}…")
        self.runner.start("transfer", jobs.transfer_job, models, [m.name for m in models], self.data.x[:count],
                          self.data.y[:count], eps, self.controls.attack_choice, on_step=self._transfer_step,
                          on_error=self._failed("transfer"))
        self._awaiting_header.add("transfer")

    def _transfer_step(self, step: Any) -> None:
        if isinstance(step, jobs.TransferHeader):
            self._awaiting_header.discard("transfer")
            self.transfer = TransferState(step)
        elif self.transfer is not None:
            self.transfer.apply(step)
            message = self.progress.get("transfer", jobs.Progress("Transfer…")).message
            self.progress["transfer"] = jobs.Progress(message, self.transfer.done, self.transfer.total)
            self._update_status()
        self._mark("transfer")

    # -- drawing ---------------------------------------------------------------------------------
    def _mark(self, *panels: str) -> None:
        self.redraw.mark(*panels)

    def _panel_widget(self, name: str) -> QWidget:
        return {"curves": self.curves, "heatmaps": self.heatmaps, "transfer": self.transfer_panel}[name]

    def _front_panel(self) -> str:
        return {self.curves: "curves", self.transfer_panel: "transfer"}.get(self.tabs.currentWidget(), GROUP)

    def _front_slot(self) -> str | None:
        """The job slot whose results the tab in front shows (it gets a head start on the CPU)."""
        front = self._front_panel()
        if front == GROUP:
            key = self.explain.visible()
            return None if key is None else f"explain-{key}"
        return {"curves": "sweep"}.get(front, front)

    def _draw(self, panel: str) -> None:
        if panel in ("curves", "heatmaps") and self.sweep is not None and self.sweep.started:
            index = self.cursor_index()
            if panel == "curves":
                self.curves.show_state(self.sweep, index)
            else:
                self.heatmaps.show_state(self.sweep, index)
        elif panel in ("curves", "heatmaps") and self.sweep is not None and self.sweep.stopped:
            # stopped before its first result: nothing of the previous sample or model stays up
            if panel == "curves":
                self.curves.clear(f"No sweep for {self.sweep.header.model_name}: it stopped before its first "
                                  "result (the reason is on the message line).")
            else:
                self.heatmaps.clear()
        elif panel == "transfer" and self.transfer is not None:
            self.transfer_panel.show_state(self.transfer)
        elif panel == GROUP:
            self.explain.redraw(self.redraw.group_keys)

    def redraw_now(self) -> None:
        """Draw everything pending immediately (screenshots, tests)."""
        self.redraw.flush({"curves", "heatmaps", "transfer"} | self.explain.keys)

    # -- lifetime --------------------------------------------------------------------------------
    # jobs that run on models of their own, not the window's: a new device or precision leaves them be
    OWN_MODEL_SLOTS = frozenset({"data", "user-model", "explain-training", "explain-paper"})

    def reload_models(self) -> None:
        """A new device or forwards' precision: stop the jobs running the window's models (each marked stopped)
        and load every model again. Adversarial training, the paper table and loading images or a user model
        go on (a user model then loads again with the others: :meth:`ByoController` checks the settings)."""
        for slot in self.runner.running_slots():
            if slot not in self.OWN_MODEL_SLOTS:
                self._stopped(slot)
                self.runner.cancel(slot)
        self.loaded.clear()
        self.drifts.clear()
        self._grid_key = None

    def _cancellable(self, running: list[str]) -> list[str]:
        """The running jobs Cancel stops: not the start-up's (torch, the data and the first model) — cancelled,
        it left every control disabled and nothing to load data with again."""
        return [slot for slot in running if slot != "data" or self.data is not None]

    def cancel_jobs(self) -> None:
        """Cancel: an animation export when one runs (its progress is what the status line shows) — cancelling
        every job with it lost an adversarial training run — else the running jobs."""
        if self.exports:
            for running_export in list(self.exports):
                running_export.cancel()
            return
        for slot in self._cancellable(self.runner.running_slots()):
            self._stopped(slot)
            self.runner.cancel(slot)
            self.progress.pop(slot, None)
        self._idle_text = "Cancelled."
        self._update_status()
        self.set_status("Cancelled.")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.redraw.close()
        if not self.runner.shutdown():
            print("advviz: a job did not stop within 30 s", file=sys.stderr)
        super().closeEvent(event)
