"""The status-bar job line: fills left to right like a QProgressBar, keeps the long job shown."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QProgressBar, QWidget

from bespoke_gui.ui.bridge import JobRunner
from bespoke_gui.ui.widgets.job_panel import JobPanel, ProgressMeter


def rendered(widget: QWidget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * height)
    return data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3).copy()


def test_the_meter_fills_left_to_right_like_a_progress_bar(qtbot):
    meter, plain = ProgressMeter(), QProgressBar()
    for bar in (meter, plain):
        qtbot.addWidget(bar)
        bar.setRange(0, 100)
        bar.setValue(18)
        bar.setTextVisible(False)
        bar.setFixedSize(260, 24)
        bar.show()
    qtbot.waitExposed(plain)
    ours, theirs = rendered(meter), rendered(plain)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs)
    # And it is a horizontal fill: the left fifth differs from the right half, top row as bottom.
    middle = ours.shape[0] // 2
    assert not np.array_equal(ours[middle, 10], ours[middle, 200])


def test_a_short_job_never_hides_the_long_one(qtbot):
    runner = JobRunner()
    panel = JobPanel()
    qtbot.addWidget(panel)
    runner.job_started.connect(panel.track)
    release = threading.Event()

    def long_job(progress, cancelled):
        progress(3, 2000, "img_3.png")
        release.wait(10)
        return None

    def short_job(progress, cancelled):
        progress(1, 1, "a.txt")
        return None

    long_handle = runner.start(long_job, description="resizing 2000 images")
    qtbot.waitUntil(lambda: "3/2000" in panel.label.text(), timeout=5000)
    short_handle = runner.start(short_job, description="reading a.txt")
    qtbot.waitUntil(lambda: short_handle.is_done, timeout=5000)
    qtbot.wait(50)
    assert panel.handle is long_handle
    assert panel.label.text().startswith("resizing 2000 images: 3/2000")
    # Cancel (clicked) stops the shown, long job; not the short one.
    QTest.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert long_handle.cancel_flag()
    release.set()
    qtbot.waitUntil(lambda: long_handle.is_done, timeout=5000)
    runner.shutdown()
