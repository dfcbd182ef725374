"""A tab's jobs: one per slot, a newer one supersedes (its stale result never lands), all listed."""

from __future__ import annotations

import threading

import pytest

from bespoke_gui.ui.bridge import JobRunner
from bespoke_gui.ui.tab_jobs import TabJobs


def _wait_for(gate: threading.Event, value: str, progress, cancelled) -> str:
    gate.wait(5)
    return value


def _fail(progress, cancelled) -> None:
    raise ValueError("bad input")


@pytest.fixture
def runner():
    runner = JobRunner()
    yield runner
    runner.shutdown()


def test_a_newer_job_in_the_slot_cancels_the_old_and_drops_its_result(qtbot, runner):
    jobs = TabJobs(runner)
    results: list[str] = []
    first_gate, second_gate = threading.Event(), threading.Event()
    first = jobs.start(_wait_for, first_gate, "old", description="old", slot="check", finished=results.append)
    second = jobs.start(
        _wait_for, second_gate, "new", description="new", slot="check", finished=results.append
    )
    assert first is not None and second is not None
    assert first.cancel_flag() and not second.cancel_flag()
    assert jobs.current("check") is second
    assert set(jobs.running()) == {first, second}
    first_gate.set()
    qtbot.waitUntil(lambda: first.is_done)
    second_gate.set()
    qtbot.waitUntil(lambda: second.is_done)
    assert results == ["new"]
    assert jobs.current("check") is None and jobs.running() == []


def test_jobs_without_a_slot_run_side_by_side_and_the_slot_is_free_in_the_callback(qtbot, runner):
    jobs = TabJobs(runner)
    gate = threading.Event()
    gate.set()
    seen: list[object] = []
    handles = [
        jobs.start(_wait_for, gate, "a", description="a", finished=seen.append),
        jobs.start(_wait_for, gate, "b", description="b", finished=seen.append),
        jobs.start(
            _wait_for,
            gate,
            "c",
            description="c",
            slot="load",
            finished=lambda _r: seen.append(jobs.current("load")),
        ),
    ]
    qtbot.waitUntil(lambda: all(h.is_done for h in handles))
    assert sorted(map(str, seen)) == ["None", "a", "b"]


def test_cancel_drops_late_signals_and_failures_go_to_the_default_handler(qtbot, runner):
    failures: list[tuple[str, str]] = []
    jobs = TabJobs(runner, lambda description, message: failures.append((description, message)))
    gate = threading.Event()
    results: list[str] = []
    cancelled: list[bool] = []
    handle = jobs.start(
        _wait_for,
        gate,
        "x",
        description="x",
        slot="load",
        finished=results.append,
        cancelled=lambda: cancelled.append(True),
    )
    jobs.cancel("load")
    gate.set()
    failing = jobs.start(_fail, description="Reading")
    qtbot.waitUntil(lambda: handle.is_done and failing.is_done)
    assert results == [] and cancelled == []
    assert failures and failures[0][0] == "Reading" and "bad input" in failures[0][1]


def test_a_closed_runner_starts_nothing(runner):
    runner.shutdown()
    assert TabJobs(runner).start(_fail, description="late") is None
