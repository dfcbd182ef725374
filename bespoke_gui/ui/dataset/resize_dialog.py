"""Resize… dialog: target size, filter (with a side-by-side preview of what each does) and destination."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.dataset.resize import default_out_dir
from bespoke_gui.core.dataset.resize_filters import (
    DEFAULT_SIZE,
    FILTER_EXPLANATIONS,
    FILTERS,
    FilterComparison,
    compare_filters_for_file,
)
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.widgets.pixel_view import PixelView
from bespoke_gui.ui.widgets.timers import single_shot_timer

_SETTINGS_SIZE = "dataset/resize_size"
_SETTINGS_FILTER = "dataset/resize_filter"
_PREVIEW_DELAY_MS = 250


@dataclass(frozen=True)
class ResizeRequest:
    size: int
    filter_name: str
    out_dir: Path | None  # None: in place
    in_place: bool


def centre_crop(pixels: np.ndarray, fraction: float = 0.375) -> np.ndarray:
    """The middle of a portrait (eyes and mouth), where filter differences show most."""
    height, width = pixels.shape[:2]
    crop_h, crop_w = max(1, int(height * fraction)), max(1, int(width * fraction))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return pixels[top : top + crop_h, left : left + crop_w]


class ResizeDialog(QDialog):
    """Collects a :class:`ResizeRequest`; the preview runs as a job through the runner."""

    def __init__(
        self,
        context: AppContext,
        images_dir: Path,
        images: Sequence[Path],
        preview_image: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Resize dataset")
        self.context = context
        self.images_dir = Path(images_dir)
        self._preview_handle: JobHandle | None = None
        self._comparison: FilterComparison | None = None
        self._out_dir_edited = False

        settings = context.settings
        self.size_spin = QSpinBox()
        self.size_spin.setRange(8, 4096)
        self.size_spin.setSingleStep(8)
        self.size_spin.setSuffix(" px")
        self.size_spin.setValue(int(settings.value(_SETTINGS_SIZE, DEFAULT_SIZE) or DEFAULT_SIZE))

        filter_box = QGroupBox("Filter")
        filter_layout = QGridLayout(filter_box)
        self.filter_group = QButtonGroup(self)
        self.filter_buttons: dict[str, QRadioButton] = {}
        for row, (key, title) in enumerate(FILTERS.items()):
            button = QRadioButton(title)
            self.filter_buttons[key] = button
            self.filter_group.addButton(button, row)
            explanation = QLabel(FILTER_EXPLANATIONS[key])
            explanation.setWordWrap(True)
            explanation.setStyleSheet("color: palette(mid);")
            filter_layout.addWidget(button, row, 0, Qt.AlignmentFlag.AlignTop)
            filter_layout.addWidget(explanation, row, 1)
        filter_layout.setColumnStretch(1, 1)
        saved_filter = str(settings.value(_SETTINGS_FILTER, "pixel") or "pixel")
        self.filter_buttons.get(saved_filter, self.filter_buttons["pixel"]).setChecked(True)

        # The preview: the same image through each filter, zoomed so single pixels show.
        preview_box = QGroupBox("Preview at the target size")
        preview_layout = QVBoxLayout(preview_box)
        chooser = QHBoxLayout()
        self.image_combo = QComboBox()
        for path in images:
            self.image_combo.addItem(path.name, str(path))
        if preview_image is not None:
            found = self.image_combo.findData(str(preview_image))
            if found >= 0:
                self.image_combo.setCurrentIndex(found)
        self.zoom_check = QCheckBox("Zoom into the centre")
        self.zoom_check.setChecked(True)
        chooser.addWidget(QLabel("Image:"))
        chooser.addWidget(self.image_combo, 1)
        chooser.addWidget(self.zoom_check)
        preview_layout.addLayout(chooser)
        self.preview_summary = QLabel("")
        self.preview_summary.setWordWrap(True)
        preview_layout.addWidget(self.preview_summary)
        views = QHBoxLayout()
        self.preview_views: dict[str, PixelView] = {}
        self.preview_labels: dict[str, QLabel] = {}
        for key, title in FILTERS.items():
            column = QVBoxLayout()
            heading = QLabel(f"<b>{title}</b>")
            heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
            view = PixelView()
            view.setMinimumSize(220, 220)
            label = QLabel("")
            label.setWordWrap(True)
            label.setMinimumWidth(220)
            # Three lines for every column, so the three views stay the same size side by side.
            label.setFixedHeight(label.fontMetrics().lineSpacing() * 3 + 4)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            column.addWidget(heading)
            column.addWidget(view, 1)
            column.addWidget(label)
            views.addLayout(column)
            self.preview_views[key] = view
            self.preview_labels[key] = label
        preview_layout.addLayout(views, 1)

        dest_box = QGroupBox("Destination")
        dest_layout = QGridLayout(dest_box)
        self.new_folder_radio = QRadioButton("New folder:")
        self.in_place_radio = QRadioButton(
            "In place: replace the images (a verified backup of images, captions and config is made first)"
        )
        self.new_folder_radio.setChecked(True)
        self.out_dir_edit = QLineEdit()
        self.out_dir_edit.textEdited.connect(self._out_dir_was_edited)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        dest_layout.addWidget(self.new_folder_radio, 0, 0)
        dest_layout.addWidget(self.out_dir_edit, 0, 1)
        dest_layout.addWidget(browse, 0, 2)
        dest_layout.addWidget(self.in_place_radio, 1, 0, 1, 3)
        self.new_folder_radio.toggled.connect(self.out_dir_edit.setEnabled)
        self.new_folder_radio.toggled.connect(browse.setEnabled)

        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Resize")
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(QLabel(f"Resize the {len(images)} images of {self.images_dir.name} to"))
        top.addWidget(self.size_spin)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(filter_box)
        layout.addWidget(preview_box, 1)
        layout.addWidget(dest_box)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self._preview_timer = single_shot_timer(self, _PREVIEW_DELAY_MS, self.refresh_preview)
        self.size_spin.valueChanged.connect(self._size_changed)
        self.image_combo.currentIndexChanged.connect(lambda _i: self._preview_timer.start())
        self.zoom_check.toggled.connect(lambda _on: self._show_comparison())
        self.filter_group.idToggled.connect(lambda _id, _on: self._mark_selected_filter())
        self._suggest_out_dir()
        self._mark_selected_filter()
        self.resize(980, 820)
        self.refresh_preview()

    # --- values -------------------------------------------------------------------------
    def selected_filter(self) -> str:
        for key, button in self.filter_buttons.items():
            if button.isChecked():
                return key
        return "pixel"

    def request(self) -> ResizeRequest:
        in_place = self.in_place_radio.isChecked()
        out_dir = None
        if not in_place:
            text = self.out_dir_edit.text().strip()
            out_dir = Path(text).expanduser() if text else None
            if out_dir is not None and not out_dir.is_absolute():
                out_dir = self.images_dir.parent / out_dir
        return ResizeRequest(self.size_spin.value(), self.selected_filter(), out_dir, in_place)

    def _try_accept(self) -> None:
        request = self.request()
        if not request.in_place:
            if request.out_dir is None:
                self.message.setText("Choose a folder for the resized images.")
                return
            if request.out_dir.resolve() == self.images_dir.resolve():
                self.message.setText("That is the images folder itself: choose a new folder, or In place.")
                return
        self.context.settings.setValue(_SETTINGS_SIZE, request.size)
        self.context.settings.setValue(_SETTINGS_FILTER, request.filter_name)
        self.accept()

    # --- destination --------------------------------------------------------------------
    def _out_dir_was_edited(self, _text: str) -> None:
        self._out_dir_edited = True

    def _suggest_out_dir(self) -> None:
        if not self._out_dir_edited:
            self.out_dir_edit.setText(str(default_out_dir(self.images_dir, self.size_spin.value())))

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Folder for the resized images", str(self.images_dir.parent)
        )
        if chosen:
            self._out_dir_edited = True
            self.out_dir_edit.setText(chosen)

    def _size_changed(self, _value: int) -> None:
        self._suggest_out_dir()
        self._preview_timer.start()

    # --- preview ------------------------------------------------------------------------
    def refresh_preview(self) -> None:
        path = self.image_combo.currentData()
        if not path:
            self.preview_summary.setText("No image to preview.")
            return
        if self._preview_handle is not None and not self._preview_handle.is_done:
            self._preview_handle.cancel()
        self.preview_summary.setText("Comparing the filters…")
        handle = self.context.runner.start(
            compare_filters_for_file, Path(path), self.size_spin.value(), description="Comparing filters"
        )
        self._preview_handle = handle
        handle.finished.connect(lambda result, h=handle: self._preview_ready(h, result))
        handle.failed.connect(lambda message, h=handle: self._preview_failed(h, message))

    def _preview_ready(self, handle: JobHandle, comparison: FilterComparison) -> None:
        if handle is not self._preview_handle:
            return  # an older preview finished after a newer one started
        self._comparison = comparison
        self._show_comparison()

    def _preview_failed(self, handle: JobHandle, message: str) -> None:
        if handle is self._preview_handle:
            self._comparison = None
            self.preview_summary.setText(f"Cannot preview this image: {message}")
            for view in self.preview_views.values():
                view.set_pixels(None)

    def comparison(self) -> FilterComparison | None:
        return self._comparison

    def _show_comparison(self) -> None:
        comparison = self._comparison
        if comparison is None:
            return
        summary = comparison.lines()[0]
        pixel_note = comparison.previews["pixel"].note
        if pixel_note:
            # A touched-up image: say what pixel-exact did to it (the label below is short).
            summary += f"\nPixel-exact: {pixel_note}."
        self.preview_summary.setText(summary)
        zoom = self.zoom_check.isChecked()
        for key, preview in comparison.previews.items():
            pixels = preview.pixels
            self.preview_views[key].set_pixels(
                None if pixels is None else centre_crop(pixels) if zoom else pixels
            )
            # The note (a touched-up image) is in the summary above: the labels have 3 lines.
            self.preview_labels[key].setText(preview.describe(with_note=False).split(": ", 1)[1])

    def _mark_selected_filter(self) -> None:
        selected = self.selected_filter()
        for key, label in self.preview_labels.items():
            label.setStyleSheet("font-weight: bold;" if key == selected else "")
