"""The Config tab's tree: tables and keys of a TOML document, with type-aware editors.

The model never edits the document itself: an edit in the view becomes
``edit_requested(key, toml_value_text)``, which the tab turns into an undoable command.
Booleans are check boxes; integers written plainly get a spin box; every other value is
edited as text that keeps its spelling (``1e-4`` stays ``1e-4`` unless retyped); strings
are edited without their quotes and re-quoted in the file's own quoting style; arrays are
edited as TOML text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import tomlkit
from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from bespoke_gui.core.config.diff import toml_type
from bespoke_gui.core.config.key_paths import ConfigEntry, KeyPath, iter_entries
from bespoke_gui.core.config.sdscripts_args import arg_spec

COL_KEY, COL_VALUE, COL_TYPE, COL_COMMENT = range(4)
HEADERS = ("Key", "Value", "Type", "Comment")
KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # the key path string
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2  # the ConfigEntry
_PLAIN_INT_RE = re.compile(r"^[+-]?\d+$")
_SEVERITY_COLOURS = {"error": "#d32f2f", "warning": "#b07800", "info": "#1e88e5"}


@dataclass
class _Node:
    entry: ConfigEntry | None
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)

    def row(self) -> int:
        return self.parent.children.index(self) if self.parent else 0


def string_value_text(value: str, old_text: str) -> str:
    """A string as TOML, in the quoting the old value used when that can hold it."""
    literal = old_text.startswith("'") and "'" not in value and "\n" not in value
    return tomlkit.string(value, literal=literal).as_string()


class ConfigTreeModel(QAbstractItemModel):
    edit_requested = Signal(str, str)  # key path, TOML value text

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = _Node(None)
        self._by_key: dict[str, _Node] = {}
        self._findings: dict[str, str] = {}  # key -> worst severity
        self._messages: dict[str, str] = {}

    # --- loading ---------------------------------------------------------------------
    def set_document(self, doc: Any) -> None:
        self.beginResetModel()
        self._root = _Node(None)
        self._by_key = {}
        nodes: dict[KeyPath, _Node] = {(): self._root}
        for entry in iter_entries(doc):
            parent = nodes.get(entry.path[:-1], self._root)
            node = _Node(entry, parent)
            parent.children.append(node)
            nodes[entry.path] = node
            self._by_key[entry.key] = node
        self.endResetModel()

    def set_findings(self, findings: list[Any]) -> None:
        """Colour the keys that have findings (worst severity wins)."""
        rank = {"error": 0, "warning": 1, "info": 2}
        worst: dict[str, str] = {}
        messages: dict[str, list[str]] = {}
        for finding in findings:
            if not finding.key:
                continue
            if finding.key not in worst or rank[finding.severity] < rank[worst[finding.key]]:
                worst[finding.key] = finding.severity
            messages.setdefault(finding.key, []).append(f"{finding.severity}: {finding.message}")
        self._findings = worst
        self._messages = {k: "\n".join(v) for k, v in messages.items()}
        # One signal per table, not per key: a header sized to its contents re-measures
        # every row on each dataChanged, so per-key signals cost seconds on a big config.
        parents = {id(node.parent): node.parent for node in self._by_key.values() if node.parent is not None}
        for parent in parents.values():
            if not parent.children:
                continue
            first = self.createIndex(0, COL_KEY, parent.children[0])
            last = self.createIndex(len(parent.children) - 1, COL_COMMENT, parent.children[-1])
            self.dataChanged.emit(first, last)

    def index_for_key(self, key: str, column: int = COL_KEY) -> QModelIndex:
        node = self._by_key.get(key)
        if node is None:
            return QModelIndex()
        return self.createIndex(node.row(), column, node)

    def entry(self, index: QModelIndex) -> ConfigEntry | None:
        node = self._node(index)
        return node.entry if node is not None else None

    def keys(self) -> list[str]:
        return list(self._by_key)

    # --- QAbstractItemModel ------------------------------------------------------------
    def _node(self, index: QModelIndex | QPersistentModelIndex) -> _Node | None:
        return index.internalPointer() if index.isValid() else None

    def index(
        self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()
    ) -> QModelIndex:
        node = self._node(parent) or self._root
        if 0 <= row < len(node.children) and 0 <= column < len(HEADERS):
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:
        node = self._node(index)
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self.createIndex(node.parent.row(), 0, node.parent)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self._node(parent) or self._root
        return len(node.children)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        entry = self.entry(index)
        if entry is None or entry.is_table or index.column() != COL_VALUE:
            return base
        if isinstance(entry.value, bool):
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base | Qt.ItemFlag.ItemIsEditable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        entry = self.entry(index)
        if entry is None:
            return None
        column = index.column()
        if role == KEY_ROLE:
            return entry.key
        if role == ENTRY_ROLE:
            return entry
        name = entry.path[-1]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_KEY:
                return f"[{name}]" if isinstance(name, int) else str(name)
            if entry.is_table:
                return ""
            if column == COL_VALUE:
                return "" if isinstance(entry.value, bool) else entry.text
            if column == COL_TYPE:
                return toml_type(entry.value)
            if column == COL_COMMENT:
                return entry.comment.lstrip("#").strip()
        if role == Qt.ItemDataRole.EditRole and column == COL_VALUE:
            return entry.value if isinstance(entry.value, str) else entry.text
        if role == Qt.ItemDataRole.CheckStateRole and column == COL_VALUE and isinstance(entry.value, bool):
            return Qt.CheckState.Checked if entry.value else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.FontRole and entry.is_table and column == COL_KEY:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_KEY and entry.key in self._findings:
            return QBrush(QColor(_SEVERITY_COLOURS[self._findings[entry.key]]))
        if role == Qt.ItemDataRole.ToolTipRole:
            tips = []
            if entry.key in self._messages:
                tips.append(self._messages[entry.key])
            spec = arg_spec(str(name)) if not entry.is_table else None
            if spec is not None and spec.help:
                tips.append(f"sd-scripts: {spec.help}")
            return "\n".join(tips) or None
        return None

    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        entry = self.entry(index)
        if entry is None or entry.is_table or index.column() != COL_VALUE:
            return False
        if role == Qt.ItemDataRole.CheckStateRole and isinstance(entry.value, bool):
            checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
            self.edit_requested.emit(entry.key, "true" if checked else "false")
            return True
        if role != Qt.ItemDataRole.EditRole:
            return False
        if isinstance(entry.value, str) and isinstance(value, str):
            text = string_value_text(value, entry.text)
        else:
            text = str(value).strip()
        if text != entry.text:
            self.edit_requested.emit(entry.key, text)
        return True


class ConfigValueDelegate(QStyledItemDelegate):
    """Spin box for plainly written integers; a line edit keeping the spelling otherwise."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:
        entry = index.data(ENTRY_ROLE)
        if (
            entry is not None
            and isinstance(entry.value, int)
            and not isinstance(entry.value, bool)
            and _PLAIN_INT_RE.match(entry.text)
        ):
            spin = QSpinBox(parent)
            spin.setRange(-2_000_000_000, 2_000_000_000)
            spin.setObjectName("int_editor")
            return spin
        editor = QLineEdit(parent)
        editor.setObjectName("text_editor")
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QSpinBox):
            editor.setValue(int(str(value)))
        elif isinstance(editor, QLineEdit):
            editor.setText("" if value is None else str(value))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: QModelIndex) -> None:
        if isinstance(editor, QSpinBox):
            editor.interpretText()
            model.setData(index, str(editor.value()), Qt.ItemDataRole.EditRole)
        elif isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


