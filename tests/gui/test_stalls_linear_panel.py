"""The linear explanation's 22 image cells are laid out once when built, not once per cell.

pyqtgraph's ``GraphicsLayout.addItem`` lays out the whole grid after each item it adds: building the
panel took 36 layout passes over a growing grid, 160–280 ms of the event loop while its tab was first
shown (or while the window was idle). The cells go into a ``CellGrid`` first.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGraphicsLayout


def test_building_the_linear_panel_lays_its_image_grid_out_a_few_times_not_once_per_cell(qapp, monkeypatch):
    from advviz.gui.panels.explain_linear import LinearPanel

    passes = []
    original = QGraphicsLayout.activate

    def activate(self):
        passes.append(self)
        return original(self)

    monkeypatch.setattr(QGraphicsLayout, "activate", activate)
    panel = LinearPanel()
    image_view_passes = [layout for layout in passes if layout is panel.images.ci.layout]
    assert len(image_view_passes) <= 2, len(image_view_passes)
    panel.deleteLater()


def test_the_image_cells_keep_their_places_weights_above_signs_x_and_eta_last(qtbot):
    from advviz.gui.panels.explain_linear import LinearPanel

    panel = LinearPanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 700)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.wait(50)
    top = [cell.sceneBoundingRect() for cell, _ in panel.weight_cells + [panel.x_cell]]
    bottom = [cell.sceneBoundingRect() for cell, _ in panel.sign_cells + [panel.eta_cell]]
    assert all(a.right() <= b.left() + 1 for a, b in zip(top, top[1:]))  # left to right, no overlap
    assert all(abs(a.left() - b.left()) < 1 and a.bottom() <= b.top() + 1 for a, b in zip(top, bottom))
    bars = [panel.weight_bar.sceneBoundingRect(), panel.eta_bar.sceneBoundingRect()]
    assert top[-1].right() <= bars[0].left() + 1 and bars[0].right() <= bars[1].left() + 1
    assert bars[0].top() <= top[0].top() + 1 and bars[0].bottom() >= bottom[0].bottom() - 1  # both rows tall
    assert panel.images.sceneRect().contains(bars[1])
