"""A panel drawn as an image (PNG, SVG), with the headline the user reads above it on screen.

The panel's caption, note and status lines (QLabels outside its pyqtgraph scene: the curves' summary, an
explanation's model and ε) are written above its views (:func:`headline`), so a figure pasted into slides says
what it shows. Views with a headline, and a panel whose plots lie in several views (``export_views()``, drawn
one above the other), are painted through Qt (SVG by Qt's own generator); a view without one goes through
pyqtgraph's exporters; a panel without a pyqtgraph view is grabbed as a PNG (its labels included)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem, QWidget

from advviz.gui.export import ExportError

# the labels above a panel's views, in the order they stand (curves: summary; explanations: caption, note, status)
HEADLINE_LABELS = ("summary", "caption", "note", "status")
TEXT_COLOR = "#222"
NOTE_COLOR = "#5a4300"  # the explanations' note: why a panel does not follow the sweep's settings


def headline(panel: QWidget) -> str:
    """What the user reads above the panel on screen, as rich text for the top of its image: the panel's
    ``export_title()`` where it has one, else its visible caption, note and status lines (the curves' summary:
    model, attack, true class, "flips to 7 at ε = +0.080"), else the title of the dock holding it. A figure
    pasted into slides then says what it shows."""
    from PySide6.QtWidgets import QDockWidget, QLabel

    title = getattr(panel, "export_title", None)
    if callable(title):
        return html.escape(title())
    lines = []
    for name in HEADLINE_LABELS:
        label = getattr(panel, name, None)
        if not isinstance(label, QLabel) or label.isHidden() or not label.text().strip():
            continue
        text = label.text()
        rich = label.textFormat() == Qt.TextFormat.RichText or (label.textFormat() == Qt.TextFormat.AutoText
                                                                and QtGui.Qt.mightBeRichText(text))
        text = text if rich else html.escape(text)
        lines.append(f"<span style='color:{NOTE_COLOR}'>{text}</span>" if name == "note" else text)
    if not lines and isinstance(panel.parentWidget(), QDockWidget):
        lines.append(html.escape(panel.parentWidget().windowTitle()))
    return "<br>".join(lines)


def export_image(panel: QWidget, path: str, suffix: str) -> None:
    """``panel`` as a PNG or SVG at ``path``, its :func:`headline` written above its views."""
    import pyqtgraph.exporters as exporters

    header = headline(panel)
    views = getattr(panel, "export_views", None)
    if callable(views):
        render_views(list(views()), path, suffix, header=header)
        return
    view = getattr(panel, "view", None)
    if view is None or not hasattr(view, "scene"):
        if suffix == ".svg":
            raise ExportError("this panel can be saved as PNG only")
        if not panel.grab().save(path, "PNG"):  # the whole widget, its texts included
            raise ExportError(f"cannot write {path}")
        return
    if header:
        # what the image shows is said outside its scene (QLabels): written above it, or a saved figure
        # loses its context (the transfer's error, confidence and agreement matrices look alike)
        render_views([view], path, suffix, unshown=(900, 675), header=header)
        return
    scene = view.scene()
    if suffix == ".svg":
        try:
            exporters.SVGExporter(scene).export(fileName=path)
        except (ValueError, IndexError):  # pyqtgraph cannot re-parse some of Qt 6's SVG paths
            render_svg(view, path)
        return
    exporter = exporters.ImageExporter(scene)
    width = int(exporter.parameters()["width"])
    if width < 400:  # a panel never shown (a hidden tab) has no real size yet
        exporter.parameters()["width"] = 1200
    exporter.export(fileName=path)
    if not Path(path).exists() or Path(path).stat().st_size == 0:
        raise ExportError(f"cannot write {path}")


def render_svg(view: Any, path: str) -> None:
    """The view as vector SVG through Qt's own generator (the fallback for pyqtgraph's exporter)."""
    render_views([view], path, ".svg", unshown=(1200, 800))


def lay_out_unshown(view: Any, size: Any) -> None:
    """Give a view that was never shown (a hidden tab) ``size`` and lay it out as a paint would: an axis
    sizes itself to its tick labels only when first drawn, so an unshown view's first drawing, the export,
    cut the longest of them ("softmax" lost from the transfer matrix's rows)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtGui import QImage, QPainter, QResizeEvent
    from PySide6.QtWidgets import QGraphicsWidget

    if view.isVisible():
        return
    if view.size() != size:
        old = view.size()
        view.resize(size)  # a hidden widget gets its resize event when shown: its viewport and scene now
        QCoreApplication.sendEvent(view, QResizeEvent(size, old))  # lays out its viewport
        viewport = view.viewport()
        QCoreApplication.sendEvent(viewport, QResizeEvent(viewport.size(), old))  # pyqtgraph's resizeEvent
    for _ in range(2):  # a drawing measures the tick labels; the layout then makes room for them
        scratch = QImage(size, QImage.Format.Format_ARGB32)
        painter = QPainter(scratch)
        try:
            view.render(painter)
        finally:
            painter.end()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        for item in view.scene().items():  # inner layouts first (a plot's axes), then the view's
            layout = QGraphicsWidget.layout(item) if isinstance(item, QGraphicsWidget) else None
            if layout is not None:
                layout.activate()
        view.ci.layout.activate()


def render_views(views: list[Any], path: str, suffix: str, unshown: tuple[int, int] = (1200, 400),
                 header: str = "") -> None:
    """Pyqtgraph views, one above the other, as one SVG (vector, through Qt's generator) or one PNG (at
    least 1200 pixels wide). A view never shown (a hidden tab) is drawn ``unshown`` (width, height).
    ``header``: rich text written above them (what the image shows, where the panel says it outside its views).

    The items paint in pyqtgraph's export mode, as its own exporters have them: a scatter plot then draws
    each symbol instead of pieces of its symbol atlas (Qt's SVG generator would embed the whole atlas per
    point)."""
    from PySide6.QtCore import QRect, QRectF, QSize
    from PySide6.QtGui import QFont, QImage, QPainter, QTextDocument
    from PySide6.QtSvg import QSvgGenerator

    sizes = []
    for view in views:
        size = view.viewport().size() if view.isVisible() else QSize(*unshown)
        sizes.append(size if size.width() >= 50 and size.height() >= 50 else QSize(*unshown))
        if hasattr(view, "ci"):
            lay_out_unshown(view, size)
            sizes[-1] = view.viewport().size()
    width, height = max(size.width() for size in sizes), sum(size.height() for size in sizes)
    scale = 1.0 if suffix == ".svg" else max(1.0, 1200 / width)
    font = QFont()
    font.setPointSizeF(11.0)
    document = QTextDocument()  # the header as the screen shows it: bold names, the flip in red
    document.setDefaultFont(font)
    document.setDefaultStyleSheet(f"body {{ color: {TEXT_COLOR}; }}")
    document.setHtml(f"<body>{header}</body>")
    document.setTextWidth(width - 24)
    header_height = int(document.size().height()) + 16 if header else 0
    height += header_height

    def draw(painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(scale, scale)
        top = header_height
        if header:
            painter.save()
            painter.translate(12, 8)
            document.drawContents(painter)
            painter.restore()
        for view, size in zip(views, sizes):
            items = [item for item in view.scene().items() if hasattr(item, "setExportMode")]
            options = {"antialias": True, "background": view.backgroundBrush().color(), "painter": painter,
                       "resolutionScale": scale}
            for item in items:
                item.setExportMode(True, options)
            # items that keep a cached drawing on screen (the robustness curves) must draw, not paste a bitmap
            cached = [(item, item.cacheMode()) for item in view.scene().items()
                      if item.cacheMode() != QGraphicsItem.CacheMode.NoCache]
            for item, _ in cached:
                item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
            try:
                view.render(painter, QRectF(0, top, size.width(), size.height()), QRect(),
                            Qt.AspectRatioMode.IgnoreAspectRatio)
            finally:
                for item in items:
                    item.setExportMode(False)
                for item, mode in cached:
                    item.setCacheMode(mode)
            top += size.height()

    if suffix == ".svg":
        device: Any = QSvgGenerator()
        device.setFileName(path)
        device.setSize(QSize(width, height))
        device.setViewBox(QRect(0, 0, width, height))
        device.setTitle("advviz panel")
        # the screen's resolution: pyqtgraph replays cached QPictures (its axes), which a 72-dpi device shrinks
        device.setResolution(int(round(views[0].logicalDpiX())))
    else:
        device = QImage(int(round(width * scale)), int(round(height * scale)), QImage.Format.Format_ARGB32)
        device.fill(Qt.GlobalColor.white)
        # the views' resolution: their texts and the header keep the sizes they have to each other on screen
        device.setDotsPerMeterX(int(round(views[0].logicalDpiX() / 0.0254)))
        device.setDotsPerMeterY(int(round(views[0].logicalDpiY() / 0.0254)))
    painter = QPainter(device)
    try:
        draw(painter)
    finally:
        painter.end()
    if suffix != ".svg" and not device.save(path, "PNG"):
        raise ExportError(f"cannot write {path}")
    if not Path(path).exists() or Path(path).stat().st_size == 0:
        raise ExportError(f"cannot write {path}")


