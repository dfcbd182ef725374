"""The Captions tab's toolbar and keys: save, undo, batch, backups, colours; next/previous caption."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QToolBar

if TYPE_CHECKING:
    from bespoke_gui.ui.captions.tab import CaptionsTab

# Keys that move to the next (+1) or previous (-1) caption of the list as filtered, from the
# editor as well: the list need not have the focus.
STEP_KEYS = (("Alt+Down", 1), ("Ctrl+PgDown", 1), ("Alt+Up", -1), ("Ctrl+PgUp", -1))


class CaptionToolbar(QToolBar):
    """The actions of the tab; their shortcuts work anywhere inside the tab, not elsewhere."""

    def __init__(self, tab: CaptionsTab) -> None:
        super().__init__()
        self._tab = tab
        self.save_action = self._action(
            "Save", tab.disk.save_current, ("Ctrl+S",), "Save this caption (Ctrl+S)"
        )
        self.save_all_action = self._action(
            "Save all", tab.save_all, ("Ctrl+Shift+S",), "Save every edited caption"
        )
        self.undo_action = self._action("Undo", tab.editor.undo, (), "Undo in this caption (Ctrl+Z)")
        self.redo_action = self._action("Redo", tab.editor.redo, (), "Redo in this caption (Ctrl+Shift+Z)")
        self.batch_action = self._action(
            "Batch…", tab.batches.open_batch_dialog, (), "Find & replace, add/remove phrases, rules"
        )
        self.batch_undo_action = tab.batches.stack.createUndoAction(tab, "Undo batch")
        self.batch_redo_action = tab.batches.stack.createRedoAction(tab, "Redo batch")
        self.backups_action = self._action(
            "Backups…", tab.batches.open_backups_dialog, (), "Caption backups: diff and restore"
        )
        self.colours_action = self._action(
            "Check colours",
            tab.check_colours,
            (),
            "Read every image's palette and check the hex codes against it",
        )
        for act in (
            self.save_action,
            self.save_all_action,
            self.undo_action,
            self.redo_action,
            self.batch_action,
            self.batch_undo_action,
            self.batch_redo_action,
            self.backups_action,
            self.colours_action,
        ):
            self.addAction(act)
        for keys, step in STEP_KEYS:
            shortcut = QShortcut(QKeySequence(keys), tab)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda s=step: tab.step(s))

    def _action(
        self, text: str, slot: Callable[[], object], shortcuts: tuple[str, ...] = (), tip: str = ""
    ) -> QAction:
        act = QAction(text, self._tab)
        act.triggered.connect(lambda _checked=False: slot())
        if shortcuts:
            act.setShortcuts([QKeySequence(s) for s in shortcuts])
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self._tab.addAction(act)
        act.setToolTip(tip or text)
        return act
