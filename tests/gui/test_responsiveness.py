"""What keeps the window responsive while jobs stream: each behaviour here removed a stall that the
probe in bench/gui_responsiveness.py measured (numbers there, not here)."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest

from advviz.core.sweep import SweepChunk, eps_grid, sweep_steps
from advviz.gui.state import SweepState
from advviz.gui.worker import WORKER_NICENESS, GeneratorWorker, JobRunner


def thread_niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are a Linux feature")
def test_worker_threads_yield_the_cpu_but_the_gui_thread_keeps_its_priority(qtbot):
    def job():
        yield thread_niceness()

    runner = JobRunner()
    seen = []
    runner.start("probe", job, on_step=seen.append)
    qtbot.waitUntil(lambda: bool(seen) and not runner.busy(), timeout=10000)
    assert seen[0] >= WORKER_NICENESS

    before = thread_niceness()
    inline = GeneratorWorker(job)  # run on the main thread, as some tests do
    inline.signals.yielded.connect(seen.append)
    inline.run()
    assert thread_niceness() == before == seen[1]


def fine_steps(window, steps: int = 1001, rows: int = 32):
    """The core's sweep of the window's sample, its chunks cut into pieces of ``rows`` ε: how many
    chunks the core yields depends on the chunk size its batching measured (64–256 per chunk)."""
    model = window.sweep_model()
    index = window.samples.current()
    x, y = window.data.x[index: index + 1], window.data.y[index: index + 1]
    for step in sweep_steps(model, x, y, eps_grid(0.5, steps)):
        if not isinstance(step, SweepChunk):
            yield step
            continue
        for start in range(step.start, step.stop, rows):
            stop = min(start + rows, step.stop)
            yield SweepChunk(start=start, stop=stop, total=step.total,
                             logits=step.logits[start - step.start: stop - step.start])


def streamed_states(window):
    """A fresh SweepState fed step by step, as the worker would: the state after each chunk."""
    state = SweepState(window.sweep.header)
    for step in fine_steps(window):
        state.apply(step)
        if isinstance(step, SweepChunk):
            yield state


def test_streaming_grows_the_logit_range_in_few_steps_then_fits_exactly(window):
    curves, view = window.curves, window.curves.plot.vb
    ranges = []
    for state in streamed_states(window):
        curves.show_state(state, 0)
        low, high = view.viewRange()[1]
        shown = state.logits[:state.filled]
        assert low <= np.nanmin(shown) and np.nanmax(shown) <= high  # every point received is in view
        if not state.complete:
            ranges.append((low, high))
    changes = sum(1 for before, after in zip(ranges, ranges[1:]) if before != after)
    assert len(ranges) >= 8 and changes <= len(ranges) // 2, (len(ranges), changes)  # headroom
    assert view.autoRangeEnabled()[1]  # the finished sweep is fitted by pyqtgraph's auto-range


def test_a_logit_range_the_user_zoomed_to_is_kept_while_a_sweep_streams(window):
    view = window.curves.plot.vb
    view.disableAutoRange()
    view.setYRange(-1.0, 1.0, padding=0)
    view.sigRangeChangedManually.emit([True, True])  # what a mouse drag or wheel emits
    for state in streamed_states(window):
        window.curves.show_state(state, 0)
    np.testing.assert_allclose(view.viewRange()[1], (-1.0, 1.0))
    view.enableAutoRange(y=True)  # the "A" button: the panel follows the data again
    for state in streamed_states(window):
        window.curves.show_state(state, 0)
    assert view.viewRange()[1][1] > 1.0


def test_moving_the_cursor_across_a_flip_keeps_the_plot_layout_still(window):
    """The legend's tags ("predicted at cursor") change with the cursor; its column is sized for the
    longest, so the plot never re-lays out (each re-layout repainted the whole panel)."""
    geometry = []
    for eps in (-0.5, -0.1, 0.0, 0.1, 0.25, 0.5):
        window.curves.set_cursor(eps)
        window.redraw_now()
        window.curves.view.ci.layout.activate()
        geometry.append((window.curves.plot.vb.geometry().getRect(), window.curves.legend.geometry().getRect()))
    predicted = {window.sweep.prediction_at(window.sweep.index_of(eps))[0] for eps in (-0.5, 0.5)}
    assert len(predicted | {window.sweep.header.label}) > 1  # the tags did move
    assert len(set(geometry)) == 1


def test_a_redraw_that_changes_nothing_renders_no_image(window):
    """Each image keeps its rendered QImage unless its content changed (a redraw at up to 60 Hz while
    a sweep streams mostly repeats the same four images)."""
    heatmaps = window.heatmaps

    def rendered() -> dict[str, int]:
        heatmaps.view.grab()  # paint: every image renders its QImage
        return {key: id(cell.image.qimage) for key, cell in heatmaps.cells.items()}

    index = window.sweep.index_of(0.25)
    heatmaps.show_state(window.sweep, index)
    before = rendered()
    heatmaps.show_state(window.sweep, index)
    assert rendered() == before
    heatmaps.show_state(window.sweep, window.sweep.index_of(0.1))
    after = rendered()
    changed = sorted(key for key in before if after[key] != before[key])
    assert changed == ["adversarial", "perturbation"]  # x and ∇ₓJ do not depend on ε


def test_a_new_sample_re_renders_only_the_colour_bar_whose_levels_changed(window, idle):
    """Given its levels again, a colour bar re-renders its axis: four of them made a new sample's paint 16–29 ms."""
    heatmaps = window.heatmaps
    given: list[str] = []
    for key, cell in heatmaps.cells.items():
        original = cell.bar.setLevels
        cell.bar.setLevels = lambda *args, key=key, original=original, **kwargs: (given.append(key),
                                                                                   original(*args, **kwargs))
    window.samples.set_current(window.samples.current() + 1)
    idle(window)
    assert given and set(given) == {"gradient"}  # x and x̃ span [0, 1], η spans ±ε max: only ∇ₓJ's range moved


