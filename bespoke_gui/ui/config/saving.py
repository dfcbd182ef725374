"""Saving the open config, and noticing when its file changes on disk.

``ConfigSaving`` runs the save job (``save_config_outcome``: a verified backup first, then an
atomic write, never over a file changed on disk) through the tab's ``jobs`` (slot "save"). It
watches the open file (``FileWatch``): a change with nothing unsaved reloads it; a change
under unsaved edits, or a save that found one, shows the disk banner, which asks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from bespoke_gui.core.config.state import DiskChange, SaveOutcome, save_config_outcome
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.config.banners import DiskBanner
from bespoke_gui.ui.widgets.file_watch import FileWatch

if TYPE_CHECKING:
    from bespoke_gui.ui.config.tab import ConfigTab


class ConfigSaving(QObject):
    """The tab's Save and its watch on the open file, with the banner for changes on disk."""

    def __init__(self, tab: ConfigTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.state = tab.state
        self.watcher = FileWatch(self)
        self.watcher.changed.connect(self._file_changed)
        self.banner = DiskBanner(tab.reload, lambda: self.save(force=True))
        self.last_error = ""  # why the last save did not write (one line)

    def watch(self, path: Path, previous: Path | None) -> None:
        """Watch ``path`` (a config just opened) instead of ``previous``."""
        if previous is not None:
            self.watcher.unwatch(previous)
        self.watcher.watch(path)

    def save(self, force: bool = False) -> JobHandle | None:
        tab, cfg = self.tab, self.state.cfg
        if cfg is None or cfg.path is None:
            return None
        tab.commit_text()
        if self.state.parse_error is not None:
            tab.context.show_status(f"Not saved: {self.why_not_saved()}")
            return None
        running = tab.jobs.current("save")
        if running is not None:
            return running
        self.last_error = ""
        snapshot = self.state.save_snapshot()
        self.banner.hide()
        saved_text = snapshot.text()
        handle = tab.jobs.start(
            save_config_outcome,
            snapshot,
            self.state.backups_dir(),
            force,
            description=f"Saving {cfg.path.name}",
            slot="save",
            finished=lambda outcome: self._saved(outcome, saved_text),
            failed=self._save_failed,
        )
        if handle is None:
            self.last_error = "the app is closing"
            tab.error_label.show_error(f"Not saved: {self.last_error}")
            return None
        tab.toolbar.save_button.setEnabled(False)
        return handle

    def _saved(self, outcome: SaveOutcome, text: str) -> None:
        tab = self.tab
        tab.toolbar.save_button.setEnabled(self.state.parse_error is None)
        if outcome.result is None:
            self.last_error = outcome.error
            if outcome.changed_on_disk:
                self.banner.say(f"Not saved: {outcome.error}")
            else:
                tab.error_label.show_error(f"Not saved: {outcome.error}")
            tab.context.show_status(f"Not saved: {outcome.error}")
            return
        if self.state.saved(outcome.result, text):
            tab.undo_stack.setClean()
        self.watcher.rearm()
        tab.error_label.hide()
        tab.update_title()
        tab.compare_page.fill_choices()
        tab.context.show_status(self.state.saved_message(outcome.result))

    def why_not_saved(self) -> str:
        """Why the open config's edits are not saved (one line; "" when no save was refused)."""
        error = self.state.parse_error
        if error is not None:
            where = f" on line {error.line}" if error.line else ""
            return f"the TOML has an error{where}: fix it, then save"
        return self.last_error

    def _save_failed(self, message: str) -> None:
        self.last_error = message
        self.tab.toolbar.save_button.setEnabled(self.state.parse_error is None)
        self.tab.error_label.show_error(f"Not saved: {message}")
        self.tab.context.show_status(f"Not saved: {message}")

    def _file_changed(self, path: str) -> None:
        tab = self.tab
        change = self.state.disk_change(path, tab.jobs.current("save") is not None, tab.has_unsaved_changes())
        if change is DiskChange.NONE or self.state.cfg is None or self.state.cfg.path is None:
            return
        name = self.state.cfg.path.name
        if change is DiskChange.RELOAD:
            tab.open_file(self.state.cfg.path)
            tab.context.show_status(f"{name} changed on disk; reloaded")
            return
        self.banner.show_change(name, change)
