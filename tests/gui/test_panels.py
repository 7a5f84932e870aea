"""The window's panels show exactly what the core computes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyqtgraph as pg
import pytest
import torch

from advviz.core import outputs
from advviz.core.attacks import make_attack
from advviz.core.batching import input_gradient
from advviz.core.sweep import eps_grid, fgsm_sweep, perturbed, sweep_steps, SweepStart
from advviz.core.transfer import transfer_matrix


def sample(window, index=None):
    index = window.samples.current() if index is None else index
    return window.data.x[index: index + 1], window.data.y[index: index + 1]


def test_window_modules_do_not_import_torch():
    code = ("import sys; import advviz.gui.app, advviz.gui.window; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_startup_sweeps_default_model_and_sample(window):
    assert window.sweep_model().name == "mnist-cnn"
    assert window.status_label.text() == "Ready."
    assert window.error_label.text() == ""
    assert window.samples.grid.count() == 200
    state = window.sweep
    assert state.total == 101 and state.filled == 101
    x, y = sample(window)
    expected = fgsm_sweep(window.sweep_model(), x, y, eps_grid(0.5, 101)).numpy()[:, 0]
    for index, curve in enumerate(window.curves.curves):
        xs, ys = curve.getData()
        assert len(xs) == 101
        np.testing.assert_allclose(xs, eps_grid(0.5, 101))
        np.testing.assert_allclose(ys, expected[:, index], rtol=1e-4, atol=1e-4)
    # thumbnails carry the first model's predictions
    text = window.samples.grid.item(0).text()
    predicted = int(window.sweep_model()(x).argmax())
    assert text == f"{int(y[0])}→{predicted}"


def test_curves_hold_k_points_and_probabilities(window, idle):
    window.controls.steps.setValue(21)
    idle(window)
    assert window.sweep.total == 21
    assert all(len(curve.getData()[0]) == 21 for curve in window.curves.curves)
    window.curves.probabilities.setChecked(True)
    window.redraw_now()
    x, y = sample(window)
    model = window.sweep_model()
    logits = fgsm_sweep(model, x, y, eps_grid(0.5, 21))[:, 0]
    probabilities = outputs.probabilities(logits, reject_logit=model.reject_logit).numpy()
    for index, curve in enumerate(window.curves.curves):
        np.testing.assert_allclose(curve.getData()[1], probabilities[:, index], atol=1e-5)
    assert window.curves.plot.getAxis("left").labelText == "softmax probability"


@pytest.mark.parametrize("eps", [0.25, -0.1, 0.5])
def test_heatmaps_follow_cursor_and_match_core(window, eps):
    window.curves.set_cursor(eps)
    window.redraw_now()
    x, y = sample(window)
    model = window.sweep_model()
    adversarial = make_attack("fgsm", eps=abs(eps))(model, x, y) if eps > 0 else None
    start = next(step for step in sweep_steps(model, x, y, eps_grid(0.5, 101)) if isinstance(step, SweepStart))
    expected = perturbed(x, torch.from_numpy(start.direction), eps, clip=True).numpy()[0, 0]
    if adversarial is not None:  # the FGSM attack itself gives the same x̃
        np.testing.assert_allclose(expected, adversarial.numpy()[0, 0], atol=1e-6)
    shown = window.heatmaps.shown
    np.testing.assert_allclose(shown["original"], x.numpy()[0, 0])
    np.testing.assert_allclose(shown["adversarial"], expected, atol=1e-6)
    np.testing.assert_allclose(shown["perturbation"], expected - x.numpy()[0, 0], atol=1e-6)
    assert np.abs(shown["perturbation"]).max() == pytest.approx(abs(eps), abs=1e-5)
    gradient, _ = input_gradient(model, x, y)
    np.testing.assert_allclose(shown["gradient"], gradient.numpy()[0, 0], rtol=1e-4, atol=1e-7)
    predicted = int(model(torch.from_numpy(expected)[None, None]).argmax())
    assert f">{predicted}<" in window.heatmaps.cells["adversarial"].caption.text


def test_flip_band_marks_changed_prediction(window):
    state = window.sweep
    predictions = state.logits.argmax(axis=1)
    clean = int(state.header.clean_logits.argmax())
    bands = state.bands()
    shown = [band for band in window.curves.bands if band.isVisible()]
    assert len(shown) == len(bands)
    flipped = predictions != clean
    for eps, is_flipped in zip(state.eps, flipped):
        inside = any(band.start <= eps <= band.stop for band in bands)
        assert inside == bool(is_flipped)


def test_transfer_matrix_matches_core(window, idle):
    window.transfer_panel.samples.setValue(60)
    window.controls.set_checked(["mnist-cnn", "mnist-mlp", "mnist-softmax"])
    idle(window)
    state = window.transfer
    assert state is not None and state.done == 9
    models = [window.loaded[key] for key in ("mnist-cnn", "mnist-mlp", "mnist-softmax")]
    eps = abs(window.curves.cursor_value())
    assert eps == pytest.approx(0.25)
    expected = transfer_matrix(models, window.data.x[:60], window.data.y[:60], eps)
    for metric in ("error", "confidence", "agreement"):
        window.transfer_panel.set_metric(metric)
        np.testing.assert_allclose(window.transfer_panel.shown_matrix(), getattr(expected, metric), atol=1e-6)
        texts = window.transfer_panel.texts
        assert texts[1].toPlainText() == f"{getattr(expected, metric)[0, 1]:.0%}"
    ticks = window.transfer_panel.plot.getAxis("bottom")._tickLevels[0]
    assert [name for _, name in ticks] == ["cnn", "mlp", "softmax"]


def test_iterative_attack_heatmap_matches_core(window, idle):
    window.controls.steps.setValue(5)
    window.controls.attack.setCurrentIndex(window.controls.attack.findData("bim"))
    idle(window)
    window.curves.set_cursor(0.25)
    window.redraw_now()
    x, y = sample(window)
    # the attack at the cursor's ε, its step an eighth of that ε (not of ε max's 0.5): the transfer matrix's BIM
    expected = make_attack("bim", eps=0.25, alpha=0.25 / 8, steps=10)(window.sweep_model(), x, y).numpy()[0, 0]
    np.testing.assert_allclose(window.heatmaps.shown["adversarial"], expected, atol=1e-6)


def test_targeted_fgsm_uses_target_class(window, idle):
    controls = window.controls
    controls.steps.setValue(11)
    controls.attack.setCurrentIndex(controls.attack.findData("fgsm-targeted"))
    assert controls.target.isVisibleTo(controls)
    controls.target.setCurrentIndex(5)
    idle(window)
    assert window.sweep.header.target == 5
    window.curves.set_cursor(0.3)
    window.redraw_now()
    x, _ = sample(window)
    expected = make_attack("fgsm", eps=0.3, targeted=True)(window.sweep_model(), x, torch.tensor([5]))
    np.testing.assert_allclose(window.heatmaps.shown["adversarial"], expected.numpy()[0, 0], atol=1e-6)


@pytest.fixture
def robustness_panel(qtbot):
    """A shown robustness panel with a finished job of two models, "a" and "b", legend filled."""
    from advviz.gui.explanations import RobustnessHeader, RobustnessState
    from advviz.gui.panels.explain_robustness import RobustnessPanel

    panel = RobustnessPanel()
    qtbot.addWidget(panel)
    panel.resize(1100, 600)
    panel.show()
    state = RobustnessState(RobustnessHeader(["a", "b"], [0.0, 0.1, 0.2], 10, True))
    state.error[:] = 0.5
    state.confidence[:] = 0.7
    panel.show_state(state)
    qtbot.waitUntil(lambda: len(panel.legend.items) == 4, timeout=2000)  # filled a turn later: a, b, two styles
    return panel


def test_a_short_robustness_legend_keeps_its_height(robustness_panel, qtbot):
    """Stretched to the plots' height, a legend of two models spread its rows apart and drew each line
    sample below its name."""
    panel = robustness_panel
    qtbot.wait(50)
    legend, plot = panel.legend.geometry(), panel.error_plot.geometry()
    assert legend.height() < 0.5 * plot.height() and abs(legend.top() - plot.top()) < 20


def test_the_class_legend_sits_at_the_top_at_its_natural_height(window):
    legend, plot = window.curves.legend.geometry(), window.curves.plot.geometry()
    assert legend.height() < 0.8 * plot.height() and abs(legend.top() - plot.top()) < 20


def test_robustness_curves_follow_each_new_job_and_its_names(robustness_panel, qtbot):
    """Only changed curves get new data (the others keep their cached drawing), so a new job must
    still replace every curve of the old one, and its models' names must reach the legend."""
    from advviz.gui.explanations import ROBUSTNESS_ATTACKS, RobustnessHeader, RobustnessState

    panel = robustness_panel
    second = RobustnessState(RobustnessHeader(["c", "d"], [0.0, 0.1, 0.2], 10, True))
    fgsm = [key for key, _ in ROBUSTNESS_ATTACKS].index("fgsm")
    second.error[1, fgsm] = [0.0, 0.1, 0.2]  # as many points as the first job's curves had
    second.confidence[1, fgsm] = 0.9
    panel.show_state(second)
    qtbot.wait(5)
    second.error[0, 1 - fgsm, 0] = second.confidence[0, 1 - fgsm, 0] = 0.3  # the stream goes on
    panel.show_state(second)
    qtbot.waitUntil(lambda: [label.text for _, label in panel.legend.items]
                    == ["c", "d", *[title for _, title in ROBUSTNESS_ATTACKS]], timeout=2000)
    for (index, attack, metric), curve in panel.curves.items():
        x, y = curve.getData()
        if index == 1 and attack == "fgsm":
            np.testing.assert_allclose(y, [0.0, 0.1, 0.2] if metric == "error" else [0.9] * 3)
        elif index == 0 and attack != "fgsm":
            np.testing.assert_allclose(y, [0.3])
        else:  # none of the first job's curves is left on screen
            assert x is None or len(x) == 0


