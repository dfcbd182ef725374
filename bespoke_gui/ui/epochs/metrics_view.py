"""Per-epoch metrics: a table model with pass/fail against the targets, and a small chart.

``EpochTableModel.set_summaries(summaries, targets)`` shows the engine's
``EpochSummary`` list (its checks give pass/acceptable/fail, ``best_epochs`` the best of
each run); ``set_chosen`` marks the epochs picked for production. ``EpochChart`` paints the average unique colours per epoch (one line per run) with the
target and minimum lines.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from bespoke_gui.core.epochs import metrics
from bespoke_gui.core.epochs.definitions import definition
from bespoke_gui.core.epochs.grid_data import column_label
from bespoke_gui.core.epochs.metrics import EpochSummary, Targets, best_epochs
from bespoke_gui.core.epochs.state import SummaryKey
from bespoke_gui.ui.widgets.row_table_model import RowTableModel

PASS, ACCEPTABLE, FAIL, NOT_MEASURED = metrics.PASS, metrics.ACCEPTABLE, metrics.FAIL, metrics.NOT_MEASURED
VERDICT_COLOURS = {
    PASS: QColor(46, 160, 67),
    ACCEPTABLE: QColor(210, 150, 20),
    FAIL: QColor(200, 50, 50),
    NOT_MEASURED: QColor(128, 128, 128),
}
RUN_COLOURS = [QColor(40, 110, 200), QColor(200, 90, 30), QColor(120, 60, 170), QColor(30, 150, 130)]
CHECK_NAMES = ("unique colours", "background colours", "messy share")


def summary_key(summary: EpochSummary) -> SummaryKey:
    return (summary.run, summary.column)


def check_status(summary: EpochSummary, name: str) -> str:
    for check in summary.checks:
        if check.name == name:
            return check.status
    return NOT_MEASURED


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


STATUS_SYMBOLS = {PASS: "✓", ACCEPTABLE: "~", FAIL: "✗", NOT_MEASURED: ""}


def overall_status(summary: EpochSummary) -> str:
    """Pass when every check passes, fail when any fails, acceptable otherwise."""
    statuses = [c.status for c in summary.checks]
    if not statuses or all(s == NOT_MEASURED for s in statuses):
        return NOT_MEASURED
    if any(s == FAIL for s in statuses):
        return FAIL
    if all(s in (PASS, NOT_MEASURED) for s in statuses):
        return PASS
    return ACCEPTABLE


class EpochTableModel(RowTableModel[EpochSummary]):
    """One row per (run, epoch) summary; each checked value coloured pass/acceptable/fail."""

    HEADERS = COLUMNS = (
        "Run",
        "Epoch",
        "Images",
        "Unique colours",
        "Background colours",
        "Messy",
        "Palette",
        "Strays",
        "Verdict",
        "Mark",
    )
    # What each column shows, by its key in core.epochs.definitions (the tooltips say it).
    COLUMN_DEFINITIONS = (
        "run",
        "epoch",
        "images",
        "unique_colours",
        "background_colours",
        "messy",
        "palette",
        "strays",
        "verdict",
        "mark",
    )
    CHECK_COLUMNS = {3: CHECK_NAMES[0], 4: CHECK_NAMES[1], 5: CHECK_NAMES[2]}
    VERDICT_COLUMN = 8
    MARK_COLUMN = 9
    STATUS_ROLE = Qt.ItemDataRole.UserRole + 1  # "pass", "acceptable", "fail" or "n/a"

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._targets = Targets()
        self._errors: dict[SummaryKey, int] = {}
        self._best: set[SummaryKey] = set()
        self._chosen: set[SummaryKey] = set()

    # --- data -------------------------------------------------------------------------
    def set_summaries(
        self, summaries: list[EpochSummary], targets: Targets, errors: dict[SummaryKey, int] | None = None
    ) -> None:
        self.beginResetModel()
        self.rows = list(summaries)
        self._targets = targets
        if errors is not None:
            self._errors = dict(errors)
        self._best = {summary_key(s) for s in best_epochs(self.rows).values()}
        self.endResetModel()

    def set_chosen(self, chosen: set[SummaryKey]) -> None:
        self._chosen = set(chosen)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.COLUMNS) - 1))

    def summaries(self) -> list[EpochSummary]:
        return list(self.rows)

    def summary_at(self, row: int) -> EpochSummary | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, key: SummaryKey) -> int:
        for i, s in enumerate(self.rows):
            if summary_key(s) == key:
                return i
        return -1

    def targets(self) -> Targets:
        return self._targets

    def best_keys(self) -> set[SummaryKey]:
        return set(self._best)

    def chosen_keys(self) -> set[SummaryKey]:
        return set(self._chosen)

    def mark_text(self, summary: EpochSummary) -> str:
        key = summary_key(summary)
        marks = []
        if key in self._best:
            marks.append("★ best")
        if key in self._chosen:
            marks.append("✓ chosen")
        return "  ".join(marks)

    def _limits(self, column: int) -> tuple[float, float, str]:
        t = self._targets
        if column == 3:
            return t.unique_colors_target, t.unique_colors_minimum, ""
        if column == 4:
            return t.background_colours_target, t.background_colours_minimum, ""
        return t.messy_share_target * 100, t.messy_share_minimum * 100, "%"

    def status(self, row: int, column: int) -> str:
        summary = self.rows[row]
        if column in self.CHECK_COLUMNS:
            return check_status(summary, self.CHECK_COLUMNS[column])
        if column == self.VERDICT_COLUMN:
            return overall_status(summary)
        return NOT_MEASURED

    # --- Qt model ---------------------------------------------------------------------
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section in self.CHECK_COLUMNS:
                target, _minimum, unit = self._limits(section)
                name = {3: "Unique", 4: "Background", 5: "Messy"}[section]
                return f"{name} < {target:g}{unit}"
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            text = definition(self.COLUMN_DEFINITIONS[section]).text
            if section in self.CHECK_COLUMNS:
                target, minimum, unit = self._limits(section)
                text += f" Now: pass below {target:g}{unit}, acceptable below {minimum:g}{unit}, else fail."
            # A plain-text tooltip is one line however long: wrap it to a readable width.
            return textwrap.fill(text, 80)
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        summary = self.rows[index.row()]
        key = summary_key(summary)
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return summary.run
            if column == 1:
                return summary.label
            if column == 2:
                errors = self._errors.get(key, 0)
                return f"{summary.images}" + (f" (+{errors} bad)" if errors else "")
            if column in self.CHECK_COLUMNS:
                value = {
                    3: _fmt(summary.avg_unique_colors),
                    4: _fmt(summary.avg_background_colours),
                    5: f"{summary.messy_share * 100:.0f}%",
                }[column]
                symbol = STATUS_SYMBOLS[self.status(index.row(), column)]
                return f"{value} {symbol}".strip()
            if column == 6:
                return _fmt(summary.avg_palette_size)
            if column == 7:
                return _fmt(summary.avg_stray_pixels)
            if column == self.VERDICT_COLUMN:
                return overall_status(summary)
            return self.mark_text(summary)
        if role == self.STATUS_ROLE:
            return self.status(index.row(), column)
        if role == Qt.ItemDataRole.BackgroundRole and (
            column in self.CHECK_COLUMNS or column == self.VERDICT_COLUMN
        ):
            colour = QColor(VERDICT_COLOURS[self.status(index.row(), column)])
            colour.setAlpha(110)
            return QBrush(colour)
        if role == Qt.ItemDataRole.ToolTipRole and column in self.CHECK_COLUMNS:
            target, minimum, unit = self._limits(column)
            return f"{self.status(index.row(), column)}: target below {target:g}{unit}, minimum below {minimum:g}{unit}"
        if role == Qt.ItemDataRole.FontRole and (key in self._best or key in self._chosen):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and 2 <= column <= 7:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return summary
        return None


class EpochChart(QWidget):
    """Average unique colours per epoch, one line per run, with the target lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._targets = Targets()
        self._best: set[SummaryKey] = set()
        self._chosen: set[SummaryKey] = set()
        self.setMinimumSize(260, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_summaries(
        self,
        summaries: list[EpochSummary],
        targets: Targets,
        best: set[SummaryKey] | None = None,
        chosen: set[SummaryKey] | None = None,
    ) -> None:
        self.rows = [s for s in summaries if s.images > 0]
        self._targets = targets
        self._best = set(best or ())
        self._chosen = set(chosen or ())
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 220)

    def x_labels(self) -> list[tuple[str, tuple[str, int | None]]]:
        """One x position per distinct column across runs: epochs, then steps, then unknown."""
        order = {"epoch": 0, "step": 1}
        columns = sorted(
            {s.column for s in self.rows},
            key=lambda c: (order.get(c[0], 2), c[1] if c[1] is not None else -1),
        )
        return [(column_label(c), c) for c in columns]

    def shown_x_labels(self) -> list[int]:
        """Indices of the x labels drawn: every one where they fit, else every n-th (and the
        last), so that 40 epochs do not print as "e1e2e3e4…" run together."""
        labels = self.x_labels()
        if len(labels) < 2:
            return list(range(len(labels)))
        metrics = QFontMetrics(self.font())
        widest = max(metrics.horizontalAdvance(text) for text, _column in labels) + metrics.horizontalAdvance(
            "  "
        )
        spacing = self.plot_rect().width() / (len(labels) - 1)
        stride = max(1, math.ceil(widest / spacing))
        shown = list(range(0, len(labels), stride))
        if shown[-1] != len(labels) - 1:
            if len(shown) > 1:
                shown[-1] = len(labels) - 1  # the newest epoch is the one to read
            else:
                shown.append(len(labels) - 1)
        return shown

    def value_range(self) -> tuple[float, float]:
        values = [s.avg_unique_colors for s in self.rows]
        values += [self._targets.unique_colors_target, self._targets.unique_colors_minimum]
        low, high = min(values), max(values)
        pad = max(10.0, (high - low) * 0.12)
        return max(0.0, low - pad), high + pad

    def plot_rect(self) -> QRectF:
        metrics = QFontMetrics(self.font())
        left = metrics.horizontalAdvance("0000") + 12
        return QRectF(
            left, 22, max(10, self.width() - left - 16), max(10, self.height() - 22 - metrics.height() - 12)
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        painter.setPen(palette.text().color())
        painter.drawText(
            QRectF(6, 2, self.width() - 12, 18), Qt.AlignmentFlag.AlignLeft, "Avg unique colours per epoch"
        )
        labels = self.x_labels()
        if not labels:
            painter.setPen(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No analysed epochs yet")
            painter.end()
            return
        plot = self.plot_rect()
        low, high = self.value_range()

        def y_of(value: float) -> float:
            return plot.bottom() - (value - low) / (high - low) * plot.height()

        def x_of(i: int) -> float:
            if len(labels) == 1:
                return plot.center().x()
            return plot.left() + i * plot.width() / (len(labels) - 1)

        painter.setPen(QPen(palette.mid().color(), 1))
        painter.drawRect(plot)
        # Axis ticks: a few round numbers.
        step = _nice_step((high - low) / 4)
        tick = math.ceil(low / step) * step
        metrics = QFontMetrics(self.font())
        while tick <= high:
            y = y_of(tick)
            painter.setPen(QPen(palette.mid().color(), 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(palette.text().color())
            painter.drawText(QRectF(0, y - 8, plot.left() - 4, 16), Qt.AlignmentFlag.AlignRight, f"{tick:g}")
            tick += step
        # Target lines.
        label_h = metrics.height()
        for value, verdict_name, name, above in (
            (self._targets.unique_colors_target, PASS, "target", False),
            (self._targets.unique_colors_minimum, FAIL, "minimum", True),
        ):
            y = y_of(value)
            painter.setPen(QPen(VERDICT_COLOURS[verdict_name], 1.5, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            # Labelled at the left (the latest epochs, on the right, tend to sit near the
            # targets), the minimum above its line and the target below, so they never collide.
            top = y - label_h - 1 if above else y + 1
            painter.drawText(
                QRectF(plot.left() + 4, top, 160, label_h), Qt.AlignmentFlag.AlignLeft, f"{name} {value:g}"
            )
        # X labels.
        painter.setPen(palette.text().color())
        for i in self.shown_x_labels():
            text = labels[i][0]
            width = max(60, metrics.horizontalAdvance(text) + 4)  # "step 12000" is not cut
            painter.drawText(
                QRectF(x_of(i) - width / 2, plot.bottom() + 4, width, metrics.height()),
                Qt.AlignmentFlag.AlignHCenter,
                text,
            )
        # One line per run; points coloured by their verdict, best ringed, chosen filled square.
        index_of = {column: i for i, (_t, column) in enumerate(labels)}
        runs = list(dict.fromkeys(s.run for s in self.rows))
        for run_index, run in enumerate(runs):
            colour = RUN_COLOURS[run_index % len(RUN_COLOURS)]
            points = [
                (QPointF(x_of(index_of[s.column]), y_of(s.avg_unique_colors)), s)
                for s in self.rows
                if s.run == run
            ]
            painter.setPen(QPen(colour, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolyline(QPolygonF([p for p, _s in points]))
            for point, summary in points:
                key = summary_key(summary)
                painter.setPen(QPen(colour, 1.5))
                painter.setBrush(VERDICT_COLOURS[check_status(summary, CHECK_NAMES[0])])
                if key in self._chosen:
                    painter.drawRect(QRectF(point.x() - 5, point.y() - 5, 10, 10))
                else:
                    painter.drawEllipse(point, 4.5, 4.5)
                if key in self._best:
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.setPen(QPen(palette.text().color(), 1.5))
                    painter.drawEllipse(point, 8, 8)
            if len(runs) > 1:
                # The legend sits top right: unique colours usually fall as epochs go on.
                painter.setPen(colour)
                painter.drawText(
                    QRectF(plot.right() - 206, plot.top() + 4 + run_index * label_h, 200, label_h),
                    Qt.AlignmentFlag.AlignRight,
                    run,
                )
        painter.end()


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    exponent = math.floor(math.log10(raw))
    base = raw / 10**exponent
    nice = 1 if base < 1.5 else 2 if base < 3.5 else 5 if base < 7.5 else 10
    return nice * 10**exponent
