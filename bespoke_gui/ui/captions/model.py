"""The Captions tab's list: one row per image (or orphan caption), with a lazily loaded
nearest-neighbour thumbnail, the start of its caption, and unsaved / lint markers.

Thumbnails are asked for by the view as rows become visible; the model gathers the
requests and hands them to ``request_thumbnails`` (the tab runs them as one job), so
opening 10,000 captions costs no image decoding at all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from bespoke_gui.core.captions.state import CaptionItem
from bespoke_gui.core.findings import Severity
from bespoke_gui.ui.widgets.pixel_view import array_to_qimage
from bespoke_gui.ui.widgets.timers import single_shot_timer

THUMB_SIZE = 48
ROW_HEIGHT = THUMB_SIZE + 8
ItemRole = Qt.ItemDataRole.UserRole + 1


class CaptionListModel(QAbstractListModel):
    def __init__(self, request_thumbnails: Callable[[list[Path]], None] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.items: list[CaptionItem] = []
        self._row_of: dict[Path, int] = {}
        self._request_thumbnails = request_thumbnails
        self._pending: list[Path] = []
        self._flush = single_shot_timer(self, 30, self._send_requests)
        self._changed_rows: set[int] = set()
        self._changed_timer = single_shot_timer(self, 0, self._emit_changed)

    # --- contents ---------------------------------------------------------------------
    def set_items(self, items: list[CaptionItem]) -> None:
        self.beginResetModel()
        self.items = items
        self._row_of = {item.caption_path: row for row, item in enumerate(items)}
        self._pending.clear()
        self._changed_rows.clear()
        self.endResetModel()

    def row_of(self, caption_path: Path) -> int:
        return self._row_of.get(caption_path, -1)

    def item(self, row: int) -> CaptionItem | None:
        return self.items[row] if 0 <= row < len(self.items) else None

    def refresh_row(self, row: int) -> None:
        """Repaint a row soon, if what it shows changed. Deferred: this is called from
        selection changes that a filter change causes, and a proxy must not get
        dataChanged in the middle of filtering."""
        if not 0 <= row < len(self.items):
            return
        item = self.items[row]
        shown = item.shown_state()
        if shown == item.last_shown:
            return  # typing at the end of a long caption changes nothing the list shows
        item.last_shown = shown
        self._changed_rows.add(row)
        if not self._changed_timer.isActive():
            self._changed_timer.start()

    def _emit_changed(self) -> None:
        rows, self._changed_rows = self._changed_rows, set()
        for row in sorted(rows):
            if row < len(self.items):
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def refresh_all(self) -> None:
        for item in self.items:
            item.last_shown = item.shown_state()
        if self.items:
            self.dataChanged.emit(self.index(0), self.index(len(self.items) - 1))

    def set_thumbnails(self, thumbs: dict[Path, np.ndarray]) -> None:
        rows = []
        for row, item in enumerate(self.items):
            if item.image in thumbs:
                item.thumb = array_to_qimage(thumbs[item.image])
                rows.append(row)
        for row in rows:
            self.refresh_row(row)

    def _send_requests(self) -> None:
        pending, self._pending = self._pending, []
        if pending and self._request_thumbnails is not None:
            self._request_thumbnails(pending)

    # --- Qt model API -----------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.items):
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{item.name} (link)" if item.links else item.name
        if role == ItemRole:
            return item
        if role == Qt.ItemDataRole.DecorationRole:
            if item.thumb is None and not item.thumb_requested and item.image is not None:
                item.thumb_requested = True
                self._pending.append(item.image)
                if not self._flush.isActive():
                    self._flush.start()
            return item.thumb
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [str(item.caption_path)]
            if item.error:
                lines.append(item.error)
            lines += [
                f"{link.name} is a link to {target}: read here, never written through"
                for link, target in item.links
            ]
            if item.image is None:
                lines.append("caption without an image")
            if item.dirty:
                lines.append("unsaved edits")
            if item.disk_changed:
                lines.append("changed on disk while you were editing")
            lines += [f"{f.severity}: {f.message}" for f in item.findings[:8]]
            return "\n".join(lines)
        return None


class CaptionFilterProxy(QSortFilterProxyModel):
    """Filter by text (name or caption), by keyword kind, and by lint state or rule."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.text = ""
        self.kind_words: tuple[str, ...] = ()
        self.kind_test: Callable[[str], bool] | None = None
        self.lint = ""  # "", "unsaved", "errors", "warnings", "any", "rule:<id>", "changed"

    def set_filters(
        self,
        text: str | None = None,
        kind_test: Callable[[str], bool] | bool | None = False,
        lint: str | None = None,
    ) -> None:
        self.begin_change()
        if text is not None:
            self.text = text.lower().strip()
        if kind_test is not False:
            self.kind_test = kind_test
        if lint is not None:
            self.lint = lint
        self.end_change()

    def begin_change(self) -> None:
        # Qt 6.9 replaced invalidateFilter() with begin/endFilterChange().
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()

    def end_change(self) -> None:
        if hasattr(self, "endFilterChange"):
            self.endFilterChange()
        else:
            self.invalidateFilter()

    def refilter(self) -> None:
        """The items changed (lint findings, unsaved state): filter again."""
        self.begin_change()
        self.end_change()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        item: CaptionItem | None = model.item(source_row) if isinstance(model, CaptionListModel) else None
        if item is None:
            return False
        if self.text and self.text not in item.text.lower() and self.text not in item.name.lower():
            return False
        if self.kind_test is not None and not self.kind_test(item.text):
            return False
        lint = self.lint
        if lint == "unsaved":
            return item.dirty
        if lint == "changed":
            return item.disk_changed
        if lint == "errors":
            return item.worst == Severity.ERROR
        if lint == "warnings":
            return item.worst in (Severity.ERROR, Severity.WARNING)
        if lint == "any":
            return bool(item.findings)
        if lint.startswith("rule:"):
            rule = lint[5:]
            return any(f.rule == rule for f in item.findings)
        return True


