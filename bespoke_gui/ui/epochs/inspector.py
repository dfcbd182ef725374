"""The inspector for one sample: original, recovery, palette and the three pipelines.

It answers the plan's Phase 1B question for one image (does better downscaling fix
it?): the grid recovery beside the plan's "two-stage" and "nearest" pipelines, each
with its unique-colour count. ``core.epochs.jobs.inspect_sample`` is the job that decodes
and measures the image (on the job runner, never on the GUI thread); ``EpochInspector``
shows its result.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.colour import to_hex
from bespoke_gui.core.epochs.grid_data import heatmap_rgba
from bespoke_gui.core.epochs.jobs import PIPELINE_NAMES, InspectorData
from bespoke_gui.core.epochs.pixelgrid import Palette
from bespoke_gui.ui.epochs.overlay_controls import OverlayControls
from bespoke_gui.ui.widgets.pixel_view import PixelView
from bespoke_gui.ui.widgets.row_table_model import RowTableModel


class OriginalView(PixelView):
    """The sample with the fitted cell grid drawn over it, and the hovered cell outlined.

    The lines are where the recovery found the cells, so a grid that drifts off the
    art's real cell edges shows at a glance.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_integer_zoom(False)
        self._x_edges: np.ndarray | None = None
        self._y_edges: np.ndarray | None = None
        self._source_size = (1, 1)
        self._cell: tuple[int, int] | None = None
        self._lines_visible = True

    def set_cell_grid(
        self, x_edges: np.ndarray | None, y_edges: np.ndarray | None, source_size: tuple[int, int]
    ) -> None:
        self._x_edges = None if x_edges is None else np.asarray(x_edges, dtype=np.float64)
        self._y_edges = None if y_edges is None else np.asarray(y_edges, dtype=np.float64)
        self._source_size = (max(1, source_size[0]), max(1, source_size[1]))
        self._cell = None
        self.update()

    def set_lines_visible(self, visible: bool) -> None:
        self._lines_visible = visible
        self.update()

    def set_cell(self, x: int, y: int) -> None:
        self._cell = None if x < 0 or y < 0 else (x, y)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._x_edges is None or self._y_edges is None or self.pixels() is None:
            return
        rect = self.image_rect()
        sx = rect.width() / self._source_size[0]
        sy = rect.height() / self._source_size[1]
        painter = QPainter(self)
        if self._lines_visible:
            painter.setPen(QPen(QColor(0, 200, 255, 110), 1))
            for x in self._x_edges:
                px = rect.left() + x * sx
                painter.drawLine(QPointF(px, rect.top()), QPointF(px, rect.bottom()))
            for y in self._y_edges:
                py = rect.top() + y * sy
                painter.drawLine(QPointF(rect.left(), py), QPointF(rect.right(), py))
        if self._cell is not None:
            cx, cy = self._cell
            if cx + 1 < len(self._x_edges) and cy + 1 < len(self._y_edges):
                painter.setPen(QPen(QColor(255, 40, 40), 2))
                painter.drawRect(
                    QRectF(
                        rect.left() + self._x_edges[cx] * sx,
                        rect.top() + self._y_edges[cy] * sy,
                        (self._x_edges[cx + 1] - self._x_edges[cx]) * sx,
                        (self._y_edges[cy + 1] - self._y_edges[cy]) * sy,
                    )
                )
        painter.end()


class PaletteModel(RowTableModel[tuple[tuple[int, int, int], int]]):
    """The recovered palette, most used first: swatch, hex code, pixel count, share."""

    HEADERS = ("", "Hex", "Pixels", "Share")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._total = 0

    def set_palette(self, palette: Palette | None) -> None:
        """One row a colour: ((r, g, b), pixel count)."""
        self._total = int(palette.counts.sum()) if palette is not None else 0
        rows = [] if palette is None else zip(palette.colours, palette.counts)
        self.set_rows([((int(c[0]), int(c[1]), int(c[2])), int(n)) for c, n in rows])

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        (r, g, b), count = self.rows[row]
        if role == Qt.ItemDataRole.BackgroundRole and column == 0:
            return QColor(r, g, b)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 1:
                return to_hex((r, g, b))
            if column == 2:
                return str(count)
            if column == 3:
                return f"{100.0 * count / max(1, self._total):.1f}%"
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _titled(title: str, widget: QWidget) -> tuple[QWidget, QLabel]:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    label = QLabel(title)
    label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return box, label


