"""The explanation panels in the window: a second row of tabs, and which of their jobs runs when.

The window hands over three hooks (its models are ready, its redraw timer fired, draw everything
now); everything else is read from the window's own widgets. A panel's job runs only while its
tab is shown: changing the sample, the cursor ε, the controls or the checked models marks the
affected panels stale, and the visible one recomputes at once (the others when they are shown).
Training and the paper table run on a button press. Jobs run in the window's
:class:`~advviz.gui.worker.JobRunner` (one slot per panel, cancellable with the window's Cancel
button); steps go into :mod:`advviz.gui.explanations` states, drawn by the window's ≤ 60 Hz timer.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QPixmap, QRegion
from PySide6.QtWidgets import QLabel, QTabWidget

from advviz.gui import explanations as ex
from advviz.gui import export
from advviz.gui.collector import freeze_survivors
from advviz.gui.controls import DEFAULT_EPS_MAX, PAPER_EPS
from advviz.gui.jobs import ModelSpec, Progress
from advviz.gui.panels.explain_diagnostics import DiagnosticsPanel
from advviz.gui.panels.explain_linear import LinearPanel
from advviz.gui.panels.explain_linearity import LinearityPanel
from advviz.gui.panels.explain_map import DecisionMapPanel
from advviz.gui.panels.explain_paper import PaperPanel
from advviz.gui.panels.explain_robustness import RobustnessPanel
from advviz.gui.panels.explain_rubbish import RubbishPanel
from advviz.gui.panels.explain_training import TrainingPanel

TAB_TITLE = "The paper's arguments"
PANELS: tuple[tuple[str, str, type], ...] = (
    ("linear", "Linear explanation", LinearPanel),
    ("linearity", "Linearity meter", LinearityPanel),
    ("map", "2-D decision map", DecisionMapPanel),
    ("robustness", "Robustness curves", RobustnessPanel),
    ("rubbish", "Rubbish class", RubbishPanel),
    ("training", "Adversarial training", TrainingPanel),
    ("diagnostics", "Diagnostics", DiagnosticsPanel),
    ("paper", "Paper table", PaperPanel),
)
AUTOMATIC = ("linear", "linearity", "map", "robustness", "rubbish", "diagnostics")  # the rest: on a button
STATES = {ex.LinearHeader: ex.LinearState, ex.LinearityHeader: ex.LinearityState, ex.MapHeader: ex.MapState,
          ex.RobustnessHeader: ex.RobustnessState, ex.RubbishHeader: ex.RubbishState,
          ex.TrainingHeader: ex.TrainingState}
# panels that take their ε from the sweep (L∞ attacks only): one ε, or a range up to ε max
FOLLOW_EPS = {"linear": "one", "diagnostics": "one", "linearity": "range", "map": "range", "robustness": "range"}
# what an automatic panel says with no model checked (its result is cleared: ExplainPanel.clear_results)
NO_MODEL = {"linear": "Check a model in the left panel.", "linearity": "Check one or more models in the left panel.",
            "map": "Check a model in the left panel.", "robustness": "Check one or more models in the left panel.",
            "rubbish": "Check one or more models in the left panel.",
            "diagnostics": "Check a model in the left panel."}
DIAGNOSTICS_SAMPLES = 64
IDLE_BUILD_MS = 1500  # panels are built ahead of use once no job has run for this long


BUILD_SLICE_S = 0.012  # a turn of the build takes further steps while it has used less than this


class ExplanationsController(QObject):
    """Owns the second row of tabs. Its eight panels (0.5 s of pyqtgraph set-up in all) are built in
    steps (:meth:`ExplainPanel.build_step`, each ≲ 20 ms), a few per turn of the event loop, either
    once the window has been idle — no job running — for IDLE_BUILD_MS (then the garbage collector's
    survivors are frozen), or when their tab is first shown (a "Preparing…" page until the first panel
    is complete). Built whole, one panel per turn, the linear explanation held the loop 125–240 ms;
    built at start-up or between jobs, they held it 0.15–1.5 s while the first sweeps streamed. A
    panel joins the tabs once complete. Code that needs a panel earlier uses :attr:`panels`."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self._panels: dict[str, Any] = {}
        self._pending: Any = None  # the panel being built in steps (not yet in the tabs)
        self._training_eps: float | None = None
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self._placeholder: QLabel | None = None  # "Preparing…" until the first panel is complete
        window.tabs.addTab(self.tabs, TAB_TITLE)
        self.states: dict[str, Any] = {}
        self.stale: set[str] = set(AUTOMATIC)
        self.keys = {f"explain-{key}" for key, _, _ in PANELS}

        window.tabs.currentChanged.connect(lambda _: self._shown())
        self._idle = QTimer(self)  # restarted whenever a job starts or ends; fires after a quiet spell
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_BUILD_MS)
        self._idle.timeout.connect(self._start_building)
        self._frozen = False  # the GC's survivors frozen once the panels were built
        self._building = False  # a turn of the build is scheduled
        window.runner.jobsChanged.connect(self._jobs_changed)
        self.tabs.currentChanged.connect(lambda _: self.refresh())
        window.samples.sampleChanged.connect(lambda _: self.invalidate("linear", "map"))
        window.curves.cursorReleased.connect(lambda _: self._cursor_released())
        window.curves.cursorMoved.connect(lambda _: window._mark("explain-map"))
        # the sweep's settings reach the panels through the window (sweep_settings_changed), after it has
        # put the cursor on the new grid: connected here, the panels read the old cursor ε

    @property
    def panels(self) -> dict[str, Any]:
        self.ensure_built()
        return self._panels

    @property
    def built_panels(self) -> dict[str, Any]:
        """The panels built so far (building none)."""
        return dict(self._panels)

    @property
    def built(self) -> bool:
        return len(self._panels) == len(PANELS)

    def ensure_built(self) -> None:
        while not self.built:
            self._build_next()

    def _shown(self) -> None:
        """The window's tab changed: the first look at the panels builds them (the first one first)."""
        if self.window.tabs.currentWidget() is self.tabs:
            if not self._panels and self._placeholder is None:
                self._placeholder = QLabel("Preparing the paper's arguments…")
                self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self.tabs.addTab(self._placeholder, "…")
            self._start_building()
        self.refresh()

    def _jobs_changed(self) -> None:
        if not self._frozen and not self.window.runner.running_slots() and self.window.ready:
            self._idle.start()
        else:
            self._idle.stop()

    def _start_building(self) -> None:
        if not self._building:
            self._build_step()

    def _build_step(self) -> None:
        """One panel, then the next a turn later — while their tab is in front or no job runs (a job
        pauses an idle build; the next quiet spell goes on). Once all are built and no job runs, the
        survivors of a garbage collection are frozen: later full collections skip torch's and
        pyqtgraph's objects."""
        self._building = False
        busy = self.window.runner.busy()
        if self.built:
            if not busy and not self._frozen:
                self._frozen = True
                self._lay_out_ahead()
                freeze_survivors()
            return
        if busy and self.window.tabs.currentWidget() is not self.tabs:
            return
        start = time.perf_counter()
        while not self.built and not self._build_piece():
            if time.perf_counter() - start > BUILD_SLICE_S:
                break
        self._building = True
        # 1 ms, not 0 (as in gui/redraw.py): Qt 6 runs a 0 ms single shot as a posted event, ahead of timers
        QTimer.singleShot(1, self, self._build_step)

    def _lay_out_ahead(self) -> None:
        """Lay the hidden panels' tab out now, while nothing runs: its first look laid out the front panel's views
        (their resize events, axes and legends: ~20–45 ms) in the same turn as their first paint. Rendering a hidden
        widget makes Qt lay it out as if shown; one pixel of it is drawn."""
        front = self.window.tabs.currentWidget()
        if front is self.tabs or front is None:
            return
        self.tabs.setGeometry(front.geometry())  # the stacked pages share one geometry
        self.tabs.render(QPixmap(1, 1), QPoint(), QRegion(QRect(0, 0, 1, 1)))

    def _build_piece(self) -> bool:
        """One step of the next panel's build (the first creates it); True when that completed it."""
        if self._pending is None:
            self._pending = PANELS[len(self._panels)][2](staged=True)
            return False
        if not self._pending.build_step():
            return False
        self._add(self._pending)
        return True

    def _build_next(self) -> None:
        """The next panel, whole (what is left of it, if it is being built)."""
        if self._pending is None:
            self._pending = PANELS[len(self._panels)][2](staged=True)
        self._pending.finish_build()
        self._add(self._pending)

    def _add(self, panel: Any) -> None:
        self._pending = None
        key, title, _ = PANELS[len(self._panels)]
        self._panels[key] = panel
        self.tabs.addTab(panel, title)
        if self._placeholder is not None:
            self.tabs.removeTab(self.tabs.indexOf(self._placeholder))
            self._placeholder.deleteLater()
            self._placeholder = None
        signal = getattr(panel, "settingsChanged", None)
        if key in AUTOMATIC and signal is not None:
            signal.connect(self.window.user_changed)
            signal.connect(lambda key=key: self.invalidate(key))
        if key == "training":
            panel.trainRequested.connect(lambda _: self.start("training"))
            if self._training_eps is not None:
                panel.set_eps(self._training_eps)
        if key == "paper":
            panel.runRequested.connect(lambda _: self.start("paper"))
        export.add_context_menus(self.window)  # "Export this panel…" in its right-click menu
        self._update_notes()
        if self.visible() == key:
            self.refresh()  # the panel in front is the one just built: it computes now

    # -- hooks called by the window ---------------------------------------------------------------
    def set_training_eps(self, eps: float) -> None:
        """The data set's paper ε for adversarial training: set now, or when the panel is built (asking for
        the panel here, at start-up, built all eight in one turn)."""
        self._training_eps = eps
        if "training" in self._panels:
            self._panels["training"].set_eps(eps)

    def sweep_settings_changed(self) -> None:
        """ε max, steps, attack or clipping changed, and the cursor is on the new grid."""
        self._update_notes()
        self.invalidate("linear", "linearity", "map", "robustness", "diagnostics")

    def _update_notes(self) -> None:
        """Say so on the panels that use the data set's L∞ ε instead of the sweep's (an L2 attack)."""
        follows = self._follows_sweep()
        for key, panel in self._panels.items():
            if key in FOLLOW_EPS:
                ranged = FOLLOW_EPS[key] == "range"
                eps = self._eps_max() if ranged else self._eps()
                panel.set_note("" if follows else
                               f"The sweep's attack is L2, whose ε is not a per-pixel step: this panel shows the "
                               f"paper's FGSM (L∞) at the data set's ε {'up to ' if ranged else ''}{eps:g}.")

    def _cursor_released(self) -> None:
        if self._follows_sweep():  # else these panels use the data set's L∞ ε, whatever the cursor
            self.invalidate("linear", "diagnostics")

    def models_ready(self) -> None:
        """The checked models (or the data set) changed. With none checked, every automatic panel is cleared now,
        shown or not (a hidden one showed its last models' results until it was shown again, and exported them);
        adversarial training and the paper table keep theirs: they run models of their own, not the checked ones."""
        self._update_notes()
        if not self._models():
            for key in AUTOMATIC:
                if key in self._panels:
                    self._nothing(key, NO_MODEL[key])
        self.invalidate(*AUTOMATIC)

    def data_changed(self, message: str) -> None:
        """New images (another data set, or the user's): the automatic panels' jobs on the old ones stop and their
        results go at once, ``message`` in their place until their models have loaded and they compute again (the
        robustness curves of MNIST's models said "computing 0/110" beside Fashion-MNIST's thumbnails)."""
        for key in AUTOMATIC:
            if key in self._panels:
                self._nothing(key, message)
            else:
                self.window.runner.cancel(f"explain-{key}")
                self.states.pop(key, None)
        self.stale.update(AUTOMATIC)

    def redraw(self, dirty: set[str]) -> None:
        for key, panel in self._panels.items():  # nothing to draw before the panels exist
            if f"explain-{key}" not in dirty or key not in self.states:
                continue
            if key == "map":
                if self.states[key].filled == 0 and not self.states[key].complete:
                    continue  # the previous map stays until the new one's first rows (a blank map repaints whole)
                panel.set_cursor(self._eps())
            panel.show_state(self.states[key])

    # -- what is computed when ---------------------------------------------------------------------
    def visible(self) -> str | None:
        if self.window.tabs.currentWidget() is not self.tabs or self.tabs.currentIndex() < 0:
            return None
        current = self.tabs.currentWidget()
        return next((key for key, panel in self._panels.items() if panel is current), None)  # or "Preparing…"

    def show(self, key: str) -> None:
        """Bring panel ``key`` to the front (it computes if stale)."""
        self.tabs.setCurrentWidget(self.panels[key])
        self.window.tabs.setCurrentWidget(self.tabs)
        self.refresh()

    def invalidate(self, *keys: str) -> None:
        """``keys``' panels are out of date: the one in front computes again; a hidden one's running job stops (it
        computed for a tab nobody looks at, on the CPU the sweeps in front need) and runs again when shown."""
        self.stale.update(keys)
        shown = self.visible()
        for key in keys:
            slot = f"explain-{key}"
            if key != shown and key in AUTOMATIC and self.window.runner.is_running(slot):
                self.window._stopped(slot)
                self.window.runner.cancel(slot)
        self.refresh()

    def refresh(self) -> None:
        key = self.visible()
        if key is not None and key in self.stale and self.window.data is not None and self.window.ready:
            self.stale.discard(key)
            self.start(key)

    def start(self, key: str) -> None:
        getattr(self, f"_start_{key}")()

    # -- inputs from the window ------------------------------------------------------------------------
    def _models(self) -> list[Any]:
        window = self.window
        return [window.loaded[key] for key in window.controls.checked_keys() if key in window.loaded]

    # The panels show the paper's L∞ attack (FGSM, sign ∇). With an L∞ attack in the controls they follow
    # its ε; an L2 ε (ε max 5 on MNIST) read as a per-pixel step made every plot saturate, so with one
    # they use the data set's L∞ defaults instead.
    def _follows_sweep(self) -> bool:
        return self.window.controls.attack_choice.norm != "L2"

    def _eps(self) -> float:
        if not self._follows_sweep():
            return PAPER_EPS.get(self.window.dataset, 0.25)
        return abs(float(self.window.curves.cursor_value()))

    def _clip(self) -> bool:
        return bool(self.window.controls.clip.isChecked())

    def _eps_max(self) -> float:
        if not self._follows_sweep():
            return DEFAULT_EPS_MAX.get(self.window.dataset, 0.5)
        return float(self.window.controls.eps_max.value())

    def _sample(self) -> tuple[Any, Any] | None:
        data, index = self.window.data, self.window.samples.current()
        if data is None or index < 0:
            return None
        return data.x[index: index + 1], data.y[index: index + 1]

    def _run(self, key: str, func: Any, *args: Any, **kwargs: Any) -> None:
        slot = f"explain-{key}"
        # the old result is not redrawn (a cursor move would) while the new job starts: the panel keeps
        # its picture until the new result arrives, and the main thread stays free for that
        self.states.pop(key, None)
        self.window.progress[slot] = Progress(f"{dict((k, t) for k, t, _ in PANELS)[key]}…")
        self.window.runner.start(slot, func, *args, on_step=lambda step: self._step(key, step),
                                 on_done=lambda _: self.window._mark(slot),
                                 on_error=self.window._failed(dict((k, t) for k, t, _ in PANELS)[key], slot), **kwargs)
        self.window._update_status()

    def _step(self, key: str, step: Any) -> None:
        if isinstance(step, Progress):
            self.window._progress(f"explain-{key}", step)
            return
        state_class = STATES.get(type(step))
        if state_class is not None:
            self.states[key] = state_class(step)
        elif isinstance(step, ex.DiagnosticsResult):
            self.states[key] = step
        elif key in self.states:
            self.states[key].apply(step)
        if isinstance(step, ex.TrainedModel):
            self._add_trained(step)
        self.window._mark(f"explain-{key}")

    def _nothing(self, key: str, message: str) -> None:
        """Panel ``key`` has nothing to show, for the reason ``message``: its job stops, its result goes."""
        slot = f"explain-{key}"
        self.window.runner.cancel(slot)
        self.window.progress.pop(slot, None)
        self.states.pop(key, None)
        self._panels[key].clear(message)

    # -- the jobs (each starts from its own panel, built: ``_panels``, so starting one never builds the rest)
    def _start_linear(self) -> None:
        models, sample = self._models(), self._sample()
        if not models or sample is None:
            return self._nothing("linear", NO_MODEL["linear"])
        if self._eps() <= 0:
            return self._nothing("linear", "Move the ε cursor (Logits vs ε tab) away from 0.")
        panel = self._panels["linear"]
        self._run("linear", ex.linear_job, models[0], self.window.dataset, *sample, self._eps(),
                  clip=panel.clip.isChecked(), mode=panel.mode_key)

    def _start_linearity(self) -> None:
        models, data = self._models(), self.window.data
        if not models or data is None:
            return self._nothing("linearity", NO_MODEL["linearity"])
        if bool((data.y < 0).any()):
            return self._nothing("linearity", "The linearity meter needs labelled images.")
        count = min(self._panels["linearity"].samples.value(), len(data.x))
        self._run("linearity", ex.linearity_job, models, [m.name for m in models], data.x[:count], data.y[:count],
                  self._eps_max(), 41, clip=self._panels["linearity"].clip.isChecked())

    def _start_map(self) -> None:
        models, sample = self._models(), self._sample()
        if not models or sample is None:
            return self._nothing("map", NO_MODEL["map"])
        x, y = sample
        panel = self._panels["map"]
        if panel.follow.isChecked():  # the (disabled) box says the extent the map is drawn at
            panel.extent.blockSignals(True)
            panel.extent.setValue(self._eps_max())
            panel.extent.blockSignals(False)
        extent = float(panel.extent.value())
        self._run("map", ex.decision_map_job, models[0], x, y, extent=extent, resolution=panel.resolution.value(),
                  clip=self._clip())

    def _start_robustness(self) -> None:
        models, data = self._models(), self.window.data
        if not models or data is None:
            return self._nothing("robustness", NO_MODEL["robustness"])
        if bool((data.y < 0).any()):
            return self._nothing("robustness", "Robustness curves need labelled images.")
        panel = self._panels["robustness"]
        count = min(panel.samples.value(), len(data.x))
        points = panel.points.value()
        eps = [self._eps_max() * i / (points - 1) for i in range(points)]
        self._run("robustness", ex.robustness_job, models, [m.name for m in models], data.x[:count],
                  data.y[:count], eps, clip=self._clip())

    def _start_rubbish(self) -> None:
        models = self._models()
        if not models:
            return self._nothing("rubbish", NO_MODEL["rubbish"])
        panel = self._panels["rubbish"]
        self._run("rubbish", ex.rubbish_job, models, [m.name for m in models], count=panel.count.value(),
                  distribution=str(panel.distribution.currentData()))

    def _start_diagnostics(self) -> None:
        models, data = self._models(), self.window.data
        if not models or data is None:
            return self._nothing("diagnostics", NO_MODEL["diagnostics"])
        if self._eps() <= 0:
            return self._nothing("diagnostics", "Move the ε cursor (Logits vs ε tab) away from 0.")
        count = min(DIAGNOSTICS_SAMPLES, len(data.x))
        self._run("diagnostics", ex.diagnostics_job, models[0], data.x[:count], data.y[:count], eps=self._eps(),
                  clip=self._clip())

    def _start_training(self) -> None:
        if self.window.dataset not in ("mnist", "fashion"):
            return self._nothing("training", "Training needs a shipped data set (MNIST or Fashion-MNIST).")
        request = self._panels["training"].request(self.window.dataset)
        self._run("training", ex.training_job, request)

    def _start_paper(self) -> None:
        samples, clip = self._panels["paper"].samples.value(), self.window.controls.clip.isChecked()
        self._run("paper", ex.paper_job, samples, self.window.controls.device_choice, clip)
        self.states["paper"] = ex.PaperState(samples, clip)  # before the job's first step, which arrives queued
        self.window._mark("explain-paper")

    def _add_trained(self, step: ex.TrainedModel) -> None:
        """A trained model joins the models list, checked (the transfer matrix then includes it)."""
        window = self.window
        if step.dataset != window.dataset:
            return
        key = f"file:{step.path}|{step.architecture}|{step.dataset}"
        window.specs[key] = ModelSpec(key, step.name, step.path, step.architecture, step.dataset)
        # loaded again from its file by the models job, as after a change of device: on the window's device, its
        # forwards in the window's precision and their drift said (step.model is a float32 model on the CPU)
        window.loaded.pop(key, None)
        window.controls.add_model(key, step.name, f"trained in this session: {step.path}", checked=True)
        if len(self.states["training"].trained) == 2:
            window._models_changed()
