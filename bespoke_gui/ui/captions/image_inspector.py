"""The open caption's image at its true pixels: the Captions tab's part that reads and lights it.

The pixels are read by a job and kept for the last ``PIXEL_CACHE`` images. Hovering a hex
code or a colour word in the caption (or putting the cursor on one), or a palette swatch,
lights the pixels of that colour; hovering a pixel names its colour.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from bespoke_gui.core.captions.keywords import COLOUR_KIND, HEX_KIND, KeywordMatch
from bespoke_gui.core.captions.pixels import ImagePixels, colour_mask, nearest_named_mask
from bespoke_gui.core.captions.state import CaptionItem, read_pixels
from bespoke_gui.ui.captions.views import PixelPane

if TYPE_CHECKING:
    from bespoke_gui.ui.captions.tab import CaptionsTab

PIXEL_CACHE = 48
# Up to this many pixels a colour word lights the pixels nearest to it among the named
# colours; a larger image (not a clean upscale) uses a wide tolerance instead.
NAMED_MASK_MAX_PIXELS = 128 * 128
WIDE_TOLERANCE = 48


class ImageInspector:
    """Reads the open caption's pixels and answers hovers in the caption, palette and image."""

    def __init__(self, tab: CaptionsTab, pane: PixelPane) -> None:
        self.tab = tab
        self.pane = pane
        self.cache: OrderedDict[Path, ImagePixels] = OrderedDict()
        self.pixels: ImagePixels | None = None
        self._highlight_key: tuple | None = None
        self._hovering = False
        pane.pixel_view.hovered.connect(self._pixel_hovered)
        pane.palette_strip.hovered.connect(self._palette_hovered)
        tab.editor.hovered_position.connect(self._hovered_text)
        tab.editor.cursorPositionChanged.connect(self._cursor_moved)

    def clear(self) -> None:
        self.cache.clear()
        self.pixels = None
        self._highlight_key = None
        self.pane.pixel_view.set_pixels(None)
        self.pane.palette_strip.set_palette([])

    def load(self, item: CaptionItem) -> None:
        self.clear_shown()
        if item.image is None:
            self.pane.pixel_label.setText("No image for this caption.")
            return
        cached = self.cache.get(item.image)
        if cached is not None:
            self._show(cached)
            return

        def done(pixels: ImagePixels, path: Path = item.image) -> None:
            self.cache[path] = pixels
            while len(self.cache) > PIXEL_CACHE:
                self.cache.popitem(last=False)
            self.tab.state.palettes[path] = tuple(pixels.palette)
            current = self.tab.current
            if current is not None and current.image == path:
                self._show(pixels)

        def failed(message: str, path: Path = item.image) -> None:
            current = self.tab.current
            if current is not None and current.image == path:
                self.pane.pixel_label.setText(f"Cannot show {path.name}: {message}")

        self.tab.jobs.start(
            read_pixels, item.image, description=f"reading {item.image.name}", finished=done, failed=failed
        )

    def clear_shown(self) -> None:
        self.pixels = None
        self._highlight_key = None
        self.pane.pixel_view.set_pixels(None)
        self.pane.palette_strip.set_palette([])
        self.pane.pixel_label.setText("")

    def _show(self, pixels: ImagePixels) -> None:
        self.pixels = pixels
        self._highlight_key = None
        self.pane.pixel_view.set_pixels(pixels.pixels)
        self.pane.palette_strip.set_palette(pixels.palette)
        h, w = pixels.pixels.shape[:2]
        how = (
            "true pixels of a clean upscale" if pixels.exact_grid else "as stored (not a clean block upscale)"
        )
        self.pane.pixel_label.setText(f"{w}x{h} {how}; {len(pixels.palette)} colours")
        self.tab.analyse_current()

    def _match_at(self, position: int) -> KeywordMatch | None:
        for match in self.tab.facts.matches:
            if (
                match.start <= position <= match.end
                and match.kind in (HEX_KIND, COLOUR_KIND)
                and match.colour
            ):
                return match
        return None

    def highlight_match_at(self, position: int) -> bool:
        """Light the pixels of the hex code or colour word at ``position``; True when one was there."""
        pixels = self.pixels
        match = self._match_at(position) if position >= 0 else None
        key = (
            (id(pixels), match.kind, match.colour, match.text)
            if pixels is not None and match is not None
            else None
        )
        if key == self._highlight_key:
            return key is not None  # unchanged: no repaint of the image on every keystroke
        self._highlight_key = key
        if pixels is None or match is None:
            self.pane.pixel_view.set_highlight(None)
            return False
        keywords = self.tab.keywords
        if match.kind == HEX_KIND:
            mask = colour_mask(pixels.pixels, match.colour, keywords.tuning.palette_tolerance)
        elif pixels.pixels.shape[0] * pixels.pixels.shape[1] <= NAMED_MASK_MAX_PIXELS:
            mask = nearest_named_mask(pixels.pixels, match.colour, keywords.colours, match.text.lower())
        else:
            mask = colour_mask(pixels.pixels, match.colour, WIDE_TOLERANCE)
        self.pane.pixel_view.set_highlight(mask)
        self.pane.pixel_label.setText(f"{match.text}: {int(mask.sum())} pixel(s)")
        return True

    def _hovered_text(self, position: int) -> None:
        self._hovering = position >= 0 and self._match_at(position) is not None
        if self._hovering:
            self.highlight_match_at(position)
        else:
            self._cursor_moved()

    def _cursor_moved(self) -> None:
        if not self._hovering:
            self.highlight_match_at(self.tab.editor.textCursor().position())

    def _palette_hovered(self, code: str) -> None:
        self._highlight_key = ("palette", code)
        if self.pixels is None or not code:
            self.pane.pixel_view.set_highlight(None)
            return
        mask = colour_mask(self.pixels.pixels, code, 0)
        self.pane.pixel_view.set_highlight(mask)
        self.pane.pixel_label.setText(f"{code}: {int(mask.sum())} pixel(s)")

    def _pixel_hovered(self, x: int, y: int) -> None:
        if self.pixels is None or x < 0:
            return
        r, g, b = (int(v) for v in self.pixels.pixels[y, x, :3])
        self.pane.pixel_label.setText(f"pixel {x},{y}: #{r:02x}{g:02x}{b:02x}")
