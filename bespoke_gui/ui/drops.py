"""Files and folders dropped anywhere in the window go to the window.

An application-wide event filter (a widget's own filter would miss its children) takes
drags of local files before any child sees them: a text editor would paste "file:///…".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QWidget


def dropped_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


class DropRouter(QObject):
    """Takes drags of local files and folders over any widget of ``window`` to ``on_drop``."""

    def __init__(self, window: QWidget, on_drop: Callable[[list[Path], QWidget], None]) -> None:
        super().__init__(window)
        self.window = window
        self.on_drop = on_drop

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        if not isinstance(watched, QWidget) or not shiboken6.isValid(self.window):
            return False
        if watched.window() is not self.window:
            return False
        assert isinstance(event, (QDragEnterEvent, QDragMoveEvent, QDropEvent))
        paths = dropped_paths(event)
        if not paths:
            return False  # text dragged inside an editor stays the editor's
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        if kind == QEvent.Type.Drop:
            self.on_drop(paths, watched)
        return True
