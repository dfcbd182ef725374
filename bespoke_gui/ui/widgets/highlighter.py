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
        """Compose the layers per segment: every boundary of a keyword, the trigger, the cut
        and a finding splits the block, and each segment gets one merged format (one
        setFormat per segment keeps a keystroke in a long caption cheap)."""
        block_start = self.currentBlock().position()
        length = len(text)
        block_end = block_start + length
        # Layers as (start, end, format, keeps an existing background), in block offsets.
        base: list[tuple[int, int, QTextCharFormat]] = []
        for match in self._keywords.classify(text):
            fmt = self._hex_format(match.colour) if match.kind == HEX_KIND else self._formats.get(match.kind)
            if fmt is not None:
                base.append((match.start, match.end, fmt))
        overlays: list[tuple[int, int, QTextCharFormat, bool]] = []
        if self._trigger_end > block_start:
            overlays.append((0, min(self._trigger_end, block_end) - block_start, self._trigger_format(), False))
        if self._cut_offset is not None and self._cut_offset < block_end and self.currentBlock().blockNumber() == 0:
            overlays.append((max(self._cut_offset - block_start, 0), length, self._cut_format(), True))
        for finding in self._findings:
            for start, end in ((finding.start, finding.end),) + tuple(finding.other_spans):
                if end <= block_start or start >= block_end or end <= start:
                    continue
                overlays.append((max(start, block_start) - block_start, min(end, block_end) - block_start,
                                 self._underline_format(finding.severity), False))
        if not overlays:
            for start, end, fmt in base:
                self.setFormat(start, end - start, fmt)
            return
        cuts = {0, length}
        for start, end, _fmt in base:
            cuts.update((start, end))
        for start, end, _fmt, _keep in overlays:
            cuts.update((max(start, 0), min(end, length)))
        points = sorted(c for c in cuts if 0 <= c <= length)
        b = 0
        for seg_start, seg_end in zip(points, points[1:]):
            if seg_end <= seg_start:
                continue
            while b < len(base) and base[b][1] <= seg_start:
                b += 1
            under = base[b][2] if b < len(base) and base[b][0] <= seg_start else None
            layers = [o for o in overlays if o[0] <= seg_start and o[1] >= seg_end]
            if not layers:
                if under is not None:
                    self.setFormat(seg_start, seg_end - seg_start, under)
                continue
            merged = QTextCharFormat(under) if under is not None else QTextCharFormat()
            had_background = under is not None and under.hasProperty(QTextCharFormat.Property.BackgroundBrush)
            for _s, _e, fmt, keep_background in layers:
                if keep_background and had_background:
                    background = merged.background()
                    merged.merge(fmt)
                    merged.setBackground(background)
                else:
                    merged.merge(fmt)
            self.setFormat(seg_start, seg_end - seg_start, merged)

    # Formats are built once and reused: building QTextCharFormats is not free.
    def _hex_format(self, colour: str | None) -> QTextCharFormat:
        key = f"hex:{colour}"
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = QTextCharFormat()
            if colour:
                qcolour = QColor(colour)
                fmt.setBackground(qcolour)
                fmt.setForeground(contrast_text(qcolour))
            else:
                fmt.setForeground(QColor("#888888"))
                fmt.setFontItalic(True)
            self._formats[key] = fmt
        return fmt

    def _trigger_format(self) -> QTextCharFormat:
        fmt = self._formats.get("overlay:trigger")
        if fmt is None:
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(self._keywords.kind_colour(TRIGGER_KIND)).lighter(185))
            fmt.setFontWeight(QFont.Weight.Bold)
            self._formats["overlay:trigger"] = fmt
        return fmt

    def _cut_format(self) -> QTextCharFormat:
        fmt = self._formats.get("overlay:cut")
        if fmt is None:
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(CUT_BACKGROUND))
            fmt.setFontStrikeOut(True)
            self._formats["overlay:cut"] = fmt
        return fmt

    def _underline_format(self, severity: str) -> QTextCharFormat:
        key = f"overlay:{severity}"
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor(SEVERITY_COLOURS.get(severity, "#888888")))
            self._formats[key] = fmt
        return fmt
