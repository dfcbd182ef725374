"""Scanning 10,000 images: time until the table shows, and until every detail is filled.

    python tests/benchmarks/bench_scan.py [--count 10000] [--no-gui]

The folder holds 10,000 512 px PNGs (copies of 50 distinct nearest-neighbour upscales
of 24x24 art, so writing them is quick) with captions. Measured:

* core: ``quick_scan`` (directory listing and a header read per image);
* GUI: the Dataset tab offscreen, from ``set_workspace`` until the model has every row,
  then until the details job (colours and exact grids; worker processes from 400
  images on) has filled them,
  with the longest event-loop stall seen meanwhile (a 10 ms timer's longest gap).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from bespoke_gui.core.dataset.scan import quick_scan

DISTINCT = 50


def write_folder(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    blobs = []
    for seed in range(DISTINCT):
        rng = np.random.default_rng(seed)
        palette = rng.integers(0, 256, size=(12, 3), dtype=np.uint8)
        art = palette[rng.integers(0, 12, size=(24, 24))]
        path = folder / "seed.png"
        Image.fromarray(art).resize((512, 512), Image.Resampling.NEAREST).save(path)
        blobs.append(path.read_bytes())
    (folder / "seed.png").unlink()
    for i in range(count):
        (folder / f"img_{i:05d}.png").write_bytes(blobs[i % DISTINCT])
        (folder / f"img_{i:05d}.txt").write_text(f"pixel art portrait {i}")


def bench_core(folder: Path, count: int) -> None:
    started = time.perf_counter()
    result = quick_scan(folder)
    elapsed = time.perf_counter() - started
    assert len(result.rows) == count
    print(f"core quick_scan (listing + headers): {elapsed:6.2f} s for {count} images")


def bench_gui(folder: Path, count: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from bespoke_gui.core.workspace import discover
    from bespoke_gui.ui.bridge import JobRunner
    from bespoke_gui.ui.context import AppContext
    from bespoke_gui.ui.dataset.tab import DatasetTab

    app = QApplication.instance() or QApplication([])
    settings = QSettings(str(folder.parent / "settings.ini"), QSettings.Format.IniFormat)
    context = AppContext(JobRunner(), settings)
    tab = DatasetTab(context)
    tab.resize(1200, 800)
    tab.show()
    workspace = discover(folder)
    gaps = {"last": time.perf_counter(), "max": 0.0}

    def tick() -> None:
        now = time.perf_counter()
        gaps["max"] = max(gaps["max"], now - gaps["last"])
        gaps["last"] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    started = time.perf_counter()
    gaps["last"] = started
    context.set_workspace(workspace)
    while tab.model.rowCount() < count:
        app.processEvents()
        time.sleep(0.001)
    table_s = time.perf_counter() - started
    print(
        f"GUI table shown (rows in the model):  {table_s:6.2f} s for {count} images "
        f"(longest event-loop stall meanwhile: {gaps['max'] * 1000:.0f} ms)"
    )
    gaps["max"] = 0.0
    gaps["last"] = time.perf_counter()
    context.runner.wait_idle(3600)
    details_s = time.perf_counter() - started
    filled = sum(row.details_done for row in tab.model.rows())
    print(
        f"GUI details filled (colours, grids): {details_s:6.2f} s ({filled} rows; "
        f"{filled / max(details_s - table_s, 1e-9):.0f} images/s on {os.cpu_count()} cores)"
    )
    print(f"longest event-loop stall while filling: {gaps['max'] * 1000:.0f} ms")
    context.runner.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--no-gui", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_scan_"))
    try:
        folder = tmp / "training_data"
        started = time.perf_counter()
        write_folder(folder, args.count)
        print(f"wrote {args.count} images + captions in {time.perf_counter() - started:.1f} s")
        bench_core(folder, args.count)
        if not args.no_gui:
            bench_gui(folder, args.count)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
