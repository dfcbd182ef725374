"""Window-modal questions (confirm; save, discard or cancel), opened without a nested event loop."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from PySide6.QtWidgets import QMessageBox, QWidget


def ask_to_confirm(
    parent: QWidget,
    title: str,
    text: str,
    accept_label: str,
    on_accept: Callable[[], None],
    icon: QMessageBox.Icon = QMessageBox.Icon.Question,
) -> QMessageBox:
    """Show the question and return at once; ``on_accept`` runs when the user accepts.

    ``open()``, not ``exec()``: a nested event loop inside qasync's loop is one of its
    known traps. Cancel is the default button, so Enter never destroys anything.
    """
    box = QMessageBox(
        icon, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent
    )
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    accept = box.button(QMessageBox.StandardButton.Yes)
    accept.setText(accept_label)
    accept.clicked.connect(lambda _checked=False: on_accept())
    box.open()
    return box


class Choice(StrEnum):
    """The answer to "save your changes?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


_CHOICE_OF_BUTTON = {
    QMessageBox.StandardButton.Save: Choice.SAVE,
    QMessageBox.StandardButton.Discard: Choice.DISCARD,
    QMessageBox.StandardButton.Cancel: Choice.CANCEL,
}


def ask_save_discard_cancel(
    parent: QWidget,
    text: str,
    on_choice: Callable[[Choice], None],
    title: str = "Unsaved changes",
    can_save: bool = True,
    default: Choice = Choice.CANCEL,
) -> QMessageBox:
    """Ask Save / Discard / Cancel and return at once; ``on_choice`` gets the answer exactly once.

    ``open()``, not ``exec()`` (no nested event loop under qasync). Closing the box (Esc, the
    title bar) counts as Cancel; ``default`` is the button Enter presses (Cancel unless the
    caller makes Save the default). ``can_save=False`` leaves Save out, for a caller with
    nothing it can save right now.
    """
    buttons = QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
    if can_save:
        buttons |= QMessageBox.StandardButton.Save
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, buttons, parent)
    default_button = QMessageBox.StandardButton.Save if default == Choice.SAVE and can_save else None
    box.setDefaultButton(default_button or QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)

    def finished(_result: int) -> None:
        clicked = box.clickedButton()
        button = box.standardButton(clicked) if clicked is not None else QMessageBox.StandardButton.Cancel
        on_choice(_CHOICE_OF_BUTTON.get(button, Choice.CANCEL))

    box.finished.connect(finished)
    box.open()
    return box
