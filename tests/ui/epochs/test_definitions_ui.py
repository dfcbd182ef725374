"""The Epochs table's column tooltips and Help > What the numbers mean say the core definitions."""

from __future__ import annotations

from PySide6.QtCore import Qt

from bespoke_gui.core.epochs.definitions import DEFINITIONS, definition
from bespoke_gui.core.epochs.metrics import Targets
from bespoke_gui.ui.epochs.definitions_dialog import DefinitionsDialog
from bespoke_gui.ui.epochs.metrics_view import EpochTableModel
from bespoke_gui.ui.main_window import MainWindow


def test_every_column_tooltip_is_its_definition(qtbot) -> None:
    model = EpochTableModel()
    model.set_summaries([], Targets(unique_colors_target=180, unique_colors_minimum=240))
    assert len(EpochTableModel.COLUMN_DEFINITIONS) == len(EpochTableModel.COLUMNS)
    for column, key in enumerate(EpochTableModel.COLUMN_DEFINITIONS):
        tip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        assert " ".join(tip.split()).startswith(" ".join(definition(key).text.split()))
        assert max(len(line) for line in tip.splitlines()) <= 80
        # The heading names what the definition names (checked columns show "Name < target").
        heading = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        assert heading.split(" ")[0] == definition(key).name.split(" ")[0]
    # Checked columns add the targets in force now.
    tip = model.headerData(3, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Now: pass below 180, acceptable below 240" in " ".join(tip.split())


def test_the_help_dialog_shows_every_definition(qtbot) -> None:
    dialog = DefinitionsDialog()
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    for d in DEFINITIONS:
        assert d.name in text and d.text[:60] in text


def test_help_menu_opens_it_once(qtbot, qt_settings) -> None:
    window = MainWindow(settings=qt_settings)
    window.setProperty("headless", True)
    qtbot.addWidget(window)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    action = next(a for a in help_menu.actions() if a.text() == "What the &numbers mean")
    action.trigger()
    first = window.definitions_dialog
    assert first.isVisible() and not first.isModal()
    action.trigger()
    assert window.definitions_dialog is first  # raised again, not a second window
