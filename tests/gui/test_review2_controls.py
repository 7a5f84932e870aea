"""Second review: the device selector says what Auto picks and why CUDA is missing."""

from __future__ import annotations

from advviz.gui.controls import ControlsPanel


def items(combo):
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_without_cuda_the_device_selector_says_so(qtbot):
    # it offered "Auto" and "CPU" with no tooltip: nothing said what Auto runs on, or where CUDA went
    controls = ControlsPanel()
    qtbot.addWidget(controls)
    controls.set_devices(["cpu"])
    assert items(controls.device) == [("Auto (CPU)", "auto"), ("CPU", "cpu")]
    assert "No CUDA GPU here" in controls.device.toolTip()


def test_with_cuda_auto_names_the_gpu_and_the_choice_survives(qtbot):
    controls = ControlsPanel()
    qtbot.addWidget(controls)
    controls.set_devices(["cpu", "cuda:0", "cuda:1"])
    controls.device.setCurrentIndex(controls.device.findData("cuda:1"))
    controls.set_devices(["cpu", "cuda:0", "cuda:1"])
    assert items(controls.device)[0] == ("Auto (CUDA:0)", "auto")
    assert controls.device_choice == "cuda:1"
    assert "No CUDA" not in controls.device.toolTip()


def test_the_window_names_the_device_auto_runs_on(window):
    assert window.controls.device.itemText(0) in ("Auto (CPU)", "Auto (CUDA:0)")
