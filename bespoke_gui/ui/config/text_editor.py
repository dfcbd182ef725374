"""The Config tab's TOML text: a monospace, unwrapped editor whose undo belongs to the tab."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QTextCursor, QTextFormat
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from bespoke_gui.ui.config.panels import TomlHighlighter


class _UndoKeys(QObject):
    """Ctrl+Z / Ctrl+Shift+Z in the text go to the tab's undo (the editor's own undo is off,
    and it would swallow the keys)."""

    def __init__(self, editor: TomlEditor, undo: Callable[[], object], redo: Callable[[], object]) -> None:
        super().__init__(editor)
        self._undo, self._redo = undo, redo

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        assert isinstance(event, QKeyEvent)
        undo, redo = (
            event.matches(QKeySequence.StandardKey.Undo),
            event.matches(QKeySequence.StandardKey.Redo),
        )
        if not (undo or redo):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # a key press for this editor, not a window shortcut
            return True
        (self._undo if undo else self._redo)()
        return True


class TomlEditor(QPlainTextEdit):
    """The text with TOML colours and an error line; ``undo`` / ``redo`` are the tab's (they
    first take the typing so far as a step). ``typed`` is a change by the user, not by
    :meth:`load` or :meth:`replace_text`."""

    typed = Signal()

    def __init__(
        self, undo: Callable[[], object], redo: Callable[[], object], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setUndoRedoEnabled(False)  # the tab's undo stack owns undo
        font = self.font()
        font.setFamily("monospace")
        self.setFont(font)
        self.highlighter = TomlHighlighter(self.document())
        self._undo_keys = _UndoKeys(self, undo, redo)
        self.installEventFilter(self._undo_keys)
        self._loading = False
        self.textChanged.connect(self._text_changed)

    def _text_changed(self) -> None:
        if not self._loading:
            self.typed.emit()

    def load(self, text: str) -> None:
        """Show ``text`` from the top (a file just opened); not a user's edit."""
        self._loading = True
        try:
            self.setPlainText(text)
        finally:
            self._loading = False

    def replace_text(self, text: str) -> None:
        """Show ``text`` where the reader was (the scroll position is kept); not a user's edit."""
        scroll = self.verticalScrollBar().value()
        self.load(text)
        self.verticalScrollBar().setValue(scroll)

    def highlight_line(self, line: int) -> None:
        """Put the cursor on ``line`` (1-based), centred, and mark the line."""
        block = self.document().findBlockByNumber(line - 1)
        if not block.isValid():
            return
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        self.centerCursor()
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(Qt.GlobalColor.yellow)
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.cursor = cursor
        self.setExtraSelections([selection])
