"""The Epochs tab's compare view: two runs side by side, same zoom, coloured deltas."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from bespoke_gui.core.demo.demo_workspace import write_demo_workspace
from bespoke_gui.core.epochs.compare import VERDICT_RGB
from bespoke_gui.ui.epochs.tab import EpochsTab


def test_compare_two_runs(qtbot, context, tmp_path: Path) -> None:
    a = write_demo_workspace(tmp_path / "run_512", count=2, epochs=3, prompts=3) / "samples"
    b = write_demo_workspace(tmp_path / "run_256", count=2, epochs=2, prompts=3) / "samples"
    tab = EpochsTab(context)
    qtbot.addWidget(tab)
    tab.add_paths([a])
    qtbot.waitUntil(lambda: len(tab.state.result.images) == 9, timeout=15000)
    assert not tab.toolbar.compare_button.isEnabled()
    tab.add_paths([b])
    qtbot.waitUntil(lambda: len(tab.state.result.images) == 15, timeout=15000)
    assert tab.toolbar.compare_button.isEnabled()
    tab.set_chosen("run_512", ("epoch", 3))
    qtbot.mouseClick(tab.toolbar.compare_button, Qt.MouseButton.LeftButton)
    dialog = tab.compare_dialog
    assert dialog is not None and dialog.isVisible()
    comparison = dialog.comparison
    assert comparison is not None
    assert (comparison.run_a, comparison.column_a) == ("run_512", ("epoch", 3))
    assert comparison.run_b == "run_256"
    assert len(dialog.views) == 3
    for view_a, view_b in dialog.views:
        assert view_a.size() == view_b.size()
        assert view_a.pixels().shape[:2] == (24, 24) and view_b.pixels().shape[:2] == (24, 24)
        assert view_a.image_rect() == view_b.image_rect()  # the same zoom
    dialog.tile_slider.setValue(240)
    assert all(v.width() == 240 for pair in dialog.views for v in pair)
    for row, delta in enumerate(comparison.deltas):
        cell = dialog.metrics.item(row, 3)
        assert cell.text() == delta.delta_text()
        assert cell.foreground().color().getRgb()[:3] == VERDICT_RGB[delta.verdict]
    dialog.column_a.setCurrentIndex(0)
    assert dialog.comparison.column_a == ("epoch", 1)
    # The report export carries the comparison too.
    out = tmp_path / "report"
    tab.export_report(out)
    assert context.runner.wait_idle(30)
    assert (out / "compare.png").is_file()
    assert "## Run against run" in (out / "report.md").read_text()
