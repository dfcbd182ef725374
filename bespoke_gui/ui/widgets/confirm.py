"""A window-modal question with a named accept button, opened without a nested event loop."""

from __future__ import annotations

from collections.abc import Callable

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
