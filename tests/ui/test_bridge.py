"""The bridge runs core jobs off the GUI thread and reports on the GUI thread."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread

from bespoke_gui.core.jobs import map_items
from bespoke_gui.ui.bridge import JobRunner


def _slow_job(count: int, progress, cancelled) -> dict:
    seen_threads = {threading.current_thread().name}
    done = 0
    for i in range(count):
        if cancelled():
            break
        time.sleep(0.01)
        done = i + 1
        progress(done, count, f"item {i}")
    return {"done": done, "threads": seen_threads}


def test_job_result_arrives_on_gui_thread(qtbot):
    runner = JobRunner()
    handle = runner.start(_slow_job, 5, description="five items")
    received = []
    handle.finished.connect(lambda result: received.append((result, QThread.currentThread())))
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    result, thread = received[0]
    assert result["done"] == 5
    assert not any(name == "MainThread" for name in result["threads"])  # the work ran elsewhere
    assert thread is runner.thread()  # delivered on the GUI thread
    assert runner.active_jobs == []
    runner.shutdown()


def test_progress_carries_rate_and_time_left(qtbot):
    runner = JobRunner()
    events = []
    handle = runner.start(_slow_job, 30)
    handle.progress.connect(lambda d, t, m, rate, left: events.append((d, t, rate, left)))
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    qtbot.wait(20)
    assert events, "no progress reported"
    assert all(total == 30 for _d, total, _r, _l in events)
    assert events[-1][0] == 30  # the final count is never throttled away
    assert any(rate > 0 for _d, _t, rate, _l in events)
    runner.shutdown()


def test_cancel_stops_the_job(qtbot):
    runner = JobRunner()
    handle = runner.start(_slow_job, 1000)
    qtbot.wait(50)
    with qtbot.waitSignal(handle.cancelled, timeout=5000):
        handle.cancel()
    assert handle.was_cancelled
    assert handle.result["done"] < 1000
    runner.shutdown()


def test_failure_becomes_one_line_message(qtbot):
    runner = JobRunner()

    def broken(progress, cancelled):
        raise ValueError("the file is not a PNG\nmore detail")

    handle = runner.start(broken)
    with qtbot.waitSignal(handle.failed, timeout=5000) as blocker:
        pass
    assert blocker.args == ["ValueError: the file is not a PNG"]
    runner.shutdown()


def test_a_users_error_logs_one_line_and_a_defect_its_traceback(qtbot, caplog):
    # "bespoke-gui --workspace /typo" printed a 20-line traceback in the terminal.
    runner = JobRunner()

    def missing_folder(progress, cancelled):
        raise NotADirectoryError("no such folder: /typo")

    def defect(progress, cancelled):
        return {}["key"]

    with caplog.at_level("WARNING", logger="bespoke_gui.ui.bridge"):
        for job, description in ((missing_folder, "Opening typo"), (defect, "Broken")):
            handle = runner.start(job, description=description)
            with qtbot.waitSignal(handle.failed, timeout=5000):
                pass
    by_job = {r.getMessage().split(" failed")[0]: r.getMessage() for r in caplog.records}
    assert by_job["job Opening typo"] == "job Opening typo failed: no such folder: /typo"
    assert "Traceback" in by_job["job Broken"] and "KeyError" in by_job["job Broken"]
    runner.shutdown()


def test_map_items_job_through_runner_reports_item_errors(qtbot):
    runner = JobRunner()

    def job(items, progress, cancelled):
        def work(x: int) -> int:
            if x == 3:
                raise OSError(5, "Input/output error", f"file{x}.png")
            return x * 2

        return map_items(work, items, progress, cancelled, label=lambda x: f"file{x}.png")

    handle = runner.start(job, list(range(6)))
    with qtbot.waitSignal(handle.finished, timeout=5000) as blocker:
        pass
    batch = blocker.args[0]
    assert batch.results == [0, 2, 4, None, 8, 10]
    assert [str(e) for e in batch.errors] == ["file3.png: Input/output error (file3.png)"]
    runner.shutdown()


def test_event_loop_is_not_stalled_while_a_job_runs(qtbot):
    """The GUI thread keeps ticking while CPU work runs in the executor."""
    from PySide6.QtCore import QTimer

    runner = JobRunner()

    def busy(progress, cancelled):
        end = time.monotonic() + 0.6
        x = 0
        while time.monotonic() < end and not cancelled():
            x += sum(range(2000))
        return x

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    handle = runner.start(busy)
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) > 10
    assert max(gaps) < 0.1, f"the event loop stalled for {max(gaps) * 1000:.0f} ms"
    runner.shutdown()
