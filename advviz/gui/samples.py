"""The sample picker: a grid of test-image thumbnails with true → predicted class.

Clicking or the arrow keys change the current sample; wrong predictions are marked in red.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QListView, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from advviz.gui.style import ERROR_COLOR

THUMB = 42
GRID = QSize(THUMB + 22, THUMB + 22)  # digits: "3→5" under the thumbnail
GRID_NAMED = QSize(THUMB + 44, THUMB + 38)  # named classes: true and predicted on two lines
SHORT = 8  # characters of a class name under a thumbnail (the tooltip has it in full)


def thumbnail(image: np.ndarray) -> QIcon:
    """(C, H, W) in [0, 1] → an icon."""
    array = np.clip(image, 0.0, 1.0)
    if array.shape[0] == 1:
        data = np.ascontiguousarray((array[0] * 255).astype(np.uint8))
        qimage = QImage(data.data, data.shape[1], data.shape[0], data.strides[0], QImage.Format.Format_Grayscale8)
    else:
        data = np.ascontiguousarray((array[:3].transpose(1, 2, 0) * 255).astype(np.uint8))
        qimage = QImage(data.data, data.shape[1], data.shape[0], data.strides[0], QImage.Format.Format_RGB888)
    pixmap = QPixmap.fromImage(qimage.copy()).scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.FastTransformation)
    return QIcon(pixmap)


class SamplesPanel(QWidget):
    sampleChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel("Test images")
        self.noun = "test images"  # what the thumbnails are, for the caption
        self.caption.setWordWrap(True)
        self.grid = QListWidget()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(GRID)
        self.grid.setWordWrap(True)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setUniformItemSizes(False)  # True caches one item's size across data sets (one line vs two)
        self.grid.setWrapping(True)
        self.grid.currentRowChanged.connect(self._changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.grid, 1)
        self._labels = np.zeros(0, dtype=np.int64)
        self._total = 0  # images in the data set, shown or not
        self._names: tuple[str, ...] = ()
        self._named = False

    def set_images(self, x: np.ndarray, labels: np.ndarray, names: tuple[str, ...], *, noun: str = "test images",
                   total: int | None = None) -> None:
        """Show ``x`` as thumbnails; ``noun`` names them in the caption ("test images", "of your images"); ``total``
        counts the data set's images when ``x`` is only its first ones."""
        self.noun = noun
        self._total = len(x) if total is None else total
        self.grid.blockSignals(True)
        self.grid.clear()
        self._labels, self._names = labels, names
        self._named = any(len(name) > 2 for name in names)
        self.grid.setGridSize(GRID_NAMED if self._named else GRID)
        for index in range(len(x)):
            item = QListWidgetItem(thumbnail(x[index]), self._short(int(labels[index])))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.setToolTip(f"#{index}: true class {self._name(int(labels[index]))}")
            self.grid.addItem(item)
        self.grid.blockSignals(False)
        self.caption.setText(f"{self._count()} · label: true → predicted")

    def set_predictions(self, predictions: np.ndarray, confidences: np.ndarray, model_name: str) -> None:
        wrong = labelled = 0
        for index in range(min(self.grid.count(), len(predictions))):
            item = self.grid.item(index)
            label, predicted = int(self._labels[index]), int(predictions[index])
            separator = "\n→" if self._named else "→"
            item.setText(f"{self._short(label)}{separator}{self._short(predicted)}")
            item.setToolTip(f"#{index}: true {self._name(label)}, {model_name} says {self._name(predicted)} "
                            f"({confidences[index]:.1%})")
            is_wrong = label >= 0 and predicted != label
            wrong += is_wrong
            labelled += label >= 0
            item.setForeground(QBrush(QColor(ERROR_COLOR)) if is_wrong else QBrush())
        # without a true label nothing can be called wrong: count only the labelled images
        if not labelled:
            score = "labels unknown: none marked wrong"
        elif labelled < self.grid.count():
            score = f"{wrong} of {labelled} labelled wrong, in red"
        else:
            score = f"{wrong} wrong, in red"
        self.caption.setText(f"{self._count()} · true → predicted by {model_name} ({score})")

    def clear_predictions(self, message: str = "check a model to see its predictions") -> None:
        """Back to the true labels alone (no model is checked: no thumbnail may keep a model's answers)."""
        for index in range(self.grid.count()):
            item = self.grid.item(index)
            label = int(self._labels[index]) if index < len(self._labels) else -1
            item.setText(self._short(label))
            item.setToolTip(f"#{index}: true class {self._name(label)}")
            item.setForeground(QBrush())
        self.caption.setText(f"{self._count()} · label: true class ({message})")

    def _count(self) -> str:
        """"200 test images", or, for a larger data set, which 200 ("2000 images" said the data caption beside
        200 thumbnails, and nothing said the rest are not shown)."""
        shown = self.grid.count()
        return f"{shown} {self.noun}" + (f" (the first; {self._total:,} in all)" if self._total > shown else "")

    def _name(self, label: int) -> str:
        return "unknown" if label < 0 else (self._names[label] if label < len(self._names) else str(label))

    def _short(self, label: int) -> str:
        if label < 0:
            return "?"
        name = self._name(label).split("/")[0]
        return name if len(name) <= SHORT else name[: SHORT - 1] + "."

    def current(self) -> int:
        return self.grid.currentRow()

    def set_current(self, index: int) -> None:
        self.grid.setCurrentRow(index)

    def _changed(self, row: int) -> None:
        if row >= 0:
            self.sampleChanged.emit(row)
