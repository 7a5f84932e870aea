"""The "Load your own model" dialog: a torchvision architecture (weights file or pretrained) or a
TorchScript file, with its input size, channels, class names and normalization."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton, QSpinBox,
                               QWidget)

from advviz.core.user_model_spec import MAX_INPUT_SIDE, MIN_INPUT_SIDE
from advviz.gui.byo import UserModelSpec
from advviz.gui.style import WARN_COLOR

# Offered in the dialog's (editable) architecture box; any torchvision classification model name works.
COMMON_ARCHITECTURES = ("resnet18", "resnet34", "resnet50", "mobilenet_v3_small", "mobilenet_v3_large",
                        "mobilenet_v2", "efficientnet_b0", "shufflenet_v2_x1_0", "squeezenet1_1", "densenet121",
                        "regnet_y_400mf", "convnext_tiny", "vgg11", "alexnet", "vit_b_16")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _floats(text: str, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.replace(";", ",").split(",") if part.strip())
    except ValueError:
        raise ValueError(f"{what}: expected numbers separated by commas, got {text!r}") from None
    if not values:
        raise ValueError(f"{what}: expected one number, or one per channel")
    if what == "std" and any(value <= 0 for value in values):
        raise ValueError("std: every value must be > 0")
    return values


def entry_problem(spec: UserModelSpec, images: list[str]) -> str | None:
    """What the dialog's entries lack that loading would refuse (no torch needed), or None."""
    for what, values in (("mean", spec.mean), ("std", spec.std)):
        if len(values) not in (1, spec.channels):
            return (f"normalization {what} has {len(values)} values; give 1 or one per input channel "
                    f"({spec.channels})")
    if spec.kind == "torchvision" and not spec.architecture:
        return "type a torchvision architecture name, e.g. resnet18"
    if spec.kind == "torchvision" and not spec.path and not spec.pretrained:
        return f"{spec.architecture}: choose a weights file (state_dict) or torchvision's pretrained weights"
    if spec.kind == "torchscript" and not spec.path:
        return "choose a TorchScript file (saved with torch.jit.save)"
    if spec.path and not Path(spec.path).is_file():
        return f"model file not found: {spec.path}"
    if spec.class_source == "file" and not spec.class_file:
        return "choose a class-names file (one name per line)"
    if spec.class_source == "file" and not Path(spec.class_file or "").is_file():
        return f"class-names file not found: {spec.class_file}"
    missing = [path for path in images if not Path(path).exists()]
    if missing:
        return f"images not found: {', '.join(missing)}"
    return None


