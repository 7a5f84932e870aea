"""The File and View menus for recording and bringing your own; installed by the window in one call.

    File   Open session… (Ctrl+O)  Save session… (Ctrl+S)  |  Load your own model… (Ctrl+M)  Open images…
           (Ctrl+I)  Open image folder… (Ctrl+Shift+I)  |  Export current view… (Ctrl+E)  Export panel ▸
           Export ε-sweep animation…  |  Quit (Ctrl+Q)
    View   Presentation mode (F11)

Right-clicking a plot offers "Export … as PNG, SVG, CSV or NPZ…" as well. :func:`install` sets
``window.byo`` (:class:`~advviz.gui.byo.BringYourOwn`) and ``window.presentation``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from advviz.gui import animation_export, export, session
from advviz.gui.byo import BringYourOwn
from advviz.gui.presentation import Presentation

if TYPE_CHECKING:
    from advviz.gui.window import MainWindow


def _menu(window: "MainWindow", title: str) -> QMenu:
    """The menu bar's menu called ``title`` (created when missing, so others can share it)."""
    bar = window.menuBar()
    for action in bar.actions():
        menu = action.menu()
        if menu is not None and menu.title().replace("&", "") == title.replace("&", ""):
            return menu
    return bar.addMenu(title)


def _action(window: "MainWindow", menu: QMenu, text: str, slot, shortcut: str | None = None) -> QAction:  # noqa: ANN001
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda _=False: slot())
    menu.addAction(action)
    window.addAction(action)  # shortcuts work while the menu bar is hidden (presentation mode)
    return action


def install(window: "MainWindow") -> None:
    window.byo = BringYourOwn(window)
    window.presentation = Presentation(window)

    file_menu = _menu(window, "&File")
    _action(window, file_menu, "Open session…", lambda: session.ask_open(window), "Ctrl+O")
    _action(window, file_menu, "Save session…", lambda: session.ask_save(window), "Ctrl+S")
    file_menu.addSeparator()
    _action(window, file_menu, "Load your own model (torchvision, TorchScript)…", window.byo.ask_model, "Ctrl+M")
    _action(window, file_menu, "Open images…", window.byo.ask_images, "Ctrl+I")
    _action(window, file_menu, "Open image folder…", window.byo.ask_image_folder, "Ctrl+Shift+I")
    file_menu.addSeparator()
    window.export_action = _action(window, file_menu, "Export current view…", lambda: export.ask_export(window),
                                   "Ctrl+E")
    panels_menu = file_menu.addMenu("Export panel")
    panels_menu.aboutToShow.connect(lambda: _fill_panels_menu(window, panels_menu))
    _action(window, file_menu, "Export ε-sweep animation (GIF, MP4)…", lambda: animation_export.ask_animation(window))
    file_menu.addSeparator()
    _action(window, file_menu, "Quit", window.close, "Ctrl+Q")

    view_menu = _menu(window, "&View")
    view_menu.addAction(window.presentation.action)

    export.add_context_menus(window)
    load_model = QPushButton("Load your own model…")
    load_model.setToolTip("A torchvision architecture (weights file or pretrained) or a TorchScript file, "
                          "with its input size, class names and normalization")
    load_model.clicked.connect(window.byo.ask_model)
    box = window.controls.load_weights.parentWidget()
    if box is not None and box.layout() is not None:
        box.layout().addWidget(load_model)
        QWidget.setTabOrder(window.controls.load_weights, load_model)  # beside it for Tab, not after the samples
    window.load_model_button = load_model


def _fill_panels_menu(window: "MainWindow", menu: QMenu) -> None:
    menu.clear()
    for title, panel in export.panels(window):
        action = menu.addAction(f"{title}…")
        action.triggered.connect(lambda _=False, p=panel: export.ask_export(window, p))
