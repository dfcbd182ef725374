"""The Captions tab's panes: the caption list with its filters, the findings table, the pixels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from bespoke_gui.core.captions.keywords import Keywords
from bespoke_gui.core.captions.lint import RULES
from bespoke_gui.ui.captions.model import (
    CaptionFilterProxy,
    CaptionItemDelegate,
    CaptionListModel,
    CaptionListView,
)
from bespoke_gui.ui.captions.panels import LintFindingsModel, PaletteStrip
from bespoke_gui.ui.widgets.pixel_view import PixelView

LINT_FILTERS = (
    ("", "All"),
    ("unsaved", "Unsaved"),
    ("changed", "Changed on disk"),
    ("errors", "With errors"),
    ("warnings", "With warnings"),
    ("any", "With any finding"),
)


class CaptionListPane(QWidget):
    """Filter by text, by keyword kind and by lint state; the captions; how many there are."""

    def __init__(
        self, request_thumbnails: Callable[[list[Path]], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = CaptionListModel(request_thumbnails, self)
        self.proxy = CaptionFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.list = CaptionListView()
        self.list.setModel(self.proxy)
        self.list.setItemDelegate(CaptionItemDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.filter_text = QLineEdit()
        self.filter_text.setPlaceholderText("Filter by text…")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_text.textChanged.connect(lambda t: self.proxy.set_filters(text=t))
        self.filter_kind = QComboBox()
        self.keywords: Keywords | None = None
        self.filter_kind.currentIndexChanged.connect(self._kind_filter_changed)
        self.filter_lint = QComboBox()
        for key, label in LINT_FILTERS:
            self.filter_lint.addItem(label, key)
        for rule, label in RULES.items():
            self.filter_lint.addItem(f"Rule: {label}", f"rule:{rule}")
        self.filter_lint.currentIndexChanged.connect(
            lambda _i: self.proxy.set_filters(lint=str(self.filter_lint.currentData()))
        )
        self.count_label = QLabel("No workspace")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_text)
        row = QHBoxLayout()
        row.addWidget(self.filter_kind, 1)
        row.addWidget(self.filter_lint, 1)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.count_label)

    def set_keywords(self, keywords: Keywords) -> None:
        """The keyword kinds the kind filter offers (the choice made so far stays in force)."""
        self.keywords = keywords
        with signals_blocked(self.filter_kind):
            self.filter_kind.clear()
            self.filter_kind.addItem("Any keyword", "")
            for kind in keywords.kinds.values():
                if kind.name != "trigger":
                    self.filter_kind.addItem(f"Has {kind.label.lower()}", kind.name)

    def _kind_filter_changed(self, _index: int) -> None:
        kind = self.filter_kind.currentData()
        keywords = self.keywords
        if not kind or keywords is None:
            self.proxy.set_filters(kind_test=None)
            return
        self.proxy.set_filters(kind_test=lambda text: any(m.kind == kind for m in keywords.classify(text)))


class FindingsTable(QTableView):
    """The current caption's findings. Row heights follow the messages: all rows on a reset
    (another caption), else only the rows added or changed, never the whole table per key."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.findings_model = LintFindingsModel(self)
        self.setModel(self.findings_model)
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.horizontalHeader()
        # Fixed widths: ResizeToContents would measure every row on each keystroke's update.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, 24)
        header.resizeSection(1, 130)
        header.resizeSection(3, 200)
        self.setWordWrap(True)
        self.findings_model.modelReset.connect(self.resizeRowsToContents)
        self.findings_model.rowsInserted.connect(self._rows_inserted)
        self.findings_model.dataChanged.connect(self._rows_changed)

    def _rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            self.resizeRowToContents(row)

    def _rows_changed(self, top: QModelIndex, bottom: QModelIndex, _roles: object = None) -> None:
        for row in range(top.row(), bottom.row() + 1):
            self.resizeRowToContents(row)


class PixelPane(QWidget):
    """The image's true pixels, its palette strip and a line about what is under the pointer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pixel_view = PixelView()
        self.palette_strip = PaletteStrip()
        self.pixel_label = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pixel_view, 1)
        layout.addWidget(QLabel("Palette (hover a colour, or a hex code / colour word in the caption):"))
        layout.addWidget(self.palette_strip)
        layout.addWidget(self.pixel_label)
