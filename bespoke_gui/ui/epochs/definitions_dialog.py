"""Help > What the numbers mean: every figure of the Epochs tab, from ``core.epochs.definitions``."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from bespoke_gui.core.epochs.definitions import definitions_markdown


class DefinitionsDialog(QDialog):
    """A non-modal reader: it can stay open beside the Epochs tab while the user reads the table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("What the numbers mean")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setMarkdown(
            "# What the numbers mean\n\nThe figures of the Epochs tab.\n\n" + definitions_markdown()
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(680, 640)
