"""The controls' "forwards" choice: every loaded model runs its forwards in it, the message line says the
drift from float32, and a session keeps it."""

from __future__ import annotations

import numpy as np
from explain_helpers import choose_precision as choose
from explain_helpers import open_and_wait


def test_bfloat16_forwards_reach_every_model_and_the_message_line_says_their_drift(window, idle):
    from advviz.core.precision import forward_precision

    exact = window.sweep.logits.copy()
    choose(window, idle, "bfloat16")
    model = window.loaded[window.controls.checked_keys()[0]]
    assert forward_precision(model) == "bfloat16"
    text = window.error_label.text()
    assert "bfloat16 forwards: max |Δ logit| against float32 on 512 images: mnist-cnn" in text, text
    reduced = window.sweep.logits
    assert window.sweep.complete and 0 < np.abs(reduced - exact).max() < 1.0
    choose(window, idle, "float32")
    assert forward_precision(window.loaded[window.controls.checked_keys()[0]]) == "float32"
    np.testing.assert_allclose(window.sweep.logits, exact, rtol=0, atol=1e-5)


def test_a_session_keeps_the_forwards_precision(window, idle, qtbot, tmp_path):
    from advviz.core.precision import forward_precision
    from advviz.gui import session

    choose(window, idle, "float16")
    path = session.save_session(window, tmp_path / "half.json")
    assert session.read_session(path)["precision"] == "float16"
    choose(window, idle, "float32")
    open_and_wait(window, qtbot, idle, path)
    assert window.controls.precision_choice == "float16"
    assert forward_precision(window.loaded[window.controls.checked_keys()[0]]) == "float16"


def test_the_window_and_the_cli_offer_the_core_precisions():
    """Both list them before torch loads; the core's list is the one that counts."""
    from advviz.cli_common import PRECISIONS as CLI
    from advviz.core.precision import PRECISIONS
    from advviz.gui.jobs import PRECISIONS as WINDOW

    assert WINDOW == CLI == tuple(PRECISIONS)


def test_the_drift_message_says_how_many_predictions_stayed():
    from advviz.core.precision import PrecisionReport
    from advviz.gui.jobs import drift_message

    def report(agreement):
        return PrecisionReport("bfloat16", "cuda:0", 512, 0.2, 0.01, agreement)

    assert "predictions unchanged: 99.8 %" in drift_message({"mnist-cnn": report(0.998)})
    text = drift_message({"mnist-cnn": report(1.0), "mnist-mlp": report(0.996)})
    assert "predictions unchanged, each: at least 99.6 %" in text and "or more" not in text


def test_the_paper_table_runs_on_the_windows_device_auto_included():
    """The window passed its device choice on; 'auto' is no torch device until resolved."""
    from advviz.gui.explanations import PaperStep, paper_job

    first = next(step for step in paper_job(20, "auto") if isinstance(step, PaperStep))
    assert first.index == 1


def test_on_a_1280_by_800_screen_the_controls_show_the_forwards_choice_unscrolled(make_window, qtbot):
    """With the forwards row the controls ran 25 px past their dock at 1280 × 800 (its last row cut in half)."""
    from PySide6.QtCore import QPoint

    window = make_window()
    window.resize(1260, 760)  # a 1280 × 800 screen less the window manager's frame
    qtbot.waitUntil(lambda: window.height() == 760)
    combo = window.controls.precision
    scroll = window.controls.parentWidget().parentWidget()  # the controls dock's QScrollArea (viewport → area)
    bottom = combo.mapTo(scroll, QPoint(0, combo.height())).y()
    assert bottom <= scroll.height(), (bottom, scroll.height())
