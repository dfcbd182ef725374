"""Drawing pieces of the epoch grid that need no grid state: fitted labels, grid lines, error cells."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette, QPen


def wrapped_label(metrics: QFontMetrics, label: str, rect: QRect) -> str:
    """The label as it fits in ``rect`` when wrapped, with "…" where it had to be cut."""
    flags = int(Qt.TextFlag.TextWordWrap)

    def fits(text: str) -> bool:
        return metrics.boundingRect(QRect(0, 0, rect.width(), 100000), flags, text).height() <= rect.height()

    text = label
    if not fits(text):
        words = label.split(" ")
        while len(words) > 1:
            words.pop()
            text = " ".join(words) + "…"
            if fits(text):
                break
    return text


def grid_lines_image(side: int, cols: int, rows: int, scale: float, pan: QPointF) -> QImage:
    """The pixel grid over one ``side``-px cell: art pixels ``scale`` px wide, shifted by ``pan``."""
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setPen(QPen(QColor(128, 128, 128, 120), 1))
    left = -pan.x() * scale
    top = -pan.y() * scale
    for c in range(cols + 1):
        x = left + c * scale
        if -1 <= x <= side:
            painter.drawLine(QPointF(x, 0), QPointF(x, side))
    for r in range(rows + 1):
        y = top + r * scale
        if -1 <= y <= side:
            painter.drawLine(QPointF(0, y), QPointF(side, y))
    painter.end()
    return image


def paint_error_cell(
    painter: QPainter,
    rect: QRect,
    error: str | None,
    header_font: QFont,
    small_font: QFont,
    palette: QPalette,
) -> None:
    """A sample that could not be read: a red cross over its message."""
    painter.fillRect(rect, QColor(120, 30, 30, 60))
    painter.setPen(QPen(QColor(200, 40, 40), 2))
    painter.drawRect(rect.adjusted(1, 1, -1, -1))
    mark_font = QFont(header_font)
    mark_font.setPointSizeF(mark_font.pointSizeF() * 2)
    painter.setFont(mark_font)
    top = rect.adjusted(0, 4, 0, -rect.height() // 2)
    painter.drawText(top, Qt.AlignmentFlag.AlignCenter, "✕")
    painter.setFont(small_font)
    painter.setPen(palette.text().color())
    bottom = rect.adjusted(4, rect.height() // 2, -4, -4)
    painter.drawText(
        bottom,
        Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
        error or "not analysed",
    )
