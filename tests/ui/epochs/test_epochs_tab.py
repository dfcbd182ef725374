"""The Epochs tab end to end: sample folders on disk -> runner -> grid, table, inspector, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFontMetrics

from bespoke_gui.core.workspace import discover
from bespoke_gui.ui.bridge import JobRunner
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.epochs.metrics_view import EpochTableModel
from bespoke_gui.ui.epochs.tab import EpochsTab

BACKGROUND = (40, 160, 90)
SPECK = (230, 40, 200)  # one wrong pixel in the flat background
SPECK_AT = (2, 3)  # (x, y) on the 24-grid


def _art(seed: int, speck: bool) -> np.ndarray:
    """A 24x24 portrait-like image: flat background, a face block, a few features."""
    rng = np.random.default_rng(seed)
    art = np.zeros((24, 24, 3), dtype=np.uint8)
    art[:] = BACKGROUND
    skin = rng.integers(150, 230, size=3, dtype=np.uint8)
    hair = rng.integers(20, 120, size=3, dtype=np.uint8)
    art[6:20, 7:17] = skin
    art[4:8, 6:18] = hair
    art[11, 9] = art[11, 14] = (10, 10, 10)  # eyes: intended single pixels of a palette colour
    art[15, 10:14] = (10, 10, 10)  # the mouth, in the same colour
    if speck:
        x, y = SPECK_AT
        art[y, x] = SPECK
    return art


def _write_sample(path: Path, art: np.ndarray, size: int = 512) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(art).resize((size, size), Image.Resampling.NEAREST).save(path)


def _make_run(root: Path, name: str = "mylora", epochs=(1, 2), prompts: int = 2, broken: bool = True) -> Path:
    """sd-scripts' flat sample/ folder: {name}_e{epoch:06d}_{prompt:02d}_{timestamp}.png."""
    sample = root / "sample"
    for epoch in epochs:
        for prompt in range(prompts):
            file = sample / f"{name}_e{epoch:06d}_{prompt:02d}_2024010112{epoch:02d}{prompt:02d}.png"
            if broken and epoch == epochs[-1] and prompt == prompts - 1:
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_bytes(b"this is not a png at all")
                continue
            _write_sample(file, _art(epoch * 10 + prompt, speck=(epoch == epochs[0] and prompt == 0)))
    return sample


@pytest.fixture
def context(qt_settings):
    runner = JobRunner()
    ctx = AppContext(runner, qt_settings)
    yield ctx
    runner.shutdown()


def _tab(qtbot, context: AppContext) -> EpochsTab:
    tab = EpochsTab(context)
    qtbot.addWidget(tab)
    tab.resize(1300, 900)
    return tab


def _load(tab: EpochsTab, context: AppContext, *paths: Path) -> None:
    tab.add_paths(list(paths))
    assert context.runner.wait_idle(60)


def _centre_of_pixel(tab: EpochsTab, column: int, row: int, x: int, y: int) -> QPointF:
    grid = tab.grid
    rect = grid.cell_rect(column, row)
    scale = grid.pixel_size() * grid.zoom()
    return QPointF(rect.left() + (x + 0.5) * scale, rect.top() + (y + 0.5) * scale)


def test_a_sample_folder_fills_the_grid_and_a_broken_file_shows_its_error(qtbot, context, tmp_path):
    sample = _make_run(tmp_path / "run_512")
    tab = _tab(qtbot, context)
    _load(tab, context, sample)
    data = tab.grid.data()
    assert [c.label for c in data.columns] == ["e1", "e2"]
    assert [r.label for r in data.rows] == ["prompt 00", "prompt 01"]
    assert data.runs == ["run_512"]
    broken = data.cell(1, 1)
    assert broken is not None and not broken.ok and broken.error
    good = [data.cell(c, r) for c in range(2) for r in range(2) if (c, r) != (1, 1)]
    assert all(cell is not None and cell.ok for cell in good)
    # The recovered art is the art that was drawn, pixel for pixel.
    assert np.array_equal(data.cell(0, 1).pixels, _art(11, speck=False))
    hover = tab.grid.hover_text_at(QPointF(tab.grid.cell_rect(1, 1).center()))
    assert broken.error in hover
    assert any("run_512" in m or "e000002_01" in m for m in tab.state.messages if broken.error in m)
    assert (
        "3 samples" in tab.toolbar.summary_label.text()
        and "1 could not be read" in tab.toolbar.summary_label.text()
    )


