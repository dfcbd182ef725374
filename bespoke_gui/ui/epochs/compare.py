"""Run against run: the Epochs tab's compare view (two runs loaded).

Per prompt, run A's chosen epoch beside run B's (else each run's best, else its last):
the recovered art at its true 24x24, both views the same size and the same whole-number
zoom, with the stray heatmap when the tab shows it. Below, per metric, A, B and B - A with
the sign coloured (green: B is better, red: worse). "Save…" writes compare.png and
compare.md (``core.epochs.compare``); the tab's report export includes them too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from bespoke_gui.core.epochs.compare import VERDICT_RGB, Column, RunComparison, compare_runs, pick_column
from bespoke_gui.core.epochs.grid_data import column_label, heatmap_rgba
from bespoke_gui.core.epochs.jobs import save_comparison
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.widgets.file_dialogs import choose_folder
from bespoke_gui.ui.widgets.pixel_view import PixelView

if TYPE_CHECKING:
    from bespoke_gui.ui.epochs.tab import EpochsTab

DEFAULT_TILE = 144  # 6x a 24x24 image


class CompareDialog(QDialog):
    def __init__(self, tab: EpochsTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.setWindowTitle("Compare runs")
        self.resize(760, 820)
        self.comparison: RunComparison | None = None
        self.views: list[tuple[PixelView, PixelView]] = []
        self.file_dialog: QFileDialog | None = None
        result = tab.state.result
        runs = list(result.runs)
        self.run_a = QComboBox()
        self.run_b = QComboBox()
        self.run_a.addItems(runs)
        self.run_b.addItems(runs)
        self.run_b.setCurrentIndex(1 if len(runs) > 1 else 0)
        self.column_a = QComboBox()
        self.column_b = QComboBox()
        self.tile_slider = QSlider(Qt.Orientation.Horizontal)
        self.tile_slider.setRange(48, 384)
        self.tile_slider.setSingleStep(24)
        self.tile_slider.setValue(DEFAULT_TILE)
        self.tile_slider.setToolTip("Size of both images (the same whole-number zoom for A and B)")
        self.rows = QWidget()
        self.rows_layout = QGridLayout(self.rows)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.rows)
        self.metrics = QTableWidget(0, 4)
        self.metrics.setHorizontalHeaderLabels(["metric", "A", "B", "B − A"])
        self.metrics.verticalHeader().setVisible(False)
        self.metrics.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.metrics.setMaximumHeight(220)
        self.status = QLabel("")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.addButton("Save…", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(self.choose_save_folder)
        buttons.rejected.connect(self.reject)

        pick = QHBoxLayout()
        for label, run, column in (("A", self.run_a, self.column_a), ("B", self.run_b, self.column_b)):
            pick.addWidget(QLabel(label))
            pick.addWidget(run, 1)
            pick.addWidget(column)
        pick.addWidget(QLabel("size"))
        pick.addWidget(self.tile_slider)
        layout = QVBoxLayout(self)
        layout.addLayout(pick)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.metrics)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        self.run_a.currentTextChanged.connect(lambda _t: self._fill_columns(self.run_a, self.column_a))
        self.run_b.currentTextChanged.connect(lambda _t: self._fill_columns(self.run_b, self.column_b))
        self.column_a.currentIndexChanged.connect(lambda _i: self.refresh())
        self.column_b.currentIndexChanged.connect(lambda _i: self.refresh())
        self.tile_slider.valueChanged.connect(self._resize_views)
        self._fill_columns(self.run_a, self.column_a, refresh=False)
        self._fill_columns(self.run_b, self.column_b)

    # --- choices --------------------------------------------------------------------------
    def _fill_columns(self, run_combo: QComboBox, column_combo: QComboBox, refresh: bool = True) -> None:
        result = self.tab.state.result
        run = run_combo.currentText()
        with signals_blocked(column_combo):
            column_combo.clear()
            for column in result.columns(run):
                summary = result.summary(run, column)
                column_combo.addItem(summary.label if summary else column_label(column), column)
            default = pick_column(result, run, self.tab.chosen())
            if default is not None:
                column_combo.setCurrentIndex(max(0, result.columns(run).index(default)))
        if refresh:
            self.refresh()

    def choice(self) -> tuple[str, Column, str, Column] | None:
        a, b = self.column_a.currentData(), self.column_b.currentData()
        if a is None or b is None:
            return None
        return self.run_a.currentText(), tuple(a), self.run_b.currentText(), tuple(b)

    # --- view -----------------------------------------------------------------------------
    def refresh(self) -> RunComparison | None:
        picked = self.choice()
        while self.rows_layout.count():
            item = self.rows_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.views = []
        if picked is None:
            self.comparison = None
            return None
        comparison = compare_runs(self.tab.state.result, *picked)
        self.comparison = comparison
        self.rows_layout.addWidget(QLabel(f"<b>A</b> {comparison.title_a}"), 0, 1)
        self.rows_layout.addWidget(QLabel(f"<b>B</b> {comparison.title_b}"), 0, 2)
        overlay = self.tab.view_controls.overlay
        heatmap = overlay.heatmap_check.isChecked()
        stray_at = self.tab.state.result.settings.strays.stray_at
        opacity = overlay.opacity()
        for row, pair in enumerate(comparison.pairs, start=1):
            label = QLabel(pair.prompt)
            label.setToolTip(
                self.tab.state.prompt_texts.get(int(pair.prompt), pair.prompt)
                if pair.prompt.isdigit()
                else pair.prompt
            )
            self.rows_layout.addWidget(label, row, 0)
            views = []
            for index, item in enumerate((pair.a, pair.b)):
                view = PixelView()
                view.set_integer_zoom(True)
                if item is not None:
                    view.set_pixels(item.recovery.pixels)
                    if heatmap:
                        view.set_overlay(heatmap_rgba(item.metrics.stray_score, stray_at), opacity)
                    view.setToolTip(
                        f"{item.sample.path.name}: {item.metrics.unique_colors} colours, "
                        f"{item.metrics.stray_count} strays"
                    )
                else:
                    view.setToolTip("no sample for this prompt")
                self.rows_layout.addWidget(view, row, 1 + index)
                views.append(view)
            self.views.append((views[0], views[1]))
        self._resize_views(self.tile_slider.value())
        self.metrics.setRowCount(len(comparison.deltas))
        for row, delta in enumerate(comparison.deltas):
            cells = [
                delta.label,
                "n/a" if delta.a is None else f"{delta.a:.2f}",
                "n/a" if delta.b is None else f"{delta.b:.2f}",
                delta.delta_text(),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3:
                    item.setForeground(QBrush(QColor(*VERDICT_RGB[delta.verdict])))
                    item.setToolTip(f"B is {delta.verdict or 'not comparable'}")
                self.metrics.setItem(row, column, item)
        self.metrics.resizeColumnsToContents()
        better = sum(d.verdict == "better" for d in comparison.deltas)
        worse = sum(d.verdict == "worse" for d in comparison.deltas)
        self.status.setText(f"B against A: {better} metric(s) better, {worse} worse")
        return comparison

    def _resize_views(self, tile: int) -> None:
        for pair in self.views:
            for view in pair:
                view.setFixedSize(tile, tile)

    # --- save -----------------------------------------------------------------------------
    def choose_save_folder(self) -> None:
        start = self.tab.context.workspace.root if self.tab.context.workspace is not None else Path.home()
        self.file_dialog = choose_folder(self, "Folder for compare.png and compare.md", start, self.save)

    def save(self, folder: Path) -> JobHandle | None:
        if self.comparison is None:
            return None
        return self.tab.jobs.start(
            save_comparison,
            self.comparison,
            folder,
            description="Writing the comparison",
            finished=lambda files: self.status.setText(f"Saved {files.image} and {files.markdown}"),
            failed=lambda message: self.status.setText(f"Saving failed: {message}"),
        )