class CaptionListView(QListView):
    """The list of captions. Rows all have one size, so a changed row is repainted alone:
    QListView would lay out and repaint every visible row for it (measured: a full repaint
    of the list a keystroke or two after each keystroke that changes the row's markers)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setUniformItemSizes(True)

    def dataChanged(
        self,
        top_left: QModelIndex | QPersistentModelIndex,
        bottom_right: QModelIndex | QPersistentModelIndex,
        roles: list[int] = [],  # noqa: B006 (Qt's signature)
    ) -> None:
        if self.uniformItemSizes() and self.viewMode() == QListView.ViewMode.ListMode:
            QAbstractItemView.dataChanged(self, top_left, bottom_right, roles)
        else:
            super().dataChanged(top_left, bottom_right, roles)


class CaptionItemDelegate(QStyledItemDelegate):
    """Thumbnail, name, caption start, and markers: ● unsaved, a coloured count of findings."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(260, ROW_HEIGHT)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        item: CaptionItem | None = index.data(ItemRole)
        if item is None:
            return
        painter.save()
        style = option.widget.style() if option.widget is not None else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        rect: QRect = option.rect
        thumb_rect = QRect(rect.left() + 4, rect.top() + 4, THUMB_SIZE, THUMB_SIZE)
        thumb = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(thumb, QImage) and not thumb.isNull():
            pix = QPixmap.fromImage(thumb).scaled(
                THUMB_SIZE,
                THUMB_SIZE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
            painter.drawPixmap(thumb_rect.topLeft(), pix)
        else:
            painter.fillRect(thumb_rect, QColor("#d8d8d8"))
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = option.palette.highlightedText().color() if selected else option.palette.text().color()
        left = thumb_rect.right() + 8
        marker_width = 46
        text_rect = QRect(left, rect.top() + 4, rect.right() - left - marker_width, rect.height() - 8)
        name_font = QFont(option.font)
        name_font.setBold(True)
        painter.setFont(name_font)
        painter.setPen(text_colour)
        metrics = painter.fontMetrics()
        painter.drawText(
            text_rect.left(),
            text_rect.top() + metrics.ascent(),
            metrics.elidedText(item.name, Qt.TextElideMode.ElideMiddle, text_rect.width()),
        )
        painter.setFont(option.font)
        metrics = painter.fontMetrics()
        snippet = item.error or item.text.replace("\n", " ⏎ ") or "(no caption)"
        dim = QColor(text_colour)
        dim.setAlpha(170)
        painter.setPen(dim if not item.error else QColor("#c62828"))
        painter.drawText(
            text_rect.left(),
            text_rect.top() + 18 + metrics.ascent(),
            metrics.elidedText(snippet, Qt.TextElideMode.ElideRight, text_rect.width()),
        )
        x = rect.right() - marker_width + 4
        mid = rect.top() + rect.height() // 2
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if item.dirty or item.disk_changed:
            painter.setBrush(QColor("#c62828") if item.disk_changed else QColor("#ef6c00"))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(x, mid - 5, 10, 10)
        worst = item.worst
        if worst is not None:
            colour = {Severity.ERROR: "#d32f2f", Severity.WARNING: "#e0a000"}.get(worst, "#1e88e5")
            badge = QRect(x + 14, mid - 8, 26, 16)
            painter.setBrush(QColor(colour))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(badge, 7, 7)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(min(len(item.findings), 99)))
        painter.restore()
