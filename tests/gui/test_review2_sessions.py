"""Second review: hand-edited session files and the models they name."""

from __future__ import annotations

import json

import torch

from advviz.gui import session

from explain_helpers import open_and_wait  # (tests/gui is on sys.path)


def write_session(window, tmp_path, **changes):
    payload = session.capture(window, layout=False)
    payload.update(changes)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(payload))
    return path


def user_entry(tmp_path, **changes):
    model = tmp_path / "mine.pt"
    model.write_bytes(b"not read before the spec is checked")
    spec = {"key": f"user:torchscript::{model}:False:1x28", "label": "mine (torchscript, 1×28×28)",
            "path": str(model), "architecture": None, "dataset": "mnist", "kind": "torchscript",
            "pretrained": False, "channels": 1, "size": 28, "class_source": "count", "class_file": None,
            "class_count": 10, "mean": [0.0], "std": [1.0]}
    spec.update(changes)
    return {"kind": "user", "spec": spec}


def test_a_user_model_entry_with_an_unknown_class_source_is_named_and_the_rest_opens(window, qtbot, idle, tmp_path):
    # the window raised KeyError 'weird' from the spec's tooltip: the status stayed at "Opening …" and
    # the session's models, layout and checked models were never applied
    path = write_session(window, tmp_path, models=[user_entry(tmp_path, class_source="weird")],
                         checked=["mnist-mlp"], steps=31)
    open_and_wait(window, qtbot, idle, path)
    message = window.error_label.text()
    assert "class_source = 'weird'" in message and "could not be read" in message
    assert window.controls.checked_keys() == ["mnist-mlp"]
    assert window.controls.steps.value() == 31
    assert not any(key.startswith("user:") for key in window.specs)  # nothing half-added


def test_a_user_model_entry_with_a_size_that_is_no_number_is_named(window, qtbot, idle, tmp_path):
    # "size": "big" was accepted quietly: the model joined the list and failed in every later job
    path = write_session(window, tmp_path, models=[user_entry(tmp_path, size="big")])
    open_and_wait(window, qtbot, idle, path)
    assert "size = 'big'" in window.error_label.text()
    assert window.controls.models.count() == len(window.data.zoo)


def test_a_weights_file_of_the_other_data_set_is_refused_not_swept_on_these_images(window, qtbot, idle, tmp_path):
    # File › Load weights file… refuses a Fashion-MNIST file on MNIST; a session checked it and swept MNIST digits
    weights = tmp_path / "fashion_mlp.pt"
    torch.save(window.loaded["mnist-cnn"].state_dict(), weights)
    key = f"file:{weights}|cnn|fashion"
    path = write_session(window, tmp_path, checked=[key, "mnist-cnn"], models=[
        {"kind": "weights", "key": key, "label": "fashion_mlp", "path": str(weights), "architecture": "cnn",
         "dataset": "fashion"}])
    open_and_wait(window, qtbot, idle, path)
    assert "fashion_mlp was trained on fashion, not mnist" in window.error_label.text()
    assert window.controls.checked_keys() == ["mnist-cnn"]
    assert key not in window.specs


def test_a_trained_model_reopens_under_its_own_name(window, qtbot, idle, tmp_path):
    # the adversarial training panel's "mnist-cnn-advtrained-1" came back as "mnist-cnn-advtrained-1 (cnn, file)"
    weights = tmp_path / "mnist-cnn-advtrained-1.pt"
    torch.save(window.loaded["mnist-cnn"].state_dict(), weights)
    key = f"file:{weights}|cnn|mnist"
    path = write_session(window, tmp_path, checked=[key], models=[
        {"kind": "weights", "key": key, "label": "mnist-cnn-advtrained-1", "path": str(weights),
         "architecture": "cnn", "dataset": "mnist"}])
    open_and_wait(window, qtbot, idle, path)
    assert window.error_label.text() == ""
    assert window.controls.checked_keys() == [key]
    # with its clean accuracy, as the zoo's mnist-cnn has it (the same weights, measured on the same images)
    zoo = next(window.controls.models.item(row).text() for row in range(window.controls.models.count())
               if window.controls.models.item(row).text().startswith("mnist-cnn  · "))
    assert window.controls.models.item(0).text() == "mnist-cnn-advtrained-1  · " + zoo.split("  · ")[1]
    assert window.sweep is not None and window.sweep.header.model_name == "mnist-cnn-advtrained-1"


def test_a_target_class_outside_the_classes_is_named(window, qtbot, idle, tmp_path):
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("fgsm-targeted"))
    window.controls.target.setCurrentIndex(3)
    idle(window)
    path = write_session(window, tmp_path, attack={"key": "fgsm-targeted", "target": 42})
    open_and_wait(window, qtbot, idle, path)
    assert "target class 42 is not one of the 10 classes; kept 3" in window.error_label.text()
    assert window.controls.attack_choice.target == 3
