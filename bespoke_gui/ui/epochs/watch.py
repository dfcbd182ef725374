"""Epochs as they arrive: the loaded sample folders are watched while the tab is open.

``SampleWatch`` watches every loaded folder (and its epoch sub-folders) with a
QFileSystemWatcher, and polls every few seconds as well, because sync tools and network
file systems do not always report changes. Each look is a job (``ArrivalTracker.poll``):
files still growing or truncated wait; settled, complete files are analysed in the
background (``append_samples``) and join their run in the grid, the table, the plot and
the best-epoch mark. A status line says when the last sample arrived and which epoch is
the newest. A tray message (the status bar where there is no tray) says when an epoch
first meets all targets, and when samples stop arriving for longer than twice the run's
seconds per epoch.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStyle, QSystemTrayIcon, QWidget

from bespoke_gui.core.config.estimate import pace_from_samples
from bespoke_gui.core.epochs.analysis import AnalysisSettings, analyze_one, retarget
from bespoke_gui.core.epochs.arrivals import ArrivalPoll, ArrivalTracker, StallClock
from bespoke_gui.core.epochs.samples import _run_for, describe_sample, parse_epoch_folder
from bespoke_gui.core.epochs.state import EpochsState, FailedSample, build_grid, resolve
from bespoke_gui.core.jobs import CancelFn, ProgressFn, map_items
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.widgets.timers import single_shot_timer

if TYPE_CHECKING:
    from bespoke_gui.ui.epochs.tab import EpochsTab

POLL_MS = 2000
EVENT_DELAY_MS = 250


def _run_of_root(state: EpochsState, root: Path) -> str:
    """The run label the loaded samples under ``root`` carry (a new root: the loader's name)."""
    for item in state.result.images:
        if root == item.sample.path or root in resolve(item.sample.path).parents:
            return item.sample.run
    return _run_for(root)[0]


def append_samples(
    old: EpochsState,
    files: Sequence[Path],
    settings: AnalysisSettings,
    *,
    progress: ProgressFn,
    cancelled: CancelFn,
) -> EpochsState:
    """Analyse newly arrived files and add them to their runs (the job SampleWatch runs)."""
    infos = []
    for path in files:
        resolved = resolve(path)
        root = next((r for r in old.roots if r == resolved or r in resolved.parents), resolved.parent)
        info, _message = describe_sample(path, _run_of_root(old, root), parse_epoch_folder(path.parent.name))
        infos.append(info)
    batch = map_items(
        partial(analyze_one, settings=settings),
        infos,
        progress=progress,
        cancelled=cancelled,
        label=lambda s: str(s.path),
        message="analysing new samples",
    )
    new_images = [item for item in batch.results if item is not None]
    failed_infos = {str(info.path): info for info, item in zip(infos, batch.results) if item is None}
    result = old.result
    runs = list(result.runs) + [i.sample.run for i in new_images if i.sample.run not in result.runs]
    merged = replace(
        result,
        images=list(result.images) + new_images,
        errors=list(result.errors) + list(batch.errors),
        failed=list(result.failed) + [failed_infos[e.path] for e in batch.errors if e.path in failed_infos],
        runs=list(dict.fromkeys(runs)),
    )
    state = EpochsState(
        roots=list(old.roots),
        result=retarget(merged, settings.targets),
        failed=list(old.failed)
        + [FailedSample(e.path, e.message, failed_infos.get(e.path)) for e in batch.errors],
        prompt_texts=dict(old.prompt_texts),
    )
    state.grid = build_grid(state)
    return state


def newest_epoch(state: EpochsState) -> tuple[str, int] | None:
    epochs = [
        (s.run, s.column[1])
        for s in state.result.epochs
        if s.column[0] == "epoch" and s.column[1] is not None
    ]
    return max(epochs, key=lambda pair: pair[1]) if epochs else None


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
        self.poll_job: JobHandle | None = None
        self.append_job: JobHandle | None = None
        self._again = False
        self.waiting: list[Path] = []
        self.arrived_total = 0
        self._passing_runs: set[str] = set()
        self._epoch_seen_at: dict[tuple[str, int], float] = {}

    # --- what is watched ----------------------------------------------------------------
    @property
    def roots(self) -> list[Path]:
        return [r for r in self.tab.state.roots if r.is_dir()]

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
        for job in (self.poll_job, self.append_job):
            if job is not None and not job.is_done:
                job.cancel()
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())

    # --- polling ------------------------------------------------------------------------
    def _known(self) -> frozenset[str]:
        state = self.tab.state
        return frozenset(
            [str(i.sample.path) for i in state.result.images] + [str(f.path) for f in state.failed]
        )

    def poll(self) -> JobHandle | None:
        self._check_stall()
        roots = self.roots
        if not roots or self.tab.load_job is not None:
            return None
        if (self.poll_job is not None and not self.poll_job.is_done) or (
            self.append_job is not None and not self.append_job.is_done
        ):
            self._again = True
            return None
        try:
            handle = self.tab.context.runner.start(
                self.tracker.poll, roots, self._known(), description="Looking for new samples"
            )
        except RuntimeError:  # the app is closing: its job runner has shut down
            self.stop()
            return None
        self.poll_job = handle
        handle.finished.connect(lambda result, h=handle: self._polled(h, result))
        handle.failed.connect(lambda _m: self._after_job())
        handle.cancelled.connect(self._after_job)
        return handle

    def _polled(self, handle: JobHandle, result: ArrivalPoll) -> None:
        if handle is not self.poll_job:
            return
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
        tab = self.tab
        try:
            handle = tab.context.runner.start(
                append_samples,
                tab.state,
                files,
                tab.analysis_settings(),
                description=f"Analysing {len(files)} new sample(s)",
            )
        except RuntimeError:  # the app is closing
            self.stop()
            return
        self.append_job = handle
        count = len(files)
        handle.finished.connect(lambda state, h=handle: self._appended(h, state, count))
        handle.failed.connect(
            lambda message: (tab._add_message(f"new samples: {message}"), self._after_job())
        )
        handle.cancelled.connect(self._after_job)

    def _appended(self, handle: JobHandle, state: EpochsState, count: int) -> None:
        tab = self.tab
        if handle is not self.append_job or tab.load_job is not None:
            self._after_job()
            return
        tab.state = state
        tab.state.result = retarget(tab.state.result, tab.targets())
        tab._rebuild_messages()
        tab._refresh_all()
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
        if pace is not None:
            return pace.seconds_per_epoch
        newest = newest_epoch(self.tab.state)
        if newest is None:
            return None
        run = newest[0]
        times = sorted(t for (r, _e), t in self._epoch_seen_at.items() if r == run)
        gaps = [b - a for a, b in zip(times, times[1:]) if b > a]
        return statistics.median(gaps) if gaps else None

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
        newest = newest_epoch(self.tab.state)
        if newest is not None:
            parts.append(f"newest epoch {newest[1]} ({newest[0]})")
        if self.waiting:
            parts.append(f"{len(self.waiting)} file(s) still being written")
        text = " · ".join(parts)
        self.status_label.setText(text)
        self.status_changed.emit(text)