class ConfigTreeView(QTreeView):
    """The tree of keys: F2 or Enter edits the value of the current row whichever column is
    current (arrows land on the key); in the editor Enter commits and Escape cancels.
    ``key_current`` is a key the user moved to (not one kept across a new document)."""

    key_current = Signal(str)

    def __init__(self, model: ConfigTreeModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reselecting = False
        if model is None:
            return
        self._model = model
        self.setModel(model)
        self.selectionModel().currentChanged.connect(self._current_changed)
        self.setItemDelegateForColumn(COL_VALUE, ConfigValueDelegate(self))
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        # Sized once per load, not on every change: a header sized to its contents asks the
        # model for every row on each update, which is slow while workers hold the GIL.
        self.header().setSectionResizeMode(COL_KEY, QHeaderView.ResizeMode.Interactive)
        self.header().resizeSection(COL_VALUE, 170)
        self.header().resizeSection(COL_TYPE, 64)
        self.header().setStretchLastSection(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_F2, Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            self.state() != QAbstractItemView.State.EditingState
        ):
            value = self.currentIndex().siblingAtColumn(COL_VALUE)
            if value.isValid() and value.flags() & Qt.ItemFlag.ItemIsEditable:
                self.setCurrentIndex(value)
                if self.edit(value, QAbstractItemView.EditTrigger.EditKeyPressed, event):
                    event.accept()
                    return
        super().keyPressEvent(event)

    def load(self, doc: Any) -> None:
        """Show a document just opened: everything expanded, the keys' column sized once."""
        self._model.set_document(doc)
        self.expandAll()
        self.resizeColumnToContents(COL_KEY)

    def show_document(self, doc: Any) -> None:
        """Show the document after an edit, on the same key as before."""
        selected = self.selected_key()
        self._model.set_document(doc)
        self.expandAll()
        if selected is not None:
            # Keep the user's place in the tree without moving the text cursor they may be typing at.
            self._reselecting = True
            try:
                self.setCurrentIndex(self._model.index_for_key(selected))
            finally:
                self._reselecting = False

    def select_key(self, key: str) -> bool:
        """Make ``key`` current (its tables expanded, scrolled to); False when it has no row."""
        index = self._model.index_for_key(key)
        if not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.expand(parent)
            parent = parent.parent()
        self.setCurrentIndex(index)
        self.scrollTo(index)
        return True

    def selected_key(self) -> str | None:
        entry = self._model.entry(self.currentIndex())
        return entry.key if entry else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self._model.entry(current)
        if entry is not None and not self._reselecting:
            self.key_current.emit(entry.key)
