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
        # Without State_Horizontal the style fills a vertical bar: from the bottom up.
        option.state |= QStyle.StateFlag.State_Horizontal
        option.minimum, option.maximum, option.progress = self._minimum, self._maximum, self._value
        option.text = self.text()
        option.textVisible = self._text_visible
        painter = QPainter(self)
        self.style().drawControl(QStyle.ControlElement.CE_ProgressBar, option, painter, self)
        painter.end()


class JobPanel(QWidget):
    """Shows the longest-running job (a short one started meanwhile never hides it) and how
    many others run; Cancel asks the shown job to stop."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.handle: JobHandle | None = None
        self.running: list[JobHandle] = []  # oldest first
        self._last_progress: dict[JobHandle, tuple[int, int, str, float, float]] = {}
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
        self.running.append(handle)
        handle.progress.connect(lambda *args, h=handle: self._on_progress(h, *args))
        handle.finished.connect(lambda _result, h=handle: self._on_end(h, "done"))
        handle.failed.connect(lambda message, h=handle: self._on_end(h, "failed: " + message))
        handle.cancelled.connect(lambda h=handle: self._on_end(h, "cancelled"))
        if self.handle is None:
            self._show(handle)
        else:
            self._show_line()

    def _show(self, handle: JobHandle) -> None:
        self.handle = handle
        self.cancel_button.setEnabled(not handle.cancel_flag())
        last = self._last_progress.get(handle)
        if last is None:
            self.bar.setRange(0, 0)  # busy until the first count arrives
        else:
            self.bar.setRange(0, max(last[1], 1))
            self.bar.setValue(min(last[0], max(last[1], 1)))
        self._show_line()

    def _others(self) -> str:
        others = len(self.running) - (1 if self.handle in self.running else 0)
        return f"  (+{others} more)" if others > 0 else ""

    def _show_line(self) -> None:
        handle = self.handle
        if handle is None:
            return
        last = self._last_progress.get(handle)
        if handle.cancel_flag():
            text = f"{handle.description}: cancelling (files being written are finished first)…"
        elif last is None:
            text = f"{handle.description}…"
        else:
            done, total, _message, rate, left = last
            eta = format_duration(None if left < 0 else left)
            text = f"{handle.description}: {done}/{total} · {rate:.1f}/s · {eta} left"
        self.label.setText(text + self._others())

    def cancel(self) -> None:
        if self.handle is not None and not self.handle.is_done:
            self.handle.cancel()
            self.cancel_button.setEnabled(False)
            self._show_line()

    def _on_progress(
        self, handle: JobHandle, done: int, total: int, message: str, rate: float, left: float
    ) -> None:
        self._last_progress[handle] = (done, total, message, rate, left)
        if handle is not self.handle:
            return
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, max(total, 1)))
        self._show_line()

    def _on_end(self, handle: JobHandle, outcome: str) -> None:
        if handle in self.running:
            self.running.remove(handle)
        self._last_progress.pop(handle, None)
        if handle is not self.handle:
            self._show_line()
            return
        if self.running:
            self._show(self.running[0])  # the next oldest still running
            return
        self.handle = None
        self.cancel_button.setEnabled(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if outcome == "done" else 0)
        self.label.setText(f"{handle.description}: {outcome}")
