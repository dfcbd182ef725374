"""The Dataset tab, offscreen: table and summary, backup, backups dialog, resize dialog, cancel."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from bespoke_gui.core.dataset import resize as resize_module
from bespoke_gui.core.dataset.backup import list_backups
from bespoke_gui.core.imageio import probe_image
from bespoke_gui.core.workspace import discover
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.dataset.model import COL_COLOURS, COL_GRID, COL_NAME, ERROR_BRUSH, WARNING_BRUSH
from bespoke_gui.ui.dataset.resize_dialog import ResizeRequest
from bespoke_gui.ui.dataset.tab import DatasetTab


def art(seed: int, colours: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, size=(colours, 3), dtype=np.uint8)
    index = np.concatenate([np.arange(colours), rng.integers(0, colours, size=24 * 24 - colours)])
    return palette[rng.permutation(index).reshape(24, 24)]


@pytest.fixture
def workspace_root(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    images = root / "training_data"
    images.mkdir(parents=True)
    for i in range(6):
        Image.fromarray(art(i, colours=4 + i if i < 5 else 12)).resize(
            (240, 240), Image.Resampling.NEAREST
        ).save(images / f"img_{i}.png")
        (images / f"img_{i}.txt").write_text(f"pixel art portrait {i}", encoding="utf-8")
    Image.fromarray(art(9)).resize((240, 240), Image.Resampling.NEAREST).save(images / "no caption ☺.png")
    (images / "bad.png").write_text("not an image")
    (images / "bad.txt").write_text("caption of a broken file")
    (root / "training_config.toml").write_text('output_name = "x"\ntrain_data_dir = "training_data"\n')
    return root


def open_tab(qtbot, context: AppContext, root: Path) -> DatasetTab:
    tab = DatasetTab(context)
    qtbot.addWidget(tab)
    context.set_workspace(discover(root))
    assert context.runner.wait_idle(30)
    return tab


def row_named(tab: DatasetTab, name: str) -> int:
    """The source-model row of an image (source rows are in scan order)."""
    return next(i for i, row in enumerate(tab.model.rows()) if row.name == name)


def test_scan_fills_table_summary_and_highlights_problems(qtbot, context, workspace_root: Path) -> None:
    tab = open_tab(qtbot, context, workspace_root)
    model = tab.model
    assert model.rowCount() == 8
    assert all(row.details_done for row in model.rows() if not row.error)
    good = row_named(tab, "img_2.png")
    assert model.index(good, COL_GRID).data() == "24x24"
    assert model.index(good, COL_COLOURS).data() == "6"
    bad = row_named(tab, "bad.png")
    assert model.index(bad, 0).data(Qt.ItemDataRole.BackgroundRole) == ERROR_BRUSH
    assert "holds text" in model.tooltip(model.row_at(bad))
    missing = row_named(tab, "no caption ☺.png")
    assert model.index(missing, 0).data(Qt.ItemDataRole.BackgroundRole) == WARNING_BRUSH
    assert model.index(good, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    summary = tab.scan_view.summary_label.text()
    assert "8 images, 7 with captions" in summary and "24x24 (7)" in summary
    assert "Needs attention" in summary and "1 without captions" in summary and "1 unreadable" in summary
    assert tab.scan_view.shown_label.text() == "8 of 8 shown"
    assert tab.panel.label.text().endswith("done")


def test_filter_problems_only_and_sorting(qtbot, context, workspace_root: Path) -> None:
    tab = open_tab(qtbot, context, workspace_root)
    tab.scan_view.filter_edit.setText("img_3")
    assert tab.proxy.rowCount() == 1 and tab.scan_view.shown_label.text() == "1 of 8 shown"
    tab.scan_view.filter_edit.setText("no caption")
    assert tab.proxy.rowCount() == 1
    tab.scan_view.filter_edit.clear()
    tab.scan_view.problems_only.setChecked(True)
    names = {tab.proxy.index(r, COL_NAME).data() for r in range(tab.proxy.rowCount())}
    assert names == {"bad.png", "no caption ☺.png"}
    assert tab.proxy.index(0, COL_NAME).data() == "bad.png"  # errors sort first
    tab.scan_view.problems_only.setChecked(False)
    tab.table.selectRow(0)
    selected_name = tab.proxy.index(0, COL_NAME).data()
    tab.table.sortByColumn(COL_COLOURS, Qt.SortOrder.DescendingOrder)
    colours = [tab.proxy.index(r, COL_COLOURS).data() for r in range(tab.proxy.rowCount())]
    assert colours[:3] == ["12", "8", "7"]  # numeric order, not text order
    # The selection follows its row through the sort.
    chosen = tab.table.selectionModel().selectedRows()
    assert len(chosen) == 1 and chosen[0].data() == selected_name
    tab.table.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
    names = [tab.proxy.index(r, COL_NAME).data() for r in range(tab.proxy.rowCount())]
    assert names == sorted(names)


def test_workspace_already_open_when_the_tab_is_made(qtbot, context, workspace_root: Path) -> None:
    context.set_workspace(discover(workspace_root))
    tab = DatasetTab(context)
    qtbot.addWidget(tab)
    assert context.runner.wait_idle(30)
    assert tab.model.rowCount() == 8
    context.set_workspace(None)
    assert tab.model.rowCount() == 0 and not tab.resize_button.isEnabled()


def test_back_up_now_then_verify_and_restore_in_the_backups_dialog(
    qtbot, context, workspace_root: Path
) -> None:
    tab = open_tab(qtbot, context, workspace_root)
    tab.back_up_now()
    assert context.runner.wait_idle(30)
    assert tab.state.last_backup is not None and "verified" in tab.report_text()
    assert tab.state.last_backup.file_count == 8 + 7 + 1  # images, captions, config

    caption = workspace_root / "training_data" / "img_0.txt"
    caption.write_text("overwritten by mistake")
    dialog = tab.open_backups()
    assert context.runner.wait_idle(30)
    assert dialog.model.rowCount() == 1 and dialog.selected_backup() is not None
    dialog.verify_selected()
    assert context.runner.wait_idle(30)
    assert "all 16 files match" in dialog.status.text()

    box = dialog.ask_restore_selected()
    assert isinstance(box, QMessageBox) and box.isVisible()
    box.button(QMessageBox.StandardButton.Yes).click()
    assert context.runner.wait_idle(30)
    assert caption.read_text() == "pixel art portrait 0"
    assert "Restored 16 files" in dialog.status.text()
    assert "Restored 16 files" in tab.report_text()
    # The restore backed up what it replaced first: now two backups, listed newest first.
    assert context.runner.wait_idle(30)
    assert dialog.model.rowCount() == 2
    assert "before restoring" in dialog.backups[0].label
    dialog.close()


def test_resize_dialog_previews_the_filters_and_resizes_into_a_new_folder(
    qtbot, context, workspace_root: Path
) -> None:
    tab = open_tab(qtbot, context, workspace_root)
    dialog = tab.open_resize_dialog()
    assert context.runner.wait_idle(30)
    comparison = dialog.comparison()
    assert comparison is not None and comparison.size == 256 and comparison.source_grid == (24, 24)
    assert dialog.preview_views["pixel"].pixels() is not None
    assert "0 not in the original" in dialog.preview_labels["pixel"].text()
    assert "not in the original" in dialog.preview_labels["lanczos"].text()
    assert comparison.previews["lanczos"].new_colours > 0
    assert dialog.out_dir_edit.text() == str(workspace_root.resolve() / "training_data_256")
    assert dialog.image_combo.count() == 7  # readable images only

    dialog.size_spin.setValue(120)
    qtbot.waitUntil(lambda: dialog.comparison() is not None and dialog.comparison().size == 120, timeout=5000)
    assert dialog.out_dir_edit.text().endswith("training_data_120")
    assert context.runner.wait_idle(30)
    dialog.filter_buttons["pixel"].setChecked(True)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert context.runner.wait_idle(60)

    out = workspace_root.resolve() / "training_data_120"
    report = tab.state.last_resize
    assert report is not None and report.out_dir == out and len(report.written) == 7
    assert [Path(e.path).name for e in report.errors] == ["bad.png"]
    assert probe_image(out / "img_4.png").size_text == "120x120" and (out / "img_4.txt").is_file()
    assert tab.state.last_sizes is not None and tab.state.last_sizes.folder == out and tab.state.last_sizes.ok
    text = tab.report_text()
    assert "resized 7 of 8" in text and "bad.png" in text and "7 of 7 images are 120x120" in text
    # The originals are untouched.
    assert probe_image(workspace_root / "training_data" / "img_4.png").size_text == "240x240"


def test_resize_in_place_asks_first_and_backs_up(qtbot, context, workspace_root: Path) -> None:
    tab = open_tab(qtbot, context, workspace_root)
    box = tab.confirm_and_resize(ResizeRequest(96, "nearest", None, True))
    assert isinstance(box, QMessageBox) and "backed up first" in box.text()
    images = workspace_root / "training_data"
    assert probe_image(images / "img_1.png").size_text == "240x240"  # nothing before the answer
    box.button(QMessageBox.StandardButton.Yes).click()
    assert context.runner.wait_idle(60)
    assert tab.state.last_resize is not None and tab.state.last_resize.backup is not None
    assert probe_image(images / "img_1.png").size_text == "96x96"
    backups = list_backups(workspace_root / "backups")
    assert len(backups) == 1 and (backups[0].path / "training_config.toml").is_file()
    # The tab rescanned after changing the files.
    assert tab.model.row_at(row_named(tab, "img_1.png")).size_text == "96x96"


def test_verify_sizes_button_lists_wrong_sizes(qtbot, context, workspace_root: Path) -> None:
    tab = open_tab(qtbot, context, workspace_root)
    tab.verify_size_spin.setValue(240)
    tab.verify_button.click()
    assert context.runner.wait_idle(30)
    report = tab.state.last_sizes
    assert (
        report is not None
        and report.wrong == []
        and [Path(e.path).name for e in report.unreadable] == ["bad.png"]
    )
    tab.verify_size_spin.setValue(256)
    tab.verify_button.click()
    assert context.runner.wait_idle(30)
    assert len(tab.state.last_sizes.wrong) == 7
    assert "not 256x256: img_0.png is 240x240" in tab.report_text()


def test_cancel_stops_a_resize_and_every_file_is_old_or_new(
    qtbot, context, workspace_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = open_tab(qtbot, context, workspace_root)
    real_resize_one = resize_module._resize_one

    def slow_resize_one(*args: object, **kwargs: object) -> object:
        time.sleep(0.25)
        return real_resize_one(*args, **kwargs)

    monkeypatch.setattr(resize_module, "_resize_one", slow_resize_one)
    monkeypatch.setattr(resize_module, "default_workers", lambda: 1)  # two threads: a short queue
    out = workspace_root / "out"
    handle = tab.start_resize(ResizeRequest(64, "lanczos", out, False))
    assert handle is not None and not tab.resize_button.isEnabled()
    qtbot.waitUntil(lambda: tab.panel.bar.maximum() == 8 and tab.panel.bar.value() >= 1, timeout=10000)
    assert "/s" in tab.panel.label.text() and "left" in tab.panel.label.text()
    qtbot.mouseClick(tab.panel.cancel_button, Qt.MouseButton.LeftButton)
    assert context.runner.wait_idle(30)
    report = tab.state.last_resize
    assert report is not None and report.cancelled and 0 < len(report.written) < 8
    assert "cancelled" in tab.report_text()
    for path in out.glob("*.png"):
        assert probe_image(path).size_text == "64x64"
    assert not [p for p in out.iterdir() if p.name.startswith(".bespoke-tmp-")]
    assert tab.resize_button.isEnabled()


def test_read_only_destination_is_reported_in_the_tab(qtbot, context, workspace_root: Path) -> None:
    tab = open_tab(qtbot, context, workspace_root)
    locked = workspace_root.parent / "locked"
    locked.mkdir()
    os.chmod(locked, 0o555)
    try:
        tab.start_resize(ResizeRequest(64, "nearest", locked, False))
        assert context.runner.wait_idle(30)
    finally:
        os.chmod(locked, 0o755)
    assert "read-only" in tab.report_text() and "failed" in tab.report_text()
    assert list(locked.iterdir()) == []
    assert tab.resize_button.isEnabled()


def test_files_changed_on_disk_trigger_a_rescan(qtbot, context, workspace_root: Path) -> None:
    tab = open_tab(qtbot, context, workspace_root)
    Image.fromarray(art(20)).resize((240, 240), Image.Resampling.NEAREST).save(
        workspace_root / "training_data" / "new.png"
    )
    qtbot.waitUntil(lambda: tab.model.rowCount() == 9, timeout=10000)
    assert context.runner.wait_idle(30)


def test_resize_of_a_touched_up_image_shows_its_note(qtbot, context, workspace_root: Path) -> None:
    images = workspace_root / "training_data"
    edited = np.asarray(Image.open(images / "img_2.png").convert("RGB")).copy()
    edited[18:22, 19:23] = (255, 0, 255)  # painted across a block corner after upscaling
    Image.fromarray(edited).save(images / "img_2.png")
    tab = open_tab(qtbot, context, workspace_root)
    dialog = tab.open_resize_dialog()
    dialog.image_combo.setCurrentIndex(dialog.image_combo.findText("img_2.png"))
    qtbot.waitUntil(
        lambda: dialog.comparison() is not None and "edited after upscaling" in dialog.preview_summary.text(),
        timeout=5000,
    )
    assert "cells (24x24 grid) were mixed" in dialog.preview_summary.text()
    assert context.runner.wait_idle(30)
    dialog.filter_buttons["pixel"].setChecked(True)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert context.runner.wait_idle(60)
    report = tab.state.last_resize
    assert report is not None and [Path(n.path).name for n in report.notes] == ["img_2.png"]
    assert "note: " in tab.report_text() and "img_2.png: edited after upscaling" in tab.report_text()


def test_backups_dialog_columns_show_their_whole_text(qtbot, context, workspace_root: Path) -> None:
    from PySide6.QtTest import QTest

    tab = open_tab(qtbot, context, workspace_root)
    tab.show()
    QTest.mouseClick(tab.backup_button, Qt.MouseButton.LeftButton)
    assert context.runner.wait_idle(30)
    dialog = tab.open_backups()
    assert context.runner.wait_idle(30)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    qtbot.waitExposed(dialog)
    qtbot.wait(50)
    metrics = dialog.view.fontMetrics()
    for column in range(dialog.model.columnCount()):
        text = dialog.model.item(0, column).text()
        assert dialog.view.columnWidth(column) >= metrics.horizontalAdvance(text), (column, text)
    dialog.close()


def test_mixed_sizes_are_a_problem_and_the_in_place_confirm_counts_what_is_skipped(
    qtbot, context, workspace_root: Path
) -> None:
    from PySide6.QtTest import QTest

    images = workspace_root / "training_data"
    Image.fromarray(art(3)).resize((96, 96), Image.Resampling.NEAREST).save(images / "small.png")
    Image.fromarray(np.random.default_rng(5).integers(0, 255, (240, 240, 3), dtype=np.uint8)).save(
        images / "photo.png"
    )
    tab = open_tab(qtbot, context, workspace_root)
    qtbot.waitUntil(lambda: "mixed sizes" in tab.scan_view.summary_label.text(), timeout=10000)
    assert "No problems found" not in tab.scan_view.summary_label.text()
    box = tab.confirm_and_resize(ResizeRequest(96, "pixel", None, True))
    assert isinstance(box, QMessageBox)
    assert "1 unreadable image(s) will be skipped" in box.text()
    assert "1 image(s) have no exact pixel grid" in box.text()
    QTest.keyClick(box, Qt.Key.Key_Escape)  # Cancel: nothing happens
    assert context.runner.wait_idle(30)
    assert probe_image(images / "img_1.png").size_text == "240x240"
