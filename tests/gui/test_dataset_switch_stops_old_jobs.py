"""A new data set stops the jobs still computing on the old one's images."""

from __future__ import annotations


def test_a_sweep_of_the_old_data_set_stops_when_the_new_one_arrives(window, idle, qtbot):
    """It went on, and its curves (MNIST's digits) could land while Fashion-MNIST's models loaded."""
    controls = window.controls
    controls.attack.setCurrentIndex(controls.attack.findData("bim"))  # 10 steps per ε: still running below
    qtbot.waitUntil(lambda: window.sweep is not None and window.sweep.header.attack.key == "bim"
                    and window.sweep.filled > 0, timeout=60000)
    old_sweep = window.sweep
    window.choose_dataset("fashion")
    qtbot.waitUntil(lambda: window.data.dataset == "fashion", timeout=60000)
    assert old_sweep.stopped or old_sweep.complete
    assert window.sweep is None or window.sweep is old_sweep or window.sweep.header.class_names[0] != "0"
    controls.attack.setCurrentIndex(controls.attack.findData("fgsm"))
    idle(window)
    assert window.sweep.header.class_names == window.data.class_names
    window.choose_dataset("mnist")
    qtbot.waitUntil(lambda: window.data.dataset == "mnist", timeout=60000)
    idle(window)
