"""The job contract shared by the CLI and the GUI.

A job is a plain function ``run(inputs..., progress, cancelled) -> result``. It calls
``progress(done, total, message)`` between units of work, checks ``cancelled()`` and
stops early when it returns True, and returns plain data, including the per-item
errors it carried on past. Jobs never touch Qt: the GUI's bridge turns progress into
signals, the CLI turns it into a terminal progress line.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Generic, Iterable, Sequence, TypeVar

ProgressFn = Callable[[int, int, str], None]
CancelFn = Callable[[], bool]

T = TypeVar("T")
R = TypeVar("R")


def no_progress(done: int, total: int, message: str) -> None:
    """A progress callback that ignores everything (for callers that don't care)."""


def never_cancelled() -> bool:
    return False


class CancelFlag:
    """A thread-safe cancel flag; call it to read it, ``set()`` to raise it."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def __call__(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class ItemError:
    """One input the job could not handle; the job carried on with the rest."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class BatchResult(Generic[R]):
    """What a batch job produced: results in input order (None where an item failed)."""

    results: list[R | None] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> list[R]:
        return [r for r in self.results if r is not None]


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def describe_exception(exc: BaseException) -> str:
    """One line a user can read: the message, not a traceback."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    if isinstance(exc, OSError):
        if exc.strerror:
            return exc.strerror + (f" ({exc.filename})" if exc.filename else "")
        # Raised with a sentence of our own ("no such folder: …"): the sentence says it all.
        return text or name
    return f"{name}: {text}" if text else name


def _safe_label(label: Callable[[T], str], item: T) -> str:
    # A label is only for messages; a failing one must not end the job.
    try:
        return str(label(item))
    except Exception:  # noqa: BLE001
        return repr(item)


def map_items(
    func: Callable[[T], R],
    items: Iterable[T],
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
    workers: int | None = None,
    label: Callable[[T], str] = str,
    message: str = "",
) -> BatchResult[R]:
    """Apply ``func`` to every item on a thread pool, in input order.

    An exception from one item becomes an :class:`ItemError` and the rest carry on;
    errors are listed in input order. Cancelling stops submitting new items; items
    already submitted (at most ``workers * 2``) finish, so no file is left half-written,
    and the result says ``cancelled``. Progress is reported from the calling thread.
    Threads suit this work because Pillow and NumPy release the GIL while they decode,
    resample and reduce.
    """
    items = items if isinstance(items, Sequence) else list(items)
    total = len(items)
    out: BatchResult[R] = BatchResult(results=[None] * total)
    workers = workers or default_workers()
    progress(0, total, message)
    if total == 0:
        return out
    done = 0
    next_index = 0
    running: dict[Future[R], int] = {}
    failed: list[tuple[int, ItemError]] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bespoke-job") as pool:
        while next_index < total or running:
            # Keep the queue short so that a cancel takes effect within a few items.
            while next_index < total and len(running) < workers * 2 and not cancelled():
                running[pool.submit(func, items[next_index])] = next_index
                next_index += 1
            if not running:
                break
            finished, _ = wait(list(running), timeout=0.1, return_when=FIRST_COMPLETED)
            for fut in finished:
                index = running.pop(fut)
                try:
                    out.results[index] = fut.result()
                except Exception as exc:  # noqa: BLE001 - reported per item, job carries on
                    failed.append((index, ItemError(_safe_label(label, items[index]), describe_exception(exc))))
                done += 1
                progress(done, total, message or _safe_label(label, items[index]))
    out.errors = [error for _index, error in sorted(failed, key=lambda pair: pair[0])]
    out.cancelled = done < total
    return out


class RateEstimator:
    """Items per second and time left, smoothed over the whole run so far."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def estimate(self, done: int, total: int) -> tuple[float, float | None]:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        if done <= 0 or rate <= 0:
            return rate, None
        return rate, max(total - done, 0) / rate


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def as_paths(items: Iterable[str | Path]) -> list[Path]:
    return [Path(i) for i in items]
