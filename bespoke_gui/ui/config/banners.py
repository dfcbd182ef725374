"""The Config tab's banners and error line: what it tells or asks above the editors without
blocking (a comment an edit made untrue, the file changed on disk, the workspace's other
config) and the one red line for errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from bespoke_gui.core.config.editing import CommentLie
from bespoke_gui.core.config.errors import TomlSyntaxError
from bespoke_gui.core.config.state import DiskChange
from bespoke_gui.ui.widgets.banner import Banner

_TOML_ERROR = "TOML error"


class ErrorLine(QLabel):
    """A red line above the editors; hidden while there is nothing wrong."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setStyleSheet("color: #b71c1c;")
        self.setWordWrap(True)
        self.hide()

    def show_error(self, message: str) -> None:
        self.setText(message)
        self.show()

    def show_parse_error(self, error: TomlSyntaxError | None) -> None:
        """The text's parse error, or its end (an error of another kind stays)."""
        if error is not None:
            self.show_error(
                f"{_TOML_ERROR} (the tree shows the last valid state; saving waits until it is fixed): {error}"
            )
        elif self.text().startswith(_TOML_ERROR):
            self.hide()


class DiskBanner(Banner):
    """The open file changed (or went) on disk under unsaved edits, or a save found it so."""

    def __init__(
        self, reload: Callable[[], object], overwrite: Callable[[], object], parent: QWidget | None = None
    ) -> None:
        super().__init__("#fde0dc", parent)
        self.reload_button = self.add_button("Reload from disk (drop my edits)", reload)
        self.overwrite_button = self.add_button("Save mine anyway (backup first)", overwrite)
        self.add_button("Dismiss", self.hide)

    def show_change(self, name: str, change: DiskChange) -> None:
        self.say(f"{name} was {change.value} on disk by another program while you have unsaved edits here.")

    def say(self, message: str) -> None:
        self.message.setText(message)
        self.show()


class SwitchBanner(Banner):
    """The workspace has another config than the one open with unsaved edits: open it?"""

    def __init__(self, open_it: Callable[[], object], parent: QWidget | None = None) -> None:
        super().__init__("#e3f0ff", parent)
        self.add_button("Open it (drop my edits)", open_it)
        self.add_button("Keep editing this one", self.hide)

    def offer(self, config: Path) -> None:
        self.message.setText(f"The workspace's config is {config}, but this one has unsaved edits.")
        self.show()


class LieBanner(Banner):
    """ "The comment on line N may now be wrong": update it (editable suggestion), drop it, or keep it."""

    update_requested = Signal(str, str)  # key, new comment
    drop_requested = Signal(str)  # key

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("#fff4d6", parent)
        self.lies: list[CommentLie] = []
        self.suggestion = QLineEdit()
        self.suggestion.setMinimumWidth(320)
        self.row.addWidget(self.suggestion, 1)
        self.update_button = self.add_button("Update comment", self._update)
        self.drop_button = self.add_button("Drop comment", self._drop)
        self.keep_button = self.add_button("Keep", self._next)

    @property
    def current(self) -> CommentLie | None:
        return self.lies[0] if self.lies else None

    def offer(self, lies: list[CommentLie], line_of: Callable[[str], int | None]) -> None:
        self.lies.extend(lies)
        self._line_of = line_of
        self._show()

    def _show(self) -> None:
        lie = self.current
        if lie is None:
            self.hide()
            return
        line = self._line_of(lie.key)
        where = f"line {line}" if line else lie.key
        self.message.setText(
            f"The comment on {where} ({lie.key}) may now be wrong — {lie.reason}:\n{lie.comment}"
        )
        self.suggestion.setText(lie.suggestion)
        self.show()

    def _update(self) -> None:
        lie = self.current
        if lie is not None:
            self.lies.pop(0)
            self.update_requested.emit(lie.key, self.suggestion.text())
        self._show()

    def _drop(self) -> None:
        lie = self.current
        if lie is not None:
            self.lies.pop(0)
            self.drop_requested.emit(lie.key)
        self._show()

    def _next(self) -> None:
        if self.lies:
            self.lies.pop(0)
        self._show()

    def clear(self) -> None:
        self.lies.clear()
        self.hide()
