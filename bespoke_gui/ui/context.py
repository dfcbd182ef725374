"""What every tab is given: the job runner, the settings and the open workspace."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, QSettings, Signal

from bespoke_gui.core.workspace import Workspace
from bespoke_gui.ui.bridge import JobRunner


class AppContext(QObject):
    """Tabs read ``workspace`` and listen to ``workspace_changed``; they never open files
    on the GUI thread beyond small text reads, and run everything else through ``runner``."""

    workspace_changed = Signal(object)  # Workspace | None
    status_message = Signal(str)  # a short line for the status bar
    workspace_part_changed = Signal(str)  # "images", "config" or "samples", after the user points at one

    def __init__(self, runner: JobRunner, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.workspace: Workspace | None = None
        # The receivers that load this workspace later (hidden tabs), while it is announced.
        self.loading_later: frozenset[object] = frozenset()

    def set_workspace(self, workspace: Workspace | None, load_later: Iterable[object] = ()) -> None:
        """Announce ``workspace``; the receivers in ``load_later`` (hidden tabs) keep it to
        load when asked, so that the visible tab's jobs run first."""
        self.workspace = workspace
        self.loading_later = frozenset(load_later)
        try:
            self.workspace_changed.emit(workspace)
        finally:
            self.loading_later = frozenset()

    def show_status(self, message: str) -> None:
        self.status_message.emit(message)
