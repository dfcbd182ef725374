"""Epochs as they arrive: folders copied in while the tab is open appear, a half-written
file waits (never shown broken), the status line and the notifications."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bespoke_gui.core.demo.demo_workspace import write_demo_workspace
from bespoke_gui.core.epochs.metrics import Targets
from bespoke_gui.ui.epochs.tab import EpochsTab


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_demo_workspace(tmp_path / "source", count=2, epochs=3, prompts=3) / "samples"


def test_epoch_folders_copied_in_appear_and_half_written_files_wait(
    qtbot, context, source: Path, tmp_path: Path
) -> None:
    watched = tmp_path / "run" / "samples"
    watched.mkdir(parents=True)
    shutil.copytree(source / "epoch_01", watched / "epoch_01")
    tab = EpochsTab(context)
    qtbot.addWidget(tab)
    tab.watch.poll_timer.setInterval(150)
    tab.watch.tracker.settle_s = 0.2
    tab.add_paths([watched])
    qtbot.waitUntil(lambda: len(tab.state.result.images) == 3, timeout=15000)
    assert "Watching 1 folder" in tab.watch.status_label.text()
    assert [c.label for c in tab.grid.data().columns] == ["e1"]

    # Loose targets from here on: the next epoch is the first to meet them all.
    tab.set_targets(Targets(1e6, 1e6, 1e6, 1e6, 1.0, 1.0))
    shutil.copytree(source / "epoch_02", watched / "epoch_02")
    qtbot.waitUntil(lambda: len(tab.state.result.images) == 6, timeout=15000)
    assert [c.label for c in tab.grid.data().columns] == ["e1", "e2"]
    assert tab.results.table_model.rowCount() == 2
    assert "newest epoch 2" in tab.watch.status_label.text()
    assert any("meets all targets" in m for m in tab.watch.notifier.sent)

    # epoch 3 arrives one file at a time, the first one half written for a while.
    (watched / "epoch_03").mkdir()
    files = sorted((source / "epoch_03").glob("*.png"))
    data = files[0].read_bytes()
    partial = watched / "epoch_03" / files[0].name
    partial.write_bytes(data[: len(data) // 3])
    qtbot.waitUntil(lambda: "still being written" in tab.watch.status_label.text(), timeout=15000)
    qtbot.wait(600)  # several polls: it stays out of the grid, and is no error
    assert len(tab.state.result.images) == 6 and not tab.state.failed
    partial.write_bytes(data)
    for other in files[1:]:
        shutil.copy(other, watched / "epoch_03" / other.name)
    qtbot.waitUntil(lambda: len(tab.state.result.images) == 9, timeout=15000)
    assert not tab.state.failed
    assert [c.label for c in tab.grid.data().columns][-1] == "e3"
    assert (
        "last sample" in tab.watch.status_label.text() and "newest epoch 3" in tab.watch.status_label.text()
    )
    assert tab.state.result.best  # the best-epoch mark follows


def test_silence_longer_than_two_epochs_is_reported(qtbot, context, source: Path) -> None:
    tab = EpochsTab(context)
    qtbot.addWidget(tab)
    tab.watch.poll_timer.setInterval(100)
    tab.add_paths([source])
    qtbot.waitUntil(lambda: len(tab.state.result.images) == 9, timeout=15000)
    # The demo's sample names are 400 s apart per epoch: that is the run's pace.
    assert tab.watch.seconds_per_epoch() == pytest.approx(400)
    tab.watch.clock.arrived()
    tab.watch.clock.last_arrival -= 801
    qtbot.waitUntil(lambda: any("stopped arriving" in m for m in tab.watch.notifier.sent), timeout=5000)
    assert sum("stopped arriving" in m for m in tab.watch.notifier.sent) == 1
