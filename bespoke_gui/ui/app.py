"""Start-up: QApplication, the qasync event loop, the main window; and offscreen screenshots."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes.util
import logging
import os
import signal
import socket
import sys
import time
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QSettings,
    QSocketNotifier,
    QTimer,
)
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QWidget

from bespoke_gui.core.files import atomic_write_bytes, make_folder
from bespoke_gui.core.resources import ResourceError, resource_path
from bespoke_gui.ui.main_window import MainWindow
from bespoke_gui.ui.tabs import TAB_SPECS

log = logging.getLogger(__name__)
ORGANIZATION = "Bespoke GUI"
APPLICATION = "bespoke-gui"
# The .desktop file's name: on Wayland the window matches its entry and icon by this.
DESKTOP_FILE_NAME = "bespoke-gui"
ICON_RESOURCE = "bespoke-gui.png"
LINUX_WINDOW_PACKAGES = "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"


def display_problem() -> str | None:
    """Why the window cannot open here, in one line (None when it can, as far as we can tell).

    Without this, Qt aborts the process (exit 134) with a misleading "xcb-cursor0 is needed".
    An explicit QT_QPA_PLATFORM (offscreen, xcb, wayland...) is the user's choice: trusted.
    """
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return (
            "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset): run it in a "
            "desktop session, or use a command (bespoke-gui --help); on Linux the window also needs "
            f"the system packages {LINUX_WINDOW_PACKAGES}"
        )
    if not os.environ.get("WAYLAND_DISPLAY") and ctypes.util.find_library("xcb-cursor") is None:
        return (
            f"the window needs the system packages {LINUX_WINDOW_PACKAGES} "
            "(e.g. sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1): libxcb-cursor was not found "
            "(QT_QPA_PLATFORM=xcb tries anyway)"
        )
    return None


def ensure_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName(ORGANIZATION)
        QCoreApplication.setApplicationName(APPLICATION)
        app = QApplication(argv if argv is not None else sys.argv[:1])
        QGuiApplication.setDesktopFileName(DESKTOP_FILE_NAME)
        try:
            app.setWindowIcon(QIcon(str(resource_path(ICON_RESOURCE))))
        except ResourceError as exc:
            log.warning("%s", exc)  # the window still works without its icon
    return app


def run_window(workspace: str | None = None, demo: bool = False) -> int:
    """Open the window and run the qasync event loop until it closes."""
    import qasync

    problem = display_problem()
    if problem:
        sys.stderr.write(f"error: {problem}\n")
        return 1
    app = ensure_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow()
    close_on_quit_signals(window)
    window.show()
    if demo:
        window.open_demo()
    elif workspace:
        window.open_workspace(workspace)
    closed = asyncio.Event()
    # qasync trap: quitting while a coroutine awaits a modal dialog. No dialog here runs
    # inside a coroutine; the window's closeEvent cancels jobs before the loop ends.
    app.aboutToQuit.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
    return 0


def close_on_quit_signals(window: QWidget) -> None:
    """Ctrl+C in the terminal that started the app (SIGINT), and SIGTERM (a logout, ``kill``),
    close the window as its close button does: unsaved edits are asked about first.

    Python runs a signal handler only when it next runs Python code, and Qt's event loop
    can wait in C for minutes: the signal also writes a byte to a socket that Qt watches,
    which wakes the loop. Without this, Ctrl+C printed a KeyboardInterrupt traceback from
    whatever Qt callback ran next, and the window stayed open.
    """
    try:
        handler = _QuitSignals(window)
    except ValueError:  # not the main thread: leave the signals as they are
        return
    for name in ("SIGINT", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            # The signal module keeps the bound method, and so the sockets, alive.
            signal.signal(number, handler.request_close)


class _QuitSignals:
    """A socket pair that wakes Qt's event loop on a signal, and the close it asks for."""

    def __init__(self, window: QWidget) -> None:
        self.window = window
        self.wake_reader, self.wake_writer = socket.socketpair()
        self.wake_reader.setblocking(False)
        self.wake_writer.setblocking(False)
        try:
            signal.set_wakeup_fd(self.wake_writer.fileno(), warn_on_full_buffer=False)
        except ValueError:
            self.wake_reader.close()
            self.wake_writer.close()
            raise
        self.notifier = QSocketNotifier(self.wake_reader.fileno(), QSocketNotifier.Type.Read, window)
        self.notifier.activated.connect(self._drain)

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            while self.wake_reader.recv(64):
                pass

    def request_close(self, _signum: int, _frame: object) -> None:
        QTimer.singleShot(0, self.window.close)


def _wait_until_settled(window: MainWindow, timeout_s: float = 120.0, quiet_s: float = 0.4) -> None:
    """Jobs can start more jobs when they finish; wait until none ran for ``quiet_s``."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        if window.runner.active_jobs:
            window.runner.wait_idle(max(0.1, deadline - time.monotonic()))
            quiet_since = time.monotonic()
        assert app is not None
        app.processEvents()
        if time.monotonic() - quiet_since >= quiet_s:
            return
        time.sleep(0.02)


def render_screenshot(
    workspace: str | None,
    tab: str,
    out: str | Path,
    size: tuple[int, int] = (1400, 900),
    demo: bool = False,
    settings_path: str | None = None,
) -> Path:
    """Render the window with ``tab`` selected to a PNG, offscreen, after its jobs finish."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    ensure_application()
    # Screenshots never touch the user's own settings.
    settings_file = settings_path or str(Path(out).with_suffix(".settings.ini"))
    settings = QSettings(settings_file, QSettings.Format.IniFormat)
    settings.clear()
    window = MainWindow(settings=settings)
    window.setProperty("headless", True)
    window.resize(*size)
    if not window.select_tab(tab):
        known = ", ".join(title for title, _spec in TAB_SPECS) or "none yet"
        raise ValueError(f"no tab named {tab!r} (tabs: {known})")
    window.ensure_all_tabs()
    window.show()
    failures: list[str] = []
    if demo:
        window.open_demo(Path(workspace) if workspace else None)
    elif workspace:
        window.open_workspace(workspace).failed.connect(failures.append)
    _wait_until_settled(window)
    if failures:  # no picture of an empty window for a workspace that did not open
        window.close()
        Path(settings_file).unlink(missing_ok=True)
        raise OSError(f"cannot open the workspace: {failures[0]}")
    out_path = Path(out)
    make_folder(out_path.parent)
    # Encoded in memory, then written atomically like every other file the app writes.
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not window.grab().save(buffer, "PNG"):
        raise OSError(f"could not encode the screenshot for {out_path}")
    buffer.close()
    window.close()
    atomic_write_bytes(out_path, bytes(data.data()))
    Path(settings_file).unlink(missing_ok=True)
    return out_path
