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

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QTextCursor, QTextFormat, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.config.checks import CheckReport
from bespoke_gui.core.config.presets import Preset, list_presets, preview_preset, save_user_preset
from bespoke_gui.core.config.state import SaveOutcome, check_config_text, save_config_outcome
from bespoke_gui.core.config.tomlconfig import (
    ConfigDocument,
    ConfigError,
    SaveResult,
    TomlSyntaxError,
    default_backups_dir,
    disk_changed,
    load_config,
    loads_config,
    parse_toml,
    scan_keys,
    set_comment,
    set_value,
    stamp_of,
)
from bespoke_gui.core.dataset.backup import list_backups
from bespoke_gui.core.findings import Finding
from bespoke_gui.core.workspace import Workspace
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.config.diff_view import ConfigDiffView
from bespoke_gui.ui.config.estimate_panel import EstimatePanel
from bespoke_gui.ui.config.model import (
    COL_KEY,
    COL_TYPE,
    COL_VALUE,
    ConfigTreeModel,
    ConfigTreeView,
    ConfigValueDelegate,
)
from bespoke_gui.ui.config.panels import (
    ChecksPanel,
    LieBanner,
    PresetPreviewDialog,
    TextSnapshotCommand,
    TomlHighlighter,
)
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.tabs import FeatureTab
from bespoke_gui.ui.widgets.banner import Banner
from bespoke_gui.ui.widgets.confirm import Choice, ask_save_discard_cancel
from bespoke_gui.ui.widgets.elided_label import ElidedLabel
from bespoke_gui.ui.widgets.file_watch import FileWatch
from bespoke_gui.ui.widgets.timers import single_shot_timer

_REPARSE_MS = 400
_CHECK_DELAY_MS = 500


def _as_shown(text: str) -> str:
    """A text as the editor holds it (Qt keeps lines, not CRLF; the document re-adds CRLF on save)."""
    return text.replace("\r\n", "\n")


class _UndoKeys(QObject):
    """Ctrl+Z / Ctrl+Shift+Z in the text go to the tab's undo stack (the editor's own undo is
    off, and it would swallow the keys), after the typing so far is taken as a step."""

    def __init__(self, tab: ConfigTab) -> None:
        super().__init__(tab)
        self.tab = tab

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        assert isinstance(event, QKeyEvent)
        undo, redo = (
            event.matches(QKeySequence.StandardKey.Undo),
            event.matches(QKeySequence.StandardKey.Redo),
        )
        if not (undo or redo):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # a key press for this editor, not a window shortcut
            return True
        if self.tab.reparse_timer.isActive():
            self.tab.commit_text()
        (self.tab.undo_stack.undo if undo else self.tab.undo_stack.redo)()
        return True


