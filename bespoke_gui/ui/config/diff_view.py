"""Diff of two configs: a key-level table (by table, or flattened as sd-scripts sees it) and a
side-by-side text view with the changed lines highlighted and next/previous change.

The widgets take texts and parsed data (plain values); reading the files is the caller's
business. ``ConfigDiffView`` is used by the tab's Diff page and by the preset preview.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.config.diff import (
    ADDED,
    CHANGED,
    REMOVED,
    TYPE_CHANGED,
    DiffRow,
    KeyChange,
    change_starts,
    diff_flattened,
    diff_grouped,
    format_value,
    line_counts,
    side_by_side,
)
from bespoke_gui.core.config.key_scan import scan_keys
from bespoke_gui.ui.widgets.elided_label import ElidedLabel
from bespoke_gui.ui.widgets.row_table_model import RowTableModel

KIND_COLOURS = {ADDED: "#2e7d32", REMOVED: "#c62828", CHANGED: "#1565c0", TYPE_CHANGED: "#6a1b9a"}
ROW_BACKGROUNDS = {"replace": "#fff3c4", "delete": "#fbd5d5", "insert": "#d4f5d4", "filler": "#eeeeee"}
KIND_LABELS = {ADDED: "added", REMOVED: "removed", CHANGED: "changed", TYPE_CHANGED: "type changed"}


class KeyDiffModel(RowTableModel[KeyChange]):
    HEADERS = ("Key", "Change", "Old", "New", "Table")

    @property
    def changes(self) -> list[KeyChange]:
        return self.rows

    def set_changes(self, changes: list[KeyChange]) -> None:
        self.set_rows(changes)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        change = self.changes[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return change.key
            if column == 1:
                label = KIND_LABELS[change.kind]
                return (
                    f"{label} ({change.old_type} → {change.new_type})"
                    if change.kind == TYPE_CHANGED
                    else label
                )
            if column == 2:
                return "" if change.kind == ADDED else format_value(change.old)
            if column == 3:
                return "" if change.kind == REMOVED else format_value(change.new)
            return change.table
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return QBrush(QColor(KIND_COLOURS[change.kind]))
        if role == Qt.ItemDataRole.UserRole:
            return change
        return None


class DiffTextPane(QPlainTextEdit):
    """One side of the side-by-side view: numbered lines, changed ones tinted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        self.setFont(font)

    def show_rows(self, rows: list[DiffRow], left: bool) -> None:
        width = max(3, len(str(len(rows))))
        lines: list[str] = []
        selections: list[QTextEdit.ExtraSelection] = []
        for row in rows:
            number = row.left_no if left else row.right_no
            text = row.left if left else row.right
            lines.append(f"{number:>{width}} │ {text}" if number is not None else f"{'':>{width}} │")
        self.setPlainText("\n".join(lines))
        document = self.document()
        for index, row in enumerate(rows):
            number = row.left_no if left else row.right_no
            if row.tag == "equal":
                continue
            colour = ROW_BACKGROUNDS["filler"] if number is None else ROW_BACKGROUNDS[row.tag]
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(QColor(colour))
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            cursor = QTextCursor(document.findBlockByNumber(index))
            selection.cursor = cursor
            selections.append(selection)
        self.setExtraSelections(selections)

    def go_to_row(self, row: int) -> None:
        block = self.document().findBlockByNumber(row)
        if block.isValid():
            cursor = QTextCursor(block)
            self.setTextCursor(cursor)
            self.centerCursor()


