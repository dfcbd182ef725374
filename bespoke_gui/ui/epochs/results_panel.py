"""Below the grid: the per-epoch table with its choose buttons, and the chart with the targets."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.epochs.metrics import EpochSummary, Targets
from bespoke_gui.core.epochs.state import SummaryKey
from bespoke_gui.ui.epochs.metrics_view import EpochChart, EpochTableModel, summary_key
from bespoke_gui.ui.epochs.targets_editor import TargetsEditor


class ResultsPanel(QSplitter):
    """The table (left) and the chart over the targets (right); the tab wires the buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.table_model = EpochTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.choose_button = QPushButton("Use for production")
        self.choose_button.setToolTip("Mark the selected epoch as the one chosen for production (per run)")
        self.unchoose_button = QPushButton("Clear choice")
        self.chart = EpochChart()
        self.targets_editor = TargetsEditor()

        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.unchoose_button)
        buttons.addStretch(1)
        table_layout.addLayout(buttons)

        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.chart, 1)
        chart_layout.addWidget(self.targets_editor)

        self.addWidget(table_box)
        self.addWidget(chart_box)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self.setSizes([3000, 2000])

    def show_results(
        self,
        summaries: list[EpochSummary],
        targets: Targets,
        errors: dict[SummaryKey, int],
        chosen: set[SummaryKey],
        several_runs: bool,
    ) -> set[SummaryKey]:
        """Show the epochs checked against ``targets``, keeping the selected row; the best epochs."""
        selected = self.selected_key()
        self.table_model.set_summaries(summaries, targets, errors)
        self.table.setColumnHidden(0, not several_runs)
        self.table_model.set_chosen(chosen)
        if selected is not None:
            row = self.table_model.row_of(selected)
            if row >= 0:
                self.table.selectionModel().select(
                    self.table_model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
        best = self.table_model.best_keys()
        self.chart.set_summaries(summaries, targets, best, chosen)
        return best

    def selected_key(self) -> SummaryKey | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        summary = self.table_model.summary_at(rows[0].row())
        return summary_key(summary) if summary is not None else None

    def set_enabled(self, has_images: bool) -> None:
        self.choose_button.setEnabled(has_images)
        self.unchoose_button.setEnabled(has_images)