class ConfigTab(FeatureTab):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.workspace: Workspace | None = None
        self.cfg: ConfigDocument | None = None
        self.parse_error: TomlSyntaxError | None = None
        self._step_text: str | None = None  # the text the last undo step (or opening) left
        self.undo_stack = QUndoStack(self)
        self.watcher = FileWatch(self)
        self.watcher.changed.connect(self._file_changed)
        self.discard_box: QMessageBox | None = None
        self.last_report: CheckReport | None = None
        self.last_save: SaveResult | None = None
        self.preset_dialog: PresetPreviewDialog | None = None
        self.compare_path: Path | None = None
        self._applying = False
        self._reselecting = False
        self._pending_workspace_config: Path | None = None

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
        self.tree = ConfigTreeView()
        self.tree.setModel(self.model)
        self.tree.setItemDelegateForColumn(COL_VALUE, ConfigValueDelegate(self.tree))
        self.tree.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        # Sized once per load, not on every change: a header sized to its contents asks the
        # model for every row on each update, which is slow while workers hold the GIL.
        self.tree.header().setSectionResizeMode(COL_KEY, QHeaderView.ResizeMode.Interactive)
        self.tree.header().resizeSection(COL_VALUE, 170)
        self.tree.header().resizeSection(COL_TYPE, 64)
        self.tree.header().setStretchLastSection(True)
        self.tree.selectionModel().currentChanged.connect(self._tree_current_changed)

        # --- text ---
        self.text_edit = QPlainTextEdit()
        self.text_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text_edit.setUndoRedoEnabled(False)  # the tab's undo stack owns undo
        font = self.text_edit.font()
        font.setFamily("monospace")
        self.text_edit.setFont(font)
        self.highlighter = TomlHighlighter(self.text_edit.document())
        self.text_edit.textChanged.connect(self._text_typed)
        self._undo_keys = _UndoKeys(self)
        self.text_edit.installEventFilter(self._undo_keys)
        self.reparse_timer = single_shot_timer(self, _REPARSE_MS, self.commit_text)

        # --- diff page ---
        self.compare_combo = QComboBox()
        # Long entries (a backup's full path) elide instead of pushing Browse… off the edge.
        self.compare_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.compare_combo.setMinimumContentsLength(16)
        self.compare_combo.activated.connect(self._compare_choice)
        self.compare_browse = QPushButton("Browse…")
        self.compare_browse.clicked.connect(self._browse_compare)
        self.diff_view = ConfigDiffView()
        self.diff_view.key_activated.connect(self.select_key)
        diff_page = QWidget()
        diff_layout = QVBoxLayout(diff_page)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Compare the open config with:"))
        pick.addWidget(self.compare_combo, 1)
        pick.addWidget(self.compare_browse)
        diff_layout.addLayout(pick)
        diff_layout.addWidget(self.diff_view, 1)
        self.right_tabs = QTabWidget()
        self.right_tabs.addTab(self.text_edit, "Text")
        self.right_tabs.addTab(diff_page, "Diff")

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
        self.workspace = workspace
        config = workspace.config_path if workspace else None
        if config is None:
            if self.cfg is None:
                self.file_label.setText(
                    "No config found in this workspace — use “Open other TOML…”"
                    if workspace
                    else "No config open"
                )
            self.run_checks()
            return
        if self.cfg is not None and self.cfg.path is not None and Path(config) == self.cfg.path:
            self.run_checks()
            return
        if self.has_unsaved_changes():
            self._pending_workspace_config = Path(config)
            self.switch_banner.message.setText(
                f"The workspace's config is {config}, but this one has unsaved edits."
            )
            self.switch_banner.show()
            return
        self.open_file(config)

    def _open_pending_workspace_config(self) -> None:
        self.switch_banner.hide()
        if self._pending_workspace_config is not None:
            self.open_file(self._pending_workspace_config)

    def discard_unsaved_changes(self) -> None:
        if self.cfg is None or self.cfg.path is None or not self.has_unsaved_changes():
            return
        self.reparse_timer.stop()
        if self.cfg.path.is_file():
            self.open_file(self.cfg.path)  # back to what is on disk, undo history dropped
        else:
            self.undo_stack.setClean()

    def has_unsaved_changes(self) -> bool:
        if self.cfg is None:
            return False
        return not self.undo_stack.isClean() or self.reparse_timer.isActive()

    # ------------------------------------------------------------------ opening
    def _when_discarded(self, action: str, then: Callable[[], object]) -> QMessageBox | None:
        """Run ``then`` now when nothing is unsaved, else after the user agrees to drop the edits."""
        if not self.has_unsaved_changes():
            then()
            return None
        name = self.cfg.path.name if self.cfg and self.cfg.path else "this config"
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
            str(self.cfg.path.parent)
            if self.cfg and self.cfg.path
            else str(self.workspace.root if self.workspace else "")
        )
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a TOML config", start, "TOML files (*.toml);;All files (*)"
        )
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        path = Path(path)
        self.reparse_timer.stop()
        self.lie_banner.clear()
        self.disk_banner.hide()
        self.switch_banner.hide()
        try:
            cfg = load_config(path)
            error: TomlSyntaxError | None = None
        except TomlSyntaxError as exc:
            # Show the text so the user can fix it here; the tree stays empty until it parses.
            data = path.read_bytes()
            text = data.decode("utf-8").lstrip("\ufeff")
            cfg = ConfigDocument(
                doc=parse_toml(""), path=path, original_text=text, bom=data.startswith(b"\xef\xbb\xbf")
            )
            cfg.stamp = stamp_of(path, data)
            error = exc
        except ConfigError as exc:
            self._show_error(str(exc))
            self.context.show_status(str(exc))
            return False
        if self.cfg is not None and self.cfg.path is not None:
            self.watcher.unwatch(self.cfg.path)
        self.cfg = cfg
        self.watcher.watch(path)
        self.undo_stack.clear()
        self._step_text = cfg.original_text if error else cfg.text()
        self._applying = True
        try:
            self.text_edit.setPlainText(self._step_text)
        finally:
            self._applying = False
        self.model.set_document(cfg.doc)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(COL_KEY)
        self._set_parse_error(error)
        self.undo_stack.setClean()
        self._update_title()
        self._fill_compare_choices()
        self._refresh_diff()
        self.run_checks()  # at once on open (edits are debounced)
        self.estimate_panel.set_workspace(self.workspace, None if error else cfg.data())
        self.context.show_status(f"Config: {path}")
        return True

    def reload(self) -> None:
        if self.cfg is not None and self.cfg.path is not None:
            self.open_file(self.cfg.path)

    # ------------------------------------------------------------------ the document
    def current_text(self) -> str:
        """The text the tab holds (with a parse error, the text as typed)."""
        if self.cfg is None:
            return ""
        return self.text_edit.toPlainText() if self.parse_error else self.cfg.text()

    def _apply_text(self, text: str) -> None:
        """Make ``text`` the document (used by every undo step, both ways)."""
        if self.cfg is None:
            return
        self._step_text = text
        try:
            doc = parse_toml(text, self.cfg.path or "<text>")
            error = None
        except TomlSyntaxError as exc:
            doc, error = None, exc
        if doc is not None:
            selected = self.selected_key()
            self.cfg.doc = doc
            self.model.set_document(doc)
            self.estimate_panel.set_config_data(self.cfg.data())
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
                scroll = self.text_edit.verticalScrollBar().value()
                self.text_edit.setPlainText(text)
                self.text_edit.verticalScrollBar().setValue(scroll)
            finally:
                self._applying = False
        self._set_parse_error(error)
        self._update_title()
        self._refresh_diff()
        self.schedule_checks()

    def _push(self, label: str, after: str, typing: bool = False) -> None:
        before = self.current_text() if not typing else self._last_good_text()
        if after == before:
            return
        self.undo_stack.push(TextSnapshotCommand(self._apply_text, label, before, after, typing=typing))

    def _last_good_text(self) -> str:
        return self.cfg.text() if self.cfg else ""

    def _copy(self) -> ConfigDocument | None:
        if self.cfg is None or self.parse_error is not None:
            self.context.show_status("Fix the TOML error in the text first")
            return None
        return loads_config(self.cfg.text(), self.cfg.path)

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
        if self.cfg is None:
            return
        text = self.text_edit.toPlainText()
        try:
            parse_toml(text, self.cfg.path or "<text>")
        except TomlSyntaxError as exc:
            # Invalid text is still an undo step: Undo/Redo work whatever the TOML's validity.
            if text != _as_shown(self.current_text()) or self.parse_error is None:
                before = self._step_text if self._step_text is not None else self.cfg.text()
                if text != _as_shown(before):
                    self.undo_stack.push(
                        TextSnapshotCommand(self._apply_text, "Edit text", before, text, typing=True)
                    )
                    return
            self._set_parse_error(exc)
            return
        if text != _as_shown(self.cfg.text()) or self.parse_error is not None:
            self.undo_stack.push(
                TextSnapshotCommand(self._apply_text, "Edit text", self.cfg.text(), text, typing=True)
            )
        self._set_parse_error(None)

    def _set_parse_error(self, error: TomlSyntaxError | None) -> None:
        self.parse_error = error
        self.highlighter.set_error_line(error.line if error else None)
        if error is None:
            if self.error_label.text().startswith("TOML error"):
                self.error_label.hide()
        else:
            self._show_error(
                f"TOML error (the tree shows the last valid state; saving waits until it is fixed): {error}"
            )
        self.save_button.setEnabled(self.cfg is not None and error is None)

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def line_of(self, key: str) -> int | None:
        return scan_keys(self.current_text()).lines.get(key)

    def _clean_changed(self, _clean: bool) -> None:
        try:
            self._update_title()
        except RuntimeError:
            pass  # the undo stack announces "clean" while it is being destroyed with the tab

    def _update_title(self) -> None:
        if self.cfg is None or self.cfg.path is None:
            self.save_button.setEnabled(False)
            return
        dirty = self.has_unsaved_changes()
        self.file_label.setText(f"{self.cfg.path}{'  • unsaved changes' if dirty else ''}")

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
        block = self.text_edit.document().findBlockByNumber(line - 1)
        if not block.isValid():
            return
        cursor = QTextCursor(block)
        self.text_edit.setTextCursor(cursor)
        self.text_edit.centerCursor()
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(Qt.GlobalColor.yellow)
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.cursor = cursor
        self.text_edit.setExtraSelections([selection])

    def _finding_activated(self, finding: Finding | None) -> None:
        if finding is None:
            return
        if finding.key and self.select_key(finding.key):
            return
        if finding.line:
            self._highlight_line(finding.line)

    # ------------------------------------------------------------------ saving
    def _backups_dir(self) -> Path:
        assert self.cfg is not None and self.cfg.path is not None
        if self.workspace is not None:
            try:
                self.cfg.path.resolve().relative_to(self.workspace.root.resolve())
                return self.workspace.backups_dir
            except ValueError:
                pass
        return default_backups_dir(self.cfg.path)

    def save(self, force: bool = False) -> JobHandle | None:
        if self.cfg is None or self.cfg.path is None:
            return None
        self.commit_text()
        if self.parse_error is not None:
            self.context.show_status("Not saved: fix the TOML error first")
            return None
        running = self.jobs.current("save")
        if running is not None:
            return running
        snapshot = loads_config(self.cfg.text(), self.cfg.path)
        snapshot.bom, snapshot.stamp, snapshot.newline = self.cfg.bom, self.cfg.stamp, self.cfg.newline
        snapshot.original_text = self.cfg.original_text
        self.disk_banner.hide()
        saved_text = snapshot.text()
        handle = self.jobs.start(
            save_config_outcome,
            snapshot,
            self._backups_dir(),
            force,
            description=f"Saving {self.cfg.path.name}",
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
        self.save_button.setEnabled(self.parse_error is None)
        if outcome.result is None:
            if outcome.changed_on_disk:
                self.disk_banner.message.setText(f"Not saved: {outcome.error}")
                self.disk_banner.show()
            else:
                self._show_error(f"Not saved: {outcome.error}")
            self.context.show_status(f"Not saved: {outcome.error}")
            return
        assert self.cfg is not None
        self.last_save = outcome.result
        self.cfg.stamp = outcome.result.stamp
        self.cfg.original_text = text
        if self.cfg.text() == text:
            self.undo_stack.setClean()
        self.watcher.rearm()
        backup = outcome.result.backup
        message = (
            f"Saved {self.cfg.path.name}; backup in {backup.path}"
            if backup is not None
            else f"{self.cfg.path.name}: nothing to save"
        )
        self.error_label.hide()
        self._update_title()
        self._fill_compare_choices()
        self.context.show_status(message)

    def _save_failed(self, message: str) -> None:
        self.save_button.setEnabled(self.parse_error is None)
        self._show_error(f"Not saved: {message}")
        self.context.show_status(f"Not saved: {message}")

    def _file_changed(self, path: str) -> None:
        if self.cfg is None or self.cfg.path is None or Path(path) != self.cfg.path:
            return
        if self.jobs.current("save") is not None:
            return  # our own write; the stamp is updated when the save reports back
        if not disk_changed(self.cfg.path, self.cfg.stamp):
            return
        if not self.has_unsaved_changes() and self.cfg.path.exists():
            self.open_file(self.cfg.path)
            self.context.show_status(f"{self.cfg.path.name} changed on disk; reloaded")
            return
        state = "deleted" if not self.cfg.path.exists() else "changed"
        self.disk_banner.message.setText(
            f"{self.cfg.path.name} was {state} on disk by another program while you have unsaved edits here."
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
        save.setEnabled(self.cfg is not None and self.parse_error is None)

    def preview_preset(self, preset: Preset) -> PresetPreviewDialog | None:
        if self.cfg is None or self.parse_error is not None:
            self.context.show_status("Open a valid config first")
            return None
        try:
            preset_cfg = preset.load()
        except ConfigError as exc:
            self._show_error(f"Preset {preset.name}: {exc}")
            return None
        preview = preview_preset(self.cfg, preset_cfg)
        new_data = loads_config(preview.new_text).data()
        dialog = PresetPreviewDialog(
            preset.name, "current", self.cfg.text(), self.cfg.data(), preview, new_data, self
        )
        before_after = self.estimate_panel.before_after(self.cfg.data(), new_data)
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
        name, ok = QInputDialog.getText(self, "Save as preset", "Preset name:")
        if ok and name.strip():
            self.save_as_preset(name)

    def save_as_preset(self, name: str, folder: Path | None = None) -> Path | None:
        if self.cfg is None or self.parse_error is not None:
            return None
        try:
            path = save_user_preset(self.cfg.text(), name, folder)
        except (ConfigError, OSError) as exc:
            self._show_error(f"Preset not saved: {exc}")
            return None
        self.context.show_status(f"Preset saved: {path}")
        return path

    # ------------------------------------------------------------------ diff
    def _fill_compare_choices(self) -> None:
        self.compare_combo.clear()
        self.compare_combo.addItem("Choose a file to compare…", None)
        if self.cfg is None:
            return
        seen: set[Path] = set()
        roots = [
            p
            for p in (
                self.workspace.root if self.workspace else None,
                self.cfg.path.parent if self.cfg.path else None,
            )
            if p is not None
        ]
        for root in roots:
            for candidate in sorted(root.glob("*.toml")) + sorted(root.glob("*/*.toml")):
                resolved = candidate.resolve()
                if resolved in seen or (self.cfg.path and resolved == self.cfg.path.resolve()):
                    continue
                if "backups" in candidate.relative_to(root).parts:
                    continue
                seen.add(resolved)
                self.compare_combo.addItem(f"config: {candidate.relative_to(root)}", str(candidate))
        if self.cfg.path is not None:
            try:
                backups = list_backups(self._backups_dir(), kind="config")
            except OSError:
                backups = []
            for backup in backups[:30]:
                copy = backup.path / self.cfg.path.name
                if copy.exists():
                    self.compare_combo.addItem(f"backup: {backup.created} ({backup.path.name})", str(copy))
        for preset in list_presets():
            self.compare_combo.addItem(f"preset: {preset.name}", str(preset.path))
        if self.compare_path is not None:
            row = self.compare_combo.findData(str(self.compare_path))
            if row < 0:
                self.compare_combo.addItem(f"file: {self.compare_path}", str(self.compare_path))
                row = self.compare_combo.count() - 1
            self.compare_combo.setCurrentIndex(row)

    def _compare_choice(self, row: int) -> None:
        path = self.compare_combo.itemData(row)
        if path:
            self.compare_with(path)

    def _browse_compare(self) -> None:
        start = str(self.cfg.path.parent) if self.cfg and self.cfg.path else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "Compare with", start, "TOML files (*.toml);;All files (*)"
        )
        if path:
            self.compare_with(path)

    def compare_with(self, path: str | Path) -> bool:
        self.compare_path = Path(path)
        row = self.compare_combo.findData(str(path))
        if row < 0:
            self.compare_combo.addItem(f"file: {path}", str(path))
            row = self.compare_combo.count() - 1
        self.compare_combo.setCurrentIndex(row)
        self.right_tabs.setCurrentIndex(1)
        shown = self._refresh_diff()
        if shown:
            self.diff_view.go_to_change(0)
        return shown

    def _refresh_diff(self) -> bool:
        if self.cfg is None or self.compare_path is None:
            return False
        try:
            other = load_config(self.compare_path)
        except ConfigError as exc:
            self.diff_view.clear(f"Cannot compare: {exc}")
            return False
        title = f"{self.cfg.path.name if self.cfg.path else 'open config'}{' (unsaved edits)' if self.has_unsaved_changes() else ''}"
        self.diff_view.set_texts(
            title, self.current_text(), self.cfg.data(), str(self.compare_path), other.text(), other.data()
        )
        return True

    # ------------------------------------------------------------------ checks
    def schedule_checks(self) -> None:
        if self.cfg is not None:
            self.check_timer.start()

    def run_checks(self) -> JobHandle | None:
        self.check_timer.stop()
        if self.cfg is None or self.parse_error is not None:
            return None
        # A newer check supersedes a running one: its late report is dropped.
        handle = self.jobs.start(
            check_config_text,
            self.cfg.text(),
            str(self.cfg.path) if self.cfg.path else None,
            self.workspace,
            description="Checking the config",
            slot="check",
            finished=self._checks_done,
            failed=lambda message: self.checks.set_running(f"Checks failed: {message}"),
        )
        if handle is not None:
            self.checks.set_running("Checking…")
        return handle

    def _checks_done(self, report: CheckReport) -> None:
        self.last_report = report
        self.checks.set_findings(report.findings, self.workspace is not None)
        self.model.set_findings(report.findings)
