"""The Epochs tab's two rows of controls: loading and export above, how the grid looks below."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QToolButton,
    QWidget,
)

from bespoke_gui.ui.epochs.grid import MAX_ZOOM
from bespoke_gui.ui.epochs.overlay_controls import OverlayControls


class EpochsToolbar(QWidget):
    """Add samples, clear, export (with cleaned art), compare runs, the summary and the messages."""

    add_folder_requested = Signal()
    add_files_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.add_button = QToolButton()
        self.add_button.setText("Add samples…")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.add_button.clicked.connect(self.add_folder_requested)
        add_menu = QMenu(self.add_button)
        add_menu.addAction("Add a folder…", self.add_folder_requested.emit)
        add_menu.addAction("Add image files…", self.add_files_requested.emit)
        self.add_button.setMenu(add_menu)
        self.clear_button = QPushButton("Clear")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(
            "Write a labelled collage PNG, a Markdown report and CSV tables to a folder"
        )
        self.cleaned_check = QCheckBox("with cleaned art")
        self.cleaned_check.setToolTip(
            "Also export the chosen epoch's recovered art (the best epoch where none is chosen): "
            "raw and with strays replaced by their neighbourhood's majority colour, at 24 px and "
            "upscaled x20, into cleaned/ (the report shows before and after either way)"
        )
        self.compare_button = QPushButton("Compare runs…")
        self.compare_button.setToolTip(
            "Run A's chosen epoch beside run B's, prompt by prompt, with metric deltas"
        )
        self.summary_label = QLabel("No samples loaded.")
        self.summary_label.setWordWrap(True)  # wraps in a narrow window instead of widening it
        self.messages_button = QPushButton("Messages")
        self.messages_button.setCheckable(True)
        self.messages_button.setEnabled(False)
        self.messages_view = QPlainTextEdit()
        self.messages_view.setReadOnly(True)
        self.messages_view.setMaximumHeight(110)
        self.messages_view.setVisible(False)
        self.messages_button.toggled.connect(self.messages_view.setVisible)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.add_button, self.clear_button, self.export_button, self.cleaned_check):
            layout.addWidget(widget)
        layout.addWidget(self.compare_button)
        layout.addSpacing(12)
        layout.addWidget(self.summary_label, 1)
        layout.addWidget(self.messages_button)

    def show_messages(self, messages: list[str]) -> None:
        self.messages_view.setPlainText("\n".join(messages))
        self.messages_button.setEnabled(bool(messages))
        self.messages_button.setText(f"Messages ({len(messages)})" if messages else "Messages")

    def set_enabled(self, has_images: bool, can_compare: bool, can_clear: bool) -> None:
        self.export_button.setEnabled(has_images)
        self.compare_button.setEnabled(can_compare)
        self.clear_button.setEnabled(can_clear)


class GridViewControls(QWidget):
    """Pixel grid, heatmap and its opacity, cell size, zoom and "Whole art"."""

    def __init__(
        self, grid: bool, heatmap: bool, opacity: int, pixel_size: int, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.overlay = OverlayControls(grid, heatmap, opacity)
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(2, 16)
        self.size_slider.setValue(pixel_size)
        self.size_slider.setMaximumWidth(120)
        self.size_slider.setToolTip("Cell size: screen pixels per art pixel")
        self.zoom_slider = QSlider(Qt.Orientation.Horizontal)
        self.zoom_slider.setRange(100, int(MAX_ZOOM * 100))
        self.zoom_slider.setValue(100)
        self.zoom_slider.setMaximumWidth(120)
        self.zoom_slider.setToolTip("Zoom into every cell at once (ctrl+wheel over the grid; drag to pan)")
        self.reset_view_button = QPushButton("Whole art")
        self.reset_view_button.setToolTip(
            "Zoom out to the whole art in every cell (or double-click the grid)"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.overlay)
        layout.addSpacing(12)
        layout.addWidget(QLabel("cell size"))
        layout.addWidget(self.size_slider)
        layout.addWidget(QLabel("zoom"))
        layout.addWidget(self.zoom_slider)
        layout.addWidget(self.reset_view_button)
        layout.addStretch(1)
