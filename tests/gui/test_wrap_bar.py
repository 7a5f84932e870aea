"""WrapBar: its height for a width is measured once, and again after a control changes."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from advviz.gui.panels.wrap_bar import WrapBar


def test_height_for_width_is_cached_until_a_control_changes(qtbot, monkeypatch):
    host = QWidget()
    qtbot.addWidget(host)
    bar = WrapBar(host)
    labels = [QLabel("a control of some width") for _ in range(3)]
    for label in labels:
        bar.addWidget(label)
    host.show()
    qtbot.waitExposed(host)
    calls = []
    arrange = bar._arrange
    monkeypatch.setattr(bar, "_arrange", lambda rect, apply: calls.append(apply) or arrange(rect, apply=apply))
    one_row = bar.heightForWidth(2000)
    assert bar.heightForWidth(2000) == one_row and calls == [False]  # measured once
    narrow = bar.heightForWidth(150)
    assert narrow > one_row  # three rows
    labels[0].setText("a control " * 40)  # 2,260 px: two rows
    qtbot.waitUntil(lambda: bar.heightForWidth(2000) > one_row, timeout=2000)