@pytest.mark.parametrize("new_range", [False, True])
def test_grid_lines_sit_on_the_axis_ticks(window, new_range):
    plot, grid = window.curves.plot, window.curves.grid
    grid.lines()  # mapped once: a new range must map them again
    if new_range:
        plot.setYRange(-3.0, 7.0, padding=0)
        plot.vb.prepareForPaint()
    (x0, x1), (y0, y1) = plot.vb.viewRange()
    ticks = plot.getAxis("left").tickValues(y0, y1, plot.vb.height())
    to_data, _ = plot.vb.childGroup.transform().inverted()  # the grid's lines are in the box's coordinates
    lines = [to_data.map(line) for line in grid.lines()[0]]
    major = sorted(line.y1() for line in lines if abs(line.y1() - line.y2()) < 1e-9)
    np.testing.assert_allclose(major, sorted(ticks[0][1]), atol=1e-9)
    vertical = [line for line in lines if abs(line.x1() - line.x2()) < 1e-9]
    assert vertical and all(x0 <= line.x1() <= x1 for line in vertical)


def test_curves_redraw_at_most_60_times_a_second_however_fast_steps_arrive(window, qtbot, monkeypatch):
    """Steps arrive far faster than 60 Hz (here: all at once); the curves are drawn on the redraw
    timer, at most once per 16 ms, and the last step is on screen once the timer has fired."""
    import time

    from advviz.core.sweep import SweepStart
    from advviz.gui.jobs import SweepHeader
    from advviz.gui.redraw import REDRAW_MS

    drawn = []
    original = window.curves.show_state
    monkeypatch.setattr(window.curves, "show_state",
                        lambda state, index: (drawn.append(time.perf_counter()), original(state, index)))
    steps = list(fine_steps(window))
    header = window.sweep.header
    window._sweep_step(SweepHeader(**{**header.__dict__}))
    started = time.perf_counter()
    for step in steps:
        window._sweep_step(step)
        qtbot.wait(1)  # let the event loop (and the redraw timer) run between steps
    qtbot.waitUntil(lambda: not window.redraw_timer.isActive(), timeout=5000)
    elapsed = time.perf_counter() - started
    assert isinstance(steps[0], SweepStart) and len(steps) > 10
    assert 1 <= len(drawn) <= elapsed * 1000 / REDRAW_MS + 1
    gaps = np.diff(drawn)
    assert (gaps >= (REDRAW_MS - 2) / 1000).all(), gaps.min()  # timer resolution: a few ms early at worst
    assert window.sweep.complete
    shown = window.curves.curves[0].getData()[1]
    np.testing.assert_allclose(shown, window.sweep.logits[:, 0])


