"""The Config tab's live estimate: steps, samples, checkpoints, hours and cost.

The workspace's images (sizes and repeats), its prompts count and a previous run's pace
are read once in a job; after that every edit of the config recomputes the figures at
once with the pure ``core.config.estimate.estimate`` (no file is read per keystroke).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.config.estimate import Estimate, EstimateError, default_timing, estimate
from bespoke_gui.core.config.estimate_inputs import Subset, settings_from_config, workspace_inputs
from bespoke_gui.core.config.estimate_pace import (
    DEFAULT_GPU,
    DEFAULT_PRICE_PER_HOUR,
    MeasuredPace,
    known_gpus,
    pace_from_folders,
)
from bespoke_gui.core.jobs import CancelFn, ProgressFn
from bespoke_gui.core.workspace import Workspace
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.context import AppContext

_TABLE = "Typical figure (table)"


def _read_workspace(
    workspace: Workspace, data: dict[str, Any], progress: ProgressFn, cancelled: CancelFn
) -> tuple:
    """(subsets, prompts count or None, measured pace or None): the file reads, off the GUI thread."""
    config_dir = workspace.config_path.parent if workspace.config_path else workspace.root
    subsets, prompts = workspace_inputs(workspace, settings_from_config(data), config_dir)
    return subsets, prompts, pace_from_folders(workspace.sample_dirs)


def describe(result: Estimate) -> str:
    return (
        f"{result.steps_per_epoch:,} steps/epoch × {result.epochs} epochs = {result.total_steps:,} steps · "
        f"{result.samples} samples · {result.checkpoints} checkpoints · "
        f"{result.hours:.1f} h · ${result.cost:.2f}"
    )


class EstimatePanel(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.subsets: list[Subset] = []
        self.prompts: int | None = None
        self.measured: MeasuredPace | None = None
        self.data: dict[str, Any] | None = None
        self.result: Estimate | None = None
        self.job: JobHandle | None = None

        self.gpu_combo = QComboBox()
        self.gpu_combo.addItems(known_gpus())
        self.gpu_combo.setCurrentText(DEFAULT_GPU)
        self.gpu_combo.setToolTip("Typical seconds per image for this GPU (see the assumptions for sources)")
        self.seconds_spin = QDoubleSpinBox()
        self.seconds_spin.setRange(0.0, 600.0)
        self.seconds_spin.setDecimals(2)
        self.seconds_spin.setSingleStep(0.05)
        self.seconds_spin.setSpecialValueText(_TABLE)
        self.seconds_spin.setSuffix(" s/step")
        self.seconds_spin.setToolTip("Your measured seconds per optimizer step; 0 uses the table")
        self.price_spin = QDoubleSpinBox()
        self.price_spin.setRange(0.01, 1000.0)
        self.price_spin.setDecimals(2)
        self.price_spin.setPrefix("$")
        self.price_spin.setSuffix("/h")
        self.price_spin.setValue(DEFAULT_PRICE_PER_HOUR)
        self.figures = QLabel("Open a workspace to estimate the run.")
        self.figures.setWordWrap(True)
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.figures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.assumptions = QLabel("")
        self.assumptions.setWordWrap(True)
        self.assumptions.setStyleSheet("color: palette(mid);")
        self.assumptions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        inputs = QHBoxLayout()
        inputs.addWidget(QLabel("GPU"))
        inputs.addWidget(self.gpu_combo)
        inputs.addWidget(self.seconds_spin)
        inputs.addWidget(self.price_spin)
        inputs.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>Estimate</b> (steps as sd-scripts counts them)")
        layout.addWidget(title)
        layout.addLayout(inputs)
        grid = QGridLayout()
        grid.addWidget(self.figures, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.assumptions)
        for signal in (
            self.gpu_combo.currentTextChanged,
            self.seconds_spin.valueChanged,
            self.price_spin.valueChanged,
        ):
            signal.connect(lambda *_: self.recompute())

    # --- inputs ---------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace | None, data: dict[str, Any] | None) -> JobHandle | None:
        """Read the images, prompts and pace of ``workspace`` once (a job), then recompute."""
        self.subsets, self.prompts, self.measured = [], None, None
        if self.job is not None and not self.job.is_done:
            self.job.cancel()
        self.data = data
        if workspace is None or workspace.images_dir is None:
            self.figures.setText("No training images in this workspace: nothing to estimate.")
            self.assumptions.setText("")
            return None
        self.figures.setText("Reading the image sizes…")
        handle = self.context.runner.start(
            _read_workspace, workspace, data or {}, description="Reading images for the estimate"
        )
        self.job = handle
        handle.finished.connect(lambda result, h=handle: self._workspace_read(h, result))
        handle.failed.connect(lambda message: self.figures.setText(html.escape(f"Estimate: {message}")))
        return handle

    def _workspace_read(self, handle: JobHandle, result: tuple) -> None:
        if handle is not self.job:
            return
        self.subsets, self.prompts, self.measured = result
        self.recompute()

    def set_config_data(self, data: dict[str, Any] | None) -> None:
        """The config as edited: recompute at once (pure arithmetic, no file reads)."""
        self.data = data
        self.recompute()

    # --- figures --------------------------------------------------------------------------
    def estimate_for(self, data: dict[str, Any]) -> Estimate | None:
        if not self.subsets:
            return None
        settings = settings_from_config(data)
        seconds = self.seconds_spin.value() or None
        try:
            timing = default_timing(settings, seconds, self.price_spin.value(), self.gpu_combo.currentText())
        except EstimateError:
            return None
        return estimate(settings, self.subsets, timing, self.prompts, self.measured)

    def recompute(self) -> Estimate | None:
        # Say why there is no estimate rather than leave "Reading the image sizes…" standing.
        if self.data is None:
            self.result = None
            self.figures.setText("The config is not valid TOML: the estimate waits until it is fixed.")
            self.assumptions.setText("")
            return None
        if not self.subsets:
            self.result = None
            self.figures.setText("No images found for the config's subsets: nothing to estimate.")
            self.assumptions.setText("")
            return None
        result = self.estimate_for(self.data)
        self.result = result
        if result is None:
            return None
        text = (
            f"<b>{result.images}</b> images × {result.repeats if result.repeats is not None else 'various'} "
            f"repeats → <b>{result.steps_per_epoch:,}</b> steps/epoch × {result.epochs} epochs = "
            f"<b>{result.total_steps:,}</b> steps<br>{result.samples} samples · {result.checkpoints} checkpoints · "
            f"<b>{result.hours:.1f} h</b> at {result.seconds_per_step:g} s/step · <b>${result.cost:.2f}</b> at "
            f"${result.price_per_hour:g}/h"
        )
        if result.measured is not None and result.measured_hours is not None:
            text += (
                f"<br>Measured in your last run: {result.measured.seconds_per_epoch:.0f} s/epoch → "
                f"{result.measured_hours:.1f} h, ${result.measured_hours * result.price_per_hour:.2f}"
            )
        self.figures.setText(text)
        self.assumptions.setText("\n".join(f"• {a}" for a in result.assumptions))
        return result

    def before_after(self, before: dict[str, Any], after: dict[str, Any]) -> str:
        """One line per side for a preset preview ("" before the images are read)."""
        old, new = self.estimate_for(before), self.estimate_for(after)
        if old is None or new is None:
            return ""
        return f"Estimate before: {describe(old)}\nEstimate after:  {describe(new)}"