def test_an_undefined_confidence_is_a_gap_not_a_point_at_zero(robustness_panel, qtbot):
    """Where a model makes no wrong answer its mean confidence is undefined: the curve breaks there,
    neither dropping to 0 nor drawing a line across the ε that has no value."""
    from advviz.gui.explanations import ROBUSTNESS_ATTACKS, RobustnessHeader, RobustnessState

    panel = robustness_panel
    state = RobustnessState(RobustnessHeader(["m"], [0.0, 0.1, 0.2], 10, True))
    fgsm = [key for key, _ in ROBUSTNESS_ATTACKS].index("fgsm")
    state.error[0, fgsm] = [0.2, 0.0, 0.5]
    state.confidence[0, fgsm] = [0.7, np.nan, 0.8]
    panel.show_state(state)
    curve = panel.curves[(0, "fgsm", "confidence")]
    qtbot.waitUntil(lambda: curve.getData()[0] is not None and len(curve.getData()[0]) > 0, timeout=2000)
    x, y = curve.getData()
    np.testing.assert_allclose(x, [0.0, 0.1, 0.2])
    np.testing.assert_allclose(y, [0.7, np.nan, 0.8])
    assert curve.opts["connect"] == "finite"


def test_cached_curves_export_as_vectors_not_bitmaps(robustness_panel, tmp_path):
    """The robustness curves keep a cached drawing on screen; Qt's SVG route pasted those bitmaps into the file."""
    from advviz.gui.export import render_svg

    render_svg(robustness_panel.view, str(tmp_path / "robustness.svg"))
    text = (tmp_path / "robustness.svg").read_text()
    assert "<image" not in text and "<path" in text
    assert all(curve.cacheMode() != curve.CacheMode.NoCache for curve in robustness_panel.curves.values())  # restored


