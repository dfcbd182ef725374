"""The Dataset tab's view of a scan: the summary, the filter row and the table.

It shows what it is given (rows, details, a ``SummaryText``) and knows nothing of jobs.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.dataset.scan import RowDetails, ScanRow
from bespoke_gui.core.dataset.state import SummaryText
from bespoke_gui.ui.dataset.model import COL_NAME, COL_PROBLEMS, ScanFilterProxy, ScanTableModel


class ScanView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name, size or problem…")
        self.filter_edit.setClearButtonEnabled(True)
        self.problems_only = QCheckBox("Problems only")
        self.shown_label = QLabel("")

        self.model = ScanTableModel(self)
        self.proxy = ScanFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        # Tooltips are made on hover: one per row up front would cost 8 calls a row.
        self.table.viewport().installEventFilter(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(COL_NAME, 260)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.problems_only.toggled.connect(self._problems_only_changed)
        self.proxy.rowsInserted.connect(lambda *_: self._update_shown())
        self.proxy.rowsRemoved.connect(lambda *_: self._update_shown())
        self.proxy.modelReset.connect(self._update_shown)
        self.model.rows_added.connect(lambda: self.proxy.setDynamicSortFilter(True))

        filters = QHBoxLayout()
        filters.addWidget(self.filter_edit, 1)
        filters.addWidget(self.problems_only)
        filters.addWidget(self.shown_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary_label)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            index = self.table.indexAt(event.pos())
            if index.isValid():
                row = self.model.row_at(self.proxy.mapToSource(index).row())
                QToolTip.showText(event.globalPos(), ScanTableModel.tooltip(row), self.table)
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(watched, event)

    def set_rows(self, rows: Sequence[ScanRow]) -> None:
        # Rows arrive in chunks: sorted once when all are in, not re-placed one by one.
        self.proxy.setDynamicSortFilter(False)
        self.model.set_rows(rows)

    def apply_details(self, updates: Sequence[tuple[int, RowDetails]]) -> None:
        self.model.apply_details(updates)

    def selected_row(self) -> ScanRow | None:
        selected = self.table.selectionModel().selectedRows()
        return self.model.row_at(self.proxy.mapToSource(selected[0]).row()) if selected else None

    def show_hint(self, text: str) -> None:
        self.summary_label.setText(text)

    def show_summary(self, text: SummaryText | None) -> None:
        if text is None:
            self.summary_label.setText("")
            return
        parts = [f"<b>{html.escape(text.headline)}</b>"]
        parts += [html.escape(line) for line in text.lines]
        if text.problems:
            parts.append(
                '<span style="color:#b00020;"><b>Needs attention:</b> '
                + html.escape(", ".join(text.problems))
                + "</span> (tick <i>Problems only</i> to list them)"
            )
        else:
            parts.append('<span style="color:#1b7f3b;">No problems found.</span>')
        parts += [html.escape(note) for note in text.notes]
        self.summary_label.setText("<br>".join(parts))
        self._update_shown()

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_shown()

    def _problems_only_changed(self, on: bool) -> None:
        self.proxy.set_problems_only(on)
        if on:
            self.table.sortByColumn(COL_PROBLEMS, Qt.SortOrder.DescendingOrder)
        self._update_shown()

    def _update_shown(self) -> None:
        self.shown_label.setText(f"{self.proxy.rowCount()} of {self.model.rowCount()} shown")
