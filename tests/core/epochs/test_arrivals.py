"""Arrivals: a file is handed on only when settled and complete; the stall clock."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from bespoke_gui.core.epochs.arrivals import ArrivalTracker, StallClock, decodes_completely, seconds_per_epoch


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _png(path: Path, seed: int = 0) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.effect_noise((64, 64), 40 + seed).convert("RGB").save(path)
    return path.read_bytes()


def test_growing_and_truncated_files_wait(tmp_path: Path) -> None:
    clock = FakeClock()
    tracker = ArrivalTracker(settle_s=1.0, clock=clock)
    root = tmp_path / "samples"
    done = root / "epoch_1" / "run_e000001_00_20250101000000.png"
    _png(done)
    half = root / "epoch_2" / "run_e000002_00_20250101001000.png"
    data = _png(half, 1)
    half.write_bytes(data[: len(data) // 2])
    assert not decodes_completely(half) and decodes_completely(done)

    first = tracker.poll([root], known=[])
    assert first.ready == [] and sorted(first.waiting) == sorted([done, half])
    clock.now += 0.5
    assert tracker.poll([root], known=[]).ready == []  # not settled yet
    clock.now += 1.0
    second = tracker.poll([root], known=[])
    assert second.ready == [done] and second.waiting == [half]  # truncated: never handed on
    assert tracker.poll([root], known=[str(done)]).ready == []
    half.write_bytes(data)  # the rest arrives (size changes: settles again)
    assert tracker.poll([root], known=[str(done)]).ready == []
    clock.now += 1.5
    assert tracker.poll([root], known=[str(done)]).ready == [half]
    assert set(tracker.poll([root], known=[]).folders) >= {root, root / "epoch_1", root / "epoch_2"}


def test_stall_clock_reports_once_per_silence() -> None:
    clock = FakeClock()
    stall = StallClock(clock)
    assert not stall.stalled(10.0)  # nothing arrived yet
    stall.arrived()
    clock.now += 15
    assert not stall.stalled(10.0)
    clock.now += 10
    assert stall.stalled(10.0) and not stall.stalled(10.0)
    stall.arrived()
    clock.now += 21
    assert stall.stalled(10.0)
    assert not stall.stalled(None)


def test_seconds_per_epoch_from_names_else_from_arrival_gaps() -> None:
    assert seconds_per_epoch(95.0, [0.0, 10.0]) == 95.0
    # Epochs first seen at 0, 100, 190 and 400 s (one seen twice at the same time).
    assert seconds_per_epoch(None, [400.0, 0.0, 100.0, 190.0, 190.0]) == 100.0
    assert seconds_per_epoch(None, [12.0]) is None
