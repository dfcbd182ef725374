"""The Config tab's Diff page: pick what to compare the open config with, and the diff itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from bespoke_gui.core.config.errors import ConfigError
from bespoke_gui.core.config.state import ConfigState
from bespoke_gui.ui.config.diff_view import ConfigDiffView
from bespoke_gui.ui.widgets.file_dialogs import choose_file


class ComparePage(QWidget):
    """A combo of configs, backups and presets (from ``ConfigState.compare_choices``), Browse…,
    and the diff of the open config (as edited) against the chosen one."""

    compared = Signal()  # a comparison was chosen: the tab shows this page
    key_activated = Signal(str)

    def __init__(
        self,
        state: ConfigState,
        current_text: Callable[[], str],
        unsaved: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self._current_text = current_text
        self._unsaved = unsaved
        self.file_dialog: QWidget | None = None
        self.combo = QComboBox()
        # Long entries (a backup's full path) elide instead of pushing Browse… off the edge.
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)
        self.combo.activated.connect(self.choose_row)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.browse)
        self.diff_view = ConfigDiffView()
        self.diff_view.key_activated.connect(self.key_activated)
        layout = QVBoxLayout(self)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Compare the open config with:"))
        pick.addWidget(self.combo, 1)
        pick.addWidget(self.browse_button)
        layout.addLayout(pick)
        layout.addWidget(self.diff_view, 1)

    def fill_choices(self) -> None:
        self.combo.clear()
        self.combo.addItem("Choose a file to compare…", None)
        if self.state.cfg is None:
            return
        for label, path in self.state.compare_choices():
            self.combo.addItem(label, path)
        if self.state.compare_path is not None:
            self._select(self.state.compare_path)

    def _select(self, path: str | Path) -> None:
        row = self.combo.findData(str(path))
        if row < 0:
            self.combo.addItem(f"file: {path}", str(path))
            row = self.combo.count() - 1
        self.combo.setCurrentIndex(row)

    def choose_row(self, row: int) -> None:
        path = self.combo.itemData(row)
        if path:
            self.compare_with(path)

    def browse(self) -> None:
        start = self.state.cfg.path.parent if self.state.cfg and self.state.cfg.path else Path()
        self.file_dialog = choose_file(
            self, "Compare with", start, "TOML files (*.toml);;All files (*)", self.compare_with
        )

    def compare_with(self, path: str | Path) -> bool:
        self.state.compare_path = Path(path)
        self._select(path)
        self.compared.emit()
        shown = self.refresh()
        if shown:
            self.diff_view.go_to_change(0)
        return shown

    def refresh(self) -> bool:
        """Diff again (the open config changed); False when there is nothing to show."""
        if self.state.cfg is None or self.state.compare_path is None:
            return False
        try:
            other = self.state.compared()
        except ConfigError as exc:
            self.diff_view.clear(f"Cannot compare: {exc}")
            return False
        if other is None:
            return False
        name = self.state.cfg.path.name if self.state.cfg.path else "open config"
        title = f"{name}{' (unsaved edits)' if self._unsaved() else ''}"
        self.diff_view.set_texts(
            title,
            self._current_text(),
            self.state.cfg.data(),
            str(self.state.compare_path),
            other.text(),
            other.data(),
        )
        return True
