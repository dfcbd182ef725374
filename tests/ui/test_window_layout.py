"""The window at 1024x700: no control over another, long paths elided, the window never grows."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QWidget

from bespoke_gui.ui.config.tab import ConfigTab
from tests.ui.test_window_unsaved import make_workspace, settle, show_window_on


def global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())


def test_at_1024x700_a_long_path_is_elided_and_the_window_does_not_grow(qtbot, qt_settings, tmp_path):
    deep = tmp_path / ("a_rather_long_folder_name_for_a_training_run_" * 3) / "workspace"
    root = make_workspace(deep)
    (root / "training_config.toml").write_text(
        '[training_arguments]\nresolution = "512,512"\n', encoding="utf-8"
    )
    other = deep.parent / ("another_long_folder_" * 4)
    other.mkdir()
    (other / "compare_me.toml").write_text('[training_arguments]\nresolution = "768,768"\n', encoding="utf-8")
    window = show_window_on(qtbot, qt_settings, root, "Config", size=(1024, 700), headless=True)
    config = window.ensure_tab("Config")
    assert isinstance(config, ConfigTab)
    size = window.size()
    assert (size.width(), size.height()) == (1024, 700), "the window fits 1024x700 with a workspace open"
    # The Diff page, opened by a click on its tab.
    bar = config.right_tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert config.right_tabs.currentIndex() == 1
    # Browse… opens its file dialog (open(), not exec()); the test picks the file in it.
    compare_me = other / "compare_me.toml"
    page = config.compare_page
    QTest.mouseClick(page.browse_button, Qt.MouseButton.LeftButton)
    dialog = page.file_dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    dialog.selectFile(str(compare_me))
    dialog.accept()
    settle(window)
    view = config.diff_view
    assert config.state.compare_path == compare_me, "the comparison was loaded"
    assert view.right_title.full_text() == str(compare_me)
    assert view.right_text == compare_me.read_text(encoding="utf-8")
    assert [change.key for change in view.model.changes] == ["training_arguments.resolution"]
    qtbot.wait(50)
    assert window.size() == size, "showing long paths never grows the window"
    combo, browse = global_rect(config.compare_combo), global_rect(config.compare_page.browse_button)
    assert not combo.intersects(browse)
    assert browse.right() <= global_rect(config.right_tabs).right()
    for label in (view.left_title, view.right_title, config.toolbar.file_label, window.workspace_label):
        assert label.fontMetrics().horizontalAdvance(label.shown_text()) <= label.width()
    assert "…" in view.right_title.shown_text(), "the compared file's long path is elided"
    summary = view.summary
    assert summary.height() >= summary.heightForWidth(summary.width()), "the summary is not cut"
    assert not global_rect(view.left_title).intersects(global_rect(view.right_title))
