"""The linear explanation's "free dimensions" in k×k blocks: the bound is drawn and named for blocks, and the
mode's name fits its box."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

from explain_helpers import show


def test_blocks_mode_draws_its_bound_and_names_it(window, idle):
    panel = show(window, idle, "linear")
    panel.mode.setCurrentIndex(panel.mode.findData("blocks"))
    idle(window)
    counts, bound = panel.dim_bound.getData()
    # the dashed line was listed in the legend and never drawn (the core gave no bound for blocks)
    assert counts is not None and len(counts) == len(panel.state.points) and np.isfinite(bound).all()
    np.testing.assert_allclose(-bound, [p.bound[0, panel.state.header.label] for p in panel.state.points], rtol=1e-6)
    assert panel.dim_bound_name.text == "−ε·Σ|Σw| over the n blocks"
    panel.mode.setCurrentIndex(panel.mode.findData("pixels"))
    idle(window)
    assert panel.dim_bound_name.text == "−ε·Σ|w| over the n pixels"


def test_each_modes_name_fits_its_box(window, idle):
    panel = show(window, idle, "linear")
    combo = panel.mode
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    room = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                        QStyle.SubControl.SC_ComboBoxEditField, combo).width()
    for index in range(combo.count()):  # "k×k blocks (image averaged down, then up)" showed "k×k blocks (image a"
        assert combo.fontMetrics().horizontalAdvance(combo.itemText(index)) <= room, combo.itemText(index)
