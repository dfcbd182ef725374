"""A progress line for jobs: what runs, count, rate, time left, and a Cancel that works."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from bespoke_gui.core.jobs import format_duration
from bespoke_gui.ui.bridge import JobHandle


class JobPanel(QWidget):
    """Shows one job at a time (the newest it was given); Cancel asks that job to stop."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.handle: JobHandle | None = None
        self.label = QLabel("Ready")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFixedWidth(260)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)

    def track(self, handle: JobHandle) -> None:
        self.handle = handle
        self.label.setText(f"{handle.description}…")
        self.bar.setRange(0, 0)  # busy until the first count arrives
        self.cancel_button.setEnabled(True)
        handle.progress.connect(self._on_progress)
        handle.finished.connect(lambda _result, h=handle: self._on_end(h, "done"))
        handle.failed.connect(lambda message, h=handle: self._on_end(h, "failed: " + message))
        handle.cancelled.connect(lambda h=handle: self._on_end(h, "cancelled"))

    def cancel(self) -> None:
        if self.handle is not None and not self.handle.is_done:
            self.handle.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText(f"{self.handle.description}: cancelling (files being written are finished first)…")

    def _on_progress(self, done: int, total: int, message: str, rate: float, left: float) -> None:
        if self.sender() is not self.handle or self.handle is None:
            return
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, max(total, 1)))
        eta = format_duration(None if left < 0 else left)
        self.label.setText(f"{self.handle.description}: {done}/{total} · {rate:.1f}/s · {eta} left")

    def _on_end(self, handle: JobHandle, outcome: str) -> None:
        if handle is not self.handle:
            return
        self.handle = None
        self.cancel_button.setEnabled(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if outcome == "done" else 0)
        self.label.setText(f"{handle.description}: {outcome}")
