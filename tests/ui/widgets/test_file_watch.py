"""FileWatch keeps watching a file through atomic replaces (ours and an editor's)."""

from __future__ import annotations

import os
from pathlib import Path

from bespoke_gui.ui.widgets.file_watch import FileWatch


def _replace_atomically(path: Path, text: str) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def test_every_atomic_replace_is_noticed(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("a = 1\n", encoding="utf-8")
    watch = FileWatch()
    watch.watch(path)
    assert watch.watched() == [str(path)]
    for value in (2, 3, 4):
        with qtbot.waitSignal(watch.changed, timeout=5000):
            _replace_atomically(path, f"a = {value}\n")
        qtbot.waitUntil(lambda: watch.watched() == [str(path)], timeout=5000)


def test_a_wanted_path_is_armed_once_it_exists_and_unwatch_forgets_it(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "caption.txt"
    watch = FileWatch()
    watch.watch(tmp_path)
    watch.watch(path)
    assert watch.watched() == [str(tmp_path)]
    with qtbot.waitSignal(watch.changed, timeout=5000):
        path.write_text("pixel art", encoding="utf-8")
    qtbot.waitUntil(lambda: str(path) in watch.watched(), timeout=5000)
    watch.unwatch(path)
    assert watch.watched() == [str(tmp_path)]
    watch.clear()
    assert watch.watched() == []
