"""One way to make a restartable single-shot timer (debounce: each ``start()`` pushes it back)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


def single_shot_timer(parent: QObject, interval_ms: int, slot: Callable[[], object]) -> QTimer:
    """A QTimer that calls ``slot`` once, ``interval_ms`` after its last ``start()``.

    A QTimer rather than superqt's ``qdebounced``: callers ask ``isActive()`` (is a change
    still pending?) and ``stop()`` it, which the debounced callable does not offer.
    """
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer
