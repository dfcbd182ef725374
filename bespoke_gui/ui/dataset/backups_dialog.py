"""Backups… dialog: list the workspace's backups, verify one, restore one (after a confirmation)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.dataset.backup import (
    BackupInfo,
    RestoreReport,
    VerifyReport,
    list_backups,
    restore_backup,
    verify_backup,
)
from bespoke_gui.core.jobs import CancelFn, ProgressFn
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.widgets.confirm import ask_to_confirm
from bespoke_gui.ui.widgets.job_panel import JobPanel

_COLUMNS = ("Created", "Kind", "Label", "Files", "Size", "Folder")
_PATH_ROLE = Qt.ItemDataRole.UserRole + 1


def _list_job(backups_dir: Path, progress: ProgressFn, cancelled: CancelFn) -> list[BackupInfo]:
    return list_backups(backups_dir)


class DatasetBackupsDialog(QDialog):
    """``restored`` fires after a restore put files back, so the tab can rescan."""

    restored = Signal(object)  # RestoreReport

    def __init__(self, context: AppContext, backups_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backups")
        self.context = context
        self.backups_dir = Path(backups_dir)
        self.backups: list[BackupInfo] = []
        self.confirm_box: QMessageBox | None = None

        self.model = QStandardItemModel(0, len(_COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(_COLUMNS))
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.refresh_button = QPushButton("Refresh")
        self.verify_button = QPushButton("Verify")
        self.restore_button = QPushButton("Restore…")
        close_button = QPushButton("Close")
        self.refresh_button.clicked.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify_selected)
        self.restore_button.clicked.connect(self.ask_restore_selected)
        close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.refresh_button, self.verify_button, self.restore_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close_button)

        self.list_label = QLabel(f"Backups in {self.backups_dir}")
        self.list_label.setWordWrap(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.panel = JobPanel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.list_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.panel)
        layout.addLayout(buttons)
        self.resize(860, 420)
        self._update_buttons()
        self.refresh()

    # --- helpers ------------------------------------------------------------------------
    def _start(self, fn: object, *args: object, description: str) -> JobHandle:
        handle = self.context.runner.start(fn, *args, description=description)
        self.panel.track(handle)
        handle.failed.connect(lambda message: self.status.setText(f"{description} failed: {message}"))
        handle.finished.connect(lambda _r: self._update_buttons())
        handle.failed.connect(lambda _m: self._update_buttons())
        handle.cancelled.connect(self._update_buttons)
        self._update_buttons(busy=True)
        return handle

    def selected_backup(self) -> BackupInfo | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.backups[rows[0].row()]

    def select_row(self, row: int) -> None:
        self.view.selectRow(row)

    def _update_buttons(self, busy: bool | None = None) -> None:
        if busy is None:
            busy = self.panel.handle is not None
        chosen = self.selected_backup() is not None
        self.refresh_button.setEnabled(not busy)
        self.verify_button.setEnabled(chosen and not busy)
        self.restore_button.setEnabled(chosen and not busy)

    # --- list ---------------------------------------------------------------------------
    def refresh(self) -> JobHandle:
        handle = self._start(_list_job, self.backups_dir, description="Listing backups")
        handle.finished.connect(self._show_backups)
        return handle

    def _show_backups(self, backups: list[BackupInfo]) -> None:
        self.backups = list(backups)
        self.model.removeRows(0, self.model.rowCount())
        for info in self.backups:
            cells = [
                info.created.replace("T", " "),
                info.kind,
                info.label,
                str(info.file_count),
                f"{info.total_bytes / 1e6:.1f} MB",
                info.path.name,
            ]
            items = [QStandardItem(text) for text in cells]
            for item in items:
                item.setData(str(info.path), _PATH_ROLE)
                item.setToolTip(str(info.path))
            self.model.appendRow(items)
        if self.backups:
            self.list_label.setText(f"{len(self.backups)} backups in {self.backups_dir}, newest first")
            self.view.selectRow(0)
        else:
            self.list_label.setText(f"No backups yet in {self.backups_dir}. Use Back up now to make one.")
        self._update_buttons()

    # --- verify -------------------------------------------------------------------------
    def verify_selected(self) -> JobHandle | None:
        info = self.selected_backup()
        if info is None:
            return None
        handle = self._start(verify_backup, info.path, description=f"Verifying {info.path.name}")
        handle.finished.connect(lambda report, i=info: self._show_verify(i, report))
        return handle

    def _show_verify(self, info: BackupInfo, report: VerifyReport) -> None:
        if report.ok:
            self.status.setText(f"{info.path.name}: all {report.checked} files match the manifest (SHA-256).")
        else:
            problems = report.problems()
            shown = "\n".join(problems[:12]) + (
                f"\n… and {len(problems) - 12} more" if len(problems) > 12 else ""
            )
            self.status.setText(f"{info.path.name} does NOT match its manifest:\n{shown}")

    # --- restore ------------------------------------------------------------------------
    def ask_restore_selected(self) -> QMessageBox | None:
        info = self.selected_backup()
        if info is None:
            return None
        self.confirm_box = ask_to_confirm(
            self,
            "Restore backup",
            f"Restore {info.file_count} files from {info.path.name} ({info.created.replace('T', ' ')})?\n\n"
            f"The current versions of those files are backed up (and verified) first, "
            f"so this restore can be undone.",
            "Restore",
            lambda i=info: self.restore(i),
        )
        return self.confirm_box

    def restore(self, info: BackupInfo) -> JobHandle:
        handle = self._start(restore_backup, info.path, description=f"Restoring {info.path.name}")
        handle.finished.connect(lambda report, i=info: self._show_restore(i, report))
        return handle

    def _show_restore(self, info: BackupInfo, report: RestoreReport) -> None:
        lines = [f"Restored {len(report.restored)} files from {info.path.name}."]
        if report.safety_backup is not None:
            lines.append(f"The files it replaced are in {report.safety_backup.path.name}.")
        if report.cancelled:
            lines.append("Cancelled: every file is either as it was or restored.")
        lines += [f"error: {err}" for err in report.errors[:12]]
        self.status.setText("\n".join(lines))
        self.restored.emit(report)
        self.refresh()
