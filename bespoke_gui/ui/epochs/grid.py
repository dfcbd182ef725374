"""The epoch grid: prompts down, epochs across, every sample's recovered art side by side.

One widget paints every cell itself (QPainter.drawImage of cached 24x24 QImages with
smooth transform off), which keeps a 8x7 grid well inside a frame's budget; a widget
per cell would cost layout and paint overhead per cell. Zoom and pan are shared: every
cell shows the same region of its art, so the same pixel can be compared across epochs.

- ``set_data(GridData)``; ``set_grid_visible``; ``set_heatmap_visible``;
  ``set_heatmap_opacity``; ``set_zoom`` (1 = whole art, ctrl+wheel zooms about the
  mouse); drag pans; ``set_pixel_size`` (screen px per art pixel at zoom 1).
- ``hover_changed(str)``: coordinate, hex colour and stray reason of the pixel under
  the mouse ("" when none); ``cell_clicked(column, row)``.
- ``cell_at(point)``, ``hover_text_at(point)`` and ``cell_rect(column, row)`` for tests.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from bespoke_gui.core.epochs.grid_data import GridCell, GridData, heatmap_rgba
from bespoke_gui.ui.epochs.grid_paint import grid_lines_image, paint_error_cell, wrapped_label
from bespoke_gui.ui.widgets.pixel_view import array_to_qimage

MIN_ZOOM = 1.0
MAX_ZOOM = 8.0
CELL_GAP = 8
RUN_GAP = 20
MARGIN = 6
_DRAG_THRESHOLD = 4


class EpochGridWidget(QAbstractScrollArea):
    hover_changed = Signal(str)
    cell_clicked = Signal(int, int)  # column, row
    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data = GridData()
        self._images: dict[tuple[int, int], QImage] = {}
        self._overlays: dict[tuple[int, int], QImage] = {}
        self._cells_n = 24
        self._pixel_size = 5
        self._zoom = 1.0
        self._pan = QPointF(0.0, 0.0)  # art-pixel coordinate at the top-left of every cell
        self._grid_visible = False
        self._heatmap_visible = True
        self._heatmap_opacity = 0.7
        self._column_marks: dict[int, str] = {}
        self._selected: tuple[int, int] | None = None
        self._press: QPoint | None = None
        self._press_pan = QPointF()
        self._dragging = False
        self._hover_text = ""
        self._col_x: list[int] = []
        self._row_y: list[int] = []
        self._caption_cache: dict[tuple[str, int], str] = {}
        self._grid_cache: tuple[tuple, QImage] | None = None
        self.viewport().setMouseTracking(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._header_font = QFont(self.font())
        self._header_font.setBold(True)
        self._small_font = QFont(self.font())
        self._small_font.setPointSizeF(max(6.0, self.font().pointSizeF() * 0.85))
        self._layout()

    # --- data ---------------------------------------------------------------------------
    def set_data(self, data: GridData) -> None:
        self._data = data
        self._images.clear()
        self._overlays.clear()
        self._selected = None
        sizes = [c.pixels.shape[1] for c in data.cells.values() if c.ok and c.pixels is not None]
        self._cells_n = max(sizes) if sizes else 24
        # Converted once to the formats the raster engine draws without converting again
        # (RGB888 / non-premultiplied RGBA would be converted on every paint).
        for key, cell in data.cells.items():
            if cell.ok and cell.pixels is not None:
                self._images[key] = array_to_qimage(cell.pixels).convertToFormat(QImage.Format.Format_RGB32)
                if cell.stray_score is not None:
                    rgba = (
                        cell.overlay
                        if cell.overlay is not None
                        else heatmap_rgba(cell.stray_score, cell.stray_at)
                    )
                    overlay = array_to_qimage(rgba)
                    self._overlays[key] = overlay.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        self._layout()
        self.viewport().update()

    def data(self) -> GridData:
        return self._data

    def set_column_marks(self, marks: dict[int, str]) -> None:
        """Short text after a column's label, such as "★ best" or "✓ chosen"."""
        self._column_marks = dict(marks)
        self.viewport().update()

    # --- view options -------------------------------------------------------------------
    def set_grid_visible(self, visible: bool) -> None:
        self._grid_visible = visible
        self.viewport().update()

    def set_heatmap_visible(self, visible: bool) -> None:
        self._heatmap_visible = visible
        self.viewport().update()

    def set_heatmap_opacity(self, opacity: float) -> None:
        self._heatmap_opacity = float(min(1.0, max(0.0, opacity)))
        self.viewport().update()

    def set_pixel_size(self, pixels: int) -> None:
        self._pixel_size = max(1, int(pixels))
        self._layout()
        self.viewport().update()

    def pixel_size(self) -> int:
        return self._pixel_size

    def zoom(self) -> float:
        return self._zoom

    def pan(self) -> QPointF:
        return QPointF(self._pan)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom every cell alike; ``anchor`` (art coordinates) stays where it is on screen."""
        zoom = float(min(MAX_ZOOM, max(MIN_ZOOM, zoom)))
        if math.isclose(zoom, self._zoom):
            return
        n = self._cells_n
        if anchor is None:
            anchor = QPointF(self._pan.x() + n / self._zoom / 2, self._pan.y() + n / self._zoom / 2)
        # The anchor's position inside the visible window, as a share of it, is kept.
        fx = (anchor.x() - self._pan.x()) * self._zoom / n
        fy = (anchor.y() - self._pan.y()) * self._zoom / n
        self._zoom = zoom
        self._set_pan(QPointF(anchor.x() - fx * n / zoom, anchor.y() - fy * n / zoom))
        self.zoom_changed.emit(self._zoom)
        self.viewport().update()

    def set_pan(self, x: float, y: float) -> None:
        self._set_pan(QPointF(x, y))
        self.viewport().update()

    def _set_pan(self, pan: QPointF) -> None:
        limit = self._cells_n - self._cells_n / self._zoom
        self._pan = QPointF(min(limit, max(0.0, pan.x())), min(limit, max(0.0, pan.y())))

    # --- geometry -----------------------------------------------------------------------
    def cell_side(self) -> int:
        return self._cells_n * self._pixel_size

    def _caption_height(self) -> int:
        return QFontMetrics(self._small_font).height() + 2

    def _header_height(self) -> int:
        line = QFontMetrics(self._header_font).height() + 4
        return line * (2 if len(self._data.runs) > 1 else 1) + 4

    def _row_header_width(self) -> int:
        metrics = QFontMetrics(self._header_font)
        widest = max((metrics.horizontalAdvance(r.label) for r in self._data.rows), default=40)
        return min(240, widest + 14)

    def _layout(self) -> None:
        """Column and row origins in content coordinates, then the scroll ranges."""
        side = self.cell_side()
        x = self._row_header_width() + MARGIN
        self._col_x = []
        previous_run: str | None = None
        for column in self._data.columns:
            if previous_run is not None and column.run != previous_run:
                x += RUN_GAP
            self._col_x.append(x)
            x += side + CELL_GAP
            previous_run = column.run
        y = self._header_height() + MARGIN
        self._row_y = []
        for _row in self._data.rows:
            self._row_y.append(y)
            y += side + self._caption_height() + CELL_GAP
        self._content = QSize(x + MARGIN, y + MARGIN)
        self._update_scrollbars()

    def _update_scrollbars(self) -> None:
        view = self.viewport().size()
        hbar, vbar = self.horizontalScrollBar(), self.verticalScrollBar()
        hbar.setRange(0, max(0, self._content.width() - view.width()))
        hbar.setPageStep(view.width())
        hbar.setSingleStep(max(8, self.cell_side() // 4))
        vbar.setRange(0, max(0, self._content.height() - view.height()))
        vbar.setPageStep(view.height())
        vbar.setSingleStep(max(8, self.cell_side() // 4))

    def content_size(self) -> QSize:
        return QSize(self._content)

    def sizeHint(self) -> QSize:
        return QSize(min(1200, self._content.width() + 4), min(800, self._content.height() + 4))

    def _scroll(self) -> QPoint:
        return QPoint(self.horizontalScrollBar().value(), self.verticalScrollBar().value())

    def cell_rect(self, column: int, row: int) -> QRect:
        """The cell's art area in viewport coordinates."""
        side = self.cell_side()
        scroll = self._scroll()
        return QRect(self._col_x[column] - scroll.x(), self._row_y[row] - scroll.y(), side, side)

    def cell_at(self, point: QPointF | QPoint) -> tuple[int, int] | None:
        p = QPointF(point)
        for column in range(len(self._col_x)):
            for row in range(len(self._row_y)):
                if QRectF(self.cell_rect(column, row)).contains(p):
                    return column, row
        return None

    def art_pixel_at(self, point: QPointF | QPoint) -> tuple[int, int, int, int] | None:
        """(column, row, x, y) of the art pixel under a viewport point."""
        p = QPointF(point)
        hit = self.cell_at(p)
        if hit is None:
            return None
        rect = self.cell_rect(*hit)
        scale = self._pixel_size * self._zoom
        x = int(self._pan.x() + (p.x() - rect.left()) / scale)
        y = int(self._pan.y() + (p.y() - rect.top()) / scale)
        n = self._cells_n
        return hit[0], hit[1], min(max(x, 0), n - 1), min(max(y, 0), n - 1)

    # --- hover text ---------------------------------------------------------------------
    def describe_pixel(self, column: int, row: int, x: int, y: int) -> str:
        return self._data.describe_pixel(column, row, x, y)

    def hover_text_at(self, point: QPointF | QPoint) -> str:
        hit = self.art_pixel_at(point)
        if hit is not None:
            return self.describe_pixel(*hit)
        p = QPointF(point)
        if 0 <= p.x() < self._row_header_width():
            row = self._row_at_y(p.y())
            if row is not None:
                data_row = self._data.rows[row]
                return data_row.tooltip or data_row.label
        return ""

    def _row_at_y(self, y: float) -> int | None:
        top = y + self._scroll().y()
        for row, row_y in enumerate(self._row_y):
            if row_y <= top < row_y + self.cell_side() + self._caption_height():
                return row
        return None

    # --- painting -----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.base())
        if not self._data.columns:
            painter.setPen(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
            painter.drawText(
                self.viewport().rect(),
                Qt.AlignmentFlag.AlignCenter,
                "Drop sample folders here (an epoch folder, sd-scripts' sample/ folder, or several runs),\n"
                "or use Add samples…",
            )
            painter.end()
            return
        visible = QRect(event.rect())
        for row in range(len(self._row_y)):
            for column in range(len(self._col_x)):
                rect = self.cell_rect(column, row)
                outer = rect.adjusted(-2, -2, 2, 2 + self._caption_height())
                if outer.intersects(visible):
                    self._paint_cell(painter, column, row, rect)
        self._paint_headers(painter)
        painter.end()

    def _paint_cell(self, painter: QPainter, column: int, row: int, rect: QRect) -> None:
        key = (column, row)
        cell = self._data.cells.get(key)
        palette = self.palette()
        if cell is None:
            painter.setPen(QPen(palette.mid().color(), 1, Qt.PenStyle.DashLine))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
            return
        if not cell.ok:
            paint_error_cell(painter, rect, cell.error, self._header_font, self._small_font, self.palette())
        else:
            image = self._images.get(key)
            if image is not None:
                scale = self._pixel_size * self._zoom
                zoomed = not math.isclose(self._zoom, 1.0) or self._pan.x() > 0 or self._pan.y() > 0
                if zoomed:
                    painter.setClipRect(rect)
                target = QRectF(
                    rect.left() - self._pan.x() * scale,
                    rect.top() - self._pan.y() * scale,
                    image.width() * scale,
                    image.height() * scale,
                )
                painter.drawImage(target, image)
                overlay = self._overlays.get(key)
                if self._heatmap_visible and overlay is not None and self._heatmap_opacity > 0:
                    painter.setOpacity(self._heatmap_opacity)
                    painter.drawImage(target, overlay)
                    painter.setOpacity(1.0)
                if self._grid_visible and scale >= 4:
                    painter.drawImage(rect.topLeft(), self._grid_lines(image.width(), image.height(), scale))
                if zoomed:
                    painter.setClipping(False)
        if self._selected == key:
            painter.setPen(QPen(palette.highlight().color(), 3))
            painter.drawRect(rect.adjusted(-2, -2, 1, 1))
        if cell.caption:
            painter.setFont(self._small_font)
            painter.setPen(QColor(200, 40, 40) if cell.flagged else palette.text().color())
            caption_rect = QRect(rect.left(), rect.bottom() + 1, rect.width(), self._caption_height())
            painter.drawText(
                caption_rect,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                self._elided_caption(cell, rect.width()),
            )

    def _wrapped_label(self, label: str, rect: QRect) -> str:
        key = (label, rect.width() * 10000 + rect.height())
        cached = self._caption_cache.get(key)
        if cached is None:
            cached = self._caption_cache[key] = wrapped_label(QFontMetrics(self._header_font), label, rect)
        return cached

    def _elided_caption(self, cell: GridCell, width: int) -> str:
        key = (cell.caption, width)
        text = self._caption_cache.get(key)
        if text is None:
            text = QFontMetrics(self._small_font).elidedText(cell.caption, Qt.TextElideMode.ElideRight, width)
            self._caption_cache[key] = text
        return text

    def _grid_lines(self, cols: int, rows: int, scale: float) -> QImage:
        """The pixel grid for one cell; every cell shares it (one zoom, one pan)."""
        side = self.cell_side()
        key = (side, cols, rows, round(scale, 4), round(self._pan.x(), 4), round(self._pan.y(), 4))
        if self._grid_cache is None or self._grid_cache[0] != key:
            self._grid_cache = (key, grid_lines_image(side, cols, rows, scale, self._pan))
        return self._grid_cache[1]

    def _paint_headers(self, painter: QPainter) -> None:
        palette = self.palette()
        scroll = self._scroll()
        header_h = self._header_height()
        row_w = self._row_header_width()
        side = self.cell_side()
        width = self.viewport().width()
        height = self.viewport().height()
        metrics = QFontMetrics(self._header_font)
        line = metrics.height() + 4
        two_lines = len(self._data.runs) > 1
        # Row headers (they scroll vertically with the rows, stay put horizontally).
        painter.fillRect(QRect(0, 0, row_w, height), palette.window())
        painter.setFont(self._header_font)
        painter.setPen(palette.windowText().color())
        for row, data_row in enumerate(self._data.rows):
            y = self._row_y[row] - scroll.y()
            rect = QRect(4, y, row_w - 8, side)
            # A prompt wraps over the cell's height; what does not fit is cut at the bottom.
            painter.drawText(
                rect,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap,
                self._wrapped_label(data_row.label, rect),
            )
        # Column headers.
        painter.fillRect(QRect(0, 0, width, header_h), palette.window())
        runs_seen: dict[str, tuple[int, int]] = {}
        for column, data_column in enumerate(self._data.columns):
            x = self._col_x[column] - scroll.x()
            label = data_column.label
            mark = self._column_marks.get(column)
            if mark:
                label = f"{label} {mark}"
            top = line if two_lines else 0
            rect = QRect(x, top + 2, side, line)
            painter.setPen(palette.windowText().color())
            painter.drawText(
                rect,
                Qt.AlignmentFlag.AlignCenter,
                metrics.elidedText(label, Qt.TextElideMode.ElideRight, side),
            )
            start, _end = runs_seen.get(data_column.run, (x, x + side))
            runs_seen[data_column.run] = (start, x + side)
        if two_lines:
            for run, (start, end) in runs_seen.items():
                rect = QRect(start, 2, end - start, line - 2)
                painter.setPen(QPen(palette.mid().color(), 1))
                painter.drawLine(rect.left(), rect.bottom(), rect.right(), rect.bottom())
                painter.setPen(palette.windowText().color())
                painter.drawText(
                    rect,
                    Qt.AlignmentFlag.AlignCenter,
                    metrics.elidedText(run, Qt.TextElideMode.ElideMiddle, max(10, end - start)),
                )
        painter.fillRect(QRect(0, 0, row_w, header_h), palette.window())

    # --- events -------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_scrollbars()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            hit = self.art_pixel_at(event.position())
            anchor = None
            if hit is not None:
                rect = self.cell_rect(hit[0], hit[1])
                scale = self._pixel_size * self._zoom
                anchor = QPointF(
                    self._pan.x() + (event.position().x() - rect.left()) / scale,
                    self._pan.y() + (event.position().y() - rect.top()) / scale,
                )
            self.set_zoom(self._zoom * (1.25**steps), anchor)
            event.accept()
            return
        super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self._press_pan = QPointF(self._pan)
            self._dragging = False
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            delta = pos.toPoint() - self._press
            if self._dragging or delta.manhattanLength() > _DRAG_THRESHOLD:
                self._dragging = True
                scale = self._pixel_size * self._zoom
                self.set_pan(self._press_pan.x() - delta.x() / scale, self._press_pan.y() - delta.y() / scale)
        text = self.hover_text_at(pos)
        if text != self._hover_text:
            self._hover_text = text
            self.hover_changed.emit(text)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._press is not None:
            if not self._dragging:
                hit = self.cell_at(event.position())
                if hit is not None and hit in self._data.cells:
                    self._selected = hit
                    self.viewport().update()
                    self.cell_clicked.emit(*hit)
            self._press = None
            self._dragging = False
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # Double-click shows the whole art again.
        self.set_zoom(1.0)
        self.set_pan(0.0, 0.0)
        super().mouseDoubleClickEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = event.pos()
            text = self.hover_text_at(QPointF(pos))
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        if event.type() == QEvent.Type.Leave and self._hover_text:
            self._hover_text = ""
            self.hover_changed.emit("")
        return super().viewportEvent(event)
