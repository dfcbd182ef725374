"""Pieces of the Config tab: the checks list, the TOML highlighter and the undo command."""

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
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.findings import Finding, Severity
from bespoke_gui.ui.widgets.row_table_model import RowTableModel

SEVERITY_COLOURS = {Severity.ERROR: "#d32f2f", Severity.WARNING: "#b07800", Severity.INFO: "#1e88e5"}
SEVERITY_MARKS = {Severity.ERROR: "✖ error", Severity.WARNING: "▲ warning", Severity.INFO: "● note"}


# ---------------------------------------------------------------- undo


class TextSnapshotCommand(QUndoCommand):
    """Any change to the document, undone by restoring the exact text it had before.

    Snapshots keep undo byte-exact (comments, spacing, spelling) whatever the edit was.
    Consecutive typing in the text view merges into one step: each typing step starts where
    the last one ended (valid TOML or not), so the merged step keeps the first text before
    and the newest text after, and Redo gives back all of the typing.
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
