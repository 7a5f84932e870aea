"""What the window tells the user agrees with itself: flip labels vs the header, messages that clear,
and a headless animation to a bad path that fails with one line instead of a crash."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from advviz.gui import animate, export
from advviz.gui.state import Band, flip_runs

TARGETED_SAMPLE = 7  # an MNIST "7" that mnist-cnn, pushed towards 8, first calls a 3, then an 8


def header_flip_class(window) -> str:
    match = re.search(r"flips to <b>([^<]+)</b>", window.curves.summary.text())
    assert match, window.curves.summary.text()
    return match.group(1)


def positive_runs(window) -> list[str]:
    """The labels of the runs at ε > 0, from ε = 0 outwards."""
    state = window.sweep
    runs = flip_runs(state.bands())
    texts = window.curves.band_texts
    assert len(texts) == len(runs)
    return [text for text, run in zip(texts, runs) if run[0].start > 0]


def test_flip_runs_group_touching_bands_from_zero_outwards():
    bands = [Band(-0.5, -0.3, 4), Band(-0.3, -0.1, 2), Band(0.1, 0.2, 3), Band(0.2, 0.5, 8)]
    runs = flip_runs(bands)
    assert [[b.predicted for b in run] for run in runs] == [[2, 4], [3, 8]]  # the class nearest ε = 0 first


def test_band_label_starts_with_the_class_the_header_names(window, idle):
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("fgsm-targeted"))
    window.controls.target.setCurrentIndex(8)
    window.samples.set_current(TARGETED_SAMPLE)
    idle(window)
    state = window.sweep
    assert state.header.target == 8 and state.complete
    first = positive_runs(window)[0]
    flipped = header_flip_class(window)
    assert first.startswith(f"→ {flipped}"), (first, window.curves.summary.text())
    assert first.split(" → ")[-1] == "8" and len(first.split(" → ")) >= 2  # "→ 3 → 8": it passes 3 first
    # the header says when the target is reached, at the first ε > 0 predicting it
    eps, logits = state.eps, state.logits
    reached = float(eps[(eps > 0) & (logits.argmax(axis=1) == 8)][0])
    assert f"reaches target <b>8</b> at ε = {reached:+.3f}" in window.curves.summary.text()
    assert f"flips to <b>{flipped}</b>" in window.curves.summary.text() and flipped != "8"


def test_band_label_bolds_the_class_at_the_cursor(window, idle):
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("fgsm-targeted"))
    window.controls.target.setCurrentIndex(8)
    window.samples.set_current(TARGETED_SAMPLE)
    idle(window)
    state = window.sweep
    index = int(np.argmax(state.eps >= state.eps[-1] - 1e-6))
    window.curves.set_cursor(float(state.eps[index]))
    window.redraw_now()
    assert int(state.logits[index].argmax()) == 8
    runs = [html for html, run in zip(window.curves.band_html, flip_runs(state.bands())) if run[0].start > 0]
    assert runs[0].endswith("<b>8</b>"), runs  # "→ 3 → <b>8</b>": the class at the cursor stands out


def test_an_error_stays_until_the_user_changes_something(window, tmp_path, idle, qtbot):
    from advviz.gui.dialogs import weights_spec

    window.add_weights(weights_spec(str(tmp_path / "nothing.pt"), "cnn", "mnist"))
    idle(window)
    assert "model file not found" in window.error_label.text()
    qtbot.wait(300)
    window.redraw_now()
    assert "model file not found" in window.error_label.text()  # nothing else happened: it stays
    window.samples.set_current(3)  # the user picks another sample
    assert window.error_label.text() == ""
    idle(window)
    assert window.error_label.text() == "" and window.sweep.complete


def test_an_error_clears_when_a_new_job_of_its_kind_produces(window, idle):
    before = window.sweep
    window.data.x[7, 0, 3, 3] = float("nan")
    window.samples.set_current(7)
    idle(window)
    assert "sweep:" in window.error_label.text() and "NaN" in window.error_label.text()

    def other_job():  # another kind of job succeeding says nothing about the sweep
        yield "a result"

    window.runner.start("other", other_job)
    idle(window)
    assert "NaN" in window.error_label.text()
    window.data.x[7, 0, 3, 3] = 0.0
    window.start_sweep()  # the same kind, started by the program (no user change): its result clears it
    idle(window)
    assert window.error_label.text() == ""
    assert window.sweep is not before and window.sweep.complete


def test_startup_says_loading_pytorch_first(make_window):
    window = make_window()
    window.start_loading()
    assert window.status_label.text() == "Loading PyTorch…"
    window.close()


def test_idle_progress_bar_is_empty(window):
    bar = window.progress_bar
    assert bar.maximum() == 1 and bar.value() == 0


def test_atomic_write_to_a_missing_folder_is_an_export_error(tmp_path):
    with pytest.raises(export.ExportError, match="folder not found"):
        export.write_atomically(tmp_path / "missing" / "x.png", lambda name: Path(name).write_bytes(b""))


def test_animate_refuses_a_missing_folder_before_rendering(tmp_path, monkeypatch):
    monkeypatch.setattr(animate, "render", lambda *a, **k: pytest.fail("rendered before checking the path"))
    with pytest.raises(export.ExportError, match="folder not found"):
        animate.animate(model="mnist-cnn", index=7, eps_max=0.5, steps=2, out=tmp_path / "missing" / "x.gif")


def test_headless_animate_to_a_bad_path_exits_cleanly(tmp_path):
    """No traceback from tempfile and no segfault at exit (rc 139), no Qt plugin noise."""
    code = ("import sys\n"
            "from advviz.gui.animate import animate\n"
            "from advviz.gui.export import ExportError\n"
            "try:\n"
            f"    animate(model='mnist-cnn', index=7, eps_max=0.5, steps=2, out={str(tmp_path / 'no' / 'x.gif')!r})\n"
            "except ExportError as error:\n"
            "    print('error:', error); sys.exit(3)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stderr[-2000:]
    assert f"error: folder not found: {tmp_path / 'no'}" in result.stdout


def test_headless_animate_writes_and_exits_quietly(tmp_path):
    out = tmp_path / "x.gif"
    code = ("from advviz.gui.animate import animate\n"
            f"animate(model='mnist-cnn', index=7, eps_max=0.5, steps=2, out={str(out)!r})\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.stat().st_size > 1000
    assert "propagateSizeHints" not in result.stderr


def test_the_header_says_in_full_that_nothing_flips(window, idle):
    """"0 < ε" unescaped in rich text started a tag: the line ended at "no flip for 0"."""
    from PySide6.QtGui import QTextDocument

    window.controls.eps_max.setValue(0.001)
    idle(window)
    assert window.sweep.complete and window.sweep.flip_eps()[0] is None
    document = QTextDocument()
    document.setHtml(window.curves.summary.text())
    assert document.toPlainText().endswith("no flip for 0 < ε ≤ 0.001")


def test_written_files_get_the_permissions_of_a_new_file(tmp_path):
    """mkstemp's temporary files are private (0600); os.replace kept that for every export and session."""
    import os
    import stat

    mask = os.umask(0o022)
    os.umask(mask)
    expected = 0o666 & ~mask
    target = tmp_path / "data.csv"
    export.write_atomically(target, lambda name: Path(name).write_text("a,b\n"))
    from advviz.gui.session import write_json_atomic

    session_file = write_json_atomic(tmp_path / "s.json", {"format": "advviz-session"})
    for path in (target, session_file):
        assert stat.S_IMODE(path.stat().st_mode) == expected, oct(path.stat().st_mode)


