"""Caption highlighting: keyword kinds in their colours, hex codes as swatches of their own colour,
the trigger phrases, the token cut point, and lint findings underlined.

The keyword layer is computed per block as Qt asks for it (cheap: one regex pass); the
overlays (trigger, cut, findings) come from the tab's last analysis through
:meth:`CaptionHighlighter.set_overlays`, in document offsets.

A caption is usually one block, so highlighting it again is the costliest step of a
keystroke. The highlighter remembers which overlays each block was drawn with and
highlights again only the blocks whose overlays changed. When the tab analyses an edit
before Qt highlights it (``later=True``), the edited block is drawn once, with the new
overlays, and the other blocks are brought up to date on the next pass of the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from bespoke_gui.core.captions.keywords import HEX_KIND, TRIGGER_KIND, Keywords, default_keywords
from bespoke_gui.core.findings import Finding, Severity
from bespoke_gui.ui.widgets.timers import single_shot_timer

SEVERITY_COLOURS = {Severity.ERROR: "#d32f2f", Severity.WARNING: "#e0a000", Severity.INFO: "#1e88e5"}
CUT_BACKGROUND = "#f3d6d6"


def contrast_text(colour: QColor) -> QColor:
    """Black or white, whichever reads better on ``colour``."""
    luminance = 0.299 * colour.red() + 0.587 * colour.green() + 0.114 * colour.blue()
    return QColor("#000000") if luminance > 140 else QColor("#ffffff")


class CaptionHighlighter(QSyntaxHighlighter):
    def __init__(
        self, parent: QTextDocument | QObject | None = None, keywords: Keywords | None = None
    ) -> None:
        # A QTextDocument parent is also the document highlighted; any other QObject only owns it.
        super().__init__(parent)
        self._keywords = keywords or default_keywords()
        self._formats: dict[str, QTextCharFormat] = {}
        self._trigger_end = 0
        self._cut_offset: int | None = None
        self._findings: list[Finding] = []
        # block number -> the overlays (block offsets and format keys) it was last drawn with.
        # Numbers shift when lines come or go: the record holds for one block count only.
        self._drawn: dict[int, tuple[tuple[int, int, str], ...]] = {}
        self._drawn_blocks = 0
        self._merged: dict[tuple, QTextCharFormat] = {}
        self._refresh_timer = single_shot_timer(self, 0, self.refresh_stale_blocks)
        self._build_formats()

    # --- configuration ----------------------------------------------------------------
    @property
    def keywords(self) -> Keywords:
        return self._keywords

    def set_keywords(self, keywords: Keywords) -> None:
        self._keywords = keywords
        self._build_formats()
        self.rehighlight()

    def setDocument(self, document: QTextDocument | None) -> None:
        self._refresh_timer.stop()  # Qt highlights a new document whole on its next pass
        self._drawn.clear()
        super().setDocument(document)

    def _drawn_record(self, document: QTextDocument) -> dict[int, tuple[tuple[int, int, str], ...]]:
        if document.blockCount() != self._drawn_blocks:
            self._drawn.clear()  # lines were added or removed: the numbers no longer name the same blocks
            self._drawn_blocks = document.blockCount()
        return self._drawn

    def set_overlays(
        self, trigger_end: int, cut_offset: int | None, findings: Sequence[Finding], later: bool = False
    ) -> None:
        """Trigger phrases end at ``trigger_end``; text from ``cut_offset`` is past the token window.

        Only blocks whose overlays changed are highlighted again: now, or with ``later`` on the
        next event-loop pass (for an edit that Qt is about to highlight anyway)."""
        self._trigger_end, self._cut_offset, self._findings = trigger_end, cut_offset, list(findings)
        if later:
            self._refresh_timer.start()
        else:
            self.refresh_stale_blocks()

    def refresh_stale_blocks(self) -> int:
        """Highlight again the blocks drawn with other overlays than the current ones; how many."""
        self._refresh_timer.stop()
        document = self.document()
        if document is None:
            return 0
        refreshed = 0
        drawn = self._drawn_record(document)
        block = document.firstBlock()
        while block.isValid():
            text = block.text()
            if drawn.get(block.blockNumber()) != self._block_overlays(
                block.position(), len(text), block.blockNumber()
            ):
                self.rehighlightBlock(block)
                refreshed += 1
            block = block.next()
        return refreshed

    @property
    def cut_offset(self) -> int | None:
        return self._cut_offset

    def _build_formats(self) -> None:
        self._formats = {}
        self._merged = {}
        for kind in self._keywords.kinds.values():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(kind.colour))
            if kind.feature:
                fmt.setFontWeight(QFont.Weight.DemiBold)
            self._formats[kind.name] = fmt

    # --- painting ---------------------------------------------------------------------
    def _block_overlays(
        self, block_start: int, length: int, block_number: int
    ) -> tuple[tuple[int, int, str], ...]:
        """The overlays over one block, as (start, end, format key) in block offsets."""
        block_end = block_start + length
        out: list[tuple[int, int, str]] = []
        if self._trigger_end > block_start:
            out.append((0, min(self._trigger_end, block_end) - block_start, "trigger"))
        if self._cut_offset is not None and self._cut_offset < block_end and block_number == 0:
            out.append((max(self._cut_offset - block_start, 0), length, "cut"))
        for finding in self._findings:
            for start, end in ((finding.start, finding.end),) + tuple(finding.other_spans):
                if end <= block_start or start >= block_end or end <= start:
                    continue
                out.append(
                    (
                        max(start, block_start) - block_start,
                        min(end, block_end) - block_start,
                        finding.severity,
                    )
                )
        return tuple(out)

    def highlightBlock(self, text: str) -> None:
        """Compose the layers per segment: every boundary of a keyword, the trigger, the cut
        and a finding splits the block, and each segment gets one merged format (one
        setFormat per segment, merged formats reused, keeps a keystroke in a long caption cheap)."""
        block = self.currentBlock()
        length = len(text)
        overlays = self._block_overlays(block.position(), length, block.blockNumber())
        self._drawn_record(block.document())[block.blockNumber()] = overlays
        # The keyword layer as (start, end, format key), in block offsets.
        base: list[tuple[int, int, str]] = []
        for match in self._keywords.classify(text):
            if match.kind == HEX_KIND:
                key = self._hex_key(match.colour)
            elif match.kind in self._formats:
                key = match.kind
            else:
                continue
            base.append((match.start, match.end, key))
        formats = self._formats
        if not overlays:
            for start, end, key in base:
                self.setFormat(start, end - start, formats[key])
            return
        cuts = {0, length}
        for start, end, _key in base:
            cuts.add(start)
            cuts.add(end)
        bounds = set()
        for start, end, _key in overlays:
            bounds.add(max(start, 0))
            bounds.add(min(end, length))
        cuts |= bounds
        points = sorted(c for c in cuts if 0 <= c <= length)
        merged_formats = self._merged
        b = 0
        layers: tuple[str, ...] = ()
        for index in range(len(points) - 1):
            seg_start, seg_end = points[index], points[index + 1]
            if index == 0 or seg_start in bounds:
                # The overlays over a segment change only where an overlay starts or ends.
                layers = tuple(o[2] for o in overlays if o[0] <= seg_start and o[1] >= seg_end)
            while b < len(base) and base[b][1] <= seg_start:
                b += 1
            under = base[b][2] if b < len(base) and base[b][0] <= seg_start else None
            if not layers:
                if under is not None:
                    self.setFormat(seg_start, seg_end - seg_start, formats[under])
                continue
            merged = merged_formats.get((under, layers))
            if merged is None:
                merged = self._merge(under, layers)
                merged_formats[(under, layers)] = merged
            self.setFormat(seg_start, seg_end - seg_start, merged)

    def _merge(self, under: str | None, layers: tuple[str, ...]) -> QTextCharFormat:
        """A keyword's format with overlays on top; the cut keeps a swatch's own background."""
        base = self._formats[under] if under is not None else None
        merged = QTextCharFormat(base) if base is not None else QTextCharFormat()
        had_background = base is not None and base.hasProperty(QTextCharFormat.Property.BackgroundBrush)
        for key in layers:
            fmt = self._overlay_format(key)
            if key == "cut" and had_background:
                background = merged.background()
                merged.merge(fmt)
                merged.setBackground(background)
            else:
                merged.merge(fmt)
        return merged

    def _overlay_format(self, key: str) -> QTextCharFormat:
        if key == "trigger":
            return self._trigger_format()
        if key == "cut":
            return self._cut_format()
        return self._underline_format(key)

    # Formats are built once and reused: building QTextCharFormats is not free.
    def _hex_key(self, colour: str | None) -> str:
        key = f"hex:{colour}"
        if key not in self._formats:
            self._hex_format(colour)
        return key

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
