"""The save/discard/cancel question: opened with open(), one answer per question, Esc is Cancel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from bespoke_gui.ui.widgets.confirm import Choice, ask_save_discard_cancel


@pytest.fixture
def parent(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.mark.parametrize(
    ("button", "expected"),
    [
        (QMessageBox.StandardButton.Save, Choice.SAVE),
        (QMessageBox.StandardButton.Discard, Choice.DISCARD),
        (QMessageBox.StandardButton.Cancel, Choice.CANCEL),
    ],
)
def test_each_button_gives_its_choice_once(qtbot, parent, button, expected):
    answers: list[Choice] = []
    box = ask_save_discard_cancel(parent, "Save the 2 edited captions?", answers.append)
    assert box.isVisible() and box.windowModality() != Qt.WindowModality.NonModal  # open(): window-modal
    assert answers == []  # returned at once, before any answer
    qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert answers == [expected]


def test_escape_and_enter_cancel(qtbot, parent):
    answers: list[Choice] = []
    box = ask_save_discard_cancel(parent, "Quit?", answers.append)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible())
    box = ask_save_discard_cancel(parent, "Quit?", answers.append)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert answers == [Choice.CANCEL, Choice.CANCEL]


def test_without_save(qtbot, parent):
    answers: list[Choice] = []
    box = ask_save_discard_cancel(parent, "Drop the edits?", answers.append, can_save=False)
    assert box.button(QMessageBox.StandardButton.Save) is None
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Discard), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert answers == [Choice.DISCARD]