class UserModelDialog(QDialog):
    """Ask for a torchvision architecture (weights file or pretrained) or a TorchScript file, its input
    size, channels, class names and normalization, and optionally images to show it."""

    def __init__(self, dataset: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Load your own model")
        self.dataset = dataset
        self.torchvision = QRadioButton("torchvision architecture")
        self.torchscript = QRadioButton("TorchScript file")
        self.torchvision.setChecked(True)
        kinds = QButtonGroup(self)
        kinds.addButton(self.torchvision)
        kinds.addButton(self.torchscript)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.torchvision)
        kind_row.addWidget(self.torchscript)
        self.architecture = QComboBox()
        self.architecture.setEditable(True)
        self.architecture.addItems(list(COMMON_ARCHITECTURES))
        self.pretrained = QCheckBox("torchvision's pretrained ImageNet weights (downloads; needs internet)")
        self.path = QLineEdit()
        self.path.setPlaceholderText("state_dict (.pt / .pth) for torchvision, or a TorchScript file")
        self.channels = QSpinBox(minimum=1, maximum=4, value=3)
        self.size = QSpinBox(minimum=MIN_INPUT_SIDE, maximum=MAX_INPUT_SIDE, value=224)
        self.size.setSuffix(" px (square)")
        self.class_source = QComboBox()
        self.class_source.addItem("numbered 0 … N−1", "count")
        self.class_source.addItem("from a text file (one name per line)", "file")
        self.class_source.addItem("ImageNet's 1000 classes (torchvision metadata)", "imagenet")
        self.class_count = QSpinBox(minimum=1, maximum=100000, value=10)
        self.class_file = QLineEdit()
        self.class_file.setPlaceholderText("classes.txt")
        self.mean = QLineEdit(", ".join(map(str, IMAGENET_MEAN)))
        self.std = QLineEdit(", ".join(map(str, IMAGENET_STD)))
        self.images = QLineEdit()
        self.images.setPlaceholderText("optional: an image or a folder to show this model (else the current data)")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")

        form = QFormLayout(self)
        form.addRow("model", kind_row)
        form.addRow("architecture", self.architecture)
        form.addRow("", self.pretrained)
        form.addRow("weights / model file", self._with_browse(self.path, self._browse_model))
        form.addRow("input channels", self.channels)
        form.addRow("input size", self.size)
        form.addRow("class names", self.class_source)
        form.addRow("number of classes", self.class_count)
        form.addRow("class-names file", self._with_browse(self.class_file, self._browse_classes))
        form.addRow("normalization mean", self.mean)
        form.addRow("normalization std", self.std)
        form.addRow("images", self._with_browse(self.images, self._browse_images))
        form.addRow(QLabel("Inputs are [0, 1] pixels; mean/std are applied inside the model, so ε stays in "
                           "pixel units."))
        # unlike a weights file (read with weights_only=True), TorchScript carries code that runs when it loads
        self.trust_note = QLabel("A TorchScript file runs the code saved in it when it loads: open only files "
                                 "you trust.")
        self.trust_note.setWordWrap(True)
        self.trust_note.setStyleSheet(f"color: {WARN_COLOR};")
        form.addRow(self.trust_note)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.form = form
        for signal in (self.torchvision.toggled, self.pretrained.toggled, self.class_source.currentIndexChanged):
            signal.connect(lambda *_: self._update())
        self._update()

    def _with_browse(self, edit: QLineEdit, browse: Any) -> QHBoxLayout:
        button = QPushButton("Browse…")
        button.clicked.connect(browse)
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(button)
        return row

    def _update(self) -> None:
        vision = self.torchvision.isChecked()
        self.architecture.setEnabled(vision)
        self.pretrained.setEnabled(vision)
        if vision:
            self.channels.setValue(3)
        self.channels.setEnabled(not vision)
        self.path.setEnabled(not (vision and self.pretrained.isChecked()))
        self.trust_note.setVisible(not vision)
        source = self.class_source.currentData()
        self.class_count.setEnabled(source == "count")
        self.class_file.setEnabled(source == "file")

    def _browse_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Model file", "", "PyTorch files (*.pt *.pth *.ts *.zip);;"
                                              "All files (*)")
        if path:
            self.path.setText(path)

    def _browse_classes(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Class names", "", "Text (*.txt);;All files (*)")
        if path:
            self.class_file.setText(path)
            self.class_source.setCurrentIndex(self.class_source.findData("file"))

    def _browse_images(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder of images for this model")
        if path:
            self.images.setText(path)

    def _accept(self) -> None:
        try:
            spec, images = self.request()
        except ValueError as error:
            self.message.setText(str(error))
            return
        problem = entry_problem(spec, images)
        if problem:  # said here, where it can be corrected: once closed, the dialog's entries are gone
            self.message.setText(problem)
            return
        self.accept()

    def request(self) -> tuple[UserModelSpec, list[str]]:
        """The spec and image paths as entered (raises ValueError on unreadable numbers)."""
        vision = self.torchvision.isChecked()
        pretrained = vision and self.pretrained.isChecked()
        path = self.path.text().strip() or None
        spec = UserModelSpec.create(
            kind="torchvision" if vision else "torchscript", dataset=self.dataset,
            path=None if pretrained else path, architecture=self.architecture.currentText().strip() if vision else None,
            pretrained=pretrained, channels=self.channels.value(), size=self.size.value(),
            class_source=str(self.class_source.currentData()), class_file=self.class_file.text().strip() or None,
            class_count=self.class_count.value(), mean=_floats(self.mean.text(), "mean"),
            std=_floats(self.std.text(), "std"))
        images = [self.images.text().strip()] if self.images.text().strip() else []
        return spec, images