class ConfigDiffView(QWidget):
    """Key diff table above a side-by-side text diff, with a flattened toggle and change navigation."""

    key_activated = Signal(str)  # a key path of the left-hand file

    def __init__(self, parent: QWidget | None = None, show_flat_toggle: bool = True) -> None:
        super().__init__(parent)
        self.left_text = ""
        self.right_text = ""
        self.left_data: dict[str, Any] = {}
        self.right_data: dict[str, Any] = {}
        self.rows: list[DiffRow] = []
        self.starts: list[int] = []
        self.current_change = -1
        self._left_lines: dict[str, int] = {}
        self._right_lines: dict[str, int] = {}

        self.summary = QLabel("Nothing to compare yet")
        self.summary.setWordWrap(True)  # a narrow window wraps it rather than cutting it off
        self.flat_toggle = QCheckBox("Flattened (what sd-scripts sees)")
        self.flat_toggle.setToolTip(
            "sd-scripts merges all sections of a --config_file; a later duplicate wins"
        )
        self.flat_toggle.setVisible(show_flat_toggle)
        self.flat_toggle.toggled.connect(self._refresh_keys)
        self.model = KeyDiffModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.clicked.connect(self._key_clicked)
        self.prev_button = QPushButton("◀ Previous change")
        self.next_button = QPushButton("Next change ▶")
        self.prev_button.clicked.connect(self.previous_change)
        self.next_button.clicked.connect(self.next_change)
        self.position_label = QLabel("")
        self.left_title = ElidedLabel("")
        self.right_title = ElidedLabel("")
        self.left_pane = DiffTextPane()
        self.right_pane = DiffTextPane()
        # Scroll both panes together: they show the same rows.
        self.left_pane.verticalScrollBar().valueChanged.connect(self.right_pane.verticalScrollBar().setValue)
        self.right_pane.verticalScrollBar().valueChanged.connect(self.left_pane.verticalScrollBar().setValue)
        self.left_pane.horizontalScrollBar().valueChanged.connect(
            self.right_pane.horizontalScrollBar().setValue
        )
        self.right_pane.horizontalScrollBar().valueChanged.connect(
            self.left_pane.horizontalScrollBar().setValue
        )

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.flat_toggle)
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)
        nav.addWidget(self.position_label, 1)
        left_box = QVBoxLayout()
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(self.left_title)
        left_box.addWidget(self.left_pane)
        right_box = QVBoxLayout()
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.right_title)
        right_box.addWidget(self.right_pane)
        left_widget, right_widget = QWidget(), QWidget()
        left_widget.setLayout(left_box)
        right_widget.setLayout(right_box)
        text_split = QSplitter(Qt.Orientation.Horizontal)
        text_split.addWidget(left_widget)
        text_split.addWidget(right_widget)
        text_widget = QWidget()
        text_layout = QVBoxLayout(text_widget)
        text_layout.setContentsMargins(0, 0, 0, 0)
        text_layout.addLayout(nav)
        text_layout.addWidget(text_split, 1)
        outer = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(self.table)
        outer.addWidget(text_widget)
        outer.setStretchFactor(0, 1)
        outer.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(outer, 1)
        self._update_nav()

    # --- content -------------------------------------------------------------------
    def set_texts(
        self,
        left_title: str,
        left_text: str,
        left_data: dict[str, Any],
        right_title: str,
        right_text: str,
        right_data: dict[str, Any],
    ) -> None:
        self.left_text, self.right_text = left_text, right_text
        self.left_data, self.right_data = left_data, right_data
        self.left_title.setText(left_title)
        self.right_title.setText(right_title)
        self._left_lines = scan_keys(left_text).lines
        self._right_lines = scan_keys(right_text).lines
        self.rows = side_by_side(left_text, right_text)
        self.starts = change_starts(self.rows)
        self.left_pane.show_rows(self.rows, left=True)
        self.right_pane.show_rows(self.rows, left=False)
        self.current_change = -1
        self._refresh_keys()
        self._update_nav()

    def clear(self, message: str = "Nothing to compare yet") -> None:
        self.set_texts("", "", {}, "", "", {})
        self.summary.setText(message)

    def _refresh_keys(self) -> None:
        differ = diff_flattened if self.flat_toggle.isChecked() else diff_grouped
        changes = differ(self.left_data, self.right_data) if (self.left_data or self.right_data) else []
        self.model.set_changes(changes)
        inserted, deleted = line_counts(self.left_text, self.right_text)
        view = "keys sd-scripts sees" if self.flat_toggle.isChecked() else "keys by table"
        self.summary.setText(
            f"{len(changes)} key difference{'s' if len(changes) != 1 else ''} ({view}) · "
            f"text: {inserted} lines added, {deleted} removed"
        )

    # --- navigation ------------------------------------------------------------------
    def _update_nav(self) -> None:
        total = len(self.starts)
        self.prev_button.setEnabled(total > 0 and self.current_change > 0)
        self.next_button.setEnabled(total > 0 and self.current_change < total - 1)
        self.position_label.setText(
            f"change {self.current_change + 1} of {total}"
            if self.current_change >= 0
            else (f"{total} changed blocks" if total else "no text changes")
        )

    def go_to_change(self, number: int) -> None:
        if not self.starts:
            return
        self.current_change = max(0, min(number, len(self.starts) - 1))
        row = self.starts[self.current_change]
        self.left_pane.go_to_row(row)
        self.right_pane.go_to_row(row)
        self._update_nav()

    def next_change(self) -> None:
        self.go_to_change(self.current_change + 1)

    def previous_change(self) -> None:
        self.go_to_change(self.current_change - 1)

    def current_row(self) -> int:
        return self.left_pane.textCursor().blockNumber()

    def _row_for_line(self, line: int, left: bool) -> int:
        for index, row in enumerate(self.rows):
            if (row.left_no if left else row.right_no) == line:
                return index
        return -1

    def _key_clicked(self, index: QModelIndex) -> None:
        change: KeyChange = index.siblingAtColumn(0).data(Qt.ItemDataRole.UserRole)
        if change is None:
            return
        key = change.key
        if self.flat_toggle.isChecked() and change.table and "->" not in change.table:
            key = f"{change.table}.{change.key}"
        line, left = self._left_lines.get(key), True
        if line is None:
            line, left = self._right_lines.get(key), False
        if line is not None:
            row = self._row_for_line(line, left)
            if row >= 0:
                self.left_pane.go_to_row(row)
                self.right_pane.go_to_row(row)
        self.key_activated.emit(key)