def test_hover_reports_coordinate_hex_and_why_a_pixel_is_stray(qtbot, context, tmp_path):
    tab = _tab(qtbot, context)
    _load(tab, context, _make_run(tmp_path / "run", broken=False))
    x, y = SPECK_AT
    text = tab.grid.hover_text_at(_centre_of_pixel(tab, 0, 0, x, y))
    assert f"({x}, {y})" in text and "#e628c8" in text
    assert "· stray (" in text and "background speck" in text
    eye = tab.grid.hover_text_at(_centre_of_pixel(tab, 0, 0, 9, 11))
    assert "(9, 11)" in eye and "#0a0a0a" in eye and "not stray" in eye
    # The grid's hover signal feeds the tab's status line.
    tab.grid.hover_changed.emit(text)
    assert tab.hover_label.text() == text


def test_clicking_a_cell_opens_the_inspector_with_palette_and_pipelines(qtbot, context, tmp_path):
    tab = _tab(qtbot, context)
    _load(tab, context, _make_run(tmp_path / "run", broken=False))
    handle = tab.open_inspector(0, 0)
    assert handle is not None
    assert context.runner.wait_idle(30)
    inspector = tab.inspector
    assert inspector is not None and inspector.data_shown is not None
    art = _art(10, speck=True)
    colours, counts = np.unique(art.reshape(-1, 3), axis=0, return_counts=True)
    model = inspector.palette_model
    assert model.rowCount() == len(colours)
    hexes = {model.data(model.index(r, 1)) for r in range(model.rowCount())}
    assert "#e628c8" in hexes and "#28a05a" in hexes
    top = model.index(0, 1)
    assert model.data(top) == "#28a05a"  # the background is the most used colour
    assert int(model.data(model.index(0, 2))) == int(counts.max())
    for method in ("grid", "two-stage", "nearest"):
        assert "colours" in inspector.pipeline_labels[method].text()
    assert inspector.pipeline_labels["grid"].text().endswith(f"{len(colours)} colours")
    assert "stray" in inspector.describe_pixel(*SPECK_AT)
    # Choosing a palette colour dims every pixel of the other colours.
    inspector.overlay.heatmap_check.setChecked(False)
    inspector.overlay.grid_check.setChecked(False)
    view = inspector.recovery_view
    view.resize(240, 240)
    rect = view.image_rect()

    def shown(x: int, y: int) -> tuple[int, int, int]:
        c = (
            view.grab()
            .toImage()
            .pixelColor(
                int(rect.left() + (x + 0.5) * rect.width() / 24),
                int(rect.top() + (y + 0.5) * rect.height() / 24),
            )
        )
        return c.red(), c.green(), c.blue()

    assert shown(0, 0) == BACKGROUND
    speck_row = next(r for r in range(model.rowCount()) if model.data(model.index(r, 1)) == "#e628c8")
    inspector.palette_table.selectRow(speck_row)
    assert sum(shown(0, 0)) < sum(BACKGROUND) // 2
    assert shown(*SPECK_AT) == SPECK
    # A broken cell gives its message instead of an inspector.
    assert tab.open_inspector(5, 5) is None