def test_a_short_curves_view_keeps_its_axes_and_cuts_the_legend(window, qtbot):
    """On a short window (a 1366 × 768 laptop at 125 %, the heatmaps dock made taller) the legend's ten
    rows pushed the plot's ε axis out of sight; now the legend's last rows are cut off instead."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget

    from advviz.gui.layout import HEATMAP_DOCK

    window.resize(1073, 574)
    window.resizeDocks([window.findChild(QDockWidget, HEATMAP_DOCK)], [330], Qt.Orientation.Vertical)
    view = window.curves.view
    qtbot.waitUntil(lambda: view.height() < 200)
    window.redraw_now()
    qtbot.wait(50)
    axis = window.curves.plot.getAxis("bottom")
    axis_bottom = view.mapFromScene(axis.sceneBoundingRect().bottomLeft()).y()
    assert axis_bottom <= view.viewport().height(), (axis_bottom, view.viewport().height())
    legend = window.curves.legend
    assert legend.geometry().height() <= view.viewport().height()


def test_cleared_curves_drop_the_last_samples_legend_tags(window):
    """A failed sweep cleared the curves, yet the legend still said "2 (predicted at cursor)", "3 (true)"."""
    texts = lambda: [label.text for _, label in window.curves.legend.items]  # noqa: E731
    assert any("(true)" in text for text in texts())
    window.curves.clear("No sweep")
    assert texts() == list(window.curves._names)


def test_the_rubbish_legend_leaves_the_rbf_spike_and_the_gallery_in_sight(qtbot):
    """The RBF network's point: its confidence on noise is a spike at 0, which the legend at the plot's
    top left covered; the gallery's eighth image ran off a 660-pixel panel."""
    from advviz.core.rubbish import RubbishResult
    from advviz.gui.explanations import RubbishHeader, RubbishState, RubbishStep
    from advviz.gui.panels.explain_rubbish import GALLERY, RubbishPanel

    panel = RubbishPanel()
    qtbot.addWidget(panel)
    panel.resize(660, 330)
    panel.show()
    names = ["mnist-softmax", "mnist-cnn", "mnist-maxout", "mnist-rbf"]
    state = RubbishState(RubbishHeader(names, 100, "gaussian"))
    rng = np.random.default_rng(0)
    for index, name in enumerate(names):
        confidence = np.full(100, 0.01) if name == "mnist-rbf" else rng.uniform(0.85, 1.0, 100)
        result = RubbishResult("gaussian", 0.5, float((confidence > 0.5).mean()), float(confidence.mean()),
                               confidence, rng.integers(0, 10, 100), rng.normal(size=(100, 1, 28, 28)).astype(np.float32))
        state.apply(RubbishStep(index, name, tuple(str(c) for c in range(10)), result))
    panel.show_state(state)
    qtbot.wait(50)
    view_box = panel.hist_plot.vb
    spike = view_box.mapViewToScene(pg.Point(0.02, 0.9))  # inside the RBF curve's first bin, near its top
    assert not panel.hist_legend.sceneBoundingRect().contains(spike)
    assert panel.hist_legend.sceneBoundingRect().bottom() < view_box.sceneBoundingRect().bottom()  # every row in sight
    last_cell = panel.cells[GALLERY - 1][0]
    assert last_cell.sceneBoundingRect().right() <= panel.gallery.width()


