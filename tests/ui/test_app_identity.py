"""The window's identity on the desktop: its icon and the .desktop file it belongs to."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from bespoke_gui.ui import app as app_module

ROOT = Path(__file__).resolve().parents[2]


def test_the_application_has_the_bundled_icon_and_desktop_file_name(qapp) -> None:
    # pytest-qt made the QApplication; run the app's own start-up in a fresh process instead.
    code = (
        "from bespoke_gui.ui.app import ensure_application\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "app = ensure_application()\n"
        "icon = app.windowIcon()\n"
        "print(icon.isNull(), icon.availableSizes()[0].width() if icon.availableSizes() else 0,"
        " QGuiApplication.desktopFileName())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "256", "bespoke-gui"]
    assert isinstance(QGuiApplication.desktopFileName(), str)


def test_display_problem_is_none_with_an_explicit_platform(monkeypatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert app_module.display_problem() is None


def test_display_problem_names_the_packages_without_a_display(monkeypatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    problem = app_module.display_problem()
    assert problem and "no display" in problem and "libxcb-keysyms1" in problem


def test_a_display_without_libxcb_cursor_is_named(monkeypatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(app_module.ctypes.util, "find_library", lambda name: None)
    problem = app_module.display_problem()
    assert problem and "libxcb-cursor0" in problem and "\n" not in problem


def test_the_desktop_entry_is_valid() -> None:
    import shutil

    import pytest

    validate = shutil.which("desktop-file-validate")
    if validate is None:
        pytest.skip("desktop-file-validate (desktop-file-utils) is not installed")
    result = subprocess.run(
        [validate, str(ROOT / "packaging" / "bespoke-gui.desktop")], capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
