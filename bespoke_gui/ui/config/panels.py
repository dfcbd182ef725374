"""Pieces of the Config tab: the checks list, the banners, the TOML highlighter, the undo
command and the preset preview dialog."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
    QUndoCommand,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.config.editing import CommentLie
from bespoke_gui.core.config.presets import PresetPreview
from bespoke_gui.core.findings import Finding, Severity
from bespoke_gui.ui.config.diff_view import ConfigDiffView
from bespoke_gui.ui.widgets.banner import Banner
from bespoke_gui.ui.widgets.row_table_model import RowTableModel

SEVERITY_COLOURS = {Severity.ERROR: "#d32f2f", Severity.WARNING: "#b07800", Severity.INFO: "#1e88e5"}
SEVERITY_MARKS = {Severity.ERROR: "✖ error", Severity.WARNING: "▲ warning", Severity.INFO: "● note"}


# ---------------------------------------------------------------- undo


class TextSnapshotCommand(QUndoCommand):
    """Any change to the document, undone by restoring the exact text it had before.

    Snapshots keep undo byte-exact (comments, spacing, spelling) whatever the edit was.
    Consecutive typing in the text view merges into one step.
    """

    TYPING_ID = 4711

    def __init__(
        self, apply_text: Callable[[str], None], label: str, before: str, after: str, typing: bool = False
    ) -> None:
        super().__init__(label)
        self._apply = apply_text
        self.before = before
        self.after = after
        self._typing = typing

    def id(self) -> int:
        return self.TYPING_ID if self._typing else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, TextSnapshotCommand) or not (self._typing and other._typing):
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)


# ---------------------------------------------------------------- checks


class CheckFindingsModel(RowTableModel[Finding]):
    HEADERS = ("Severity", "Line", "Key", "Finding")

    @property
    def findings(self) -> list[Finding]:
        return self.rows

    def set_findings(self, findings: list[Finding]) -> None:
        self.set_rows(findings)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        finding = self.findings[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                SEVERITY_MARKS[finding.severity],
                "" if finding.line is None else str(finding.line),
                finding.key,
                finding.message,
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return QBrush(QColor(SEVERITY_COLOURS[finding.severity]))
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return finding.message
        if role == Qt.ItemDataRole.UserRole:
            return finding
        return None


class ChecksPanel(QWidget):
    finding_activated = Signal(object)  # Finding
    recheck_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CheckFindingsModel(self)
        self.title = QLabel("Checks")
        self.title.setWordWrap(True)  # wraps in a narrow window instead of widening it
        self.recheck_button = QPushButton("Re-check")
        self.recheck_button.clicked.connect(self.recheck_requested)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 170)
        header.setStretchLastSection(True)
        self.table.clicked.connect(
            lambda index: self.finding_activated.emit(index.siblingAtColumn(0).data(Qt.ItemDataRole.UserRole))
        )
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.recheck_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def set_running(self, message: str) -> None:
        self.title.setText(message)

    def set_findings(self, findings: list[Finding], with_workspace: bool) -> None:
        self.model.set_findings(findings)
        self.table.resizeRowsToContents()
        counts = {Severity.ERROR: 0, Severity.WARNING: 0, Severity.INFO: 0}
        for finding in findings:
            counts[finding.severity] += 1
        scope = "sd-scripts and the workspace" if with_workspace else "sd-scripts (no workspace open)"
        self.title.setText(
            f"Checks against {scope}: {counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
            f"{counts[Severity.INFO]} notes"
        )


# ---------------------------------------------------------------- banners


class LieBanner(Banner):
    """ "The comment on line N may now be wrong": update it (editable suggestion), drop it, or keep it."""

    update_requested = Signal(str, str)  # key, new comment
    drop_requested = Signal(str)  # key

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("#fff4d6", parent)
        self.lies: list[CommentLie] = []
        self.suggestion = QLineEdit()
        self.suggestion.setMinimumWidth(320)
        self.row.addWidget(self.suggestion, 1)
        self.update_button = self.add_button("Update comment", self._update)
        self.drop_button = self.add_button("Drop comment", self._drop)
        self.keep_button = self.add_button("Keep", self._next)

    @property
    def current(self) -> CommentLie | None:
        return self.lies[0] if self.lies else None

    def offer(self, lies: list[CommentLie], line_of: Callable[[str], int | None]) -> None:
        self.lies.extend(lies)
        self._line_of = line_of
        self._show()

    def _show(self) -> None:
        lie = self.current
        if lie is None:
            self.hide()
            return
        line = self._line_of(lie.key)
        where = f"line {line}" if line else lie.key
        self.message.setText(
            f"The comment on {where} ({lie.key}) may now be wrong — {lie.reason}:\n{lie.comment}"
        )
        self.suggestion.setText(lie.suggestion)
        self.show()

    def _update(self) -> None:
        lie = self.current
        if lie is not None:
            self.lies.pop(0)
            self.update_requested.emit(lie.key, self.suggestion.text())
        self._show()

    def _drop(self) -> None:
        lie = self.current
        if lie is not None:
            self.lies.pop(0)
            self.drop_requested.emit(lie.key)
        self._show()

    def _next(self) -> None:
        if self.lies:
            self.lies.pop(0)
        self._show()

    def clear(self) -> None:
        self.lies.clear()
        self.hide()


# ---------------------------------------------------------------- highlighter


class TomlHighlighter(QSyntaxHighlighter):
    """Headers, keys, strings, numbers, booleans and comments; an error line in red."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.error_line: int | None = None
        self.formats = {}
        for name, colour, bold in (
            ("header", "#1a4f9c", True),
            ("key", "#5a2a82", False),
            ("string", "#2e7d32", False),
            ("number", "#b04a00", False),
            ("bool", "#00796b", True),
            ("comment", "#808080", False),
        ):
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            if bold:
                fmt.setFontWeight(QFont.Weight.Bold)
            self.formats[name] = fmt
        self.error_format = QTextCharFormat()
        self.error_format.setBackground(QColor("#fbd5d5"))
        self._rules = [
            (re.compile(r"^\s*\[\[?[^\]]+\]\]?"), "header"),
            (re.compile(r"^\s*[\w.\"'-]+(?=\s*=)"), "key"),
            (re.compile(r"(?<==)\s*[+-]?(\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?|inf|nan)\b"), "number"),
            (re.compile(r"\b(true|false)\b"), "bool"),
            (re.compile(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'"), "string"),
        ]

    def set_error_line(self, line: int | None) -> None:
        if line != self.error_line:
            self.error_line = line
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        for pattern, name in self._rules:
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), self.formats[name])
        comment = _comment_start(text)
        if comment is not None:
            self.setFormat(comment, len(text) - comment, self.formats["comment"])
        if self.error_line is not None and self.currentBlock().blockNumber() + 1 == self.error_line:
            self.setFormat(0, max(1, len(text)), self.error_format)


def _comment_start(text: str) -> int | None:
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return i
        i += 1
    return None


# ---------------------------------------------------------------- preset preview


class PresetPreviewDialog(QDialog):
    """Shows what a preset would change (keys and text) before anything is applied."""

    def __init__(
        self,
        title: str,
        current_title: str,
        current_text: str,
        current_data: dict[str, Any],
        preview: PresetPreview,
        new_data: dict[str, Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Apply preset: {title}")
        self.preview = preview
        self.resize(1000, 700)
        intro = QLabel(
            f"Applying “{title}” changes {len(preview.changes)} key(s). Nothing is written until you save; "
            "undo takes it back."
            + (
                f"\n{len(preview.lies)} trailing comment(s) would then be wrong; you will be "
                "asked about each."
                if preview.lies
                else ""
            )
        )
        intro.setWordWrap(True)
        self.diff = ConfigDiffView(self, show_flat_toggle=False)
        self.diff.set_texts(
            current_title, current_text, current_data, f"after “{title}”", preview.new_text, new_data
        )
        self.diff.go_to_change(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setEnabled(bool(preview.edits))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.diff, 1)
        layout.addWidget(buttons)
