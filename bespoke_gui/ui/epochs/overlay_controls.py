"""The pixel-grid and stray-heatmap switches with the heatmap's opacity (the grid's and the inspector's)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QWidget


class OverlayControls(QWidget):
    """Two check boxes and an opacity slider in a row; the slider is off while the heatmap is."""

    def __init__(self, grid: bool, heatmap: bool, opacity: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid_check = QCheckBox("Pixel grid")
        self.grid_check.setChecked(grid)
        self.heatmap_check = QCheckBox("Stray heatmap")
        self.heatmap_check.setChecked(heatmap)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(opacity)
        self.opacity_slider.setMaximumWidth(120)
        self.opacity_slider.setToolTip("Heatmap opacity")
        self.opacity_slider.setEnabled(heatmap)
        self.heatmap_check.toggled.connect(self.opacity_slider.setEnabled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.grid_check)
        layout.addWidget(self.heatmap_check)
        layout.addWidget(QLabel("opacity"))
        layout.addWidget(self.opacity_slider)

    def opacity(self) -> float:
        return self.opacity_slider.value() / 100.0
