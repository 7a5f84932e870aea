"""A lecturer's walk through the window (review H): what a recording showed wrong."""

from __future__ import annotations

from explain_helpers import show


def test_the_decision_maps_extent_box_says_the_extent_it_follows(window, idle):
    """Following ε max, the disabled box kept saying ±0.50 while the axes spanned ±0.25 (Fashion-MNIST)."""
    panel = show(window, idle, "map")
    assert panel.follow.isChecked() and panel.state.header.extent == 0.5
    window.controls.eps_max.setValue(0.3)
    idle(window)
    assert abs(panel.state.header.extent - 0.3) < 1e-9
    assert abs(panel.extent.value() - 0.3) < 1e-9, panel.extent.text()


def test_the_gradient_colour_bar_says_its_scale_at_lecture_sizes(qapp):
    """The ∇ₓJ bar showed only "0", or nothing: its values (~1e-5, 0.00026) did not fit the axis' fixed width."""
    from PySide6.QtGui import QFont, QImage, QPainter

    from advviz.gui.panels.heatmaps import SHORT_BAR, HeatmapsPanel, label_bar

    # the dock at 1280 × 720 (a short bar: its two ends), and presenting at 1920 × 1080 (bigger ticks)
    for height, levels, tick_points in ((170, 2.6e-4, None), (330, 1.65e-5, 14)):
        panel = HeatmapsPanel()
        panel.resize(1280, height)
        panel.show()
        bar = panel.cells["gradient"].bar
        if tick_points:
            bar.axis.setStyle(tickFont=QFont("DejaVu Sans", tick_points))
        bar.setLevels((-levels, levels))
        for _ in range(3):  # painted: an axis widens to its labels after drawing them once
            qapp.processEvents()
            label_bar(bar)
            panel.grab()
        assert (bar.height() < SHORT_BAR) == (tick_points is None), bar.height()
        canvas = QImage(10, 10, QImage.Format.Format_ARGB32)
        painter = QPainter(canvas)
        _, _, texts = bar.axis.generateDrawSpecs(painter)
        painter.end()
        shown = [text for _, _, text in texts]
        assert len([text for text in shown if float(text.replace("−", "-")) != 0]) >= 2, (height, shown)
        panel.deleteLater()


def test_a_saved_session_clears_the_message_of_a_failed_save(window, idle, monkeypatch, tmp_path):
    """A failed save's red message stayed beside "Saved session …" after the next save worked."""
    from PySide6.QtWidgets import QFileDialog

    from advviz.gui.session import ask_save

    idle(window)
    for path in (tmp_path / "no-such-folder" / "s.json", tmp_path / "s.json"):
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_, path=path, **__: (str(path), ""))
        written = ask_save(window)
        if written is None:
            assert "session:" in window.error_label.text()
    assert written == tmp_path / "s.json" and written.is_file()
    assert window.error_label.text() == "" and "Saved session" in window.status_label.text()


def test_the_model_dialog_warns_that_torchscript_runs_its_code(qtbot):
    """Weights load with weights_only=True; a TorchScript file runs its saved code: the dialog says so."""
    from advviz.gui.byo_dialog import UserModelDialog

    dialog = UserModelDialog("mnist")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.trust_note.isVisible()
    dialog.torchscript.setChecked(True)
    assert dialog.trust_note.isVisible() and "trust" in dialog.trust_note.text()


def test_the_diagnostics_plots_scroll_into_view_instead_of_being_cut_off(window, qtbot, idle):
    """Its wrapped cards took more height than the layout's minimum said: at 1280 × 720 the body was laid
    out past its bottom edge, no scroll bar came, and the bar charts' category labels were cut off."""
    from PySide6.QtWidgets import QWidget

    window.resize(780, 560)
    panel = show(window, idle, "diagnostics")
    qtbot.wait(50)
    assert panel.result is not None
    content = panel.content
    children = [w for w in content.findChildren(QWidget) if w.parent() is content and w.isVisible()]
    assert panel.view in children
    lowest = max(w.geometry().bottom() for w in children)
    assert lowest < content.height(), (lowest, content.height())  # the plots' labels inside the body
    viewport = panel.scroll_area.viewport().height()
    assert content.height() <= viewport or panel.scroll_area.verticalScrollBar().isVisible()


def test_on_a_short_window_the_heatmaps_give_their_height_to_the_papers_arguments(window, qtbot, idle):
    """At 1280 × 720 the linear explanation's two plots lay below a scroll bar, under the heatmaps dock."""
    from PySide6.QtWidgets import QDockWidget

    from advviz.gui.layout import HEATMAP_DOCK, SHORT_WINDOW

    dock = window.findChild(QDockWidget, HEATMAP_DOCK)
    window.resize(780, 560)
    idle(window)
    assert window.height() < SHORT_WINDOW and dock.isVisible()
    panel = show(window, idle, "linear")
    assert not dock.isVisible() and panel.isVisible()
    window.tabs.setCurrentIndex(0)  # the curves: the heatmaps come back
    assert dock.isVisible()
    dock.hide()  # hidden by the user: it stays hidden
    window.tabs.setCurrentWidget(window.explain.tabs)
    window.tabs.setCurrentIndex(0)
    assert not dock.isVisible()
    dock.show()
    window.resize(900, SHORT_WINDOW + 100)  # a tall window keeps them beside the paper's arguments
    qtbot.waitUntil(lambda: window.height() >= SHORT_WINDOW, timeout=3000)
    window.tabs.setCurrentWidget(window.explain.tabs)
    assert dock.isVisible()


def test_the_training_legends_keep_each_line_beside_its_name(window, idle):
    """Stretched to the error legend's four rows, the loss legend's rows spread apart, and in two columns
    (1280 × 720) its lines sat a row below their names."""
    from PySide6.QtCore import Qt

    window.resize(780, 700)  # the error legend in one column of four rows
    panel = show(window, idle, "training")
    assert panel.error_legend.columnCount == 1
    for legend in (panel.loss_legend, panel.error_legend):
        for sample, label in legend.items:
            sample_centre = sample.mapToScene(sample.boundingRect().center()).y()
            label_centre = label.mapToScene(label.boundingRect().center()).y()
            assert abs(sample_centre - label_centre) < 8, (label.text, sample_centre, label_centre)
        natural = legend.effectiveSizeHint(Qt.SizeHint.PreferredSize).height()
        assert legend.geometry().height() <= 1.5 * natural, (legend.geometry().height(), natural)


def test_a_written_export_clears_the_message_of_a_failed_one(window, idle, monkeypatch, tmp_path):
    """'export: folder not found' stayed red beside 'Saved …' after the next export worked."""
    from PySide6.QtWidgets import QFileDialog

    from advviz.gui.export import FILTERS, ask_export

    idle(window)
    for path in (tmp_path / "missing" / "curves.png", tmp_path / "curves.png"):
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_, path=path, **__: (str(path), FILTERS))
        written = ask_export(window, window.curves)
        if written is None:
            assert "folder not found" in window.error_label.text()
    assert written == tmp_path / "curves.png" and written.is_file()
    assert window.error_label.text() == "" and "Saved" in window.status_label.text()
