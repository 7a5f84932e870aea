"""The paper table's experiment column stays readable on a 1024 × 768 screen."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from advviz.core.paper import CLAIMS, PaperRow
from advviz.gui.explanations import PaperState


def test_the_model_column_leaves_the_experiment_column_its_width(window, idle):
    """"mnist-maxout → mnist-maxout-adv" sized the model column (ResizeToContents): at 1024 × 768 the experiment
    column shrank to fragments like "F… ε…", and the rows could not be told apart."""
    window.resize(1024, 768)
    window.tabs.setCurrentWidget(window.explain.tabs)
    panel = window.explain.panels["paper"]
    window.explain.tabs.setCurrentWidget(panel)
    idle(window)
    rows = [PaperRow(claim.experiment, claim.model, claim.metric, claim.paper, claim.paper) for claim in CLAIMS]
    panel.show_state(PaperState(samples=50, total=len(rows), rows=rows))
    QApplication.processEvents()
    table = panel.table
    models = [table.item(row, 1).text() for row in range(table.rowCount())]
    assert "maxout → maxout-adv" in models and not any("mnist-" in model for model in models)
    assert "mnist-" in table.horizontalHeaderItem(1).text()  # the prefix is said once, in the header
    assert table.columnWidth(0) >= table.columnWidth(1) * 0.6, (table.columnWidth(0), table.columnWidth(1))
    assert panel.export_data()["model"][0].startswith("mnist-")  # the data keep the full names


def test_the_paper_table_follows_the_clip_box(window, idle, qtbot):
    """The table always clipped x̃, where the paper did not; unticking "clip x̃" now measures it as the paper did."""
    panel = window.explain.panels["paper"]
    window.explain.show("paper")
    window.controls.clip.setChecked(False)
    idle(window)
    panel.samples.setValue(50)
    panel.run.click()
    assert window.explain.states["paper"].clip is False
    qtbot.waitUntil(lambda: len(window.explain.states["paper"].rows) > 0, timeout=60000)
    window.redraw_now()
    assert "x̃ unclipped, as in the paper" in panel.status.text()
    assert panel.export_data()["clip"] == False  # noqa: E712 - a numpy bool
    window.cancel_jobs()
    window.controls.clip.setChecked(True)
    idle(window)
