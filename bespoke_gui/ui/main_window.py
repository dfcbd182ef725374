"""The main window: one tab per capability, workspaces, job progress and settings."""

from __future__ import annotations

import hashlib
import importlib
import logging
import tempfile
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui import __version__
from bespoke_gui.core.jobs import CancelFn, ProgressFn, warm_up_processes
from bespoke_gui.core.workspace import Workspace, discover
from bespoke_gui.ui.bridge import JobHandle, JobRunner
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.tabs import TAB_SPECS, FeatureTab
from bespoke_gui.ui.widgets.job_panel import JobPanel

log = logging.getLogger(__name__)
MAX_RECENT = 10


def load_tab_class(spec: str) -> type[FeatureTab]:
    module_name, _, class_name = spec.partition(":")
    tab_class = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(tab_class, type) and issubclass(tab_class, FeatureTab)):
        raise TypeError(f"{spec} is not a FeatureTab")
    return tab_class


def _workspace_key(root: Path) -> str:
    # QSettings keys cannot hold arbitrary paths; a short hash names the workspace.
    return "workspaces/" + hashlib.sha1(str(root).encode("utf-8")).hexdigest()[:16]


def discover_with_overrides(root: str | Path, overrides: dict[str, Any]) -> Workspace:
    """Find the workspace's parts, then apply what the user pointed at earlier."""
    workspace = discover(root)
    parts: dict[str, Any] = {}
    if overrides.get("images_dir") and Path(overrides["images_dir"]).is_dir():
        parts["images_dir"] = Path(overrides["images_dir"])
    if overrides.get("config_path") and Path(overrides["config_path"]).is_file():
        parts["config_path"] = Path(overrides["config_path"])
    extra = [Path(p) for p in overrides.get("sample_dirs", []) if Path(p).is_dir()]
    if extra:
        parts["sample_dirs"] = tuple(dict.fromkeys([*workspace.sample_dirs, *extra]))
    return workspace.with_overrides(**parts) if parts else workspace


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, runner: JobRunner | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings("Bespoke GUI", "bespoke-gui")
        self.runner = runner or JobRunner(parent=self)
        self.context = AppContext(self.runner, self.settings, parent=self)
        self.setWindowTitle("Bespoke GUI")
        self.setAcceptDrops(True)
        self.resize(1400, 900)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        # Each tab is built when first needed (shown, or just after the window is up), so
        # the window appears without importing and building every tab first.
        self.tab_widgets: dict[str, FeatureTab] = {}
        self._tab_specs = dict(TAB_SPECS)
        for title, _spec in TAB_SPECS:
            holder = QWidget()
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            self.tabs.addTab(holder, title)
        self.tabs.currentChanged.connect(lambda index: self.ensure_tab(self.tabs.tabText(index)))
        self.empty_hint = QLabel(
            "Open a workspace: File > Open Workspace…, drop a folder here, or File > Open Demo Workspace."
        )
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(self.tabs if self._tab_specs else self.empty_hint)

        self.workspace_label = QLabel("No workspace")
        # The status bar follows the newest job; every tab may start one.
        self.progress = JobPanel()
        self.progress.setVisible(False)
        self.runner.job_started.connect(self.progress.track)
        self.runner.active_changed.connect(lambda count: self.progress.setVisible(count > 0))
        self.statusBar().addWidget(self.workspace_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.context.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))

        self._build_menus()
        self._restore_window_state()
        self.ensure_tab(self.tabs.tabText(self.tabs.currentIndex()))
        QTimer.singleShot(0, self._build_next_tab)
        # The worker-process server loads NumPy and Pillow once, in the background.
        threading.Thread(target=warm_up_processes, name="bespoke-warm-up", daemon=True).start()

    # --- menus ------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open Workspace…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.choose_workspace)
        file_menu.addAction(open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        demo_action = QAction("Open &Demo Workspace", self)
        demo_action.triggered.connect(lambda: self.open_demo())
        file_menu.addAction(demo_action)
        file_menu.addSeparator()
        for text, part in (
            ("Use Images Folder…", "images_dir"),
            ("Use Training Config…", "config_path"),
            ("Add Sample Folder…", "sample_dirs"),
        ):
            action = QAction(text, self)
            action.triggered.connect(lambda _checked=False, p=part: self.choose_workspace_part(p))
            file_menu.addAction(action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Bespoke GUI", self)
        about.triggered.connect(
            lambda: QMessageBox.about(
                self,
                "About Bespoke GUI",
                f"Bespoke GUI {__version__}\nCaptions, dataset, config and epochs for SD1.5 pixel-art LoRAs.",
            )
        )
        help_menu.addAction(about)
        self._refresh_recent_menu()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_workspaces()
        for path in recent:
            action = QAction(path, self)
            action.triggered.connect(lambda _checked=False, p=path: self.open_workspace(p))
            self.recent_menu.addAction(action)
        self.recent_menu.setEnabled(bool(recent))

    # --- settings ---------------------------------------------------------------------
    def recent_workspaces(self) -> list[str]:
        value = self.settings.value("recent_workspaces", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _remember_recent(self, root: Path) -> None:
        recent = [str(root)] + [p for p in self.recent_workspaces() if p != str(root)]
        self.settings.setValue("recent_workspaces", recent[:MAX_RECENT])
        self._refresh_recent_menu()

    def _overrides(self, root: Path) -> dict[str, Any]:
        key = _workspace_key(root)
        samples = self.settings.value(f"{key}/sample_dirs", [])
        if isinstance(samples, str):
            samples = [samples]
        return {
            "images_dir": self.settings.value(f"{key}/images_dir", ""),
            "config_path": self.settings.value(f"{key}/config_path", ""),
            "sample_dirs": list(samples or []),
        }

    def _restore_window_state(self) -> None:
        # A damaged value is ignored, never "fixed" by wiping the user's settings.
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        last_tab = self.settings.value("window/tab", "")
        self.select_tab(str(last_tab))

    def ensure_tab(self, title: str) -> FeatureTab | None:
        """The tab called ``title``, built now if it was not yet."""
        if title in self.tab_widgets or title not in self._tab_specs:
            return self.tab_widgets.get(title)
        widget = load_tab_class(self._tab_specs[title])(self.context)
        self.tab_widgets[title] = widget
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == title:
                layout = self.tabs.widget(index).layout()
                assert layout is not None
                layout.addWidget(widget)
        return widget

    def ensure_all_tabs(self) -> None:
        for title in self._tab_specs:
            self.ensure_tab(title)

    def _build_next_tab(self) -> None:
        # One tab per event-loop turn, so the window stays responsive while they build.
        for title in self._tab_specs:
            if title not in self.tab_widgets:
                self.ensure_tab(title)
                QTimer.singleShot(0, self._build_next_tab)
                return

    def select_tab(self, title: str) -> bool:
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index).lower() == title.lower():
                self.tabs.setCurrentIndex(index)
                return True
        return False

    # --- workspaces -------------------------------------------------------------------
    def choose_workspace(self) -> None:
        start = self.recent_workspaces()[0] if self.recent_workspaces() else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Open Workspace", start)
        if folder:
            self.open_workspace(folder)

    def open_workspace(self, folder: str | Path, wait: bool = False) -> JobHandle:
        """Discover the workspace off the GUI thread, then hand it to every tab."""
        root = Path(folder).expanduser()
        overrides = self._overrides(root.resolve())
        handle = self.runner.start(_discover_job, str(root), overrides, description=f"Opening {root.name}")
        handle.finished.connect(self._workspace_ready)
        handle.failed.connect(lambda message: self._show_error("Cannot open workspace", message))
        if wait:
            self.runner.wait_idle()
        return handle

    def _workspace_ready(self, workspace: Workspace) -> None:
        self._remember_recent(workspace.root)
        self.setWindowTitle(f"Bespoke GUI — {workspace.root.name}")
        parts = [
            f"images: {workspace.images_dir.name if workspace.images_dir else 'not found'}",
            f"config: {workspace.config_path.name if workspace.config_path else 'not found'}",
            f"sample folders: {len(workspace.sample_dirs)}",
        ]
        self.workspace_label.setText(f"{workspace.root}  ·  " + "  ·  ".join(parts))
        self.context.set_workspace(workspace)

    def choose_workspace_part(self, part: str) -> None:
        workspace = self.context.workspace
        if workspace is None:
            self._show_error("No workspace", "Open a workspace first.")
            return
        if part == "config_path":
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Training Config", str(workspace.root), "TOML (*.toml)"
            )
        else:
            chosen = QFileDialog.getExistingDirectory(self, "Choose Folder", str(workspace.root))
        if chosen:
            self.set_workspace_part(part, Path(chosen))

    def set_workspace_part(self, part: str, path: Path) -> None:
        """Point at one part of the workspace by hand; remembered for this workspace."""
        workspace = self.context.workspace
        if workspace is None:
            return
        key = _workspace_key(workspace.root)
        if part == "sample_dirs":
            dirs = tuple(dict.fromkeys([*workspace.sample_dirs, path]))
            self.settings.setValue(f"{key}/sample_dirs", [str(p) for p in dirs])
            workspace = workspace.with_overrides(sample_dirs=dirs)
        else:
            self.settings.setValue(f"{key}/{part}", str(path))
            workspace = workspace.with_overrides(**{part: path})
        self._workspace_ready(workspace)

    def open_demo(self, dest: Path | None = None) -> JobHandle:
        """Write a fresh copy of the demo workspace, then open it."""
        target = dest or Path(tempfile.mkdtemp(prefix="bespoke-demo-"))
        handle = self.runner.start(_write_demo_job, str(target), description="Writing the demo workspace")
        handle.finished.connect(lambda path: self.open_workspace(path))
        handle.failed.connect(lambda message: self._show_error("Cannot write the demo workspace", message))
        return handle

    def _show_error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(f"{title}: {message}", 15000)
        if self.isVisible() and not self.property("headless"):
            QMessageBox.warning(self, title, message)

    # --- drag and drop ----------------------------------------------------------------
    @staticmethod
    def _dropped_folders(urls: list[QUrl]) -> list[Path]:
        return [Path(u.toLocalFile()) for u in urls if u.isLocalFile() and Path(u.toLocalFile()).is_dir()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self._dropped_folders(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folders = self._dropped_folders(event.mimeData().urls())
        if folders:
            self.open_workspace(folders[0])
            event.acceptProposedAction()

    # --- closing ----------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        unsaved = [title for title, tab in self.tab_widgets.items() if tab.has_unsaved_changes()]
        if unsaved and not self.property("headless"):
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                f"Unsaved changes in {', '.join(unsaved)}. Quit and lose them?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/tab", self.tabs.tabText(self.tabs.currentIndex()))
        self.settings.sync()
        # Running jobs are cancelled; items in flight finish so no file is half-written.
        self.runner.shutdown()
        super().closeEvent(event)


def _discover_job(
    root: str, overrides: dict[str, Any], progress: ProgressFn, cancelled: CancelFn
) -> Workspace:
    return discover_with_overrides(root, overrides)


def _write_demo_job(dest: str, progress: ProgressFn, cancelled: CancelFn) -> str:
    from bespoke_gui.core.demo.demo_workspace import write_demo_workspace

    return str(write_demo_workspace(Path(dest), progress=progress, cancelled=cancelled))
