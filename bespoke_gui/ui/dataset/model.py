"""The Dataset tab's table: scan rows as a C++-side Qt model, plus a filter/sort proxy."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QRegularExpression, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QStandardItemModel

from bespoke_gui.core.dataset.scan import RowDetails, ScanRow, apply_details

COLUMNS = ("Name", "Size", "Mode", "Colours", "Grid", "Caption", "File size", "Problems")
COL_NAME, COL_SIZE, COL_MODE, COL_COLOURS, COL_GRID, COL_CAPTION, COL_BYTES, COL_PROBLEMS = range(
    len(COLUMNS)
)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FILTER_ROLE = Qt.ItemDataRole.UserRole + 2
PROBLEM_MARKER = "\x01problem"
ERROR_BRUSH = QBrush(QColor(255, 214, 214))
WARNING_BRUSH = QBrush(QColor(255, 243, 205))
NO_GRID_BRUSH = QBrush(QColor(176, 96, 0))
_RIGHT_ALIGNED = (COL_SIZE, COL_COLOURS, COL_GRID, COL_BYTES)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
# What details change in a row whose problems stay the same (the name cell: its filter text).
_DETAIL_COLUMNS = (COL_NAME, COL_SIZE, COL_MODE, COL_COLOURS, COL_GRID)
# Rows added per event-loop turn: about 5 ms of item making, three times that while worker
# threads share the GIL at workspace open.
_CHUNK_ROWS = 100


def _file_size_text(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1e6:.1f} MB"
    if size >= 1000:
        return f"{size / 1e3:.0f} kB"
    return f"{size} B"


class ScanTableModel(QStandardItemModel):
    """One row per image, in scan order; details (colours, grid) fill in as the details job reports them.

    A C++-side model: each cell's text, sort key and colours are set once (and again when its
    details arrive), so painting, sorting and filtering never call into Python. A Python
    model's ``data()`` needs the GIL for every cell and role, and while worker threads hold
    it (scans, checks, analysis at workspace open) each repaint stalled the window. Cells are
    set with ``setItemData`` (Qt makes the item: no Python wrapper per cell for the garbage
    collector to walk), rows added in chunks, one per event-loop turn, so 10,000 rows never
    block the window either; ``rows()`` holds them all at once, in scan order (a source row
    is a scan index).
    """

    rows_added = Signal()  # every row of the scan is in the model

    def __init__(self, parent: Any = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self._rows: list[ScanRow] = []
        self._generation = 0

    # --- data in ------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[ScanRow]) -> None:
        self._generation += 1
        self._rows = list(rows)
        self.setRowCount(0)
        self._add_chunk(self._generation)

    def _add_chunk(self, generation: int) -> None:
        if generation != self._generation:
            return  # a newer scan replaced these rows
        start = self.rowCount()
        chunk = self._rows[start : start + _CHUNK_ROWS]
        if chunk:
            # One rowsInserted and one dataChanged for the chunk: a view handles a signal per
            # row in time that grows with the rows it already has.
            self.insertRows(start, len(chunk))
            self.blockSignals(True)
            try:
                for offset, row in enumerate(chunk):
                    self._set_cells(start + offset, row, range(len(COLUMNS)))
            finally:
                self.blockSignals(False)
            self.dataChanged.emit(self.index(start, 0), self.index(start + len(chunk) - 1, len(COLUMNS) - 1))
        if self.rowCount() < len(self._rows):
            QTimer.singleShot(0, lambda: self._add_chunk(generation))
        else:
            self.rows_added.emit()

    def rows(self) -> list[ScanRow]:
        """The rows in scan order (not display order)."""
        return self._rows

    def row_at(self, row: int) -> ScanRow:
        """The row at source row ``row`` (the proxy maps display rows to these)."""
        return self._rows[row]

    def apply_details(self, updates: Sequence[tuple[int, RowDetails]]) -> None:
        """Fill details for many rows at once (scan indices).

        Only the cells details change are set, the whole row only when its problems changed:
        at workspace open worker threads hold the GIL most of the time, and every call made
        here waits its turn for it.
        """
        shown = self.rowCount()
        for index, details in updates:
            if 0 <= index < len(self._rows):
                row = self._rows[index]
                problems_before = row.problems()
                apply_details(row, details)
                if index < shown:  # a row still to be added gets its details with it
                    same = row.problems() == problems_before
                    self._set_cells(index, row, _DETAIL_COLUMNS if same else range(len(COLUMNS)))

    # --- cells --------------------------------------------------------------------------
    def _set_cells(self, index: int, row: ScanRow, columns: Sequence[int]) -> None:
        problems = row.problems()
        background = ERROR_BRUSH if row.error else WARNING_BRUSH if problems else None
        for col in columns:
            # setItemData replaces every role of the cell: each cell gets all of its own.
            roles: dict[int, Any] = {
                Qt.ItemDataRole.DisplayRole: self._display(row, col, problems),
                SORT_ROLE: self._sort_key(row, col, problems),
            }
            if background is not None:
                roles[Qt.ItemDataRole.BackgroundRole] = background
            if col in _RIGHT_ALIGNED:
                roles[Qt.ItemDataRole.TextAlignmentRole] = _RIGHT
            if col == COL_GRID and row.details_done and not row.grid:
                roles[Qt.ItemDataRole.ForegroundRole] = NO_GRID_BRUSH
            if col == COL_NAME:
                roles[FILTER_ROLE] = self._filter_text(row, problems)
            self.setItemData(self.index(index, col), roles)

    @staticmethod
    def tooltip(row: ScanRow) -> str:
        """The row's path and problems; the view asks for it on hover (see ScanView)."""
        problems = row.problems()
        return f"{row.path}\n" + ("\n".join(problems) if problems else "no problems found")

    @staticmethod
    def _filter_text(row: ScanRow, problems: list[str]) -> str:
        text = " ".join([row.name, row.size_text, row.mode, row.grid_text, *problems]).lower()
        return text + PROBLEM_MARKER if problems else text

    @staticmethod
    def _display(row: ScanRow, col: int, problems: list[str]) -> str:
        if col == COL_NAME:
            return row.name
        if col == COL_SIZE:
            return row.size_text
        if col == COL_MODE:
            return f"{row.mode} ({row.bit_depth}-bit)" if row.bit_depth and row.bit_depth != 8 else row.mode
        if col == COL_COLOURS:
            if row.colours is not None:
                return f"{row.colours:,}"
            return "" if row.error else "…"
        if col == COL_GRID:
            if row.error:
                return ""
            return row.grid_text if row.details_done else "…"
        if col == COL_CAPTION:
            if not row.caption_present:
                return "missing"
            return "empty" if row.caption_empty else "yes"
        if col == COL_BYTES:
            return _file_size_text(row.file_size)
        if col == COL_PROBLEMS:
            return "; ".join(problems)
        return ""

    @classmethod
    def _sort_key(cls, row: ScanRow, col: int, problems: list[str]) -> int | str:
        # Plain ints and strings, so the proxy compares them in C++; names break ties.
        if col == COL_SIZE:
            return row.width * row.height
        if col == COL_COLOURS:
            return -1 if row.colours is None else row.colours
        if col == COL_GRID:
            return row.grid[0] * row.grid[1] if row.grid else -1
        if col == COL_BYTES:
            return row.file_size
        if col == COL_PROBLEMS:
            # Sorted descending: errors first, then warnings.
            return 2 if row.error else 1 if problems else 0
        return f"{cls._display(row, col, problems).lower()}\0{row.name}"


class ScanFilterProxy(QSortFilterProxyModel):
    """Filter by words (name, size, mode, grid or problem) and, optionally, problems only; sort.

    The filter runs in C++ on a text per row (FILTER_ROLE): every word must appear, and
    "problems only" requires a marker only problem rows carry. Sorting compares each
    cell's SORT_ROLE key in C++ too, and follows rows as their details arrive.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._problems_only = False
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(COL_NAME)
        self.setSortRole(SORT_ROLE)

    def set_text(self, text: str) -> None:
        self._words = text.strip().lower().split()
        self._apply()

    def set_problems_only(self, on: bool) -> None:
        self._problems_only = on
        self._apply()

    def _apply(self) -> None:
        needles = [re.escape(word) for word in self._words]
        if self._problems_only:
            needles.append(re.escape(PROBLEM_MARKER))
        pattern = "".join(f"(?=.*{needle})" for needle in needles)
        expression = QRegularExpression(pattern, QRegularExpression.PatternOption.DotMatchesEverythingOption)
        self.setFilterRegularExpression(expression)
