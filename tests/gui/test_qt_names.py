"""No widget of ours may hide a method of its Qt class with an attribute: Qt calls those methods
itself (``TransferPanel.metric``, a combo box, hid ``QWidget.metric`` — grabbing the panel crashed)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget


def test_no_widget_attribute_hides_a_qt_method(window):
    window.explain.ensure_built()
    clashes = []
    for widget in [window, *window.findChildren(QWidget)]:
        if not type(widget).__module__.startswith("advviz"):
            continue
        qt_class = next(base for base in type(widget).__mro__ if base.__module__.startswith("PySide6"))
        for name in vars(widget):
            qt_attribute = getattr(qt_class, name, None)
            if callable(qt_attribute) and not isinstance(qt_attribute, Signal):  # PySide keeps bound signals
                clashes.append(f"{type(widget).__name__}.{name} hides {qt_class.__name__}.{name}")
    assert not clashes, clashes


def test_the_transfer_panel_can_be_grabbed(window):
    assert not window.transfer_panel.grab().isNull()
