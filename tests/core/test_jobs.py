"""map_items: per-item work on a thread pool, in order, carrying on past failures."""

from __future__ import annotations

import errno
import os
import signal
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from bespoke_gui.core.findings import Finding
from bespoke_gui.core.jobs import (
    BatchResult,
    CancelFlag,
    RateEstimator,
    call_in_process,
    describe_exception,
    format_duration,
    map_items,
)


class ProgressLog:
    """Records every progress call and the thread it came from."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, str]] = []
        self.threads: set[str] = set()

    def __call__(self, done: int, total: int, message: str) -> None:
        self.calls.append((done, total, message))
        self.threads.add(threading.current_thread().name)


def test_results_keep_input_order_even_when_items_finish_out_of_order() -> None:
    items = list(range(20))

    def slow_for_small(n: int) -> int:
        # Early items take longest, so completion order is roughly reversed.
        time.sleep(0.002 * (20 - n))
        return n * n

    result = map_items(slow_for_small, items, workers=4)
    assert result.results == [n * n for n in items]
    assert result.errors == []
    assert result.cancelled is False


def test_a_failing_item_becomes_an_item_error_and_the_rest_carry_on(tmp_path: Path) -> None:
    paths = [tmp_path / f"img_{i}.png" for i in range(6)]
    for i, path in enumerate(paths):
        if i not in (1, 4):
            path.write_bytes(b"x" * i)

    result = map_items(lambda p: p.read_bytes(), paths, workers=3, label=lambda p: p.name)

    assert [r is None for r in result.results] == [False, True, False, False, True, False]
    assert result.results[5] == b"xxxxx"
    assert [e.path for e in result.errors] == ["img_1.png", "img_4.png"]  # input order
    for error in result.errors:
        assert isinstance(error, Finding)
        assert "No such file or directory" in error.message
        assert "\n" not in error.message and "Traceback" not in error.message
        assert str(error).startswith(error.path + ": ")
    assert result.ok == [b"", b"xx", b"xxx", b"xxxxx"]
    assert result.cancelled is False


def test_errors_are_listed_in_input_order_whatever_order_they_happen_in() -> None:
    def fail_fast_at_the_end(n: int) -> int:
        time.sleep(0.001 * (30 - n))
        raise ValueError(f"bad item {n}")

    result = map_items(fail_fast_at_the_end, list(range(30)), workers=6)
    assert [e.path for e in result.errors] == [str(n) for n in range(30)]
    assert result.errors[7].message == "ValueError: bad item 7"


def test_cancel_stops_submitting_and_lets_running_items_finish() -> None:
    flag = CancelFlag()
    started: list[int] = []
    finished: list[int] = []
    lock = threading.Lock()

    def work(n: int) -> int:
        with lock:
            started.append(n)
        if n == 3:
            flag.set()
        time.sleep(0.02)
        with lock:
            finished.append(n)
        return n

    result = map_items(work, list(range(200)), cancelled=flag, workers=2)

    assert result.cancelled is True
    # Every item that started also finished: nothing was abandoned half-way.
    assert sorted(started) == sorted(finished)
    # Only the short queue (workers * 2) beyond the cancelling item ever started.
    assert len(started) <= 3 + 1 + 2 * 2 + 2
    for n in finished:
        assert result.results[n] == n
    assert all(result.results[n] is None for n in range(200) if n not in finished)


def test_cancel_before_start_runs_nothing() -> None:
    calls: list[int] = []
    result = map_items(calls.append, [1, 2, 3], cancelled=lambda: True)
    assert calls == []
    assert result.cancelled is True
    assert result.results == [None, None, None]


def test_progress_reaches_total_and_never_goes_backwards() -> None:
    log = ProgressLog()
    result = map_items(lambda n: n, list(range(37)), progress=log, workers=4, message="resizing")
    assert result.cancelled is False
    assert log.calls[0] == (0, 37, "resizing")
    assert log.calls[-1][:2] == (37, 37)
    dones = [done for done, _total, _msg in log.calls]
    assert dones == sorted(dones)
    assert len(log.calls) == 38
    # Progress comes from the caller's thread, never from a worker.
    assert log.threads == {threading.current_thread().name}


def test_progress_message_names_the_item_when_no_message_is_given() -> None:
    log = ProgressLog()
    map_items(lambda n: n, ["a.png"], progress=log, label=lambda s: s.upper())
    assert log.calls[-1] == (1, 1, "A.PNG")


def test_empty_input_reports_zero_of_zero_and_returns_empty() -> None:
    log = ProgressLog()
    result = map_items(lambda n: n, [], progress=log)
    assert isinstance(result, BatchResult)
    assert result.results == [] and result.errors == [] and result.cancelled is False
    assert log.calls == [(0, 0, "")]


def test_a_generator_of_items_is_accepted() -> None:
    result = map_items(lambda n: n + 1, (n for n in range(5)), workers=2)
    assert result.results == [1, 2, 3, 4, 5]


def test_a_failing_label_does_not_end_the_job() -> None:
    def bad_label(item: int) -> str:
        raise RuntimeError("label broke")

    result = map_items(lambda n: 1 // n, [0, 1], label=bad_label)
    assert result.results == [None, 1]
    assert result.errors[0].path == "0"
    assert "ZeroDivisionError" in result.errors[0].message


def test_work_runs_on_several_threads() -> None:
    barrier = threading.Barrier(3, timeout=5)

    def meet(_n: int) -> str:
        # Three items can only pass the barrier together if they run at the same time.
        barrier.wait()
        return threading.current_thread().name

    result = map_items(meet, [1, 2, 3], workers=3)
    assert len(set(result.results)) == 3
    assert all(name.startswith("bespoke-job") for name in result.results)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            FileNotFoundError(errno.ENOENT, "No such file or directory", "/x/a.png"),
            "No such file or directory (/x/a.png)",
        ),
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
        (ValueError("bad value\nsecond line"), "ValueError: bad value"),
        (KeyError("width"), "KeyError: 'width'"),
        (RuntimeError(), "RuntimeError"),
        (OSError("plain message"), "plain message"),  # our own sentence needs no class name
    ],
)
def test_describe_exception_gives_one_readable_line(exc: BaseException, expected: str) -> None:
    assert describe_exception(exc) == expected


def test_cancel_flag_is_false_until_set() -> None:
    flag = CancelFlag()
    assert flag() is False
    flag.set()
    assert flag() is True


def test_rate_estimator_and_duration_format() -> None:
    estimator = RateEstimator()
    estimator.started -= 10.0  # as if the job started ten seconds ago
    rate, left = estimator.estimate(50, 150)
    assert rate == pytest.approx(5.0, rel=0.05)
    assert left == pytest.approx(20.0, rel=0.05)
    assert estimator.estimate(0, 10)[1] is None
    assert format_duration(None) == "--:--"
    assert format_duration(75.4) == "01:15"
    assert format_duration(3725) == "1:02:05"


def test_map_items_in_worker_processes_keeps_order_and_per_item_errors() -> None:
    items = [str(i) for i in range(40)]
    items[7] = "seven"
    arrived: list[int] = []
    seen: list[tuple[int, int]] = []
    out = map_items(
        int,
        items,
        progress=lambda d, t, m: seen.append((d, t)),
        workers=2,
        processes=True,
        on_result=lambda i, r: arrived.append(i),
    )
    assert out.results == [None if i == 7 else i for i in range(40)]
    assert [e.path for e in out.errors] == ["seven"]
    assert "invalid literal" in out.errors[0].message
    assert sorted(arrived) == [i for i in range(40) if i != 7]
    assert seen[-1] == (40, 40) and not out.cancelled


def test_map_items_in_processes_stops_submitting_when_cancelled() -> None:
    out = map_items(int, [str(i) for i in range(500)], cancelled=lambda: True, workers=2, processes=True)
    assert out.cancelled and all(r is None for r in out.results)


def _pid_and_square(value: int) -> tuple[int, int]:
    return os.getpid(), value * value


def _refuse(value: int) -> int:
    raise ValueError(f"no {value}")


def test_call_in_process_runs_elsewhere_and_raises_here() -> None:
    pid, square = call_in_process(_pid_and_square, 7)
    assert square == 49 and pid != os.getpid()
    with pytest.raises(ValueError, match="no 3"):
        call_in_process(_refuse, 3)


def test_call_in_process_keeps_one_worker_and_replaces_it_when_it_dies() -> None:
    first, _ = call_in_process(_pid_and_square, 2)
    again, _ = call_in_process(_pid_and_square, 3)
    assert again == first  # one process keeps its caches between calls
    os.kill(first, signal.SIGTERM)
    with pytest.raises(BrokenProcessPool):
        for _ in range(50):  # the pool notices the death when it next looks
            call_in_process(_pid_and_square, 4)
            time.sleep(0.05)
    replaced, square = call_in_process(_pid_and_square, 5)
    assert square == 25 and replaced != first


_APP_THAT_GETS_KILLED = """
import os, signal, sys
from bespoke_gui.core.jobs import call_in_process, map_items
from tests.core.test_jobs import _pid_and_square
pool_pids = map_items(_pid_and_square, [1, 2, 3, 4], workers=2, processes=True).results
worker_pid = call_in_process(_pid_and_square, 2)[0]
print(worker_pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no atexit, no executor shutdown: as at a hard kill
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
def test_worker_processes_end_when_the_app_is_killed(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    # Output to files: a worker left behind would hold a pipe open and hang the run.
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        app = subprocess.run(
            [sys.executable, "-c", _APP_THAT_GETS_KILLED], cwd=root, stdout=stdout, stderr=stderr, timeout=60
        )
    assert app.returncode == -signal.SIGKILL, err.read_text()
    worker = int(out.read_text().split()[0])
    try:
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the worker outlived the app that started it"
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)
