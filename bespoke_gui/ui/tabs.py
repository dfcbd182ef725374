"""The tabs the main window shows, in order, and what the window asks of every tab.

Each ``TAB_SPECS`` entry names a :class:`FeatureTab` subclass taking ``(context: AppContext)``;
the window imports it when the tab is first shown. A tab follows ``context.workspace_changed``
through ``follow_workspace``, starts its jobs through ``self.jobs`` and answers the questions below.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from bespoke_gui.core.workspace import Workspace
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.tab_jobs import TabJobs

TAB_SPECS: list[tuple[str, str]] = [
    # (title, "module:ClassName")
    ("Captions", "bespoke_gui.ui.captions.tab:CaptionsTab"),
    ("Dataset", "bespoke_gui.ui.dataset.tab:DatasetTab"),
    ("Config", "bespoke_gui.ui.config.tab:ConfigTab"),
    ("Epochs", "bespoke_gui.ui.epochs.tab:EpochsTab"),
]


class FeatureTab(QWidget):
    """One feature's tab: the wiring between its state object, its views and its jobs."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.jobs = TabJobs(context.runner, self._job_failed)
        self._load_workspace: Callable[[Workspace | None], None] | None = None
        self._deferred_workspace: list[Workspace | None] = []  # at most one: the latest

    # --- following the workspace ----------------------------------------------------------
    def follow_workspace(self, load: Callable[[Workspace | None], None]) -> None:
        """Call ``load`` with every workspace the context switches to, and now with the current one."""
        self._load_workspace = load
        self.context.workspace_changed.connect(self._on_workspace_changed)
        if self.context.workspace is not None:
            load(self.context.workspace)

    def has_deferred_workspace(self) -> bool:
        return bool(self._deferred_workspace)

    def load_deferred_workspace(self) -> bool:
        """Load the workspace that arrived while deferred; False when none is waiting."""
        if not self._deferred_workspace or self._load_workspace is None:
            return False
        workspace = self._deferred_workspace.pop()
        self._load_workspace(workspace)
        return True

    def _on_workspace_changed(self, workspace: Workspace | None) -> None:
        if self._load_workspace is None:
            return
        if self in self.context.loading_later:
            # Hidden while the window switches workspace: load it when asked (shown, or the
            # window's turn). Every tab loading at once kept the event loop waiting for
            # Python (four tabs' jobs in worker threads); the visible tab loads first.
            self._deferred_workspace = [workspace]
            return
        self._deferred_workspace = []  # a newer workspace supersedes one still waiting
        self._load_workspace(workspace)

    def has_unsaved_changes(self) -> bool:
        """Edits the user would lose if the window closed now."""
        return False

    def discard_unsaved_changes(self) -> None:
        """The user chose to drop the unsaved edits (quit or workspace switch): forget them."""

    def save_all(self) -> JobHandle | None:
        """Start saving every unsaved edit (None when there is nothing to save)."""
        return None

    def why_unsaved(self) -> str:
        """Why edits are still unsaved after ``save_all`` (one line for the window's status
        bar, without the tab's name; "" when the tab has nothing to add)."""
        return ""

    def running_jobs(self) -> list[JobHandle]:
        return self.jobs.running()

    def _job_failed(self, description: str, message: str) -> None:
        """A job failed and its starter gave no handler: one line in the status bar."""
        self.context.show_status(f"{description}: {message}")
