"""Export a panel as an image (PNG, SVG) or its data (CSV, NPZ).

The format follows the file's suffix. Images are drawn by :mod:`advviz.gui.export_figure`, with the headline
the user reads above the panel on screen (its caption, summary or status lines). Data are what
the panel shows: the curves panel's ε and logits (and probabilities), the heatmaps' arrays, the
transfer matrices. A panel of another kind can offer ``export_data() -> dict[str, np.ndarray]``
(empty while it shows nothing) and, for its CSV, ``export_rows(data)``: the table's rows, header
first (otherwise the CSV is long: one value per row). Any other pyqtgraph panel exports its curves
and bar charts by their items' names (``name=``, what each series is: give every data item one).

:func:`export_panel` raises :class:`ExportError` (a ``ValueError``: the window shows its message).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtWidgets import QFileDialog, QWidget

if TYPE_CHECKING:
    from advviz.gui.window import MainWindow

IMAGE_SUFFIXES = (".png", ".svg")
DATA_SUFFIXES = (".csv", ".npz")
SUFFIXES = IMAGE_SUFFIXES + DATA_SUFFIXES
FILTERS = "PNG image (*.png);;SVG image (*.svg);;CSV data (*.csv);;NumPy data (*.npz)"


class ExportError(ValueError):
    """An export that cannot be done, with a message for the window."""


# -- which panels ---------------------------------------------------------------------------------
def panels(window: "MainWindow") -> list[tuple[str, QWidget]]:
    """(title, panel) of every exportable panel: the centre tabs (nested tab rows opened up), then docks
    holding a pyqtgraph view."""
    from PySide6.QtWidgets import QDockWidget, QTabWidget

    found: list[tuple[str, QWidget]] = []

    def visit(tabs: QTabWidget, prefix: str) -> None:
        for index in range(tabs.count()):
            widget, title = tabs.widget(index), prefix + tabs.tabText(index)
            if isinstance(widget, QTabWidget):
                visit(widget, f"{title} › ")
            else:
                found.append((title, widget))

    visit(window.tabs, "")
    for dock in window.findChildren(QDockWidget):
        widget = dock.widget()
        if widget is not None and hasattr(widget, "view") and all(widget is not w for _, w in found):
            found.append((dock.windowTitle(), widget))
    return found


def current_panel(window: "MainWindow") -> QWidget:
    """The panel in front: the current tab (of the current inner tab row, if any)."""
    from PySide6.QtWidgets import QTabWidget

    widget = window.tabs.currentWidget()
    while isinstance(widget, QTabWidget):
        widget = widget.currentWidget()
    return widget


def panel_name(window: "MainWindow", panel: QWidget) -> str:
    for title, widget in panels(window):
        if widget is panel:
            return title
    return type(panel).__name__


# -- data ---------------------------------------------------------------------------------------------
def panel_data(window: "MainWindow", panel: QWidget) -> dict[str, np.ndarray]:
    """The arrays a panel shows (raises ExportError when it shows nothing yet)."""
    from advviz.gui.panels.curves import CurvesPanel
    from advviz.gui.panels.heatmaps import HeatmapsPanel
    from advviz.gui.panels.transfer import TransferPanel

    if isinstance(panel, CurvesPanel):
        return curves_data(window, panel)
    if isinstance(panel, HeatmapsPanel):
        return heatmaps_data(window, panel)
    if isinstance(panel, TransferPanel):
        return transfer_data(panel)
    export = getattr(panel, "export_data", None)
    if callable(export):
        data = export()
        if not data:
            raise ExportError(f"{panel_name(window, panel)} shows nothing to export yet")
        return {key: np.asarray(value) for key, value in data.items()}
    view = getattr(panel, "view", None)
    if view is None or not hasattr(view, "scene"):
        raise ExportError(f"{panel_name(window, panel)} shows no data to export; save it as PNG or SVG")
    data = scene_data(view)
    if not data:  # empty plots (say, before training): data later, not never
        raise ExportError(f"{panel_name(window, panel)} shows nothing to export yet")
    return data


def scene_data(view: Any) -> dict[str, np.ndarray]:
    """Any pyqtgraph panel, in scene order: each curve's ``<name>_x`` and ``<name>_y`` (a step histogram's x
    holds its bin edges, one more than its y), each bar chart's ``<name>_x`` and ``<name>_height`` (and
    ``<name>_label`` where the item carries ``labels=``, one per bar), and each image's array. ``<name>`` is
    the item's name (``name=``: what the series is, say "mnist-cnn, FGSM: error rate per ε"); an item without
    one falls back to "curve0", "bars0", … which say nothing: name them."""
    import pyqtgraph as pg

    data: dict[str, np.ndarray] = {}
    counts = {"curve": 0, "bars": 0, "image": 0}

    def key(item: Any, kind: str) -> str:
        name = item.name() or f"{kind}{counts[kind]}"
        counts[kind] += 1
        unique, copy = str(name), 2
        while f"{unique}_x" in data:  # two items of one name (two models of one name) keep both series
            unique, copy = f"{name} ({copy})", copy + 1
        return unique

    for item in reversed(view.scene().items()):  # items() is top-most first
        bare_curve = isinstance(item, pg.PlotCurveItem) and not isinstance(item.parentItem(), pg.PlotDataItem)
        if isinstance(item, pg.PlotDataItem) or bare_curve:
            xs, ys = item.getData()
            if xs is None or len(xs) == 0:
                continue
            name = key(item, "curve")
            data[f"{name}_x"] = np.asarray(xs, dtype=np.float64)
            data[f"{name}_y"] = np.asarray(ys, dtype=np.float64)
        elif isinstance(item, pg.BarGraphItem):
            xs, heights = item.opts.get("x"), item.opts.get("height")
            if xs is None or heights is None or len(xs) == 0:
                continue
            name = key(item, "bars")
            data[f"{name}_x"] = np.asarray(xs, dtype=np.float64)
            data[f"{name}_height"] = np.asarray(heights, dtype=np.float64)
            labels = item.opts.get("labels")  # what each bar stands for (its x is only a position)
            if labels is not None and len(labels) == len(xs):
                data[f"{name}_label"] = np.array([str(label) for label in labels])
        elif isinstance(item, pg.ImageItem) and item.image is not None:
            data[f"image{counts['image']}"] = np.asarray(item.image)
            counts["image"] += 1
    return data


def curves_data(window: "MainWindow", panel: Any) -> dict[str, np.ndarray]:
    state = window.sweep
    if state is None or not state.started or state.filled == 0 or not panel.curves:
        raise ExportError("the logit curves are empty: pick a sample and wait for the sweep")
    shown = np.stack([curve.getData()[1] for curve in panel.curves], axis=1).astype(np.float32)
    eps = np.asarray(panel.curves[0].getData()[0], dtype=np.float32)
    filled = state.filled
    header = state.header
    return {
        "eps": eps,
        "logits": state.logits[:filled].astype(np.float32),
        "probabilities": state.probabilities()[:filled].astype(np.float32),
        "shown": shown,  # what the panel draws: logits, or probabilities when that box is ticked
        "shown_quantity": np.array("probabilities" if panel.probabilities.isChecked() else "logits"),
        "predictions": state.logits[:filled].argmax(axis=1),
        "class_names": np.array(header.class_names),
        "label": np.array(header.label),
        "label_known": np.array(header.label_known),
        "clean_logits": np.asarray(header.clean_logits, dtype=np.float32),
        "model": np.array(header.model_name),
        "attack": np.array(header.attack.title_for(header.class_names)),
        "precision": np.array(header.precision),  # of the forwards that gave the logits (bfloat16 drifts)
        "cursor_eps": np.array(panel.cursor_value(), dtype=np.float32),
    }


def heatmaps_data(window: "MainWindow", panel: Any) -> dict[str, np.ndarray]:
    if not panel.shown:
        raise ExportError("the heatmaps are empty: pick a sample and wait for the sweep")
    data = {key: np.asarray(value, dtype=np.float32) for key, value in panel.shown.items()}
    state = window.sweep
    if state is not None and state.started:
        index = window.cursor_index()
        data["eps"] = np.array(state.eps[index], dtype=np.float32)
        if state.x is not None:
            data["x"] = state.x.astype(np.float32)  # (C, H, W) as the model sees it
            adversarial = state.adversarial_at(index)
            if adversarial is not None:
                data["x_adversarial"] = np.asarray(adversarial, dtype=np.float32)
                data["eta"] = data["x_adversarial"] - data["x"]
        if state.gradient is not None:
            data["gradient_raw"] = state.gradient.astype(np.float32)
    return data


def transfer_data(panel: Any) -> dict[str, np.ndarray]:
    state = panel.state
    if state is None:
        raise ExportError("the transfer matrix is empty: check two or more models")
    result = state.result
    # NaN in a computed cell: undefined (no wrong answers to average over); elsewhere: not computed yet
    return {"names": np.array(state.header.names), "eps": np.array(state.header.eps, dtype=np.float32),
            "samples": np.array(state.header.samples), "attack": np.array(state.header.attack_title),
            "precision": np.array(state.header.precisions or ("float32",) * len(state.header.names)),
            "error": np.asarray(result.error, dtype=np.float32),
            "confidence": np.asarray(result.confidence, dtype=np.float32),
            "agreement": np.asarray(result.agreement, dtype=np.float32),
            "computed": result.computed()}


def _csv_rows(data: dict[str, np.ndarray]) -> Iterator[list[Any]]:
    """A table per kind of panel: wide for curves, long (one value per row) otherwise."""
    if "eps" in data and "logits" in data and data["logits"].ndim == 2:
        names = [str(name) for name in data["class_names"]]
        yield ["eps", "prediction", *[f"logit {n}" for n in names], *[f"probability {n}" for n in names]]
        for eps, predicted, logits, probs in zip(data["eps"], data["predictions"], data["logits"],
                                                 data["probabilities"]):
            yield [f"{eps:.6g}", names[int(predicted)], *[f"{v:.6g}" for v in logits], *[f"{v:.6g}" for v in probs]]
        return
    if "names" in data and "error" in data:
        names = [str(name) for name in data["names"]]
        yield ["metric", "source", "target", "value"]
        for metric in ("error", "confidence", "agreement"):
            for row, source in enumerate(names):
                for column, target in enumerate(names):
                    value = float(data[metric][row, column])
                    # blank where undefined (or not computed yet): a spreadsheet's empty cell, not text or a 0
                    yield [metric, source, target, f"{value:.6g}" if np.isfinite(value) else ""]
        return
    yield ["array", "index", "value"]
    for key, value in data.items():
        array = np.asarray(value)
        for index in np.ndindex(array.shape):
            item = array[index]
            text = (str(item) if array.dtype.kind in "US" else str(bool(item)) if array.dtype.kind == "b"
                    else f"{float(item):.6g}" if np.isfinite(item) else "")  # undefined: an empty cell
            yield [key, "-".join(map(str, index)), text]


def csv_rows(panel: QWidget, data: dict[str, np.ndarray]) -> Iterator[list[Any]]:
    """The CSV rows of ``data``: the panel's own table (``export_rows``) if it has one."""
    rows = getattr(panel, "export_rows", None)
    return iter(rows(data)) if callable(rows) else _csv_rows(data)