STARTUP_ORDER = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from advviz.gui.pyqtgraph_import import import_pyqtgraph
import_pyqtgraph()
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from advviz.gui.window import MainWindow

app = QApplication([])
window = MainWindow(autostart=True)
seen = {}

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not seen:
            seen.update(torch="torch" in sys.modules, jobs=window.runner.busy(), heatmaps=window._heatmaps is not None,
                        cuda_interop="cuda.bindings.runtime" in sys.modules)
        return False

watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
start = time.perf_counter()
while not (window.ready and not window.runner.busy()) and time.perf_counter() - start < 120:
    app.processEvents()
    time.sleep(0.005)
print(seen, window.ready, window._heatmaps is not None, window.sweep is not None and window.sweep.complete)
window.close()
"""


def fresh_python_prints(script: str, *, timeout: int = 300) -> str:
    """Run ``script`` in a fresh interpreter (what a process does at start-up, or once per process);
    its standard output. A failure shows the end of its standard error."""
    import subprocess

    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_the_window_paints_before_torch_loads_and_before_its_heavy_panels_are_built():
    last = fresh_python_prints(STARTUP_ORDER).splitlines()[-1]
    assert last == ("{'torch': False, 'jobs': False, 'heatmaps': False, 'cuda_interop': False} True True True"), last


def test_a_panel_on_a_background_tab_is_drawn_when_shown_not_while_hidden(window, qtbot, monkeypatch):
    """Redrawing the curves behind another tab delayed the visible panel's first rows (the decision
    map's by 80 ms); they are drawn once their tab comes back, with everything they missed."""
    drawn = []
    original = window.curves.show_state
    monkeypatch.setattr(window.curves, "show_state", lambda state, index: (drawn.append(state.filled),
                                                                           original(state, index)))
    window.tabs.setCurrentWidget(window.transfer_panel)
    assert not window.curves.isVisible()
    window.controls.steps.setValue(41)  # a new sweep streams while the curves are hidden
    qtbot.waitUntil(lambda: not window.runner.busy() and not window.redraw_timer.isActive(), timeout=30000)
    qtbot.wait(50)
    assert drawn == []
    window.tabs.setCurrentWidget(window.curves)
    qtbot.waitUntil(lambda: bool(drawn), timeout=5000)
    assert drawn == [41]
    assert len(window.curves.curves[0].getData()[0]) == 41


# -- regressions found in review ------------------------------------------------------------------------
def test_a_panel_that_fails_to_draw_does_not_stop_the_others(window, qtbot, monkeypatch):
    original, failures = window.curves.show_state, []

    def fail_once(state, index):
        if not failures:
            failures.append(True)
            raise RuntimeError("drawing failed")
        original(state, index)

    drawn = []
    monkeypatch.setattr(window.curves, "show_state", fail_once)
    monkeypatch.setattr(window.heatmaps, "show_state", lambda state, index: drawn.append("heatmaps"))
    with qtbot.captureExceptions() as exceptions:  # the failure surfaces, but does not stop drawing
        window._mark("curves", "heatmaps")
        qtbot.waitUntil(lambda: drawn == ["heatmaps"], timeout=2000)
        window._mark("heatmaps")
        qtbot.waitUntil(lambda: drawn == ["heatmaps", "heatmaps"], timeout=2000)
    assert [str(error) for _, error, _ in exceptions] == ["drawing failed"]


def test_switching_to_probabilities_while_streaming_rescales_at_once(window):
    curves, view = window.curves, window.curves.plot.vb
    for count, state in enumerate(streamed_states(window)):
        curves.show_state(state, 0)
        if count == 3:
            break
    curves.probabilities.setChecked(True)
    curves.show_state(state, 0)
    low, high = view.viewRange()[1]
    assert -0.5 < low <= 0.0 and 1.0 <= high < 1.5


def test_panning_only_epsilon_keeps_the_logit_axis_automatic(window):
    curves, view = window.curves, window.curves.plot.vb
    states = streamed_states(window)
    curves.show_state(next(states), 0)
    view.setXRange(-0.2, 0.3, padding=0)  # what an ε-only drag does, then pyqtgraph's signal
    view.sigRangeChangedManually.emit([True, True])
    for state in states:
        curves.show_state(state, 0)
        low, high = view.viewRange()[1]
        shown = state.logits[:state.filled]
        assert low <= np.nanmin(shown) and np.nanmax(shown) <= high