def test_the_table_marks_pass_and_fail_against_editable_targets(qtbot, context, tmp_path):
    tab = _tab(qtbot, context)
    _load(tab, context, _make_run(tmp_path / "run", broken=False))
    model = tab.results.table_model
    assert model.rowCount() == 2
    unique_col = 3
    status = EpochTableModel.STATUS_ROLE
    assert {model.data(model.index(r, unique_col), status) for r in range(2)} == {
        "pass"
    }  # a few colours < 220
    assert model.data(model.index(0, unique_col)).endswith("✓")
    green = model.data(model.index(0, unique_col), Qt.ItemDataRole.BackgroundRole).color()
    assert green.green() > green.red()
    tab.results.targets_editor.spins["unique_colors_target"].setValue(2)
    tab.results.targets_editor.spins["unique_colors_minimum"].setValue(3)
    assert {model.data(model.index(r, unique_col), status) for r in range(2)} == {"fail"}
    assert model.data(model.index(0, unique_col)).endswith("✗")
    assert model.data(model.index(0, EpochTableModel.VERDICT_COLUMN)) == "fail"
    red = model.data(model.index(0, unique_col), Qt.ItemDataRole.BackgroundRole).color()
    assert red.red() > red.green()
    assert model.headerData(unique_col, Qt.Orientation.Horizontal) == "Unique < 2"
    # Targets are kept in the settings for the next session.
    assert float(context.settings.value("epochs/targets/unique_colors_target")) == 2.0
    again = _tab(qtbot, context)
    assert again.targets().unique_colors_target == 2.0
    # The best epoch is marked in the table and the grid's column header.
    marks = [model.data(model.index(r, EpochTableModel.MARK_COLUMN)) for r in range(2)]
    assert sum("best" in m for m in marks) == 1


def test_the_epoch_chosen_for_production_is_remembered(qtbot, context, tmp_path):
    tab = _tab(qtbot, context)
    sample = _make_run(tmp_path / "run", broken=False)
    _load(tab, context, sample)
    tab.results.table.selectRow(1)
    tab.mark_selected_chosen()
    model = tab.results.table_model
    assert "chosen" in model.data(model.index(1, EpochTableModel.MARK_COLUMN))
    assert "chosen" not in model.data(model.index(0, EpochTableModel.MARK_COLUMN))
    assert tab.chosen() == {"run": ("epoch", 2)}
    other = _tab(qtbot, context)
    _load(other, context, sample)
    assert "chosen" in other.results.table_model.data(
        other.results.table_model.index(1, EpochTableModel.MARK_COLUMN)
    )
    other.results.table.selectRow(1)
    other.clear_selected_choice()
    assert other.chosen() == {}


def test_export_writes_collage_report_and_csv(qtbot, context, tmp_path):
    tab = _tab(qtbot, context)
    _load(tab, context, _make_run(tmp_path / "run"))
    tab.set_chosen("run", ("epoch", 1))
    out = tmp_path / "export"
    handle = tab.export_report(out)
    assert handle is not None
    assert context.runner.wait_idle(60)
    files = tab.last_export
    assert files is not None
    for path in (files.collage, files.markdown, files.epochs_csv, files.images_csv):
        assert path.is_file() and path.stat().st_size > 0
    with Image.open(files.collage) as collage:
        assert collage.width > 2 * 24 and collage.height > 2 * 24
    report = files.markdown.read_text(encoding="utf-8")
    assert "e000002_01" in report  # the broken file is listed
    assert "## Chosen for production\n\n- run: epoch 1" in report
    assert "avg_unique_colors" in files.epochs_csv.read_text(encoding="utf-8").splitlines()[0]
    # Cleaned art of the chosen epoch (on by default): before/after in the report, files in cleaned/.
    assert files.before_after is not None and files.before_after.is_file()
    assert "## Cleaned art" in report and files.cleaned
    assert all("e000001" in f.raw.name and f.cleaned_upscaled.is_file() for f in files.cleaned)


