"""A progress line for jobs: what runs, count, rate, time left, and a Cancel that works."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStyle, QStyleOptionProgressBar, QWidget

from bespoke_gui.core.jobs import format_duration
from bespoke_gui.ui.bridge import JobHandle


class ProgressMeter(QWidget):
    """A progress bar drawn by the style, that schedules its repaint instead of forcing one.

    QProgressBar.setValue repaints at once, and an immediate repaint also paints every
    other dirty widget of the window (a table full of Python model calls) while worker
    threads compete for the GIL: measured 100-170 ms a call while a workspace loads.
    ``update()`` lets Qt coalesce those paints into the normal paint cycle.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._minimum, self._maximum, self._value = 0, 1, 0
        self._text_visible = True

    def setRange(self, minimum: int, maximum: int) -> None:
        if (minimum, maximum) != (self._minimum, self._maximum):
            self._minimum, self._maximum = minimum, maximum
            self.update()

    def setValue(self, value: int) -> None:
        if value != self._value:
            self._value = value
            self.update()

    def setTextVisible(self, visible: bool) -> None:
        self._text_visible = visible
        self.update()

    def minimum(self) -> int:
        return self._minimum

    def maximum(self) -> int:
        return self._maximum

    def value(self) -> int:
        return self._value

    def text(self) -> str:
        if self._maximum <= self._minimum:
            return ""
        share = (self._value - self._minimum) / (self._maximum - self._minimum)
        return f"{round(100 * share)}%"

    def sizeHint(self) -> QSize:
        return QSize(200, self.fontMetrics().height() + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        option = QStyleOptionProgressBar()
        option.initFrom(self)
        option.minimum, option.maximum, option.progress = self._minimum, self._maximum, self._value
        option.text = self.text()
        option.textVisible = self._text_visible
        painter = QPainter(self)
        self.style().drawControl(QStyle.ControlElement.CE_ProgressBar, option, painter, self)
        painter.end()


class JobPanel(QWidget):
    """Shows one job at a time (the newest it was given); Cancel asks that job to stop."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.handle: JobHandle | None = None
        self.label = QLabel("Ready")
        self.bar = ProgressMeter()
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
            self.label.setText(
                f"{self.handle.description}: cancelling (files being written are finished first)…"
            )

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
