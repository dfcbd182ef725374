"""The Captions tab's dialogs: a batch edit with a preview of every change, and caption backups
(list, diff against the current captions, restore)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.captions.batch import (
    BackupDiff,
    BatchError,
    BatchPlan,
    plan_add_phrase,
    plan_remove_phrase,
    plan_replace,
    plan_rules,
    read_rules_file,
)
from bespoke_gui.core.dataset.backup import BackupInfo

SCOPES = (
    ("all", "All captions"),
    ("selected", "Selected captions"),
    ("filtered", "Captions shown by the filter"),
)


class PreviewModel(QAbstractTableModel):
    HEADERS = ("caption", "before", "after")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plan: BatchPlan | None = None

    def set_plan(self, plan: BatchPlan | None) -> None:
        self.beginResetModel()
        self.plan = plan
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.plan is None else len(self.plan.changes)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else 3

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.plan is None:
            return None
        change = self.plan.changes[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if index.column() == 0:
                return change.path.name
            if role == Qt.ItemDataRole.ToolTipRole:
                return change.diff()
            return change.before if index.column() == 1 else change.after
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1:
            return QColor("#8d3b3b")
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 2:
            return QColor("#2e6b2e")
        return None


class BatchDialog(QDialog):
    """Choose an operation and a scope, preview every change, then apply (the tab backs up first)."""

    def __init__(
        self, texts_for_scope: Callable[[str], tuple[dict[Path, str], str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Batch edit captions")
        self.resize(900, 600)
        self._texts_for_scope = texts_for_scope
        self.plan: BatchPlan | None = None

        self.operation = QComboBox()
        self.operation.addItems(["Find and replace", "Add a phrase", "Remove a phrase", "Apply a rules file"])
        self.scope = QComboBox()
        for key, label in SCOPES:
            self.scope.addItem(label, key)

        self.find = QLineEdit()
        self.replace = QLineEdit()
        self.regex = QCheckBox("Regular expression")
        self.whole_phrase = QCheckBox("Whole phrase only")
        self.case_sensitive = QCheckBox("Match case")
        self.case_sensitive.setChecked(True)
        replace_page = QWidget()
        form = QFormLayout(replace_page)
        form.addRow("Find", self.find)
        form.addRow("Replace with", self.replace)
        flags = QHBoxLayout()
        for box in (self.regex, self.whole_phrase, self.case_sensitive):
            flags.addWidget(box)
        form.addRow(flags)

        self.add_text = QLineEdit()
        self.add_position = QSpinBox()
        self.add_position.setRange(0, 999)
        self.add_position.setSpecialValueText("at the end")
        add_page = QWidget()
        add_form = QFormLayout(add_page)
        add_form.addRow("Phrase", self.add_text)
        add_form.addRow("Position (1 = first)", self.add_position)

        self.remove_text = QLineEdit()
        remove_page = QWidget()
        QFormLayout(remove_page).addRow("Phrase", self.remove_text)

        self.rules_path = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_rules)
        rules_page = QWidget()
        rules_row = QHBoxLayout(rules_page)
        rules_row.addWidget(QLabel("Rules file (TOML, or 'before -> after' lines)"))
        rules_row.addWidget(self.rules_path, 1)
        rules_row.addWidget(browse)

        self.pages = QStackedWidget()
        for page in (replace_page, add_page, remove_page, rules_page):
            self.pages.addWidget(page)
        self.operation.currentIndexChanged.connect(self.pages.setCurrentIndex)
        self.operation.currentIndexChanged.connect(lambda _i: self._clear_preview())
        self.scope.currentIndexChanged.connect(lambda _i: self._clear_preview())

        self.preview_model = PreviewModel(self)
        self.preview = QTableView()
        self.preview.setModel(self.preview_model)
        self.preview.setWordWrap(True)
        self.preview.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.preview.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel("Preview the change to see every caption it touches.")
        self.summary.setWordWrap(True)

        self.preview_button = QPushButton("Preview")
        self.preview_button.clicked.connect(self.make_preview)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = self.buttons.addButton(
            "Back up and apply", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.apply_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        top = QFormLayout()
        top.addRow("Operation", self.operation)
        top.addRow("Captions", self.scope)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages)
        row = QHBoxLayout()
        row.addWidget(self.preview_button)
        row.addWidget(self.summary, 1)
        layout.addLayout(row)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.buttons)
        for edit in (self.find, self.replace, self.add_text, self.remove_text, self.rules_path):
            edit.textChanged.connect(lambda _t: self._clear_preview())
        for box in (self.regex, self.whole_phrase, self.case_sensitive):
            box.toggled.connect(lambda _c: self._clear_preview())

    def _browse_rules(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Rules file", "", "Rules (*.toml *.txt);;All files (*)")
        if path:
            self.rules_path.setText(path)

    def _clear_preview(self) -> None:
        self.plan = None
        self.preview_model.set_plan(None)
        self.apply_button.setEnabled(False)

    def make_preview(self) -> BatchPlan | None:
        texts, note = self._texts_for_scope(str(self.scope.currentData()))
        try:
            op = self.operation.currentIndex()
            if op == 0:
                plan = plan_replace(
                    texts,
                    self.find.text(),
                    self.replace.text(),
                    regex=self.regex.isChecked(),
                    whole_phrase=self.whole_phrase.isChecked(),
                    case_sensitive=self.case_sensitive.isChecked(),
                )
            elif op == 1:
                position = self.add_position.value()
                plan = plan_add_phrase(texts, self.add_text.text(), None if position == 0 else position - 1)
            elif op == 2:
                plan = plan_remove_phrase(texts, self.remove_text.text())
            else:
                path = Path(self.rules_path.text().strip())
                plan = plan_rules(texts, read_rules_file(path), path.name)
        except BatchError as exc:
            self._clear_preview()
            self.summary.setText(f"<span style='color:#c62828'>{exc}</span>")
            return None
        self.plan = plan
        self.preview_model.set_plan(plan)
        self.preview.resizeRowsToContents()
        self.apply_button.setEnabled(bool(plan.changes))
        text = (
            f"{plan.description}: {len(plan.changes)} caption(s) change, {plan.unchanged} stay as they are."
        )
        if note:
            text += " " + note
        self.summary.setText(text)
        return plan


class CaptionBackupsDialog(QDialog):
    """Caption backups, newest first; the diff of one against the captions now; restore it."""

    def __init__(
        self,
        backups: list[BackupInfo],
        diff_job: Callable[[BackupInfo], None],
        restore: Callable[[BackupInfo], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Caption backups")
        self.resize(900, 560)
        self.backups = backups
        self._diff_job = diff_job
        self._restore = restore
        self.model = QStandardItemModel(self)
        for b in backups:
            row = QStandardItem(f"{b.path.name}\n{b.created} · {b.file_count} caption(s)\n{b.label}")
            row.setEditable(False)
            self.model.appendRow(row)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.selectionModel().currentChanged.connect(self._selected)
        self.diff = QPlainTextEdit()
        self.diff.setReadOnly(True)
        self.diff.setPlaceholderText("Choose a backup to see how the captions differ from it now.")
        self.restore_button = QPushButton("Restore this backup…")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self._restore_selected)
        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(self.diff)
        splitter.setStretchFactor(1, 3)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if not backups:
            layout.addWidget(QLabel("No caption backups yet: one is made before every batch change."))
        layout.addWidget(splitter, 1)
        row = QHBoxLayout()
        row.addWidget(self.restore_button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)

    def current_backup(self) -> BackupInfo | None:
        index = self.list.currentIndex()
        return self.backups[index.row()] if index.isValid() else None

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        backup = self.current_backup()
        self.restore_button.setEnabled(backup is not None)
        if backup is not None:
            self.diff.setPlainText("Comparing…")
            self._diff_job(backup)

    def show_diff(self, backup: BackupInfo, diffs: list[BackupDiff]) -> None:
        if backup is not self.current_backup():
            return
        changed = [d for d in diffs if d.changed]
        if not changed:
            self.diff.setPlainText(f"The {len(diffs)} caption(s) in this backup are the same as now.")
            return
        parts = [f"{len(changed)} of {len(diffs)} caption(s) differ (- backup, + now):", ""]
        parts += [
            d.diff() if d.current_text is not None else f"{d.path.name}: no longer exists" for d in changed
        ]
        self.diff.setPlainText("\n".join(parts))

    def _restore_selected(self) -> None:
        backup = self.current_backup()
        if backup is not None:
            self._restore(backup)
