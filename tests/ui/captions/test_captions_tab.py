"""The Captions tab with pytest-qt: open, edit, save, undo, next/previous, fixes, batch with undo,
backups, files changed on disk, read-only files, pixel highlighting and the highlighter."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import QApplication, QMessageBox

from bespoke_gui.core.captions.batch import list_caption_backups, plan_replace
from bespoke_gui.core.workspace import discover
from bespoke_gui.ui.bridge import JobRunner
from bespoke_gui.ui.captions.dialogs import BatchDialog
from bespoke_gui.ui.captions.highlighter import CaptionHighlighter
from bespoke_gui.ui.captions.panels import LintFindingsModel
from bespoke_gui.ui.captions.tab import CaptionsTab
from bespoke_gui.ui.context import AppContext

HAIR = (192, 97, 72)
SKIN = (178, 127, 96)
BLACK = (0, 0, 0)

CAPTIONS = {
    "a": b"pixel art, hair (#c06148), lips (#c06148), medium skin (#b27f60)\r\n",
    "b": b"pixel art, red hat,, brown eyes",
    "c": b"pixel art, black shirt",
}


def make_image(path: Path) -> None:
    small = np.zeros((24, 24, 3), dtype=np.uint8)
    small[:8] = HAIR
    small[8:16] = SKIN
    small[16:] = BLACK
    for i in range(24):
        small[i, i] = (255, 255, 255)  # every row and column differs: the true grid is 24x24
    Image.fromarray(small).resize((240, 240), Image.Resampling.NEAREST).save(path)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    data = tmp_path / "ws" / "training_data"
    data.mkdir(parents=True)
    for name, caption in CAPTIONS.items():
        make_image(data / f"{name}.png")
        (data / f"{name}.txt").write_bytes(caption)
    (tmp_path / "ws" / "training_config.toml").write_text(
        'train_data_dir = "training_data"\noutput_name = "x"\nkeep_tokens = 1\nmax_token_length = 75\n',
        encoding="utf-8",
    )
    return tmp_path / "ws"


@pytest.fixture
def tab(qtbot, qt_settings, workspace: Path):
    runner = JobRunner()
    context = AppContext(runner, qt_settings)
    widget = CaptionsTab(context)
    qtbot.addWidget(widget)
    context.set_workspace(discover(workspace))
    settle(runner)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    settle(runner)
    yield widget
    runner.shutdown()


def settle(runner: JobRunner) -> None:
    """Until no job runs and none is about to start (the list asks for thumbnails on a 30 ms timer)."""
    for _ in range(100):
        runner.wait_idle(30)  # may end with a job just started by its own last event pass
        deadline = time.monotonic() + 0.08
        while time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.005)
        if not runner.active_jobs:
            return
    raise AssertionError("jobs kept starting")


def wait(tab: CaptionsTab) -> None:
    settle(tab.context.runner)


def data_dir(workspace: Path) -> Path:
    return workspace / "training_data"


def test_opens_lists_and_lints(tab: CaptionsTab) -> None:
    assert [i.name for i in tab.model.items] == ["a.png", "b.png", "c.png"]
    assert tab.current is tab.model.items[0]
    assert tab.editor.toPlainText() == CAPTIONS["a"].decode().rstrip("\r\n")
    rules = [f.rule for f in tab.findings_model.findings]
    assert "hex-shared" in rules
    assert "/ 75 tokens" in tab.token_label.text()
    assert "CRLF" in tab.header.text()
    b = tab.model.items[1]
    assert "double-comma" in [f.rule for f in b.findings]  # the whole-dataset lint filled the list markers
    assert all(item.thumb is not None for item in tab.model.items)


def test_edit_save_keeps_line_ends_and_clears_unsaved(tab: CaptionsTab, qtbot, workspace: Path) -> None:
    tab.editor.moveCursor(tab.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(tab.editor, ", hat")
    item = tab.current
    assert item is not None and item.dirty
    assert "unsaved" in tab.header.text()
    tab.editor.setFocus()
    qtbot.keyClick(tab.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait(tab)
    assert (data_dir(workspace) / "a.txt").read_bytes() == CAPTIONS["a"].rstrip(b"\r\n") + b", hat\r\n"
    assert not item.dirty
    assert "unsaved" not in tab.header.text()


@pytest.mark.parametrize(
    ("key", "written", "reread"),
    [(Qt.Key.Key_Return, True, True), (Qt.Key.Key_Escape, False, False)],
)
def test_reading_again_over_unsaved_edits_asks_without_a_nested_loop(
    tab: CaptionsTab, qtbot, workspace: Path, key: Qt.Key, written: bool, reread: bool
) -> None:
    tab.editor.moveCursor(tab.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(tab.editor, ", hat")
    tab.context.workspace_part_changed.emit("images")  # a folder pointed at again
    box = tab.switch_box
    assert box is not None and box.isVisible() and "1 edited caption" in box.text()
    assert tab.current is not None and tab.current.dirty  # nothing happens before the answer
    qtbot.keyClick(box, key)  # Enter: Save (the default); Esc: Cancel
    wait(tab)
    on_disk = (data_dir(workspace) / "a.txt").read_bytes()
    assert on_disk.endswith(b", hat\r\n") is written
    assert tab.has_unsaved_changes() is not reread


def test_undo_is_per_caption_and_next_previous_keep_typing(tab: CaptionsTab, qtbot) -> None:
    tab.editor.setFocus()
    tab.editor.moveCursor(tab.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(tab.editor, " one")
    qtbot.keyClick(tab.editor, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert tab.current is tab.model.items[1]
    tab.editor.moveCursor(tab.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(tab.editor, " two")
    qtbot.keyClick(tab.editor, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert tab.current is tab.model.items[0]
    tab.editor.undo()
    assert tab.model.items[0].text == CAPTIONS["a"].decode().rstrip("\r\n")
    assert not tab.model.items[0].dirty
    assert tab.model.items[1].text.endswith(" two")  # the other caption's edit is untouched
    tab.step(1)
    tab.editor.redo()  # nothing to redo in b: its last edit was never undone
    assert tab.model.items[1].text.endswith(" two")


def test_one_click_fix_is_undoable(tab: CaptionsTab) -> None:
    tab.step(1)
    findings = tab.findings_model.findings
    row = next(i for i, f in enumerate(findings) if f.rule == "double-comma")
    tab._finding_clicked(tab.findings_model.index(row, LintFindingsModel.FIX_COLUMN))
    assert tab.editor.toPlainText() == "pixel art, red hat, brown eyes"
    assert "double-comma" not in [f.rule for f in tab.findings_model.findings]
    tab.editor.undo()
    assert tab.editor.toPlainText() == "pixel art, red hat,, brown eyes"


def test_batch_replace_with_backup_undo_and_redo(tab: CaptionsTab, workspace: Path) -> None:
    texts, _note = tab.batches.texts_for_scope("all")
    plan = plan_replace(texts, "pixel art", "pixel art style")
    tab.batches.apply_batch(plan)
    wait(tab)
    folder = data_dir(workspace)
    assert (folder / "a.txt").read_bytes().startswith(b"pixel art style, hair")
    assert (folder / "a.txt").read_bytes().endswith(b"\r\n")
    assert tab.model.items[0].text.startswith("pixel art style")
    assert tab.editor.toPlainText().startswith("pixel art style")
    assert len(list_caption_backups(workspace / "backups")) == 1
    tab.batches.stack.undo()
    wait(tab)
    assert (folder / "a.txt").read_bytes() == CAPTIONS["a"]
    assert (folder / "c.txt").read_bytes() == CAPTIONS["c"]
    assert tab.model.items[2].text == "pixel art, black shirt"
    tab.batches.stack.redo()
    wait(tab)
    assert (folder / "c.txt").read_bytes() == b"pixel art style, black shirt"
    assert len(list_caption_backups(workspace / "backups")) == 3  # one before every write


def test_batch_leaves_out_unsaved_captions_and_dialog_previews(tab: CaptionsTab, qtbot) -> None:
    qtbot.keyClicks(tab.editor, "x")
    texts, note = tab.batches.texts_for_scope("all")
    assert len(texts) == 2 and "unsaved" in note
    dialog = BatchDialog(tab.batches.texts_for_scope, tab)
    qtbot.addWidget(dialog)
    dialog.find.setText("black")
    dialog.replace.setText("dark grey")
    plan = dialog.make_preview()
    assert plan is not None and [c.path.name for c in plan.changes] == ["c.txt"]
    assert dialog.preview_model.rowCount() == 1 and dialog.apply_button.isEnabled()
    dialog.regex.setChecked(True)
    assert not dialog.apply_button.isEnabled()  # a changed setting needs a new preview
    dialog.find.setText("(")
    assert dialog.make_preview() is None and "regular expression" in dialog.summary.text()


def test_backups_dialog_diffs_and_restores(tab: CaptionsTab, workspace: Path) -> None:
    tab.batches.apply_batch(plan_replace(tab.batches.texts_for_scope("all")[0], "black shirt", "white shirt"))
    wait(tab)
    dialog = tab.batches.open_backups_dialog()
    assert dialog is not None and len(dialog.backups) == 1
    dialog.list.setCurrentIndex(dialog.model.index(0, 0))
    wait(tab)
    assert "-black shirt" in dialog.diff.toPlainText() and "+white shirt" in dialog.diff.toPlainText()
    box = tab.batches.restore_backup(dialog.backups[0])
    assert box is not None and box.isVisible()  # asked with open(): nothing restored yet
    assert (data_dir(workspace) / "c.txt").read_bytes() != CAPTIONS["c"]
    box.button(QMessageBox.StandardButton.Yes).click()
    wait(tab)
    wait(tab)
    assert (data_dir(workspace) / "c.txt").read_bytes() == CAPTIONS["c"]
    assert tab.model.items[2].text == "pixel art, black shirt"
    dialog.close()


def test_changed_on_disk_while_editing_asks_and_keep_mine_saves(
    tab: CaptionsTab, qtbot, workspace: Path
) -> None:
    path = data_dir(workspace) / "a.txt"
    tab.editor.moveCursor(tab.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(tab.editor, ", mine")
    path.write_bytes(b"pixel art, theirs\r\n")
    tab.disk.check_disk()
    wait(tab)
    assert tab.banner.isVisible() and tab.keep_button.isVisible() and tab.reload_button.isVisible()
    assert tab.current is not None and tab.current.disk_changed
    tab.disk.save_current()  # refused until the user chooses
    wait(tab)
    assert path.read_bytes() == b"pixel art, theirs\r\n"
    tab.disk.keep_mine()
    tab.disk.save_current()
    wait(tab)
    assert path.read_bytes().endswith(b", mine\r\n")


def test_changed_on_disk_reload_is_undoable(tab: CaptionsTab, qtbot, workspace: Path) -> None:
    path = data_dir(workspace) / "a.txt"
    qtbot.keyClicks(tab.editor, "mine ")
    mine = tab.editor.toPlainText()
    path.write_bytes(b"pixel art, theirs\r\n")
    tab.disk.check_disk()
    wait(tab)
    tab.disk.reload_from_disk()
    assert tab.editor.toPlainText() == "pixel art, theirs"
    assert tab.current is not None and not tab.current.dirty
    tab.editor.undo()
    assert tab.editor.toPlainText() == mine


def test_clean_caption_changed_on_disk_is_noticed_by_the_watcher(
    tab: CaptionsTab, qtbot, workspace: Path
) -> None:
    path = data_dir(workspace) / "a.txt"
    path.write_bytes(b"pixel art, edited elsewhere\r\n")
    qtbot.waitUntil(lambda: tab.editor.toPlainText() == "pixel art, edited elsewhere", timeout=5000)
    assert tab.banner.isVisible() and "reloaded" in tab.banner.message.text()


def test_read_only_caption_keeps_the_edit_and_says_why(tab: CaptionsTab, qtbot, workspace: Path) -> None:
    path = data_dir(workspace) / "a.txt"
    path.chmod(stat.S_IRUSR)
    try:
        qtbot.keyClicks(tab.editor, "x")
        tab.disk.save_current()
        wait(tab)
        assert "read-only" in tab.banner.message.text()
        assert path.read_bytes() == CAPTIONS["a"]
        assert tab.current is not None and tab.current.dirty
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_hex_code_under_the_cursor_lights_its_pixels(tab: CaptionsTab) -> None:
    wait(tab)
    assert tab.inspector.pixels is not None and tab.inspector.pixels.pixels.shape[:2] == (24, 24)
    text = tab.editor.toPlainText()
    assert tab.inspector.highlight_match_at(text.index("#c06148") + 2)
    assert tab.pixel_view._highlight is not None
    assert "184 pixel(s)" in tab.pixel_label.text()  # 8 rows of 24, less the diagonal
    assert not tab.inspector.highlight_match_at(text.index("lips"))
    assert tab.pixel_view._highlight is None


def test_filters_by_text_kind_and_finding(tab: CaptionsTab) -> None:
    tab.filter_text.setText("hat")
    assert tab.proxy.rowCount() == 1
    tab.filter_text.setText("")
    tab.filter_lint.setCurrentIndex(tab.filter_lint.findData("errors"))
    assert tab.proxy.rowCount() == 1  # only a.txt has an error (hex-shared)
    tab.filter_lint.setCurrentIndex(tab.filter_lint.findData("rule:double-comma"))
    assert tab.proxy.rowCount() == 1
    tab.filter_lint.setCurrentIndex(0)
    tab.filter_kind.setCurrentIndex(tab.filter_kind.findData("accessory"))
    assert tab.proxy.rowCount() == 1


def test_highlighter_colours_kinds_hex_swatches_and_findings(qtbot) -> None:
    doc = QTextDocument()
    highlighter = CaptionHighlighter(doc)
    doc.setPlainText("pixel art, hair (#c06148), red hat")
    highlighter.rehighlight()  # a document without a view is not laid out, so Qt would not highlight it yet
    formats = {
        r.start: (r.format.background().color().name(), r.format.foreground().color().name())
        for r in doc.firstBlock().layout().formats()
    }
    assert formats[17][0] == "#c06148"  # the hex code drawn on its own colour
    assert formats[11][1] == QColor(highlighter.keywords.kind_colour("hair")).name()
    from bespoke_gui.core.findings import Finding, Severity

    highlighter.set_overlays(9, 27, [Finding.in_text("hex-shared", Severity.ERROR, "m", 17, 24)])
    ranges = [
        (
            r.start,
            r.format.underlineStyle(),
            r.format.fontStrikeOut(),
            r.format.fontWeight(),
            r.format.background().color().name(),
        )
        for r in doc.firstBlock().layout().formats()
    ]
    no_underline = QTextCharFormat.UnderlineStyle.NoUnderline
    assert any(under != no_underline and start == 17 for start, under, _s, _w, _b in ranges)
    assert any(strike and start >= 27 for start, _u, strike, _w, _b in ranges)
    assert any(weight >= 700 and start == 0 for start, _u, _s, weight, _b in ranges)
    assert "#c06148" in {b for start, *_rest, b in ranges if start == 17}  # findings keep the swatch


def test_text_the_encoding_cannot_hold_asks_before_saving_as_utf8(
    qtbot, tab: CaptionsTab, workspace: Path
) -> None:
    folder = data_dir(workspace)
    make_image(folder / "d.png")
    original = "pixel art, caf\u00e9 hat\r\n".encode("cp1252")
    (folder / "d.txt").write_bytes(original)
    tab.context.set_workspace(discover(workspace))
    wait(tab)
    tab.step(3)
    assert tab.current is not None and tab.current.name == "d.png"
    tab.editor.moveCursor(tab.editor.textCursor().MoveOperation.End)
    tab.editor.textCursor().insertText(", \u2603")  # a snowman: not in Windows-1252
    assert tab.disk.save_current() is None
    box = tab.disk.confirm_box
    assert box is not None and box.isVisible() and "d.png" in box.text()
    wait(tab)
    assert (folder / "d.txt").read_bytes() == original  # nothing written before the answer
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    wait(tab)
    assert (folder / "d.txt").read_bytes() == "pixel art, caf\u00e9 hat, \u2603\r\n".encode("utf-8")
    assert not tab.has_unsaved_changes()


def test_latin1_caption_is_flagged_and_saved_as_utf8_in_one_click(tab: CaptionsTab, workspace: Path) -> None:
    folder = data_dir(workspace)
    make_image(folder / "d.png")
    (folder / "d.txt").write_bytes("pixel art, caf\u00e9 hat\r\n".encode("cp1252"))
    tab.context.set_workspace(discover(workspace))
    wait(tab)
    tab.step(3)
    assert tab.current is not None and tab.current.name == "d.png"
    assert "Windows-1252" in tab.header.text()
    row = next(i for i, f in enumerate(tab.findings_model.findings) if f.rule == "not-utf8")
    assert (
        tab.findings_model.data(tab.findings_model.index(row, LintFindingsModel.FIX_COLUMN))
        == "Fix: save as UTF-8"
    )
    tab._finding_clicked(tab.findings_model.index(row, LintFindingsModel.FIX_COLUMN))
    wait(tab)
    assert (folder / "d.txt").read_bytes() == "pixel art, caf\u00e9 hat\r\n".encode("utf-8")
    assert "not-utf8" not in [f.rule for f in tab.findings_model.findings]


def test_a_keystroke_is_analysed_before_it_is_highlighted(tab: CaptionsTab, qtbot) -> None:
    tab.step(2)
    QApplication.processEvents()  # Qt highlights a newly shown document on its next pass
    assert tab.editor.toPlainText() == "pixel art, black shirt"
    tab.editor.setFocus()
    tab.editor.moveCursor(tab.editor.textCursor().MoveOperation.End)
    before = tab.token_label.text()
    qtbot.keyClick(tab.editor, Qt.Key.Key_Comma)
    # No event-loop pass needed: the count, the lint and the highlight follow the key at once.
    assert tab.current is not None and "empty-phrase" in [f.rule for f in tab.current.findings]
    assert tab.token_label.text() != before
    assert tab.highlighter.refresh_stale_blocks() == 0  # the edit's own pass drew the new overlays
    block = tab.editor.document().firstBlock()
    no_underline = QTextCharFormat.UnderlineStyle.NoUnderline
    assert any(
        r.format.underlineStyle() != no_underline and r.start + r.length == len("pixel art, black shirt,")
        for r in block.layout().formats()
    )
    qtbot.keyClicks(tab.editor, " hat")
    assert "empty-phrase" not in [f.rule for f in tab.current.findings]
    assert tab.current.text == "pixel art, black shirt, hat"
    assert tab.facts.token_total > 0 and tab.token_label.text().startswith(f"{tab.facts.token_total} / 75")


def test_the_findings_table_follows_when_typing_pauses(tab: CaptionsTab, qtbot) -> None:
    tab.step(2)
    tab.editor.setFocus()
    tab.editor.moveCursor(tab.editor.textCursor().MoveOperation.End)
    qtbot.keyClick(tab.editor, Qt.Key.Key_Comma)
    assert "empty-phrase" not in [f.rule for f in tab.findings_model.findings]  # not on every key
    qtbot.waitUntil(lambda: "empty-phrase" in [f.rule for f in tab.findings_model.findings], timeout=2000)
    assert tab.findings_model.findings == tab.current.findings


def test_a_fix_clicked_while_the_table_is_behind_is_not_applied(tab: CaptionsTab, qtbot) -> None:
    tab.step(1)
    row = next(i for i, f in enumerate(tab.findings_model.findings) if f.rule == "double-comma")
    tab.editor.setFocus()
    tab.editor.moveCursor(tab.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(tab.editor, " now")
    tab._finding_clicked(tab.findings_model.index(row, LintFindingsModel.FIX_COLUMN))
    # The fix held the text before " now": applying it would have thrown the typing away.
    assert tab.editor.toPlainText() == "pixel art, red hat,, brown eyes now"
    assert tab.findings_model.findings == tab.current.findings  # the table caught up instead
    row = next(i for i, f in enumerate(tab.findings_model.findings) if f.rule == "double-comma")
    tab._finding_clicked(tab.findings_model.index(row, LintFindingsModel.FIX_COLUMN))
    assert tab.editor.toPlainText() == "pixel art, red hat, brown eyes now"


def test_findings_rows_follow_an_edit_without_a_reset(tab: CaptionsTab, qtbot) -> None:
    resets = []
    tab.findings_model.modelReset.connect(lambda: resets.append(1))
    tab.step(2)
    assert resets == [1]  # another caption: the table starts afresh
    tab.editor.setFocus()
    tab.editor.moveCursor(tab.editor.textCursor().MoveOperation.End)
    rows = tab.findings_model.rowCount()
    qtbot.keyClick(tab.editor, Qt.Key.Key_Comma)
    tab.update_findings_panel()  # what the pause after typing does
    assert tab.findings_model.rowCount() == rows + 1
    qtbot.keyClick(tab.editor, Qt.Key.Key_X)
    tab.update_findings_panel()
    assert tab.findings_model.rowCount() == rows
    assert resets == [1]
    assert [tab.findings_model.data(tab.findings_model.index(r, 1)) for r in range(rows)] == [
        f.rule for f in tab.findings_model.findings
    ]


def test_highlighter_redraws_only_the_blocks_whose_overlays_changed(qtbot) -> None:
    from bespoke_gui.core.findings import Finding, Severity

    doc = QTextDocument()
    highlighter = CaptionHighlighter(doc)
    doc.setPlainText("pixel art, red hat\nsecond line, blue eyes\nthird line")
    highlighter.rehighlight()
    assert highlighter.refresh_stale_blocks() == 0
    second = doc.findBlockByNumber(1)
    finding = Finding.in_text(
        "duplicate-phrase", Severity.WARNING, "m", second.position(), second.position() + 6
    )
    highlighter.set_overlays(0, None, [finding], later=True)
    assert highlighter.refresh_stale_blocks() == 1  # only the second line
    no_underline = QTextCharFormat.UnderlineStyle.NoUnderline
    assert any(r.start == 0 and r.format.underlineStyle() != no_underline for r in second.layout().formats())
    assert all(r.format.underlineStyle() == no_underline for r in doc.firstBlock().layout().formats())
    highlighter.set_overlays(0, None, [finding])
    assert highlighter.refresh_stale_blocks() == 0  # unchanged overlays: nothing drawn again
    highlighter.set_overlays(0, None, [], later=True)  # a deferred refresh runs on the next event-loop pass
    qtbot.waitUntil(lambda: all(r.format.underlineStyle() == no_underline for r in second.layout().formats()))


def test_a_changed_row_repaints_alone_in_the_list(tab: CaptionsTab, qtbot) -> None:
    from PySide6.QtCore import QEvent, QObject

    from bespoke_gui.ui.captions.model import ROW_HEIGHT

    class PaintSpy(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.heights: list[int] = []

        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.heights.append(event.region().boundingRect().height())
            return False

    spy = PaintSpy()
    tab.list.viewport().installEventFilter(spy)
    tab.editor.setFocus()
    tab.editor.moveCursor(tab.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(tab.editor, ",, hat")  # the row's unsaved marker and finding count change
    qtbot.waitUntil(lambda: bool(spy.heights))
    for _ in range(5):
        QApplication.processEvents()
    assert spy.heights and max(spy.heights) <= ROW_HEIGHT  # the one row, not every visible row
    tab.list.viewport().removeEventFilter(spy)


def test_highlighter_redraws_lines_that_moved_when_a_line_goes(qtbot) -> None:
    from PySide6.QtGui import QTextCursor

    from bespoke_gui.core.findings import Finding, Severity

    doc = QTextDocument()
    highlighter = CaptionHighlighter(doc)
    doc.setPlainText("a\nhat\nb\nhat")
    highlighter.rehighlight()
    last = doc.findBlockByNumber(3)
    highlighter.set_overlays(
        0,
        None,
        [Finding.in_text("duplicate-phrase", Severity.WARNING, "m", last.position(), last.position() + 3)],
    )
    no_underline = QTextCharFormat.UnderlineStyle.NoUnderline
    assert any(r.format.underlineStyle() != no_underline for r in last.layout().formats())
    cursor = QTextCursor(doc.findBlockByNumber(1))
    cursor.movePosition(QTextCursor.MoveOperation.NextBlock, QTextCursor.MoveMode.KeepAnchor)
    cursor.removeSelectedText()  # the first "hat" line goes: the second "hat" is no longer a repeat
    highlighter.set_overlays(0, None, [])
    assert doc.toPlainText() == "a\nb\nhat"
    assert all(r.format.underlineStyle() == no_underline for r in doc.findBlockByNumber(2).layout().formats())


def test_batch_dialog_opens_without_blocking_and_applies_on_accept(tab: CaptionsTab, qtbot) -> None:
    dialog = tab.batches.open_batch_dialog()  # returns at once: no nested event loop
    assert dialog.isVisible()
    dialog.find.setText("black shirt")
    dialog.replace.setText("white shirt")
    assert dialog.make_preview() is not None
    dialog.apply_button.click()
    wait(tab)
    assert tab.batches.stack.count() == 1
    assert any("white shirt" in item.text for item in tab.model.items)


def test_hovering_the_word_red_lights_the_red_family_pixels(tab: CaptionsTab, qtbot) -> None:
    from PySide6.QtTest import QTest

    tab.list.setFocus()
    QTest.keyClick(tab.list, Qt.Key.Key_Down)  # b.txt: "pixel art, red hat,, brown eyes"; its hair is #c06148
    wait(tab)
    assert tab.current is not None and tab.current.name == "b.png"
    text = tab.editor.toPlainText()
    cursor = tab.editor.textCursor()
    cursor.setPosition(text.index("red") + 1)
    point = tab.editor.cursorRect(cursor).center()
    QTest.mouseMove(tab.editor.viewport(), point)
    qtbot.waitUntil(lambda: tab.pixel_label.text().startswith("red:"), timeout=3000)
    assert "184 pixel(s)" in tab.pixel_label.text()  # the brick hair, 8 rows less the diagonal


def test_save_all_never_writes_through_a_link_out_of_the_workspace(
    tab: CaptionsTab, workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("pixel art, secret\n")
    make_image(outside / "outside.png")
    (data_dir(workspace) / "link_out.txt").symlink_to(outside / "secret.txt")
    (data_dir(workspace) / "link_out.png").symlink_to(outside / "outside.png")
    tab.context.set_workspace(discover(workspace))
    wait(tab)
    by_name = {item.name: item for item in tab.model.items}
    by_name["link_out.png"].text = "pixel art, secret, changed"
    by_name["b.png"].text = "pixel art, b, changed"
    tab.save_all()
    wait(tab)
    assert (outside / "secret.txt").read_text() == "pixel art, secret\n"
    assert (data_dir(workspace) / "link_out.txt").is_symlink()
    assert "is a link" in tab.banner.message.text()
    assert (data_dir(workspace) / "b.txt").read_text() == "pixel art, b, changed"


def test_a_linked_caption_is_marked_in_the_list_and_says_where_it_points(
    qtbot, qt_settings, workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("pixel art, red hat", encoding="utf-8")
    make_image(data_dir(workspace) / "d.png")
    (data_dir(workspace) / "d.txt").symlink_to(outside)
    runner = JobRunner()
    widget = CaptionsTab(AppContext(runner, qt_settings))
    qtbot.addWidget(widget)
    widget.context.set_workspace(discover(workspace))
    settle(runner)
    try:
        names = [widget.model.index(row, 0).data() for row in range(widget.model.rowCount())]
        assert names == ["a.png", "b.png", "c.png", "d.png (link)"]
        tip = widget.model.index(3, 0).data(Qt.ItemDataRole.ToolTipRole)
        assert f"d.txt is a link to {outside}: read here, never written through" in tip
        assert "is a link" not in widget.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    finally:
        runner.shutdown()
