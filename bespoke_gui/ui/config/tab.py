"""The Config tab: read, diff and edit sd-scripts TOML configs without losing a comment.

Left: the tree of tables and keys (type-aware editors) above the checks. Right: the TOML
text itself (editable; it is re-parsed as you type) and the Diff page. Every change, from
the tree, the text, a preset or a comment fix, is one step on the undo stack, stored as
the exact text before and after. Save takes a verified backup first and writes
atomically; a file changed on disk is noticed (QFileSystemWatcher) and never overwritten
silently. Checks and saves run through the job runner.

The tab wires the Qt-free :class:`ConfigState` (``core/config/state.py``) to its views: the
toolbar (with the presets menu), the banners, the tree, the text, the Diff page, the checks
and the estimate. Saving and the watch on the file are ``ConfigSaving`` (``saving.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMessageBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from bespoke_gui.core.config.check_report import CheckReport
from bespoke_gui.core.config.document import ConfigDocument
from bespoke_gui.core.config.editing import set_comment, set_value
from bespoke_gui.core.config.errors import ConfigError, TomlSyntaxError
from bespoke_gui.core.config.presets import Preset, PresetPreview, list_presets
from bespoke_gui.core.config.state import ConfigState, as_shown, check_config_text, open_config
from bespoke_gui.core.findings import Finding
from bespoke_gui.core.workspace import Workspace
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.config.banners import ErrorLine, LieBanner, SwitchBanner
from bespoke_gui.ui.config.compare_page import ComparePage
from bespoke_gui.ui.config.estimate_panel import EstimatePanel
from bespoke_gui.ui.config.model import ConfigTreeModel, ConfigTreeView
from bespoke_gui.ui.config.panels import ChecksPanel, TextSnapshotCommand
from bespoke_gui.ui.config.preset_controls import PresetPreviewDialog
from bespoke_gui.ui.config.saving import ConfigSaving
from bespoke_gui.ui.config.text_editor import TomlEditor
from bespoke_gui.ui.config.toolbar import ConfigToolbar
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.tabs import FeatureTab
from bespoke_gui.ui.widgets.confirm import Choice, ask_save_discard_cancel
from bespoke_gui.ui.widgets.file_dialogs import ask_text, choose_file
from bespoke_gui.ui.widgets.timers import single_shot_timer

_REPARSE_MS = 400
_CHECK_DELAY_MS = 500


class ConfigTab(FeatureTab):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.state = ConfigState()
        self.undo_stack = QUndoStack(self)
        self.discard_box: QMessageBox | None = None
        self.preset_dialog: PresetPreviewDialog | None = None
        self.file_dialog: QWidget | None = None  # an open file or name question (open(), not exec())
        self._build()
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.update_title()
        self.follow_workspace(self.set_workspace)

    def _build(self) -> None:
        self.undo_action = self.undo_stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        save_action = QAction(self)
        save_action.setShortcut(QKeySequence.StandardKey.Save)
        save_action.triggered.connect(lambda: self.save())
        for action in (self.undo_action, self.redo_action, save_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        self.toolbar = ConfigToolbar(
            self.undo_action, self.redo_action, list_presets, lambda: self.state.editable
        )
        self.toolbar.open_requested.connect(self.choose_file)
        self.toolbar.reload_requested.connect(lambda: self._when_discarded("Reload", self.reload))
        self.toolbar.save_requested.connect(lambda: self.save())
        self.toolbar.presets_button.preview_requested.connect(self.preview_preset)
        self.toolbar.presets_button.save_requested.connect(self._ask_preset_name)

        self.error_label = ErrorLine()
        self.saving = ConfigSaving(self)
        self.disk_banner = self.saving.banner
        self.switch_banner = SwitchBanner(self._open_pending_workspace_config)
        self.lie_banner = LieBanner()
        self.lie_banner.update_requested.connect(self.update_comment)
        self.lie_banner.drop_requested.connect(lambda key: self.update_comment(key, ""))

        self.model = ConfigTreeModel(self)
        self.model.edit_requested.connect(self.set_value)
        self.tree = ConfigTreeView(self.model)
        self.tree.key_current.connect(self._highlight_key)

        self.text_edit = TomlEditor(lambda: self._undo_or_redo(True), lambda: self._undo_or_redo(False))
        self.highlighter = self.text_edit.highlighter
        self.text_edit.typed.connect(self._text_typed)
        self.reparse_timer = single_shot_timer(self, _REPARSE_MS, self.commit_text)

        self.compare_page = ComparePage(self.state, self.current_text, self.has_unsaved_changes)
        self.compare_page.key_activated.connect(self.select_key)
        self.compare_page.compared.connect(lambda: self.right_tabs.setCurrentIndex(1))
        self.compare_combo = self.compare_page.combo
        self.diff_view = self.compare_page.diff_view
        self.right_tabs = QTabWidget()
        self.right_tabs.addTab(self.text_edit, "Text")
        self.right_tabs.addTab(self.compare_page, "Diff")

        self.checks = ChecksPanel()
        self.checks.finding_activated.connect(self._finding_activated)
        self.checks.recheck_requested.connect(self.run_checks)
        self.check_timer = single_shot_timer(self, _CHECK_DELAY_MS, self.run_checks)
        self.estimate_panel = EstimatePanel(self.context)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.tree)
        left.addWidget(self.checks)
        left.addWidget(self.estimate_panel)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(left)
        main.addWidget(self.right_tabs)
        main.setStretchFactor(0, 1)
        main.setStretchFactor(1, 1)
        main.setSizes([660, 740])
        layout = QVBoxLayout(self)
        for widget in (self.toolbar, self.error_label, self.disk_banner, self.switch_banner, self.lie_banner):
            layout.addWidget(widget)
        layout.addWidget(main, 1)

    # ------------------------------------------------------------------ workspace
    def set_workspace(self, workspace: Workspace | None) -> None:
        config = self.state.workspace_config_to_open(workspace)
        if config is None:
            if self.state.cfg is None:
                self.toolbar.file_label.setText(
                    "No config found in this workspace — use “Open other TOML…”"
                    if workspace and workspace.config_path is None
                    else "No config open"
                )
            self.run_checks()
            return
        if self.has_unsaved_changes():
            self.state.pending_workspace_config = config
            self.switch_banner.offer(config)
            return
        self.open_file(config)

    def _open_pending_workspace_config(self) -> None:
        self.switch_banner.hide()
        if self.state.pending_workspace_config is not None:
            self.open_file(self.state.pending_workspace_config)

    def discard_unsaved_changes(self) -> None:
        if self.state.cfg is None or self.state.cfg.path is None or not self.has_unsaved_changes():
            return
        self.reparse_timer.stop()
        if self.state.cfg.path.is_file():
            self.open_file(self.state.cfg.path)  # back to what is on disk, undo history dropped
        else:
            self.undo_stack.setClean()

    def has_unsaved_changes(self) -> bool:
        if self.state.cfg is None:
            return False
        return not self.undo_stack.isClean() or self.reparse_timer.isActive()

    # ------------------------------------------------------------------ opening
    def _when_discarded(self, action: str, then: Callable[[], object]) -> QMessageBox | None:
        """Run ``then`` now when nothing is unsaved, else after the user agrees to drop the edits."""
        if not self.has_unsaved_changes():
            then()
            return None
        name = self.state.cfg.path.name if self.state.cfg and self.state.cfg.path else "this config"
        self.discard_box = ask_save_discard_cancel(
            self,
            f"Drop the unsaved changes to {name}?",
            lambda choice: choice == Choice.DISCARD and then(),
            title=f"{action} config",
            can_save=False,
        )
        return self.discard_box

    def choose_file(self) -> None:
        self._when_discarded("Open another", self._choose_file_now)

    def _choose_file_now(self) -> None:
        self.file_dialog = choose_file(
            self,
            "Open a TOML config",
            self.state.browse_folder(),
            "TOML files (*.toml);;All files (*)",
            self.open_file,
        )

    def open_file(self, path: str | Path) -> bool:
        path = Path(path)
        self.reparse_timer.stop()
        self.lie_banner.clear()
        self.disk_banner.hide()
        self.switch_banner.hide()
        try:
            # An invalid TOML opens too (its text, an empty tree) so it can be fixed here.
            opened = open_config(path)
        except ConfigError as exc:
            self.error_label.show_error(str(exc))
            self.context.show_status(str(exc))
            return False
        previous = self.state.cfg.path if self.state.cfg is not None else None
        cfg, error = opened.cfg, opened.error
        text = self.state.adopt(opened)
        self.saving.watch(path, previous)
        self.undo_stack.clear()
        self.text_edit.load(text)
        self.tree.load(cfg.doc)
        self._set_parse_error(error)
        self.undo_stack.setClean()
        self.update_title()
        self.compare_page.fill_choices()
        self.compare_page.refresh()
        self.run_checks()  # at once on open (edits are debounced)
        self.estimate_panel.set_workspace(self.state.workspace, None if error else cfg.data())
        self.context.show_status(f"Config: {path}")
        return True

    def reload(self) -> None:
        if self.state.cfg is not None and self.state.cfg.path is not None:
            self.open_file(self.state.cfg.path)

    # ------------------------------------------------------------------ the document
    def current_text(self) -> str:
        """The text the tab holds (with a parse error, the text as typed)."""
        return self.state.current_text(self.text_edit.toPlainText())

    def _apply_text(self, text: str) -> None:
        """Make ``text`` the document (used by every undo step, both ways)."""
        if self.state.cfg is None:
            return
        error = self.state.apply_text(text)
        if error is None:
            self.tree.show_document(self.state.cfg.doc)
            self.estimate_panel.set_config_data(self.state.data())
        if self.text_edit.toPlainText() != as_shown(text):
            self.text_edit.replace_text(text)
        self._set_parse_error(error)
        self.update_title()
        self.compare_page.refresh()
        self.schedule_checks()

    def _undo_or_redo(self, undo: bool) -> None:
        """Undo / redo from the text's keys: the typing so far is a step first."""
        if self.reparse_timer.isActive():
            self.commit_text()
        (self.undo_stack.undo if undo else self.undo_stack.redo)()

    def _push(self, label: str, after: str) -> None:
        before = self.current_text()
        if after != before:
            self.undo_stack.push(TextSnapshotCommand(self._apply_text, label, before, after))

    def _copy(self) -> ConfigDocument | None:
        copy = self.state.editable_copy()
        if copy is None:
            self.context.show_status("Fix the TOML error in the text first")
        return copy

    def set_value(self, key: str, value_text: str) -> bool:
        """Set one key (TOML value text) as one undo step; offers to fix a comment it made untrue."""
        copy = self._copy()
        if copy is None:
            return False
        try:
            result = set_value(copy.doc, key, value_text)
        except ConfigError as exc:
            self.context.show_status(f"{key}: {exc}")
            self.error_label.show_error(f"{key}: {exc}")
            return False
        self.error_label.hide()
        if not result.changed:
            return True
        self._push(f"Set {key} = {result.new_text}", copy.text())
        if result.lie is not None:
            self.lie_banner.offer([result.lie], self.line_of)
        self.context.show_status(f"{key}: {result.old_text or '(added)'} → {result.new_text} (not saved yet)")
        return True

    def update_comment(self, key: str, comment: str) -> None:
        copy = self._copy()
        if copy is None:
            return
        try:
            set_comment(copy.doc, key, comment or None)
        except ConfigError as exc:
            self.context.show_status(str(exc))
            return
        self._push(f"{'Update' if comment else 'Drop'} comment of {key}", copy.text())

    def _text_typed(self) -> None:
        self.reparse_timer.start()
        self.update_title()

    def commit_text(self) -> None:
        """Take the typed text: an undo step whenever it changed, valid or not; an error marks its line."""
        self.reparse_timer.stop()
        if self.state.cfg is None:
            return
        text = self.text_edit.toPlainText()
        typed = self.state.take_typed(text)
        if typed.before is not None:
            self.undo_stack.push(
                TextSnapshotCommand(self._apply_text, "Edit text", typed.before, text, typing=True)
            )
        if typed.before is None or typed.error is None:
            # (A step with an error applied the text and showed the error itself.)
            self._set_parse_error(typed.error)
        # The title said "unsaved" while the typing waited; with no step it no longer is.
        self.update_title()

    def _set_parse_error(self, error: TomlSyntaxError | None) -> None:
        self.state.parse_error = error
        self.highlighter.set_error_line(error.line if error else None)
        self.error_label.show_parse_error(error)
        self.toolbar.save_button.setEnabled(self.state.editable)

    def line_of(self, key: str) -> int | None:
        return self.state.line_of(key, self.text_edit.toPlainText())

    def _clean_changed(self, _clean: bool) -> None:
        try:
            self.update_title()
        except RuntimeError:
            pass  # the undo stack announces "clean" while it is being destroyed with the tab

    def update_title(self) -> None:
        if self.state.cfg is None or self.state.cfg.path is None:
            self.toolbar.save_button.setEnabled(False)
            return
        self.toolbar.show_file(self.state.cfg.path, self.has_unsaved_changes())

    # ------------------------------------------------------------------ selection
    def select_key(self, key: str) -> bool:
        """Go to ``key`` in the text and the tree; False when the tree has no row for it."""
        self._highlight_key(key)
        return self.tree.select_key(key)

    def selected_key(self) -> str | None:
        return self.tree.selected_key()

    def _highlight_key(self, key: str) -> None:
        line = self.line_of(key)
        if line is not None:
            self.text_edit.highlight_line(line)

    def _finding_activated(self, finding: Finding | None) -> None:
        if finding is None:
            return
        if finding.key and self.select_key(finding.key):
            return
        if finding.line:
            self.text_edit.highlight_line(finding.line)

    # ------------------------------------------------------------------ saving
    def save(self, force: bool = False) -> JobHandle | None:
        """Save the open config (backup first); ``force`` even over a file changed on disk."""
        return self.saving.save(force)

    def save_all(self) -> JobHandle | None:
        """Quit or workspace switch chose Save: the Save button's save (never forced over a
        file changed on disk); None when nothing is unsaved or the TOML does not parse."""
        return self.save() if self.has_unsaved_changes() else None

    def why_unsaved(self) -> str:
        return self.saving.why_not_saved()

    # ------------------------------------------------------------------ presets
    def preview_preset(self, preset: Preset) -> PresetPreviewDialog | None:
        if self.state.cfg is None or self.state.parse_error is not None:
            self.context.show_status("Open a valid config first")
            return None
        try:
            preview, new_data = self.state.preset_preview(preset)
        except ConfigError as exc:
            self.error_label.show_error(f"Preset {preset.name}: {exc}")
            return None
        current = self.state.cfg.data()
        dialog = PresetPreviewDialog(
            preset.name,
            "current",
            self.state.cfg.text(),
            current,
            preview,
            new_data,
            self.estimate_panel.before_after(current, new_data),
            self,
        )
        dialog.accepted.connect(lambda: self._apply_preview(preset.name, preview))
        self.preset_dialog = dialog
        dialog.open()
        return dialog

    def _apply_preview(self, name: str, preview: PresetPreview) -> None:
        self._push(f"Apply preset {name}", preview.new_text)
        if preview.lies:
            self.lie_banner.offer(list(preview.lies), self.line_of)
        self.context.show_status(f"Applied preset {name}: {len(preview.changes)} change(s), not saved yet")

    def _ask_preset_name(self) -> None:
        self.file_dialog = ask_text(self, "Save as preset", "Preset name:", self.save_as_preset)

    def save_as_preset(self, name: str, folder: Path | None = None) -> Path | None:
        if not self.state.editable:
            return None
        try:
            path = self.state.save_preset(name, folder)
        except (ConfigError, OSError) as exc:
            self.error_label.show_error(f"Preset not saved: {exc}")
            return None
        self.context.show_status(f"Preset saved: {path}")
        return path

    # ------------------------------------------------------------------ diff
    def compare_with(self, path: str | Path) -> bool:
        return self.compare_page.compare_with(path)

    # ------------------------------------------------------------------ checks
    def schedule_checks(self) -> None:
        if self.state.cfg is not None:
            self.check_timer.start()

    def run_checks(self) -> JobHandle | None:
        self.check_timer.stop()
        if self.state.cfg is None or self.state.parse_error is not None:
            return None
        # A newer check supersedes a running one: its late report is dropped.
        handle = self.jobs.start(
            check_config_text,
            self.state.cfg.text(),
            str(self.state.cfg.path) if self.state.cfg.path else None,
            self.state.workspace,
            description="Checking the config",
            slot="check",
            finished=self._checks_done,
            failed=lambda message: self.checks.set_running(f"Checks failed: {message}"),
        )
        if handle is not None:
            self.checks.set_running("Checking…")
        return handle

    def _checks_done(self, report: CheckReport) -> None:
        self.state.last_report = report
        self.checks.set_findings(report.findings, self.state.workspace is not None)
        self.model.set_findings(report.findings)
