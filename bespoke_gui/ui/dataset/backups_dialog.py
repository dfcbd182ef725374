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
    BackupError,
    BackupInfo,
    VerifyReport,
    list_backups,
    list_incomplete_backups,
    remove_incomplete_backup,
    restore_plan,
    verify_backup,
)
from bespoke_gui.core.dataset.restore import RestoreReport, restore_backup
from bespoke_gui.core.jobs import CancelFn, ProgressFn
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.widgets.confirm import ask_to_confirm
from bespoke_gui.ui.widgets.job_panel import JobPanel

_COLUMNS = ("Created", "Kind", "Label", "Files", "Size", "Folder")
_PATH_ROLE = Qt.ItemDataRole.UserRole + 1


def _list_job(
    backups_dir: Path, progress: ProgressFn, cancelled: CancelFn
) -> tuple[list[BackupInfo], list[Path]]:
    # Half-made folders (a backup killed before its manifest) are listed apart, never as backups.
    return list_backups(backups_dir), list_incomplete_backups(backups_dir)


def _restore_job(
    backup_dir: Path, allow_outside: list[Path], progress: ProgressFn, cancelled: CancelFn
) -> RestoreReport:
    return restore_backup(backup_dir, progress, cancelled, allow_outside=allow_outside)


def _remove_incomplete_job(folders: list[Path], progress: ProgressFn, cancelled: CancelFn) -> list[str]:
    problems = []
    for folder in folders:
        try:
            remove_incomplete_backup(folder)
        except (OSError, BackupError) as exc:
            problems.append(f"{folder.name}: {exc}")
    return problems


class DatasetBackupsDialog(QDialog):
    """``restored`` fires after a restore put files back, so the tab can rescan."""

    restored = Signal(object)  # RestoreReport

    def __init__(self, context: AppContext, backups_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backups")
        self.context = context
        self.backups_dir = Path(backups_dir)
        self.backups: list[BackupInfo] = []
        self.incomplete: list[Path] = []
        self.confirm_box: QMessageBox | None = None

        self.model = QStandardItemModel(0, len(_COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(_COLUMNS))
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.setWordWrap(False)
        # Sized to the rows each time they are listed (ResizeToContents alone kept the header
        # widths: "bef… resi…"); the label column takes what is left.
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.refresh_button = QPushButton("Refresh")
        self.verify_button = QPushButton("Verify")
        self.restore_button = QPushButton("Restore…")
        self.remove_incomplete_button = QPushButton("Remove incomplete…")
        self.remove_incomplete_button.setToolTip("Remove backup folders a crash left half-made (no manifest)")
        self.remove_incomplete_button.clicked.connect(self.ask_remove_incomplete)
        close_button = QPushButton("Close")
        self.refresh_button.clicked.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify_selected)
        self.restore_button.clicked.connect(self.ask_restore_selected)
        close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (
            self.refresh_button,
            self.verify_button,
            self.restore_button,
            self.remove_incomplete_button,
        ):
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
        self.resize(980, 420)
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
        self.remove_incomplete_button.setVisible(bool(self.incomplete))
        self.remove_incomplete_button.setEnabled(bool(self.incomplete) and not busy)

    # --- list ---------------------------------------------------------------------------
    def refresh(self) -> JobHandle:
        handle = self._start(_list_job, self.backups_dir, description="Listing backups")
        handle.finished.connect(self._show_backups)
        return handle

    def _show_backups(self, listing: tuple[list[BackupInfo], list[Path]]) -> None:
        backups, incomplete = listing
        self.backups = list(backups)
        self.incomplete = list(incomplete)
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
        self.view.resizeColumnsToContents()
        if self.backups:
            self.list_label.setText(f"{len(self.backups)} backups in {self.backups_dir}, newest first")
            self.view.selectRow(0)
        else:
            self.list_label.setText(f"No backups yet in {self.backups_dir}. Use Back up now to make one.")
        if self.incomplete:
            names = ", ".join(p.name for p in self.incomplete[:5]) + (
                " …" if len(self.incomplete) > 5 else ""
            )
            self.list_label.setText(
                self.list_label.text()
                + f"\n{len(self.incomplete)} incomplete backup folder(s), left by an interrupted backup "
                f"and not usable: {names}"
            )
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

    # --- incomplete backups -------------------------------------------------------------
    def ask_remove_incomplete(self) -> QMessageBox | None:
        if not self.incomplete:
            return None
        folders = list(self.incomplete)
        listed = "\n".join(str(p) for p in folders[:10]) + ("\n…" if len(folders) > 10 else "")
        self.confirm_box = ask_to_confirm(
            self,
            "Remove incomplete backups",
            f"Remove {len(folders)} incomplete backup folder(s)? A backup was interrupted before it "
            f"was finished, so none of them can be restored.\n\n{listed}",
            "Remove",
            lambda f=folders: self.remove_incomplete(f),
        )
        return self.confirm_box

    def remove_incomplete(self, folders: list[Path]) -> JobHandle:
        handle = self._start(_remove_incomplete_job, folders, description="Removing incomplete backups")
        handle.finished.connect(self._show_removed)
        return handle

    def _show_removed(self, problems: list[str]) -> None:
        self.status.setText("\n".join(problems) if problems else "Incomplete backup folders removed.")
        self.refresh()

    # --- restore ------------------------------------------------------------------------
    def ask_restore_selected(self) -> QMessageBox | None:
        info = self.selected_backup()
        if info is None:
            return None
        try:
            plan = restore_plan(info.path)
        except BackupError as exc:
            self.status.setText(str(exc))
            return None
        outside = [t.dest for t in plan.targets if t.outside]
        self.confirm_box = ask_to_confirm(
            self,
            "Restore backup",
            f"Restore {info.file_count - len(outside)} files from {info.path.name} "
            f"({info.created.replace('T', ' ')}) into {plan.root}?\n\n"
            f"The current versions of those files are backed up (and verified) first, "
            f"so this restore can be undone.",
            "Restore",
            lambda i=info, o=outside: self._confirm_outside(i, o) if o else self.restore(i),
        )
        return self.confirm_box

    def _confirm_outside(self, info: BackupInfo, outside: list[Path]) -> None:
        """A file kept outside the workspace is restored only once its exact path is confirmed."""
        listed = "\n".join(str(p) for p in outside)
        self.confirm_box = ask_to_confirm(
            self,
            "Restore outside the workspace",
            f"{info.path.name} also holds {len(outside)} file(s) that go back OUTSIDE the workspace:\n\n"
            f"{listed}\n\nRestore these exact paths too? Cancel restores nothing.",
            "Restore these too",
            lambda i=info, o=outside: self.restore(i, allow_outside=o),
            icon=QMessageBox.Icon.Warning,
        )

    def restore(self, info: BackupInfo, allow_outside: list[Path] | None = None) -> JobHandle:
        handle = self._start(
            _restore_job, info.path, list(allow_outside or []), description=f"Restoring {info.path.name}"
        )
        handle.finished.connect(lambda report, i=info: self._show_restore(i, report))
        return handle

    def _show_restore(self, info: BackupInfo, report: RestoreReport) -> None:
        where = f" into {report.root}" if report.root is not None else ""
        lines = [f"Restored {len(report.restored)} files from {info.path.name}{where}."]
        if report.safety_backup is not None:
            lines.append(f"The files it replaced are in {report.safety_backup.path.name}.")
        if report.cancelled:
            lines.append("Cancelled: every file is either as it was or restored.")
        lines += [f"error: {err}" for err in report.errors[:12]]
        self.status.setText("\n".join(lines))
        self.restored.emit(report)
        self.refresh()
