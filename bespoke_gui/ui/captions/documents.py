"""Each caption's QTextDocument: undo/redo is per caption, so every caption has its own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont, QTextCursor, QTextDocument
from PySide6.QtWidgets import QPlainTextDocumentLayout

_PATH_PROPERTY = "caption_path"  # on each caption's QTextDocument: whose caption it is


def blank_document(parent: QObject) -> QTextDocument:
    """An empty plain-text document (what a QPlainTextEdit needs)."""
    doc = QTextDocument(parent)
    doc.setDocumentLayout(QPlainTextDocumentLayout(doc))
    return doc


def replace_document_text(document: QTextDocument, new_text: str) -> None:
    """Change the document to ``new_text`` as one undoable edit touching only what differs."""
    old = document.toPlainText()
    if old == new_text:
        return
    start = 0
    limit = min(len(old), len(new_text))
    while start < limit and old[start] == new_text[start]:
        start += 1
    end_old, end_new = len(old), len(new_text)
    while end_old > start and end_new > start and old[end_old - 1] == new_text[end_new - 1]:
        end_old -= 1
        end_new -= 1
    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    cursor.setPosition(start)
    cursor.setPosition(end_old, QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText(new_text[start:end_new])
    cursor.endEditBlock()


class CaptionDocuments(QObject):
    """The captions' documents by caption path, each made when its caption is first opened.

    ``edited`` (path, chars removed, chars added) comes before Qt highlights the edit, so the
    tab can analyse the text first and the edited block is drawn once; ``changed`` (path)
    comes after every change of the text.
    """

    edited = Signal(object, int, int)
    changed = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._documents: dict[Path, QTextDocument] = {}

    def get(self, path: Path) -> QTextDocument | None:
        return self._documents.get(path)

    def __getitem__(self, path: Path) -> QTextDocument:
        return self._documents[path]

    def document_for(self, path: Path, text: str, font: QFont) -> QTextDocument:
        doc = self._documents.get(path)
        if doc is None:
            doc = blank_document(self)
            doc.setDefaultFont(font)
            doc.setPlainText(text)
            doc.clearUndoRedoStacks()
            # Connected before any highlighter is given this document, so ``edited`` is
            # emitted before Qt highlights the edit.
            doc.setProperty(_PATH_PROPERTY, str(path))
            doc.contentsChange.connect(self._document_edited)
            doc.contentsChanged.connect(self._document_changed)
            self._documents[path] = doc
        return doc

    def clear(self) -> None:
        for doc in self._documents.values():
            doc.deleteLater()
        self._documents.clear()

    def _document_edited(self, _position: int, removed: int, added: int) -> None:
        document = self.sender()
        if document is not None:
            self.edited.emit(Path(str(document.property(_PATH_PROPERTY))), removed, added)

    def _document_changed(self) -> None:
        document = self.sender()
        if document is not None:
            self.changed.emit(Path(str(document.property(_PATH_PROPERTY))))
