"""The one bridge between core jobs and widgets.

``JobRunner.start(fn, *args)`` runs ``fn(*args, progress=..., cancelled=...)`` on a
concurrent.futures executor and returns a :class:`JobHandle` whose signals arrive on
the GUI thread: ``progress(done, total, message, rate, seconds_left)``, ``finished(result)``,
``failed(message)`` and ``cancelled()`` (exactly one of the last three). Workers receive
plain data and return plain data; they never touch a widget. Progress is throttled so a
fast job cannot flood the event loop.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Signal

from bespoke_gui.core.jobs import CancelFlag, RateEstimator, default_workers, describe_exception

log = logging.getLogger(__name__)
_PROGRESS_INTERVAL_S = 0.05


class JobHandle(QObject):
    progress = Signal(int, int, str, float, float)  # done, total, message, items/s, seconds left (-1 unknown)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    # Emitted from the worker thread; connected with a queued connection to _deliver.
    _done_from_worker = Signal(object, object, bool)
    _progress_from_worker = Signal(int, int, str)

    def __init__(self, description: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.description = description
        self.cancel_flag = CancelFlag()
        self.future: Future[Any] | None = None
        self.result: Any = None
        self.error: str | None = None
        self.is_done = False
        self.was_cancelled = False
        self._rate = RateEstimator()
        self._last_progress = 0.0
        self._done_from_worker.connect(self._deliver)
        self._progress_from_worker.connect(self._relay_progress)

    def cancel(self) -> None:
        self.cancel_flag.set()

    # Called on the worker thread.
    def _report(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if done < total and now - self._last_progress < _PROGRESS_INTERVAL_S:
            return
        self._last_progress = now
        self._progress_from_worker.emit(done, total, message)

    def _relay_progress(self, done: int, total: int, message: str) -> None:
        rate, left = self._rate.estimate(done, total)
        self.progress.emit(done, total, message, rate, -1.0 if left is None else left)

    def _deliver(self, result: Any, error: Any, was_cancelled: bool) -> None:
        self.is_done = True
        if error is not None:
            self.error = str(error)
            self.failed.emit(self.error)
        elif was_cancelled:
            self.was_cancelled = True
            self.result = result
            self.cancelled.emit()
        else:
            self.result = result
            self.finished.emit(result)


class JobRunner(QObject):
    """Owns the executor. ``active_changed(count)`` lets a status bar show busy/idle."""

    active_changed = Signal(int)
    job_started = Signal(object)  # JobHandle

    def __init__(self, executor: Executor | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = executor or ThreadPoolExecutor(
            max_workers=max(2, default_workers()), thread_name_prefix="bespoke-ui"
        )
        self._active: list[JobHandle] = []
        self._shut_down = False

    @property
    def active_jobs(self) -> list[JobHandle]:
        return list(self._active)

    def start(self, fn: Callable[..., Any], *args: Any, description: str = "", **kwargs: Any) -> JobHandle:
        """Run ``fn(*args, **kwargs, progress=..., cancelled=...)`` off the GUI thread."""
        if self._shut_down:
            raise RuntimeError("the job runner has shut down")
        # No Qt parent: the handle lives as long as Python holds it (the caller, or
        # _active until it is done), so a late signal never reaches a deleted object.
        handle = JobHandle(description or getattr(fn, "__name__", "job"))

        def work() -> None:
            result: Any = None
            error: str | None = None
            try:
                result = fn(*args, progress=handle._report, cancelled=handle.cancel_flag, **kwargs)
            except Exception as exc:
                error = describe_exception(exc)
                if _said_to_the_user(exc):
                    log.warning("job %s failed: %s", handle.description, error)
                else:  # a defect: the traceback is for the bug report
                    log.error("job %s failed:\n%s", handle.description, traceback.format_exc())
            handle._done_from_worker.emit(result, error, handle.cancel_flag())

        self._active.append(handle)
        handle.finished.connect(lambda _r, h=handle: self._forget(h))
        handle.failed.connect(lambda _m, h=handle: self._forget(h))
        handle.cancelled.connect(lambda h=handle: self._forget(h))
        handle.future = self._executor.submit(work)
        self.active_changed.emit(len(self._active))
        self.job_started.emit(handle)
        return handle

    def _forget(self, handle: JobHandle) -> None:
        if handle in self._active:
            self._active.remove(handle)
            self.active_changed.emit(len(self._active))

    def wait_idle(self, timeout_s: float = 60.0) -> bool:
        """Process events until no job is running (for screenshots and tests).

        A finished job's handler may start another job while events are processed,
        so idleness is checked again after every round of events.
        """
        deadline = time.monotonic() + timeout_s
        app = QCoreApplication.instance()
        while True:
            if app is not None:
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if not self._active:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)

    def shutdown(self, wait_s: float = 5.0) -> None:
        """Cancel every job and let running items finish, so no file is left half-written."""
        self._shut_down = True
        for handle in list(self._active):
            handle.cancel()
        deadline = time.monotonic() + wait_s
        for handle in list(self._active):
            if handle.future is not None:
                try:
                    handle.future.result(timeout=max(0.0, deadline - time.monotonic()))
                except Exception:
                    pass
        self._executor.shutdown(wait=False, cancel_futures=True)


def _said_to_the_user(exc: Exception) -> bool:
    """An error whose one line is the whole story, a missing folder or a read-only file or
    the app's own refusals (exceptions defined in bespoke_gui): the terminal gets that
    line, not a traceback."""
    return isinstance(exc, OSError) or type(exc).__module__.startswith("bespoke_gui.")
