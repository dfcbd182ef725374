"""How fast the Epochs grid paints an 8-epoch x 7-prompt run once it is analysed.

Target (issue 3): within 300 ms. Writes 56 diffusion-like 512px samples (24x24 art,
nearest-neighbour upscale, blur and noise) to a temporary folder, analyses them with
the tab's own job, then times, offscreen:

- handing the result to the grid and painting it the first time (``set_data`` + ``grab``)
- repainting (``grab``) with the heatmap, with the pixel grid, zoomed in
- the whole tab taking a finished load (grid, table, chart, marks) and painting

Run: python tests/benchmarks/bench_epochs_paint.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PIL import Image, ImageFilter

EPOCHS = 8
PROMPTS = 7
REPEATS = 15


def write_samples(folder: Path) -> Path:
    rng = np.random.default_rng(7)
    sample = folder / "run_512" / "sample"
    sample.mkdir(parents=True)
    palettes = [rng.integers(0, 255, size=(10, 3)) for _ in range(PROMPTS)]
    for prompt in range(PROMPTS):
        base = palettes[prompt][rng.integers(0, 10, size=(24, 24))].astype(np.uint8)
        for epoch in range(1, EPOCHS + 1):
            art = base.copy()
            wrong = rng.integers(0, 24, size=(max(1, 10 - epoch), 2))
            art[wrong[:, 1], wrong[:, 0]] = rng.integers(0, 255, size=(len(wrong), 3))
            image = Image.fromarray(art).resize((512, 512), Image.Resampling.NEAREST)
            image = image.filter(ImageFilter.GaussianBlur(1.2))
            noisy = np.asarray(image).astype(np.int16) + rng.integers(-6, 7, size=(512, 512, 3))
            Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(
                sample / f"bench_e{epoch:06d}_{prompt:02d}_20240101120000.png"
            )
    return sample


def timed(fn, repeats: int = REPEATS) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main() -> int:
    from PySide6.QtCore import QPointF, QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from bespoke_gui.core.epochs.analysis import AnalysisSettings
    from bespoke_gui.core.epochs.jobs import load_roots
    from bespoke_gui.core.jobs import CancelFlag
    from bespoke_gui.ui.bridge import JobRunner
    from bespoke_gui.ui.context import AppContext
    from bespoke_gui.ui.epochs.grid import EpochGridWidget
    from bespoke_gui.ui.epochs.tab import EpochsTab

    with tempfile.TemporaryDirectory() as tmp:
        sample = write_samples(Path(tmp))
        started = time.perf_counter()
        state = load_roots([sample], AnalysisSettings(), progress=lambda *a: None, cancelled=CancelFlag())
        analysed = time.perf_counter() - started
        print(
            f"analysed {len(state.result.images)} samples in {analysed * 1000:.0f} ms (decode + recovery + metrics)"
        )
        grid_data = state.grid
        print(f"grid: {len(grid_data.columns)} columns x {len(grid_data.rows)} rows")

        grid = EpochGridWidget()
        grid.set_pixel_size(5)
        grid.set_data(grid_data)
        size = grid.content_size()
        grid.resize(size.width() + 4, size.height() + 4)
        grid.show()
        app.processEvents()

        started = time.perf_counter()
        grid.set_data(grid_data)
        grid.grab()
        first = (time.perf_counter() - started) * 1000
        print(f"window {grid.width()}x{grid.height()} px, cells {grid.cell_side()} px")
        print(f"set_data + first paint: {first:.1f} ms")

        def report(label: str) -> None:
            median, worst = timed(lambda: grid.grab())
            print(f"{label:<38} median {median:6.1f} ms   worst {worst:6.1f} ms")

        grid.set_heatmap_visible(False)
        report("paint, art only")
        grid.set_heatmap_visible(True)
        report("paint, heatmap")
        grid.set_grid_visible(True)
        report("paint, heatmap + pixel grid")
        grid.set_zoom(4.0, QPointF(12, 12))
        report("paint, heatmap + grid, zoom 4x")
        grid.set_zoom(1.0)
        grid.set_pixel_size(12)
        size = grid.content_size()
        grid.resize(size.width() + 4, size.height() + 4)
        report(f"paint, heatmap + grid, {grid.width()}x{grid.height()}")

        settings = QSettings(str(Path(tmp) / "bench.ini"), QSettings.Format.IniFormat)
        runner = JobRunner()
        context = AppContext(runner, settings)
        tab = EpochsTab(context)
        tab.resize(1400, 900)
        tab.show()
        app.processEvents()
        started = time.perf_counter()
        tab._load_finished(state)
        tab.grab()
        whole = (time.perf_counter() - started) * 1000
        print(f"tab: take a finished load + paint everything: {whole:.1f} ms")
        median, worst = timed(lambda: tab.grab())
        print(f"tab: repaint: median {median:.1f} ms, worst {worst:.1f} ms")
        runner.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
