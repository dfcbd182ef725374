"""The Epochs tab: drop sample folders, see every epoch as recovered 24x24 art, pick the best.

Sample folders come from the workspace (its sample folders load by themselves), from
drops onto the tab (folders or image files; each dropped root is a run, so a 512px run
and a 256px run sit side by side as column groups) or from "Add samples…". The tab wires
a Qt-free :class:`EpochsState` (``core/epochs/state.py``: what is loaded, what is queued,
the messages) to its views: the toolbar, the grid, the results panel (per-epoch table,
chart, targets), the inspector and the compare dialog. Every decoding, analysis and
export runs as a job (``core/epochs/jobs.py``) through ``self.jobs``; loads queue up so
each one merges into the state the previous one left. The views only ever show finished
results.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QLabel, QSplitter, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from bespoke_gui.core.epochs.analysis import AnalysisSettings
from bespoke_gui.core.epochs.grid_data import column_label
from bespoke_gui.core.epochs.jobs import InspectorData, inspect_sample, load_more_roots, write_epochs_report
from bespoke_gui.core.epochs.metrics import Targets
from bespoke_gui.core.epochs.preferences import (
    Column,
    as_bool,
    as_int,
    chosen_from_text,
    chosen_key,
    chosen_to_text,
    key,
    stored_targets,
    target_values,
    with_choice,
)
from bespoke_gui.core.epochs.report import ReportFiles
from bespoke_gui.core.epochs.state import EpochsState, is_droppable
from bespoke_gui.core.workspace import IMAGE_EXTENSIONS, Workspace
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.epochs.compare import CompareDialog
from bespoke_gui.ui.epochs.grid import EpochGridWidget
from bespoke_gui.ui.epochs.inspector import EpochInspector
from bespoke_gui.ui.epochs.results_panel import ResultsPanel
from bespoke_gui.ui.epochs.toolbar import EpochsToolbar, GridViewControls
from bespoke_gui.ui.epochs.watch import SampleWatch
from bespoke_gui.ui.tabs import FeatureTab
from bespoke_gui.ui.widgets.file_dialogs import choose_files, choose_folder


class EpochsTab(FeatureTab):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.state = EpochsState()
        self.inspector: EpochInspector | None = None
        self.compare_dialog: CompareDialog | None = None
        self.file_dialog: QFileDialog | None = None
        self.last_export: ReportFiles | None = None
        self.setAcceptDrops(True)
        self._build()
        self.watch = SampleWatch(self)
        self.layout().insertWidget(1, self.watch.status_label)
        self._connect()
        self._refresh_results()
        self.follow_workspace(self._workspace_changed)

    # --- building -----------------------------------------------------------------------
    def _build(self) -> None:
        read = self._read
        self.toolbar = EpochsToolbar()
        self.toolbar.cleaned_check.setChecked(as_bool(read("export_cleaned"), True))
        self.view_controls = GridViewControls(
            grid=as_bool(read("grid"), False),
            heatmap=as_bool(read("heatmap"), True),
            opacity=as_int(read("opacity"), 70),
            pixel_size=as_int(read("pixel_size"), 5),
        )
        overlay = self.view_controls.overlay
        self.grid = EpochGridWidget()
        self.grid.set_grid_visible(overlay.grid_check.isChecked())
        self.grid.set_heatmap_visible(overlay.heatmap_check.isChecked())
        self.grid.set_heatmap_opacity(overlay.opacity())
        self.grid.set_pixel_size(self.view_controls.size_slider.value())
        self.hover_label = QLabel(" ")
        self.hover_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.results = ResultsPanel()
        self.results.targets_editor.set_targets(self.targets())

        grid_box = QWidget()
        grid_layout = QVBoxLayout(grid_box)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.addWidget(self.grid, 1)
        grid_layout.addWidget(self.hover_label)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(grid_box)
        self.splitter.addWidget(self.results)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        # The grid is what the tab is for: it gets about two thirds of the height.
        self.splitter.setSizes([2000, 950])

        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.view_controls)
        layout.addWidget(self.toolbar.messages_view)
        layout.addWidget(self.splitter, 1)

    def _connect(self) -> None:
        toolbar, view, overlay = self.toolbar, self.view_controls, self.view_controls.overlay
        toolbar.add_folder_requested.connect(self.choose_folder)
        toolbar.add_files_requested.connect(self.choose_files)
        toolbar.clear_button.clicked.connect(self.clear)
        toolbar.export_button.clicked.connect(self.choose_export_folder)
        toolbar.compare_button.clicked.connect(self.open_compare)
        toolbar.cleaned_check.toggled.connect(lambda on: self._write("export_cleaned", on))
        overlay.grid_check.toggled.connect(
            lambda on: (self.grid.set_grid_visible(on), self._write("grid", on))
        )
        overlay.heatmap_check.toggled.connect(
            lambda on: (self.grid.set_heatmap_visible(on), self._write("heatmap", on))
        )
        overlay.opacity_slider.valueChanged.connect(
            lambda value: (self.grid.set_heatmap_opacity(value / 100.0), self._write("opacity", value))
        )
        view.size_slider.valueChanged.connect(
            lambda value: (self.grid.set_pixel_size(value), self._write("pixel_size", value))
        )
        view.zoom_slider.valueChanged.connect(lambda value: self.grid.set_zoom(value / 100.0))
        view.reset_view_button.clicked.connect(self.reset_view)
        self.grid.hover_changed.connect(lambda text: self.hover_label.setText(text or " "))
        self.grid.cell_clicked.connect(self.open_inspector)
        self.grid.zoom_changed.connect(self._grid_zoom_changed)
        self.results.table.doubleClicked.connect(lambda _index: self.mark_selected_chosen())
        self.results.choose_button.clicked.connect(self.mark_selected_chosen)
        self.results.unchoose_button.clicked.connect(self.clear_selected_choice)
        self.results.targets_editor.edited.connect(self.set_targets)

    # --- settings -----------------------------------------------------------------------
    def _read(self, name: str) -> object:
        return self.context.settings.value(key(name), None)

    def _write(self, name: str, value: object) -> None:
        self.context.settings.setValue(key(name), value)

    def targets(self) -> Targets:
        """The targets the user set (stored in settings), the plan's defaults otherwise."""
        return stored_targets(self._read)

    def set_targets(self, targets: Targets) -> None:
        """Store targets and check every epoch against them (the spin boxes follow)."""
        for name, value in target_values(targets).items():
            self._write(f"targets/{name}", value)
        self.results.targets_editor.set_targets(targets)
        # Re-checking summaries touches no image: a few ms even for a thousand samples.
        self.state.retarget(targets)
        self._refresh_results()

    def analysis_settings(self) -> AnalysisSettings:
        return AnalysisSettings(targets=self.targets())

    def _chosen_key(self) -> str:
        workspace = self.context.workspace
        return chosen_key(workspace.root if workspace is not None else None)

    def chosen(self) -> dict[str, Column]:
        """The epoch chosen for production, per run, in this workspace."""
        return chosen_from_text(self._read(self._chosen_key()))

    def set_chosen(self, run: str, column: Column | None) -> None:
        self._write(self._chosen_key(), chosen_to_text(with_choice(self.chosen(), run, column)))
        self._refresh_results()

    def mark_selected_chosen(self) -> None:
        selected = self.results.selected_key()
        if selected is None:
            self.context.show_status("Select an epoch in the table first.")
            return
        self.set_chosen(*selected)
        self.context.show_status(f"{selected[0]}: {column_label(selected[1])} chosen for production.")

    def clear_selected_choice(self) -> None:
        selected = self.results.selected_key()
        if selected is not None:
            self.set_chosen(selected[0], None)

    def _grid_zoom_changed(self, zoom: float) -> None:
        with signals_blocked(self.view_controls.zoom_slider):
            self.view_controls.zoom_slider.setValue(int(round(zoom * 100)))

    def reset_view(self) -> None:
        self.grid.set_zoom(1.0)
        self.grid.set_pan(0.0, 0.0)

    # --- loading ------------------------------------------------------------------------
    def _workspace_changed(self, workspace: Workspace | None) -> None:
        root = workspace.root if workspace is not None else None
        sample_dirs = list(workspace.sample_dirs) if workspace is not None else []
        another, roots = self.state.set_workspace(root, sample_dirs)
        if another:
            self.clear()
        if roots:
            self.add_paths(roots)

    def add_paths(self, paths: list[Path] | list[str]) -> JobHandle | None:
        """Load sample folders or files beside what is loaded; each root becomes a run."""
        added, notes = self.state.queue(paths)
        if notes:
            self._show_messages()
            self.context.show_status(notes[-1])
        if not added:
            self._update_summary()
            return None
        return self.load_job or self._start_next_load()

    def _start_next_load(self) -> JobHandle | None:
        roots = self.state.next_load()
        if not roots:
            return None
        names = ", ".join(r.name for r in roots[:3]) + ("…" if len(roots) > 3 else "")
        handle = self.jobs.start(
            load_more_roots,
            self.state.snapshot(),
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

    def _load_finished(self, loaded: EpochsState) -> None:
        self.state.load_finished(loaded, self.targets())
        self._show_messages()
        self._refresh_all()
        self.context.show_status(self.state.loaded_status())
        self.watch.loaded()
        self._start_next_load()

    def _load_failed(self, message: str) -> None:
        self.state.load_failed(message)
        self._show_messages()
        self.context.show_status(f"Epochs: loading failed: {message}")
        self._update_summary()
        self._start_next_load()

    def _load_cancelled(self) -> None:
        self.state.load_cancelled()
        self._show_messages()
        self.context.show_status("Epochs: loading cancelled")
        self._update_summary()

    def adopt_arrivals(self, arrived: EpochsState) -> None:
        """Samples that arrived while watching were analysed: show them (SampleWatch calls this)."""
        self.state.adopt(arrived, self.targets())
        self._show_messages()
        self._refresh_all()

    def add_message(self, message: str) -> None:
        self.state.messages.append(message)
        self._show_messages()

    def cancel_loading(self) -> None:
        self.state.pending_roots.clear()
        if self.load_job is not None:
            self.load_job.cancel()

    def clear(self) -> None:
        self.jobs.cancel("load")  # its late result is dropped
        self.state.reset()
        self._show_messages()
        self._refresh_all()
        self.watch.loaded()

    def _start_folder(self) -> Path:
        workspace = self.context.workspace
        return workspace.root if workspace is not None else Path.home()

    def choose_folder(self) -> None:
        self.file_dialog = choose_folder(
            self, "Add sample folder", self._start_folder(), lambda folder: self.add_paths([folder])
        )

    def choose_files(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        self.file_dialog = choose_files(
            self, "Add sample images", self._start_folder(), f"Images ({patterns})", self.add_paths
        )

    # --- drag and drop ------------------------------------------------------------------
    @staticmethod
    def dropped_paths(urls: list[QUrl]) -> list[Path]:
        return [
            Path(u.toLocalFile()) for u in urls if u.isLocalFile() and is_droppable(Path(u.toLocalFile()))
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
    def _show_messages(self) -> None:
        self.toolbar.show_messages(self.state.messages)

    def _refresh_all(self) -> None:
        self.grid.set_data(self.state.grid)
        self._refresh_results()

    def _refresh_results(self) -> None:
        state = self.state
        chosen = set(self.chosen().items())
        best = self.results.show_results(
            state.result.epochs if not state.is_empty else [],
            self.targets(),
            state.errors_by_key(),
            chosen,
            several_runs=len(state.grid.runs) >= 2,
        )
        self.grid.set_column_marks(state.column_marks(best, chosen))
        self._update_summary()
        self._update_buttons()

    def _update_summary(self) -> None:
        self.toolbar.summary_label.setText(self.state.summary_text(loading=self.load_job is not None))

    def _update_buttons(self) -> None:
        has_images = self.state.has_images
        self.toolbar.set_enabled(
            has_images,
            can_compare=has_images and len(self.state.result.runs) >= 2,
            can_clear=not self.state.is_empty or self.load_job is not None,
        )
        self.results.set_enabled(has_images)

    # --- inspector ----------------------------------------------------------------------
    def open_inspector(self, column: int, row: int) -> JobHandle | None:
        """Inspect one cell: decode and compare pipelines on the runner, then show it."""
        cell = self.state.grid.cell(column, row)
        if cell is None or cell.path is None:
            return None
        title = self.state.cell_title(column, row)
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

    # --- compare and export -------------------------------------------------------------
    def open_compare(self) -> CompareDialog | None:
        if len(self.state.result.runs) < 2:
            self.context.show_status("Load two runs to compare them.")
            return None
        dialog = CompareDialog(self)
        self.compare_dialog = dialog
        dialog.open()  # not exec(): no nested event loop under qasync
        return dialog

    def choose_export_folder(self) -> None:
        self.file_dialog = choose_folder(
            self, "Export report to folder", self._start_folder(), self.export_report
        )

    def export_report(self, folder: Path) -> JobHandle | None:
        """Write the collage PNG, the Markdown report and the CSV tables (on the runner)."""
        if not self.state.result.images:
            self.context.show_status("Nothing to export: load samples first.")
            return None
        return self.jobs.start(
            write_epochs_report,
            self.state.snapshot(),
            Path(folder),
            self.chosen(),
            self.toolbar.cleaned_check.isChecked(),
            description=f"Exporting to {folder}",
            finished=self._exported,
            failed=self._export_failed,
        )

    def _exported(self, files: ReportFiles) -> None:
        self.last_export = files
        cleaned = f" (cleaned art of {len(files.cleaned)} samples in cleaned/)" if files.cleaned else ""
        self.context.show_status(f"Report written: {files.markdown.parent}{cleaned}")

    def _export_failed(self, message: str) -> None:
        self.add_message(f"export failed: {message}")
        self.context.show_status(f"Export failed: {message}")
