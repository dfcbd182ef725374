"""Cleaned art: the recovered pixel art with its strays replaced by their neighbourhood's colour.

    cleaned = clean_art(art, report.mask)      # art (H, W, 3) uint8, mask (H, W) bool
    files = export_cleaned(items, out_dir)     # the raw and cleaned art of each item, 24 px and upscaled

``clean_art`` replaces each stray by the majority colour of its non-stray 8-neighbours.
Ties break towards the colour with more edge-sharing (up, down, left, right) neighbours,
since a pixel reads as part of the region it shares an edge with; a tie there too goes to
the colour met first in reading order (top-left, top, top-right, left, right, bottom-left,
bottom, bottom-right). Only the original non-stray pixels vote, so the result does not
depend on the order strays are visited. A stray whose neighbours are all strays (or
that has none) keeps its colour: there is nothing sound to replace it with.

What a user exports (``export_cleaned``): per sample ``NAME.png`` (the raw recovery, as
``downscale`` writes it) beside ``NAME_cleaned.png``, both at the art's own size (24 px,
the file to use), and the same pair upscaled with nearest neighbour by a whole factor
(default 20: 480 px, every art pixel one equal block) under ``x20/``, to look at and
share. The raw file stays so a cleaned pixel can always be checked against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from bespoke_gui.core.files import atomic_write_with, make_folder

DEFAULT_UPSCALE = 20
CLEANED_SUFFIX = "_cleaned"

# Neighbour offsets (dy, dx) in reading order; the edge-sharing ones are marked.
_OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))
_EDGE_SHARING = np.array([dy == 0 or dx == 0 for dy, dx in _OFFSETS])


def clean_art(art: np.ndarray, stray_mask: np.ndarray) -> np.ndarray:
    """``art`` with every stray replaced by the majority colour of its non-stray 8-neighbours."""
    if art.ndim != 3 or art.shape[2] != 3 or art.dtype != np.uint8:
        raise ValueError("expected an HxWx3 uint8 art array")
    if stray_mask.shape != art.shape[:2]:
        raise ValueError(f"the stray mask is {stray_mask.shape}, the art {art.shape[:2]}")
    out = art.copy()
    height, width = stray_mask.shape
    for y, x in zip(*np.nonzero(stray_mask), strict=True):
        votes: dict[tuple[int, int, int], list[int]] = {}  # colour -> [count, edge-sharing count, first]
        for order, (dy, dx) in enumerate(_OFFSETS):
            ny, nx = y + dy, x + dx
            if not (0 <= ny < height and 0 <= nx < width) or stray_mask[ny, nx]:
                continue
            colour = (int(art[ny, nx, 0]), int(art[ny, nx, 1]), int(art[ny, nx, 2]))
            vote = votes.setdefault(colour, [0, 0, order])
            vote[0] += 1
            vote[1] += int(_EDGE_SHARING[order])
        if votes:
            best = max(votes.items(), key=lambda kv: (kv[1][0], kv[1][1], -kv[1][2]))[0]
            out[y, x] = best
    return out


@dataclass(frozen=True)
class CleanedItem:
    """One sample to export: its output name, recovered art and stray mask."""

    name: str  # file stem, e.g. "e000008_00_portrait"
    art: np.ndarray  # (H, W, 3) uint8, the raw recovery
    stray_mask: np.ndarray  # (H, W) bool


@dataclass(frozen=True)
class CleanedFiles:
    raw: Path
    cleaned: Path
    raw_upscaled: Path
    cleaned_upscaled: Path
    replaced: int  # stray pixels given their neighbourhood's colour


def _save_png(path: Path, pixels: np.ndarray) -> None:
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    atomic_write_with(path, lambda handle: image.save(handle, format="PNG"))


def upscale_nearest(art: np.ndarray, factor: int) -> np.ndarray:
    """Each art pixel a ``factor`` x ``factor`` block."""
    return np.repeat(np.repeat(art, factor, axis=0), factor, axis=1)


def export_cleaned(
    items: Sequence[CleanedItem], out_dir: Path | str, upscale: int = DEFAULT_UPSCALE
) -> list[CleanedFiles]:
    """Write each item's raw and cleaned art at its own size and ``upscale`` x (atomic writes)."""
    if upscale < 1:
        raise ValueError("the upscale factor must be at least 1")
    out = Path(out_dir)
    big_dir = out / f"x{upscale}"
    make_folder(big_dir)
    written = []
    for item in items:
        cleaned = clean_art(item.art, item.stray_mask)
        files = CleanedFiles(
            raw=out / f"{item.name}.png",
            cleaned=out / f"{item.name}{CLEANED_SUFFIX}.png",
            raw_upscaled=big_dir / f"{item.name}.png",
            cleaned_upscaled=big_dir / f"{item.name}{CLEANED_SUFFIX}.png",
            replaced=int(np.count_nonzero(np.any(cleaned != item.art, axis=2))),
        )
        _save_png(files.raw, item.art)
        _save_png(files.cleaned, cleaned)
        _save_png(files.raw_upscaled, upscale_nearest(item.art, upscale))
        _save_png(files.cleaned_upscaled, upscale_nearest(cleaned, upscale))
        written.append(files)
    return written


_PAD = 6
_WHITE = (255, 255, 255)
_TEXT = (20, 20, 20)
_MUTED = (110, 110, 110)
_RING = (230, 30, 30)


def render_before_after(items: Sequence[CleanedItem], scale: int = 8) -> Image.Image:
    """One row per item: its name, the raw art with strays ringed in red, and the cleaned art."""
    font = ImageFont.load_default()
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    line_h = int(probe.textbbox((0, 0), "Ag", font=font)[3]) + 4
    rows, cols = items[0].art.shape[:2] if items else (24, 24)
    tile_w, tile_h = cols * scale, rows * scale
    width = _PAD + 2 * (tile_w + _PAD)
    height = _PAD + line_h + max(1, len(items)) * (tile_h + 2 * line_h + _PAD)
    canvas = Image.new("RGB", (width, height), _WHITE)
    draw = ImageDraw.Draw(canvas)
    draw.text((_PAD, _PAD), "before (strays ringed)", fill=_MUTED, font=font)
    draw.text((2 * _PAD + tile_w, _PAD), "after (cleaned)", fill=_MUTED, font=font)
    y = _PAD + line_h
    for item in items:
        draw.text((_PAD, y), item.name[: max(8, width // 7)], fill=_TEXT, font=font)
        y += line_h
        cleaned = clean_art(item.art, item.stray_mask)
        before = Image.fromarray(np.ascontiguousarray(upscale_nearest(item.art, scale)), "RGB")
        ring = ImageDraw.Draw(before)
        for sy, sx in zip(*np.nonzero(item.stray_mask), strict=True):
            ring.rectangle(
                [sx * scale - 1, sy * scale - 1, (sx + 1) * scale, (sy + 1) * scale], outline=_RING, width=2
            )
        canvas.paste(before, (_PAD, y))
        canvas.paste(Image.fromarray(upscale_nearest(cleaned, scale), "RGB"), (2 * _PAD + tile_w, y))
        strays = int(item.stray_mask.sum())
        draw.text(
            (_PAD, y + tile_h + 2), f"{strays} stray{'s' if strays != 1 else ''}", fill=_MUTED, font=font
        )
        y += tile_h + line_h + _PAD
    return canvas
