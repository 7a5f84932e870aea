"""Exports of the explanation panels: CSV and NPZ hold the numbers each panel shows (what its state holds and
the core computes), not the colours it draws; the linear explanation saves as SVG too."""

from __future__ import annotations

import csv
from dataclasses import fields

import numpy as np
import pytest

from advviz.core.decision_map import decision_map
from advviz.core.diagnostics import diagnose
from advviz.core.dimension import dimension_curve
from advviz.core.linearity import linear_explanation, pixel_space_weights
from advviz.gui import export

from explain_helpers import sample, show  # (tests/gui is on sys.path)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def long_csv(path) -> dict[str, list[tuple[str, str]]]:
    """A long CSV (array, index, value) as {array: [(index, value), ...]}."""
    rows = read_csv(path)
    assert rows[0] == ["array", "index", "value"]
    table: dict[str, list[tuple[str, str]]] = {}
    for name, index, value in rows[1:]:
        table.setdefault(name, []).append((index, value))
    return table


def test_linear_panel_exports_its_numbers_and_images(window, idle, tmp_path):
    window.controls.set_checked(["mnist-softmax"])
    idle(window)
    window.curves.set_cursor(0.1)
    panel = window.explain.panels["linear"]
    with pytest.raises(export.ExportError, match="nothing to export yet"):  # not computed yet
        export.export_panel(window, panel, tmp_path / "empty.npz")
    show(window, idle, "linear")
    state = window.explain.states["linear"]
    assert state.points and len(state.points) == state.total
    panel.slider.setValue(3)
    model = window.loaded["mnist-softmax"]
    x, y = sample(window)
    expected = linear_explanation(model, x, y, 0.1, clip=False)
    label = int(y[0])
    points = dimension_curve(model, x, y, 0.1, weights=pixel_space_weights(model)[0])

    export.export_panel(window, panel, tmp_path / "linear.npz")
    with np.load(tmp_path / "linear.npz") as data:
        assert str(data["model"]) == "mnist-softmax" and not bool(data["local"]) and int(data["label"]) == label
        assert float(data["eps"]) == pytest.approx(0.1) and list(data["class_names"]) == list(model.class_names)
        # per class: wᵀη (predicted), measured, ε‖w‖₁, wᵀx; the panel's bars hold the same
        np.testing.assert_allclose(data["predicted"], expected.predicted[0], atol=1e-5)
        np.testing.assert_allclose(data["predicted"], panel.predicted_bars.opts["height"], atol=1e-6)
        np.testing.assert_allclose(data["measured"], expected.measured[0], atol=1e-5)
        np.testing.assert_allclose(data["bound"], expected.bound, rtol=1e-6)
        np.testing.assert_allclose(data["predicted"], expected.weights @ expected.eta[0], rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(data["wx"], expected.weights @ x[0].numpy().ravel(), rtol=1e-4, atol=1e-4)
        # the images: w_c, x, FGSM's η, and the η image (n free dimensions at the slider)
        np.testing.assert_allclose(data["weights"].reshape(10, -1), expected.weights, rtol=1e-6)
        assert data["weights"].shape == (10, 1, 28, 28)
        np.testing.assert_allclose(data["x"], x[0].numpy())
        np.testing.assert_allclose(data["eta_fgsm"].ravel(), expected.eta[0], atol=1e-6)
        assert int(data["eta_n"]) == points[3].n
        np.testing.assert_allclose(data["eta"], 0.1 * points[3].direction[0], atol=1e-6)
        np.testing.assert_allclose(data["eta"][0], panel.eta_cell[1].image, atol=1e-6)
        # the dimension plot, true class
        np.testing.assert_allclose(data["dim_counts"], [p.n for p in points])
        np.testing.assert_allclose(data["dim_measured"], [p.measured[0, label] for p in points], atol=1e-5)
        np.testing.assert_allclose(data["dim_predicted"], [p.predicted[0, label] for p in points], atol=1e-5)
        np.testing.assert_allclose(data["dim_bound"], [p.bound[0, label] for p in points], rtol=1e-5)
        np.testing.assert_allclose(-data["dim_bound"], panel.dim_bound.getData()[1], rtol=1e-6)
        npz = {key: data[key].copy() for key in data.files}

    export.export_panel(window, panel, tmp_path / "linear.csv")
    table = long_csv(tmp_path / "linear.csv")
    assert set(table) == set(npz)
    for key in ("predicted", "measured", "bound", "wx"):
        assert [index for index, _ in table[key]] == [str(c) for c in range(10)]
        np.testing.assert_allclose([float(v) for _, v in table[key]], npz[key], rtol=1e-5, atol=1e-6)
    assert [v for _, v in table["class_names"]] == list(model.class_names)
    assert table["model"] == [("", "mnist-softmax")] and table["clip"] == [("", "False")]
    assert len(table["weights"]) == 10 * 28 * 28 and table["weights"][29][0] == "0-0-1-1"
    assert float(table["weights"][29][1]) == pytest.approx(npz["weights"][0, 0, 1, 1], rel=1e-5, abs=1e-9)

    # its two pyqtgraph views (weight images above the plots) as one vector SVG and one PNG
    path = export.export_panel(window, panel, tmp_path / "linear.svg")
    svg = path.read_text(encoding="utf-8")
    assert "<svg" in svg[:2000] and "many small changes add up" in svg and "logit change under FGSM" in svg
    # embedded pictures: the 22 images (w_c, sign(w_c), x, η) and 2 colour bars; the scatter points are vector
    # symbols, not the scatter plot's whole symbol atlas once per point
    assert svg.count("<image") == 22 + 2
    path = export.export_panel(window, panel, tmp_path / "linear.png")
    from PIL import Image

    with Image.open(path) as image:
        assert image.width >= 1200 and image.height > 400
    texts = [action.text() for action in panel.plots.scene().contextMenu]
    assert any(text.startswith("Export ") and "Linear explanation" in text for text in texts)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_diagnostics_panel_exports_each_check(window, idle, tmp_path):
    panel = show(window, idle, "diagnostics")
    expected = diagnose(window.sweep_model(), window.data.x[:64], window.data.y[:64], eps=0.25, clip=True)
    export.export_panel(window, panel, tmp_path / "diagnostics.npz")
    with np.load(tmp_path / "diagnostics.npz") as data:
        assert str(data["model"]) == "mnist-cnn" and int(data["samples"]) == 64 and bool(data["clip"])
        for item in fields(expected):
            value = getattr(expected, item.name)
            if isinstance(value, (list, str, bool)):
                assert np.asarray(data[item.name]).tolist() == value, item.name
            else:
                assert float(data[item.name]) == pytest.approx(value, rel=1e-6, abs=1e-9), item.name
        # the bars show these
        np.testing.assert_allclose([data["requested_eps"], data["effective_linf"], data["effective_mean"]],
                                   panel.shown["eps"], rtol=1e-6)
        moved = 1 - data["zero_gradient_fraction"] - data["blocked_fraction"]
        np.testing.assert_allclose([data["zero_gradient_fraction"], data["blocked_fraction"],
                                    data["clipped_fraction"] * moved], panel.shown["shares"], rtol=1e-6)

    export.export_panel(window, panel, tmp_path / "diagnostics.csv")
    table = long_csv(tmp_path / "diagnostics.csv")
    assert table["model"] == [("", "mnist-cnn")] and table["normalization"] == [("", expected.normalization)]
    assert table["outputs_look_like_probabilities"] == [("", "False")]
    for name in ("requested_eps", "effective_linf", "zero_gradient_fraction", "clipped_fraction", "blocked_fraction",
                 "input_min", "input_max", "output_row_sums"):
        assert float(table[name][0][1]) == pytest.approx(getattr(expected, name), rel=1e-5, abs=1e-9), name
    assert [v for _, v in table.get("warnings", [])] == expected.warnings


def test_paper_table_exports_its_rows(window, idle, qtbot, tmp_path):
    panel = window.explain.panels["paper"]
    window.explain.show("paper")
    with pytest.raises(export.ExportError, match="nothing to export yet"):  # before Measure
        export.export_panel(window, panel, tmp_path / "paper.csv")
    panel.samples.setValue(50)
    panel.run.click()
    qtbot.waitUntil(lambda: window.explain.states["paper"].total > 0
                    and len(window.explain.states["paper"].rows) == window.explain.states["paper"].total,
                    timeout=90000)
    idle(window)
    rows = window.explain.states["paper"].rows
    assert len(rows) == panel.table.rowCount() > 0

    export.export_panel(window, panel, tmp_path / "paper.csv")
    table = read_csv(tmp_path / "paper.csv")
    assert table[0] == ["experiment", "model", "metric", "paper", "advviz", "difference"]
    assert len(table) == 1 + len(rows)
    for line, row, index in zip(table[1:], rows, range(len(rows))):
        assert line[:3] == [row.experiment, row.model, row.metric]
        shown = [panel.table.item(index, column).text() for column in range(3)]
        assert line[:3] == [shown[0], "mnist-" + shown[1].replace(" → ", " → mnist-"), shown[2]]  # the header says mnist-
        np.testing.assert_allclose([float(v) for v in line[3:]], [row.paper, row.ours, row.difference], rtol=1e-5)

    export.export_panel(window, panel, tmp_path / "paper.npz")
    with np.load(tmp_path / "paper.npz") as data:
        assert list(data["experiment"]) == [row.experiment for row in rows]
        assert list(data["model"]) == [row.model for row in rows]
        assert list(data["metric"]) == [row.metric for row in rows]
        np.testing.assert_array_equal(data["paper"], [row.paper for row in rows])
        np.testing.assert_array_equal(data["advviz"], [row.ours for row in rows])
        np.testing.assert_array_equal(data["difference"], panel.shown["difference"])
        assert int(data["samples"]) == 50


def test_decision_map_exports_classes_and_coordinates_not_colours(window, idle, tmp_path):
    panel = window.explain.panels["map"]
    panel.resolution.setValue(21)
    show(window, idle, "map")
    state = window.explain.states["map"]
    assert state.complete
    start, predictions, confidence = decision_map(window.sweep_model(), *sample(window), extent=0.5, resolution=21,
                                                  clip=True)

    export.export_panel(window, panel, tmp_path / "map.npz")
    with np.load(tmp_path / "map.npz") as data:
        assert "image0" not in data.files and data["predictions"].shape == (21, 21)
        assert data["predictions"].dtype.kind == "i"
        np.testing.assert_array_equal(data["predictions"], predictions)
        np.testing.assert_array_equal(data["predictions"], state.predictions)
        np.testing.assert_allclose(data["confidence"], confidence, atol=1e-5)
        np.testing.assert_array_equal(data["confidence"], state.confidence)
        np.testing.assert_array_equal(data["logits"], state.logits)
        np.testing.assert_allclose(data["a"], start.a)
        np.testing.assert_allclose(data["b"], start.b)
        assert data["a"][0] == pytest.approx(-0.5) and data["a"][-1] == pytest.approx(0.5)
        np.testing.assert_array_equal(data["direction_a"], start.fgsm_direction)
        np.testing.assert_array_equal(data["direction_b"], start.other_direction)
        assert int(data["clean_prediction"]) == start.clean_prediction and str(data["model"]) == "mnist-cnn"
        assert list(data["class_names"]) == list(state.header.class_names)

    export.export_panel(window, panel, tmp_path / "map.csv")
    table = read_csv(tmp_path / "map.csv")
    assert table[0] == ["a", "b", "prediction", "prediction index", "confidence"]
    assert len(table) == 1 + 21 * 21
    values = np.array([[float(line[0]), float(line[1]), float(line[3]), float(line[4])] for line in table[1:]])
    b, a = np.meshgrid(start.b, start.a, indexing="ij")
    np.testing.assert_allclose(values[:, 0], a.ravel(), atol=1e-6)
    np.testing.assert_allclose(values[:, 1], b.ravel(), atol=1e-6)
    np.testing.assert_array_equal(values[:, 2], predictions.ravel())
    np.testing.assert_allclose(values[:, 3], confidence.ravel(), rtol=1e-5, atol=1e-6)
    names = state.header.class_names
    assert [line[2] for line in table[1:]] == [names[p] for p in predictions.ravel()]
