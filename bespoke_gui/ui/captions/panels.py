"""Small widgets of the Captions tab: the editor (reports the text under the mouse), the lint
findings table with one-click fixes, the palette strip and the keyword legend."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSizePolicy, QWidget

from bespoke_gui.core.captions.keywords import HEX_KIND, TRIGGER_KIND, Keywords, rgb_to_hex
from bespoke_gui.core.captions.lint import RULES
from bespoke_gui.core.findings import Finding, Severity
from bespoke_gui.ui.captions.highlighter import SEVERITY_COLOURS, contrast_text


class CaptionEditor(QPlainTextEdit):
    """A plain-text editor that reports the character position under the mouse (-1 when away)."""

    hovered_position = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        # Tab and Shift+Tab move between controls as in a form: a TAB in a caption is a mistake.
        self.setTabChangesFocus(True)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF(), 10.0) * 1.15)
        self.setFont(font)
        self._last = -1
        self._cut_position: int | None = None

    def set_cut_position(self, position: int | None) -> None:
        """Draw a red bar where the token window ends (None: the caption fits)."""
        if position != self._cut_position:
            self._cut_position = position
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._cut_position is None:
            return
        cursor = self.textCursor()
        cursor.setPosition(min(self._cut_position, self.document().characterCount() - 1))
        rect = self.cursorRect(cursor)
        painter = QPainter(self.viewport())
        painter.setPen(QPen(QColor("#d32f2f"), 2))
        painter.drawLine(rect.left(), rect.top() - 1, rect.left(), rect.bottom() + 1)
        painter.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        cursor = self.cursorForPosition(event.position().toPoint())
        rect = self.cursorRect(cursor)
        # cursorForPosition snaps to the nearest character even far to the right of a line.
        position = (
            cursor.position()
            if abs(rect.center().x() - event.position().x()) < 2 * max(rect.height(), 8)
            else -1
        )
        if position != self._last:
            self._last = position
            self.hovered_position.emit(position)

    def leaveEvent(self, event: object) -> None:
        super().leaveEvent(event)
        if self._last != -1:
            self._last = -1
            self.hovered_position.emit(-1)


ENCODING_RULES = ("not-utf8", "utf8-bom")


def fix_label(finding: Finding) -> str:
    """What clicking the fix column does: the lint's text fix, or re-saving as plain UTF-8."""
    if finding.fix is not None:
        return finding.fix.label
    if finding.rule in ENCODING_RULES:
        return "save as UTF-8"
    return ""


