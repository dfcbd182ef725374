"""Batch edits of many captions and the caption backups: the Captions tab's part for both.

A previewed batch plan is one step on the tab's batch QUndoStack: redo writes the new texts,
undo writes the old ones back, each after a backup (``core.captions.batch.apply_plan``). The
backups dialog diffs a backup with the captions and restores it after a confirmation.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QMessageBox

from bespoke_gui.core.captions.batch import (
    ApplyResult,
    BatchPlan,
    apply_plan,
    list_caption_backups,
    restore_caption_backup,
)
from bespoke_gui.core.captions.state import diff_with_backup
from bespoke_gui.core.dataset.backup import BackupInfo
from bespoke_gui.core.dataset.restore import RestoreReport
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.captions.dialogs import BatchDialog, CaptionBackupsDialog
from bespoke_gui.ui.captions.documents import replace_document_text
from bespoke_gui.ui.widgets.confirm import ask_to_confirm

if TYPE_CHECKING:
    from bespoke_gui.ui.captions.tab import CaptionsTab


class BatchCommand(QUndoCommand):
    """A batch change already previewed; redo/undo write the after/before texts (with a backup)."""

    def __init__(self, batches: CaptionBatches, plan: BatchPlan) -> None:
        super().__init__(plan.description)
        self.batches = batches
        self.plan = plan

    def redo(self) -> None:
        self.batches.run_plan(self.plan)

    def undo(self) -> None:
        self.batches.run_plan(self.plan.inverted())


class CaptionBatches:
    """Batch dialog, batch undo stack, and the caption backups dialog."""

    def __init__(self, tab: CaptionsTab) -> None:
        self.tab = tab
        self.state = tab.state
        self.stack = QUndoStack(tab)
        self.confirm_box: QMessageBox | None = None
        self._backups_dialog: CaptionBackupsDialog | None = None

    # --- batch ----------------------------------------------------------------------------------
    def texts_for_scope(self, scope: str) -> tuple[dict[Path, str], str]:
        """The texts a batch applies to: "selected" rows, the "filtered" list, or all captions."""
        tab = self.tab
        model, proxy = tab.model, tab.proxy
        if scope == "selected":
            rows = [proxy.mapToSource(i).row() for i in tab.list.selectionModel().selectedIndexes()]
            items = [model.items[r] for r in sorted(set(rows)) if r >= 0]
        elif scope == "filtered":
            items = [model.items[proxy.mapToSource(proxy.index(r, 0)).row()] for r in range(proxy.rowCount())]
        else:
            items = list(model.items)
        return self.state.batch_texts(items)

    def open_batch_dialog(self) -> BatchDialog:
        # open(), not exec(): a nested event loop inside qasync's loop is one of its traps.
        dialog = BatchDialog(self.texts_for_scope, self.tab)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda d=dialog: self._batch_dialog_accepted(d))
        dialog.open()
        return dialog

    def _batch_dialog_accepted(self, dialog: BatchDialog) -> None:
        if dialog.plan is not None and dialog.plan.changes:
            self.apply_batch(dialog.plan)

    def apply_batch(self, plan: BatchPlan) -> None:
        """Apply a previewed plan as an undoable step (a backup is made before each write)."""
        self.stack.push(BatchCommand(self, plan))

    def run_plan(self, plan: BatchPlan) -> JobHandle | None:
        tab = self.tab
        if tab.workspace is None or tab.images_dir is None or not plan.changes:
            return None
        # Writes of ours are coming: the disk check leaves these captions to _plan_applied.
        self.state.batch_paths.update(change.path for change in plan.changes)
        return tab.jobs.start(
            apply_plan,
            plan,
            tab.images_dir,
            tab.workspace.backups_dir,
            description=plan.description,
            finished=lambda result, p=plan: self._plan_applied(p, result),
        )

    def _plan_applied(self, plan: BatchPlan, result: ApplyResult) -> None:
        tab = self.tab
        self.state.batch_paths.difference_update(c.path for c in plan.changes)
        for path, saved in result.saved.items():
            row = tab.model.row_of(path)
            item = tab.model.item(row)
            if item is None:
                continue
            item.caption = saved
            item.stat_key = saved.stat_key
            doc = tab.documents.get(path)
            if doc is not None:
                replace_document_text(doc, saved.text)
            item.text = saved.text
            item.findings = tab.linter.lint(
                item.text, self.state.palettes.get(item.image) if item.image else None, saved.encoding
            )
            tab.model.refresh_row(row)
        tab.analyse_current()
        message = f"{plan.description}: {len(result.written)} caption(s) written"
        if result.backup is not None:
            message += f", backup {result.backup.path.name}"
        if result.errors:
            message += f"; {len(result.errors)} not changed ({result.errors[0].message})"
            tab.show_banner(message, choices=False)
        tab.context.show_status(message)

    # --- backups --------------------------------------------------------------------------------
    def open_backups_dialog(self) -> CaptionBackupsDialog | None:
        workspace = self.tab.workspace
        if workspace is None:
            return None
        dialog = CaptionBackupsDialog(
            list_caption_backups(workspace.backups_dir), self._diff_backup, self.restore_backup, self.tab
        )
        self._backups_dialog = dialog
        dialog.open()
        return dialog

    def _diff_backup(self, backup: BackupInfo) -> None:
        dialog = self._backups_dialog
        if dialog is None:
            return
        self.tab.jobs.start(
            diff_with_backup,
            backup.path,
            description="comparing with the backup",
            finished=lambda diffs, b=backup: dialog.show_diff(b, diffs),
        )

    def restore_backup(self, backup: BackupInfo) -> QMessageBox | None:
        """Ask (open(), not exec()), then restore; unsaved edits must be saved or undone first."""
        tab = self.tab
        if tab.has_unsaved_changes():
            message = "Save or undo your edits before restoring a backup."
            tab.show_banner(message, choices=False)
            tab.context.show_status(message)
            return None
        self.confirm_box = ask_to_confirm(
            tab,
            "Restore captions",
            f"Put back the {backup.file_count} caption(s) of {backup.path.name}? "
            "The captions as they are now are backed up first.",
            "Restore",
            lambda: self._start_restore(backup),
        )
        return self.confirm_box

    def _start_restore(self, backup: BackupInfo) -> JobHandle | None:
        def done(report: RestoreReport) -> None:
            self.tab.context.show_status(
                f"Restored {len(report.restored)} caption(s) from {backup.path.name}"
            )
            if self.tab.workspace is not None:
                self.tab.set_workspace(self.tab.workspace)

        return self.tab.jobs.start(
            restore_caption_backup, backup.path, description="restoring captions", finished=done
        )