def test_export_without_cleaned_art_when_unticked(qtbot, context, tmp_path):
    tab = _tab(qtbot, context)
    _load(tab, context, _make_run(tmp_path / "run", broken=False))
    tab.toolbar.cleaned_check.click()
    assert not tab.toolbar.cleaned_check.isChecked()
    assert tab.export_report(tmp_path / "export") is not None
    assert context.runner.wait_idle(60)
    assert tab.last_export is not None and tab.last_export.cleaned == ()
    assert not (tmp_path / "export" / "cleaned").exists()
    assert _tab(qtbot, context).toolbar.cleaned_check.isChecked() is False  # the choice is remembered


def test_export_asks_for_its_folder_without_a_nested_event_loop(qtbot, context, tmp_path):
    tab = _tab(qtbot, context)
    _load(tab, context, _make_run(tmp_path / "run", broken=False))
    tab.show()
    tab.choose_export_folder()  # returns at once: the dialog is open()ed, not exec()ed
    dialog = tab.file_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    out = tmp_path / "picked"
    out.mkdir()
    dialog.fileSelected.emit(str(out))  # what the dialog says when the user picks a folder
    assert context.runner.wait_idle(60)
    qtbot.waitUntil(lambda: tab.last_export is not None, timeout=10000)
    assert tab.last_export.markdown == out / "report.md" and tab.last_export.markdown.is_file()
    dialog.reject()


def test_a_folder_dropped_twice_loads_once(qtbot, context, tmp_path):
    sample = _make_run(tmp_path / "run", broken=False)
    tab = _tab(qtbot, context)
    first = tab.add_paths([sample])
    second = tab.add_paths([sample])  # while the first is still loading
    assert first is not None and second is None  # nothing new to load
    assert context.runner.wait_idle(60)
    assert tab.add_paths([sample]) is None  # after it loaded
    assert tab.add_paths([sample / "."]) is None
    assert len(tab.state.roots) == 1
    assert len(tab.state.result.images) == 4
    assert sum("loaded once" in m for m in tab.state.messages) == 3


def test_drops_are_taken_by_the_tab_and_two_runs_sit_side_by_side(qtbot, context, tmp_path):
    run_512 = _make_run(tmp_path / "run_512", epochs=(4, 8), broken=False)
    run_256 = tmp_path / "run_256" / "sample"
    for epoch in (4, 8):
        for prompt in range(2):
            _write_sample(
                run_256 / f"mylora_e{epoch:06d}_{prompt:02d}_20240101120000.png", _art(prompt, False), 256
            )
    (tmp_path / "notes.txt").write_text("not a sample", encoding="utf-8")
    tab = _tab(qtbot, context)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(run_512)), QUrl.fromLocalFile(str(run_256))])
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    tab.dragEnterEvent(enter)
    assert enter.isAccepted()
    text_only = QMimeData()
    text_only.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    refused = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        text_only,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    tab.dragEnterEvent(refused)
    assert not refused.isAccepted()
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    tab.dropEvent(drop)
    assert drop.isAccepted()
    assert context.runner.wait_idle(60)
    data = tab.grid.data()
    assert data.runs == ["run_512", "run_256"]
    assert [(c.run, c.label) for c in data.columns] == [
        ("run_512", "e4"),
        ("run_512", "e8"),
        ("run_256", "e4"),
        ("run_256", "e8"),
    ]
    assert len(data.rows) == 2 and len(data.cells) == 8
    # A third run dropped later joins beside them; the table has a row per run and epoch.
    run_late = _make_run(tmp_path / "run_late", epochs=(1,), broken=False)
    _load(tab, context, run_late)
    assert tab.grid.data().runs == ["run_512", "run_256", "run_late"]
    assert tab.results.table_model.rowCount() == 5
    tab.clear()
    assert tab.grid.data().is_empty() and tab.results.table_model.rowCount() == 0


