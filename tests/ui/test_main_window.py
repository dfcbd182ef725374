"""The window: workspaces, recent list, settings kept, drop a folder, screenshots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from bespoke_gui.ui.main_window import MainWindow


def _make_workspace(root: Path, count: int = 3) -> Path:
    data = root / "training_data"
    data.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        art = rng.integers(0, 255, size=(24, 24, 3), dtype=np.uint8)
        Image.fromarray(art).resize((512, 512), Image.NEAREST).save(data / f"img_{i}.png")
        (data / f"img_{i}.txt").write_text("pixel art, 24x24, portrait", encoding="utf-8")
    (root / "training_config.toml").write_text(
        '[training_arguments]\nresolution = "512,512"\n', encoding="utf-8"
    )
    return root


def _window(qtbot, qt_settings) -> MainWindow:
    window = MainWindow(settings=qt_settings)
    window.setProperty("headless", True)
    qtbot.addWidget(window)
    return window


def test_open_workspace_finds_parts_and_remembers_it(qtbot, qt_settings, tmp_path):
    root = _make_workspace(tmp_path / "ws")
    window = _window(qtbot, qt_settings)
    seen = []
    window.context.workspace_changed.connect(seen.append)
    window.open_workspace(root, wait=True)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    workspace = seen[-1]
    assert workspace.images_dir == (root / "training_data").resolve()
    assert workspace.config_path == (root / "training_config.toml").resolve()
    assert window.recent_workspaces()[0] == str(root.resolve())
    assert "ws" in window.windowTitle()


def test_missing_folder_gives_a_message_not_a_crash(qtbot, qt_settings, tmp_path):
    window = _window(qtbot, qt_settings)
    handle = window.open_workspace(tmp_path / "nope")
    with qtbot.waitSignal(handle.failed, timeout=5000) as blocker:
        pass
    assert blocker.args[0].startswith("no such folder: ")
    assert window.context.workspace is None


def test_pointing_at_a_part_is_remembered_for_that_workspace(qtbot, qt_settings, tmp_path):
    root = _make_workspace(tmp_path / "ws")
    other_config = tmp_path / "elsewhere.toml"
    other_config.write_text("[x]\n", encoding="utf-8")
    window = _window(qtbot, qt_settings)
    window.open_workspace(root, wait=True)
    qtbot.waitUntil(lambda: window.context.workspace is not None, timeout=5000)
    window.set_workspace_part("config_path", other_config)
    assert window.context.workspace.config_path == other_config

    again = _window(qtbot, qt_settings)
    again.open_workspace(root, wait=True)
    qtbot.waitUntil(lambda: again.context.workspace is not None, timeout=5000)
    assert again.context.workspace.config_path == other_config


def test_dropping_a_folder_opens_it(qtbot, qt_settings, tmp_path):
    root = _make_workspace(tmp_path / "dropped")
    window = _window(qtbot, qt_settings)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(root))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.show()  # drops reach shown widgets only
    qtbot.waitExposed(window)
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window.tabs, enter)  # as a real drag: enter, then drop
    QApplication.sendEvent(window.tabs, event)  # the window takes a drop on any of its widgets
    qtbot.waitUntil(lambda: window.context.workspace is not None, timeout=5000)
    assert window.context.workspace.root == root.resolve()


def test_window_state_and_recent_list_survive_a_restart(qtbot, qt_settings, tmp_path):
    root = _make_workspace(tmp_path / "ws")
    window = _window(qtbot, qt_settings)
    window.resize(700, 500)  # within the offscreen screen (800x600), which clamps geometry
    window.open_workspace(root, wait=True)
    qtbot.waitUntil(lambda: window.context.workspace is not None, timeout=5000)
    window.close()
    again = _window(qtbot, qt_settings)
    assert again.recent_workspaces() == [str(root.resolve())]
    assert again.size().width() == 700


def test_damaged_settings_are_ignored_not_wiped(qtbot, qt_settings):
    qt_settings.setValue("window/geometry", "not a geometry")
    qt_settings.setValue("recent_workspaces", "/some/where")
    window = _window(qtbot, qt_settings)
    assert window.recent_workspaces() == ["/some/where"]
    assert qt_settings.value("window/geometry") == "not a geometry"


def test_status_bar_follows_the_running_job_and_its_cancel_works(qtbot, qt_settings):
    import time

    window = _window(qtbot, qt_settings)

    def slow(progress, cancelled):
        for i in range(300):
            if cancelled():
                return i
            time.sleep(0.01)
            progress(i + 1, 300, "")
        return 300

    handle = window.runner.start(slow, description="Counting")
    qtbot.waitUntil(lambda: "/300" in window.progress.label.text(), timeout=5000)
    assert not window.progress.isHidden()
    assert "/s" in window.progress.label.text() and "left" in window.progress.label.text()
    window.progress.cancel_button.click()
    qtbot.waitUntil(lambda: handle.is_done, timeout=5000)
    assert handle.was_cancelled and handle.result < 300
    qtbot.waitUntil(lambda: window.progress.isHidden(), timeout=5000)


def test_tabs_are_built_after_the_window_is_up_and_all_follow_the_workspace(qtbot, qt_settings, tmp_path):
    from bespoke_gui.ui.tabs import TAB_SPECS

    window = _window(qtbot, qt_settings)
    assert len(window.tab_widgets) == 1  # only the tab on show is built before the window appears
    qtbot.waitUntil(lambda: len(window.tab_widgets) == len(TAB_SPECS), timeout=10000)
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [title for title, _ in TAB_SPECS]
    root = _make_workspace(tmp_path / "ws")
    window.open_workspace(root, wait=True)
    qtbot.waitUntil(lambda: window.context.workspace is not None, timeout=5000)
    window.runner.wait_idle(30)


def test_the_visible_tab_loads_a_workspace_first_and_a_hidden_tab_when_shown_or_after(
    qtbot, qt_settings, tmp_path
):
    """Four tabs loading at once kept the event loop waiting for Python: the hidden ones wait."""
    root = _make_workspace(tmp_path / "ws")
    window = _window(qtbot, qt_settings)
    window.select_tab("Captions")
    window.ensure_all_tabs()
    captions, config, dataset = (window.tab_widgets[t] for t in ("Captions", "Config", "Dataset"))
    window.open_workspace(root)
    qtbot.waitUntil(lambda: window.context.workspace is not None, timeout=5000)
    # Right after the switch: the visible tab is loading, the hidden ones have not started.
    assert captions.workspace is not None and not captions.has_deferred_workspace()
    assert config.has_deferred_workspace() and config.state.cfg is None
    assert dataset.has_deferred_workspace() and dataset.workspace is None
    # A hidden tab the user turns to loads at once.
    window.select_tab("Config")
    assert not config.has_deferred_workspace()
    assert config.state.cfg is not None and config.state.cfg.path == (root / "training_config.toml").resolve()
    # The others load once the jobs before them are done.
    qtbot.waitUntil(
        lambda: not any(t.has_deferred_workspace() for t in window.tab_widgets.values()), timeout=15000
    )
    assert dataset.workspace is not None and dataset.workspace.root == root.resolve()


def test_a_screenshot_of_a_workspace_that_cannot_open_is_an_error_not_a_picture(qtbot, tmp_path):
    from bespoke_gui.ui.app import render_screenshot

    out = tmp_path / "shot.png"
    with pytest.raises(OSError, match="cannot open the workspace: no such folder"):
        render_screenshot(str(tmp_path / "missing"), "Epochs", out)
    assert not out.exists() and not out.with_suffix(".settings.ini").exists()


def test_a_screenshot_is_written_atomically_and_never_over_a_read_only_file(qtbot, tmp_path):
    from bespoke_gui.ui.app import render_screenshot

    out = tmp_path / "shot.png"
    assert render_screenshot(None, "Captions", out, (400, 300)) == out
    assert out.read_bytes().startswith(b"\x89PNG")
    out.chmod(0o444)
    try:
        before = out.read_bytes()
        with pytest.raises(PermissionError, match="read-only"):
            render_screenshot(None, "Captions", out, (400, 300))
        assert out.read_bytes() == before
    finally:
        out.chmod(0o644)
