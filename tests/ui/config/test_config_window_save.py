"""Quit and workspace switch with unsaved Config edits: Save in the window's question saves them
(the Save button's save: backup first, atomic), or says in one line why it could not."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from bespoke_gui.core.dataset.backup import list_backups
from bespoke_gui.ui.config.tab import ConfigTab
from bespoke_gui.ui.main_window import MainWindow
from tests.ui.test_window_unsaved import make_workspace, settle, show_window_on, the_question

CONFIG = '[training_arguments]\nresolution = "512,512"\n'


def workspace_with_config(root: Path) -> Path:
    make_workspace(root)
    (root / "training_config.toml").write_text(CONFIG, encoding="utf-8")
    return root


def open_config_tab(qtbot, qt_settings, root: Path) -> tuple[MainWindow, ConfigTab]:
    window = show_window_on(qtbot, qt_settings, root, "Config")
    tab = window.ensure_tab("Config")
    assert isinstance(tab, ConfigTab)
    qtbot.waitUntil(lambda: tab.text_edit.toPlainText() == CONFIG, timeout=5000)
    return window, tab


def type_at_the_end(tab: ConfigTab, keys: str) -> None:
    tab.text_edit.setFocus()
    QTest.keyClick(tab.text_edit, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(tab.text_edit, keys)
    assert tab.has_unsaved_changes()


def quit_choosing_save_that_fails(qtbot, window: MainWindow) -> None:
    """Close the window, press Enter (Save) at the question, and wait until the save is over."""
    window.close()
    QTest.keyClick(the_question(qtbot, window), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.unsaved_box is None, timeout=3000)
    settle(window)


def config_backups(root: Path) -> list[Path]:
    return [backup.path for backup in list_backups(root / "backups", kind="config")]


def test_save_on_quit_saves_the_typed_config_edit_with_a_backup(qtbot, qt_settings, tmp_path):
    root = workspace_with_config(tmp_path / "ws")
    window, tab = open_config_tab(qtbot, qt_settings, root)
    type_at_the_end(tab, "max_train_epochs = 12")
    window.close()
    box = the_question(qtbot, window)
    assert "Config" in box.text()
    QTest.keyClick(box, Qt.Key.Key_Return)  # Save is the default
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert (root / "training_config.toml").read_text(encoding="utf-8") == CONFIG + "max_train_epochs = 12"
    backups = config_backups(root)
    assert len(backups) == 1
    assert (backups[0] / "training_config.toml").read_text(encoding="utf-8") == CONFIG


def test_save_on_workspace_switch_saves_the_config_edit_then_switches(qtbot, qt_settings, tmp_path):
    root = workspace_with_config(tmp_path / "ws")
    other = workspace_with_config(tmp_path / "other")
    window, tab = open_config_tab(qtbot, qt_settings, root)
    type_at_the_end(tab, "max_train_epochs = 12")
    window.open_workspace(other)
    box = the_question(qtbot, window)
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.context.workspace.root == other.resolve(), timeout=5000)
    settle(window)
    assert (root / "training_config.toml").read_text(encoding="utf-8") == CONFIG + "max_train_epochs = 12"
    assert tab.state.cfg is not None and tab.state.cfg.path == other.resolve() / "training_config.toml"
    assert not tab.has_unsaved_changes()


def test_save_on_quit_with_invalid_toml_keeps_the_window_and_says_why_in_one_line(
    qtbot, qt_settings, tmp_path
):
    root = workspace_with_config(tmp_path / "ws")
    window, tab = open_config_tab(qtbot, qt_settings, root)
    type_at_the_end(tab, "max_train_epochs = [")
    quit_choosing_save_that_fails(qtbot, window)
    assert window.isVisible() and tab.has_unsaved_changes()
    assert (root / "training_config.toml").read_text(encoding="utf-8") == CONFIG
    assert config_backups(root) == []
    message = window.statusBar().currentMessage()
    assert "\n" not in message
    assert message == (
        "Not saved: Config still has unsaved changes (the TOML has an error on line 3: fix it, then save)"
    )
    assert tab.text_edit.toPlainText() == CONFIG + "max_train_epochs = ["


def test_save_on_quit_never_overwrites_a_config_changed_on_disk(qtbot, qt_settings, tmp_path):
    root = workspace_with_config(tmp_path / "ws")
    window, tab = open_config_tab(qtbot, qt_settings, root)
    type_at_the_end(tab, "max_train_epochs = 12")
    theirs = CONFIG + "# edited in another program\n"
    (root / "training_config.toml").write_text(theirs, encoding="utf-8")
    os.utime(root / "training_config.toml", ns=(1, 1))
    quit_choosing_save_that_fails(qtbot, window)
    assert window.isVisible() and tab.has_unsaved_changes()
    assert (root / "training_config.toml").read_text(encoding="utf-8") == theirs
    message = window.statusBar().currentMessage()
    assert message.startswith("Not saved: Config still has unsaved changes (")
    assert "changed on disk" in message
