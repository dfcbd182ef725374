"""The Config tab: read, diff and edit sd-scripts TOML configs without losing a comment.

Left: the tree of tables and keys (type-aware editors) above the checks. Right: the TOML
text itself (editable; it is re-parsed as you type) and the Diff page. Every change, from
the tree, the text, a preset or a comment fix, is one step on the undo stack, stored as
the exact text before and after. Save takes a verified backup first and writes
atomically; a file changed on disk is noticed (QFileSystemWatcher) and never overwritten
silently. Checks and saves run through the job runner.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.config.check_report import CheckReport
from bespoke_gui.core.config.document import ConfigDocument, parse_toml
from bespoke_gui.core.config.editing import set_comment, set_value
from bespoke_gui.core.config.errors import ConfigError, TomlSyntaxError
from bespoke_gui.core.config.presets import Preset, list_presets
from bespoke_gui.core.config.state import (
    ConfigState,
    DiskChange,
    SaveOutcome,
    check_config_text,
    open_config,
    save_config_outcome,
)
from bespoke_gui.core.findings import Finding
from bespoke_gui.core.workspace import Workspace
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.config.compare_page import ComparePage
from bespoke_gui.ui.config.estimate_panel import EstimatePanel
from bespoke_gui.ui.config.model import (
    COL_KEY,
    ConfigTreeModel,
    ConfigTreeView,
)
from bespoke_gui.ui.config.panels import (
    ChecksPanel,
    LieBanner,
    PresetPreviewDialog,
    TextSnapshotCommand,
)
from bespoke_gui.ui.config.text_editor import TomlEditor
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.tabs import FeatureTab
from bespoke_gui.ui.widgets.banner import Banner
from bespoke_gui.ui.widgets.confirm import Choice, ask_save_discard_cancel
from bespoke_gui.ui.widgets.elided_label import ElidedLabel
from bespoke_gui.ui.widgets.file_dialogs import ask_text, choose_file
from bespoke_gui.ui.widgets.file_watch import FileWatch
from bespoke_gui.ui.widgets.timers import single_shot_timer

_REPARSE_MS = 400
_CHECK_DELAY_MS = 500


def _as_shown(text: str) -> str:
    """A text as the editor holds it (Qt keeps lines, not CRLF; the document re-adds CRLF on save)."""
    return text.replace("\r\n", "\n")


class ConfigTab(FeatureTab):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.state = ConfigState()
        self.undo_stack = QUndoStack(self)
        self.watcher = FileWatch(self)
        self.watcher.changed.connect(self._file_changed)
        self.discard_box: QMessageBox | None = None
        self.preset_dialog: PresetPreviewDialog | None = None
        self.file_dialog: QWidget | None = None  # an open file or name question (open(), not exec())
        self._applying = False
        self._reselecting = False

        # --- top bar ---
        self.file_label = ElidedLabel("No config open")
        self.open_button = QPushButton("Open other TOML…")
        self.open_button.clicked.connect(self.choose_file)
        self.reload_button = QPushButton("Reload")
        self.reload_button.clicked.connect(lambda: self._when_discarded("Reload", self.reload))
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Back up the file (verified), then write it atomically (Ctrl+S)")
        self.save_button.clicked.connect(lambda: self.save())
        self.undo_action = self.undo_stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        self.undo_button = QToolButton()
        self.undo_button.setDefaultAction(self.undo_action)
        self.redo_button = QToolButton()
        self.redo_button.setDefaultAction(self.redo_action)
        self.presets_button = QToolButton()
        self.presets_button.setText("Presets")
        self.presets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.presets_menu = QMenu(self.presets_button)
        self.presets_menu.aboutToShow.connect(self._fill_presets_menu)
        self.presets_button.setMenu(self.presets_menu)
        save_action = QAction(self)
        save_action.setShortcut(QKeySequence.StandardKey.Save)
        save_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_action.triggered.connect(lambda: self.save())
        self.addAction(save_action)
        top = QHBoxLayout()
        top.addWidget(self.file_label, 1)
        for widget in (
            self.open_button,
            self.reload_button,
            self.undo_button,
            self.redo_button,
            self.presets_button,
            self.save_button,
        ):
            top.addWidget(widget)

        # --- banners ---
        self.error_label = QLabel("")
        self.error_label.setStyleSheet("color: #b71c1c;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.disk_banner = Banner("#fde0dc")
        self.disk_reload_button = self.disk_banner.add_button("Reload from disk (drop my edits)", self.reload)
        self.disk_overwrite_button = self.disk_banner.add_button(
            "Save mine anyway (backup first)", lambda: self.save(force=True)
        )
        self.disk_banner.add_button("Dismiss", self.disk_banner.hide)
        self.switch_banner = Banner("#e3f0ff")
        self.switch_banner.add_button("Open it (drop my edits)", self._open_pending_workspace_config)
        self.switch_banner.add_button("Keep editing this one", self.switch_banner.hide)
        self.lie_banner = LieBanner()
        self.lie_banner.update_requested.connect(self.update_comment)
        self.lie_banner.drop_requested.connect(lambda key: self.update_comment(key, ""))

        # --- tree ---
        self.model = ConfigTreeModel(self)
        self.model.edit_requested.connect(self.set_value)
        self.tree = ConfigTreeView(self.model)
        self.tree.selectionModel().currentChanged.connect(self._tree_current_changed)

        # --- text ---
        self.text_edit = TomlEditor(lambda: self._undo_or_redo(True), lambda: self._undo_or_redo(False))
        self.highlighter = self.text_edit.highlighter
        self.text_edit.textChanged.connect(self._text_typed)
        self.reparse_timer = single_shot_timer(self, _REPARSE_MS, self.commit_text)

        # --- diff page ---
        self.compare_page = ComparePage(self.state, self.current_text, self.has_unsaved_changes)
        self.compare_page.key_activated.connect(self.select_key)
        self.compare_page.compared.connect(lambda: self.right_tabs.setCurrentIndex(1))
        self.compare_combo = self.compare_page.combo
        self.diff_view = self.compare_page.diff_view
        self.right_tabs = QTabWidget()
        self.right_tabs.addTab(self.text_edit, "Text")
        self.right_tabs.addTab(self.compare_page, "Diff")

        # --- checks ---
        self.checks = ChecksPanel()
        self.checks.finding_activated.connect(self._finding_activated)
        self.checks.recheck_requested.connect(self.run_checks)
        self.check_timer = single_shot_timer(self, _CHECK_DELAY_MS, self.run_checks)

        self.estimate_panel = EstimatePanel(context)

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
        layout.addLayout(top)
        for widget in (self.error_label, self.disk_banner, self.switch_banner, self.lie_banner):
            layout.addWidget(widget)
        layout.addWidget(main, 1)

        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._update_title()
        context.workspace_changed.connect(self.set_workspace)
        if context.workspace is not None:
            self.set_workspace(context.workspace)

    # ------------------------------------------------------------------ workspace
    def set_workspace(self, workspace: Workspace | None) -> None:
        config = self.state.workspace_config_to_open(workspace)
        if config is None:
            if self.state.cfg is None:
                self.file_label.setText(
                    "No config found in this workspace — use “Open other TOML…”"
                    if workspace and workspace.config_path is None
                    else "No config open"
                )
            self.run_checks()
            return
        if self.has_unsaved_changes():
            self.state.pending_workspace_config = config
            self.switch_banner.message.setText(
                f"The workspace's config is {config}, but this one has unsaved edits."
            )
            self.switch_banner.show()
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
        start = (
            str(self.state.cfg.path.parent)
            if self.state.cfg and self.state.cfg.path
            else str(self.state.workspace.root if self.state.workspace else "")
        )
        self.file_dialog = choose_file(
            self, "Open a TOML config", Path(start), "TOML files (*.toml);;All files (*)", self.open_file
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
            self._show_error(str(exc))
            self.context.show_status(str(exc))
            return False
        if self.state.cfg is not None and self.state.cfg.path is not None:
            self.watcher.unwatch(self.state.cfg.path)
        cfg, error = opened.cfg, opened.error
        text = self.state.adopt(opened)
        self.watcher.watch(path)
        self.undo_stack.clear()
        self._applying = True
        try:
            self.text_edit.setPlainText(text)
        finally:
            self._applying = False
        self.model.set_document(cfg.doc)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(COL_KEY)
        self._set_parse_error(error)
        self.undo_stack.setClean()
        self._update_title()
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
            selected = self.selected_key()
            self.model.set_document(self.state.cfg.doc)
            self.estimate_panel.set_config_data(self.state.data())
            self.tree.expandAll()
            if selected is not None:
                # Keep the user's place in the tree without moving the text cursor they may be typing at.
                self._reselecting = True
                try:
                    self.tree.setCurrentIndex(self.model.index_for_key(selected))
                finally:
                    self._reselecting = False
        if self.text_edit.toPlainText() != _as_shown(text):
            self._applying = True
            try:
                self.text_edit.replace_text(text)
            finally:
                self._applying = False
        self._set_parse_error(error)
        self._update_title()
        self.compare_page.refresh()
        self.schedule_checks()

    def _undo_or_redo(self, undo: bool) -> None:
        """Undo / redo from the text's keys: the typing so far is a step first."""
        if self.reparse_timer.isActive():
            self.commit_text()
        (self.undo_stack.undo if undo else self.undo_stack.redo)()

    def _push(self, label: str, after: str, typing: bool = False) -> None:
        before = self.current_text() if not typing else self._last_good_text()
        if after == before:
            return
        self.undo_stack.push(TextSnapshotCommand(self._apply_text, label, before, after, typing=typing))

    def _last_good_text(self) -> str:
        return self.state.cfg.text() if self.state.cfg else ""

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
            self._show_error(f"{key}: {exc}")
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
        if not self._applying:
            self.reparse_timer.start()
            self._update_title()

    def commit_text(self) -> None:
        """Take the typed text: one undo step when it parses, a marked error line when not."""
        self.reparse_timer.stop()
        if self.state.cfg is None:
            return
        text = self.text_edit.toPlainText()
        try:
            parse_toml(text, self.state.cfg.path or "<text>")
        except TomlSyntaxError as exc:
            # Invalid text is still an undo step: Undo/Redo work whatever the TOML's validity.
            if text != _as_shown(self.current_text()) or self.state.parse_error is None:
                before = self.state.step_text if self.state.step_text is not None else self.state.cfg.text()
                if text != _as_shown(before):
                    self.undo_stack.push(
                        TextSnapshotCommand(self._apply_text, "Edit text", before, text, typing=True)
                    )
                    return
            self._set_parse_error(exc)
            return
        if text != _as_shown(self.state.cfg.text()) or self.state.parse_error is not None:
            self.undo_stack.push(
                TextSnapshotCommand(self._apply_text, "Edit text", self.state.cfg.text(), text, typing=True)
            )
        self._set_parse_error(None)

    def _set_parse_error(self, error: TomlSyntaxError | None) -> None:
        self.state.parse_error = error
        self.highlighter.set_error_line(error.line if error else None)
        if error is None:
            if self.error_label.text().startswith("TOML error"):
                self.error_label.hide()
        else:
            self._show_error(
                f"TOML error (the tree shows the last valid state; saving waits until it is fixed): {error}"
            )
        self.save_button.setEnabled(self.state.cfg is not None and error is None)

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def line_of(self, key: str) -> int | None:
        return self.state.line_of(key, self.text_edit.toPlainText())

    def _clean_changed(self, _clean: bool) -> None:
        try:
            self._update_title()
        except RuntimeError:
            pass  # the undo stack announces "clean" while it is being destroyed with the tab

    def _update_title(self) -> None:
        if self.state.cfg is None or self.state.cfg.path is None:
            self.save_button.setEnabled(False)
            return
        dirty = self.has_unsaved_changes()
        self.file_label.setText(f"{self.state.cfg.path}{'  • unsaved changes' if dirty else ''}")

    # ------------------------------------------------------------------ selection
    def select_key(self, key: str) -> bool:
        index = self.model.index_for_key(key)
        line = self.line_of(key)
        if line is not None:
            self._highlight_line(line)
        if not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def selected_key(self) -> str | None:
        entry = self.model.entry(self.tree.currentIndex())
        return entry.key if entry else None

    def _tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self.model.entry(current)
        if entry is not None and not self._reselecting:
            line = self.line_of(entry.key)
            if line is not None:
                self._highlight_line(line)

    def _highlight_line(self, line: int) -> None:
        self.text_edit.highlight_line(line)

    def _finding_activated(self, finding: Finding | None) -> None:
        if finding is None:
            return
        if finding.key and self.select_key(finding.key):
            return
        if finding.line:
            self._highlight_line(finding.line)

    # ------------------------------------------------------------------ saving
    def save(self, force: bool = False) -> JobHandle | None:
        if self.state.cfg is None or self.state.cfg.path is None:
            return None
        self.commit_text()
        if self.state.parse_error is not None:
            self.context.show_status("Not saved: fix the TOML error first")
            return None
        running = self.jobs.current("save")
        if running is not None:
            return running
        snapshot = self.state.save_snapshot()
        self.disk_banner.hide()
        saved_text = snapshot.text()
        handle = self.jobs.start(
            save_config_outcome,
            snapshot,
            self.state.backups_dir(),
            force,
            description=f"Saving {self.state.cfg.path.name}",
            slot="save",
            finished=lambda outcome: self._saved(outcome, saved_text),
            failed=self._save_failed,
        )
        if handle is None:
            self._show_error("Not saved: the app is closing")
            return None
        self.save_button.setEnabled(False)
        return handle

    def _saved(self, outcome: SaveOutcome, text: str) -> None:
        self.save_button.setEnabled(self.state.parse_error is None)
        if outcome.result is None:
            if outcome.changed_on_disk:
                self.disk_banner.message.setText(f"Not saved: {outcome.error}")
                self.disk_banner.show()
            else:
                self._show_error(f"Not saved: {outcome.error}")
            self.context.show_status(f"Not saved: {outcome.error}")
            return
        assert self.state.cfg is not None
        if self.state.saved(outcome.result, text):
            self.undo_stack.setClean()
        self.watcher.rearm()
        backup = outcome.result.backup
        message = (
            f"Saved {self.state.cfg.path.name}; backup in {backup.path}"
            if backup is not None
            else f"{self.state.cfg.path.name}: nothing to save"
        )
        self.error_label.hide()
        self._update_title()
        self.compare_page.fill_choices()
        self.context.show_status(message)

    def _save_failed(self, message: str) -> None:
        self.save_button.setEnabled(self.state.parse_error is None)
        self._show_error(f"Not saved: {message}")
        self.context.show_status(f"Not saved: {message}")

    def _file_changed(self, path: str) -> None:
        change = self.state.disk_change(
            path, self.jobs.current("save") is not None, self.has_unsaved_changes()
        )
        if change is DiskChange.NONE or self.state.cfg is None or self.state.cfg.path is None:
            return
        name = self.state.cfg.path.name
        if change is DiskChange.RELOAD:
            self.open_file(self.state.cfg.path)
            self.context.show_status(f"{name} changed on disk; reloaded")
            return
        self.disk_banner.message.setText(
            f"{name} was {change.value} on disk by another program while you have unsaved edits here."
        )
        self.disk_banner.show()

    # ------------------------------------------------------------------ presets
    def _fill_presets_menu(self) -> None:
        self.presets_menu.clear()
        presets = list_presets()
        for preset in presets:
            action = self.presets_menu.addAction(preset.name + ("" if preset.builtin else "  (mine)"))
            action.setToolTip(str(preset.path))
            action.triggered.connect(lambda _checked=False, p=preset: self.preview_preset(p))
        if not presets:
            self.presets_menu.addAction("No presets").setEnabled(False)
        self.presets_menu.addSeparator()
        save = self.presets_menu.addAction("Save current as preset…")
        save.triggered.connect(self._ask_preset_name)
        save.setEnabled(self.state.cfg is not None and self.state.parse_error is None)

    def preview_preset(self, preset: Preset) -> PresetPreviewDialog | None:
        if self.state.cfg is None or self.state.parse_error is not None:
            self.context.show_status("Open a valid config first")
            return None
        try:
            preview, new_data = self.state.preset_preview(preset)
        except ConfigError as exc:
            self._show_error(f"Preset {preset.name}: {exc}")
            return None
        dialog = PresetPreviewDialog(
            preset.name, "current", self.state.cfg.text(), self.state.cfg.data(), preview, new_data, self
        )
        before_after = self.estimate_panel.before_after(self.state.cfg.data(), new_data)
        if before_after:
            dialog.estimate_label = QLabel(before_after)
            dialog.layout().insertWidget(1, dialog.estimate_label)
        dialog.accepted.connect(lambda: self._apply_preview(preset.name, preview))
        self.preset_dialog = dialog
        dialog.open()
        return dialog

    def _apply_preview(self, name: str, preview: Any) -> None:
        self._push(f"Apply preset {name}", preview.new_text)
        if preview.lies:
            self.lie_banner.offer(list(preview.lies), self.line_of)
        self.context.show_status(f"Applied preset {name}: {len(preview.changes)} change(s), not saved yet")

    def _ask_preset_name(self) -> None:
        self.file_dialog = ask_text(self, "Save as preset", "Preset name:", self.save_as_preset)

    def save_as_preset(self, name: str, folder: Path | None = None) -> Path | None:
        if self.state.cfg is None or self.state.parse_error is not None:
            return None
        try:
            path = self.state.save_preset(name, folder)
        except (ConfigError, OSError) as exc:
            self._show_error(f"Preset not saved: {exc}")
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
