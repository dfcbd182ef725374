"""The Dataset tab: scan table and summary, one-click backup, backups, resize, verify sizes.

The table shows at once from a quick scan (directory listing and image headers); a
second job decodes the images on all cores and fills in colour counts and exact
pixel grids as they come. What the tab knows and its jobs live in the Qt-free
``DatasetState`` (``core/dataset/state.py``); the tab runs the jobs through its
``TabJobs`` and shows the state as rows, labels and reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.dataset.backup import BackupInfo
from bespoke_gui.core.dataset.resize import ResizeReport, SizeReport, verify_sizes
from bespoke_gui.core.dataset.resize_filters import DEFAULT_SIZE, FILTERS
from bespoke_gui.core.dataset.restore import RestoreReport
from bespoke_gui.core.dataset.scan import ScanResult, fill_details
from bespoke_gui.core.dataset.state import (
    DatasetState,
    back_up_workspace,
    backup_lines,
    cap_report,
    resize_lines,
    resize_workspace,
    restore_lines,
    scan_images,
    size_lines,
)
from bespoke_gui.core.workspace import Workspace
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.dataset.backups_dialog import DatasetBackupsDialog
from bespoke_gui.ui.dataset.package_dialog import PackageDialog
from bespoke_gui.ui.dataset.resize_dialog import ResizeDialog, ResizeRequest
from bespoke_gui.ui.dataset.scan_view import ScanView
from bespoke_gui.ui.tabs import FeatureTab
from bespoke_gui.ui.widgets.confirm import ask_to_confirm
from bespoke_gui.ui.widgets.elided_label import ElidedLabel
from bespoke_gui.ui.widgets.file_watch import FileWatch
from bespoke_gui.ui.widgets.job_panel import JobPanel
from bespoke_gui.ui.widgets.timers import single_shot_timer

_DRAIN_MS = 120
_SUMMARY_EVERY_S = 0.5
_RESCAN_DELAY_MS = 700


class DatasetTab(FeatureTab):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.state = DatasetState()
        self.confirm_box: QMessageBox | None = None
        self.resize_dialog: ResizeDialog | None = None
        self.backups_dialog: DatasetBackupsDialog | None = None
        self.package_dialog: PackageDialog | None = None
        self._last_summary = 0.0
        self._rescan_pending = False

        # --- widgets ---
        self.folder_label = ElidedLabel("No workspace open")
        self.rescan_button = QPushButton("Rescan")
        self.backup_button = QPushButton("Back up now")
        self.backups_button = QPushButton("Backups…")
        self.resize_button = QPushButton("Resize…")
        self.verify_button = QPushButton("Verify sizes")
        self.package_button = QPushButton("Package…")
        self.package_button.setToolTip("A verified training package (.zip) for the GPU pod")
        self.package_button.clicked.connect(self.open_package_dialog)
        self.verify_size_spin = QSpinBox()
        self.verify_size_spin.setRange(8, 4096)
        self.verify_size_spin.setSuffix(" px")
        self.verify_size_spin.setValue(DEFAULT_SIZE)
        self.verify_size_spin.setToolTip("The size every image should be")
        self.rescan_button.clicked.connect(self.rescan)
        self.backup_button.clicked.connect(self.back_up_now)
        self.backups_button.clicked.connect(self.open_backups)
        self.resize_button.clicked.connect(self.open_resize_dialog)
        self.verify_button.clicked.connect(lambda: self.verify_sizes())
        self.action_buttons = [
            self.rescan_button,
            self.backup_button,
            self.backups_button,
            self.resize_button,
            self.verify_button,
            self.package_button,
        ]

        self.scan_view = ScanView(self)
        # The view's parts, under the names the tests and benchmarks read.
        self.model, self.proxy, self.table = self.scan_view.model, self.scan_view.proxy, self.scan_view.table

        self.panel = JobPanel()
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setMaximumHeight(130)
        self.report.setPlaceholderText("Reports of backups, resizes and size checks appear here.")

        # --- layout ---
        top = QHBoxLayout()
        top.addWidget(self.folder_label, 1)
        for button in (self.rescan_button, self.backup_button, self.backups_button, self.resize_button):
            top.addWidget(button)
        top.addSpacing(12)
        top.addWidget(self.verify_button)
        top.addWidget(self.verify_size_spin)
        top.addSpacing(12)
        top.addWidget(self.package_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.scan_view, 1)
        layout.addWidget(self.panel)
        layout.addWidget(self.report)

        # --- timers and watcher ---
        self._drain_timer = QTimer(self)
        self._drain_timer.setInterval(_DRAIN_MS)
        self._drain_timer.timeout.connect(self._drain_details)
        self._rescan_timer = single_shot_timer(self, _RESCAN_DELAY_MS, self._rescan_after_change)
        self.watcher = FileWatch(self)
        self.watcher.changed.connect(self._folder_changed)

        self.follow_workspace(self.set_workspace)
        if context.workspace is None:
            self.set_workspace(None)

    # What the state knows, under the names the window reads.
    @property
    def workspace(self) -> Workspace | None:
        return self.state.workspace

    @property
    def images_dir(self) -> Path | None:
        return self.state.images_dir

    def report_text(self) -> str:
        return self.report.toPlainText()

    # --- workspace ------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace | None) -> None:
        self._stop_details()
        self.state.set_workspace(workspace)
        self.watcher.clear()
        self.scan_view.set_rows([])
        self.report.clear()
        self.folder_label.setText(self.state.folder_text())
        self.scan_view.show_hint(self.state.hint())
        if self.images_dir is not None:
            self.watcher.watch(self.images_dir)
            self.rescan()
        self._update_buttons()

    # --- jobs -----------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        busy = self.main_job is not None
        has_images = self.images_dir is not None
        for button in self.action_buttons:
            button.setEnabled(has_images and not busy)
        self.verify_size_spin.setEnabled(has_images and not busy)

    def _run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        description: str,
        on_result: Callable[[Any], None],
        **kwargs: Any,
    ) -> JobHandle | None:
        """Start the tab's one main job; the lazy details job yields to it."""
        if self.main_job is not None:
            self.context.show_status("The Dataset tab is busy; wait for the running job or cancel it.")
            return None
        self._stop_details()

        def finished(result: Any) -> None:
            self._job_ended()
            on_result(result)

        def cancelled() -> None:
            self._job_ended()
            if handle is not None and handle.result is not None:
                on_result(handle.result)
            else:
                self._append_report([f"{description}: cancelled"])

        def failed(message: str) -> None:
            self._job_ended()
            self._append_report([f"{description} failed: {message}"])
            self.context.show_status(f"{description} failed")

        handle = self.jobs.start(
            fn,
            *args,
            description=description,
            slot="main",
            finished=finished,
            cancelled=cancelled,
            failed=failed,
            **kwargs,
        )
        if handle is None:
            return None
        self.panel.track(handle)
        self._update_buttons()
        return handle

    def _run_on_workspace(
        self, fn: Callable[..., Any], description: str, on_result: Callable[[Any], None], **kwargs: Any
    ) -> JobHandle | None:
        """``_run(fn, workspace, ...)`` when the workspace has an images folder (else None)."""
        workspace = self.workspace
        if workspace is None or workspace.images_dir is None:
            return None
        return self._run(fn, workspace, description=description, on_result=on_result, **kwargs)

    @property
    def main_job(self) -> JobHandle | None:
        """The one scan/backup/resize/verify job at a time."""
        return self.jobs.current("main")

    def _job_ended(self) -> None:
        self._update_buttons()
        if self._rescan_pending and self.main_job is None:
            self._rescan_pending = False
            self._rescan_timer.start()

    def _append_report(self, lines: list[str]) -> None:
        lines = cap_report(lines)
        stamp = time.strftime("%H:%M:%S")
        self.report.appendPlainText(f"[{stamp}] " + "\n".join(lines))
        self.report.verticalScrollBar().setValue(self.report.verticalScrollBar().maximum())

    # --- scan -----------------------------------------------------------------------------
    def rescan(self) -> JobHandle | None:
        return self._run_on_workspace(
            scan_images,
            description="Scanning",
            on_result=self._quick_scan_done,
        )

    def _quick_scan_done(self, result: ScanResult) -> None:
        self.state.take_scan(result)
        self.scan_view.set_rows(result.rows)
        self.scan_view.show_summary(self.state.summary_text())
        if not result.cancelled:
            self._start_details()

    def _start_details(self) -> None:
        work = self.state.details_work()
        if work is None:
            return
        handle = self.jobs.start(
            fill_details,
            work.names,
            sink=work.sink,
            folder=work.folder,
            description="Reading colours and grids",
            slot="details",
            finished=lambda _result: self._details_ended(),
            cancelled=self._details_ended,
            failed=self._details_failed,
        )
        if handle is None:
            return
        self.panel.track(handle)
        self._drain_timer.start()

    def _details_ended(self) -> None:
        self._drain_details(force_summary=True)
        self._drain_timer.stop()

    def _details_failed(self, message: str) -> None:
        self._details_ended()
        self._append_report([f"Reading colours and grids failed: {message}"])

    def _stop_details(self) -> None:
        self.jobs.cancel("details")
        self._drain_timer.stop()
        self.state.drop_details()

    def _drain_details(self, force_summary: bool = False) -> None:
        updates = self.state.take_details()
        if updates:
            self.scan_view.apply_details(updates)
        now = time.monotonic()
        # A big table's summary costs tens of ms: refresh it less often the bigger it is.
        every = _SUMMARY_EVERY_S * max(1.0, self.model.rowCount() / 2000)
        if force_summary or (updates and now - self._last_summary > every):
            self._last_summary = now
            self.scan_view.show_summary(self.state.summary_text())

    # --- folder watching ------------------------------------------------------------------
    def _folder_changed(self, _path: str) -> None:
        if self.main_job is not None:
            self._rescan_pending = True
        else:
            self._rescan_timer.start()

    def _rescan_after_change(self) -> None:
        if self.main_job is None and self.images_dir is not None:
            self.rescan()

    # --- backup ---------------------------------------------------------------------------
    def back_up_now(self) -> JobHandle | None:
        return self._run_on_workspace(
            back_up_workspace,
            label="Back up now",
            description="Backing up",
            on_result=self._backup_done,
        )

    def _backup_done(self, info: BackupInfo) -> None:
        self.state.last_backup = info
        self._append_report(backup_lines(info))
        self.context.show_status(f"Backup verified: {info.path.name}")

    def open_backups(self) -> DatasetBackupsDialog | None:
        if self.workspace is None:
            return None
        dialog = DatasetBackupsDialog(self.context, self.workspace.backups_dir, self)
        dialog.restored.connect(self._restored)
        self.backups_dialog = dialog
        dialog.open()
        return dialog

    def _restored(self, report: RestoreReport) -> None:
        self._append_report(restore_lines(report))
        self.rescan()

    # --- package --------------------------------------------------------------------------
    def open_package_dialog(self) -> PackageDialog | None:
        if self.workspace is None or self.images_dir is None:
            return None
        dialog = PackageDialog(self.context, self.workspace, self)
        dialog.written.connect(
            lambda result: self._append_report([f"training package written: {result.path}"])
        )
        self.package_dialog = dialog
        dialog.open()  # not exec(): no nested event loop under qasync
        return dialog

    # --- resize ---------------------------------------------------------------------------
    def open_resize_dialog(self) -> ResizeDialog | None:
        if self.images_dir is None:
            return None
        choices, preview = self.state.resize_choices(self.scan_view.selected_row())
        dialog = ResizeDialog(self.context, self.images_dir, choices, preview, self)
        dialog.accepted.connect(lambda d=dialog: self.confirm_and_resize(d.request()))
        self.resize_dialog = dialog
        dialog.open()  # not exec(): no nested event loop under qasync
        return dialog

    def confirm_and_resize(self, request: ResizeRequest) -> QMessageBox | JobHandle | None:
        if not request.in_place:
            return self.start_resize(request)
        self.confirm_box = ask_to_confirm(
            self,
            "Resize in place",
            self.state.resize_question(request.size, request.filter_name),
            "Back up and resize",
            lambda r=request: self.start_resize(r),
            icon=QMessageBox.Icon.Warning,
        )
        return self.confirm_box

    def start_resize(self, request: ResizeRequest) -> JobHandle | None:
        return self._run_on_workspace(
            resize_workspace,
            size=request.size,
            filter_name=request.filter_name,
            out_dir=None if request.in_place else request.out_dir,
            in_place=request.in_place,
            description=f"Resizing to {request.size} ({FILTERS[request.filter_name]})",
            on_result=self._resize_done,
        )

    def _resize_done(self, report: ResizeReport) -> None:
        self.state.last_resize = report
        self._append_report(resize_lines(report))
        self.context.show_status(report.lines()[0])
        self.verify_size_spin.setValue(report.size)
        if report.in_place:
            self.rescan()
        elif report.written:
            # Check the new folder straight away, the way the plan checked with sips.
            self.verify_sizes(report.out_dir, report.size)

    # --- verify sizes ---------------------------------------------------------------------
    def verify_sizes(self, folder: Path | None = None, size: int | None = None) -> JobHandle | None:
        folder = folder or self.images_dir
        if folder is None:
            return None
        size = size or self.verify_size_spin.value()
        return self._run(
            verify_sizes, folder, size, description=f"Checking sizes ({size} px)", on_result=self._sizes_done
        )

    def _sizes_done(self, report: SizeReport) -> None:
        self.state.last_sizes = report
        self._append_report(size_lines(report))
