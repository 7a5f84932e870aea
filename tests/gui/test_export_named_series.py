"""The explanation panels whose export comes from their plots (linearity meter, robustness curves, rubbish
class, adversarial training) name each series for what it is, not "curve0 … curveN", and export every number
they draw: the rubbish class's bars too, the adversarial-training panel's curves once it has trained."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from advviz.core.twin_training import TrainingHeader, TrainingRequest
from advviz.gui import export
from advviz.gui.explanations import TrainingState
from advviz.gui.panels.explain_linearity import BINS as R2_BINS
from advviz.gui.panels.explain_rubbish import BINS as CONFIDENCE_BINS

from explain_helpers import show  # (tests/gui is on sys.path)

MODELS = ["mnist-cnn", "mnist-softmax"]


def exported(window, panel, tmp_path, stem: str) -> dict[str, np.ndarray]:
    """The panel's NPZ, checked against its CSV: the same arrays under the same names."""
    export.export_panel(window, panel, tmp_path / f"{stem}.npz")
    with np.load(tmp_path / f"{stem}.npz") as data:
        arrays = {key: data[key].copy() for key in data.files}
    export.export_panel(window, panel, tmp_path / f"{stem}.csv")
    with open(tmp_path / f"{stem}.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["array", "index", "value"]
    assert {name for name, _, _ in rows[1:]} == set(arrays)
    for key, array in arrays.items():
        values = [v for name, _, v in rows[1:] if name == key]
        if array.dtype.kind == "U":
            assert values == array.ravel().tolist(), key
        else:  # an undefined value (NaN) is an empty cell
            assert [v == "" for v in values] == (~np.isfinite(array.ravel())).tolist(), key
            np.testing.assert_allclose([float(v) if v else np.nan for v in values], array.ravel(), rtol=1e-5)
    assert not [key for key in arrays if key.startswith(("curve", "bars"))], sorted(arrays)  # anonymous
    return arrays


@pytest.fixture
def two_models(window, idle):
    window.controls.set_checked(MODELS)
    idle(window)
    return window


def test_linearity_meter_names_each_model(two_models, idle, tmp_path):
    window = two_models
    window.explain.panels["linearity"].samples.setValue(4)
    panel = show(window, idle, "linearity")
    state = window.explain.states["linearity"]
    data = exported(window, panel, tmp_path, "linearity")
    assert len(data) == 2 * len(MODELS)
    for index, name in enumerate(MODELS):
        r2 = np.clip(state.r2[index].ravel(), 0, 1)
        np.testing.assert_allclose(data[f"{name}: share of logits per R² bin_x"], R2_BINS)
        np.testing.assert_allclose(data[f"{name}: share of logits per R² bin_y"],
                                   np.histogram(r2, bins=R2_BINS)[0] / len(r2))


def test_robustness_curves_name_model_attack_and_plot(two_models, idle, qtbot, tmp_path):
    window = two_models
    window.explain.panels["robustness"].samples.setValue(10)
    window.explain.panels["robustness"].points.setValue(3)
    panel = show(window, idle, "robustness")
    state = window.explain.states["robustness"]
    assert np.isnan(state.confidence[:, :, 0]).any()  # no wrong answer at ε = 0 among 10 samples: a blank cell
    expected = {}
    for index, name in enumerate(MODELS):
        for attack, (_, title) in enumerate((("fgsm", "FGSM"), ("random-sign", "random sign"))):
            for metric, values in (("error rate", state.error), ("mean confidence on the wrong answers",
                                                                 state.confidence)):
                # every computed ε; a confidence there is NaN where the model made no wrong answer
                computed = np.isfinite(state.error[index, attack])
                expected[f"{name}, {title}: {metric} per ε"] = (np.asarray(state.header.eps)[computed],
                                                                 values[index, attack][computed])
    # the confidence plot is drawn a turn after the error plot
    qtbot.waitUntil(lambda: len(export.scene_data(panel.view)) == 2 * len(expected), timeout=5000)
    data = exported(window, panel, tmp_path, "robustness")
    assert {key.rsplit("_", 1)[0] for key in data} == set(expected)
    for name, (eps, values) in expected.items():
        np.testing.assert_allclose(data[f"{name}_x"], eps, rtol=1e-6)
        np.testing.assert_allclose(data[f"{name}_y"], values, rtol=1e-6)


def test_rubbish_class_exports_its_bars_and_histograms_by_model(two_models, idle, tmp_path):
    window = two_models
    window.explain.panels["rubbish"].count.setValue(50)
    panel = show(window, idle, "rubbish")
    state = window.explain.states["rubbish"]
    data = exported(window, panel, tmp_path, "rubbish")
    assert len(data) == 3 + 2 * len(MODELS)
    # the bars: the share each model labels with confidence > 0.5, and whose bar is whose (not exported at all)
    shares = [state.results[index].result.confident_fraction for index in range(len(MODELS))]
    np.testing.assert_allclose(data["share with confidence > 0.5_height"], shares)
    np.testing.assert_allclose(data["share with confidence > 0.5_height"], panel.share_bars.opts["height"])
    assert data["share with confidence > 0.5_label"].tolist() == MODELS
    np.testing.assert_allclose(data["share with confidence > 0.5_x"], range(len(MODELS)))
    for index, name in enumerate(MODELS):
        result = state.results[index].result
        np.testing.assert_allclose(data[f"{name}: share of noise images per confidence bin_x"], CONFIDENCE_BINS)
        np.testing.assert_allclose(data[f"{name}: share of noise images per confidence bin_y"],
                                   np.histogram(result.confidence, bins=CONFIDENCE_BINS)[0] / 50)


def test_adversarial_training_exports_its_curves_once_trained(window, tmp_path):
    panel = window.explain.panels["training"]
    with pytest.raises(export.ExportError, match="Adversarial training shows nothing to export yet"):
        export.export_panel(window, panel, tmp_path / "empty.csv")
    # what two epochs of training stream (the training itself is tested in test_explanations)
    names = ("mnist-mlp-plain-9", "mnist-mlp-advtrained-9")
    state = TrainingState(TrainingHeader(TrainingRequest("mnist", epochs=2), names))
    state.loss = [[(0.5, 2.3), (1.0, 1.1), (1.5, 0.6), (2.0, 0.4)], [(0.5, 2.5), (1.0, 1.4), (1.5, 0.9), (2.0, 0.7)]]
    state.epochs = [[(1, 0.12, 0.95), (2, 0.08, 0.97)], [(1, 0.14, 0.40), (2, 0.10, 0.25)]]
    panel.show_state(state)
    data = exported(window, panel, tmp_path, "training")
    assert len(data) == 2 * 3 * 2
    for run, (name, loss) in enumerate(zip(names, ("J", "J̃"))):
        np.testing.assert_allclose(data[f"{name}: training loss {loss} per minibatch_x"], [0.5, 1.0, 1.5, 2.0])
        np.testing.assert_allclose(data[f"{name}: training loss {loss} per minibatch_y"],
                                   [value for _, value in state.loss[run]])
        epochs = np.array(state.epochs[run])
        for column, quantity in ((1, "clean error"), (2, "FGSM error")):
            np.testing.assert_allclose(data[f"{name}: {quantity} per epoch_x"], [1, 2])
            np.testing.assert_allclose(data[f"{name}: {quantity} per epoch_y"], epochs[:, column])
