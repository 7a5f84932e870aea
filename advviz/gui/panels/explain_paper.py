"""The paper's table (``advviz reproduce``): Goodfellow et al.'s MNIST numbers next to ours.

Rows stream in as the worker measures them: the table gives each number and the difference; the
dot plot beside it puts the paper's value (hollow) and ours (filled) on one percent scale per row.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QPushButton, QSpinBox, QTableWidget, \
    QTableWidgetItem

from advviz.gui.explanations import PaperState
from advviz.gui.panels.explain_common import ExplainPanel, graphics, style_plot

COLUMNS = ("experiment", "model", "metric", "paper", "advviz", "difference")
PAPER_COLOR = "#222"  # the paper's hollow dots' ring
OURS_COLOR = "#d62728"  # advviz's filled dots
# the title is the dot plot's legend: each glyph in the colour of its dots
TITLE = f"paper <span style='color:{PAPER_COLOR}'>○</span> · advviz <span style='color:{OURS_COLOR}'>●</span>"


class PaperPanel(ExplainPanel):
    caption_text = ("<b>Paper table</b>: the headline MNIST numbers of Goodfellow, Shlens & Szegedy (FGSM ε = 0.25) "
                    "measured on the shipped models — the paper's value, ours, and the difference in points.")
    runRequested = Signal(int)  # samples
    min_body_height = 300  # 14 table rows of ~18 px; 460 hid the dot plot's value axis below a scroll bar at 1400 × 900

    def build_steps(self) -> Iterator[None]:
        """The panel's controls, then its plots a piece per step (see ExplainPanel)."""
        self.samples = QSpinBox(minimum=50, maximum=2000, singleStep=250, value=1000)
        self.samples.setSuffix(" test images")
        self.run = QPushButton("Measure")
        self.run.setToolTip("Run every experiment of the table on the shipped MNIST models")
        self.run.clicked.connect(lambda: self.runRequested.emit(self.samples.value()))
        self.bar.addWidget(self.samples)
        self.bar.addWidget(self.run)
        self.bar.addStretch(1)
        yield
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([f"{column} (mnist-…)" if column == "model" else column for column in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # row numbers: the dot plot's rows are numbered like them
        self.table.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.setWordWrap(True)  # long experiment names wrap instead of being cut
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        yield
        self.view = graphics()
        yield
        self.plot = self.view.addPlot()  # a PlotItem: ~10 ms, its styling as much
        yield
        style_plot(self.plot, bottom="percent", title=TITLE)
        self.plot.invertY(True)
        self.plot.setXRange(0, 100, padding=0.03)
        # 0 … 100 labelled at both ends (automatic ticks left 100 unlabelled at a narrow plot's edge)
        self.plot.getAxis("bottom").setTicks([[(v, f"{v}") for v in (0, 25, 50, 75, 100)]])
        self.plot.getAxis("bottom").setStyle(hideOverlappingLabels=False)  # "100" reaches past the axis end
        self.links = pg.PlotDataItem(pen=pg.mkPen("#9e9e9e", width=2), connect="pairs")
        self.paper_dots = pg.ScatterPlotItem(symbol="o", size=11, brush=pg.mkBrush("w"),
                                             pen=pg.mkPen(PAPER_COLOR, width=2))
        self.ours_dots = pg.ScatterPlotItem(symbol="o", size=11, brush=pg.mkBrush(OURS_COLOR), pen=pg.mkPen(None))
        for item in (self.links, self.paper_dots, self.ours_dots):
            self.plot.addItem(item)
        row = QHBoxLayout()
        # 3 : 1, not 5 : 2: the row numbers took ~21 px of the experiment column (75 px left at 1024 × 768)
        row.addWidget(self.table, 3)
        row.addWidget(self.view, 1)
        self.body.addLayout(row)
        self.state: PaperState | None = None
        self.status.setText("Press <b>Measure</b> to run every experiment of the table.")

    def export_data(self) -> dict[str, np.ndarray]:
        """The table's columns (``experiment``, ``model``, ``metric``: text; ``paper``, ``advviz``,
        ``difference``: percent, not rounded as in the table), one entry per row received so far, ``samples``, the
        number of test images, and ``clip``, whether x̃ was clipped to [0, 1]; empty before the first row."""
        rows = self.state.rows if self.state is not None else []
        if not rows:
            return {}
        return {"experiment": np.array([row.experiment for row in rows]),
                "model": np.array([row.model for row in rows]),
                "metric": np.array([row.metric for row in rows]),
                "paper": np.array([row.paper for row in rows], dtype=np.float64),
                "advviz": np.array([row.ours for row in rows], dtype=np.float64),
                "difference": np.array([row.difference for row in rows], dtype=np.float64),
                "samples": np.array(self.state.samples), "clip": np.array(self.state.clip)}

    @staticmethod
    def export_rows(data: dict[str, np.ndarray]) -> list[list[str]]:
        """The CSV: the table, header first, numbers to 6 significant digits (the table shows 1 decimal)."""
        table: list[list[str]] = [list(COLUMNS)]
        for index in range(len(data["experiment"])):
            table.append([str(data[column][index]) if column in ("experiment", "model", "metric")
                          else f"{float(data[column][index]):.6g}" for column in COLUMNS])
        return table

    def restyled(self) -> None:
        """Its texts changed size (presentation mode): the rows' heights again."""
        self.table.resizeRowsToContents()

    def clear_results(self) -> None:
        """An empty table and dot plot. (Not on unchecking every model or a new data set: the table measures the
        zoo's MNIST models, whichever are checked, so its numbers stay up.)"""
        super().clear_results()
        self.state = None
        self.table.setRowCount(0)
        for item in (self.paper_dots, self.ours_dots):
            item.setData([])
        self.links.setData([], [])

    def show_state(self, state: PaperState) -> None:
        self.state = state
        rows = state.rows
        numbers = [str(index + 1) for index in range(len(rows))]  # the table's rows and the dot plot's
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels(numbers)
        for index, row in enumerate(rows):
            # every model is an MNIST one (the header says so): the prefix took the experiment column's width
            values = (row.experiment, row.model.replace("mnist-", ""), row.metric, f"{row.paper:.1f}", f"{row.ours:.1f}",
                      f"{row.difference:+.1f}")
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column >= 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 5:
                    size = abs(row.difference)
                    item.setForeground(QColor("#2e7d32" if size < 5 else "#b26a00" if size < 15 else "#c62828"))
                if column == 0:
                    item.setToolTip(row.experiment)
                self.table.setItem(index, column, item)
        self.table.resizeRowsToContents()
        paper = np.array([r.paper for r in rows], dtype=np.float64)
        ours = np.array([r.ours for r in rows], dtype=np.float64)
        positions = np.arange(len(rows), dtype=np.float64)
        self.shown.update(paper=paper, ours=ours, difference=ours - paper)
        self.paper_dots.setData(paper, positions)
        self.ours_dots.setData(ours, positions)
        self.links.setData(np.ravel(np.column_stack([paper, ours])), np.repeat(positions, 2))
        self.plot.getAxis("left").setTicks([list(enumerate(numbers))])
        self.plot.setYRange(-0.7, max(len(rows), state.total) - 0.3, padding=0)
        done = f"{len(rows)}/{state.total or '…'} rows"
        clipping = "x̃ clipped to [0, 1], the paper's unclipped" if state.clip else "x̃ unclipped, as in the paper"
        self.status.setText(f"{state.samples} MNIST test images · {clipping} · {done}"
                            + ("" if state.total and len(rows) == state.total else " · measuring…")
                            + " · dot plot rows are numbered like the table")
