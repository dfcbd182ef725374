"""The one file watcher: it keeps watching a file that an editor (or our own save) replaced.

An atomic replace (write a temporary file, rename it over the old one) drops the
QFileSystemWatcher's watch on some systems: the watched inode is gone. ``FileWatch`` keeps
the paths it was asked to watch and arms them again after every event, so the next change
is noticed too. A path that does not exist yet is armed as soon as it does.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Signal


class FileWatch(QObject):
    changed = Signal(str)  # a watched file or folder changed (a burst of events for one save is usual)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._wanted: set[str] = set()
        self._watcher.fileChanged.connect(self._on_change)
        self._watcher.directoryChanged.connect(self._on_change)

    def watch(self, path: Path | str) -> None:
        self._wanted.add(str(path))
        self.rearm()

    def unwatch(self, path: Path | str) -> None:
        name = str(path)
        self._wanted.discard(name)
        if name in self.watched():
            self._watcher.removePath(name)

    def clear(self) -> None:
        self._wanted.clear()
        watched = self.watched()
        if watched:
            self._watcher.removePaths(watched)

    def watched(self) -> list[str]:
        """The paths armed right now."""
        return self._watcher.files() + self._watcher.directories()

    def rearm(self) -> None:
        """Watch again every wanted path that exists but lost its watch."""
        armed = set(self.watched())
        missing = [p for p in sorted(self._wanted) if p not in armed and os.path.exists(p)]
        if missing:
            self._watcher.addPaths(missing)

    def _on_change(self, path: str) -> None:
        self.rearm()
        self.changed.emit(path)
