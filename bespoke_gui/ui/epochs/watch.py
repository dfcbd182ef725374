"""Epochs as they arrive: the loaded sample folders are watched while the tab is open.

``SampleWatch`` watches every loaded folder (and its epoch sub-folders) with a
QFileSystemWatcher, and polls every few seconds as well, because sync tools and network
file systems do not always report changes. Each look is a job (``ArrivalTracker.poll``):
files still growing or truncated wait; settled, complete files are analysed in the
background (``append_samples``) and join their run in the grid, the table, the plot and
the best-epoch mark. Both jobs run through the tab's ``jobs`` (slots "poll" and "append"). A status line says when the last sample arrived and which epoch is
the newest. A tray message (the status bar where there is no tray) says when an epoch
first meets all targets, and when samples stop arriving for longer than twice the run's
seconds per epoch.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStyle, QSystemTrayIcon, QWidget

from bespoke_gui.core.config.estimate_pace import pace_from_samples
from bespoke_gui.core.epochs.arrivals import ArrivalPoll, ArrivalTracker, StallClock, seconds_per_epoch
from bespoke_gui.core.epochs.jobs import append_samples
from bespoke_gui.core.epochs.state import EpochsState
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.widgets.timers import single_shot_timer

if TYPE_CHECKING:
    from bespoke_gui.ui.epochs.tab import EpochsTab

POLL_MS = 2000
EVENT_DELAY_MS = 250


class Notifier(QObject):
    """A tray message where the desktop has a tray, else a status bar line."""

    def __init__(self, parent_widget: QWidget, show_status) -> None:
        super().__init__(parent_widget)
        self.show_status = show_status
        self.sent: list[str] = []
        self.tray: QSystemTrayIcon | None = None
        self._parent_widget = parent_widget

    def notify(self, title: str, message: str) -> None:
        self.sent.append(f"{title}: {message}")
        if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
            if self.tray is None:
                icon = self._parent_widget.window().windowIcon()
                if icon.isNull():
                    icon = self._parent_widget.style().standardIcon(QStyle.StandardPixmap.SP_ComputerIcon)
                self.tray = QSystemTrayIcon(icon, self)
                self.tray.setToolTip("Bespoke GUI: watching samples")
                self.tray.show()
            self.tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 10000)
        self.show_status(f"{title}: {message}")


class SampleWatch(QObject):
    """Watches the tab's loaded sample folders and feeds new samples in as they settle."""

    status_changed = Signal(str)

    def __init__(self, tab: EpochsTab, poll_ms: int = POLL_MS) -> None:
        super().__init__(tab)
        self.tab = tab
        self.tracker = ArrivalTracker()
        self.clock = StallClock()
        self.notifier = Notifier(tab, tab.context.show_status)
        self.status_label = QLabel("")
        self.status_label.setObjectName("watchStatus")
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _p: self._event_timer.start())
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(poll_ms)
        self.poll_timer.timeout.connect(self.poll)
        self._event_timer = single_shot_timer(self, EVENT_DELAY_MS, self.poll)
        self._again = False
        self.waiting: list[Path] = []
        self.arrived_total = 0
        self._passing_runs: set[str] = set()
        self._epoch_seen_at: dict[tuple[str, int], float] = {}

    # --- what is watched ----------------------------------------------------------------
    @property
    def roots(self) -> list[Path]:
        return self.tab.state.watched_roots()

    @property
    def poll_job(self) -> JobHandle | None:
        return self.tab.jobs.current("poll")

    @property
    def append_job(self) -> JobHandle | None:
        return self.tab.jobs.current("append")

    def loaded(self) -> None:
        """The tab loaded (or cleared) folders: watch what it holds now."""
        roots = self.roots
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        if not roots:
            self.poll_timer.stop()
            self.status_label.setText("")
            return
        self._watch_folders(roots)
        self._passing_runs = {s.run for s in self.tab.state.result.epochs if s.passes_all}
        for s in self.tab.state.result.epochs:
            if s.column[0] == "epoch" and s.column[1] is not None:
                self._epoch_seen_at.setdefault((s.run, s.column[1]), time.time())
        self.poll_timer.start()
        self._update_status()

    def _watch_folders(self, folders: Sequence[Path]) -> None:
        watched = set(self.watcher.directories())
        fresh = [str(f) for f in folders if f.is_dir() and str(f) not in watched]
        for root in folders:
            # Epoch folders a run will write into next appear as sub-folders of a root.
            try:
                fresh += [str(p) for p in root.iterdir() if p.is_dir() and str(p) not in watched]
            except OSError:
                continue
        if fresh:
            self.watcher.addPaths(list(dict.fromkeys(fresh)))

    def stop(self) -> None:
        self.poll_timer.stop()
        self._event_timer.stop()
        self.tab.jobs.cancel("poll")
        self.tab.jobs.cancel("append")
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())

    # --- polling ------------------------------------------------------------------------
    def poll(self) -> JobHandle | None:
        self._check_stall()
        roots = self.roots
        if not roots or self.tab.load_job is not None:
            return None
        if self.poll_job is not None or self.append_job is not None:
            self._again = True
            return None
        handle = self.tab.jobs.start(
            self.tracker.poll,
            roots,
            self.tab.state.known_paths(),
            description="Looking for new samples",
            slot="poll",
            finished=self._polled,
            failed=lambda _message: self._after_job(),
            cancelled=self._after_job,
        )
        if handle is None:  # the app is closing: its job runner takes no more work
            self.stop()
        return handle

    def _polled(self, result: ArrivalPoll) -> None:
        self.waiting = result.waiting
        self._watch_folders(result.folders)
        if result.ready and self.tab.load_job is None:
            self._append(result.ready)
        else:
            self._after_job()
        if result.waiting:
            # Look again once the files had time to settle.
            QTimer.singleShot(int(self.tracker.settle_s * 1000) + 50, self.poll)
        self._update_status()

    def _append(self, files: list[Path]) -> None:
        count = len(files)
        handle = self.tab.jobs.start(
            append_samples,
            self.tab.state.snapshot(),
            files,
            self.tab.analysis_settings(),
            description=f"Analysing {count} new sample(s)",
            slot="append",
            finished=lambda state: self._appended(state, count),
            failed=self._append_failed,
            cancelled=self._after_job,
        )
        if handle is None:  # the app is closing
            self.stop()

    def _append_failed(self, message: str) -> None:
        self.tab.add_message(f"new samples: {message}")
        self._after_job()

    def _appended(self, state: EpochsState, count: int) -> None:
        tab = self.tab
        if tab.load_job is not None:
            self._after_job()
            return
        tab.adopt_arrivals(state)
        self.arrived_total += count
        self.clock.arrived()
        now = time.time()
        for s in tab.state.result.epochs:
            if s.column[0] == "epoch" and s.column[1] is not None:
                self._epoch_seen_at.setdefault((s.run, s.column[1]), now)
        for summary in tab.state.result.epochs:
            if summary.passes_all and summary.run not in self._passing_runs:
                self._passing_runs.add(summary.run)
                self.notifier.notify(
                    "An epoch meets all targets", f"{summary.run}: {summary.label} meets every target"
                )
        self._update_status()
        self._after_job()

    def _after_job(self) -> None:
        if self._again:
            self._again = False
            QTimer.singleShot(0, self.poll)

    # --- pace and stalls ----------------------------------------------------------------
    def seconds_per_epoch(self) -> float | None:
        """The run's seconds per epoch: from the sample names' timestamps, else from arrivals."""
        pace = pace_from_samples([i.sample.path for i in self.tab.state.result.images])
        newest = self.tab.state.newest_epoch()
        run = newest[0] if newest is not None else None
        first_seen = [t for (r, _e), t in self._epoch_seen_at.items() if r == run]
        return seconds_per_epoch(pace.seconds_per_epoch if pace is not None else None, first_seen)

    def _check_stall(self) -> None:
        pace = self.seconds_per_epoch()
        if self.clock.stalled(pace):
            minutes = (self.clock.seconds_since() or 0) / 60
            self.notifier.notify(
                "Samples stopped arriving",
                f"no new sample for {minutes:.0f} min, more than twice the run's {pace or 0:.0f} s per epoch",
            )
        self._update_status()

    def _update_status(self) -> None:
        if not self.roots:
            self.status_label.setText("")
            return
        parts = [f"Watching {len(self.roots)} folder(s)"]
        if self.clock.last_arrival_wall is not None:
            since = self.clock.seconds_since() or 0.0
            stamp = time.strftime("%H:%M:%S", time.localtime(self.clock.last_arrival_wall))
            parts.append(f"last sample {stamp} ({since:.0f} s ago), {self.arrived_total} new")
        else:
            parts.append("no new sample yet")
        newest = self.tab.state.newest_epoch()
        if newest is not None:
            parts.append(f"newest epoch {newest[1]} ({newest[0]})")
        if self.waiting:
            parts.append(f"{len(self.waiting)} file(s) still being written")
        text = " · ".join(parts)
        self.status_label.setText(text)
        self.status_changed.emit(text)
