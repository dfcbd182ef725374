"""The Epochs tab: drop sample folders, see every epoch as recovered 24x24 art, pick the best.

Sample folders come from the workspace (its sample folders load by themselves), from
drops onto the tab (folders or image files; each dropped root is a run, so a 512px run
and a 256px run sit side by side as column groups) or from "Add samples…". All decoding
and analysis runs on the job runner (``core.epochs.state.load_roots``); loads queue up so
each one merges into the state the previous one left. The grid, the per-epoch table and
chart, and the inspector only ever show finished results.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from bespoke_gui.core.epochs.analysis import AnalysisSettings, retarget
from bespoke_gui.core.epochs.grid_data import column_label
from bespoke_gui.core.epochs.metrics import Targets
from bespoke_gui.core.epochs.report import ReportFiles
from bespoke_gui.core.epochs.state import (
    EpochsState,
    build_grid,
    load_more_roots,
    resolve,
    split_new_roots,
    workspace_sample_roots,
    write_epochs_report,
)
from bespoke_gui.core.workspace import IMAGE_EXTENSIONS, Workspace
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.epochs.compare import CompareDialog
from bespoke_gui.ui.epochs.grid import MAX_ZOOM, EpochGridWidget
from bespoke_gui.ui.epochs.inspector import EpochInspector, InspectorData, inspect_sample
from bespoke_gui.ui.epochs.metrics_view import EpochChart, EpochTableModel, SummaryKey, summary_key
from bespoke_gui.ui.epochs.watch import SampleWatch
from bespoke_gui.ui.tabs import FeatureTab

SETTINGS_PREFIX = "epochs"
# (Targets field, label, maximum, shown as percent)
TARGET_FIELDS = (
    ("unique_colors_target", "Unique colours: target <", 4096.0, False),
    ("unique_colors_minimum", "Unique colours: minimum <", 4096.0, False),
    ("background_colours_target", "Background colours: target <", 100000.0, False),
    ("background_colours_minimum", "Background colours: minimum <", 100000.0, False),
    ("messy_share_target", "Messy images: target <", 100.0, True),
    ("messy_share_minimum", "Messy images: minimum <", 100.0, True),
)


def _is_droppable(path: Path) -> bool:
    return path.is_dir() or (path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS)


class EpochsTab(FeatureTab):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.state = EpochsState()
        self.messages: list[str] = []
        self._pending_roots: list[Path] = []
        self._loading_roots: list[Path] = []  # roots of the load in flight
        self._workspace_root: Path | None = None
        self.inspector: EpochInspector | None = None
        self.compare_dialog: CompareDialog | None = None
        self.last_export: ReportFiles | None = None
        self.setAcceptDrops(True)
        self._build()
        self.watch = SampleWatch(self)
        self.layout().insertWidget(1, self.watch.status_label)
        self._restore_view_settings()
        context.workspace_changed.connect(self._workspace_changed)
        if context.workspace is not None:
            self._workspace_changed(context.workspace)

    # --- building -----------------------------------------------------------------------
    def _build(self) -> None:
        self.add_button = QToolButton()
        self.add_button.setText("Add samples…")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.add_button.clicked.connect(self.choose_folder)
        add_menu = QMenu(self.add_button)
        add_menu.addAction("Add a folder…", self.choose_folder)
        add_menu.addAction("Add image files…", self.choose_files)
        self.add_button.setMenu(add_menu)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(
            "Write a labelled collage PNG, a Markdown report and CSV tables to a folder"
        )
        self.export_button.clicked.connect(self.choose_export_folder)
        self.cleaned_check = QCheckBox("with cleaned art")
        self.cleaned_check.setToolTip(
            "Also export the chosen epoch's recovered art (the best epoch where none is chosen): "
            "raw and with strays replaced by their neighbourhood's majority colour, at 24 px and "
            "upscaled x20, into cleaned/ (the report shows before and after either way)"
        )
        self.summary_label = QLabel("No samples loaded.")
        self.summary_label.setWordWrap(True)  # wraps in a narrow window instead of widening it
        self.messages_button = QPushButton("Messages")
        self.messages_button.setCheckable(True)
        self.messages_button.setEnabled(False)

        self.grid_check = QCheckBox("Pixel grid")
        self.heatmap_check = QCheckBox("Stray heatmap")
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setMaximumWidth(120)
        self.opacity_slider.setToolTip("Heatmap opacity")
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(2, 16)
        self.size_slider.setMaximumWidth(120)
        self.size_slider.setToolTip("Cell size: screen pixels per art pixel")
        self.zoom_slider = QSlider(Qt.Orientation.Horizontal)
        self.zoom_slider.setRange(100, int(MAX_ZOOM * 100))
        self.zoom_slider.setMaximumWidth(120)
        self.zoom_slider.setToolTip("Zoom into every cell at once (ctrl+wheel over the grid; drag to pan)")
        self.reset_view_button = QPushButton("Whole art")
        self.reset_view_button.setToolTip(
            "Zoom out to the whole art in every cell (or double-click the grid)"
        )

        top = QHBoxLayout()
        top.addWidget(self.add_button)
        top.addWidget(self.clear_button)
        top.addWidget(self.export_button)
        top.addWidget(self.cleaned_check)
        self.compare_button = QPushButton("Compare runs…")
        self.compare_button.setToolTip(
            "Run A's chosen epoch beside run B's, prompt by prompt, with metric deltas"
        )
        self.compare_button.clicked.connect(self.open_compare)
        top.addWidget(self.compare_button)
        top.addSpacing(12)
        top.addWidget(self.summary_label, 1)
        top.addWidget(self.messages_button)

        view_row = QHBoxLayout()
        view_row.addWidget(self.grid_check)
        view_row.addWidget(self.heatmap_check)
        view_row.addWidget(QLabel("opacity"))
        view_row.addWidget(self.opacity_slider)
        view_row.addSpacing(12)
        view_row.addWidget(QLabel("cell size"))
        view_row.addWidget(self.size_slider)
        view_row.addWidget(QLabel("zoom"))
        view_row.addWidget(self.zoom_slider)
        view_row.addWidget(self.reset_view_button)
        view_row.addStretch(1)

        self.messages_view = QPlainTextEdit()
        self.messages_view.setReadOnly(True)
        self.messages_view.setMaximumHeight(110)
        self.messages_view.setVisible(False)
        self.messages_button.toggled.connect(self.messages_view.setVisible)

        self.grid = EpochGridWidget()
        self.grid.hover_changed.connect(self._hover_changed)
        self.grid.cell_clicked.connect(self.open_inspector)
        self.grid.zoom_changed.connect(self._grid_zoom_changed)
        self.hover_label = QLabel(" ")
        self.hover_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table_model = EpochTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.mark_selected_chosen())
        self.choose_button = QPushButton("Use for production")
        self.choose_button.setToolTip("Mark the selected epoch as the one chosen for production (per run)")
        self.choose_button.clicked.connect(self.mark_selected_chosen)
        self.unchoose_button = QPushButton("Clear choice")
        self.unchoose_button.clicked.connect(self.clear_selected_choice)

        self.chart = EpochChart()
        self.target_spins: dict[str, QDoubleSpinBox] = {}
        # Targets under the chart: one row per check, the target and the minimum side by side.
        targets_grid = QGridLayout()
        targets_grid.setContentsMargins(0, 0, 0, 0)
        targets_grid.addWidget(QLabel("Targets"), 0, 0)
        targets_grid.addWidget(QLabel("pass below"), 0, 1)
        targets_grid.addWidget(QLabel("acceptable below"), 0, 2)
        for index, (name, label, maximum, percent) in enumerate(TARGET_FIELDS):
            spin = QDoubleSpinBox()
            spin.setRange(0.0, maximum)
            spin.setDecimals(0)
            spin.setSuffix(" %" if percent else "")
            spin.setKeyboardTracking(False)
            spin.setToolTip(label)
            self.target_spins[name] = spin
            row = 1 + index // 2
            if index % 2 == 0:
                targets_grid.addWidget(QLabel(label.split(":")[0]), row, 0)
            targets_grid.addWidget(spin, row, 1 + index % 2)
        targets_grid.setColumnStretch(3, 1)
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.chart, 1)
        chart_layout.addLayout(targets_grid)

        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.unchoose_button)
        buttons.addStretch(1)
        table_layout.addLayout(buttons)

        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(table_box)
        bottom.addWidget(chart_box)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)
        bottom.setSizes([3000, 2000])

        grid_box = QWidget()
        grid_layout = QVBoxLayout(grid_box)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.addWidget(self.grid, 1)
        grid_layout.addWidget(self.hover_label)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(grid_box)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        # The grid is what the tab is for: it gets about two thirds of the height.
        self.splitter.setSizes([2000, 950])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(view_row)
        layout.addWidget(self.messages_view)
        layout.addWidget(self.splitter, 1)
        self._update_buttons()

    # --- settings -----------------------------------------------------------------------
    def _setting(self, key: str, default: Any) -> Any:
        value = self.context.settings.value(f"{SETTINGS_PREFIX}/{key}", default)
        return default if value is None else value

    def _restore_view_settings(self) -> None:
        def as_bool(value: Any) -> bool:
            return value in (True, "true", "True", 1, "1")

        def as_int(value: Any, default: int) -> int:
            try:
                return int(value)
            except (TypeError, ValueError):
                return default

        self.grid_check.setChecked(as_bool(self._setting("grid", False)))
        self.heatmap_check.setChecked(as_bool(self._setting("heatmap", True)))
        self.cleaned_check.setChecked(as_bool(self._setting("export_cleaned", True)))
        self.cleaned_check.toggled.connect(
            lambda on: self.context.settings.setValue(f"{SETTINGS_PREFIX}/export_cleaned", on)
        )
        self.opacity_slider.setValue(as_int(self._setting("opacity", 70), 70))
        self.size_slider.setValue(as_int(self._setting("pixel_size", 5), 5))
        self.zoom_slider.setValue(100)
        self.grid.set_grid_visible(self.grid_check.isChecked())
        self.grid.set_heatmap_visible(self.heatmap_check.isChecked())
        self.grid.set_heatmap_opacity(self.opacity_slider.value() / 100.0)
        self.grid.set_pixel_size(self.size_slider.value())
        self.grid_check.toggled.connect(self._grid_toggled)
        self.heatmap_check.toggled.connect(self._heatmap_toggled)
        self.opacity_slider.valueChanged.connect(self._opacity_changed)
        self.size_slider.valueChanged.connect(self._size_changed)
        self.zoom_slider.valueChanged.connect(lambda v: self.grid.set_zoom(v / 100.0))
        self.reset_view_button.clicked.connect(self.reset_view)

        targets = self.targets()
        for name, _label, _maximum, percent in TARGET_FIELDS:
            spin = self.target_spins[name]
            value = float(getattr(targets, name))
            spin.setValue(value * 100.0 if percent else value)
            spin.valueChanged.connect(self._targets_edited)

    def targets(self) -> Targets:
        """The targets the user set (stored in settings), the plan's defaults otherwise."""
        defaults = Targets()
        values: dict[str, float] = {}
        for name, _label, _maximum, _percent in TARGET_FIELDS:
            raw = self._setting(f"targets/{name}", None)
            try:
                values[name] = float(raw) if raw is not None else float(getattr(defaults, name))
            except (TypeError, ValueError):
                values[name] = float(getattr(defaults, name))
        return replace(defaults, **values)

    def set_targets(self, targets: Targets) -> None:
        """Store targets and check every epoch against them (the spin boxes follow)."""
        for name, _label, _maximum, percent in TARGET_FIELDS:
            value = float(getattr(targets, name))
            self.context.settings.setValue(f"{SETTINGS_PREFIX}/targets/{name}", value)
            spin = self.target_spins[name]
            with signals_blocked(spin):
                spin.setValue(value * 100.0 if percent else value)
        self._apply_targets(targets)

    def _targets_edited(self, *_args: object) -> None:
        values = {}
        for name, _label, _maximum, percent in TARGET_FIELDS:
            value = self.target_spins[name].value()
            values[name] = value / 100.0 if percent else value
        self.set_targets(replace(Targets(), **values))

    def _apply_targets(self, targets: Targets) -> None:
        if self.state.is_empty:
            self.table_model.set_summaries([], targets)
            self._refresh_results()
            return
        # Re-checking summaries touches no image: a few ms even for a thousand samples.
        self.state.result = retarget(self.state.result, targets)
        self._refresh_results()

    def analysis_settings(self) -> AnalysisSettings:
        return AnalysisSettings(targets=self.targets())

    def _workspace_key(self) -> str:
        workspace = self.context.workspace
        root = str(workspace.root) if workspace is not None else "no workspace"
        return hashlib.sha1(root.encode("utf-8")).hexdigest()[:16]

    def chosen(self) -> dict[str, tuple[str, int | None]]:
        """The epoch chosen for production, per run, in this workspace."""
        raw = self._setting(f"chosen/{self._workspace_key()}", "")
        try:
            data = json.loads(raw) if raw else {}
        except (TypeError, ValueError):
            return {}
        out: dict[str, tuple[str, int | None]] = {}
        if isinstance(data, dict):
            for run, column in data.items():
                if isinstance(column, list) and len(column) == 2:
                    out[str(run)] = (str(column[0]), None if column[1] is None else int(column[1]))
        return out

    def set_chosen(self, run: str, column: tuple[str, int | None] | None) -> None:
        chosen = self.chosen()
        if column is None:
            chosen.pop(run, None)
        else:
            chosen[run] = column
        self.context.settings.setValue(
            f"{SETTINGS_PREFIX}/chosen/{self._workspace_key()}",
            json.dumps({run: list(col) for run, col in chosen.items()}),
        )
        self._refresh_results()

    def _selected_summary_key(self) -> SummaryKey | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        summary = self.table_model.summary_at(rows[0].row())
        return summary_key(summary) if summary is not None else None

    def mark_selected_chosen(self) -> None:
        key = self._selected_summary_key()
        if key is None:
            self.context.show_status("Select an epoch in the table first.")
            return
        self.set_chosen(key[0], key[1])
        self.context.show_status(f"{key[0]}: {column_label(key[1])} chosen for production.")

    def clear_selected_choice(self) -> None:
        key = self._selected_summary_key()
        if key is not None:
            self.set_chosen(key[0], None)

    def _grid_toggled(self, on: bool) -> None:
        self.grid.set_grid_visible(on)
        self.context.settings.setValue(f"{SETTINGS_PREFIX}/grid", on)

    def _heatmap_toggled(self, on: bool) -> None:
        self.grid.set_heatmap_visible(on)
        self.opacity_slider.setEnabled(on)
        self.context.settings.setValue(f"{SETTINGS_PREFIX}/heatmap", on)

    def _opacity_changed(self, value: int) -> None:
        self.grid.set_heatmap_opacity(value / 100.0)
        self.context.settings.setValue(f"{SETTINGS_PREFIX}/opacity", value)

    def _size_changed(self, value: int) -> None:
        self.grid.set_pixel_size(value)
        self.context.settings.setValue(f"{SETTINGS_PREFIX}/pixel_size", value)

    def _grid_zoom_changed(self, zoom: float) -> None:
        with signals_blocked(self.zoom_slider):
            self.zoom_slider.setValue(int(round(zoom * 100)))

    def reset_view(self) -> None:
        self.grid.set_zoom(1.0)
        self.grid.set_pan(0.0, 0.0)

    # --- loading ------------------------------------------------------------------------
    def _workspace_changed(self, workspace: Workspace | None) -> None:
        same_root = (
            workspace is not None
            and self._workspace_root is not None
            and workspace.root == self._workspace_root
        )
        self._workspace_root = workspace.root if workspace is not None else None
        if same_root and workspace is not None:
            # The same workspace with a part pointed at (File > Add Sample Folder…): only
            # its new sample folders load; what is on screen stays.
            loaded = set(self.state.roots) | set(self._pending_roots) | set(self._loading_roots)
            new = [r for r in workspace_sample_roots(list(workspace.sample_dirs)) if resolve(r) not in loaded]
            if new:
                self.add_paths(new)
            return
        self.clear()
        if workspace is not None and workspace.sample_dirs:
            self.add_paths(workspace_sample_roots(list(workspace.sample_dirs)))

    def add_paths(self, paths: list[Path] | list[str]) -> JobHandle | None:
        """Load sample folders or files beside what is loaded; each root becomes a run."""
        queued = set(self._pending_roots) | set(self._loading_roots)
        candidates = [Path(p) for p in paths]
        fresh, notes = split_new_roots(self.state, candidates)
        fresh_unqueued = []
        for root in fresh:
            if root in queued:
                notes.append(f"{root}: already being loaded; dropped again, loaded once")
            else:
                fresh_unqueued.append(root)
        for note in notes:
            self._add_message(note)
        if notes:
            self.context.show_status(notes[-1])
        if not fresh_unqueued:
            self._update_summary()
            return None
        self._pending_roots.extend(fresh_unqueued)
        return self.load_job or self._start_next_load()

    def _start_next_load(self) -> JobHandle | None:
        if not self._pending_roots:
            return None
        roots, self._pending_roots = self._pending_roots, []
        self._loading_roots = list(roots)
        names = ", ".join(r.name for r in roots[:3]) + ("…" if len(roots) > 3 else "")
        # The job gets its own snapshot: the tab may retarget its state while the job runs.
        snapshot = EpochsState(
            roots=list(self.state.roots), result=self.state.result, failed=list(self.state.failed)
        )
        handle = self.jobs.start(
            load_more_roots,
            snapshot,
            roots,
            self.analysis_settings(),
            self.context.workspace,
            description=f"Analysing samples in {names}",
            slot="load",
            finished=self._load_finished,
            failed=self._load_failed,
            cancelled=self._load_cancelled,
        )
        self._update_summary()
        return handle

    @property
    def load_job(self) -> JobHandle | None:
        """The running load (one at a time; roots dropped meanwhile wait in a queue)."""
        return self.jobs.current("load")

    def _load_finished(self, state: EpochsState) -> None:
        self._loading_roots = []
        self.state = state
        # Targets may have been edited while the job ran.
        self.state.result = retarget(self.state.result, self.targets())
        self.messages = [m for m in self.messages if not m.startswith("loaded:")]
        self._rebuild_messages()
        self._refresh_all()
        self.context.show_status(
            f"Epochs: {state.image_count()} samples analysed"
            + (f", {len(state.failed)} could not be read" if state.failed else "")
        )
        self.watch.loaded()
        self._start_next_load()

    def _load_failed(self, message: str) -> None:
        self._loading_roots = []
        self._add_message(f"loading failed: {message}")
        self.context.show_status(f"Epochs: loading failed: {message}")
        self._update_summary()
        self._start_next_load()

    def _load_cancelled(self) -> None:
        self._loading_roots = []
        self._pending_roots.clear()
        self._add_message("loading cancelled; nothing from that load was kept")
        self.context.show_status("Epochs: loading cancelled")
        self._update_summary()

    def cancel_loading(self) -> None:
        self._pending_roots.clear()
        if self.load_job is not None:
            self.load_job.cancel()

    def clear(self) -> None:
        self.jobs.cancel("load")  # its late result is dropped
        self._pending_roots.clear()
        self._loading_roots = []
        self.state = EpochsState()
        self.messages = []
        self._rebuild_messages()
        self._refresh_all()
        self.watch.loaded()

    def choose_folder(self) -> None:
        start = str(self.context.workspace.root) if self.context.workspace is not None else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Add sample folder", start)
        if folder:
            self.add_paths([Path(folder)])

    def choose_files(self) -> None:
        start = str(self.context.workspace.root) if self.context.workspace is not None else str(Path.home())
        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        files, _ = QFileDialog.getOpenFileNames(self, "Add sample images", start, f"Images ({patterns})")
        if files:
            self.add_paths([Path(f) for f in files])

    # --- drag and drop ------------------------------------------------------------------
    @staticmethod
    def dropped_paths(urls: list[QUrl]) -> list[Path]:
        return [
            Path(u.toLocalFile()) for u in urls if u.isLocalFile() and _is_droppable(Path(u.toLocalFile()))
        ]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        # Accepted here so the drop does not reach the main window (which opens a workspace).
        if event.mimeData().hasUrls() and self.dropped_paths(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls() and self.dropped_paths(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self.dropped_paths(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)
        else:
            event.ignore()

    # --- results ------------------------------------------------------------------------
    def _add_message(self, message: str) -> None:
        self.messages.append(message)
        self.messages_view.appendPlainText(message)
        self.messages_button.setEnabled(True)
        self.messages_button.setText(f"Messages ({len(self.messages)})")

    def _rebuild_messages(self) -> None:
        result = self.state.result
        loaded = [f"error: {f.path}: {f.message}" for f in self.state.failed]
        loaded += [f"{m.path}: {m.message}" for m in result.messages]
        keep = [m for m in self.messages if m not in loaded]
        self.messages = keep + loaded
        self.messages_view.setPlainText("\n".join(self.messages))
        self.messages_button.setEnabled(bool(self.messages))
        self.messages_button.setText(f"Messages ({len(self.messages)})" if self.messages else "Messages")

    def _refresh_all(self) -> None:
        if self.state.is_empty:
            self.state.grid = build_grid(self.state)
        self.grid.set_data(self.state.grid)
        self._refresh_results()

    def _refresh_results(self) -> None:
        targets = self.targets()
        result = self.state.result
        errors: dict[SummaryKey, int] = {}
        for failed in self.state.failed:
            if failed.sample is not None:
                key = (failed.sample.run, failed.sample.column)
                errors[key] = errors.get(key, 0) + 1
        selected = self._selected_summary_key()
        self.table_model.set_summaries(result.epochs if not self.state.is_empty else [], targets, errors)
        self.table.setColumnHidden(0, len(self.grid.data().runs) < 2)
        chosen = {(run, column) for run, column in self.chosen().items()}
        self.table_model.set_chosen(chosen)
        if selected is not None:
            row = self.table_model.row_of(selected)
            if row >= 0:
                self.table.selectionModel().select(
                    self.table_model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
        best = self.table_model.best_keys()
        self.chart.set_summaries(result.epochs if not self.state.is_empty else [], targets, best, chosen)
        marks: dict[int, str] = {}
        for index, column in enumerate(self.grid.data().columns):
            text = []
            if column.key in best:
                text.append("★")
            if column.key in chosen:
                text.append("✓")
            if text:
                marks[index] = " ".join(text)
        self.grid.set_column_marks(marks)
        self._update_summary()
        self._update_buttons()

    def _update_summary(self) -> None:
        if self.load_job is not None:
            text = "Analysing samples…"
        elif self.state.is_empty:
            text = "No samples loaded. Drop sample folders here or use Add samples…"
        else:
            result = self.state.result
            grid = self.grid.data()
            text = (
                f"{len(result.images)} samples · {len(grid.runs)} run(s) · "
                f"{len(grid.columns)} column(s) · {len(grid.rows)} prompt(s)"
            )
            if self.state.failed:
                text += f" · {len(self.state.failed)} could not be read"
            best = [f"{run}: {s.label}" for run, s in result.best.items()]
            if best:
                text += " · best " + ", ".join(best)
        self.summary_label.setText(text)

    def _update_buttons(self) -> None:
        has_images = bool(self.state.result.images) and not self.state.is_empty
        self.export_button.setEnabled(has_images)
        self.compare_button.setEnabled(has_images and len(self.state.result.runs) >= 2)
        self.clear_button.setEnabled(not self.state.is_empty or self.load_job is not None)
        self.choose_button.setEnabled(has_images)
        self.unchoose_button.setEnabled(has_images)

    def _hover_changed(self, text: str) -> None:
        self.hover_label.setText(text or " ")

    # --- inspector ----------------------------------------------------------------------
    def open_inspector(self, column: int, row: int) -> JobHandle | None:
        """Inspect one cell: decode and compare pipelines on the runner, then show it."""
        data = self.grid.data()
        cell = data.cell(column, row)
        if cell is None or cell.path is None:
            return None
        title = f"{data.columns[column].run} · {data.columns[column].label} · {data.rows[row].label}"
        if not cell.ok:
            self.context.show_status(f"{title}: {cell.error}")
            self.hover_label.setText(f"{title}: {cell.error}")
            return None
        if self.inspector is None:
            self.inspector = EpochInspector(self)
        self.inspector.show_loading(title)
        if not self.window().property("headless"):
            self.inspector.show()
            self.inspector.raise_()
        # A newer click supersedes a running inspection: its late result is dropped.
        return self.jobs.start(
            inspect_sample,
            cell.path,
            title,
            self.analysis_settings(),
            description=f"Inspecting {cell.path.name}",
            slot="inspect",
            finished=self._inspected,
            failed=lambda message, t=title: self._inspect_failed(t, message),
        )

    def _inspected(self, data: InspectorData) -> None:
        if self.inspector is not None:
            self.inspector.show_data(data)

    def _inspect_failed(self, title: str, message: str) -> None:
        if self.inspector is not None:
            self.inspector.show_error(title, message)
        self.context.show_status(f"{title}: {message}")

    # --- export -------------------------------------------------------------------------
    def open_compare(self) -> CompareDialog | None:
        if len(self.state.result.runs) < 2:
            self.context.show_status("Load two runs to compare them.")
            return None
        dialog = CompareDialog(self)
        self.compare_dialog = dialog
        dialog.open()  # not exec(): no nested event loop under qasync
        return dialog

    def choose_export_folder(self) -> None:
        start = str(self.context.workspace.root) if self.context.workspace is not None else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Export report to folder", start)
        if folder:
            self.export_report(Path(folder))

    def export_report(self, folder: Path) -> JobHandle | None:
        """Write the collage PNG, the Markdown report and the CSV tables (on the runner)."""
        if not self.state.result.images:
            self.context.show_status("Nothing to export: load samples first.")
            return None
        state = self.state
        return self.jobs.start(
            write_epochs_report,
            state,
            Path(folder),
            self.chosen(),
            self.cleaned_check.isChecked(),
            description=f"Exporting to {folder}",
            finished=self._exported,
            failed=self._export_failed,
        )

    def _exported(self, files: ReportFiles) -> None:
        self.last_export = files
        cleaned = f" (cleaned art of {len(files.cleaned)} samples in cleaned/)" if files.cleaned else ""
        self.context.show_status(f"Report written: {files.markdown.parent}{cleaned}")

    def _export_failed(self, message: str) -> None:
        self._add_message(f"export failed: {message}")
        self.context.show_status(f"Export failed: {message}")
