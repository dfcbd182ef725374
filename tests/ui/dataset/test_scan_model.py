"""The Dataset table's model: C++-side cells, rows added in chunks, details re-sort and re-filter."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel

from bespoke_gui.core.dataset.scan import RowDetails, ScanRow
from bespoke_gui.ui.dataset import model as model_module
from bespoke_gui.ui.dataset.model import COL_COLOURS, COL_GRID, COL_NAME, ScanFilterProxy, ScanTableModel


def rows(count: int) -> list[ScanRow]:
    return [
        ScanRow(
            Path("/data"),
            f"img_{i:05d}.png",
            1000 + i,
            caption_present=True,
            width=512,
            height=512,
            mode="RGB",
        )
        for i in range(count)
    ]


def test_cells_are_served_by_qt_not_by_python(qtbot) -> None:
    # Painting must not need the GIL: no Python data(), flags() or rowCount() override.
    for method in ("data", "flags", "rowCount", "columnCount", "headerData"):
        assert getattr(ScanTableModel, method) is getattr(QStandardItemModel, method), method


def test_many_rows_arrive_in_chunks_and_details_reach_rows_not_yet_shown(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(model_module, "_CHUNK_ROWS", 100)
    model = ScanTableModel()
    model.set_rows(rows(350))
    assert model.rowCount() == 100 and len(model.rows()) == 350  # the rest follow, one chunk a turn
    model.apply_details([(0, RowDetails(colours=7, grid=(24, 24))), (300, RowDetails(colours=9, grid=None))])
    with qtbot.waitSignal(model.rows_added, timeout=5000):
        pass
    assert model.rowCount() == 350
    assert model.index(0, COL_COLOURS).data() == "7" and model.index(0, COL_GRID).data() == "24x24"
    assert model.index(300, COL_COLOURS).data() == "9" and model.index(300, COL_GRID).data() == "none"
    assert model.index(1, COL_COLOURS).data() == "…"


def test_a_newer_scan_stops_the_older_ones_chunks(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(model_module, "_CHUNK_ROWS", 100)
    model = ScanTableModel()
    model.set_rows(rows(350))
    model.set_rows(rows(3))
    qtbot.wait(50)
    assert model.rowCount() == 3


def test_details_resort_and_refilter_the_shown_rows(qtbot) -> None:
    model = ScanTableModel()
    proxy = ScanFilterProxy()
    proxy.setSourceModel(model)
    model.set_rows(rows(3))
    proxy.sort(COL_COLOURS, Qt.SortOrder.DescendingOrder)
    model.apply_details(
        [(0, RowDetails(colours=5, grid=(24, 24))), (1, RowDetails(colours=40, grid=(24, 24)))]
    )
    model.apply_details([(2, RowDetails(colours=12, grid=(24, 24)))])
    assert [proxy.index(r, COL_COLOURS).data() for r in range(3)] == ["40", "12", "5"]
    proxy.set_text("24x24")  # the filter text learns the grid with the details
    assert proxy.rowCount() == 3
    proxy.set_text("")
    proxy.set_problems_only(True)
    assert proxy.rowCount() == 0
    model.apply_details([(1, RowDetails(colours=None, grid=None, error="cannot be read"))])
    assert [proxy.index(r, COL_NAME).data() for r in range(proxy.rowCount())] == ["img_00001.png"]


def test_an_empty_scan_is_complete_at_once(qtbot) -> None:
    model = ScanTableModel()
    model.set_rows(rows(5))
    with qtbot.waitSignal(model.rows_added, timeout=1000):
        model.set_rows([])
    assert model.rowCount() == 0 and model.rows() == []