def test_grid_follows_ticks_set_by_hand(qtbot):
    import pyqtgraph as pg

    from advviz.gui.panels.explain_common import style_plot
    from advviz.gui.panels.grid import TickGrid

    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    plot = style_plot(view.addPlot())
    plot.plot([0, 1, 2], [0, 1, 0])
    plot.getAxis("bottom").setTicks([[(0.0, "cat"), (2.0, "dog")]])
    view.resize(400, 300)
    view.show()
    grid = next(item for item in plot.vb.childItems() if isinstance(item, TickGrid))
    vertical = sorted(line.x1() for line in grid.lines()[0] if line.x1() == line.x2())
    assert vertical == [0.0, 2.0]


def test_heatmap_captions_come_back_after_clear(window):
    heatmaps = window.heatmaps
    index = window.sweep.index_of(0.25)
    heatmaps.show_state(window.sweep, index)
    captions = {key: cell.caption.text for key, cell in heatmaps.cells.items()}
    heatmaps.clear()
    heatmaps.show_state(window.sweep, index)
    assert {key: cell.caption.text for key, cell in heatmaps.cells.items()} == captions
    assert all(captions.values())


def test_robustness_panel_exports_its_curves(qtbot):
    from advviz.gui.explanations import RobustnessHeader, RobustnessState
    from advviz.gui.export import scene_data
    from advviz.gui.panels.explain_robustness import RobustnessPanel

    panel = RobustnessPanel()
    qtbot.addWidget(panel)
    state = RobustnessState(RobustnessHeader(["a", "b"], [0.0, 0.1, 0.2], 10, True))
    state.error[:] = 0.5
    state.confidence[:] = 0.75
    panel.show_state(state)
    qtbot.wait(20)  # the second plot of a first result is drawn a turn later
    data = scene_data(panel.view)
    curves = [key for key in data if key.endswith("_y")]
    assert len(curves) == 8  # 2 models × (FGSM, random sign) × (error, confidence)
    assert all(np.allclose(data[key], 0.5) or np.allclose(data[key], 0.75) for key in curves)


def test_a_window_that_is_never_painted_still_loads(qtbot):
    """The start-up waits for the first paint, but not forever: a window hidden or minimized at launch."""
    from advviz.gui.window import MainWindow

    window = MainWindow(autostart=True)  # never shown
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.ready and not window.runner.busy(), timeout=60000)
        assert window.sweep is not None and window.sweep.complete
    finally:
        window.close()


def test_the_job_of_the_tab_in_front_gets_the_head_start(window, idle, monkeypatch, qtbot):
    from advviz.gui.worker import FrontFirst

    monkeypatch.setattr(FrontFirst, "FRONT_FIRST_MS", 2000)  # still running when asked, on a slow machine too
    assert window._front_slot() == "sweep"  # the curves tab is in front at start-up
    window.tabs.setCurrentWidget(window.transfer_panel)
    assert window._front_slot() == "transfer"
    window.explain.show("map")
    assert window._front_slot() == "explain-map"
    idle(window)
    window.samples.set_current(window.samples.current() + 1)  # starts the sweep and the map
    map_worker = window.runner._current["explain-map"].worker
    assert map_worker.front and not window.runner._current["sweep"].worker.front
    qtbot.waitUntil(lambda: window.runner.turns.waiting_on() == [map_worker], timeout=10000)


def test_the_old_map_stays_until_the_new_maps_first_rows(window, idle):
    """A blank new map is not drawn: it repainted the whole view right as the first rows arrived."""
    from advviz.core.decision_map import decision_map_steps
    from advviz.gui.explanations import MapHeader, MapState

    window.explain.panels["map"].resolution.setValue(11)
    window.explain.show("map")
    idle(window)
    panel, explain = window.explain.panels["map"], window.explain
    old = panel.state
    assert old is not None and old.complete
    model = window.sweep_model()
    index = window.samples.current() + 1
    x, y = window.data.x[index: index + 1], window.data.y[index: index + 1]
    fresh = MapState(MapHeader(model.name, tuple(model.class_names), int(y[0]), 0.5, 11, True))
    steps = decision_map_steps(model, x, y, extent=0.5, resolution=11)
    fresh.apply(next(steps))  # MapStart: no rows yet
    explain.states["map"] = fresh
    window._mark("explain-map")
    window.redraw_now()
    assert panel.state is old
    fresh.apply(next(steps))  # the first rows
    window._mark("explain-map")
    window.redraw_now()
    assert panel.state is fresh and (panel.shown["predictions"][: fresh.filled] >= 0).all()


