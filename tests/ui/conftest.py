"""Fixtures every window test shares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings

from bespoke_gui.ui.bridge import JobRunner
from bespoke_gui.ui.context import AppContext


@pytest.fixture
def context(qtbot, qt_settings: QSettings) -> Iterator[AppContext]:
    """An app context with its own job runner, shut down after the test."""
    runner = JobRunner()
    yield AppContext(runner, qt_settings)
    runner.shutdown()
