"""A user's own model shows its clean accuracy in the models list however it loads: from the dialog, from a saved
session, and again after a device change (the models job loads it then, and said nothing, or kept the number it had
before), measured the one way (``jobs.clean_accuracy``, the core's chunked forwards)."""

from __future__ import annotations

import torch
from explain_helpers import open_and_wait
from models_list_helpers import model_row
from PySide6.QtCore import Qt

from advviz.gui import session
from advviz.gui.byo import UserModelSpec


def _user_mlp(window, idle, zoo, tmp_path) -> tuple[UserModelSpec, str]:
    """The zoo's MLP as the user's own TorchScript file, added as the dialog adds it; its row's expected text."""
    path = tmp_path / "mnist-mlp.ts"
    torch.jit.trace(zoo("mnist-mlp").cpu().eval(), torch.rand(1, 1, 28, 28)).save(str(path))
    spec = UserModelSpec.create(path=str(path), kind="torchscript", dataset="mnist", channels=1, size=28,
                                class_count=10, mean=(0.0,), std=(1.0,))
    zoo_accuracy = model_row(window, "mnist-mlp").text().split("· ")[1]  # "94.5% clean", on the same 2,000 images
    window.byo.add_model(spec)
    idle(window)
    expected = f"mnist-mlp  · {zoo_accuracy} (torchscript, 1×28×28)"
    assert model_row(window, spec.key).text() == expected
    return spec, expected


def test_a_user_model_from_a_session_lists_its_clean_accuracy(window, make_window, idle, qtbot, tmp_path, zoo):
    """Opened from a session, the user's model was listed by its name alone."""
    spec, expected = _user_mlp(window, idle, zoo, tmp_path)
    path = session.save_session(window, tmp_path / "lecture.advviz")
    other = make_window()
    other.start_loading()
    idle(other)
    open_and_wait(other, qtbot, idle, path)
    assert spec.key in other.loaded
    item = model_row(other, spec.key)
    assert item.checkState() == Qt.CheckState.Checked
    assert item.text() == expected
    assert item.toolTip().endswith("\nclean accuracy on the window's 2,000 images")


def test_a_user_model_loaded_again_on_another_device_measures_its_accuracy_again(window, idle, tmp_path, zoo):
    """A device change loads every model again, the user's through the models job: its row kept the number it had
    (here a wrong one, standing for a number measured on other settings), measured again now."""
    spec, expected = _user_mlp(window, idle, zoo, tmp_path)
    measured = window._user_accuracies()
    (_, count), images = measured[spec.key]
    measured[spec.key] = ((0.5, count), images)
    window._relabel_user_models()
    assert "50.0% clean" in model_row(window, spec.key).text()
    model = window.loaded[spec.key]
    window._device_changed(window.controls.device_choice)
    idle(window)
    assert window.loaded[spec.key] is not model  # loaded again
    assert model_row(window, spec.key).text() == expected