class EpochInspector(QDialog):
    """A non-modal window showing one sample in depth; ``show_data`` fills it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sample inspector")
        self.setModal(False)
        self.resize(1100, 760)
        self.data_shown: InspectorData | None = None

        self.title_label = QLabel("Click a cell in the grid to inspect it.")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        self.hover_label = QLabel(" ")

        self.original_view = OriginalView()
        self.recovery_view = PixelView()
        self.recovery_view.set_grid_visible(True)
        self.recovery_view.hovered.connect(self._recovery_hovered)
        original_box, self.original_label = _titled("Original", self.original_view)
        recovery_box, self.recovery_label = _titled("Recovery", self.recovery_view)

        self.palette_model = PaletteModel(self)
        self.palette_table = QTableView()
        self.palette_table.setModel(self.palette_model)
        self.palette_table.verticalHeader().setVisible(False)
        self.palette_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.palette_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.palette_table.horizontalHeader().setStretchLastSection(True)
        self.palette_table.setMinimumWidth(220)
        self.palette_table.selectionModel().selectionChanged.connect(self._palette_selection_changed)
        palette_box, self.palette_label = _titled("Palette", self.palette_table)

        self.overlay = OverlayControls(grid=True, heatmap=True, opacity=60)
        self.overlay.heatmap_check.toggled.connect(self._refresh_overlay)
        self.overlay.opacity_slider.valueChanged.connect(self._refresh_overlay)
        self.overlay.grid_check.toggled.connect(self.recovery_view.set_grid_visible)
        self.overlay.grid_check.toggled.connect(self.original_view.set_lines_visible)

        top = QHBoxLayout()
        top.addWidget(original_box, 3)
        top.addWidget(recovery_box, 3)
        top.addWidget(palette_box, 2)

        options = QHBoxLayout()
        options.addWidget(self.overlay)
        options.addStretch(1)

        self.pipeline_views: dict[str, PixelView] = {}
        self.pipeline_labels: dict[str, QLabel] = {}
        pipelines = QGridLayout()
        for column, method in enumerate(PIPELINE_NAMES):
            view = PixelView()
            view.setMinimumSize(144, 144)
            box, label = _titled(PIPELINE_NAMES[method], view)
            self.pipeline_views[method] = view
            self.pipeline_labels[method] = label
            pipelines.addWidget(box, 0, column)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.summary_label)
        layout.addLayout(top, 3)
        layout.addLayout(options)
        layout.addWidget(self.hover_label)
        layout.addWidget(QLabel("Pipelines side by side: does better downscaling fix it?"))
        layout.addLayout(pipelines, 2)

    def sizeHint(self) -> QSize:
        return QSize(1100, 760)

    def show_loading(self, title: str) -> None:
        self.title_label.setText(f"{title}: loading…")

    def show_error(self, title: str, message: str) -> None:
        self.title_label.setText(f"{title}: {message}")

    def show_data(self, data: InspectorData) -> None:
        self.data_shown = data
        m = data.metrics
        self.title_label.setText(f"<b>{data.title}</b> — {data.path}")
        width, height = data.original_size
        bg = m.background
        background = (
            f"background {bg.hex} ({bg.colours_original} colours in the original)"
            if bg.colour
            else "no clear background"
        )
        messy = ("messy: " + "; ".join(m.messy_reasons)) if m.messy else "not messy"
        fit = "exact upscale" if data.recovery.exact else f"grid fit {m.grid_fit:.2f}"
        self.summary_label.setText(
            f"{m.unique_colors} unique colours (nearest 24x24) · palette {m.palette_size} after recovery · "
            f"{m.stray_count} stray pixels · {messy} · {background} · {fit}"
        )
        self.original_label.setText(f"Original {width}x{height}, with the fitted cell grid")
        self.original_view.set_pixels(data.original)
        grid = data.recovery.grid
        self.original_view.set_cell_grid(grid.x_edges, grid.y_edges, data.original_size)
        self.recovery_label.setText(f"Recovery {data.recovery.cells}x{data.recovery.cells}")
        self.recovery_view.set_pixels(data.recovery.pixels)
        self._refresh_overlay()
        self.palette_model.set_palette(data.recovery.palette)
        self.palette_label.setText(f"Palette: {len(data.recovery.palette)} colours")
        for result in data.pipelines:
            self.pipeline_views[result.method].set_pixels(result.pixels)
            self.pipeline_labels[result.method].setText(
                f"{PIPELINE_NAMES[result.method]}: {result.unique_colours} colours"
            )

    def _refresh_overlay(self, *_args: object) -> None:
        if self.data_shown is None:
            return
        if self.overlay.heatmap_check.isChecked():
            self.recovery_view.set_overlay(
                heatmap_rgba(self.data_shown.metrics.stray_score), self.overlay.opacity()
            )
        else:
            self.recovery_view.set_overlay(None)

    def _palette_selection_changed(self, *_args: object) -> None:
        if self.data_shown is None:
            return
        rows = {i.row() for i in self.palette_table.selectionModel().selectedRows()}
        if not rows:
            self.recovery_view.set_highlight(None)
        else:
            self.recovery_view.set_highlight(np.isin(self.data_shown.recovery.labels, list(rows)))
        self._refresh_overlay()

    def describe_pixel(self, x: int, y: int) -> str:
        if self.data_shown is None or x < 0:
            return ""
        recovery = self.data_shown.recovery
        m = self.data_shown.metrics
        colour = to_hex(recovery.pixels[y, x])
        raw = to_hex(recovery.raw[y, x])
        text = f"({x}, {y}) {colour}"
        if raw != colour:
            text += f" (cell's own colour {raw})"
        return f"{text} · {m.describe_pixel(x, y)}"

    def _recovery_hovered(self, x: int, y: int) -> None:
        self.hover_label.setText(self.describe_pixel(x, y) or " ")
        self.original_view.set_cell(x, y)
