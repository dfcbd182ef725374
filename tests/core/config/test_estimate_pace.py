"""A previous run's pace, from its sample names' timestamps."""

from __future__ import annotations

from pathlib import Path

from bespoke_gui.core.config.estimate_pace import pace_from_samples


def test_pace_from_sample_timestamps(tmp_path: Path) -> None:
    names = [
        "run_e000001_00_20251110010000.png",
        "run_e000001_01_20251110010010.png",
        "run_e000002_00_20251110011000.png",  # 600 s later
        "run_e000004_00_20251110013000.png",  # 1200 s for two epochs
        "other_000500_00_20251110013000.png",  # a step sample says nothing of epochs
    ]
    pace = pace_from_samples([tmp_path / n for n in names], "x")
    assert pace is not None and pace.seconds_per_epoch == 600 and pace.epochs == 3
    assert pace_from_samples([tmp_path / "plain.png"]) is None
