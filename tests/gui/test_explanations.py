"""The explanation panels show exactly what the core computes, streamed by the window's worker."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from advviz.core.attacks import FGSM, RandomSign
from advviz.core.decision_map import decision_map
from advviz.core.diagnostics import diagnose
from advviz.core.dimension import dimension_curve
from advviz.core.linearity import linear_explanation, logit_linearity, pixel_space_weights
from advviz.core.paper import reproduce_steps
from advviz.core.robustness import robustness
from advviz.core.rubbish import rubbish_probe
from advviz.core.sweep import eps_grid, fgsm_sweep
from advviz.core.transfer import transfer_matrix
from advviz.gui.explain_controller import PANELS, TAB_TITLE

from explain_helpers import sample, show  # (tests/gui is on sys.path)


def test_tabs_have_captions_and_linear_panel_matches_core(window, idle, qtbot):
    explain = window.explain
    window.tabs.setCurrentWidget(explain.tabs)  # the panels are built when first shown, one per turn
    qtbot.waitUntil(lambda: explain.built, timeout=10000)
    window.tabs.setCurrentWidget(window.curves)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert TAB_TITLE in titles and explain.tabs.count() == len(PANELS) == 8
    assert all(len(panel.caption.text()) > 40 for panel in explain.panels.values())
    window.controls.set_checked(["mnist-softmax"])
    idle(window)
    window.curves.set_cursor(0.1)
    panel = show(window, idle, "linear")
    model = window.loaded["mnist-softmax"]
    x, y = sample(window)
    expected = linear_explanation(model, x, y, 0.1, clip=False)
    np.testing.assert_allclose(panel.shown["weights"], expected.weights)
    np.testing.assert_allclose(panel.shown["predicted"], expected.predicted[0], atol=1e-5)
    np.testing.assert_allclose(panel.shown["measured"], expected.measured[0], atol=1e-5)
    np.testing.assert_allclose(panel.shown["bound"], expected.bound, rtol=1e-6)
    # unclipped softmax regression: linearity is exact, the bars the panel draws agree
    np.testing.assert_allclose(panel.shown["measured"], panel.shown["predicted"], atol=1e-4)
    np.testing.assert_allclose(panel.measured_bars.opts["height"], expected.measured[0], atol=1e-5)
    assert "equal: the model is linear" in panel.status.text()
    # the dimension plot: the core's curve, for the true class, a straight line through 0
    weights, _ = pixel_space_weights(model)
    points = dimension_curve(model, x, y, 0.1, weights=weights)
    label = int(y[0])
    np.testing.assert_allclose(panel.shown["dim_counts"], [p.n for p in points])
    np.testing.assert_allclose(panel.shown["dim_measured"], [p.measured[0, label] for p in points], atol=1e-5)
    np.testing.assert_allclose(panel.dim_measured.getData()[1], [p.measured[0, label] for p in points], atol=1e-5)
    panel.slider.setValue(3)
    np.testing.assert_allclose(panel.shown["eta"], 0.1 * points[3].direction[0, 0])
    # clipped: measured differs from predicted where pixels hit 0 or 1
    panel.clip.setChecked(True)
    idle(window)
    clipped = linear_explanation(model, x, y, 0.1, clip=True)
    np.testing.assert_allclose(panel.shown["measured"], clipped.measured[0], atol=1e-5)
    # a non-linear first model: the panel explains it by its linearization at x (local weights ∇ₓz_c)
    window.controls.set_checked(["mnist-cnn"])
    idle(window)
    state = window.explain.states["linear"]
    assert state.header.local and state.header.model_name == "mnist-cnn"
    assert "linearization" in panel.status.text()
    cnn = window.loaded["mnist-cnn"]
    expected = linear_explanation(cnn, x, y, state.header.eps, clip=state.header.clip)
    np.testing.assert_allclose(panel.shown["predicted"], expected.predicted[0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(panel.shown["measured"], expected.measured[0], rtol=1e-4, atol=1e-4)


def test_linearity_robustness_rubbish_match_core(window, idle):
    names = ["mnist-softmax", "mnist-rbf"]
    window.controls.set_checked(names)
    idle(window)
    models = [window.loaded[name] for name in names]
    x, y = window.data.x, window.data.y
    explain = window.explain
    explain.panels["linearity"].samples.setValue(8)
    panel = show(window, idle, "linearity")
    eps = eps_grid(0.5, 41)
    for name, model in zip(names, models):
        expected = logit_linearity(fgsm_sweep(model, x[:8], y[:8], eps, clip=False).numpy(), eps)
        np.testing.assert_allclose(panel.shown[name], expected, atol=1e-6)
    assert np.median(panel.shown["mnist-softmax"]) > 0.9999 > np.median(panel.shown["mnist-rbf"])
    histogram = panel.curves[0].getData()[1]
    assert histogram.sum() == pytest.approx(1.0)

    robust = explain.panels["robustness"]
    robust.samples.setValue(40)
    robust.points.setValue(3)
    show(window, idle, "robustness")
    for name, model in zip(names, models):
        for key, attack in (("fgsm", FGSM()), ("random-sign", RandomSign(seed=0))):
            curve = robustness(model, x[:40], y[:40], [0.0, 0.25, 0.5], attack=attack)
            np.testing.assert_allclose(robust.shown[f"{name}/{key}/error"], curve.error, atol=1e-6)
            np.testing.assert_allclose(robust.shown[f"{name}/{key}/confidence"], curve.confidence, atol=1e-5)
    np.testing.assert_allclose(robust._curve(1, "random-sign", "error").getData()[1],
                               robustness(models[1], x[:40], y[:40], [0.0, 0.25, 0.5], attack=RandomSign(seed=0)).error)

    rubbish = explain.panels["rubbish"]
    rubbish.count.setValue(200)
    show(window, idle, "rubbish")
    expected = [rubbish_probe(model, count=200, distribution="gaussian", seed=0) for model in models]
    np.testing.assert_allclose(rubbish.shown["share"], [r.confident_fraction for r in expected])
    np.testing.assert_allclose(rubbish.share_bars.opts["height"], [r.confident_fraction for r in expected])
    np.testing.assert_allclose(rubbish.shown["mnist-rbf/confidence"], expected[1].confidence)
    top = np.argsort(-expected[0].confidence, kind="stable")[:8]
    np.testing.assert_array_equal(rubbish.shown["gallery"], top)
    np.testing.assert_allclose(rubbish.cells[0][1].image, expected[0].inputs[top[0], 0])
    assert f"({expected[0].confidence[top[0]]:.0%})" in rubbish.cells[0][0].titleLabel.text


def test_decision_map_centre_row_is_the_fgsm_sweep(window, idle):
    panel = window.explain.panels["map"]
    panel.resolution.setValue(21)
    show(window, idle, "map")
    state = window.explain.states["map"]
    assert state.complete and state.header.model_name == "mnist-cnn"
    model = window.sweep_model()
    x, y = sample(window)
    start, predictions, confidence = decision_map(model, x, y, extent=0.5, resolution=21, clip=True)
    np.testing.assert_array_equal(panel.shown["predictions"], predictions)
    np.testing.assert_allclose(panel.shown["confidence"], confidence, atol=1e-5)
    centre = fgsm_sweep(model, x, y, start.a, clip=True)[:, 0].numpy()
    np.testing.assert_allclose(state.logits[10], centre, atol=1e-4)
    np.testing.assert_array_equal(predictions[10], centre.argmax(axis=1))
    assert panel.image.image.shape == (21, 21, 3)
    window.curves.set_cursor(0.3)
    window.redraw_now()
    assert panel.markers.data["x"][1] == pytest.approx(0.3)


def test_diagnostics_match_core(window, idle):
    panel = show(window, idle, "diagnostics")
    model = window.sweep_model()
    expected = diagnose(model, window.data.x[:64], window.data.y[:64], eps=0.25, clip=True)
    np.testing.assert_allclose(panel.shown["eps"], [0.25, expected.effective_linf, expected.effective_mean], rtol=1e-6)
    # the clip keeps MNIST's background still: the mean |η| shows it, where ‖η‖∞ reaches ε all the same
    assert expected.effective_linf == pytest.approx(0.25) and expected.effective_mean < 0.8 * 0.25
    # shares of all pixels, so the chart shows what the warning says (the pixels the clip keeps still were missing)
    moved = 1 - expected.zero_gradient_fraction - expected.blocked_fraction
    np.testing.assert_allclose(panel.shown["shares"], [expected.zero_gradient_fraction, expected.blocked_fraction,
                                                       expected.clipped_fraction * moved], rtol=1e-6)
    assert "logits (not probabilities)" in panel.cards["outputs"].text()
    assert f"{expected.clipped_fraction:.1%}" in panel.cards["eps"].text()
    assert f"{expected.blocked_fraction:.1%} of pixels kept still" in panel.cards["eps"].text()


def test_adversarial_training_from_the_window_beats_its_twin(window, idle, qtbot):
    window.transfer_panel.samples.setValue(100)
    panel = window.explain.panels["training"]
    panel.samples.setValue(1000)
    panel.epochs.setValue(2)
    window.explain.show("training")
    panel.train.click()
    qtbot.waitUntil(lambda: "training" in window.explain.states and window.explain.states["training"].complete,
                    timeout=90000)
    idle(window, timeout=90000)
    state = window.explain.states["training"]
    plain, adversarial = (np.array(state.epochs[run]) for run in range(2))
    assert len(plain) == len(adversarial) == 2
    assert adversarial[-1, 2] < plain[-1, 2] - 0.15  # FGSM error: the paper's defence works
    np.testing.assert_allclose(panel.shown["run1/fgsm_error"], adversarial[:, 2])
    assert panel.fgsm_curves[1].getData()[1][-1] == pytest.approx(adversarial[-1, 2])
    # both trained models joined the checked models and the transfer matrix
    names = [window.loaded[key].name for key in window.controls.checked_keys()]
    assert names[-2:] == list(state.header.names)
    assert window.transfer is not None and window.transfer.header.names == names
    models = [window.loaded[key] for key in window.controls.checked_keys()]
    expected = transfer_matrix(models, window.data.x[:100], window.data.y[:100], 0.25)
    np.testing.assert_allclose(window.transfer_panel.shown_matrix(), expected.error, atol=1e-6)
    # the saved weights reload as the same model (a device change reloads from the file)
    key = window.controls.checked_keys()[-1]
    from advviz.core.zoo import load_model

    spec = window.specs[key]
    reloaded = load_model(spec.path, architecture=spec.architecture, dataset=spec.dataset)
    torch.testing.assert_close(reloaded(window.data.x[:5]), window.loaded[key](window.data.x[:5]))
    # kept in the user's data folder, where a session finds them after a reboot (not in /tmp)
    from advviz.core.resources import trained_models_dir

    assert Path(spec.path).parent.parent == trained_models_dir()
    assert str(trained_models_dir()).startswith(os.environ["XDG_DATA_HOME"])


def test_paper_table_streams_the_core_rows(window, idle, qtbot):
    panel = window.explain.panels["paper"]
    panel.samples.setValue(50)
    window.explain.show("paper")
    panel.run.click()
    qtbot.waitUntil(lambda: window.explain.states["paper"].total > 0
                    and len(window.explain.states["paper"].rows) == window.explain.states["paper"].total,
                    timeout=90000)
    idle(window)
    expected = [row for _, _, row in reproduce_steps(samples=50)]
    assert panel.table.rowCount() == len(expected)
    np.testing.assert_allclose(panel.shown["ours"], [row.ours for row in expected])
    np.testing.assert_allclose(panel.shown["difference"], [row.difference for row in expected])
    assert panel.table.item(0, 0).text() == expected[0].experiment
    assert panel.table.item(0, 5).text() == f"{expected[0].difference:+.1f}"


def test_cancel_stops_training_and_closing_mid_job_is_clean(window, qtbot):
    panel = window.explain.panels["training"]
    panel.samples.setValue(8000)
    panel.epochs.setValue(50)
    window.explain.show("training")
    panel.train.click()
    qtbot.waitUntil(lambda: "training" in window.explain.states
                    and len(window.explain.states["training"].loss[0]) >= 3, timeout=30000)
    assert window.cancel_button.isEnabled()
    window.cancel_button.click()
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=10000)
    done = len(window.explain.states["training"].loss[0])
    qtbot.wait(200)
    assert len(window.explain.states["training"].loss[0]) == done < 50 * 125
    assert not window.explain.states["training"].trained  # nothing joined the models list
    window.explain.show("map")  # a streaming job, then close the window while it runs
    window.close()
    assert window.runner.pool.activeThreadCount() == 0


def test_unchecking_every_model_clears_every_panel(window, idle):
    """The linear panel's clear raised (its bars' old offsets did not broadcast) and the window's own
    panels kept the last sweep with no model checked."""
    from advviz.gui.explain_controller import AUTOMATIC

    window.controls.set_checked(["mnist-softmax", "mnist-cnn"])
    idle(window)
    for key in AUTOMATIC:
        show(window, idle, key)  # each panel with a result on it
    window.controls.set_checked([])
    idle(window)
    assert "Check a model" in window.curves.summary.text() and not window.heatmaps.shown
    for key in AUTOMATIC:
        show(window, idle, key)
        assert key not in window.explain.states, key
    window.tabs.setCurrentIndex(0)


def test_a_new_eps_max_moves_the_linear_explanation_with_the_cursor(window, idle):
    """ε max 0.5 → 0.1 put the cursor at 0.05; the heatmaps followed, the linear explanation kept 0.25."""
    window.controls.set_checked(["mnist-softmax"])
    idle(window)
    window.curves.set_cursor(0.25)
    show(window, idle, "linear")
    assert window.explain.states["linear"].header.eps == pytest.approx(0.25)
    window.controls.eps_max.setValue(0.1)
    idle(window)
    cursor = abs(window.curves.cursor_value())
    assert cursor <= 0.1
    assert window.explain.states["linear"].header.eps == pytest.approx(cursor)


def test_with_an_l2_attack_the_paper_panels_keep_the_data_sets_linf_eps(window, idle):
    """An L2 ε (ε max 5) read as a per-pixel step: a ±5 decision map, robustness curves to ε = 5, FGSM at
    ε = 4 in the linear explanation. The panels show the paper's L∞ attack at the data set's ε instead."""
    from advviz.gui.controls import DEFAULT_EPS_MAX, PAPER_EPS

    window.controls.set_checked(["mnist-softmax"])
    window.curves.set_cursor(0.25)
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("fgm-l2"))
    idle(window)
    assert window.controls.eps_max.value() == 5.0
    assert window.curves.cursor_value() == pytest.approx(2.5)  # 0.25 of 0.5 → the same place of ±5
    window.curves.set_cursor(4.0)
    window.curves.cursorReleased.emit(4.0)
    linear = show(window, idle, "linear")
    assert window.explain.states["linear"].header.eps == pytest.approx(PAPER_EPS["mnist"])
    assert linear.note.isVisible() and "FGSM (L∞) at the data set's ε 0.25" in linear.note.text()
    assert "(the data set's L∞ ε)" in linear.status.text()
    show(window, idle, "map")
    assert window.explain.states["map"].header.extent == pytest.approx(DEFAULT_EPS_MAX["mnist"])
    panel = show(window, idle, "robustness")
    assert max(window.explain.states["robustness"].header.eps) == pytest.approx(DEFAULT_EPS_MAX["mnist"])
    assert "up to 0.5" in panel.note.text()
    # back to an L∞ attack: the panels follow the sweep's ε again
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("fgsm"))
    window.controls.eps_max.setValue(0.3)
    idle(window)
    assert max(window.explain.states["robustness"].header.eps) == pytest.approx(0.3)
    assert not panel.note.isVisible() and not linear.note.text()
