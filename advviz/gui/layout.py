"""The main window's arrangement: the central tabs, the docks (controls, samples, heatmaps) and the
status bar. Widget construction only; the window connects and fills them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QResizeEvent, QScreen
from PySide6.QtWidgets import QDockWidget, QFrame, QLabel, QProgressBar, QPushButton, QScrollArea, QTabWidget, QWidget

if TYPE_CHECKING:
    from advviz.gui.window import MainWindow

HEATMAP_DOCK = "Perturbation at the cursor ε"  # its panel is set after the first paint
CONTROLS_DOCK_WIDTH = 290
HEATMAP_DOCK_HEIGHT = 250  # at most; on a short window 30 % of its height, so the curves keep their axes
PREFERRED_SIZE = QSize(1400, 900)
SHORT_WINDOW = 860  # pixels: below this the heatmaps dock gives its height to the paper's arguments


class MessageLine(QLabel):
    """The status bar's message line: as many lines as its text needs at the width it has. A word-
    wrapped QLabel asks for the height of a narrow guess: one line of error took the bar from 27 to
    89 pixels, and the plots above shrank by 60."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return False  # the status bar's layout asked with a narrow width; the hints below use the real one

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        if self.width() > 50 and self.text():
            return QSize(hint.width(), self.heightForWidth(self.width()))
        return hint

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.minimumSizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.updateGeometry()  # another width: another number of lines


def initial_size(screen: QScreen | None) -> QSize:
    """The window's first size: the preferred one, shrunk to the screen's free area (a 1400-pixel
    window on a 1024×768 projector ran off the screen, and not every window manager shrinks it)."""
    if screen is None:
        return PREFERRED_SIZE
    available = screen.availableGeometry()
    frame = 40  # the title bar and borders the window manager adds
    return QSize(min(PREFERRED_SIZE.width(), available.width() - frame // 2),
                 min(PREFERRED_SIZE.height(), available.height() - frame))


def arrange(window: "MainWindow") -> None:
    """Tabs (``window.tabs``), docks and the status bar's widgets (``progress_bar``, ``status_label``,
    ``error_label``, ``cancel_button``) of ``window``, whose panels already exist."""
    window.tabs = QTabWidget()
    window.tabs.addTab(window.curves, "Logits vs ε")
    window.tabs.addTab(window.transfer_panel, "Transfer matrix")
    window.setCentralWidget(window.tabs)
    window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
    controls = QScrollArea()  # scrolls on a short screen instead of squeezing the model list
    controls.setWidget(window.controls)
    controls.setWidgetResizable(True)
    controls.setFrameShape(QFrame.Shape.NoFrame)
    controls.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    controls.setMinimumWidth(window.controls.minimumSizeHint().width() + 16)
    for title, widget, area in (("Controls", controls, Qt.DockWidgetArea.LeftDockWidgetArea),
                                ("Samples", window.samples, Qt.DockWidgetArea.LeftDockWidgetArea),
                                (HEATMAP_DOCK, QWidget(), Qt.DockWidgetArea.BottomDockWidgetArea)):
        dock = QDockWidget(title, window)
        dock.setObjectName(title)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        window.addDockWidget(area, dock)
    heatmap_height = min(HEATMAP_DOCK_HEIGHT, round(0.3 * window.height()))
    window.resizeDocks([window.findChild(QDockWidget, HEATMAP_DOCK)], [heatmap_height], Qt.Orientation.Vertical)
    window.resizeDocks([window.findChild(QDockWidget, "Controls")], [CONTROLS_DOCK_WIDTH], Qt.Orientation.Horizontal)
    window.resizeDocks([window.findChild(QDockWidget, "Controls"), window.findChild(QDockWidget, "Samples")],
                       [690, 210], Qt.Orientation.Vertical)

    window.progress_bar = QProgressBar()
    window.progress_bar.setMaximumWidth(220)
    window.progress_bar.setTextVisible(False)
    window.status_label = QLabel()
    window.error_label = MessageLine()
    window.cancel_button = QPushButton("Cancel")
    window.cancel_button.setEnabled(False)
    bar = window.statusBar()
    bar.addWidget(window.progress_bar)
    bar.addWidget(window.status_label)
    bar.addWidget(window.error_label, 1)
    bar.addPermanentWidget(window.cancel_button)


class HeatmapsGiveWay(QObject):
    """On a short window the heatmaps dock hides while the paper's arguments are shown, and comes back
    with the other tabs: at 1280 × 720 the linear explanation's two plots lay below a scroll bar under
    it. It acts when that condition starts or ends, so a dock the user shows again meanwhile stays, and it
    leaves a floating dock alone (it takes no height). (Presentation mode does the same at any size; while
    it is on, it decides.)"""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        self.giving_way = False  # the paper's arguments in front of a short window, when last looked
        self.hidden_here = False  # hidden by this, not by the user: to be shown again
        window.tabs.currentChanged.connect(self.update)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            self.update()
        return False

    def update(self, *_: object) -> None:
        window = self.window
        dock = window.findChild(QDockWidget, HEATMAP_DOCK)
        explain = getattr(window, "explain", None)
        presentation = getattr(window, "presentation", None)
        if dock is None or explain is None or (presentation is not None and presentation.active):
            return
        giving_way = window.tabs.currentWidget() is explain.tabs and window.height() < SHORT_WINDOW
        if giving_way == self.giving_way:
            return
        self.giving_way = giving_way
        if giving_way and dock.isVisible() and not dock.isFloating():
            dock.hide()
            self.hidden_here = True
        elif not giving_way and self.hidden_here:
            dock.show()
            self.hidden_here = False
