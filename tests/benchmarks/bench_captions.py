"""Captions speed: open a 10,000-caption dataset, lint all of it, and type in a 300-token caption.

Run: python tests/benchmarks/bench_captions.py [--count N]
Targets (issue #4): open and browsable < 2 s, lint all < 2 s, < 16 ms a keystroke.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PIL import Image

from bespoke_gui.core.captions.caption_files import load_caption_dataset
from bespoke_gui.core.captions.dataset_lint import LintInput, lint_dataset
from bespoke_gui.core.captions.lint import LintSettings
from bespoke_gui.core.captions.tokens import count_tokens

PHRASES = [
    "portrait of bespoke punk lad",
    "dark brown hair (#5a3820)",
    "wearing black rectangular sunglasses",
    "light blue eyes",
    "lips",
    "slight smile",
    "medium skin tone (#b27f60)",
    "solid green background",
    "wearing gold chain",
    "grey hoodie",
    "stubble",
    "red baseball cap with white logo",
]


def caption_for(i: int) -> str:
    picked = [PHRASES[(i + k) % len(PHRASES)] for k in range(6 + i % 5)]
    return ", ".join(
        ["pixel art", "24x24"] + picked + [f"detail {i}", "hard color borders", "sharp pixel edges"]
    )


def long_caption() -> str:
    parts = ["pixel art", "24x24"]
    i = 0
    while count_tokens(", ".join(parts)) < 300:
        parts.append(PHRASES[i % len(PHRASES)] + f" variant {i}")
        i += 1
    return ", ".join(parts)


def make_dataset(root: Path, count: int) -> Path:
    folder = root / "training_data"
    folder.mkdir(parents=True)
    tile = np.zeros((24, 24, 3), dtype=np.uint8)
    tile[::2, ::2] = (200, 120, 80)
    png = folder / "template.png"
    Image.fromarray(tile).resize((48, 48), Image.Resampling.NEAREST).save(png)
    data = png.read_bytes()
    png.unlink()
    for i in range(count):
        (folder / f"img_{i:05d}.png").write_bytes(data)
        (folder / f"img_{i:05d}.txt").write_text(caption_for(i), encoding="utf-8")
    (root / "training_config.toml").write_text(
        'train_data_dir = "training_data"\noutput_name = "bench"\nkeep_tokens = 1\nmax_token_length = 225\n',
        encoding="utf-8",
    )
    return folder


def bench_core(folder: Path) -> None:
    start = time.perf_counter()
    entries = load_caption_dataset(folder)
    read_s = time.perf_counter() - start
    items = [LintInput(e.caption_path.name, e.caption.text) for e in entries if e.caption is not None]
    start = time.perf_counter()
    result = lint_dataset(items, LintSettings(keep_tokens=1, max_token_length=225))
    lint_s = time.perf_counter() - start
    print(
        f"core: read {len(entries)} captions {read_s:.3f} s; lint all {lint_s:.3f} s "
        f"({sum(len(v) for v in result.findings.values())} findings)"
    )


def bench_tab(root: Path) -> None:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bespoke_gui.core.workspace import discover
    from bespoke_gui.ui.bridge import JobRunner
    from bespoke_gui.ui.captions.tab import CaptionsTab
    from bespoke_gui.ui.context import AppContext

    app = QApplication.instance() or QApplication(sys.argv)
    runner = JobRunner()
    settings = QSettings(str(root / "settings.ini"), QSettings.Format.IniFormat)
    context = AppContext(runner, settings)
    tab = CaptionsTab(context)
    tab.resize(1400, 900)
    tab.show()
    workspace = discover(root)
    start = time.perf_counter()
    context.set_workspace(workspace)
    while not tab.model.items:
        app.processEvents()
        time.sleep(0.001)
    browsable = time.perf_counter() - start
    runner.wait_idle(120)
    linted = time.perf_counter() - start
    print(
        f"tab: {len(tab.model.items)} captions browsable after {browsable:.3f} s; "
        f"lint markers filled after {linted:.3f} s"
    )

    # Typing in a 300-token caption: each keystroke's highlight, token count, lint and repaint.
    from bespoke_gui.ui.captions.tab import replace_document_text

    target = tab.model.items[0]
    tab.open_item(target)
    replace_document_text(tab.documents[target.caption_path], long_caption())
    tab.editor.setFocus()
    for where in ("at the end", "in the middle"):
        # At the end the cut stays put; in the middle it and every later span move with each key.
        cursor = tab.editor.textCursor()
        cursor.setPosition(
            len(tab.editor.toPlainText()) // 2 if where == "in the middle" else len(tab.editor.toPlainText())
        )
        tab.editor.setTextCursor(cursor)
        app.processEvents()
        times = []
        for ch in "abc, def ghi" * 5:
            t0 = time.perf_counter()
            QTest.keyClick(tab.editor, ch if ch != " " else Qt.Key.Key_Space)
            app.processEvents()  # the analysis runs within the key; this runs the rest and repaints
            times.append((time.perf_counter() - t0) * 1000)
        print(
            f"keystroke {where} of a {count_tokens(target.text)}-token caption: mean {statistics.mean(times):.2f} ms, "
            f"median {statistics.median(times):.2f} ms, max {max(times):.2f} ms"
        )
        # The findings table follows once typing pauses (a timer): its cost, once per pause.
        t0 = time.perf_counter()
        tab.update_findings_panel()
        app.processEvents()
        print(f"  findings table catching up after the pause: {(time.perf_counter() - t0) * 1000:.2f} ms")
    runner.shutdown()
    tab.close()
    tab.deleteLater()
    app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-captions-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        folder = make_dataset(root, args.count)
        print(f"made {args.count} captions + images in {time.perf_counter() - start:.1f} s")
        bench_core(folder)
        bench_tab(root)


if __name__ == "__main__":
    main()
