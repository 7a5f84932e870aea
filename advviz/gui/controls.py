"""The left dock's controls: data set, models, attack, ε range, clip and device.

Widgets only emit signals; the window decides which jobs to (re)start.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                               QLabel, QListWidget, QListWidgetItem, QPushButton, QSizePolicy, QSpinBox, QVBoxLayout,
                               QWidget)

from advviz.core.eps_limits import MNIST_VALUES, largest_eps, why_largest
from advviz.gui.jobs import ATTACK_CHOICES, PRECISIONS, AttackChoice

DATASET_CHOICES = (("mnist", "MNIST"), ("fashion", "Fashion-MNIST"), ("folder", "Folder of my images…"))
DEFAULT_EPS_MAX = {"mnist": 0.5, "fashion": 0.25}
DEFAULT_EPS_MAX_L2 = {"mnist": 5.0, "fashion": 3.0}
PAPER_EPS = {"mnist": 0.25, "fashion": 0.1}
DEFAULT_MODEL = "{dataset}-cnn"
KEY_ROLE = Qt.ItemDataRole.UserRole


class ControlsPanel(QWidget):
    datasetRequested = Signal(str)  # "mnist", "fashion" or "folder"
    modelsChanged = Signal()  # checked set or order changed
    loadWeightsRequested = Signal()
    sweepSettingsChanged = Signal()  # attack, target, ε max, steps, clip
    epsLimitChanged = Signal(float)  # the largest meaningful ε of the attack's norm (eps_limit)
    deviceChanged = Signal(str)
    precisionChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset = QComboBox()
        self.dataset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset.setMinimumContentsLength(12)
        for key, title in DATASET_CHOICES:
            self.dataset.addItem(title, key)
        self.dataset.activated.connect(lambda _: self.datasetRequested.emit(str(self.dataset.currentData())))
        self.data_label = QLabel("")
        self.data_label.setWordWrap(True)

        self.models = QListWidget()
        self.models.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.models.setToolTip("The first checked model drives the sweep and heatmaps; all checked models form "
                               "the transfer matrix. Drag to reorder.")
        self.models.itemChanged.connect(lambda _: self._models_edited())
        self.models.model().rowsMoved.connect(lambda *_: self._models_edited())
        self.load_weights = QPushButton("Load weights file…")
        self.load_weights.clicked.connect(self.loadWeightsRequested.emit)

        self.attack = QComboBox()
        self.attack.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.attack.setMinimumContentsLength(12)
        for key, title in ATTACK_CHOICES:
            self.attack.addItem(title, key)
        self.target = QComboBox()
        self.target_label = QLabel("target class")
        self.eps_max = QDoubleSpinBox(decimals=3, minimum=0.001, maximum=largest_eps("Linf"), singleStep=0.05,
                                      value=0.5)
        self.eps_max.setKeyboardTracking(False)
        self.steps = QSpinBox(minimum=3, maximum=2001, singleStep=10, value=101)
        self.steps.setKeyboardTracking(False)
        self.clip = QCheckBox("clip x̃ to [0, 1]")
        self.clip.setChecked(True)
        self.device = QComboBox()
        self.device.addItem("Auto", "auto")
        self.device.addItem("CPU", "cpu")
        self.device.activated.connect(lambda _: self.deviceChanged.emit(self.device_choice))
        self.precision = QComboBox()
        for name in PRECISIONS:
            self.precision.addItem(name, name)
        self.precision.setToolTip(
            "Precision of the models' forwards: the sweep's ε grid, the transfer matrix, robustness curves, decision "
            "maps. Gradients (the attacks' directions) stay float32.\nbfloat16 and float16 are faster on a GPU and "
            "slower on most CPUs; the message line says how far their logits are from float32's.")
        self.precision.activated.connect(lambda _: self.precisionChanged.emit(self.precision_choice))

        self.attack.currentIndexChanged.connect(self._attack_changed)
        for signal in (self.target.currentIndexChanged, self.eps_max.valueChanged, self.steps.valueChanged,
                       self.clip.toggled):
            signal.connect(lambda *_: self.sweepSettingsChanged.emit())

        data_box = QGroupBox("Data")
        data_layout = QVBoxLayout(data_box)
        data_layout.addWidget(self.dataset)
        data_layout.addWidget(self.data_label)
        model_box = QGroupBox("Models")
        model_hint = QLabel("First checked = swept; all checked = transfer matrix. Drag to reorder.")
        model_hint.setWordWrap(True)
        model_hint.setStyleSheet("color: #555;")
        model_hint.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)  # never clipped
        model_layout = QVBoxLayout(model_box)
        model_layout.addWidget(model_hint)
        self.models.setMinimumHeight(72)
        policy = self.models.sizePolicy()  # its size hint must not make the scrolling dock scroll
        policy.setVerticalPolicy(QSizePolicy.Policy.Ignored)
        self.models.setSizePolicy(policy)
        model_layout.addWidget(self.models, 1)
        model_layout.addWidget(self.load_weights)
        attack_box = QGroupBox("Attack")
        form = QFormLayout(attack_box)
        form.addRow("method", self.attack)
        form.addRow(self.target_label, self.target)
        form.addRow("ε max", self.eps_max)
        form.addRow("ε steps", self.steps)
        form.addRow("", self.clip)
        form.addRow("device", self.device)
        form.addRow("forwards", self.precision)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(data_box)
        layout.addWidget(model_box, 1)
        layout.addWidget(attack_box)
        self._set_target_visible(False)
        self._dataset_key = "mnist"
        self._image_values = MNIST_VALUES  # numbers per image: the L2 ε limit

    # -- reading ---------------------------------------------------------------------------------
    @property
    def attack_choice(self) -> AttackChoice:
        return AttackChoice(str(self.attack.currentData()), max(0, self.target.currentIndex()), self.clip.isChecked())

    @property
    def device_choice(self) -> str:
        return str(self.device.currentData())

    @property
    def precision_choice(self) -> str:
        return str(self.precision.currentData())

    def checked_keys(self) -> list[str]:
        keys = []
        for row in range(self.models.count()):
            item = self.models.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                keys.append(str(item.data(KEY_ROLE)))
        return keys

    # -- writing ---------------------------------------------------------------------------------
    def set_devices(self, devices: list[str]) -> None:
        """The devices PyTorch found (``["cpu", "cuda:0", …]``); "Auto" names the one it picks, and where
        there is no CUDA GPU the tooltip says so (the README promises "CPU or CUDA": its absence needs a word)."""
        current = self.device_choice
        gpus = [name for name in devices if name != "cpu"]
        titles = {name: name.upper() if name == "cpu" else name.replace("cuda", "CUDA") for name in devices}
        self.device.clear()
        self.device.addItem(f"Auto ({titles[gpus[0]] if gpus else 'CPU'})", "auto")
        for name in devices:
            self.device.addItem(titles[name], name)
        self.device.setToolTip("Where the models run. Auto: the first CUDA GPU, else the CPU." + (
            "" if gpus else "\nNo CUDA GPU here (PyTorch finds none, or was built without CUDA): "
                            "everything runs on the CPU."))
        index = self.device.findData(current)
        self.device.setCurrentIndex(max(0, index))

    def set_dataset(self, dataset: str, classes: tuple[str, ...], description: str, *,
                    image_values: int = MNIST_VALUES) -> None:
        """A data set was loaded: target classes, ε defaults and limit, caption."""
        changed = dataset != self._dataset_key or self.target.count() != len(classes)
        self._dataset_key = dataset
        self._image_values = image_values
        self._bound_eps_max()
        self.data_label.setText(description)
        if changed or self.target.count() == 0:
            self.target.blockSignals(True)
            self.target.clear()
            self.target.addItems(list(classes))
            self.target.blockSignals(False)
        if changed:
            self.reset_eps_max()

    def eps_limit(self) -> float:
        """The largest ε that means anything for the chosen attack's norm on these images."""
        return largest_eps(self.attack_choice.norm, self._image_values)

    def _bound_eps_max(self) -> None:
        """ε max up to :meth:`eps_limit`: ε max 50 swept flat clipped curves, and the cursor, held at 1, headlined
        "flips at ε = +1.000" for a flip near 0.1."""
        norm = self.attack_choice.norm
        self.eps_max.blockSignals(True)
        self.eps_max.setMaximum(self.eps_limit())
        self.eps_max.blockSignals(False)
        self.eps_max.setToolTip(f"The sweep runs ε from −ε max to +ε max; at most {self.eps_limit():g}: "
                                f"{why_largest(norm, self._image_values)}")
        self.epsLimitChanged.emit(self.eps_limit())

    def reset_eps_max(self) -> None:
        table = DEFAULT_EPS_MAX_L2 if self.attack_choice.norm == "L2" else DEFAULT_EPS_MAX
        self.eps_max.blockSignals(True)
        self.eps_max.setValue(table.get(self._dataset_key, 0.5))
        self.eps_max.blockSignals(False)

    def add_model(self, key: str, text: str, tooltip: str, *, checked: bool, first: bool = False) -> None:
        """List a model; a key already listed (the same weights file loaded again) is replaced, not repeated."""
        self.models.blockSignals(True)
        for row in range(self.models.count() - 1, -1, -1):
            if self.models.item(row).data(KEY_ROLE) == key:
                self.models.takeItem(row)
        item = QListWidgetItem(text)
        item.setData(KEY_ROLE, key)
        item.setToolTip(tooltip)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        if first:
            self.models.insertItem(0, item)
        else:
            self.models.addItem(item)
        self.models.blockSignals(False)
        self._mark_first()

    def clear_models(self) -> None:
        self.models.clear()

    def set_checked(self, keys: list[str]) -> None:
        """Check exactly ``keys`` and move them to the top in that order (for scripts and tests)."""
        self.models.blockSignals(True)
        for position, key in enumerate(keys):
            for row in range(self.models.count()):
                if self.models.item(row).data(KEY_ROLE) == key:
                    self.models.insertItem(position, self.models.takeItem(row))
                    break
        for row in range(self.models.count()):
            item = self.models.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.data(KEY_ROLE) in keys else Qt.CheckState.Unchecked)
        self.models.blockSignals(False)
        self._models_edited()

    def _models_edited(self) -> None:
        self._mark_first()
        self.modelsChanged.emit()

    def _mark_first(self) -> None:
        """Bold the model that drives the sweep."""
        checked = self.checked_keys()
        self.models.blockSignals(True)
        for row in range(self.models.count()):
            item = self.models.item(row)
            font = QFont(item.font())
            font.setBold(bool(checked) and item.data(KEY_ROLE) == checked[0])
            item.setFont(font)
        self.models.blockSignals(False)

    def _attack_changed(self) -> None:
        choice = self.attack_choice
        self._set_target_visible(choice.targeted)
        was_l2 = getattr(self, "_was_l2", False)
        self._bound_eps_max()
        if (choice.norm == "L2") != was_l2:  # L2 and L∞ ε live on different scales
            self.reset_eps_max()
        self._was_l2 = choice.norm == "L2"
        self.sweepSettingsChanged.emit()

    def _set_target_visible(self, visible: bool) -> None:
        self.target.setVisible(visible)
        self.target_label.setVisible(visible)