def test_the_explanation_panels_are_built_when_first_shown_one_per_turn(make_window, idle, qtbot, monkeypatch):
    """Built at start-up or between jobs they held the event loop 0.15–1.5 s while sweeps streamed."""
    from PySide6.QtCore import QTimer

    from advviz.gui import explain_controller

    monkeypatch.setattr(explain_controller, "IDLE_BUILD_MS", 60_000)  # no quiet spell long enough
    window = make_window()
    window.start_loading()
    idle(window)
    explain = window.explain
    assert not explain._panels  # start-up and its jobs are done: nothing built yet
    seen: list[int] = []
    probe = QTimer(window)
    probe.setInterval(1)
    probe.timeout.connect(lambda: seen.append(len(explain._panels)))
    probe.start()
    try:
        window.tabs.setCurrentWidget(explain.tabs)
        assert not explain._panels  # built in steps, a few per turn (8375ce8): not within this call
        qtbot.waitUntil(lambda: explain.visible() == "linear", timeout=10000)  # the first panel first, computing
        assert window.runner.is_running("explain-linear") or "linear" in explain.states
        qtbot.waitUntil(lambda: explain.built, timeout=10000)
    finally:
        probe.stop()
    assert len(set(seen)) >= 5, seen  # the probe ran between the others' constructions


def test_the_explanation_panels_are_built_ahead_when_the_window_is_idle(make_window, idle, qtbot, monkeypatch):
    from advviz.gui import explain_controller

    monkeypatch.setattr(explain_controller, "IDLE_BUILD_MS", 200)
    frozen: list[bool] = []
    monkeypatch.setattr(explain_controller, "freeze_survivors", lambda: frozen.append(window.explain.built))
    window = make_window()
    window.start_loading()
    idle(window)
    qtbot.waitUntil(lambda: window.explain.built, timeout=10000)  # without its tab ever shown
    assert window.tabs.currentWidget() is window.curves
    # then, once, the survivors of a collection are frozen: later full collections skip torch's and
    # pyqtgraph's objects (a full collection held the GUI thread 130–200 ms mid-job)
    qtbot.waitUntil(lambda: frozen == [True], timeout=10000)


def test_freezing_survivors_exempts_them_from_collections_once_per_process():
    script = (
        "import gc\n"
        "from advviz.gui.collector import freeze_survivors\n"
        "freeze_survivors(); first = gc.get_freeze_count()\n"
        "junk = [[] for _ in range(1000)]\n"
        "freeze_survivors()\n"
        "assert first > 1000 and gc.get_freeze_count() == first, (first, gc.get_freeze_count())\n"
        "print('ok')\n"
    )
    assert fresh_python_prints(script) == "ok"


def test_torch_libraries_are_loaded_before_the_import_and_the_import_then_works():
    """The libraries are mapped by a foreign call (which releases the GIL), without importing torch."""
    check = "from advviz.gui.preload import preloadable_folder; print(preloadable_folder() is not None)"
    if fresh_python_prints(check) != "True":  # not Linux, or NVIDIA's libraries installed apart from torch
        pytest.skip("torch's libraries are not preloaded on this installation")

    script = (
        "import sys\n"
        "from advviz.gui.preload import preload_torch_libraries\n"
        "loaded = preload_torch_libraries()\n"
        "maps = open('/proc/self/maps').read()\n"
        "assert 'libtorch_cpu.so' in loaded and 'libtorch_cpu.so' in maps, loaded\n"
        "assert 'torch' not in sys.modules\n"
        "import torch\n"
        "assert float(torch.ones(3).sum()) == 3.0\n"
        "assert preload_torch_libraries() == []  # once torch is imported there is nothing to do\n"
        "print('ok')\n"
    )
    assert fresh_python_prints(script) == "ok"

