"""Sessions save and reload the window's state; a missing model opens with a message; presentation mode."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from advviz.gui import session

from explain_helpers import open_and_wait  # (tests/gui is on sys.path)


def test_session_round_trip(window, qtbot, idle, tmp_path):
    controls = window.controls
    controls.attack.setCurrentIndex(controls.attack.findData("fgsm-targeted"))
    controls.target.setCurrentIndex(3)
    controls.eps_max.setValue(0.3)
    controls.steps.setValue(21)
    controls.clip.setChecked(False)
    window.transfer_panel.samples.setValue(40)
    window.controls.set_checked(["mnist-mlp", "mnist-cnn"])
    window.samples.set_current(5)
    window.curves.set_cursor(0.12)
    window.curves.probabilities.setChecked(True)
    window.explain.ensure_built()  # (built in turns after start-up)
    window.explain.tabs.setCurrentIndex(4)  # the explanation sub-tab is restored too
    panels = window.explain.panels
    panels["map"].resolution.setValue(51)  # and the explanation panels' own settings
    panels["robustness"].points.setValue(5)
    panels["rubbish"].distribution.setCurrentIndex(1)
    idle(window)
    saved = session.capture(window, layout=False)
    assert saved["explain_tab"] == 4
    assert saved["explain_options"]["map"]["resolution"] == 51
    assert saved["explain_options"]["rubbish"]["distribution"] == "uniform"
    path = session.save_session(window, tmp_path / "state.json")
    assert json.loads(path.read_text())["checked"] == ["mnist-mlp", "mnist-cnn"]
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # written via a temporary file + os.replace

    # change everything, then load
    controls.attack.setCurrentIndex(controls.attack.findData("fgsm"))
    controls.eps_max.setValue(0.5)
    controls.steps.setValue(31)
    controls.clip.setChecked(True)
    window.controls.set_checked(["mnist-softmax"])
    window.samples.set_current(2)
    window.curves.probabilities.setChecked(False)
    window.curves.set_cursor(-0.2)
    window.explain.tabs.setCurrentIndex(0)
    panels["map"].resolution.setValue(101)
    panels["robustness"].points.setValue(11)
    panels["rubbish"].distribution.setCurrentIndex(0)
    idle(window)
    assert session.capture(window, layout=False) != saved

    open_and_wait(window, qtbot, idle, path)
    assert session.capture(window, layout=False) == saved
    state = window.sweep
    assert state.complete and state.total == 21 and state.header.target == 3 and not state.clip
    assert state.header.model_name == "mnist-mlp"
    assert (state.x == window.data.x[5].numpy()).all()
    assert window.error_label.text() == ""


def test_session_with_missing_model_switches_data_set_and_keeps_the_rest(window, qtbot, idle, tmp_path):
    payload = session.capture(window)
    payload.update(data={"kind": "dataset", "dataset": "fashion"}, checked=["fashion-cnn", "fashion-nonexistent"],
                   sample=3, steps=11)
    payload["models"] = [{"kind": "weights", "key": "file:x", "label": "gone", "path": str(tmp_path / "gone.pt"),
                          "architecture": "cnn", "dataset": "fashion"}]
    path = tmp_path / "missing.json"
    path.write_text(json.dumps(payload))
    open_and_wait(window, qtbot, idle, path)
    message = window.error_label.text()
    assert "'fashion-nonexistent' is not available" in message and "gone.pt" in message
    assert "The rest of the session was opened" in message
    assert window.dataset == "fashion" and window.sweep_model().name == "fashion-cnn"
    assert window.samples.current() == 3 and window.sweep.complete and window.sweep.total == 11

    (tmp_path / "junk.json").write_text("{not json")
    assert session.open_session(window, tmp_path / "junk.json") is None
    assert "not a readable session file" in window.error_label.text()
    assert window.sweep_model().name == "fashion-cnn"  # nothing else changed


def test_a_session_opened_at_start_up_restores_its_explanation_tab(window, make_window, qtbot, idle, tmp_path):
    """The explanation panels are built in turns after start-up; a session opened before they all exist
    still lands on its saved panel."""
    window.explain.show("rubbish")
    idle(window)
    path = session.save_session(window, tmp_path / "rubbish.json")
    fresh = make_window()
    fresh.start_loading()
    qtbot.waitUntil(lambda: fresh.data is not None, timeout=60000)
    open_and_wait(fresh, qtbot, idle, path)
    assert fresh.explain.visible() == "rubbish"


def test_presentation_mode(window, qtbot):
    presentation = window.presentation
    docks = {dock.objectName(): dock for dock in window.findChildren(QDockWidget)}
    font = window.curves.summary.font().pointSizeF()
    thick = window.curves.thick
    assert docks["Controls"].isVisible()
    presentation.action.trigger()  # F11
    assert presentation.active and not docks["Controls"].isVisible() and not docks["Samples"].isVisible()
    assert window.curves.summary.font().pointSizeF() > font and window.curves.thick > thick
    assert max(curve.opts["pen"].widthF() for curve in window.curves.curves) == pytest.approx(window.curves.thick)
    sample = window.samples.current()
    presentation.key_actions[0].trigger()  # →
    assert window.samples.current() == sample + 1
    cursor = window.curves.cursor_value()
    presentation.key_actions[2].trigger()  # +
    assert window.curves.cursor_value() == pytest.approx(cursor + 0.01, abs=1e-6)
    presentation.key_actions[4].trigger()  # space: play
    assert presentation.playing
    qtbot.waitUntil(lambda: window.curves.cursor_value() != pytest.approx(cursor + 0.01), timeout=3000)
    presentation.key_actions[4].trigger()  # pause
    assert not presentation.playing
    # a focused spin box keeps its keys: Up steps the box, not the sample
    window.tabs.setCurrentWidget(window.transfer_panel)
    box, sample = window.transfer_panel.samples, window.samples.current()
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=2000)
    before = box.value()
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.value() == before + box.singleStep() and window.samples.current() == sample
    presentation.action.trigger()
    qtbot.waitUntil(lambda: presentation.settled, timeout=10000)  # panels behind other tabs: one per turn
    assert not presentation.active and docks["Controls"].isVisible() and docks["Samples"].isVisible()
    assert window.curves.summary.font().pointSizeF() == font and window.curves.thick == thick
    assert not any(action.isEnabled() for action in presentation.key_actions)


def test_a_hand_edited_session_with_wrong_values_opens_the_rest(window, qtbot, idle, tmp_path):
    """A value of the wrong type raised a traceback and left the session half applied."""
    payload = session.capture(window)
    payload.update(eps_max="x", steps=11, attack={"key": "fgsm", "target": "q"}, layout=5, models="oops",
                   transfer={"samples": 1e12}, clip="no", sample=10 ** 400,  # numbers past float and 32 bits
                   explain_options={"map": {"resolution": "big", "extent": 1e300}, "training": {"epochs": 1000},
                                    "nope": {}})
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(payload))
    before = window.controls.eps_max.value()
    open_and_wait(window, qtbot, idle, path)
    message = window.error_label.text()
    for part in ("eps_max = 'x' is not a number", "target = 'q'", "samples = 1000000000000.0", "clip = 'no'",
                 "sample = 1000", "map panel: resolution = 'big'", "extent = 1e+300", "'nope'",
                 "training panel: epochs = 1000 is outside 1 … 50; used 50",
                 "The rest of the session was opened"):
        assert part in message, (part, message)
    assert window.controls.eps_max.value() == before and window.sweep.total == 11 and window.sweep.complete

    payload["version"] = "x"
    path.write_text(json.dumps(payload))
    assert session.open_session(window, path) is None
    assert "no session version number" in window.error_label.text()


def test_presentation_mode_keeps_every_heatmap_on_screen(window, qtbot):
    """Measuring the full captions at the larger font widened the heatmaps' layout past the view, and it kept
    that width: on a 1024-pixel projector the gradient cell lay off screen."""
    window.presentation.action.trigger()
    try:
        qtbot.wait(200)
        window.redraw_now()
        heatmaps = window.heatmaps
        assert heatmaps.compact
        for cell in heatmaps.cells.values():
            assert cell.plot.mapRectToScene(cell.plot.boundingRect()).right() <= heatmaps.view.width() + 1
    finally:
        window.presentation.action.trigger()


def test_presentation_mode_presents_the_papers_arguments_too(window, qtbot):
    """The explanation panels kept their small fonts, under the heatmaps dock that has nothing to say there."""
    from advviz.gui.layout import HEATMAP_DOCK

    dock = window.findChild(QDockWidget, HEATMAP_DOCK)
    caption = window.explain.panels["linear"].caption
    sheet = caption.styleSheet()
    window.presentation.action.trigger()
    try:
        qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)  # hidden panels: one per turn
        assert caption.styleSheet() != sheet and "font-size" in caption.styleSheet()
        window.explain.show("linear")
        assert not dock.isVisible()  # the paper's arguments get the height
        window.tabs.setCurrentIndex(0)
        assert dock.isVisible()  # the heatmaps beside the curves
    finally:
        window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)
    assert caption.styleSheet() == sheet and dock.isVisible()


def test_a_session_with_a_bad_image_shape_or_out_of_range_values_says_so(window, qtbot, idle, tmp_path):
    """A hand-edited image shape raised in the data job (the session never finished, nothing said);
    values a control had to bring into its range, an unknown metric or tab were changed quietly."""
    from PIL import Image

    folder = tmp_path / "digits"
    folder.mkdir()
    x, _ = window.data.x[:3], None
    for index, image in enumerate(x):
        Image.fromarray((image[0].numpy() * 255).astype("uint8")).save(folder / f"{index}.png")
    payload = session.capture(window)
    payload.update(data={"kind": "images", "paths": [str(folder)], "shape": [1, "x", 28], "class_names": "digits"},
                   eps_max=1e6, steps=1e9, transfer={"eps": -1, "samples": 10 ** 7, "metric": "zzz"}, tab=-7)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(payload))
    open_and_wait(window, qtbot, idle, path)
    message = window.error_label.text()
    for part in ("shape = [1, 'x', 28] is not [channels", "used the swept model's input shape",
                 "class_names = 'digits'", "eps_max = 1e+06 is outside 0.001 … 1; used 1",
                 "steps = 1000000000 is outside", "transfer eps = -1 is outside", "transfer samples = 10000000",
                 "unknown transfer metric 'zzz'", "tab = -7 is not one of", "The rest of the session was opened"):
        assert part in message, (part, message)
    assert window.data.x.shape[0] == 3 and tuple(window.data.x.shape[1:]) == (1, 28, 28)
    assert window.controls.eps_max.value() == 1, message


def test_presentation_mode_keeps_the_linear_explanations_plots_on_screen(window, qtbot):
    """Its legends' three columns in the large font were wider than half the screen: the plot of "many small
    changes add up" lay partly off a 1024-pixel projector."""
    window.presentation.action.trigger()
    try:
        window.showNormal()  # the offscreen screen is 800 pixels wide: a projector's width instead
        window.resize(1024, 768)
        window.explain.show("linear")
        qtbot.wait(300)
        window.redraw_now()
        panel = window.explain.panels["linear"]
        for plot in (panel.bars, panel.dims):
            assert plot.mapRectToScene(plot.boundingRect()).right() <= panel.plots.width() + 1
    finally:
        window.presentation.action.trigger()
