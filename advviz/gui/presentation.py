"""Presentation mode (F11): large fonts and lines, no controls, full screen, driven by the keyboard.

Keys while presenting: ← / → (or ↑ / ↓) the previous / next sample; + / − move the ε cursor one grid
step; space plays or pauses the sweep on screen (the cursor runs 0 → ε_max and loops); F11 or Esc
leaves. Leaving restores the layout, fonts and window state exactly.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import QByteArray, QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSlider, QAbstractSpinBox, QComboBox,
                               QDockWidget, QGraphicsItem, QLabel, QLineEdit, QWidget)

from advviz.gui.layout import HEATMAP_DOCK

if TYPE_CHECKING:
    from advviz.gui.window import MainWindow

FONT_SCALE = 1.45
LINE_SCALE = 1.6
PLAY_MS = 90
PENDING_MS = 3000  # how long after leaving the window may take to get its size back (a window manager's turn)
HIDDEN_DOCKS = ("Controls", "Samples")
EDITORS = (QAbstractSpinBox, QLineEdit, QComboBox, QAbstractSlider)  # keep their keys while they have the focus
# widgets whose text a viewer reads: a table's headers, a spin box's line edit and a combo box's list take the font of
# the widget they belong to
TEXT_WIDGETS = (QLabel, QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QAbstractItemView)
PRESENTER_KEYS = {Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Plus,
                  Qt.Key.Key_Equal, Qt.Key.Key_Minus, Qt.Key.Key_Underscore, Qt.Key.Key_Space}


def _scaled_size(size: str, scale: float) -> str:
    """'10pt' → '14.5pt' (pyqtgraph's LabelItem sizes)."""
    for unit in ("pt", "px"):
        if size.endswith(unit):
            try:
                return f"{float(size[: -len(unit)]) * scale:.3g}{unit}"
            except ValueError:
                return size
    return size


def text_widgets(root: QWidget) -> list[QWidget]:
    """The widgets under ``root`` that show text, outermost only: the others inherit their font (enlarging both
    would enlarge a spin box's text twice)."""
    found = [widget for widget in root.findChildren(QWidget) if isinstance(widget, TEXT_WIDGETS)]
    chosen = {id(widget) for widget in found}

    def inherits(widget: QWidget) -> bool:
        parent = widget.parentWidget()
        while parent is not None and parent is not root:
            if id(parent) in chosen:
                return True
            parent = parent.parentWidget()
        return False

    return [widget for widget in found if not inherits(widget)]


def _follow_again(followers: list[tuple[QWidget, float]]) -> None:
    """Each widget back at the size it had, following its parent's font again (``QFont()`` sets nothing of its
    own), or given that size where its parent's differs."""
    for widget, size in followers:
        if widget.font().pointSizeF() != size:
            widget.setFont(QFont())
            if widget.font().pointSizeF() != size:
                font = QFont(widget.font())
                font.setPointSizeF(size)
                widget.setFont(font)


def _texts_in(item: QGraphicsItem) -> list[pg.TextItem]:
    """``item`` and its descendants that are TextItems (an InfiniteLine's label is its child)."""
    found, pending = [], [item]
    while pending:
        current = pending.pop()
        if isinstance(current, pg.TextItem):
            found.append(current)
        pending.extend(current.childItems())
    return found


def _enlarge_text_item(item: pg.TextItem, scale: float, undo: list[Any]) -> None:
    font = QFont(item.textItem.font())
    big = QFont(font)
    big.setPointSizeF(max(font.pointSizeF(), 9.0) * scale)
    item.setFont(big)
    undo.append(lambda: item.setFont(font))


class Presentation(QObject):
    """Toggles presentation mode on a window; ``action`` is the checkable F11 menu entry."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        self.active = False
        self.saved_state: QByteArray | None = None
        self._saved_size = QSize()
        # the docks' state to restore again once the window has its size back after leaving (see set_active)
        self._pending_state: tuple[QByteArray, QSize] | None = None
        self._saved_window_state = Qt.WindowState.WindowNoState
        self._saved_menu_visible = True
        self._restore: list[Any] = []  # callables that undo the style changes (of the unit being styled)
        # Styling every panel in one call held the window 370–580 ms (and built the eight explanation
        # panels). Now the panels on screen are styled at once, those behind other tabs one per turn of the
        # event loop after that (or at once, when their tab is shown first); leaving undoes them likewise.
        self._undo: dict[int, tuple[QWidget, list[Any]]] = {}  # id(panel) → (panel, its undo callables)
        self._queue: list[QWidget] = []  # panels still to style (presenting) or unstyle (not presenting)
        self._queue_timer = QTimer(self)
        self._queue_timer.setSingleShot(True)
        self._queue_timer.setInterval(1)  # 1 ms, not 0: after the pending paints (see gui/redraw.py)
        self._queue_timer.timeout.connect(self._next_in_queue)
        self.play_timer = QTimer(self)
        self.play_timer.setInterval(PLAY_MS)
        self.play_timer.timeout.connect(self._advance)

        self.action = QAction("Presentation mode", window)
        self.action.setCheckable(True)
        self.action.setShortcuts([QKeySequence(Qt.Key.Key_F11)])
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.triggered.connect(lambda checked: self.set_active(bool(checked)))
        window.addAction(self.action)
        self.key_actions: list[QAction] = []
        for keys, handler in (((Qt.Key.Key_Right, Qt.Key.Key_Down), lambda: self.step_sample(+1)),
                              ((Qt.Key.Key_Left, Qt.Key.Key_Up), lambda: self.step_sample(-1)),
                              ((Qt.Key.Key_Plus, Qt.Key.Key_Equal), lambda: self.step_eps(+1)),
                              ((Qt.Key.Key_Minus, Qt.Key.Key_Underscore), lambda: self.step_eps(-1)),
                              ((Qt.Key.Key_Space,), self.toggle_play),
                              ((Qt.Key.Key_Escape,), lambda: self.set_active(False))):
            action = QAction(window)
            action.setShortcuts([QKeySequence(key) for key in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setEnabled(False)
            action.triggered.connect(handler)
            window.addAction(action)
            self.key_actions.append(action)
        window.installEventFilter(self)

    # -- mode ----------------------------------------------------------------------------------
    @property
    def settled(self) -> bool:
        """Whether every panel has its style: hidden ones are (un)styled one per turn after a switch."""
        return not self._queue

    def toggle(self) -> None:
        self.set_active(not self.active)

    def set_active(self, on: bool) -> None:
        if on == self.active:
            self.action.setChecked(on)
            return
        window = self.window
        if on:
            self.saved_state = window.saveState()
            self._saved_size = window.size()
            self._pending_state = None
            self._saved_window_state = window.windowState()
            self._saved_menu_visible = window.menuBar().isVisible()
            for dock in window.findChildren(QDockWidget):
                if dock.objectName() in HIDDEN_DOCKS:
                    dock.hide()
            window.menuBar().hide()
            self._style(FONT_SCALE, LINE_SCALE)
            window.tabs.currentChanged.connect(self._heatmaps_for_tab)
            window.tabs.currentChanged.connect(self._style_shown)
            explain = getattr(window, "explain", None)
            if explain is not None:
                explain.tabs.currentChanged.connect(self._style_shown)
            self._heatmaps_for_tab()
            window.showFullScreen()
        else:
            self.stop()
            window.tabs.currentChanged.disconnect(self._heatmaps_for_tab)
            window.tabs.currentChanged.disconnect(self._style_shown)
            explain = getattr(window, "explain", None)
            if explain is not None:
                explain.tabs.currentChanged.disconnect(self._style_shown)
            self._unstyle()
            window.setWindowState(self._saved_window_state)
            window.menuBar().setVisible(self._saved_menu_visible)
            if self.saved_state is not None:
                window.restoreState(self.saved_state)  # the hidden docks are back now
                if window.size() != self._saved_size:
                    # Restored in the full screen's size, the docks were shared out again when the window got
                    # its own size back (which comes later): the controls 2 pixels narrower, the heatmaps' images
                    # and colour bars smaller. Restored again once it has that size, they are as they were.
                    self._pending_state = (self.saved_state, QSize(self._saved_size))
                    QTimer.singleShot(PENDING_MS, self, self._drop_pending_state)
            self.saved_state = None
        self.active = on
        self.action.setChecked(on)
        for action in self.key_actions:
            action.setEnabled(on)
        # a focused spin box's Up is its own, not the next sample: the editors' ShortcutOverride is watched
        # (on them only: an application-wide filter would run Python for every event while presenting)
        for editor in window.findChildren(QWidget):
            if isinstance(editor, EDITORS):
                if on:
                    editor.installEventFilter(self)
                else:
                    editor.removeEventFilter(self)
        window.redraw_now()
        self.refit()
        QTimer.singleShot(0, self, self.refit)  # once the new layout has its sizes (dropped if self is gone)

    def _drop_pending_state(self) -> None:
        """The window did not get its size back soon after leaving (the user resized it): its docks stay."""
        self._pending_state = None

    def _heatmaps_for_tab(self, *_: Any) -> None:
        """The heatmaps follow the sweep's cursor: shown beside the curves and the transfer matrix, hidden in
        front of the paper's arguments, whose plots then get the height (restoreState brings the dock back)."""
        dock = self.window.findChild(QDockWidget, HEATMAP_DOCK)
        explain = getattr(self.window, "explain", None)
        if dock is not None and explain is not None:
            dock.setVisible(self.window.tabs.currentWidget() is not explain.tabs)

    def refit(self) -> None:
        """Re-choose the axis labels that shorten to fit (their font changed)."""
        from advviz.gui.panels.explain_common import refit_labels

        try:
            refit_labels(self.window.curves.plot)
            self.window.heatmaps.restyled()
        except RuntimeError:  # the window was closed meanwhile
            pass

    # -- style -----------------------------------------------------------------------------------
    def _panels(self) -> list[QWidget]:
        """The window's panels that exist now (explanation panels are built in turns: not all may be)."""
        window = self.window
        panels: list[QWidget] = [window.curves, window.heatmaps, window.transfer_panel]
        explain = getattr(window, "explain", None)
        if explain is not None:
            panels += list(explain.built_panels.values())
        return panels

    def _style(self, font_scale: float, line_scale: float) -> None:
        """The window's own texts and lines, and the panels on screen now; the others are queued."""
        window = self.window
        self._flush_queue()  # a previous unstyle still going on: finish it first
        self._restore = self._undo.setdefault(id(window), (window, []))[1]
        # Qt widgets one by one (a window-wide setFont reaches every pyqtgraph view and is slow, even unsafe)
        widgets: list[QWidget] = [window.tabs.tabBar(), window.status_label, window.error_label]
        explain = getattr(window, "explain", None)
        if explain is not None:  # the paper's arguments are presented too
            widgets.append(explain.tabs.tabBar())
        for widget in widgets:
            self._enlarge(widget, font_scale)
        panels = self._panels()  # builds the heatmaps panel, the dock's content, if it was not yet
        for dock in window.findChildren(QDockWidget):
            self._enlarge_dock_title(dock, font_scale)
        curves = window.curves
        thin, thick = curves.thin, curves.thick
        curves.thin, curves.thick = thin * line_scale, thick * line_scale
        self._restore.append(lambda: setattr(curves, "thin", thin))
        self._restore.append(lambda: setattr(curves, "thick", thick))
        cursor_pen = window.curves.cursor_line.pen
        window.curves.cursor_line.setPen(pg.mkPen(cursor_pen.color(), width=cursor_pen.widthF() * line_scale))
        self._restore.append(lambda: window.curves.cursor_line.setPen(cursor_pen))
        self._queue = []
        for panel in panels:
            if panel.isVisible():
                self._style_panel(panel)
            else:
                self._queue.append(panel)
        if self._queue:
            self._queue_timer.start()

    def _style_panel(self, panel: QWidget, font_scale: float = FONT_SCALE) -> None:
        """Enlarge one panel's texts and its plots' fonts (once; undone by :meth:`_unstyle_panel`)."""
        if id(panel) in self._undo:
            return
        self._restore = self._undo.setdefault(id(panel), (panel, []))[1]
        # the texts that follow their parent's font have their size again afterwards, whatever gave them a font
        # of their own meanwhile: the paper table's header kept 13 pt in two of five full test runs (a style
        # sheet's polish can store the parent's font as the child's). Undone last: undo runs reversed.
        followers = [(widget, widget.font().pointSizeF()) for widget in panel.findChildren(QWidget)
                     if isinstance(widget, TEXT_WIDGETS) and not widget.testAttribute(Qt.WidgetAttribute.WA_SetFont)]
        self._restore.append(lambda: _follow_again(followers))
        for widget in text_widgets(panel):
            self._enlarge(widget, font_scale)
        # every view, not only those exported: the rubbish class's gallery is a second view
        views = panel.export_views() if hasattr(panel, "export_views") else [getattr(panel, "view", None)]
        scenes = set()
        for view in [*views, *panel.findChildren(pg.GraphicsView)]:
            if isinstance(view, pg.GraphicsView) and id(view.scene()) not in scenes:
                scenes.add(id(view.scene()))
                self._style_scene(panel, view, font_scale)
        self._resized(panel)

    def _unstyle_panel(self, panel: QWidget) -> None:
        _, undo = self._undo.pop(id(panel), (panel, []))
        for step in reversed(undo):
            step()
        self._resized(panel)

    @staticmethod
    def _resized(panel: QWidget) -> None:
        """A panel measures again what it measured in its texts' old size (its ``restyled``): the curves' legend
        column kept the presentation width after it (classes set while presenting; the plot squeezed to ~100 px)."""
        restyled = getattr(panel, "restyled", None)
        if restyled is not None:
            restyled()

    def _style_shown(self, *_: Any) -> None:
        """A tab was shown while presenting: its panels are styled now, before they are painted."""
        if not self.active:
            return
        for panel in self._panels():
            if panel.isVisible() and id(panel) not in self._undo:
                self._style_panel(panel)
                if panel in self._queue:
                    self._queue.remove(panel)
        self.refit()

    def _next_in_queue(self) -> None:
        """Style (presenting) or unstyle (not) the next panel behind another tab: one per turn."""
        try:
            panel = self._queue.pop(0)
        except IndexError:
            return
        try:
            if self.active:
                self._style_panel(panel)
            else:
                self._unstyle_panel(panel)
        except RuntimeError:  # the window was closed meanwhile
            self._queue.clear()
            return
        if self._queue:
            self._queue_timer.start()

    def _flush_queue(self) -> None:
        """Finish what the queue holds now."""
        self._queue_timer.stop()
        while self._queue:
            self._next_in_queue()

    def _enlarge(self, widget: QWidget, scale: float) -> None:
        """A bigger font for ``widget``, through its style sheet where that sets one (captions do)."""
        sheet = widget.styleSheet()
        match = re.search(r"font-size:\s*([\d.]+)pt", sheet)
        if match:
            size = float(match.group(1)) * scale
            widget.setStyleSheet(sheet[:match.start(1)] + f"{size:.1f}" + sheet[match.end(1):])
            self._restore.append(lambda: widget.setStyleSheet(sheet))
            return
        own = widget.testAttribute(Qt.WidgetAttribute.WA_SetFont)
        font = QFont(widget.font())
        bigger = QFont(font)
        bigger.setPointSizeF(max(font.pointSizeF(), 9.0) * scale)
        widget.setFont(bigger)
        # a font it inherited is inherited again (QFont() sets nothing of its own): a table's headers follow it
        self._restore.append(lambda: widget.setFont(font if own else QFont()))

    def _enlarge_dock_title(self, dock: QDockWidget, scale: float) -> None:
        """A dock's title, which Qt draws (and sizes its bar for) in the dock's own font: the heatmaps' title stayed
        9 pt while presenting. Its content keeps the font it has (its panel is styled as the other panels are:
        an inherited font would enlarge its texts twice, and reach its pyqtgraph views)."""
        content = dock.widget()
        if content is not None:
            own = content.testAttribute(Qt.WidgetAttribute.WA_SetFont)
            font = QFont(content.font())
            kept = QFont(font)
            if font.pointSizeF() > 0:  # its own size: an inherited font resolves nothing of its own
                kept.setPointSizeF(font.pointSizeF())
            else:
                kept.setPixelSize(font.pixelSize())
            content.setFont(kept)
            self._restore.append(lambda: content.setFont(font if own else QFont()))
        self._enlarge(dock, scale)  # undone first (undo runs reversed): the content follows the dock's font again

    def _style_legend(self, legend: pg.LegendItem, scale: float) -> None:
        """The legend's text size for the entries it has and for those added while presenting (the
        panels fill their legends when a result arrives); leaving restores the size of every entry it
        has then, and the entries added later get the legend's own size again."""
        size = legend.opts.get("labelTextSize")
        if not size:
            return
        big = _scaled_size(size, scale)

        def resize_entries(old: str, new: str) -> None:
            legend.opts["labelTextSize"] = new
            for _, label in legend.items:
                if label.opts.get("size") == old:  # a size an entry was given on purpose stays
                    label.setText(label.text, size=new)
            legend.updateSize()  # a legend anchored on its plot (not in a layout) takes its entries' size

        resize_entries(size, big)
        self._restore.append(lambda: resize_entries(big, size))

    def _style_scene(self, panel: Any, view: pg.GraphicsLayoutWidget, scale: float) -> None:
        legends = [item for item in view.scene().items() if isinstance(item, pg.LegendItem)]
        legend_labels = {id(label) for legend in legends for _, label in legend.items}
        for legend in legends:
            self._style_legend(legend, scale)
        for item in view.scene().items():
            if id(item) in legend_labels:
                continue  # the legend's entries: _style_legend
            if isinstance(item, pg.AxisItem):
                tick_font = item.style.get("tickFont")
                base = QFont(tick_font) if tick_font is not None else QFont()
                bigger = QFont(base)
                bigger.setPointSizeF(max(base.pointSizeF(), 8.0) * scale)
                item.setStyle(tickFont=bigger)
                label_font = QFont(item.label.font())
                big_label = QFont(label_font)
                big_label.setPointSizeF(max(label_font.pointSizeF(), 9.0) * scale)
                item.label.setFont(big_label)
                item._updateLabel()  # the axis grows to the new label height, and re-centres it
                item.resizeEvent(None)
                # the room it keeps for its tick texts: pyqtgraph narrows it only by more than 10 pixels, so the
                # heatmaps' η colour bar came back 3 pixels wider, its image narrower; it gets its room back
                text_room = (item.textWidth, item.textHeight)
                self._restore.append(lambda item=item, tick_font=tick_font, label_font=label_font,
                                     text_room=text_room: (
                    setattr(item, "textWidth", text_room[0]), setattr(item, "textHeight", text_room[1]),
                    item.setStyle(tickFont=tick_font), item.label.setFont(label_font), item._updateLabel(),
                    item.resizeEvent(None)))
            elif isinstance(item, pg.LabelItem):
                self._style_label(item, scale)
            elif isinstance(item, pg.TextItem):
                _enlarge_text_item(item, scale, self._restore)
            elif isinstance(item, pg.ViewBox):
                self._watch_view_box(item, scale)

    def _style_label(self, label: pg.LabelItem, scale: float) -> None:
        """A label's size, and the size a panel gives it later while presenting: the image cells' titles are
        set with their size when a result arrives ("9pt": they came back small). A size asked for is scaled;
        the size shown is kept (the heatmaps pass the title's current size). Leaving gives the label the last
        size asked for."""
        asked = label.opts.get("size")  # None: the label's font
        if asked is None:
            label.opts["size"] = f"{max(label.item.font().pointSizeF(), 9.0):.3g}pt"
        state = {"asked": asked, "shown": _scaled_size(label.opts["size"], scale)}
        label_type = type(label)

        def set_text(text: str, **options: Any) -> None:
            size = options.get("size")
            if size is not None and size != state["shown"]:
                state["asked"] = size
                state["shown"] = options["size"] = _scaled_size(str(size), scale)
            label_type.setText(label, text, **options)

        def restore() -> None:
            del label.setText  # the class's method again
            if state["asked"] is None:
                label.opts.pop("size", None)
            else:
                label.opts["size"] = state["asked"]
            label.setText(label.text)

        label.opts["size"] = state["shown"]
        label.setText = set_text  # type: ignore[method-assign]
        label.setText(label.text)
        self._restore.append(restore)

    def _watch_view_box(self, box: pg.ViewBox, scale: float) -> None:
        """Texts a panel adds to ``box`` while presenting get the presentation font too: the transfer matrix's
        percentages and the rubbish class's bar values are made when a result needs them."""
        undo = self._restore
        box_type = type(box)

        def add_item(item: QGraphicsItem, *args: Any, **kwargs: Any) -> None:
            box_type.addItem(box, item, *args, **kwargs)
            for text in _texts_in(item):
                _enlarge_text_item(text, scale, undo)

        def restore() -> None:
            del box.addItem

        box.addItem = add_item  # type: ignore[method-assign]
        undo.append(restore)

    def _unstyle(self) -> None:
        """The window's own texts and the panels on screen now; the other styled panels one per turn."""
        self._queue_timer.stop()  # panels still waiting for their style are not styled: nothing to undo
        self._queue = []
        window = self.window
        later = []
        for key, (panel, _) in list(self._undo.items()):
            if panel is window or panel.isVisible():
                self._unstyle_panel(panel)
            else:
                later.append(panel)
        self._restore = []
        self._queue = later
        if later:
            self._queue_timer.start()

    # -- keys --------------------------------------------------------------------------------------
    def step_sample(self, delta: int) -> None:
        samples = self.window.samples
        count = samples.grid.count()
        if count:
            samples.set_current((max(samples.current(), 0) + delta) % count)

    def _grid_step(self) -> float:
        state = self.window.sweep
        if state is not None and state.eps is not None and len(state.eps) > 1:
            return float(state.eps[1] - state.eps[0])
        return float(self.window.controls.eps_max.value()) / 50

    def step_eps(self, delta: int) -> None:
        self.window.curves.step_cursor(delta)

    def toggle_play(self) -> None:
        if self.play_timer.isActive():
            self.stop()
        else:
            self.play_timer.start()

    def stop(self) -> None:
        if self.play_timer.isActive():
            self.play_timer.stop()
            self.window.curves.cursorReleased.emit(self.window.curves.cursor_value())

    @property
    def playing(self) -> bool:
        return self.play_timer.isActive()

    def _advance(self) -> None:
        curves = self.window.curves
        limit = float(self.window.controls.eps_max.value())
        value = curves.cursor_value() + self._grid_step()
        curves.set_cursor(0.0 if value > limit + 1e-9 or value < 0 else value)

    # -- lifetime ------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.play_timer.stop()
        elif (watched is self.window and event.type() == QEvent.Type.Resize and self._pending_state is not None
              and self._pending_state[1] == self.window.size()):
            state, _ = self._pending_state
            self._pending_state = None
            self.window.restoreState(state)
        elif (event.type() == QEvent.Type.ShortcutOverride and isinstance(watched, EDITORS)
              and Qt.Key(event.key()) in PRESENTER_KEYS):
            event.accept()  # the key goes to the focused editor instead of triggering the presenter's shortcut
            return True
        return super().eventFilter(watched, event)
