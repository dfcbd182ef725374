"""Choose a folder or files, or ask for a line of text, without a nested event loop (``open()``, never ``exec()``, under qasync).

QFileDialog's static helpers (``getExistingDirectory``...) run their own event loop inside
qasync's, one of its known traps; these open the dialog window-modal and return at once,
and the caller's function gets the choice when the user makes it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget


def _dialog(parent: QWidget, title: str, start: Path, mode: QFileDialog.FileMode) -> QFileDialog:
    dialog = QFileDialog(parent, title, str(start))
    dialog.setFileMode(mode)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return dialog


def choose_folder(
    parent: QWidget, title: str, start: Path, on_chosen: Callable[[Path], object]
) -> QFileDialog:
    """Ask for a folder; ``on_chosen(folder)`` runs if the user picks one."""
    dialog = _dialog(parent, title, start, QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    dialog.fileSelected.connect(lambda folder: on_chosen(Path(folder)))
    dialog.open()
    return dialog


def choose_files(
    parent: QWidget, title: str, start: Path, name_filter: str, on_chosen: Callable[[list[Path]], object]
) -> QFileDialog:
    """Ask for existing files; ``on_chosen(files)`` runs if the user picks any."""
    dialog = _dialog(parent, title, start, QFileDialog.FileMode.ExistingFiles)
    dialog.setNameFilter(name_filter)
    dialog.filesSelected.connect(lambda files: on_chosen([Path(f) for f in files]) if files else None)
    dialog.open()
    return dialog


def choose_file(
    parent: QWidget, title: str, start: Path, name_filter: str, on_chosen: Callable[[Path], object]
) -> QFileDialog:
    """Ask for one existing file; ``on_chosen(file)`` runs if the user picks one."""
    dialog = _dialog(parent, title, start, QFileDialog.FileMode.ExistingFile)
    dialog.setNameFilter(name_filter)
    dialog.fileSelected.connect(lambda file: on_chosen(Path(file)) if file else None)
    dialog.open()
    return dialog


def ask_text(parent: QWidget, title: str, label: str, on_entered: Callable[[str], object]) -> QInputDialog:
    """Ask for a line of text; ``on_entered(text)`` runs on OK with a non-blank answer."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.textValueSelected.connect(lambda text: on_entered(text) if text.strip() else None)
    dialog.open()
    return dialog
