"""Presentation mode styles the panels on screen at once and the others a turn at a time (or when shown).

Restyling every panel in one call (and building the eight explanation panels to do so) held the
window 370–580 ms when presentation mode was switched on, and as long again when it was switched off.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from advviz.gui.presentation import FONT_SCALE


def point_size(widget) -> float:
    return widget.font().pointSizeF()


def test_presenting_styles_what_is_on_screen_now_and_the_rest_in_later_turns(window, qtbot):
    presentation = window.presentation
    built_before = set(window.explain.built_panels)
    transfer_label = window.transfer_panel.findChildren(QLabel)[0]
    normal = point_size(transfer_label)
    styled = []
    original = type(presentation)._style_panel

    def style_panel(self, panel, *args):
        styled.append(panel)
        original(self, panel, *args)

    type(presentation)._style_panel = style_panel
    try:
        presentation.set_active(True)
        assert set(window.explain.built_panels) == built_before  # switching on builds no panel
        assert window.transfer_panel not in styled  # behind the curves' tab: not styled in this call
        assert window.curves in styled
        assert point_size(transfer_label) == normal
        qtbot.waitUntil(lambda: window.transfer_panel in styled, timeout=5000)  # a later turn
        assert abs(point_size(transfer_label) - max(normal, 9.0) * FONT_SCALE) < 0.6
        presentation.set_active(False)
        assert abs(point_size(transfer_label) - max(normal, 9.0) * FONT_SCALE) < 0.6  # unstyled later
        qtbot.waitUntil(lambda: point_size(transfer_label) == normal, timeout=5000)
    finally:
        type(presentation)._style_panel = original


def test_a_tab_shown_while_presenting_is_styled_before_it_is_painted(window, qtbot):
    presentation = window.presentation
    label = window.transfer_panel.findChildren(QLabel)[0]
    normal = point_size(label)
    presentation.set_active(True)
    presentation._queue_timer.stop()  # no later turn: only showing the tab may style it
    window.tabs.setCurrentWidget(window.transfer_panel)
    assert point_size(label) > normal
    presentation.set_active(False)
    qtbot.waitUntil(lambda: point_size(label) == normal, timeout=5000)
