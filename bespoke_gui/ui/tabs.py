"""The tabs the main window shows, in order, and what the window asks of every tab.

Each ``TAB_SPECS`` entry names a :class:`FeatureTab` subclass taking ``(context: AppContext)``;
the window imports it when the tab is first shown. A tab follows ``context.workspace_changed``,
starts its jobs through ``self.jobs`` and answers the questions below.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

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
