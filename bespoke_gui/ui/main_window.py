"""The main window: one tab per capability, workspaces, job progress and settings."""

from __future__ import annotations

import importlib
import logging
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
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
from bespoke_gui.core.workspace import Workspace
from bespoke_gui.ui.bridge import JobHandle, JobRunner
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.drops import DropRouter
from bespoke_gui.ui.epochs.definitions_dialog import DefinitionsDialog
from bespoke_gui.ui.tabs import TAB_SPECS, FeatureTab
from bespoke_gui.ui.widgets.confirm import Choice, ask_save_discard_cancel
from bespoke_gui.ui.widgets.elided_label import ElidedLabel
from bespoke_gui.ui.widgets.job_panel import JobPanel
from bespoke_gui.ui.widgets.timers import single_shot_timer
from bespoke_gui.ui.workspace_settings import DEMO_PREFIX, WorkspaceSettings, discover_with_overrides

log = logging.getLogger(__name__)


def load_tab_class(spec: str) -> type[FeatureTab]:
    module_name, _, class_name = spec.partition(":")
    tab_class = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(tab_class, type) and issubclass(tab_class, FeatureTab)):
        raise TypeError(f"{spec} is not a FeatureTab")
    return tab_class


# After a workspace switch the hidden tabs load it one at a time, each once no job has run for
# this long (a tab's jobs come one after another, with short gaps), at the latest
# HIDDEN_TABS_MAX_WAIT_MS after the previous one.
HIDDEN_TABS_QUIET_MS = 250
HIDDEN_TABS_MAX_WAIT_MS = 2000


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, runner: JobRunner | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings("Bespoke GUI", "bespoke-gui")
        self.runner = runner or JobRunner(parent=self)
        self.context = AppContext(self.runner, self.settings, parent=self)
        self.workspace_settings = WorkspaceSettings(self.settings)
        self.setWindowTitle("Bespoke GUI")
        self.setAcceptDrops(True)
        self.resize(1400, 900)
        self.unsaved_box: QMessageBox | None = None  # the open save/discard/cancel question
        self.drop_router = DropRouter(self, self.handle_drop)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.drop_router)
        self._close_agreed = False

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
        self.tabs.currentChanged.connect(self._tab_shown)
        self.empty_hint = QLabel(
            "Open a workspace: File > Open Workspace…, drop a folder here, or File > Open Demo Workspace."
        )
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(self.tabs if self._tab_specs else self.empty_hint)

        self.workspace_label = ElidedLabel("No workspace")
        # The status bar keeps the longest-running job shown (a quick job never hides it).
        self.progress = JobPanel()
        self.progress.setVisible(False)
        self.runner.job_started.connect(self.progress.track)
        self.runner.active_changed.connect(lambda count: self.progress.setVisible(count > 0))
        # Hidden tabs load a new workspace once the visible one has (see _load_hidden_tabs).
        self.runner.active_changed.connect(self._jobs_changed)
        self._hidden_tabs_deadline = single_shot_timer(self, HIDDEN_TABS_MAX_WAIT_MS, self._load_hidden_tabs)
        self._hidden_tabs_quiet = single_shot_timer(self, HIDDEN_TABS_QUIET_MS, self._load_hidden_tabs)
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
        numbers = QAction("What the &numbers mean", self)
        numbers.triggered.connect(self.show_definitions)
        help_menu.addAction(numbers)
        self.definitions_action = numbers
        self._refresh_recent_menu()

    def show_definitions(self) -> DefinitionsDialog:
        """Help > What the numbers mean (one window, raised again when already open)."""
        dialog: DefinitionsDialog | None = getattr(self, "definitions_dialog", None)
        if dialog is None or not shiboken6.isValid(dialog):
            dialog = DefinitionsDialog(self)
            self.definitions_dialog = dialog
        dialog.show()  # not exec(): it stays open beside the tabs
        dialog.raise_()
        dialog.activateWindow()
        return dialog

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
        return self.workspace_settings.recent()

    def _remember_recent(self, root: Path) -> None:
        if self.workspace_settings.remember(root):
            self._refresh_recent_menu()

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

    def _tab_shown(self, index: int) -> None:
        tab = self.ensure_tab(self.tabs.tabText(index))
        if tab is not None:
            tab.load_deferred_workspace()  # a tab the user looks at loads now

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
        overrides = self.workspace_settings.overrides(root.resolve())
        handle = self.runner.start(_discover_job, str(root), overrides, description=f"Opening {root.name}")
        handle.finished.connect(self._workspace_ready)
        handle.failed.connect(lambda message: self._show_error("Cannot open workspace", message))
        if wait:
            self.runner.wait_idle()
        return handle

    def _workspace_ready(self, workspace: Workspace) -> None:
        # Nothing switches until the user has said what happens to unsaved edits.
        self.when_unsaved_settled("switching workspace", lambda: self._switch_to(workspace))

    def _switch_to(self, workspace: Workspace) -> None:
        self._remember_recent(workspace.root)
        self.setWindowTitle(f"Bespoke GUI — {workspace.root.name}")
        parts = [
            f"images: {workspace.images_dir.name if workspace.images_dir else 'not found'}",
            f"config: {workspace.config_path.name if workspace.config_path else 'not found'}",
            f"sample folders: {len(workspace.sample_dirs)}",
        ]
        self.workspace_label.setText(f"{workspace.root}  ·  " + "  ·  ".join(parts))
        visible = self.tabs.currentWidget()
        hidden = [tab for tab in self.tab_widgets.values() if not visible.isAncestorOf(tab)]
        self.context.set_workspace(workspace, load_later=hidden)
        if self.hidden_tabs_waiting():
            self._hidden_tabs_deadline.start()
            self._jobs_changed(len(self.runner.active_jobs))

    def hidden_tabs_waiting(self) -> bool:
        """Whether a hidden tab has yet to load the workspace the window switched to."""
        return any(tab.has_deferred_workspace() for tab in self.tab_widgets.values())

    def _jobs_changed(self, count: int) -> None:
        if not self.hidden_tabs_waiting():
            return
        if count:
            self._hidden_tabs_quiet.stop()
        elif not self._hidden_tabs_quiet.isActive():
            self._hidden_tabs_quiet.start()

    def _load_hidden_tabs(self) -> None:
        """The next hidden tab loads the new workspace once no job has run for
        ``HIDDEN_TABS_QUIET_MS`` (or ``HIDDEN_TABS_MAX_WAIT_MS`` after the last one started
        loading), the visible tab first: four tabs' jobs at once kept the event loop waiting
        for Python for 100-190 ms when a workspace opened."""
        self._hidden_tabs_quiet.stop()
        waiting = [tab for tab in self.tab_widgets.values() if tab.has_deferred_workspace()]
        if not waiting:
            self._hidden_tabs_deadline.stop()
            return
        waiting[0].load_deferred_workspace()
        if len(waiting) > 1:
            self._hidden_tabs_deadline.start()
            self._jobs_changed(len(self.runner.active_jobs))
        else:
            self._hidden_tabs_deadline.stop()

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
        workspace = self.workspace_settings.point_at(workspace, part, path)
        self._workspace_ready(workspace)

    def open_demo(self, dest: Path | None = None) -> JobHandle:
        """Write a fresh copy of the demo workspace, then open it."""
        target = dest or Path(tempfile.mkdtemp(prefix=DEMO_PREFIX))
        handle = self.runner.start(_write_demo_job, str(target), description="Writing the demo workspace")
        handle.finished.connect(lambda path: self.open_workspace(path))
        handle.failed.connect(lambda message: self._show_error("Cannot write the demo workspace", message))
        return handle

    def _show_error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(f"{title}: {message}", 15000)
        if self.isVisible() and not self.property("headless"):
            QMessageBox.warning(self, title, message)

    # --- drag and drop (routed here by ui/drops.py) ------------------------------------
    def _epochs_tab_holding(self, widget: QWidget) -> FeatureTab | None:
        epochs = self.tab_widgets.get("Epochs")
        if epochs is not None and (widget is epochs or epochs.isAncestorOf(widget)):
            return epochs
        return None

    def handle_drop(self, paths: list[Path], target: QWidget | None = None) -> None:
        """A folder opens as the workspace, a TOML becomes its training config, and on the
        Epochs tab sample folders and images are added; anything else says why in one line."""
        epochs = self._epochs_tab_holding(target) if target is not None else None
        if epochs is not None:
            usable = epochs.dropped_paths([QUrl.fromLocalFile(str(p)) for p in paths])  # type: ignore[attr-defined]
            if usable:
                epochs.add_paths(usable)  # type: ignore[attr-defined]
                return
        folders = [p for p in paths if p.is_dir()]
        tomls = [p for p in paths if p.is_file() and p.suffix.lower() == ".toml"]
        if folders:
            self.open_workspace(folders[0])
        elif tomls:
            if self.context.workspace is None:
                self._say(f"{tomls[0].name} not used: open a workspace first, then drop its training config")
            else:
                self.when_unsaved_settled(
                    "changing the training config", lambda: self.set_workspace_part("config_path", tomls[0])
                )
        else:
            names = ", ".join(p.name for p in paths[:3])
            self._say(
                f"{names} not used: drop a workspace folder, a training config (.toml), "
                "or sample folders on the Epochs tab"
            )

    def _say(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)

    # --- unsaved work -----------------------------------------------------------------
    def unsaved_tabs(self) -> list[str]:
        return [title for title, tab in self.tab_widgets.items() if tab.has_unsaved_changes()]

    def when_unsaved_settled(self, action: str, then: Callable[[], None]) -> QMessageBox | None:
        """Run ``then`` now when no tab has unsaved work; else ask Save / Discard / Cancel first.

        Save (the default: Enter never loses an edit) saves every tab and runs ``then`` once
        all saves succeeded; Discard runs it at once; Cancel (also Escape) runs nothing.
        """
        unsaved = self.unsaved_tabs()
        if not unsaved or self.property("headless"):
            then()
            return None
        if self.unsaved_box is not None and self.unsaved_box.isVisible():
            return self.unsaved_box  # one question at a time

        def chosen(choice: Choice) -> None:
            self.unsaved_box = None
            if choice == Choice.DISCARD:
                for title in unsaved:
                    self.tab_widgets[title].discard_unsaved_changes()
                then()
            elif choice == Choice.SAVE:
                self._save_tabs_then(unsaved, then)

        self.unsaved_box = ask_save_discard_cancel(
            self,
            f"Unsaved changes in {', '.join(unsaved)}. Save them before {action}?",
            chosen,
            default=Choice.SAVE,
        )
        return self.unsaved_box

    def _save_tabs_then(self, titles: list[str], then: Callable[[], None]) -> None:
        handles = [h for h in (self.tab_widgets[t].save_all() for t in titles) if h is not None]
        waiting = set(handles)

        def settle() -> None:
            still = self.unsaved_tabs()
            if still:
                # A save failed or was refused (conflict, encoding, invalid TOML): the edits
                # stay, nothing goes on, and the line says why when the tab knows.
                reasons = [reason for reason in (self.tab_widgets[t].why_unsaved() for t in still) if reason]
                detail = f" ({'; '.join(reasons)})" if reasons else ""
                self.statusBar().showMessage(
                    f"Not saved: {', '.join(still)} still has unsaved changes{detail}", 15000
                )
            else:
                then()

        def one_done(handle: JobHandle) -> None:
            waiting.discard(handle)
            if not waiting:
                settle()

        if not handles:
            settle()
            return
        for handle in handles:
            for signal in (handle.finished, handle.failed, handle.cancelled):
                signal.connect(lambda *_args, h=handle: one_done(h))

    # --- closing ----------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._close_agreed and self.unsaved_tabs() and not self.property("headless"):
            event.ignore()
            self.when_unsaved_settled("quitting", self._close_now)
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/tab", self.tabs.tabText(self.tabs.currentIndex()))
        self.settings.sync()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.drop_router)
        # Running jobs are cancelled; items in flight finish so no file is half-written.
        self.runner.shutdown()
        super().closeEvent(event)

    def _close_now(self) -> None:
        self._close_agreed = True
        self.close()


def _discover_job(
    root: str, overrides: dict[str, Any], progress: ProgressFn, cancelled: CancelFn
) -> Workspace:
    return discover_with_overrides(root, overrides)


def _write_demo_job(dest: str, progress: ProgressFn, cancelled: CancelFn) -> str:
    from bespoke_gui.core.demo.demo_workspace import write_demo_workspace

    return str(write_demo_workspace(Path(dest), progress=progress, cancelled=cancelled))
