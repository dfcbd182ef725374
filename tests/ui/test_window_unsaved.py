"""Quit and workspace switch with unsaved edits: Save / Discard / Cancel, Save by Enter, Cancel by Escape."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from bespoke_gui.ui.captions.tab import CaptionsTab
from bespoke_gui.ui.main_window import MainWindow

CAPTION = "pixel art, 24x24, portrait"


def make_workspace(root: Path, count: int = 2) -> Path:
    data = root / "training_data"
    data.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        art = rng.integers(0, 255, size=(24, 24, 3), dtype=np.uint8)
        Image.fromarray(art).resize((96, 96), Image.NEAREST).save(data / f"img_{i}.png")
        (data / f"img_{i}.txt").write_text(CAPTION, encoding="utf-8")
    return root


def settle(window: MainWindow) -> None:
    """Until no job runs, none is about to start, and every tab has loaded the workspace."""
    for _ in range(100):
        window.runner.wait_idle(30)
        deadline = time.monotonic() + 0.08
        while time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.005)
        if not window.runner.active_jobs and not window.hidden_tabs_waiting():
            return
    raise AssertionError("jobs kept starting")


def show_window_on(
    qtbot,
    qt_settings,
    root: Path,
    tab_title: str,
    size: tuple[int, int] = (1200, 800),
    headless: bool = False,
) -> MainWindow:
    """A shown window with ``tab_title`` in front and ``root`` opened, every tab loaded."""
    window = MainWindow(settings=qt_settings)
    qtbot.addWidget(window)
    if headless:
        window.setProperty("headless", True)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.select_tab(tab_title)
    window.open_workspace(root)
    qtbot.waitUntil(lambda: window.context.workspace is not None, timeout=5000)
    settle(window)
    return window


def open_window(qtbot, qt_settings, root: Path) -> tuple[MainWindow, CaptionsTab]:
    window = show_window_on(qtbot, qt_settings, root, "Captions")
    tab = window.ensure_tab("Captions")
    assert isinstance(tab, CaptionsTab)
    qtbot.waitUntil(lambda: tab.current is not None, timeout=5000)
    return window, tab


def type_edit(qtbot, tab: CaptionsTab) -> None:
    tab.editor.setFocus()
    QTest.keyClick(tab.editor, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(tab.editor, ", hat")
    assert tab.has_unsaved_changes()


def the_question(qtbot, window: MainWindow) -> QMessageBox:
    qtbot.waitUntil(lambda: window.unsaved_box is not None and window.unsaved_box.isVisible(), timeout=3000)
    box = window.unsaved_box
    assert box is not None
    return box


def drop_folder(window: MainWindow, target, folder: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    point = QPointF(target.rect().center())
    event = QDropEvent(
        point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    enter = QDragEnterEvent(
        point.toPoint(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, enter)
    QApplication.sendEvent(target, event)


def test_enter_on_quit_saves_every_edit_then_closes(qtbot, qt_settings, tmp_path):
    root = make_workspace(tmp_path / "ws")
    window, tab = open_window(qtbot, qt_settings, root)
    type_edit(qtbot, tab)
    window.close()
    box = the_question(qtbot, window)
    assert window.isVisible()
    labels = {box.standardButton(b) for b in box.buttons()}
    assert labels == {
        QMessageBox.StandardButton.Save,
        QMessageBox.StandardButton.Discard,
        QMessageBox.StandardButton.Cancel,
    }
    QTest.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert (root / "training_data" / "img_0.txt").read_text(encoding="utf-8") == CAPTION + ", hat"


def test_escape_on_quit_keeps_the_window_and_the_edit(qtbot, qt_settings, tmp_path):
    root = make_workspace(tmp_path / "ws")
    window, tab = open_window(qtbot, qt_settings, root)
    type_edit(qtbot, tab)
    window.close()
    QTest.keyClick(the_question(qtbot, window), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.unsaved_box is None, timeout=3000)
    assert window.isVisible()
    assert tab.current is not None and tab.current.text.endswith(", hat")
    assert (root / "training_data" / "img_0.txt").read_text(encoding="utf-8") == CAPTION


def test_discard_on_quit_closes_without_writing(qtbot, qt_settings, tmp_path):
    root = make_workspace(tmp_path / "ws")
    window, tab = open_window(qtbot, qt_settings, root)
    type_edit(qtbot, tab)
    window.close()
    box = the_question(qtbot, window)
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Discard), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert (root / "training_data" / "img_0.txt").read_text(encoding="utf-8") == CAPTION


def test_a_drop_with_an_unsaved_edit_asks_and_cancel_keeps_the_workspace(qtbot, qt_settings, tmp_path):
    root = make_workspace(tmp_path / "ws")
    other = make_workspace(tmp_path / "other")
    window, tab = open_window(qtbot, qt_settings, root)
    type_edit(qtbot, tab)
    drop_folder(window, tab.list.viewport(), other)
    box = the_question(qtbot, window)
    settle(window)
    assert window.context.workspace.root == root.resolve()
    QTest.keyClick(box, Qt.Key.Key_Escape)
    settle(window)
    assert window.context.workspace.root == root.resolve()
    assert tab.current is not None and tab.current.text.endswith(", hat")


def test_a_drop_with_an_unsaved_edit_saves_on_enter_then_switches(qtbot, qt_settings, tmp_path):
    root = make_workspace(tmp_path / "ws")
    other = make_workspace(tmp_path / "other")
    window, tab = open_window(qtbot, qt_settings, root)
    type_edit(qtbot, tab)
    drop_folder(window, tab.list.viewport(), other)
    QTest.keyClick(the_question(qtbot, window), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.context.workspace.root == other.resolve(), timeout=5000)
    assert (root / "training_data" / "img_0.txt").read_text(encoding="utf-8") == CAPTION + ", hat"


def test_discard_on_switch_drops_the_edit_and_switches(qtbot, qt_settings, tmp_path):
    root = make_workspace(tmp_path / "ws")
    other = make_workspace(tmp_path / "other")
    window, tab = open_window(qtbot, qt_settings, root)
    type_edit(qtbot, tab)
    drop_folder(window, tab.list.viewport(), other)
    box = the_question(qtbot, window)
    QTest.mouseClick(
        box.button(QMessageBox.StandardButton.Discard), Qt.MouseButton.LeftButton, pos=QPoint(5, 5)
    )
    qtbot.waitUntil(lambda: window.context.workspace.root == other.resolve(), timeout=5000)
    settle(window)
    assert (root / "training_data" / "img_0.txt").read_text(encoding="utf-8") == CAPTION
    assert not tab.has_unsaved_changes()


def test_tab_moves_focus_out_of_the_caption_editor_and_never_types_a_tab(qtbot, qt_settings, tmp_path):
    root = make_workspace(tmp_path / "ws")
    window, tab = open_window(qtbot, qt_settings, root)
    window.activateWindow()
    tab.list.setFocus()
    for _ in range(6):
        QTest.keyClick(QApplication.focusWidget() or tab.list, Qt.Key.Key_Tab)
    assert "\t" not in tab.editor.toPlainText()
    tab.editor.setFocus()
    QTest.keyClick(tab.editor, Qt.Key.Key_Tab)
    assert not tab.editor.hasFocus()
    tab.editor.setFocus()
    QTest.keyClick(tab.editor, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert not tab.editor.hasFocus()
    assert not tab.has_unsaved_changes()
    assert "\t" not in (root / "training_data" / "img_0.txt").read_text(encoding="utf-8")


def drag_and_drop(target, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    point = target.rect().center()
    for event in (
        QDragEnterEvent(
            point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        ),
        QDropEvent(
            QPointF(point),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        ),
    ):
        QApplication.sendEvent(target, event)


def test_a_folder_dropped_on_the_caption_editor_opens_it_and_types_nothing(qtbot, qt_settings, tmp_path):
    root = make_workspace(tmp_path / "ws")
    other = make_workspace(tmp_path / "other")
    window, tab = open_window(qtbot, qt_settings, root)
    drag_and_drop(tab.editor.viewport(), [other])
    assert "file://" not in tab.editor.toPlainText()
    assert not tab.has_unsaved_changes()
    qtbot.waitUntil(lambda: window.context.workspace.root == other.resolve(), timeout=5000)


def test_a_file_dropped_on_the_config_text_is_not_pasted_and_says_why(qtbot, qt_settings, tmp_path):
    root = make_workspace(tmp_path / "ws")
    (root / "training_config.toml").write_text(
        '[training_arguments]\nresolution = "512,512"\n', encoding="utf-8"
    )
    window, _tab = open_window(qtbot, qt_settings, root)
    window.select_tab("Config")
    config = window.ensure_tab("Config")
    settle(window)
    text_edit = config.text_edit  # type: ignore[attr-defined]
    before = text_edit.toPlainText()
    stray = tmp_path / "notes.txt"
    stray.write_text("x", encoding="utf-8")
    drag_and_drop(text_edit.viewport(), [stray])
    assert text_edit.toPlainText() == before
    assert "notes.txt not used" in window.statusBar().currentMessage()
    other_toml = tmp_path / "other.toml"
    other_toml.write_text("[x]\n", encoding="utf-8")
    drag_and_drop(text_edit.viewport(), [other_toml])
    assert text_edit.toPlainText() == before or "[x]" in text_edit.toPlainText()
    qtbot.waitUntil(lambda: window.context.workspace.config_path == other_toml, timeout=5000)


def test_the_temporary_demo_never_enters_open_recent(qtbot, qt_settings, tmp_path):
    real = make_workspace(tmp_path / "ws")
    window, _tab = open_window(qtbot, qt_settings, real)
    window.open_demo()
    qtbot.waitUntil(
        lambda: (
            window.context.workspace is not None
            and window.context.workspace.root.name.startswith("bespoke-demo-")
        ),
        timeout=30000,
    )
    settle(window)
    demo_root = window.context.workspace.root
    try:
        assert window.recent_workspaces() == [str(real.resolve())]
        window.menuBar().setFocus()
        texts = [action.text() for action in window.recent_menu.actions()]
        assert texts == [str(real.resolve())]
    finally:
        import shutil

        shutil.rmtree(demo_root, ignore_errors=True)


def test_the_training_images_dropped_on_epochs_are_refused_in_one_line(qtbot, qt_settings, tmp_path):
    root = make_workspace(tmp_path / "ws")
    window, _tab = open_window(qtbot, qt_settings, root)
    window.select_tab("Epochs")
    epochs = window.ensure_tab("Epochs")
    settle(window)
    before = len(epochs.state.result.images)  # type: ignore[attr-defined]
    drag_and_drop(epochs.grid.viewport(), [root / "training_data"])  # type: ignore[attr-defined]
    settle(window)
    assert len(epochs.state.result.images) == before  # type: ignore[attr-defined]
    lines = [m for m in epochs.state.messages if "no epoch or step" in m]  # type: ignore[attr-defined]
    assert len(lines) == 1 and "training_data" in lines[0]