class LintFindingsModel(QAbstractTableModel):
    """Lint findings of the open caption: severity, rule, message and the fix (click to apply)."""

    HEADERS = ("", "rule", "finding", "fix")
    FIX_COLUMN = 3

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.findings: list[Finding] = []

    def set_findings(self, findings: list[Finding], reset: bool = False) -> None:
        """Update only the rows that changed, adding or removing rows at the end when the number
        differs: a keystroke moves every span, and a reset would re-lay out the whole table
        (a comma typed adds an "empty phrase" finding, the next letter takes it away).
        ``reset``: another caption's findings, not an edit's: the table starts afresh."""
        if findings == self.findings and not reset:
            return
        old, new = self.findings, list(findings)
        if reset or not old or not new:
            self.beginResetModel()
            self.findings = new
            self.endResetModel()
            return
        if len(new) < len(old):
            self.beginRemoveRows(QModelIndex(), len(new), len(old) - 1)
            self.findings = old[: len(new)]
            self.endRemoveRows()
        elif len(new) > len(old):
            self.beginInsertRows(QModelIndex(), len(old), len(new) - 1)
            self.findings = old + new[len(old) :]
            self.endInsertRows()
        self.findings = new
        for row, (before, after) in enumerate(zip(old, new)):
            if (before.rule, before.severity, before.message, before.fix is None) != (
                after.rule,
                after.severity,
                after.message,
                after.fix is None,
            ):
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.findings)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        finding = self.findings[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return {Severity.ERROR: "✖", Severity.WARNING: "▲"}.get(finding.severity, "ℹ")
            if column == 1:
                return finding.rule
            if column == 2:
                return finding.message
            if column == 3:
                label = fix_label(finding)
                return f"Fix: {label}" if label else ""
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 0:
                return QColor(SEVERITY_COLOURS.get(finding.severity, "#888888"))
            if column == 3 and fix_label(finding):
                return QColor("#1565c0")
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{finding.severity} · {finding.rule} ({RULES.get(finding.rule, '')})\n{finding.message}"
            if fix_label(finding):
                tip += f"\n\nClick the fix column to apply: {fix_label(finding)}"
            return tip
        if role == Qt.ItemDataRole.FontRole and column == 3 and fix_label(finding):
            font = QFont()
            font.setUnderline(True)
            return font
        return None


class PaletteStrip(QWidget):
    """The image's colours as swatches, commonest first; hovering one reports it."""

    hovered = Signal(str)  # "#rrggbb", or "" when leaving

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colours: list[str] = []
        self._marked: set[str] = set()
        self._last = ""
        self.setMouseTracking(True)
        self.setMinimumHeight(22)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_palette(self, colours: list[tuple[int, int, int]]) -> None:
        self._colours = [rgb_to_hex(c) for c in colours]
        self.updateGeometry()
        self.update()

    def set_marked(self, codes: set[str]) -> None:
        """Swatches the caption names get a frame (repainted only when they change)."""
        if codes == self._marked:
            return
        self._marked = codes
        self.update()

    @property
    def colours(self) -> list[str]:
        return list(self._colours)

    def _cell(self) -> int:
        return 18

    def _per_row(self) -> int:
        return max(1, self.width() // self._cell())

    def heightForWidth(self, width: int) -> int:
        per_row = max(1, width // self._cell())
        rows = max(1, -(-len(self._colours) // per_row))
        return rows * self._cell() + 2

    def hasHeightForWidth(self) -> bool:
        return True

    def sizeHint(self) -> QSize:
        return QSize(288, self.heightForWidth(288))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        cell = self._cell()
        per_row = self._per_row()
        for i, code in enumerate(self._colours):
            rect = QRect((i % per_row) * cell + 1, (i // per_row) * cell + 1, cell - 2, cell - 2)
            painter.fillRect(rect, QColor(code))
            if code in self._marked:
                painter.setPen(contrast_text(QColor(code)))
                painter.drawRect(rect.adjusted(2, 2, -3, -3))
        painter.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self._cell()
        col, row = int(event.position().x()) // cell, int(event.position().y()) // cell
        index = row * self._per_row() + col
        code = self._colours[index] if 0 <= col < self._per_row() and 0 <= index < len(self._colours) else ""
        if code != self._last:
            self._last = code
            self.setToolTip(code)
            self.hovered.emit(code)

    def leaveEvent(self, event: object) -> None:
        if self._last:
            self._last = ""
            self.hovered.emit("")


def legend_html(keywords: Keywords) -> str:
    """One coloured label per kind (hex codes shown as a swatch)."""
    parts = []
    for kind in keywords.kinds.values():
        label = escape(kind.label)
        if kind.name == HEX_KIND:
            parts.append(f'<span style="background:#c06148;color:#ffffff">&nbsp;#hex&nbsp;</span> {label}')
        elif kind.name == TRIGGER_KIND:
            parts.append(
                f'<span style="background:{QColor(kind.colour).lighter(185).name()}"><b>{label}</b></span>'
            )
        else:
            weight = "font-weight:600;" if kind.feature else ""
            parts.append(f'<span style="color:{kind.colour};{weight}">{label}</span>')
    parts.append('<span style="background:#f3d6d6;text-decoration:line-through">past the token cut</span>')
    return " &nbsp;·&nbsp; ".join(parts)


class LegendLabel(QLabel):
    def __init__(self, keywords: Keywords, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.set_keywords(keywords)

    def set_keywords(self, keywords: Keywords) -> None:
        self.setText(legend_html(keywords))