# -- writing ------------------------------------------------------------------------------------------
def write_atomically(path: Path, write: Any) -> None:
    """:func:`advviz.core.files.write_atomically`, its refusals as :class:`ExportError` (the window's and
    the CLI's file messages)."""
    from advviz.core.errors import SaveError
    from advviz.core.files import write_atomically as write_whole

    try:
        write_whole(path, write)
    except SaveError as error:
        raise ExportError(str(error)) from None


def export_panel(window: "MainWindow", panel: QWidget, path: str | os.PathLike) -> Path:
    """Write ``panel`` to ``path``: PNG or SVG image, CSV or NPZ data (by suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportError(f"{path.name}: choose a .png, .svg, .csv or .npz file name")
    if not path.parent.is_dir():
        raise ExportError(f"folder not found: {path.parent}")
    window.redraw_now()
    if suffix in DATA_SUFFIXES:
        data = panel_data(window, panel)
        if suffix == ".npz":
            write_atomically(path, lambda name: np.savez(name, **data))
        else:
            def write_csv(name: str) -> None:
                with open(name, "w", newline="", encoding="utf-8") as handle:
                    csv.writer(handle).writerows(csv_rows(panel, data))
            write_atomically(path, write_csv)
        return path
    from advviz.gui.export_figure import export_image

    write_atomically(path, lambda name: export_image(panel, name, suffix))
    return path


IMAGE_NAMES = ("export_image", "headline", "render_svg", "render_views", "lay_out_unshown")


def __getattr__(name: str) -> Any:
    """The image functions, moved to :mod:`advviz.gui.export_figure` (which imports this module's ExportError),
    stay importable from here."""
    if name in IMAGE_NAMES:
        from advviz.gui import export_figure

        return getattr(export_figure, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def export_view(window: "MainWindow", path: str | os.PathLike) -> Path:
    """Export the panel in front (``Ctrl+E``)."""
    return export_panel(window, current_panel(window), path)


# -- dialogs ------------------------------------------------------------------------------------------
def ask_export(window: "MainWindow", panel: QWidget | None = None) -> Path | None:
    """Ask for a file name and export ``panel`` (the panel in front by default); errors go to the window."""
    panel = panel if panel is not None else current_panel(window)
    stem = panel_name(window, panel).split(" › ")[-1].split(" (")[0].lower().replace(" ", "-").replace("ε", "eps")
    path, chosen = QFileDialog.getSaveFileName(window, f"Export {panel_name(window, panel)}", f"{stem}.png",
                                               FILTERS)
    if not path:
        return None
    if Path(path).suffix.lower() not in SUFFIXES:  # no suffix typed: take the chosen filter's
        path += "." + chosen.split("*.")[-1].rstrip(")")
    try:
        written = export_panel(window, panel, path)
    except (ExportError, OSError) as error:
        window.show_error(f"export: {error}")
        return None
    window.report_saved(f"Saved {written}")
    return written


def add_context_menus(window: "MainWindow") -> None:
    """Add "Export this panel…" to the right-click menu of each pyqtgraph panel."""
    from PySide6.QtGui import QAction

    for title, panel in panels(window):
        views = getattr(panel, "export_views", None)
        views = list(views()) if callable(views) else [getattr(panel, "view", None)]
        views = [view for view in views if view is not None and hasattr(view, "scene")]
        if not views or getattr(panel, "_advviz_export_action", None):
            continue
        for view in views:
            action = QAction(f"Export {title} as PNG, SVG, CSV or NPZ…", view)
            action.triggered.connect(lambda _=False, p=panel: ask_export(window, p))
            view.scene().contextMenu.append(action)
        panel._advviz_export_action = action  # type: ignore[attr-defined]