def test_the_workspace_sample_folders_load_by_themselves(qtbot, context, tmp_path):
    ws = tmp_path / "ws"
    data_dir = ws / "training_data"
    data_dir.mkdir(parents=True)
    for i in range(2):
        _write_sample(data_dir / f"img_{i}.png", _art(i, False))
        (data_dir / f"img_{i}.txt").write_text("pixel art", encoding="utf-8")
    for epoch in (1, 2, 3):
        for prompt in range(2):
            _write_sample(
                ws / "samples" / f"epoch_{epoch:02d}" / f"demo_e{epoch:06d}_{prompt:02d}_20240101120000.png",
                _art(epoch + prompt, False),
            )
    (ws / "training_config.toml").write_text(
        'output_name = "demo"\nsample_prompts = "prompts.txt"\n', encoding="utf-8"
    )
    (ws / "prompts.txt").write_text(
        "# sample prompts\npixel art, 24x24, portrait of a lad, red hair --d 1\n"
        "pixel art, 24x24, portrait of a lady, blue hat --w 512 --d 2\n",
        encoding="utf-8",
    )
    workspace = discover(ws)
    assert len(workspace.sample_dirs) == 3  # one per epoch folder
    context.set_workspace(workspace)
    tab = _tab(qtbot, context)  # the workspace is already set when the tab is made
    assert context.runner.wait_idle(60)
    data = tab.grid.data()
    assert len(data.runs) == 1  # the epoch folders are one run
    assert [c.label for c in data.columns] == ["e1", "e2", "e3"]
    assert len(data.rows) == 2
    # Rows name their prompts from the config's sample_prompts file, without the shared words.
    assert [r.label for r in data.rows] == [
        "00 · portrait of a lad, red hair",
        "01 · portrait of a lady, blue hat",
    ]
    header_point = QPointF(10, tab.grid.cell_rect(0, 1).center().y())
    assert tab.grid.hover_text_at(header_point) == "prompt 01: pixel art, 24x24, portrait of a lady, blue hat"
    # Pointing the same workspace at another sample folder adds it beside the first run.
    extra = _make_run(tmp_path / "elsewhere" / "run_256", epochs=(1,), broken=False)
    context.set_workspace(workspace.with_overrides(sample_dirs=(*workspace.sample_dirs, extra)))
    assert context.runner.wait_idle(60)
    assert tab.grid.data().runs == [data.runs[0], "run_256"]
    context.set_workspace(None)
    assert tab.grid.data().is_empty()


def test_the_epochs_tab_is_registered_last():
    from bespoke_gui.ui.tabs import TAB_SPECS

    assert TAB_SPECS[-1] == ("Epochs", "bespoke_gui.ui.epochs.tab:EpochsTab")


def test_realdata_epoch8_samples_load(qtbot, context, realdata):
    tab = _tab(qtbot, context)
    _load(tab, context, realdata / "bespokebaby2" / "epoch8_samples")
    data = tab.grid.data()
    assert [c.label for c in data.columns] == ["e8"]
    assert len(data.rows) == 13 and all(cell.ok for cell in data.cells.values())
    assert tab.results.table_model.rowCount() == 1


def test_a_drop_on_the_tab_inside_the_window_loads_samples_and_opens_no_workspace(
    qtbot, qt_settings, tmp_path
):
    from PySide6.QtWidgets import QApplication

    from bespoke_gui.ui.main_window import MainWindow

    sample = _make_run(tmp_path / "run", broken=False)
    window = MainWindow(settings=qt_settings)
    window.setProperty("headless", True)
    qtbot.addWidget(window)
    window.select_tab("Epochs")
    tab = window.tab_widgets["Epochs"]
    assert isinstance(tab, EpochsTab)
    opened = []
    window.context.workspace_changed.connect(opened.append)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(sample))])
    target = tab.grid.viewport()
    enter = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, enter)
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()
    assert window.runner.wait_idle(60)
    assert len(tab.state.result.images) == 4
    assert opened == [] and window.context.workspace is None
    window.runner.shutdown()


