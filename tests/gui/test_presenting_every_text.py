"""Presentation mode enlarges every text a viewer reads, also those made while presenting, and gives each back.

Only labels and buttons grew: on a 1080p lecture recording the spin boxes and combo boxes ("α = 0.50", the
transfer matrix's "Show:" metric), the paper table, the rubbish class's gallery and the texts a result draws
into a plot after F11 (the transfer matrix's percentages, the bar values, the linear explanation's class
titles) stayed at 9 pt.
"""

from __future__ import annotations

import re

import pyqtgraph as pg
from explain_helpers import show
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QApplication, QComboBox,
                               QLabel, QWidget)

from advviz.core.paper import CLAIMS, PaperRow
from advviz.gui.explanations import PaperState
from advviz.gui.presentation import FONT_SCALE

TEXT_WIDGETS = (QLabel, QAbstractButton, QAbstractSpinBox, QComboBox, QAbstractItemView)
# the sizes a label's spans are drawn in: not the document's default, in its <body>'s style (9 pt), which read an
# 8 pt legend entry as 9 pt
SPAN_SIZE = re.compile(r"<span style=\"[^\"]*font-size:\s*([\d.]+)pt")


def label_size(item: pg.LabelItem) -> float:
    """The size, in points, a LabelItem draws its text in."""
    sizes = [float(size) for size in SPAN_SIZE.findall(item.item.toHtml())]
    return max(sizes) if sizes else item.item.font().pointSizeF()


def texts(panel: QWidget) -> dict[object, tuple[str, float, bool]]:
    """Every text ``panel`` shows now, by object (held: a later object cannot take its ``id``), or by text for a
    legend's entries, which a panel makes anew with each result: (what it is, its size in points, whether it has a
    font of its own: a widget without one follows its parent's)."""
    found: dict[object, tuple[str, float, bool]] = {}
    for widget in panel.findChildren(QWidget):
        if isinstance(widget, TEXT_WIDGETS) and widget.isVisibleTo(panel):
            widget.ensurePolished()  # a style sheet's font-size is the widget's font once polished
            text = widget.text() if hasattr(widget, "text") else ""
            found[widget] = (f"{type(widget).__name__} {text[:24]!r}", widget.font().pointSizeF(),
                                 widget.testAttribute(Qt.WidgetAttribute.WA_SetFont))
    for view in panel.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if not item.isVisible():
                continue
            if isinstance(item, pg.TextItem) and item.toPlainText().strip():
                found[item] = (f"TextItem {item.toPlainText()!r}", item.textItem.font().pointSizeF(), True)
            elif isinstance(item, pg.LabelItem) and item.item.toPlainText().strip():
                what = f"LabelItem {item.item.toPlainText()[:24]!r}"
                key = ("legend", what) if isinstance(item.parentItem(), pg.LegendItem) else item
                found[key] = (what, label_size(item), True)
    return found


def wait_settled(window, qtbot) -> None:
    qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)


def test_every_text_grows_while_presenting_even_those_made_then_and_gets_its_size_back(window, qtbot, idle):
    explain = window.explain
    window.transfer_panel.samples.setValue(50)
    explain.panels["rubbish"].count.setValue(100)
    window.controls.set_checked(["mnist-cnn", "mnist-softmax"])
    idle(window)
    window.tabs.setCurrentWidget(window.transfer_panel)
    idle(window)
    for key in ("rubbish", "linear", "training", "paper"):
        show(window, idle, key)
    paper = explain.panels["paper"]
    rows = [PaperRow(claim.experiment, claim.model, claim.metric, claim.paper, claim.paper + 1) for claim in CLAIMS]
    paper.show_state(PaperState(samples=50, total=len(rows), rows=rows))
    panels = {"transfer": window.transfer_panel, **{key: explain.panels[key] for key in
                                                    ("rubbish", "linear", "training", "paper")}}

    def front(key: str) -> None:
        if key == "transfer":
            window.tabs.setCurrentWidget(window.transfer_panel)
            idle(window)
        else:
            show(window, idle, key)
        QApplication.processEvents()

    before: dict[str, dict] = {}
    for key in panels:
        front(key)
        before[key] = texts(panels[key])

    window.presentation.action.trigger()
    try:
        # results that arrive while presenting: a third model (new percentages in the matrix, a new bar value),
        # another sample (the linear explanation's class titles are set again, with their size)
        window.controls.set_checked(["mnist-cnn", "mnist-softmax", "mnist-mlp"])
        idle(window)
        window.presentation.step_sample(+1)
        idle(window)
        during: dict[str, dict] = {}
        for key in panels:
            front(key)
            during[key] = texts(panels[key])
        assert len(window.transfer_panel.texts) >= 9 and sum(t.isVisible() for t in window.transfer_panel.texts) == 9
    finally:
        window.presentation.action.trigger()
    wait_settled(window, qtbot)
    after: dict[str, dict] = {}
    for key in panels:
        front(key)
        after[key] = texts(panels[key])

    for key in panels:
        # the same text after (a legend's entries, made anew with each result, by their text)
        same = [item for item, (what, _, _) in during[key].items() if after[key].get(item, ("",))[0] == what]
        assert len(same) >= 0.8 * len(during[key]), key
        small = [(during[key][item][:2], after[key][item][1]) for item in same
                 if during[key][item][1] < 0.95 * FONT_SCALE * after[key][item][1]]
        assert not small, (key, small)  # ((text, size while presenting), size after)
        # what was there before is given back exactly: its size, and a font of its own only where it had one
        changed = [(what, old, after[key][item]) for item, (what, *old) in before[key].items()
                   if after[key].get(item, ("",))[0] == what and tuple(old) != after[key][item][1:]]
        assert not changed, (key, changed)
    # the rubbish class's legend entries ("softmax: mean 82%") were compared: 8 pt, 11.6 pt while presenting
    entries = [item for item in during["rubbish"] if isinstance(item, tuple)]
    assert len(entries) == 3 and all(item in after["rubbish"] for item in entries)
    kinds = {what.split(" ")[0] for key in panels for what, _, _ in during[key].values()}
    assert {"QComboBox", "QSpinBox", "QDoubleSpinBox", "QTableWidget", "QHeaderView", "TextItem",
            "LabelItem"} <= kinds
