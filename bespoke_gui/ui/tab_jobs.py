"""The jobs one tab runs, kept in one place (every tab starts its jobs through a ``TabJobs``).

A job may take a named slot ("load", "check", "save"...): the tab's current job of that kind.
Starting another in the same slot cancels the old one, and the old one's late signals are
dropped, so a stale result never lands on the view. Jobs without a slot run side by side.
The window asks ``running()`` before it quits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bespoke_gui.ui.bridge import JobHandle, JobRunner


class TabJobs:
    def __init__(self, runner: JobRunner, on_failed: Callable[[str, str], None] | None = None) -> None:
        """``on_failed(description, message)`` handles a failure the caller gave no handler for."""
        self._runner = runner
        self._on_failed = on_failed
        self._handles: list[JobHandle] = []
        self._slots: dict[str, JobHandle] = {}

    def start(
        self,
        fn: Callable[..., Any],
        *args: Any,
        description: str,
        slot: str | None = None,
        finished: Callable[[Any], object] | None = None,
        failed: Callable[[str], object] | None = None,
        cancelled: Callable[[], object] | None = None,
        **kwargs: Any,
    ) -> JobHandle | None:
        """Run ``fn`` on the runner; None when the app is closing (the runner takes no more work).

        The callbacks run on the GUI thread, after the slot is freed (so a callback may start
        the next job of its kind), and only while the job is still its slot's current one.
        """
        try:
            handle = self._runner.start(fn, *args, description=description, **kwargs)
        except RuntimeError:
            return None
        if slot is not None:
            old = self._slots.get(slot)
            if old is not None and not old.is_done:
                old.cancel()
            self._slots[slot] = handle
        self._handles = [h for h in self._handles if not h.is_done] + [handle]

        def current() -> bool:
            """Free the slot; True when the job's result is still wanted."""
            if slot is None:
                return True
            if self._slots.get(slot) is not handle:
                return False
            del self._slots[slot]
            return True

        def on_finished(result: Any) -> None:
            if current() and finished is not None:
                finished(result)

        def on_failed(message: str) -> None:
            if not current():
                return
            if failed is not None:
                failed(message)
            elif self._on_failed is not None:
                self._on_failed(description, message)

        def on_cancelled() -> None:
            if current() and cancelled is not None:
                cancelled()

        handle.finished.connect(on_finished)
        handle.failed.connect(on_failed)
        handle.cancelled.connect(on_cancelled)
        return handle

    def current(self, slot: str) -> JobHandle | None:
        """The slot's running job, if any."""
        handle = self._slots.get(slot)
        return handle if handle is not None and not handle.is_done else None

    def cancel(self, slot: str) -> None:
        """Cancel the slot's job and drop whatever it still delivers."""
        handle = self._slots.pop(slot, None)
        if handle is not None and not handle.is_done:
            handle.cancel()

    def running(self) -> list[JobHandle]:
        return [h for h in self._handles if not h.is_done]
