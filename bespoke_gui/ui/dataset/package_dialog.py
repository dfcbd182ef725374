"""The Dataset tab's "Package…" dialog: pre-flight, the config's path changes, then the zip.

Opening the dialog plans the package at once (a job: config-check, caption lint, image
headers); changing the file name, the pod root or the repeats plans it again. The dialog
shows what would change in the config (path keys only) and what the pre-flight found;
"Write package" is enabled when there are no errors, or when "Allow errors" is ticked.
All file work runs in ``core.dataset.package`` and ``package_zip`` through the job runner.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.dataset.package import (
    REPEATS_DIR_RE,
    PackagePlan,
    package_name_for,
    plan_package,
)
from bespoke_gui.core.dataset.package_zip import PackageResult, write_package
from bespoke_gui.core.workspace import DEFAULT_REPEATS, Workspace
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.widgets.confirm import ask_to_confirm
from bespoke_gui.ui.widgets.job_panel import JobPanel
from bespoke_gui.ui.widgets.timers import single_shot_timer

_REPLAN_DELAY_MS = 400


class PackageDialog(QDialog):
    """Plan, show, write. ``written(PackageResult)`` when a zip has been written."""

    written = Signal(object)

    def __init__(self, context: AppContext, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.workspace = workspace
        self.plan: PackagePlan | None = None
        self.plan_job: JobHandle | None = None
        self.write_job: JobHandle | None = None
        self.result: PackageResult | None = None
        self.file_dialog: QFileDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self._confirmed_out: Path | None = None
        self._plan_generation = 0
        self.setWindowTitle("Training package")
        self.setMinimumWidth(720)

        default_out = workspace.root.parent / f"{workspace.root.name}_package.zip"
        self.out_edit = QLineEdit(str(default_out))
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._browse)
        self.root_edit = QLineEdit()
        self.root_edit.setToolTip("Where the package will sit on the pod; the config's paths point there")
        self.repeats_spin = QSpinBox()
        self.repeats_spin.setRange(1, 10000)
        self.repeats_spin.setValue(DEFAULT_REPEATS)
        images_dir = workspace.images_dir
        folder_form = REPEATS_DIR_RE.match(images_dir.name) if images_dir else None
        if folder_form:
            self.repeats_spin.setValue(int(folder_form["repeats"]))
            self.repeats_spin.setToolTip(f"From the folder's name ({images_dir.name if images_dir else ''})")
        self.allow_errors = QCheckBox("Allow errors (package even though the pre-flight found errors)")
        self.status_label = QLabel("Checking…")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.diff_view = QPlainTextEdit()
        self.diff_view.setReadOnly(True)
        self.diff_view.setMaximumHeight(110)
        self.diff_view.setPlaceholderText("The config's path keys, before and after")
        self.findings_view = QPlainTextEdit()
        self.findings_view.setReadOnly(True)
        self.findings_view.setPlaceholderText(
            "What config-check, the caption lint and the dataset checks found"
        )
        self.panel = JobPanel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.write_button = self.buttons.addButton("Write package", QDialogButtonBox.ButtonRole.ActionRole)
        self.write_button.setEnabled(False)
        self.write_button.clicked.connect(self.write)
        self.buttons.rejected.connect(self.reject)

        where = QHBoxLayout()
        where.addWidget(self.out_edit, 1)
        where.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("Package file", where)
        form.addRow("Pod root", self.root_edit)
        form.addRow("Repeats", self.repeats_spin)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status_label)
        layout.addWidget(QLabel("Config changes (path keys only; every other byte is kept):"))
        layout.addWidget(self.diff_view)
        layout.addWidget(QLabel("Pre-flight:"))
        layout.addWidget(self.findings_view, 1)
        layout.addWidget(self.allow_errors)
        layout.addWidget(self.panel)
        layout.addWidget(self.buttons)

        self._replan_timer = single_shot_timer(self, _REPLAN_DELAY_MS, self.replan)
        self.out_edit.textChanged.connect(self._inputs_changed)
        self.root_edit.textChanged.connect(lambda _t: self._replan_timer.start())
        self.repeats_spin.valueChanged.connect(lambda _v: self._replan_timer.start())
        self.allow_errors.toggled.connect(lambda _on: self._update_write_button())
        self._inputs_changed(self.out_edit.text())
        self.replan()

    # --- inputs ---------------------------------------------------------------------------
    def out_path(self) -> Path:
        text = self.out_edit.text().strip()
        path = Path(text).expanduser() if text else Path("training_package.zip")
        return path if path.suffix.lower() == ".zip" else path.with_name(path.name + ".zip")

    def _inputs_changed(self, _text: str) -> None:
        self.root_edit.setPlaceholderText(f"/workspace/{package_name_for(self.out_path())}")
        self._replan_timer.start()

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Save the training package", str(self.out_path()), "Zip files (*.zip)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("zip")
        dialog.fileSelected.connect(self._file_chosen)
        self.file_dialog = dialog
        dialog.open()  # not exec(): no nested event loop under qasync

    def _file_chosen(self, path: str) -> None:
        # The save dialog has asked about replacing an existing file already.
        self._confirmed_out = Path(path)
        self.out_edit.setText(path)

    # --- plan -----------------------------------------------------------------------------
    def replan(self) -> JobHandle | None:
        self._replan_timer.stop()
        if self.plan_job is not None and not self.plan_job.is_done:
            self.plan_job.cancel()
        self._plan_generation += 1
        generation = self._plan_generation
        self.plan = None
        self._update_write_button()
        self.status_label.setText("Checking the config, the captions and the images…")
        images_dir = self.workspace.images_dir
        folder_form = REPEATS_DIR_RE.match(images_dir.name) if images_dir else None
        repeats: int | None = self.repeats_spin.value()
        if folder_form and int(folder_form["repeats"]) == repeats:
            repeats = None  # a "<repeats>_<name>" folder keeps its own name
        handle = self.context.runner.start(
            plan_package,
            self.workspace.root,
            self.out_path(),
            self.root_edit.text().strip() or None,
            repeats,
            description="Package pre-flight",
        )
        self.plan_job = handle
        self.panel.track(handle)
        handle.finished.connect(lambda plan, g=generation: self._planned(plan, g))
        handle.failed.connect(lambda message, g=generation: self._plan_failed(message, g))
        return handle

    def _planned(self, plan: PackagePlan, generation: int) -> None:
        if generation != self._plan_generation:
            return
        self.plan = plan
        self.diff_view.setPlainText("\n".join(plan.diff_lines()) or "No path key changes")
        self.findings_view.setPlainText("\n".join(plan.preflight.lines()))
        errors = len(plan.preflight.errors)
        summary = (
            f"<b>{plan.images}</b> images into <code>training_data/{html.escape(plan.subset)}</code>, "
            f"pod root <code>{html.escape(plan.pod_root)}</code>. "
        )
        if errors:
            summary += f"<span style='color:#b00020'><b>{errors} pre-flight error(s)</b></span>: fix them, or allow errors."
        else:
            summary += "Pre-flight: no errors."
        self.status_label.setText(summary)
        self._update_write_button()

    def _plan_failed(self, message: str, generation: int) -> None:
        if generation != self._plan_generation:
            return
        self.status_label.setText(f"<span style='color:#b00020'>{html.escape(message)}</span>")

    def _update_write_button(self) -> None:
        plan = self.plan
        busy = self.write_job is not None and not self.write_job.is_done
        ready = plan is not None and (not plan.preflight.has_errors or self.allow_errors.isChecked())
        self.write_button.setEnabled(bool(ready) and not busy)

    # --- write ----------------------------------------------------------------------------
    def write(self) -> JobHandle | QMessageBox | None:
        plan = self.plan
        if plan is None or not self.write_button.isEnabled():
            return None
        out = self.out_path()
        if out.exists() and out != self._confirmed_out:
            self.confirm_box = ask_to_confirm(
                self,
                "Replace the package",
                f"{out} exists. Replace it with the new package?",
                "Replace",
                lambda: self.start_write(overwrite=True),
                icon=QMessageBox.Icon.Warning,
            )
            return self.confirm_box
        return self.start_write()

    def start_write(self, overwrite: bool = False) -> JobHandle | None:
        plan = self.plan
        if plan is None:
            return None
        out = self.out_path()
        handle = self.context.runner.start(
            write_package,
            plan,
            out,
            self.allow_errors.isChecked(),
            overwrite=overwrite,
            description=f"Writing {out.name}",
        )
        self.write_job = handle
        self.panel.track(handle)
        handle.finished.connect(self._written)
        handle.failed.connect(
            lambda message: self.status_label.setText(
                f"<span style='color:#b00020'>{html.escape(message)}</span>"
            )
        )
        handle.cancelled.connect(lambda: self.status_label.setText("Cancelled: no package written."))
        for signal in (handle.finished, handle.failed, handle.cancelled):
            signal.connect(lambda *_: self._update_write_button())
        self._update_write_button()
        return handle

    def _written(self, result: PackageResult) -> None:
        self.result = result
        if result.path is None:
            self.status_label.setText("Cancelled: no package written.")
            return
        self.status_label.setText(
            f"Wrote <code>{html.escape(str(result.path))}</code>: {result.files} files, "
            f"{result.total_bytes / 1e6:.1f} MB. Check it on the pod with <code>bash train.sh</code> "
            "(it runs <code>sha256sum -c</code> first)."
        )
        self.context.show_status(f"Training package written: {result.path}")
        self.written.emit(result)

    def reject(self) -> None:
        for handle in (self.plan_job, self.write_job):
            if handle is not None and not handle.is_done:
                handle.cancel()
        super().reject()
