"""How long until the window is up, measured from process launch (target: under 1.5 s).

Runs the real start-up path in a child process (imports, QApplication, MainWindow with
every tab, show) and reports the wall time the parent saw until the window was shown.
Run: python tests/benchmarks/bench_startup.py [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import os, sys
from bespoke_gui.ui.app import ensure_application
from bespoke_gui.ui.main_window import MainWindow
from PySide6.QtCore import QSettings
app = ensure_application()
window = MainWindow(settings=QSettings(sys.argv[1], QSettings.Format.IniFormat))
window.show()
app.processEvents()
print("shown", flush=True)
"""


def one_run(settings_file: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, settings_file], stdout=subprocess.PIPE, env=env, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.wait()
    if line.strip() != "shown":
        raise RuntimeError("the child did not show the window")
    return elapsed


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        times = [one_run(os.path.join(tmp, "settings.ini")) for _ in range(runs)]
    print(
        f"window shown after launch: median {statistics.median(times):.2f} s, "
        f"min {min(times):.2f} s, max {max(times):.2f} s over {runs} runs (target < 1.5 s)"
    )


if __name__ == "__main__":
    main()
