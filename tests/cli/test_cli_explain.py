"""The explanation commands: same numbers as the core, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_helpers import run  # (tests/cli is on sys.path)


def test_linear_predicted_equals_measured_unclipped(capsys, zoo, mnist_test):
    code, out, _ = run(capsys, "linear", "--model", "mnist-softmax", "--eps", "0.25", "--index", "3", "--json")
    assert code == 0
    payload = json.loads(out)
    from advviz.core.linearity import linear_explanation

    x, y = mnist_test
    expected = linear_explanation(zoo("mnist-softmax"), x[3:4], y[3:4], 0.25)
    np.testing.assert_allclose(payload["measured"], expected.measured[0], atol=1e-5)
    np.testing.assert_allclose(payload["predicted"], payload["measured"], atol=1e-4)
    dimension = payload["dimension"]
    assert dimension["n"][-1] == 784
    np.testing.assert_allclose(dimension["measured"][-1], expected.measured[0, int(y[3])], atol=1e-4)
    assert np.all(np.diff(dimension["bound"]) > 0)  # ε·Σ|w| grows with every added pixel
    code, out, _ = run(capsys, "linear", "--eps", "0.1", "--clip")
    assert code == 0 and "clipped" in out and "n free pixels" in out


def test_linear_explains_a_deep_model_by_its_linearization(capsys, zoo, mnist_test):
    code, out, _ = run(capsys, "linear", "--model", "mnist-cnn", "--index", "2", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["local_weights"] is True
    from advviz.core.linearity import linear_explanation

    x, y = mnist_test
    expected = linear_explanation(zoo("mnist-cnn"), x[2:3], y[2:3], 0.25)
    np.testing.assert_allclose(payload["predicted"], expected.predicted[0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(payload["measured"], expected.measured[0], rtol=1e-4, atol=1e-4)


def test_linearity_orders_softmax_above_rbf(capsys):
    code, out, _ = run(capsys, "linearity", "--models", "mnist-softmax,mnist-rbf", "--samples", "8", "--json")
    assert code == 0
    models = {row["model"]: row for row in json.loads(out)["models"]}
    assert models["mnist-softmax"]["median_r2"] > 0.9999 > models["mnist-rbf"]["median_r2"]
    assert np.array(models["mnist-rbf"]["r2"]).shape == (8, 10)


def test_decision_map_matches_core(capsys, zoo, mnist_test):
    code, out, _ = run(capsys, "decision-map", "--model", "mnist-mlp", "--index", "2", "--resolution", "11",
                       "--json")
    assert code == 0
    payload = json.loads(out)
    from advviz.core.decision_map import decision_map

    x, y = mnist_test
    _, predictions, _ = decision_map(zoo("mnist-mlp"), x[2:3], y[2:3], extent=0.5, resolution=11)
    np.testing.assert_array_equal(payload["predictions"], predictions)
    code, out, _ = run(capsys, "decision-map", "--model", "mnist-mlp", "--resolution", "11")
    assert code == 0 and "X" in out.splitlines()[-6]  # x at the centre row


def test_diagnose_reports_the_core_checks(capsys):
    code, out, _ = run(capsys, "diagnose", "--model", "mnist-cnn", "--samples", "16", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["outputs_look_like_probabilities"] is False
    assert payload["requested_eps"] == 0.25 and 0 < payload["clipped_fraction"] < 1
    code, out, _ = run(capsys, "diagnose", "--model", "mnist-cnn", "--samples", "16", "--no-clip")
    assert code == 0 and "logits" in out and "no warnings" in out


def test_adv_train_beats_its_twin(capsys, tmp_path):
    code, out, _ = run(capsys, "adv-train", "--samples", "600", "--epochs", "2", "--validation", "200",
                       "--output", str(tmp_path), "--json")
    assert code == 0
    payload = json.loads(out)
    last = {row["run"]: row for row in payload["epochs"] if row["epoch"] == 2}
    assert last["adversarial"]["fgsm_error"] < last["plain"]["fgsm_error"] - 0.1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.split("/")[-1] for p in payload["files"].values())


@pytest.mark.parametrize("argv", [["linear", "--eps", "-1"], ["decision-map", "--index", "99999"],
                                  ["adv-train", "--alpha", "2"]])
def test_bad_inputs_give_one_line(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1, err


def test_diagnose_reports_reduced_precision_drift(capsys):
    code, out, _ = run(capsys, "diagnose", "--model", "mnist-mlp", "--samples", "32", "--precision", "bfloat16",
                       "--json")
    report = json.loads(out)["precision"]
    assert code == 0 and report["dtype"] == "bfloat16" and 0 <= report["max_logit_difference"] < 1


def test_diagnose_says_which_images_each_drift_is_measured_on(capsys):
    """stderr said 0.185 over 512 images, the table 0.1533 over an unnamed 32: two figures, one unexplained."""
    code, out, err = run(capsys, "diagnose", "--model", "mnist-mlp", "--samples", "32", "--precision", "bfloat16")
    assert code == 0 and "against float32 on 512 images" in err
    assert "max |Δ logit| on these 32 test images" in out and "same prediction on these 32 test images" in out


def test_linear_help_covers_any_model(capsys):
    code, out, _ = run(capsys, "linear", "--help")
    text = " ".join(out.split())
    # it said "…of softmax regression", though the command explains any model (default mnist-softmax, README
    # shows mnist-cnn) through its linearization
    assert code == 0 and "change of softmax regression" not in text
    assert "for any model" in text and "linearization at x" in text
    code, out, _ = run(capsys, "--help")
    assert "for any model" in " ".join(out.split())
