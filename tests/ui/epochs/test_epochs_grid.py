"""The epoch grid widget on its own, fed plain GridData (no engine, no files)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from bespoke_gui.core.epochs.grid_data import GridCell, GridColumn, GridData, GridRow, heatmap_rgba
from bespoke_gui.ui.epochs.grid import EpochGridWidget


def _art(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 255, size=(6, 3), dtype=np.uint8)
    return palette[rng.integers(0, 6, size=(24, 24))]


def _grid_data(
    runs: tuple[str, ...] = ("run_a",), epochs: tuple[int, ...] = (1, 2, 3), prompts: int = 2
) -> GridData:
    data = GridData()
    for run in runs:
        for epoch in epochs:
            data.columns.append(GridColumn(run=run, column=("epoch", epoch), label=f"e{epoch}"))
    data.rows = [GridRow(prompt=f"{p:02d}", label=f"prompt {p:02d}") for p in range(prompts)]
    for c in range(len(data.columns)):
        for r in range(prompts):
            score = np.zeros((24, 24), dtype=np.float32)
            reason = np.full((24, 24), "", dtype=object)
            score[5, 7] = 0.9
            reason[5, 7] = "near-duplicate of #102030"
            data.cells[(c, r)] = GridCell(
                path=None,
                pixels=_art(c * 10 + r),
                stray_score=score,
                stray_reason=reason,
                caption="6 col · 1 stray",
            )
    return data


def _widget(qtbot, data: GridData, pixel_size: int = 5) -> EpochGridWidget:
    grid = EpochGridWidget()
    qtbot.addWidget(grid)
    grid.resize(1000, 700)
    grid.set_pixel_size(pixel_size)
    grid.set_data(data)
    return grid


def _centre_of_pixel(grid: EpochGridWidget, column: int, row: int, x: int, y: int) -> QPointF:
    rect = grid.cell_rect(column, row)
    scale = grid.pixel_size() * grid.zoom()
    return QPointF(
        rect.left() + (x - grid.pan().x() + 0.5) * scale, rect.top() + (y - grid.pan().y() + 0.5) * scale
    )


def _move(grid: EpochGridWidget, point: QPointF, buttons=Qt.MouseButton.NoButton) -> None:
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        point,
        grid.viewport().mapToGlobal(point),
        Qt.MouseButton.NoButton,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(grid.viewport(), event)


def test_cells_paint_the_art_nearest_neighbour(qtbot):
    data = _grid_data()
    grid = _widget(qtbot, data)
    grid.set_heatmap_visible(False)
    shot = grid.viewport().grab().toImage()
    for (column, row), cell in list(data.cells.items())[:3]:
        for x, y in [(0, 0), (11, 17), (23, 23)]:
            point = _centre_of_pixel(grid, column, row, x, y).toPoint()
            colour = shot.pixelColor(point)
            assert (colour.red(), colour.green(), colour.blue()) == tuple(int(v) for v in cell.pixels[y, x])


def test_heatmap_rings_strays_and_leaves_the_rest_alone(qtbot):
    data = _grid_data()
    grid = _widget(qtbot, data, pixel_size=12)
    grid.set_heatmap_opacity(1.0)
    shot = grid.viewport().grab().toImage()
    art = data.cells[(0, 0)].pixels
    rect = grid.cell_rect(0, 0)

    def rgb(x: float, y: float) -> tuple[int, int, int]:
        c = shot.pixelColor(int(x), int(y))
        return c.red(), c.green(), c.blue()

    # The stray pixel (7, 5): its own colour in the middle, a red ring at its edge.
    assert rgb(rect.left() + 7 * 12 + 6, rect.top() + 5 * 12 + 6) == tuple(int(v) for v in art[5, 7])
    ring = rgb(rect.left() + 7 * 12 + 1, rect.top() + 5 * 12 + 6)
    assert ring[0] > 200 and ring[2] < 60
    # A clean pixel keeps its true colour, even at full overlay opacity.
    assert rgb(rect.left() + 9 * 12 + 6, rect.top() + 5 * 12 + 6) == tuple(int(v) for v in art[5, 9])
    grid.set_heatmap_visible(False)
    shot = grid.viewport().grab().toImage()
    assert rgb(rect.left() + 9 * 12 + 6, rect.top() + 5 * 12 + 6) == tuple(int(v) for v in art[5, 9])


def test_hover_reports_coordinate_hex_and_stray_reason(qtbot):
    data = _grid_data()
    grid = _widget(qtbot, data)
    art = data.cells[(1, 1)].pixels
    text = grid.hover_text_at(_centre_of_pixel(grid, 1, 1, 7, 5))
    hexcode = "#{:02x}{:02x}{:02x}".format(*art[5, 7])
    assert "(7, 5)" in text and hexcode in text and "stray" in text and "#102030" in text
    assert "prompt 01" in text and "e2" in text
    clean = grid.hover_text_at(_centre_of_pixel(grid, 1, 1, 0, 0))
    assert "(0, 0)" in clean and "not stray" in clean
    seen: list[str] = []
    grid.hover_changed.connect(seen.append)
    _move(grid, _centre_of_pixel(grid, 0, 1, 7, 5))
    assert seen and "(7, 5)" in seen[-1] and "prompt 01" in seen[-1]


def test_zoom_and_pan_are_shared_by_every_cell(qtbot):
    data = _grid_data()
    grid = _widget(qtbot, data)
    grid.set_zoom(4.0, anchor=QPointF(12, 12))
    assert grid.zoom() == 4.0
    # Zooming about the centre shows the middle of the art in every cell.
    assert abs(grid.pan().x() - 9.0) < 1e-6 and abs(grid.pan().y() - 9.0) < 1e-6
    for column, row in [(0, 0), (2, 1)]:
        rect = grid.cell_rect(column, row)
        hit = grid.art_pixel_at(QPointF(rect.left() + 1, rect.top() + 1))
        assert hit == (column, row, 9, 9)
    grid.set_heatmap_visible(False)
    shot = grid.viewport().grab().toImage()
    for column, row in [(0, 0), (1, 1), (2, 0)]:
        art = data.cells[(column, row)].pixels
        colour = shot.pixelColor(_centre_of_pixel(grid, column, row, 10, 11).toPoint())
        assert (colour.red(), colour.green(), colour.blue()) == tuple(int(v) for v in art[11, 10])
    grid.set_pan(100, -5)  # clamped to the art
    assert grid.pan().x() == 18.0 and grid.pan().y() == 0.0


def test_ctrl_wheel_zooms_and_drag_pans(qtbot):
    grid = _widget(qtbot, _grid_data())
    from PySide6.QtCore import QPoint as _QPoint
    from PySide6.QtGui import QWheelEvent

    centre = _centre_of_pixel(grid, 0, 0, 12, 12)
    event = QWheelEvent(
        centre,
        grid.viewport().mapToGlobal(centre),
        _QPoint(0, 0),
        _QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    grid.wheelEvent(event)
    assert grid.zoom() > 1.5
    before = grid.pan()
    start = _centre_of_pixel(grid, 0, 0, 12, 12).toPoint()
    qtbot.mousePress(grid.viewport(), Qt.MouseButton.LeftButton, pos=start)
    _move(grid, QPointF(start + QPoint(-30, -30)), Qt.MouseButton.LeftButton)
    qtbot.mouseRelease(grid.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(-30, -30))
    after = grid.pan()
    assert after.x() > before.x() and after.y() > before.y()


def test_click_selects_a_cell(qtbot):
    grid = _widget(qtbot, _grid_data())
    with qtbot.waitSignal(grid.cell_clicked, timeout=2000) as blocker:
        qtbot.mouseClick(
            grid.viewport(), Qt.MouseButton.LeftButton, pos=_centre_of_pixel(grid, 2, 1, 3, 3).toPoint()
        )
    assert blocker.args == [2, 1]


def test_two_runs_are_column_groups_and_errors_show(qtbot):
    data = _grid_data(runs=("run_512", "run_256"), epochs=(4, 8))
    data.cells[(3, 0)] = GridCell(path=None, error="cannot identify image file")
    grid = _widget(qtbot, data)
    assert len(data.columns) == 4
    # A gap separates the run groups.
    gap_within = grid.cell_rect(1, 0).left() - grid.cell_rect(0, 0).right()
    gap_between = grid.cell_rect(2, 0).left() - grid.cell_rect(1, 0).right()
    assert gap_between > gap_within
    text = grid.hover_text_at(QPointF(grid.cell_rect(3, 0).center()))
    assert "run_256" in text and "cannot identify image file" in text
    shot = grid.viewport().grab().toImage()
    border = shot.pixelColor(grid.cell_rect(3, 0).left() + 1, grid.cell_rect(3, 0).center().y())
    assert border.red() > 150 and border.green() < 100  # the red error frame


def test_heatmap_marks_only_the_strays():
    score = np.array([[0.1, 0.4, 0.6, 1.0]], dtype=np.float32)
    rgba = heatmap_rgba(score, stray_at=0.5, sub=4)
    assert rgba.shape == (4, 16, 4)
    assert not rgba[:, :8, 3].any()  # pixels that are not stray are not veiled at all
    assert rgba[1, 9, 3] == 0 and rgba[1, 13, 3] == 0  # strays keep their own colour inside
    assert rgba[0, 9, 3] == 255 and rgba[0, 13, 3] == 255  # and get a ring
    assert rgba[0, 13, 1] < rgba[0, 9, 1]  # redder as the score rises


def test_the_stray_overlay_leaves_every_other_pixel_its_true_colour(qtbot):
    background = (0x95, 0xCB, 0xBA)
    data = _grid_data(epochs=(1,), prompts=1)
    cell = data.cells[(0, 0)]
    cell.pixels = np.zeros((24, 24, 3), dtype=np.uint8)
    cell.pixels[...] = background
    cell.pixels[5, 7] = (200, 30, 30)
    grid = _widget(qtbot, data, pixel_size=8)
    grid.show()
    qtbot.waitExposed(grid)
    assert grid._heatmap_visible  # on by default
    shot = grid.viewport().grab().toImage()
    ratio = shot.devicePixelRatio()
    for x, y in ((0, 0), (12, 12), (6, 5), (23, 23)):
        centre = _centre_of_pixel(grid, 0, 0, x, y)
        colour = shot.pixelColor(int(centre.x() * ratio), int(centre.y() * ratio))
        assert (colour.red(), colour.green(), colour.blue()) == background, (x, y)
    # The stray itself keeps its colour inside and gets a ring at its edge.
    centre = _centre_of_pixel(grid, 0, 0, 7, 5)
    inside = shot.pixelColor(int(centre.x() * ratio), int(centre.y() * ratio))
    assert (inside.red(), inside.green(), inside.blue()) == (200, 30, 30)
    edge = shot.pixelColor(int((centre.x() - 3.5) * ratio), int(centre.y() * ratio))
    assert (edge.red(), edge.green(), edge.blue()) != (200, 30, 30)
