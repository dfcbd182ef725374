"""A nearest-neighbour pixel view: pixel art shown as crisp blocks, never smoothed.

It shows an HxWx3 or HxWx4 uint8 array scaled to fit (whole-number zoom when there is
room for it, so every source pixel is the same size on screen), with an optional pixel
grid, an RGBA overlay (a heatmap) at a chosen opacity, and a highlight mask that dims
everything else. ``hovered(x, y)`` reports the source pixel under the mouse.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


def array_to_qimage(pixels: np.ndarray) -> QImage:
    """Copy an HxWx3/4 (or HxW grey) uint8 array into a QImage that owns its memory."""
    arr = np.ascontiguousarray(pixels)
    if arr.ndim == 2:
        arr = np.ascontiguousarray(np.repeat(arr[:, :, None], 3, axis=2))
    height, width, channels = arr.shape
    if arr.dtype != np.uint8:
        raise ValueError("pixel arrays must be uint8")
    fmt = QImage.Format.Format_RGBA8888 if channels == 4 else QImage.Format.Format_RGB888
    image = QImage(arr.data, width, height, width * channels, fmt)
    return image.copy()  # detach from the NumPy buffer


class PixelView(QWidget):
    hovered = Signal(int, int)  # source pixel, or (-1, -1) when the mouse leaves
    clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixels: np.ndarray | None = None
        self._image: QImage | None = None
        self._overlay: QImage | None = None
        self._overlay_opacity = 0.6
        self._highlight: QImage | None = None
        self._grid_visible = False
        self._integer_zoom = True
        self._last_hover = (-1, -1)
        self.setMouseTracking(True)
        self.setMinimumSize(48, 48)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # --- data -------------------------------------------------------------------------
    def set_pixels(self, pixels: np.ndarray | None) -> None:
        self._pixels = None if pixels is None else np.asarray(pixels)
        self._image = None if pixels is None else array_to_qimage(self._pixels)
        self._overlay = None
        self._highlight = None
        self.update()

    def pixels(self) -> np.ndarray | None:
        return self._pixels

    def set_grid_visible(self, visible: bool) -> None:
        self._grid_visible = visible
        self.update()

    def set_integer_zoom(self, integer: bool) -> None:
        self._integer_zoom = integer
        self.update()

    def set_overlay(self, rgba: np.ndarray | None, opacity: float = 0.6) -> None:
        self._overlay = None if rgba is None else array_to_qimage(rgba)
        self._overlay_opacity = float(opacity)
        self.update()

    def set_highlight(self, mask: np.ndarray | None) -> None:
        """Dim every pixel where ``mask`` is False; None clears the highlight."""
        if mask is None or not np.any(mask):
            self._highlight = None
        else:
            shade = np.zeros(mask.shape + (4,), dtype=np.uint8)
            shade[~mask] = (20, 20, 20, 190)
            self._highlight = array_to_qimage(shade)
        self.update()

    # --- geometry ---------------------------------------------------------------------
    def image_rect(self) -> QRectF:
        if self._image is None:
            return QRectF()
        w, h = self._image.width(), self._image.height()
        scale = min(self.width() / w, self.height() / h)
        if self._integer_zoom and scale >= 1:
            scale = float(int(scale))
        draw_w, draw_h = w * scale, h * scale
        return QRectF((self.width() - draw_w) / 2, (self.height() - draw_h) / 2, draw_w, draw_h)

    def pixel_at(self, pos: QPointF) -> tuple[int, int]:
        rect = self.image_rect()
        if self._image is None or not rect.contains(pos):
            return (-1, -1)
        x = int((pos.x() - rect.left()) * self._image.width() / rect.width())
        y = int((pos.y() - rect.top()) * self._image.height() / rect.height())
        return (min(x, self._image.width() - 1), min(y, self._image.height() - 1))

    def sizeHint(self) -> QSize:
        return QSize(288, 288)

    # --- painting and mouse -----------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        if self._image is None:
            painter.end()
            return
        rect = self.image_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(rect, self._image)
        if self._overlay is not None and self._overlay_opacity > 0:
            painter.setOpacity(self._overlay_opacity)
            painter.drawImage(rect, self._overlay)
            painter.setOpacity(1.0)
        if self._highlight is not None:
            painter.drawImage(rect, self._highlight)
        if self._grid_visible:
            self._paint_grid(painter, rect)
        painter.end()

    def _paint_grid(self, painter: QPainter, rect: QRectF) -> None:
        assert self._image is not None
        cols, rows = self._image.width(), self._image.height()
        if rect.width() / cols < 4:
            return  # a grid finer than 4 px hides the pixels it should show
        painter.setPen(QPen(QColor(128, 128, 128, 110), 1))
        for c in range(cols + 1):
            x = rect.left() + c * rect.width() / cols
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        for r in range(rows + 1):
            y = rect.top() + r * rect.height() / rows
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self.pixel_at(event.position())
        if hit != self._last_hover:
            self._last_hover = hit
            self.hovered.emit(*hit)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            hit = self.pixel_at(event.position())
            if hit != (-1, -1):
                self.clicked.emit(*hit)
        super().mousePressEvent(event)

    def leaveEvent(self, event: object) -> None:
        if self._last_hover != (-1, -1):
            self._last_hover = (-1, -1)
            self.hovered.emit(-1, -1)
        super().leaveEvent(event)
