"""The Config tab: tree editing with undo, lying comments, text edits, save with backup,
files changed on disk, presets, the diff view and the checks panel."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QSpinBox, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from bespoke_gui.core.config.presets import list_presets
from bespoke_gui.core.workspace import discover
from bespoke_gui.ui.bridge import JobRunner
from bespoke_gui.ui.config.model import COL_VALUE, ConfigValueDelegate
from bespoke_gui.ui.config.tab import ConfigTab
from bespoke_gui.ui.context import AppContext

REAL_CONFIGS = Path(__file__).resolve().parents[3].parent / "shared" / "realdata" / "configs"

CONFIG = """\
# my run
[general]
enable_bucket = true
bucket_resolution = 512
max_bucket_reso = 1024

[training_arguments]
output_name = 'lad'
resolution = "512,512"
max_train_epochs = 9              # CHANGED: 10 → 9 (Epoch 10 regressed)
learning_rate = 1e-4          # KEEP - stable
caption_extension = ".txt"
train_data_dir = "training_data"
"""


def make_workspace(root: Path, config: str = CONFIG) -> Path:
    images = root / "training_data"
    images.mkdir(parents=True)
    for index in range(2):
        Image.new("RGB", (512, 512), (index * 90, 20, 20)).save(images / f"img_{index}.png")
        (images / f"img_{index}.txt").write_text(f"pixel art, portrait {index}", encoding="utf-8")
    (root / "training_config.toml").write_text(config, encoding="utf-8")
    return root


@pytest.fixture
def runner():
    runner = JobRunner()
    yield runner
    runner.shutdown()


@pytest.fixture
def tab(qtbot, qt_settings, runner, tmp_path: Path) -> ConfigTab:
    context = AppContext(runner, qt_settings)
    context.set_workspace(discover(make_workspace(tmp_path / "ws")))
    widget = ConfigTab(context)
    qtbot.addWidget(widget)
    runner.wait_idle(10)
    return widget


def value_index(tab: ConfigTab, key: str):
    return tab.model.index_for_key(key, COL_VALUE)


def config_path(tab: ConfigTab) -> Path:
    assert tab.state.cfg is not None and tab.state.cfg.path is not None
    return tab.state.cfg.path


# ---------------------------------------------------------------- opening


def test_opens_the_workspace_config_automatically(tab: ConfigTab) -> None:
    assert config_path(tab).name == "training_config.toml"
    assert tab.text_edit.toPlainText() == CONFIG
    assert {"general", "training_arguments", "training_arguments.resolution"} <= set(tab.model.keys())
    assert not tab.has_unsaved_changes()


def test_follows_workspace_changes(qtbot, qt_settings, runner, tmp_path: Path) -> None:
    context = AppContext(runner, qt_settings)
    widget = ConfigTab(context)
    qtbot.addWidget(widget)
    assert widget.state.cfg is None
    context.set_workspace(discover(make_workspace(tmp_path / "ws2", CONFIG.replace("lad", "other"))))
    assert "other" in widget.text_edit.toPlainText()


def test_invalid_toml_is_shown_with_its_line_and_can_be_fixed(qtbot, tab: ConfigTab, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[t]\nx = 1\ny = \n", encoding="utf-8")
    assert tab.open_file(bad)
    assert tab.state.parse_error is not None and tab.state.parse_error.line == 3
    assert tab.error_label.isVisibleTo(tab) and "line 3" in tab.error_label.text()
    assert tab.model.rowCount() == 0 and not tab.toolbar.save_button.isEnabled()
    tab.text_edit.setPlainText("[t]\nx = 1\ny = 2\n")
    tab.commit_text()
    assert tab.state.parse_error is None and "t.y" in tab.model.keys()
    assert tab.has_unsaved_changes()


def test_an_invalid_toml_just_opened_is_not_called_unsaved_once_the_text_settles(
    qtbot, tab: ConfigTab, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[t]\nx = 1\nx = 2\n[broken\n", encoding="utf-8")
    assert tab.open_file(bad)
    qtbot.waitUntil(lambda: not tab.reparse_timer.isActive(), timeout=3000)
    qtbot.wait(50)
    assert not tab.has_unsaved_changes()
    assert "unsaved" not in tab.toolbar.file_label.text()


def test_non_utf8_file_is_refused_with_a_message(tab: ConfigTab, tmp_path: Path) -> None:
    bad = tmp_path / "latin.toml"
    bad.write_bytes('a = "caf\xe9"\n'.encode("latin-1"))
    assert not tab.open_file(bad)
    assert "not UTF-8" in tab.error_label.text()
    assert config_path(tab).name == "training_config.toml"  # the open config stays


# ---------------------------------------------------------------- editing and undo


def test_tree_edit_changes_one_line_and_undo_restores_the_exact_text(tab: ConfigTab) -> None:
    assert tab.model.setData(value_index(tab, "training_arguments.resolution"), "256,256")
    text = tab.text_edit.toPlainText()
    assert text == CONFIG.replace('"512,512"', '"256,256"')
    assert tab.has_unsaved_changes()
    tab.undo_stack.undo()
    assert tab.text_edit.toPlainText() == CONFIG and tab.state.cfg.text() == CONFIG
    tab.undo_stack.redo()
    assert tab.text_edit.toPlainText() == text


def test_single_quoted_string_keeps_its_quotes(tab: ConfigTab) -> None:
    tab.model.setData(value_index(tab, "training_arguments.output_name"), "lady")
    assert "output_name = 'lady'\n" in tab.text_edit.toPlainText()


def test_boolean_is_a_check_box(tab: ConfigTab) -> None:
    index = value_index(tab, "general.enable_bucket")
    assert tab.model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    tab.model.setData(index, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert "enable_bucket = false\n" in tab.text_edit.toPlainText()


def test_editors_by_type_keep_spelling(tab: ConfigTab) -> None:
    delegate = ConfigValueDelegate()
    option = QStyleOptionViewItem()
    epochs = delegate.createEditor(tab, option, value_index(tab, "training_arguments.max_train_epochs"))
    assert isinstance(epochs, QSpinBox)
    delegate.setEditorData(epochs, value_index(tab, "training_arguments.max_train_epochs"))
    assert epochs.value() == 9
    lr_index = value_index(tab, "training_arguments.learning_rate")
    lr = delegate.createEditor(tab, option, lr_index)
    assert isinstance(lr, QLineEdit)
    delegate.setEditorData(lr, lr_index)
    assert lr.text() == "1e-4"
    lr.setText("5e-5")
    delegate.setModelData(lr, tab.model, lr_index)
    assert "learning_rate = 5e-5          # KEEP - stable" in tab.text_edit.toPlainText()


def test_a_bad_value_is_refused_and_nothing_changes(tab: ConfigTab) -> None:
    assert not tab.set_value("training_arguments.max_train_epochs", "eight")
    assert tab.text_edit.toPlainText() == CONFIG and tab.undo_stack.count() == 0
    assert "quotes" in tab.error_label.text()


# ---------------------------------------------------------------- lying comments


def test_lying_comment_is_pointed_out_and_can_be_updated(tab: ConfigTab) -> None:
    tab.set_value("training_arguments.max_train_epochs", "8")
    assert tab.lie_banner.isVisibleTo(tab)
    assert "line 10" in tab.lie_banner.message.text()
    assert tab.lie_banner.suggestion.text() == "# CHANGED: 9 → 8 (Epoch 10 regressed)"
    tab.lie_banner.update_button.click()
    assert (
        "max_train_epochs = 8              # CHANGED: 9 → 8 (Epoch 10 regressed)\n"
        in tab.text_edit.toPlainText()
    )
    assert not tab.lie_banner.isVisibleTo(tab)
    tab.undo_stack.undo()  # the comment fix is its own undo step
    assert "max_train_epochs = 8              # CHANGED: 10 → 9" in tab.text_edit.toPlainText()


def test_lying_comment_can_be_dropped_or_kept(tab: ConfigTab) -> None:
    tab.set_value("training_arguments.learning_rate", "2e-4")
    assert "KEEP" in tab.lie_banner.message.text()
    tab.lie_banner.drop_button.click()
    assert "learning_rate = 2e-4\n" in tab.text_edit.toPlainText()
    tab.set_value("training_arguments.max_train_epochs", "7")
    tab.lie_banner.keep_button.click()
    assert "# CHANGED: 10 → 9 (Epoch 10 regressed)" in tab.text_edit.toPlainText()


# ---------------------------------------------------------------- the text view


def test_typing_in_the_text_is_reparsed_and_undoable(tab: ConfigTab) -> None:
    tab.text_edit.setPlainText(CONFIG.replace("max_bucket_reso = 1024", "max_bucket_reso = 768"))
    tab.commit_text()
    assert tab.model.entry(value_index(tab, "general.max_bucket_reso")).value == 768
    tab.text_edit.setPlainText(CONFIG + "broken = \n")
    tab.commit_text()
    assert tab.state.parse_error is not None and tab.highlighter.error_line == 14
    assert tab.save() is None  # saving waits until the TOML is fixed
    tab.text_edit.setPlainText(CONFIG.replace("max_bucket_reso = 1024", "max_bucket_reso = 768"))
    tab.commit_text()
    assert tab.state.parse_error is None
    tab.undo_stack.undo()
    assert tab.text_edit.toPlainText() == CONFIG


def test_selecting_a_key_highlights_its_line(tab: ConfigTab) -> None:
    assert tab.select_key("training_arguments.resolution")
    assert tab.text_edit.textCursor().blockNumber() == 8
    assert tab.selected_key() == "training_arguments.resolution"
    # An edit elsewhere keeps the selection.
    tab.set_value("general.max_bucket_reso", "512")
    assert tab.selected_key() == "training_arguments.resolution"


# ---------------------------------------------------------------- saving


def test_save_backs_up_then_writes_only_the_edited_line(qtbot, tab: ConfigTab, runner: JobRunner) -> None:
    path = config_path(tab)
    tab.set_value("training_arguments.resolution", '"256,256"')
    tab.save()
    runner.wait_idle(10)
    assert tab.state.last_save is not None and tab.state.last_save.backup is not None
    backup_copy = tab.state.last_save.backup.path / "training_config.toml"
    assert backup_copy.read_text(encoding="utf-8") == CONFIG
    assert tab.state.last_save.backup.path.parent == path.parent / "backups"
    assert path.read_text(encoding="utf-8") == CONFIG.replace('"512,512"', '"256,256"')
    assert not tab.has_unsaved_changes()
    # Our own write is not mistaken for an outside change.
    qtbot.wait(200)
    assert not tab.disk_banner.isVisibleTo(tab)


def test_file_changed_on_disk_is_not_overwritten_silently(qtbot, tab: ConfigTab, runner: JobRunner) -> None:
    path = config_path(tab)
    tab.set_value("training_arguments.resolution", '"256,256"')
    outside = CONFIG + "seed = 42\n"
    path.write_text(outside, encoding="utf-8")
    qtbot.waitUntil(lambda: tab.disk_banner.isVisibleTo(tab), timeout=5000)
    assert "changed on disk" in tab.disk_banner.message.text()
    tab.save()
    runner.wait_idle(10)
    assert path.read_text(encoding="utf-8") == outside
    assert tab.disk_banner.isVisibleTo(tab) and "Not saved" in tab.disk_banner.message.text()
    tab.disk_banner.overwrite_button.click()
    runner.wait_idle(10)
    assert 'resolution = "256,256"' in path.read_text(encoding="utf-8")
    assert (tab.state.last_save.backup.path / "training_config.toml").read_text(encoding="utf-8") == outside


def test_outside_change_without_edits_reloads(qtbot, tab: ConfigTab) -> None:
    path = config_path(tab)
    path.write_text(CONFIG.replace("lad", "reloaded"), encoding="utf-8")
    qtbot.waitUntil(lambda: "reloaded" in tab.text_edit.toPlainText(), timeout=5000)
    assert not tab.has_unsaved_changes()


def test_read_only_file_is_not_saved(tab: ConfigTab, runner: JobRunner) -> None:
    path = config_path(tab)
    tab.set_value("training_arguments.max_train_epochs", "8")
    os.chmod(path, stat.S_IRUSR)
    try:
        tab.save()
        runner.wait_idle(10)
        assert "read-only" in tab.error_label.text()
        assert path.read_text(encoding="utf-8") == CONFIG
        assert tab.has_unsaved_changes()
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


# ---------------------------------------------------------------- presets


def test_preset_shows_a_diff_before_applying(tab: ConfigTab) -> None:
    preset = next(p for p in list_presets() if p.path.stem == "train_at_256px")
    dialog = tab.preview_preset(preset)
    assert dialog is not None and dialog.isVisible()
    keys = {c.key for c in dialog.diff.model.changes}
    assert keys == {
        "general.bucket_resolution",
        "general.max_bucket_reso",
        "training_arguments.resolution",
        "training_arguments.max_train_epochs",
    }
    assert tab.text_edit.toPlainText() == CONFIG  # nothing applied yet
    dialog.accept()
    text = tab.text_edit.toPlainText()
    assert (
        'resolution = "256,256"' in text
        and "max_bucket_reso = 512" in text
        and "max_train_epochs = 8 " in text
    )
    assert tab.lie_banner.isVisibleTo(tab)  # the CHANGED: 10 → 9 comment now lies
    tab.undo_stack.undo()
    assert tab.text_edit.toPlainText() == CONFIG


def test_preset_cancelled_changes_nothing(tab: ConfigTab) -> None:
    dialog = tab.preview_preset(list_presets()[0])
    dialog.reject()
    assert tab.text_edit.toPlainText() == CONFIG and tab.undo_stack.count() == 0


def test_save_current_as_user_preset(tab: ConfigTab, tmp_path: Path) -> None:
    path = tab.save_as_preset("My 512 run", folder=tmp_path / "presets")
    assert path == tmp_path / "presets" / "my_512_run.toml"
    assert path.read_text(encoding="utf-8") == CONFIG


def test_preset_name_is_asked_without_a_nested_event_loop(
    tab: ConfigTab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    monkeypatch.setenv("BESPOKE_GUI_PRESETS_DIR", str(tmp_path / "mine"))
    tab._ask_preset_name()  # returns at once: the question is open(), not exec()
    dialog = tab.file_dialog
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    editor = dialog.findChild(QLineEdit)
    QTest.keyClicks(editor, "Night run")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert (tmp_path / "mine" / "night_run.toml").read_text(encoding="utf-8") == CONFIG


# ---------------------------------------------------------------- diff


def test_diff_with_another_config(tab: ConfigTab, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(
        CONFIG.replace('"512,512"', "512").replace("max_train_epochs = 9", "max_train_epochs = 8")
        + "[extra]\nmax_bucket_reso = 2048\n",
        encoding="utf-8",
    )
    assert tab.compare_with(other)
    view = tab.diff_view
    changes = {c.key: c.kind for c in view.model.changes}
    assert changes == {
        "training_arguments.resolution": "type_changed",
        "training_arguments.max_train_epochs": "changed",
        "extra.max_bucket_reso": "added",
    }
    view.flat_toggle.setChecked(True)
    assert {c.key for c in view.model.changes} == {"resolution", "max_train_epochs", "max_bucket_reso"}
    assert view.current_change == 0 and len(view.starts) == 2
    view.next_change()
    assert view.current_change == 1 and not view.next_button.isEnabled()
    view.previous_change()
    assert view.current_change == 0
    row = view.starts[0]
    assert view.rows[row].tag != "equal" and view.left_pane.textCursor().blockNumber() == row
    # Editing the open config updates the left side.
    tab.set_value("training_arguments.max_train_epochs", "8")
    assert "training_arguments.max_train_epochs" not in {c.key for c in view.model.changes}
    view.flat_toggle.setChecked(False)
    view._key_clicked(view.model.index(0, 0))
    assert tab.selected_key() == "training_arguments.resolution"


def test_compare_choices_include_backups_and_presets(tab: ConfigTab, runner: JobRunner) -> None:
    tab.set_value("training_arguments.max_train_epochs", "8")
    tab.save()
    runner.wait_idle(10)
    labels = [tab.compare_combo.itemText(i) for i in range(tab.compare_combo.count())]
    assert any(label.startswith("backup: ") for label in labels)
    assert any(label.startswith("preset: ") for label in labels)
    backup_row = next(i for i, label in enumerate(labels) if label.startswith("backup: "))
    tab.compare_page.choose_row(backup_row)
    assert [c.key for c in tab.diff_view.model.changes] == ["training_arguments.max_train_epochs"]


# ---------------------------------------------------------------- checks


def test_checks_panel_lists_findings_and_selects_their_key(qtbot, tab: ConfigTab, runner: JobRunner) -> None:
    handle = tab.run_checks()
    assert handle is not None
    runner.wait_idle(10)
    report = tab.state.last_report
    assert report is not None
    codes = {f.rule for f in report.findings}
    assert "unknown-key" in codes  # bucket_resolution
    assert "train-data-dir-layout" in codes  # images directly in training_data
    row = next(i for i, f in enumerate(tab.checks.model.findings) if f.rule == "unknown-key")
    tab.checks.table.clicked.emit(tab.checks.model.index(row, 3))
    assert tab.selected_key() == "general.bucket_resolution"
    assert (
        tab.model.index_for_key("general.bucket_resolution").data(Qt.ItemDataRole.ForegroundRole) is not None
    )
    # Editing re-runs the checks.
    tab.set_value("training_arguments.resolution", "512")
    qtbot.waitUntil(
        lambda: (
            tab.state.last_report is not report
            and tab.state.last_report is not None
            and any(f.rule == "type" for f in tab.state.last_report.findings)
        ),
        timeout=5000,
    )


def test_real_512_config_and_its_256_follow_up(qtbot, qt_settings, runner, tmp_path: Path) -> None:
    if not REAL_CONFIGS.is_dir():
        pytest.skip("realdata absent")
    source = REAL_CONFIGS / "bespokebaby2__training_config_512px_backup.toml"
    copy = tmp_path / "training_config.toml"
    copy.write_bytes(source.read_bytes())
    context = AppContext(runner, qt_settings)
    widget = ConfigTab(context)
    qtbot.addWidget(widget)
    assert widget.open_file(copy)
    assert widget.text_edit.toPlainText().encode("utf-8") == source.read_bytes()
    assert widget.compare_with(REAL_CONFIGS / "bespokebaby2__runpod_package_FIXED__training_config.toml")
    assert len(widget.diff_view.model.changes) == 8
    widget.diff_view.flat_toggle.setChecked(True)
    assert len(widget.diff_view.model.changes) == 8


def test_crlf_file_stays_crlf(tab: ConfigTab, runner: JobRunner, tmp_path: Path) -> None:
    path = tmp_path / "crlf.toml"
    path.write_bytes(CONFIG.replace("\n", "\r\n").encode("utf-8"))
    assert tab.open_file(path)
    tab.commit_text()  # nothing typed: no change
    assert not tab.has_unsaved_changes()
    tab.set_value("training_arguments.max_train_epochs", "8")
    tab.text_edit.setPlainText(
        tab.text_edit.toPlainText().replace("max_bucket_reso = 1024", "max_bucket_reso = 512")
    )
    tab.commit_text()
    tab.save()
    runner.wait_idle(10)
    expected = (
        CONFIG.replace("max_train_epochs = 9 ", "max_train_epochs = 8 ")
        .replace("max_bucket_reso = 1024", "max_bucket_reso = 512")
        .replace("\n", "\r\n")
    )
    assert path.read_bytes() == expected.encode("utf-8")


def test_reload_with_unsaved_edits_asks_first_and_cancel_keeps_them(qtbot, tab: ConfigTab) -> None:
    tab.show()
    assert tab.model.setData(value_index(tab, "training_arguments.resolution"), "256,256")
    qtbot.mouseClick(tab.toolbar.reload_button, Qt.MouseButton.LeftButton)
    box = tab.discard_box
    assert box is not None and box.isVisible()  # opened with open(): the click returned at once
    assert box.button(QMessageBox.StandardButton.Save) is None
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert tab.has_unsaved_changes() and '"256,256"' in tab.text_edit.toPlainText()
    qtbot.mouseClick(tab.toolbar.reload_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.discard_box.button(QMessageBox.StandardButton.Discard), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.has_unsaved_changes())
    assert tab.text_edit.toPlainText() == CONFIG


# ---------------------------------------------------------------- keyboard (issue 12)


def test_f2_and_enter_edit_a_value_from_the_keyboard_escape_cancels(tab: ConfigTab, qtbot) -> None:
    from PySide6.QtTest import QTest

    tab.show()
    qtbot.waitExposed(tab)
    tab.tree.setFocus()
    tab.tree.setCurrentIndex(tab.model.index_for_key("training_arguments.max_train_epochs"))  # the key column
    QTest.keyClick(tab.tree, Qt.Key.Key_F2)
    editor = tab.tree.focusWidget()
    assert isinstance(editor, (QSpinBox, QLineEdit)), "F2 opens the value's editor"
    QTest.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(editor, "12")
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert "max_train_epochs = 9 " in tab.text_edit.toPlainText()
    tab.tree.setFocus()
    tab.tree.setCurrentIndex(tab.model.index_for_key("training_arguments.max_train_epochs"))
    QTest.keyClick(tab.tree, Qt.Key.Key_Return)
    editor = tab.tree.focusWidget()
    assert isinstance(editor, (QSpinBox, QLineEdit)), "Enter opens the value's editor"
    QTest.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(editor, "12")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "max_train_epochs = 12" in tab.text_edit.toPlainText(), timeout=3000)


def test_undo_and_redo_work_while_the_toml_is_invalid(tab: ConfigTab, qtbot) -> None:
    from PySide6.QtTest import QTest

    tab.show()
    qtbot.waitExposed(tab)
    tab.text_edit.setFocus()
    QTest.keyClick(tab.text_edit, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(tab.text_edit, "broken = [")
    qtbot.waitUntil(lambda: tab.state.parse_error is not None, timeout=3000)
    assert tab.undo_action.isEnabled()
    QTest.keyClick(tab.text_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tab.text_edit.toPlainText() == CONFIG.rstrip("\n") or tab.text_edit.toPlainText() == CONFIG
    assert tab.state.parse_error is None
    assert tab.redo_action.isEnabled()
    QTest.keyClick(
        tab.text_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert tab.text_edit.toPlainText().endswith("broken = [")
    assert tab.state.parse_error is not None
    # QTest leaves the last click's modifiers as the application's state: a plain key clears them.
    QTest.keyClick(tab.text_edit, Qt.Key.Key_End)


def type_and_pause(qtbot, tab: ConfigTab, keys: str) -> None:
    """Type into the text, then pause until the tab has taken the typing (its reparse delay)."""
    QTest.keyClicks(tab.text_edit, keys)
    qtbot.waitUntil(lambda: not tab.reparse_timer.isActive(), timeout=3000)


def press_undo(tab: ConfigTab) -> None:
    QTest.keyClick(tab.text_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def press_redo(tab: ConfigTab) -> None:
    QTest.keyClick(
        tab.text_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    QTest.keyClick(tab.text_edit, Qt.Key.Key_Shift)  # a plain key clears QTest's leftover modifiers


def test_typing_on_in_invalid_toml_is_never_lost_by_undo_and_redo(tab: ConfigTab, qtbot) -> None:
    tab.show()
    qtbot.waitExposed(tab)
    tab.text_edit.setFocus()
    QTest.keyClick(tab.text_edit, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    type_and_pause(qtbot, tab, "broken = [")
    assert tab.state.parse_error is not None
    type_and_pause(qtbot, tab, "1, 2")  # still invalid: the second edit
    typed = CONFIG + "broken = [1, 2"
    assert tab.text_edit.toPlainText() == typed and tab.state.parse_error is not None
    press_undo(tab)
    assert tab.text_edit.toPlainText() == CONFIG and tab.state.parse_error is None
    press_redo(tab)
    assert tab.text_edit.toPlainText() == typed, "Redo gives back everything typed"
    assert tab.state.parse_error is not None


def test_typing_in_a_file_opened_invalid_is_unsaved_and_undo_gives_its_text_back(
    tab: ConfigTab, qtbot, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    on_disk = "[t]\nx = 1\ny = \n"
    bad.write_text(on_disk, encoding="utf-8")
    assert tab.open_file(bad) and tab.state.parse_error is not None
    tab.show()
    qtbot.waitExposed(tab)
    tab.text_edit.setFocus()
    QTest.keyClick(tab.text_edit, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    type_and_pause(qtbot, tab, "[")  # still invalid
    assert tab.has_unsaved_changes(), "an edit to a broken file is unsaved work"
    QTest.keyClick(tab.text_edit, Qt.Key.Key_Backspace)
    QTest.keyClick(tab.text_edit, Qt.Key.Key_Left)  # to the end of "y = "
    type_and_pause(qtbot, tab, "2")  # now it parses
    assert tab.state.parse_error is None and tab.text_edit.toPlainText() == "[t]\nx = 1\ny = 2\n"
    press_undo(tab)
    assert tab.text_edit.toPlainText() == on_disk, "Undo gives back the file's text, never an empty one"
    press_redo(tab)
    assert tab.text_edit.toPlainText() == "[t]\nx = 1\ny = 2\n"