def test_a_one_line_message_leaves_the_plots_their_height(window, qtbot):
    """A word-wrapped label asked the status bar for the height of a narrow guess (27 → 89 pixels)."""
    before = window.statusBar().height()
    window.show_error("broken.pt is not a readable PyTorch weights file (invalid load key, 't').")
    qtbot.wait(50)
    assert window.statusBar().height() <= before + 2
    window.show_error("; ".join(f"model 'mnist-thing-{i}' is not available here" for i in range(12)))
    qtbot.waitUntil(lambda: window.statusBar().height() > before + 10, timeout=2000)  # long: it wraps
    window.clear_error()
    qtbot.waitUntil(lambda: window.statusBar().height() <= before + 2, timeout=2000)


def test_the_eps_cursor_moves_from_the_keyboard(window, idle, qtbot):
    """← → on the focused plot step the cursor along the sweep's grid (Shift: ten points); the heatmaps follow."""
    from PySide6.QtCore import Qt

    idle(window)
    eps = window.sweep.eps
    start = window.cursor_index()
    window.curves.view.setFocus()
    qtbot.waitUntil(window.curves.view.hasFocus, timeout=2000)
    qtbot.keyClick(window.curves.view, Qt.Key.Key_Right)
    assert window.curves.cursor_value() == pytest.approx(float(eps[start + 1]))
    qtbot.keyClick(window.curves.view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert window.curves.cursor_value() == pytest.approx(float(eps[start - 9]))
    window.redraw_now()
    assert f"ε = {float(eps[start - 9]):+.3f}" in window.heatmaps.cells["perturbation"].caption.text


def test_the_keyboard_reaches_what_the_mouse_does(window):
    """Tab goes from "Load weights file…" to "Load your own model…" (it came after the samples grid);
    loading a model, images, a folder and quitting have shortcuts."""
    assert window.controls.load_weights.nextInFocusChain() is window.load_model_button
    shortcuts = {action.text(): action.shortcut().toString() for action in window.actions()}
    assert shortcuts["Load your own model (torchvision, TorchScript)…"] == "Ctrl+M"
    assert shortcuts["Open images…"] == "Ctrl+I" and shortcuts["Open image folder…"] == "Ctrl+Shift+I"
    assert shortcuts["Quit"] == "Ctrl+Q"


def test_the_window_opens_no_larger_than_the_screen(qtbot):
    """A 1400 × 900 window on a smaller screen ran off it (the offscreen screen is 800 × 600)."""
    from advviz.gui.window import MainWindow

    window = MainWindow(autostart=False)
    qtbot.addWidget(window)
    window.show()
    available = window.screen().availableGeometry()
    assert window.width() <= available.width() and window.height() <= available.height()
    # the 800-pixel screen holds the window's narrowest width too (the transfer panel's bar made it 815)
    assert window.minimumSizeHint().width() <= available.width()


def test_a_new_eps_grid_moves_the_cursor_onto_it(window, qtbot, idle):
    """With the cursor at 0.25 and 3 steps (−0.5, 0, 0.5) the heatmaps showed ε = 0 while the transfer
    matrix and the linear explanation used 0.25: every panel now reads one ε, a nonzero one."""
    window.curves.set_cursor(0.25)
    window.controls.steps.setValue(3)
    idle(window)
    eps_at_cursor = float(window.sweep.eps[window.cursor_index()])
    assert eps_at_cursor == window.curves.cursor_value() == 0.5
    assert window.transfer_eps() == 0.5
