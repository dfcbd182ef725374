"""Caption highlighting: keyword kinds in their colours, hex codes as swatches of their own colour,
the trigger phrases, the token cut point, and lint findings underlined.

The keyword layer is computed per block as Qt asks for it (cheap: one regex pass); the
overlays (trigger, cut, findings) come from the tab's last analysis through
:meth:`CaptionHighlighter.set_overlays`, in document offsets.
"""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from bespoke_gui.core.keywords import HEX_KIND, TRIGGER_KIND, Keywords, default_keywords
from bespoke_gui.core.lint import ERROR, WARNING, Finding

SEVERITY_COLOURS = {ERROR: "#d32f2f", WARNING: "#e0a000", "info": "#1e88e5"}
CUT_BACKGROUND = "#f3d6d6"


def contrast_text(colour: QColor) -> QColor:
    """Black or white, whichever reads better on ``colour``."""
    luminance = 0.299 * colour.red() + 0.587 * colour.green() + 0.114 * colour.blue()
    return QColor("#000000") if luminance > 140 else QColor("#ffffff")


class CaptionHighlighter(QSyntaxHighlighter):
    def __init__(self, parent: QTextDocument | QObject | None = None, keywords: Keywords | None = None) -> None:
        # A QTextDocument parent is also the document highlighted; any other QObject only owns it.
        super().__init__(parent)
        self._keywords = keywords or default_keywords()
        self._formats: dict[str, QTextCharFormat] = {}
        self._trigger_end = 0
        self._cut_offset: int | None = None
        self._findings: list[Finding] = []
        self._build_formats()

    # --- configuration ----------------------------------------------------------------
    @property
    def keywords(self) -> Keywords:
        return self._keywords

    def set_keywords(self, keywords: Keywords) -> None:
        self._keywords = keywords
        self._build_formats()
        self.rehighlight()

    def set_overlays(self, trigger_end: int, cut_offset: int | None, findings: Sequence[Finding]) -> None:
        """Trigger phrases end at ``trigger_end``; text from ``cut_offset`` is past the token window."""
        findings = list(findings)
        if (trigger_end, cut_offset, findings) == (self._trigger_end, self._cut_offset, self._findings):
            return
        self._trigger_end, self._cut_offset, self._findings = trigger_end, cut_offset, findings
        self.rehighlight()

    @property
    def cut_offset(self) -> int | None:
        return self._cut_offset

    def _build_formats(self) -> None:
        self._formats = {}
        for kind in self._keywords.kinds.values():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(kind.colour))
            if kind.feature:
                fmt.setFontWeight(QFont.Weight.DemiBold)
            self._formats[kind.name] = fmt

    # --- painting ---------------------------------------------------------------------
    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        block_start = self.currentBlock().position()
        block_end = block_start + len(text)
        for match in self._keywords.classify(text):
            if match.kind == HEX_KIND:
                fmt = QTextCharFormat()
                if match.colour:
                    colour = QColor(match.colour)
                    fmt.setBackground(colour)
                    fmt.setForeground(contrast_text(colour))
                else:
                    fmt.setForeground(QColor("#888888"))
                    fmt.setFontItalic(True)
                self.setFormat(match.start, match.end - match.start, fmt)
            else:
                fmt = self._formats.get(match.kind)
                if fmt is not None:
                    self.setFormat(match.start, match.end - match.start, fmt)
        if self._trigger_end > block_start:
            trigger = QTextCharFormat()
            trigger.setBackground(QColor(self._keywords.kind_colour(TRIGGER_KIND)).lighter(185))
            trigger.setFontWeight(QFont.Weight.Bold)
            self._overlay(0, min(self._trigger_end, block_end) - block_start, trigger)
        if self._cut_offset is not None and self._cut_offset < block_end and self.currentBlock().blockNumber() == 0:
            cut = QTextCharFormat()
            cut.setBackground(QColor(CUT_BACKGROUND))
            cut.setFontStrikeOut(True)
            start = max(self._cut_offset - block_start, 0)
            self._overlay(start, len(text) - start, cut, keep_background=True)
        for finding in self._findings:
            spans = ((finding.start, finding.end),) + tuple(finding.other_spans)
            for start, end in spans:
                if end <= block_start or start >= block_end or end <= start:
                    continue
                under = QTextCharFormat()
                under.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                under.setUnderlineColor(QColor(SEVERITY_COLOURS.get(finding.severity, "#888888")))
                a = max(start, block_start) - block_start
                b = min(end, block_end) - block_start
                self._overlay(a, b - a, under)

    def _overlay(self, start: int, length: int, extra: QTextCharFormat, keep_background: bool = False) -> None:
        """Merge ``extra`` into the formats already set, run by run (keeps the keyword colours).

        With ``keep_background`` a run that already has a background (a hex swatch) keeps it.
        """
        if length <= 0:
            return
        end = start + length
        run_start = start
        current = self.format(start)
        for i in range(start + 1, end + 1):
            fmt = self.format(i) if i < end else None
            if fmt is None or fmt != current:
                merged = QTextCharFormat(current)
                had_background = current.hasProperty(QTextCharFormat.Property.BackgroundBrush)
                merged.merge(extra)
                if keep_background and had_background:
                    merged.setBackground(current.background())
                self.setFormat(run_start, i - run_start, merged)
                run_start, current = i, fmt  # type: ignore[assignment]
