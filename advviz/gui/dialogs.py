"""Small dialogs: a weights file needs its architecture and data set."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QWidget)

from advviz.gui.jobs import ModelSpec

ARCHITECTURES = (
    ("cnn", "small CNN (2 conv + 2 fc)"),
    ("mlp", "ReLU MLP (2×256)"),
    ("maxout", "maxout network (2×240, 4 pieces)"),
    ("softmax", "softmax regression"),
    ("rbf", "shallow RBF network"),
)
DATASETS = (("mnist", "MNIST"), ("fashion", "Fashion-MNIST"))


class WeightsDialog(QDialog):
    """Ask for a state_dict file, its architecture and its data set."""

    def __init__(self, dataset: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Load weights file")
        self.path = QLineEdit()
        self.path.setPlaceholderText("a .pt state_dict saved by torch.save(model.state_dict(), …)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.architecture = QComboBox()
        for key, title in ARCHITECTURES:
            self.architecture.addItem(title, key)
        self.dataset = QComboBox()
        for key, title in DATASETS:
            self.dataset.addItem(title, key)
        self.dataset.setCurrentIndex(max(0, self.dataset.findData(dataset)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("weights file", row)
        form.addRow("architecture", self.architecture)
        form.addRow("trained on", self.dataset)
        form.addRow(QLabel("Inputs are [0, 1] pixels; the zoo architectures normalize inside the model."))
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Weights file", "", "PyTorch weights (*.pt *.pth);;All files (*)")
        if path:
            self.path.setText(path)

    def spec(self) -> ModelSpec | None:
        text = self.path.text().strip()
        if not text:
            return None
        return weights_spec(text, str(self.architecture.currentData()), str(self.dataset.currentData()))


def weights_spec(path: str, architecture: str, dataset: str) -> ModelSpec:
    label = f"{Path(path).stem} ({architecture}, file)"
    return ModelSpec(f"file:{path}|{architecture}|{dataset}", label, path, architecture, dataset)