def test_a_cleared_robustness_panel_shows_no_empty_legend_box(robustness_panel, qtbot):
    """Unlabelled images clear the panel: its legend stayed, an empty framed box (or the old models' names)."""
    from advviz.gui.explanations import RobustnessHeader, RobustnessState

    panel = robustness_panel
    qtbot.waitUntil(lambda: len(panel.legend.items) == 4, timeout=2000)
    assert panel.legend.isVisible()
    panel.clear("Robustness curves need labelled images.")
    assert not panel.legend.isVisible() and not panel.legend.items
    state = RobustnessState(RobustnessHeader(["a", "b"], [0.0, 0.1, 0.2], 10, True))
    state.error[:] = 0.5
    panel.show_state(state)  # the same models again: their legend comes back
    qtbot.waitUntil(lambda: len(panel.legend.items) == 4 and panel.legend.isVisible(), timeout=2000)


def test_one_training_epoch_is_singular(qtbot):
    from advviz.gui.panels.explain_training import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.epochs.setValue(1)
    assert panel.epochs.text() == "1 epoch"
    panel.epochs.setValue(4)
    assert panel.epochs.text() == "4 epochs"


def test_the_paper_table_fits_a_1400_by_900_window_without_scrolling(qtbot):
    """Its body asked for 460 pixels: at 1400 × 900 the dot plot's value axis sat below a scroll bar."""
    from advviz.gui.panels.explain_paper import PaperPanel

    panel = PaperPanel()
    qtbot.addWidget(panel)
    panel.resize(1080, 480)  # the panel's size in a 1400 × 900 window with the heatmaps docked below
    panel.show()
    qtbot.wait(20)
    assert panel.scroll_area.verticalScrollBar().maximum() == 0
