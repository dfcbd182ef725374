"""The job contract shared by the CLI and the GUI.

A job is a plain function ``run(inputs..., progress, cancelled) -> result``. It calls
``progress(done, total, message)`` between units of work, checks ``cancelled()`` and
stops early when it returns True, and returns plain data, including the per-item
errors it carried on past. Jobs never touch Qt: the GUI's bridge turns progress into
signals, the CLI turns it into a terminal progress line.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bespoke_gui.core.findings import Finding

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


@dataclass
class BatchResult(Generic[R]):
    """What a batch job produced: results in input order (None where an item failed)."""

    results: list[R | None] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
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
    except Exception:
        return repr(item)


def map_items(
    func: Callable[[T], R],
    items: Iterable[T],
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
    workers: int | None = None,
    label: Callable[[T], str] = str,
    message: str = "",
    processes: bool = False,
    on_result: Callable[[int, R], None] | None = None,
) -> BatchResult[R]:
    """Apply ``func`` to every item on a pool of workers, results in input order.

    An exception from one item becomes an :class:`Finding` and the rest carry on;
    errors are listed in input order. Cancelling stops submitting new work; work already
    submitted (a few units per worker) finishes, so no file is left half-written, and the
    result says ``cancelled``. Progress is reported from the calling thread, and so is
    ``on_result(index, result)`` as each item arrives.

    Threads suit work that spends its time in Pillow and NumPy, which release the GIL.
    ``processes=True`` runs chunks of items in worker processes instead (``func`` and
    the items must pickle): for Python-heavy work, whose threads would hold the GIL and
    make every callback of a window's item views wait for it.
    """
    items = items if isinstance(items, Sequence) else list(items)
    total = len(items)
    out: BatchResult[R] = BatchResult(results=[None] * total)
    workers = workers or default_workers()
    progress(0, total, message)
    if total == 0:
        return out
    # A unit of work is a run of consecutive indices: one item on threads, a chunk in processes.
    size = max(1, min(16, total // (workers * 4))) if processes else 1
    units = [list(range(start, min(start + size, total))) for start in range(0, total, size)]
    done = 0
    next_unit = 0
    running: dict[Future[list[tuple[bool, object]]], list[int]] = {}
    failed: list[tuple[int, Finding]] = []
    pool: Executor
    if processes:
        pool = process_pool(workers)
    else:
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bespoke-job")
    with pool:
        while next_unit < len(units) or running:
            # Keep the queue short so that a cancel takes effect within a few items.
            while next_unit < len(units) and len(running) < workers * 2 and not cancelled():
                unit = units[next_unit]
                running[pool.submit(_run_unit, func, [items[i] for i in unit])] = unit
                next_unit += 1
            if not running:
                break
            finished, _ = wait(list(running), timeout=0.1, return_when=FIRST_COMPLETED)
            for fut in finished:
                unit = running.pop(fut)
                try:
                    outcomes = fut.result()
                except Exception as exc:
                    outcomes = [(False, describe_exception(exc))] * len(unit)
                for index, (ok, value) in zip(unit, outcomes):
                    if ok:
                        out.results[index] = value  # type: ignore[assignment]
                        if on_result is not None:
                            on_result(index, value)  # type: ignore[arg-type]
                    else:
                        failed.append((index, Finding.error(_safe_label(label, items[index]), str(value))))
                done += len(unit)
                progress(done, total, message or _safe_label(label, items[unit[-1]]))
    out.errors = [error for _index, error in sorted(failed, key=lambda pair: pair[0])]
    out.cancelled = done < total
    return out


def _run_unit(func: Callable[[T], R], unit: list[T]) -> list[tuple[bool, object]]:
    """Run one unit of work, each item on its own: (True, result) or (False, message)."""
    outcomes: list[tuple[bool, object]] = []
    for item in unit:
        try:
            outcomes.append((True, func(item)))
        except Exception as exc:
            outcomes.append((False, describe_exception(exc)))
    return outcomes


_BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# Modules the worker processes load once, before forking a child per worker.
_PROCESS_PRELOAD = [
    "numpy",
    "PIL.Image",
    "bespoke_gui.core.dataset.scan",
    "bespoke_gui.core.epochs.analysis",
    "bespoke_gui.core.config.checks",
    "bespoke_gui.core.captions.dataset_lint",
]


_worker: ProcessPoolExecutor | None = None
_worker_lock = threading.Lock()


def call_in_process(func: Callable[..., R], *args: Any) -> R:
    """``func(*args)`` in the app's worker process, this thread waiting for the result.

    For Python-heavy work the window starts: on a thread it holds the GIL that every
    callback of the window's views needs. ``func`` must be a module-level function and it,
    its arguments and its result must pickle; an exception it raises is raised here.
    One process serves every call and keeps its caches (the CLIP vocabulary, image sizes):
    a fresh process per call redid 0.15 s of cold work each time. A process that died is
    replaced on the next call.
    """
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = process_pool(1)
        worker = _worker
    try:
        return worker.submit(func, *args).result()
    except BrokenProcessPool:
        with _worker_lock:
            if _worker is worker:
                _worker = None
        raise


def process_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes (``process_context``) that end when this process ends, however it ends."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=process_context(),
        initializer=_exit_with_app,
        initargs=(_app_alive_reader(),),
    )


# One pipe for the app's life: the app holds its only writing end, every worker process
# a reading end, which reads "end of file" once the app has ended (even killed).
_app_alive: tuple[Any, Any] | None = None
_app_alive_lock = threading.Lock()


def _app_alive_reader() -> Any:
    global _app_alive
    with _app_alive_lock:
        if _app_alive is None:
            _app_alive = process_context().Pipe(duplex=False)
        return _app_alive[0]


def _exit_with_app(app_alive: Any) -> None:
    """In a worker: end this process as soon as the app that started it has ended.

    A pool's worker holds both ends of its own task queue, so it never sees the queue
    close: an app killed (SIGTERM at logout, SIGKILL) left its workers, and through them
    the forkserver, running for good (seen: 24 minutes and counting). Neither the parent
    process (under forkserver that is the server) nor the app's pid (a killed app stays a
    zombie until reaped) tells; the end of the app's pipe does.
    """

    def watch() -> None:
        try:
            app_alive.recv_bytes()
        except (EOFError, OSError):
            pass
        os._exit(0)

    threading.Thread(target=watch, name="bespoke-app-watch", daemon=True).start()


def warm_up_processes() -> None:
    """Start the forkserver (and its preloaded imports) now, so the first job that uses
    worker processes does not pay for it. Safe to call from any thread; errors are
    left for the job itself to report."""
    context = process_context()
    if context.get_start_method() == "forkserver":
        try:
            from multiprocessing import forkserver

            forkserver.ensure_running()
        except (OSError, ValueError, RuntimeError):
            # RuntimeError: a main module without a __main__ guard; the job will say so.
            pass


def process_context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one: children fork from a clean server process, never
    from the app's own process with its Qt and worker threads (forking those is unsafe)."""
    # Workers already use every core: a BLAS thread pool in each would oversubscribe them
    # (measured: twice the CPU time per image). A child reads these when NumPy loads.
    for name in _BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PROCESS_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


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
