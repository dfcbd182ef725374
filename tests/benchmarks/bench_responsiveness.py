"""Does the window stay responsive while every tab loads a workspace? (target: no stall > 100 ms)

Opens the window offscreen on a workspace (a fresh demo by default, or the folder given),
ticks a 10 ms timer on the GUI thread, and reports the longest gap between ticks while
the tabs scan, lint, check and analyse in the background: any gap is time the event
loop was blocked by work on the GUI thread.
Run: python tests/benchmarks/bench_responsiveness.py [WORKSPACE]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, QTimer

from bespoke_gui.core.demo.demo_workspace import write_demo_workspace
from bespoke_gui.ui.app import ensure_application
from bespoke_gui.ui.main_window import MainWindow


def measure(workspace: Path, tab: str) -> tuple[float, float, float, int]:
    app = ensure_application()
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(settings=QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        window.setProperty("headless", True)
        window.select_tab(tab)
        window.show()
        # Tabs build one per event-loop turn after the window is up; measure the loading of a
        # workspace, not that start-up.
        window.ensure_all_tabs()
        app.processEvents()
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        start = time.perf_counter()
        window.open_workspace(workspace)
        # Let the first job start, then wait for every job (and the jobs they start).
        deadline = time.monotonic() + 300
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            app.processEvents()
            if window.runner.active_jobs:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 1.0:
                break
            time.sleep(0.002)
        elapsed = time.perf_counter() - start
        timer.stop()
        window.close()
    gaps = sorted(b - a for a, b in zip(ticks, ticks[1:]))
    p99 = gaps[int(len(gaps) * 0.99)] if gaps else 0.0
    return (gaps[-1] if gaps else 0.0), p99, elapsed, len(ticks)


def main() -> None:
    if len(sys.argv) > 1:
        workspace = Path(sys.argv[1])
    else:
        workspace = Path(tempfile.mkdtemp(prefix="bench-resp-")) / "demo"
        write_demo_workspace(workspace)
    for tab in ("Captions", "Dataset", "Config", "Epochs"):
        worst, p99, elapsed, n = measure(workspace, tab)
        print(
            f"{tab:9s} visible: longest event-loop stall {worst * 1000:6.1f} ms, p99 {p99 * 1000:5.1f} ms "
            f"over {elapsed:5.1f} s of loading ({n} ticks; target: no stall > 100 ms)"
        )


if __name__ == "__main__":
    main()