def test_cancelling_a_load_keeps_nothing_half_loaded(qtbot, context, tmp_path):
    sample = _make_run(tmp_path / "run", epochs=tuple(range(1, 9)), prompts=4, broken=False)
    tab = _tab(qtbot, context)
    handle = tab.add_paths([sample])
    assert handle is not None
    tab.cancel_loading()
    assert context.runner.wait_idle(60)
    assert handle.was_cancelled
    assert tab.state.is_empty and tab.grid.data().is_empty()
    assert any("cancelled" in m for m in tab.state.messages)
    # The same folder can be loaded afterwards.
    _load(tab, context, sample)
    assert len(tab.state.result.images) == 32


def test_the_chart_draws_each_epoch_and_the_target_lines(qtbot, context, tmp_path):
    tab = _tab(qtbot, context)
    _load(tab, context, _make_run(tmp_path / "run", broken=False))
    chart = tab.results.chart
    chart.resize(420, 240)
    assert [label for label, _column in chart.x_labels()] == ["e1", "e2"]
    low, high = chart.value_range()
    assert low <= 10 and high >= 250  # a handful of colours and both target lines in view
    image = chart.grab().toImage()
    plot = chart.plot_rect()

    def y_of(value: float) -> int:
        return int(round(plot.bottom() - (value - low) / (high - low) * plot.height()))

    def colours_near_row(y: int) -> list:
        # The dashed, antialiased line may straddle two pixel rows.
        return [
            image.pixelColor(x, y + dy)
            for dy in (-1, 0, 1)
            for x in range(int(plot.left()) + 170, int(plot.right()) - 4, 2)
        ]

    assert any(c.green() - c.red() > 60 for c in colours_near_row(y_of(220)))  # the green target line
    assert any(c.red() - c.green() > 80 for c in colours_near_row(y_of(250)))  # the red minimum line
    assert not any(c.red() - c.green() > 80 for c in colours_near_row(y_of(235)))  # nothing red between


def test_grid_and_inspector_show_the_same_stray_decision(qtbot, context, tmp_path):
    # Issue #10: one stray decision (core.epochs.strays); both views only display it.
    tab = _tab(qtbot, context)
    _load(tab, context, _make_run(tmp_path / "run", broken=False))
    assert tab.open_inspector(0, 0) is not None
    assert context.runner.wait_idle(30)
    inspector = tab.inspector
    assert inspector is not None and inspector.data_shown is not None
    strays = 0
    for y in range(24):
        for x in range(24):
            in_grid = tab.grid.describe_pixel(0, 0, x, y).rsplit(" · ", 1)[1]
            in_inspector = inspector.describe_pixel(x, y).rsplit(" · ", 1)[1]
            assert in_grid == in_inspector, (x, y)
            strays += in_grid.startswith("stray (")
    assert strays >= 1


def test_the_chart_thins_its_x_labels_so_they_never_run_together(qtbot, context, tmp_path):
    tab = _tab(qtbot, context)
    _load(tab, context, _make_run(tmp_path / "run", epochs=tuple(range(1, 41)), prompts=1, broken=False))
    chart = tab.results.chart
    chart.resize(420, 240)
    labels = chart.x_labels()
    assert len(labels) == 40
    shown = chart.shown_x_labels()
    assert shown[0] == 0 and shown[-1] == 39 and len(shown) < 40
    metrics = QFontMetrics(chart.font())
    spacing = chart.plot_rect().width() / 39
    for left, right in zip(shown, shown[1:]):
        gap = (right - left) * spacing
        half_widths = (
            metrics.horizontalAdvance(labels[left][0]) + metrics.horizontalAdvance(labels[right][0])
        ) / 2
        assert gap > half_widths, (labels[left][0], labels[right][0])
    chart.resize(1600, 240)  # room for every label
    assert chart.shown_x_labels() == list(range(40))
