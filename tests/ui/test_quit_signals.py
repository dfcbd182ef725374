"""Ctrl+C in the terminal (SIGINT) and SIGTERM close the window the way its close button does."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The real start-up (run_window), reporting once its event loop runs: then the app is idle
# in Qt's C++ loop, where a signal alone never reaches Python.
_APP = """
from PySide6.QtCore import QTimer
from bespoke_gui.ui import app
from bespoke_gui.ui.main_window import MainWindow

show = MainWindow.show

def show_then_report(window):
    show(window)
    QTimer.singleShot(300, lambda: print("ready", flush=True))

MainWindow.show = show_then_report
raise SystemExit(app.run_window())
"""


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_quit_signal_closes_the_idle_window_without_a_traceback(tmp_path: Path, signum: int) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-c", _APP], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready and proc.stdout.readline().strip() == "ready", errors.read_text()
        time.sleep(0.5)  # the loop is idle in C++ now
        proc.send_signal(signum)
        assert proc.wait(timeout=15) == 0, errors.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = errors.read_text()
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
