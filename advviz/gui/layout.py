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
# On a tall window the heatmaps take this share of the height they and the curves have (a lecture hall needs the
# images more than 600 more pixels of curves): from a shared height of GROW_FROM pixels (1400 × 900 shares 854:
# 250 px, as before) the dock grows towards the share over GROW_OVER more pixels (1920 × 1080 maximised: ~390 px).
HEATMAP_SHARE = 0.38
GROW_FROM, GROW_OVER = 880, 140
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


def heatmap_dock_height(window_height: int, shared: int) -> int:
    """The heatmaps dock's height in a window ``window_height`` tall whose curves and heatmaps share ``shared``
    pixels: at most 250 (30 % of a short window), growing to :data:`HEATMAP_SHARE` of ``shared`` on a tall one."""
    base = min(HEATMAP_DOCK_HEIGHT, round(0.3 * window_height))
    grown = min(max((shared - GROW_FROM) / GROW_OVER, 0.0), 1.0)
    return round(base + grown * max(HEATMAP_SHARE * shared - base, 0.0))


class HeatmapsShare(QObject):
    """The heatmaps dock keeps its share of the window's height as the window grows (Qt gives a dock's
    neighbour, the curves, all of a window's new height: maximised at 1920 × 1080, or presenting, the four images
    stayed ~115 pixels under 780 of curves). A height the user drags the dock's edge to is theirs: it is left
    alone from then on, presenting too (a drag while presenting is not counted: leaving gives the layout back).
    A floating or hidden dock is left alone."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        self.user_sized = False  # the user dragged the dock's edge: its height is theirs
        self._pressed_height: int | None = None  # the dock's height when a press on the window's frame began
        window.installEventFilter(self)

    def dock(self) -> QDockWidget | None:
        return self.window.findChild(QDockWidget, HEATMAP_DOCK)

    def presenting(self) -> bool:
        presentation = getattr(self.window, "presentation", None)
        return presentation is not None and presentation.active

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind in (QEvent.Type.Resize, QEvent.Type.Show):  # a hidden window's resize reaches no visible dock
            self.update()
        elif kind == QEvent.Type.MouseButtonPress:  # on the window itself: a separator between its docks
            dock = self.dock()
            self._pressed_height = dock.height() if dock is not None else None
        elif kind == QEvent.Type.MouseButtonRelease and self._pressed_height is not None:
            dock = self.dock()
            if dock is not None and dock.height() != self._pressed_height and not self.presenting():
                self.user_sized = True
            self._pressed_height = None
        return False

    def update(self) -> None:
        """Give the dock its share of the window's present height (see :func:`heatmap_dock_height`)."""
        window, dock = self.window, self.dock()
        if dock is None or self.user_sized or not dock.isVisible() or dock.isFloating():
            return
        central = window.centralWidget()
        if central is None or window.dockWidgetArea(dock) != Qt.DockWidgetArea.BottomDockWidgetArea:
            return
        bar = window.statusBar()
        bottom = bar.geometry().top() if bar.isVisible() else window.height()
        shared = bottom - central.geometry().top()  # the curves' tabs, the dock and the separator between them
        target = heatmap_dock_height(window.height(), shared)
        if dock.height() != target:
            window.resizeDocks([dock], [target], Qt.Orientation.Vertical)


class HeatmapsGiveWay(QObject):
    """On a short window the heatmaps dock hides while the paper's arguments are shown, and comes back
    with the other tabs: at 1280 × 720 the linear explanation's two plots lay below a scroll bar under
    it. It acts when that condition starts or ends, so a dock the user shows again meanwhile stays, and it
    leaves a floating dock alone (it takes no height). (Presentation mode does the same at any size; while
    it is on, it decides.)"""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        self.share = HeatmapsShare(window)  # the window calls this class only: the dock's height lives beside it
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
