"""Shared test set-up. Qt runs offscreen: the tests need no screen and no input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before any Qt import: tests never open a real window.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

REALDATA = (Path(__file__).resolve().parents[1].parent / "shared" / "realdata").resolve()


@pytest.fixture
def realdata() -> Path:
    """The shared real data beside the repo; absent on a user's machine, so tests skip."""
    if not REALDATA.is_dir():
        pytest.skip("realdata absent (../shared/realdata is only beside the repo in development and CI)")
    return REALDATA


@pytest.fixture
def qt_settings(tmp_path: Path):
    """An isolated QSettings file so tests never read or write the user's preferences."""
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    yield settings
    settings.sync()
