"""pyqtgraph imported on lazy Qt namespaces: PySide6's classes are created when used, not all at import,
and pyqtgraph and PySide6 behave as after a plain import."""

from __future__ import annotations

import json

from test_responsiveness import fresh_python_prints

IMPORT_AND_DRAW = """
import hashlib, json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import PySide6.QtWidgets as W
{import_pyqtgraph}
created_at_import = len(W.__dict__)
from pyqtgraph.Qt import QtCore, QtGui, QtWidgets
from PySide6.QtWidgets import QApplication
app = QApplication([])
plot = pg.PlotWidget()
curve = plot.plot([0, 1, 2], [2, 0, 1], pen="r", name="a curve")
import numpy
plot.addItem(pg.ImageItem(numpy.eye(8)))
plot.resize(200, 150)
plot.show()
for _ in range(20):
    app.processEvents()
image = plot.grab().toImage()
background = image.pixelColor(1, 1)
names = [n for n in dir(W) if not n.startswith("_")]
print(json.dumps(dict(
    created_at_import=created_at_import,
    listed=len(names),
    every_name_reachable=all(getattr(QtWidgets, n) is getattr(W, n) for n in names),
    same_classes=[QtWidgets.QGraphicsObject is W.QGraphicsObject, QtCore.QTimer.__module__, QtGui.QColor.__module__],
    namespace_lists_pyside=set(names) <= set(dir(QtWidgets)),
    drawn_pixels=sum(image.pixelColor(x, y) != background for x in range(image.width()) for y in range(image.height())),
    image=hashlib.sha256(bytes(image.constBits())).hexdigest(),
    curve=curve.getData()[1].tolist(),
    # a name once looked up is the namespace's own: a PEP 562 lookup costs ~2.4 µs, and pyqtgraph's paint code
    # asks for QtCore.QPointF & co. thousands of times a frame (the heatmaps painted ~5 ms slower)
    cached=[name in namespace.__dict__ for namespace, name in ((QtCore, "QPointF"), (QtWidgets, "QGraphicsObject"))],
)))
"""


def run(import_line: str) -> dict:
    return json.loads(fresh_python_prints(IMPORT_AND_DRAW.format(import_pyqtgraph=import_line)).splitlines()[-1])


def test_pyqtgraph_on_lazy_namespaces_creates_few_classes_and_works_as_a_plain_import():
    plain = run("import pyqtgraph as pg")
    lazy = run("from advviz.gui.pyqtgraph_import import import_pyqtgraph\npg = import_pyqtgraph()")
    assert plain["created_at_import"] > 150  # pyqtgraph's copy created every QtWidgets class
    assert lazy["created_at_import"] < plain["created_at_import"] / 2, (lazy, plain)
    for outcome in (plain, lazy):
        assert outcome["listed"] > 150  # PySide6 lists all its classes again afterwards
        assert outcome["every_name_reachable"] and outcome["namespace_lists_pyside"]
        assert outcome["same_classes"] == [True, "PySide6.QtCore", "PySide6.QtGui"]
        assert outcome["curve"] == [2.0, 0.0, 1.0]
    assert lazy["cached"] == [True, True]
    assert lazy["drawn_pixels"] > 500 and lazy["image"] == plain["image"], (lazy, plain)  # the same picture
