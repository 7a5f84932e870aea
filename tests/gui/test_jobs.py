"""Jobs in the window: cancel, replace, close mid-job, and bad input reported in the window."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import Qt

from advviz.gui.dialogs import weights_spec

SLOW_STEPS = 2001  # BIM over 2001 ε: ~10 gradients per ε, many seconds — always cancelled in these tests


def start_slow_sweep(window, qtbot):
    controls = window.controls
    controls.attack.setCurrentIndex(controls.attack.findData("bim"))
    controls.steps.setValue(SLOW_STEPS)
    qtbot.waitUntil(lambda: window.sweep is not None and window.sweep.header.attack.key == "bim"
                    and window.sweep.total == SLOW_STEPS and window.sweep.filled >= 2, timeout=30000)
    return window.runner._current["sweep"]


def test_cancel_stops_running_job(window, qtbot):
    job = start_slow_sweep(window, qtbot)
    assert window.cancel_button.isEnabled()
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    assert job.worker.abort_requested and not job.current
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=10000)
    filled = window.sweep.filled
    assert 2 <= filled < SLOW_STEPS
    qtbot.wait(200)
    assert window.sweep.filled == filled  # no step of the cancelled job arrives later
    assert window.status_label.text() == "Cancelled."
    assert not window.cancel_button.isEnabled()
    # the panels say the sweep stopped; no image of the previous sample or attack under its titles
    window.curves.set_cursor(0.49)  # an ε the BIM sweep had not reached
    window.redraw_now()
    assert "stopped" in window.heatmaps.cells["adversarial"].caption.text
    assert (window.heatmaps.shown["adversarial"] == 1.0).all()  # an empty (white) cell


def test_a_cancelled_transfer_says_it_stopped(window, qtbot, idle):
    window.controls.set_checked(["mnist-cnn", "mnist-mlp", "mnist-maxout"])
    idle(window)
    window.transfer_panel.follow.setChecked(False)
    window.transfer_panel.samples.setValue(2000)
    window.transfer_panel.settingsChanged.emit()  # (as when the user leaves the box)
    qtbot.waitUntil(lambda: window.transfer.header.samples == 2000 and window.runner.is_running("transfer"),
                    timeout=30000)
    window.cancel_jobs()
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=30000)
    window.redraw_now()
    caption = window.transfer_panel.caption.text()
    assert "computing" not in caption and "stopped after" in caption, caption


def test_changing_sample_mid_job_replaces_it(window, qtbot, idle):
    old = start_slow_sweep(window, qtbot)
    window.samples.set_current(5)
    new = window.runner._current["sweep"]
    assert new is not old and old.worker.abort_requested and not old.current
    window.controls.steps.setValue(21)  # replaces the job again, with a quick one
    idle(window)
    state = window.sweep
    np.testing.assert_array_equal(state.x, window.data.x[5].numpy())
    assert state.total == 21 and state.complete and np.isfinite(state.logits).all()
    assert window.runner.running_slots() == []


def test_closing_mid_job_is_clean(make_window, qtbot, idle):
    window = make_window()
    window.start_loading()
    idle(window)
    start_slow_sweep(window, qtbot)
    window.close()  # must abort and wait, not hang
    assert not window.runner.busy()
    assert window.runner.pool.activeThreadCount() == 0
    assert not window.redraw_timer.isActive()


def test_closing_during_startup_is_clean(make_window):
    window = make_window()
    window.start_loading()
    window.close()
    assert window.runner.pool.activeThreadCount() == 0


def test_corrupt_weights_file_is_reported(window, tmp_path, idle):
    path = tmp_path / "broken.pt"
    path.write_bytes(b"this is not a pytorch file")
    window.add_weights(weights_spec(str(path), "cnn", "mnist"))
    idle(window)
    assert "broken.pt is not a readable PyTorch weights file" in window.error_label.text()
    assert not any(key.startswith("file:") for key in window.controls.checked_keys())
    assert window.controls.models.count() == len(window.data.zoo)
    assert window.sweep_model().name == "mnist-cnn" and window.sweep.complete


def test_weights_of_other_architecture_are_reported(window, tmp_path, idle):
    path = tmp_path / "mlp.pt"
    from advviz.core.zoo import load_model

    torch.save(load_model("mnist-mlp").state_dict(), path)
    window.add_weights(weights_spec(str(path), "cnn", "mnist"))
    idle(window)
    assert "does not fit the architecture" in window.error_label.text()
    window.add_weights(weights_spec(str(path), "mlp", "mnist"))  # the right architecture loads and is swept
    idle(window)
    assert window.sweep_model().name == "mlp (mlp, file)"
    assert window.sweep.header.model_name == "mlp (mlp, file)" and window.sweep.complete
    window.add_weights(weights_spec(str(path), "mlp", "mnist"))  # the same file again: one row, not two
    idle(window)
    keys = [window.controls.models.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(window.controls.models.count())]
    assert len(keys) == len(set(keys)) and window.controls.checked_keys().count(keys[0]) == 1


def test_a_weights_file_comes_back_with_its_data_set(window, tmp_path, idle):
    """Switching to Fashion-MNIST and back forgot an MNIST weights file for good."""
    from advviz.core.zoo import load_model

    path = tmp_path / "mine.pt"
    torch.save(load_model("mnist-mlp").state_dict(), path)
    spec = weights_spec(str(path), "mlp", "mnist")
    window.add_weights(spec)
    idle(window)

    def listed() -> list[str]:
        return [window.controls.models.item(row).data(Qt.ItemDataRole.UserRole)
                for row in range(window.controls.models.count())]

    assert spec.key in listed()
    window.choose_dataset("fashion")
    idle(window)
    assert spec.key not in listed() and spec.key not in window.specs  # it takes MNIST images
    window.choose_dataset("mnist")
    idle(window)
    assert spec.key in listed() and window.specs[spec.key].path == str(path)


def test_missing_weights_file_is_reported(window, tmp_path, idle):
    window.add_weights(weights_spec(str(tmp_path / "nothing.pt"), "cnn", "mnist"))
    idle(window)
    assert "model file not found" in window.error_label.text()


def test_missing_cuda_falls_back_to_cpu(window, idle):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    device = window.controls.device
    device.addItem("CUDA:0", "cuda:0")
    device.setCurrentIndex(device.count() - 1)
    window.controls.deviceChanged.emit("cuda:0")
    idle(window)
    assert "CUDA is not available" in window.error_label.text()
    assert window.sweep.complete and str(next(window.sweep_model().parameters()).device) == "cpu"


def test_nan_image_is_reported_and_nothing_else_lost(window, idle):
    before = window.sweep
    window.data.x[7, 0, 3, 3] = float("nan")
    window.samples.set_current(7)
    idle(window)
    assert "NaN" in window.error_label.text()
    assert window.sweep is before and before.complete  # the last good sweep stays on screen
    window.samples.set_current(1)
    idle(window)
    assert window.sweep.complete and window.sweep is not before


def test_folder_of_images(window, tmp_path, idle):
    x, y = window.data.x[:6], window.data.y[:6]
    for index in range(6):
        folder = tmp_path / str(int(y[index]))
        folder.mkdir(exist_ok=True)
        Image.fromarray((x[index, 0].numpy() * 255).round().astype(np.uint8)).save(folder / f"{index}.png")
    window.load_folder(str(tmp_path))
    idle(window)
    assert window.samples.grid.count() == 6
    assert sorted(window.data.y.tolist()) == sorted(y.tolist())
    assert window.sweep.complete and window.error_label.text() == ""


def test_a_sweep_that_fails_before_its_first_step_keeps_the_last_good_one_as_it_was(window, idle):
    """A NaN image fails the sweep before its header: the last good sweep stays (nothing the user had is lost)
    and is not marked as stopped — it was another job's, and complete."""
    previous, original = window.sweep, window.data.x[3].clone()
    window.data.x[3] = float("nan")
    try:
        window.samples.set_current(3)
        idle(window)
        window.redraw_now()
        assert "NaN" in window.error_label.text()
        assert window.sweep is previous and previous.complete and not previous.stopped
    finally:
        window.data.x[3] = original  # (the data may be shared with later tests' windows)


def test_the_windows_iterative_attacks_step_by_a_share_of_each_rows_eps():
    """BIM/PGD were built for ε max with a fixed α = ε max / 8 and swept with it: each row took ε max's step."""
    from advviz.gui.jobs import AttackChoice

    for key in ("bim", "pgd"):
        attack = AttackChoice(key).build(0.5)
        assert attack.alpha == 0.0625 and attack.replace(eps=0.05).alpha == 0.00625
