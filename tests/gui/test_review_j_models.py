"""Review J (a researcher's own models and sessions): a user model is checked against the data whenever it
loads, failures name the model and keep the session's notes, and normalization is refused in words."""

from __future__ import annotations

import json

import pytest
import torch
from conftest import open_window, wait_idle
from explain_helpers import open_and_wait
from torch import nn

from advviz.gui.byo import UserModelSpec
from advviz.gui.session import save_session


def ten_class_model(tmp_path) -> str:
    path = tmp_path / "ten.ts"
    torch.manual_seed(0)
    torch.jit.script(nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))).save(str(path))
    return str(path)


def saved_session_with_own_model(window, idle, tmp_path) -> dict:
    spec = UserModelSpec.create(path=ten_class_model(tmp_path), kind="torchscript", dataset="mnist", channels=1,
                                size=28, class_count=10, mean=(0.0,), std=(1.0,))
    window.byo.add_model(spec)
    idle(window)
    assert spec.key in window.loaded
    save_session(window, tmp_path / "s.json")
    return json.loads((tmp_path / "s.json").read_text())


def restarted(window, qtbot):
    """A new window, as after a restart: the user model not loaded yet (qtbot closes it: open_window adds it)."""
    window.close()
    fresh = open_window(qtbot)
    fresh.start_loading()
    wait_idle(qtbot, fresh)
    return fresh


def test_a_sessions_own_model_that_no_longer_fits_is_refused_and_the_rest_drawn(window, idle, qtbot, tmp_path):
    """class_count edited to 5 (or the file retrained): the model was swept and every panel stayed empty."""
    payload = saved_session_with_own_model(window, idle, tmp_path)
    (entry,) = [entry for entry in payload["models"] if entry.get("kind") == "user"]
    entry["spec"]["class_count"] = 5
    (tmp_path / "edited.json").write_text(json.dumps(payload))
    window = restarted(window, qtbot)
    open_and_wait(window, qtbot, idle, tmp_path / "edited.json")
    message = window.error_label.text()
    assert "ten" in message and "(1, 10)" in message, message
    key = entry["spec"]["key"]
    assert key not in window.loaded and key not in window.controls.checked_keys()
    assert window.sweep_model().name == "mnist-cnn" and window.sweep.complete


def test_a_moved_model_file_is_named_once(window, idle, qtbot, tmp_path):
    payload = saved_session_with_own_model(window, idle, tmp_path)
    (entry,) = [entry for entry in payload["models"] if entry.get("kind") == "user"]
    entry["spec"]["path"] = str(tmp_path / "gone" / "ten.ts")
    (tmp_path / "moved.json").write_text(json.dumps(payload))
    loader = open_and_wait(restarted(window, qtbot), qtbot, idle, tmp_path / "moved.json")
    named = [problem for problem in loader.problems if "ten" in problem]
    assert len(named) == 1 and "file not found" in named[0], loader.problems


@pytest.mark.parametrize("mean, std, words", [((0.0,), (0.0,), "std must be positive"),
                                               ((0.0,), (-2.0,), "std must be positive"),
                                               ((0.1, 0.2, 0.3), (1.0,), "mean has 3 values")])
def test_a_normalization_the_model_cannot_use_is_refused_in_words(tmp_path, mean, std, words):
    """std 0 ended in "NaN or infinite outputs", a negative one flipped every gradient, three means for one
    channel raised torch's "The expanded size of the tensor (1) must match"."""
    from advviz.core.errors import ModelLoadError
    from advviz.core.user_models import torchscript_model

    with pytest.raises(ModelLoadError, match=words):
        torchscript_model(ten_class_model(tmp_path), input_shape=(1, 28, 28), class_names=tuple("0123456789"),
                          mean=mean, std=std)


def test_a_model_with_numbered_classes_takes_the_datas_names(window, idle, qtbot, tmp_path):
    """On Fashion-MNIST the heatmaps said "predicted 8" of such a model where the thumbnails said "Bag"."""
    window.choose_dataset("fashion")
    qtbot.waitUntil(lambda: window.data.dataset == "fashion", timeout=60000)
    idle(window)
    spec = UserModelSpec.create(path=ten_class_model(tmp_path), kind="torchscript", dataset="fashion", channels=1,
                                size=28, class_count=10, mean=(0.0,), std=(1.0,))
    window.byo.add_model(spec)
    idle(window)
    model = window.loaded[spec.key]
    assert model.class_names == tuple(window.data.class_names) and "Bag" in model.class_names
    assert window.sweep_model() is model and window.sweep.header.class_names == model.class_names
