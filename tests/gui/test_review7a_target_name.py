"""A targeted attack's title names the target as the data set does."""

from __future__ import annotations

from advviz.gui import export


def _targeted(window, idle, target):
    controls = window.controls
    controls.attack.setCurrentIndex(controls.attack.findData("fgsm-targeted"))
    controls.target.setCurrentIndex(target)
    idle(window)


def test_fashion_target_named_in_the_summary_and_export(window, idle, qtbot):
    """On Fashion-MNIST the line above the curves said "targeted FGSM (L∞) → class 5" beside a target box,
    a legend and "reaches target Sandal" all saying Sandal."""
    window.choose_dataset("fashion")
    qtbot.waitUntil(lambda: window.data.dataset == "fashion", timeout=60000)
    idle(window)
    _targeted(window, idle, 5)
    assert window.controls.target.currentText() == "Sandal"
    summary = window.curves.summary.text()
    assert "targeted FGSM (L∞) → Sandal" in summary
    assert "class 5" not in summary
    data = export.curves_data(window, window.curves)
    assert str(data["attack"]) == "targeted FGSM (L∞) → Sandal"


def test_digit_target_keeps_its_class_word(window, idle):
    _targeted(window, idle, 5)
    assert "targeted FGSM (L∞) → class 5 ·" in window.curves.summary.text()
