"""The Config tab's top row: the open file (and whether it has unsaved edits) and its actions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QToolButton, QWidget

from bespoke_gui.core.config.presets import Preset
from bespoke_gui.ui.config.preset_controls import PresetsButton
from bespoke_gui.ui.widgets.elided_label import ElidedLabel


class ConfigToolbar(QWidget):
    """The file's path, Open other TOML…, Reload, Undo / Redo (the tab's actions), Presets, Save."""

    open_requested = Signal()
    reload_requested = Signal()
    save_requested = Signal()

    def __init__(
        self,
        undo_action: QAction,
        redo_action: QAction,
        presets: Callable[[], list[Preset]],
        can_save_preset: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.file_label = ElidedLabel("No config open")
        self.open_button = QPushButton("Open other TOML…")
        self.open_button.clicked.connect(lambda _checked=False: self.open_requested.emit())
        self.reload_button = QPushButton("Reload")
        self.reload_button.clicked.connect(lambda _checked=False: self.reload_requested.emit())
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Back up the file (verified), then write it atomically (Ctrl+S)")
        self.save_button.clicked.connect(lambda _checked=False: self.save_requested.emit())
        self.undo_button = QToolButton()
        self.undo_button.setDefaultAction(undo_action)
        self.redo_button = QToolButton()
        self.redo_button.setDefaultAction(redo_action)
        self.presets_button = PresetsButton(presets, can_save_preset)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)  # a row of the tab's layout, not a box of its own
        layout.addWidget(self.file_label, 1)
        for widget in (
            self.open_button,
            self.reload_button,
            self.undo_button,
            self.redo_button,
            self.presets_button,
            self.save_button,
        ):
            layout.addWidget(widget)

    def show_file(self, path: Path, unsaved: bool) -> None:
        self.file_label.setText(f"{path}{'  • unsaved changes' if unsaved else ''}")
