"""The Config tab's presets: the menu of presets (built in and the user's) and the preview
of what one would change before it is applied."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from bespoke_gui.core.config.presets import Preset, PresetPreview
from bespoke_gui.ui.config.diff_view import ConfigDiffView


class PresetsButton(QToolButton):
    """ "Presets": a menu listing the presets when it opens, and "Save current as preset…"."""

    preview_requested = Signal(object)  # Preset
    save_requested = Signal()

    def __init__(
        self,
        presets: Callable[[], list[Preset]],
        can_save: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._presets, self._can_save = presets, can_save
        self.setText("Presets")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.presets_menu = QMenu(self)
        self.presets_menu.aboutToShow.connect(self.fill_menu)
        self.setMenu(self.presets_menu)

    def fill_menu(self) -> None:
        """List the presets as they are now (the user may have saved one since)."""
        self.presets_menu.clear()
        presets = self._presets()
        for preset in presets:
            action = self.presets_menu.addAction(preset.name + ("" if preset.builtin else "  (mine)"))
            action.setToolTip(str(preset.path))
            action.triggered.connect(lambda _checked=False, p=preset: self.preview_requested.emit(p))
        if not presets:
            self.presets_menu.addAction("No presets").setEnabled(False)
        self.presets_menu.addSeparator()
        save = self.presets_menu.addAction("Save current as preset…")
        save.triggered.connect(lambda _checked=False: self.save_requested.emit())
        save.setEnabled(self._can_save())


class PresetPreviewDialog(QDialog):
    """Shows what a preset would change (keys and text) before anything is applied."""

    def __init__(
        self,
        title: str,
        current_title: str,
        current_text: str,
        current_data: dict[str, Any],
        preview: PresetPreview,
        new_data: dict[str, Any],
        estimate: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Apply preset: {title}")
        self.preview = preview
        self.resize(1000, 700)
        intro = QLabel(
            f"Applying “{title}” changes {len(preview.changes)} key(s). Nothing is written until you save; "
            "undo takes it back."
            + (
                f"\n{len(preview.lies)} trailing comment(s) would then be wrong; you will be "
                "asked about each."
                if preview.lies
                else ""
            )
        )
        intro.setWordWrap(True)
        self.diff = ConfigDiffView(self, show_flat_toggle=False)
        self.diff.set_texts(
            current_title, current_text, current_data, f"after “{title}”", preview.new_text, new_data
        )
        self.diff.go_to_change(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setEnabled(bool(preview.edits))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        self.estimate_label: QLabel | None = None  # the training time before and after, when known
        if estimate:
            self.estimate_label = QLabel(estimate)
            layout.addWidget(self.estimate_label)
        layout.addWidget(self.diff, 1)
        layout.addWidget(buttons)
