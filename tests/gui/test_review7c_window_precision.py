"""The window's "forwards" precision in the paper's-arguments panels (review 7c)."""

from __future__ import annotations

import torch
from explain_helpers import choose_precision as choose
from explain_helpers import show, start_training
from torch import nn


class CastsToFloat32(nn.Module):
    """A user's model that casts its input to float32 first: beside bfloat16 weights its forward fails."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(28 * 28, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.float().flatten(1))


class Loud(nn.Module):
    """Logits of about 1e6: beyond float16's 65,504."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(28 * 28, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1)) * 1e6


def test_the_linear_explanation_of_softmax_regression_in_bfloat16_blames_the_rounding_not_clipping(window, idle):
    """Unclipped softmax regression in bfloat16 said 'max |predicted − measured| = 0.056 (clipping stops some
    pixels)' beside 'unclipped': the gap is the bfloat16 forwards' rounding of the measured change."""
    window.controls.set_checked(["mnist-softmax"])
    idle(window)
    choose(window, idle, "bfloat16")
    panel = show(window, idle, "linear")
    assert not panel.clip.isChecked()
    text = panel.status.text()
    assert "unclipped" in text and "bfloat16 forwards' rounding" in text and "clipping" not in text, text
    choose(window, idle, "float32")
    panel = show(window, idle, "linear")
    assert "(equal: the model is linear)" in panel.status.text(), panel.status.text()


def test_models_trained_in_the_window_join_in_the_chosen_precision_with_their_drift_said(window, idle, qtbot):
    """With bfloat16 forwards chosen, the two models adversarial training added to the list ran in float32
    (the transfer matrix mixed them with bfloat16 targets) and no drift was said for them."""
    from advviz.core.precision import forward_precision

    choose(window, idle, "bfloat16")
    start_training(window)
    qtbot.waitUntil(lambda: "training" in window.explain.states and window.explain.states["training"].complete,
                    timeout=60000)
    idle(window)
    names = window.explain.states["training"].header.names
    trained = {key: model for key, model in window.loaded.items() if model.name in names}
    assert len(trained) == 2 and all(key in window.controls.checked_keys() for key in trained)
    assert {forward_precision(model) for model in trained.values()} == {"bfloat16"}
    text = window.error_label.text()
    assert text.startswith("bfloat16 forwards: max |Δ logit|") and all(name in text for name in names), text


def test_a_user_model_that_cannot_run_in_bfloat16_stays_float32_and_the_others_load(window, idle, tmp_path):
    """A TorchScript model casting its input to float32 checked beside mnist-cnn: choosing bfloat16 failed the
    whole models job — no model loaded, the old float32 curves left up, and TorchScript's 30-line traceback
    filling the window. It now keeps float32 forwards, and the message line says so beside mnist-cnn's drift."""
    from advviz.core.precision import forward_precision
    from advviz.gui.byo import UserModelSpec

    torch.manual_seed(0)
    path = tmp_path / "casts.ts"
    torch.jit.script(CastsToFloat32()).save(str(path))
    spec = UserModelSpec.create(path=str(path), kind="torchscript", dataset="mnist", channels=1, size=28,
                                class_count=10, mean=(0.0,), std=(1.0,))
    window.byo.add_model(spec)
    idle(window)
    window.controls.set_checked([spec.key, "mnist-cnn"])
    idle(window)
    choose(window, idle, "bfloat16")
    assert set(window.loaded) >= {spec.key, "mnist-cnn"}
    assert forward_precision(window.loaded[spec.key]) == "float32"
    assert forward_precision(window.loaded["mnist-cnn"]) == "bfloat16"
    text = window.error_label.text()
    assert "mnist-cnn 0." in text and "cannot run its forwards in bfloat16 (mat1 and mat2 must have the same dtype" \
        in text and "Traceback" not in text, text
    assert window.sweep is not None and window.sweep.complete and window.sweep_model() is window.loaded[spec.key]


def test_a_model_whose_logits_overflow_float16_keeps_float32_forwards():
    """float16 logits of ±inf drew no curves and a drift of 'inf' (or 'nan'): the model stays float32, said why."""
    from advviz.core.architectures import PixelSpaceModel
    from advviz.core.precision import forward_precision
    from advviz.core.data import load_dataset
    from advviz.core.precision import PrecisionRefused, apply_forward_precision
    from advviz.gui.jobs import drift_message

    torch.manual_seed(0)
    model = PixelSpaceModel(Loud(), input_shape=(1, 28, 28), class_names=tuple("0123456789"), name="loud").eval()
    refused = apply_forward_precision(model, "float16", load_dataset("mnist", "test")[0][:64])
    assert isinstance(refused, PrecisionRefused) and forward_precision(model) == "float32"
    assert drift_message({"loud": refused}) == ("loud cannot run its forwards in float16 (its logits overflow "
                                                "float16): they stay float32")


def test_exported_data_say_the_precision_of_the_forwards_that_gave_them(window, idle, tmp_path):
    """An NPZ of the curves, the transfer matrix or the linear explanation from bfloat16 forwards could not be
    told from a float32 one: each now records the forwards' precision."""
    import numpy as np

    from advviz.gui import export

    window.controls.set_checked(["mnist-cnn", "mnist-mlp"])
    idle(window)
    choose(window, idle, "bfloat16")
    window.tabs.setCurrentWidget(window.transfer_panel)
    idle(window)
    panel = show(window, idle, "linear")
    for widget, name in ((window.curves, "curves"), (window.transfer_panel, "transfer"), (panel, "linear")):
        path = export.export_panel(window, widget, tmp_path / f"{name}.npz")
        with np.load(path) as data:
            expected = ["bfloat16", "bfloat16"] if name == "transfer" else "bfloat16"
            assert data["precision"].tolist() == expected, name


def test_on_the_cpu_the_message_line_says_reduced_precision_is_slower(window, idle):
    """On a CPU a bfloat16 decision map of the zoo's CNN took 17 s against 1.4 s in float32, and only the combo's
    tooltip said 'slower on most CPUs': the message line now says it beside the drift."""
    choose(window, idle, "bfloat16")
    text = window.error_label.text()
    assert "bfloat16 forwards: max |Δ logit|" in text and "on the CPU they are slower than float32" in text, text
