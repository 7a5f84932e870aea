"""The paper table and its dot plot read as one figure: the same row numbers, a title coloured like the dots,
and a table that grows with the rest of presentation mode."""

from __future__ import annotations

from explain_helpers import show
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

from advviz.core.paper import CLAIMS, PaperRow
from advviz.gui.explanations import PaperState
from advviz.gui.presentation import FONT_SCALE


def measured_panel(window, idle):
    panel = show(window, idle, "paper")
    rows = [PaperRow(claim.experiment, claim.model, claim.metric, claim.paper, claim.paper + 2) for claim in CLAIMS]
    panel.show_state(PaperState(samples=50, total=len(rows), rows=rows))
    QApplication.processEvents()
    return panel


def glyph_colours(document: QTextDocument) -> dict[str, str]:
    """Each character of ``document`` and the colour it is drawn in (the last, where it occurs twice)."""
    colours: dict[str, str] = {}
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            for character in fragment.text():
                colours[character] = fragment.charFormat().foreground().color().name()
            fragments += 1
        block = block.next()
    return colours


def test_the_table_shows_the_row_numbers_of_the_dot_plot(window, idle):
    """The caption says the dot plot's rows are "numbered like the table", but the table hid its numbers."""
    panel = measured_panel(window, idle)
    table = panel.table
    assert table.verticalHeader().isVisible()
    numbers = [str(table.model().headerData(row, Qt.Orientation.Vertical)) for row in range(table.rowCount())]
    ticks = {round(position): text for position, text in panel.plot.getAxis("left")._tickLevels[0]}  # y = row
    assert numbers == [ticks[row] for row in range(table.rowCount())]
    assert numbers[0] == "1" and numbers[-1] == str(len(CLAIMS))


def test_each_glyph_of_the_dot_plots_title_has_the_colour_of_its_dots(window, idle):
    """"advviz ●" was black while advviz's dots are red."""
    panel = measured_panel(window, idle)
    colours = glyph_colours(panel.plot.titleLabel.item.document())
    assert colours["●"] == panel.ours_dots.opts["brush"].color().name()
    assert colours["○"] == panel.paper_dots.opts["pen"].color().name()
    assert "paper" in panel.plot.titleLabel.item.toPlainText() and "advviz" in panel.plot.titleLabel.item.toPlainText()


def test_the_table_grows_while_presenting_and_shrinks_back(window, idle, qtbot):
    """The paper table stayed at 9 pt in presentation mode: its header, its rows and their numbers."""
    panel = measured_panel(window, idle)
    table = panel.table
    parts = (table, table.horizontalHeader(), table.verticalHeader())
    normal = [part.font().pointSizeF() for part in parts]
    normal_height = table.rowHeight(0)
    window.presentation.action.trigger()
    try:
        QApplication.processEvents()
        for part, size in zip(parts, normal):
            assert part.font().pointSizeF() >= 0.95 * FONT_SCALE * size, type(part).__name__
        assert table.rowHeight(0) > 1.2 * normal_height  # the rows make room for the bigger text
        assert table.verticalHeader().sectionSize(0) == table.rowHeight(0)
    finally:
        window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)
    assert [part.font().pointSizeF() for part in parts] == normal
    assert table.rowHeight(0) == normal_height
