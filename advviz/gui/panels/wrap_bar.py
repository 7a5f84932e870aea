"""A row of controls that wraps onto more rows where its panel is narrower than the row."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QSpacerItem, QStyle, QWidget, QWidgetItem


class WrapBar(QLayout):
    """A row of controls that wraps onto more rows where the panel is narrower than the row.

    Used like a QHBoxLayout (``addWidget(widget, stretch)``, ``addStretch(stretch)``): in each row the
    room left over goes to the items with a stretch, else stays at the right end. Its minimum width is
    its widest control's, not the whole row's: the linear explanation's one row of controls made the
    window 922 pixels wide at least, wider than an 800-pixel screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._stretches: list[int] = []
        self.setContentsMargins(0, 0, 0, 0)

    # -- QHBoxLayout's calls that the panels use ---------------------------------------------------
    def addWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802 - Qt's name
        self.addChildWidget(widget)
        self._add(QWidgetItem(widget), stretch)

    def addStretch(self, stretch: int = 0) -> None:  # noqa: N802 - Qt's name
        self._add(QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum), stretch)

    def _add(self, item: QLayoutItem, stretch: int) -> None:
        self._items.append(item)
        self._stretches.append(stretch)
        self.invalidate()

    # -- QLayout ----------------------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt's name
        self._add(item, 0)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt's name
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt's name
        if not 0 <= index < len(self._items):
            return None
        self._stretches.pop(index)
        item = self._items.pop(index)
        self.invalidate()
        return item

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt's name
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        items = self._visible()
        margins = self.contentsMargins()
        width = sum(item.sizeHint().width() for item, _ in items) + self._gap() * max(len(items) - 1, 0)
        height = max((item.sizeHint().height() for item, _ in items), default=0)
        return QSize(width + margins.left() + margins.right(), height + margins.top() + margins.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt's name
        items = self._visible()
        margins = self.contentsMargins()
        width = max((item.minimumSize().width() for item, _ in items), default=0)
        height = max((item.minimumSize().height() for item, _ in items), default=0)
        return QSize(width + margins.left() + margins.right(), height + margins.top() + margins.bottom())

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt's name
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    # -- the rows ---------------------------------------------------------------------------------
    def _gap(self) -> int:
        spacing = self.spacing()
        if spacing >= 0:
            return spacing
        widget = self.parentWidget()
        return widget.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing) if widget else 6

    @staticmethod
    def _width(item: QLayoutItem, stretch: int) -> int:
        """An item's width before the spare room is shared: a stretching one (a slider) starts at its
        minimum, so that it shrinks before the row wraps."""
        return item.minimumSize().width() if stretch else item.sizeHint().width()

    def _visible(self) -> list[tuple[QLayoutItem, int]]:
        return [(item, stretch) for item, stretch in zip(self._items, self._stretches) if not item.isEmpty()
                or item.spacerItem() is not None]

    def _rows(self, width: int) -> list[list[tuple[QLayoutItem, int]]]:
        """Items by row: each row takes items (at their preferred widths) while they fit ``width``."""
        gap = self._gap()
        rows: list[list[tuple[QLayoutItem, int]]] = [[]]
        used = 0
        for item, stretch in self._visible():
            hint = self._width(item, stretch)
            if rows[-1] and used + gap + hint > width and item.spacerItem() is None:
                rows.append([])
                used = 0
            if item.spacerItem() is not None and not rows[-1]:
                continue  # a stretch at the start of a row
            used += (gap if rows[-1] else 0) + hint
            rows[-1].append((item, stretch))
        return [row for row in rows if row]

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        """Lay the items out in ``rect`` (when ``apply``); returns the height the rows take."""
        margins = self.contentsMargins()
        inner = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        gap = self._gap()
        y = inner.y()
        for index, row in enumerate(self._rows(inner.width())):
            if index:
                y += gap
            height = max(item.sizeHint().height() for item, _ in row)
            widths = [min(self._width(item, stretch), inner.width()) for item, stretch in row]
            spare = inner.width() - sum(widths) - gap * (len(row) - 1)
            total = sum(stretch for _, stretch in row)
            if spare > 0 and total:
                reached = given = 0
                for position, (_, stretch) in enumerate(row):
                    if stretch:
                        reached += stretch
                        share = spare * reached // total - given
                        widths[position] += share
                        given += share
            if apply:
                x = inner.x()
                for (item, _), width in zip(row, widths):
                    item_height = min(max(item.sizeHint().height(), item.minimumSize().height()), height)
                    item.setGeometry(QRect(x, y + (height - item_height) // 2, max(width, 0), item_height))
                    x += width + gap
            y += height
        return y - inner.y() + margins.top() + margins.bottom()
