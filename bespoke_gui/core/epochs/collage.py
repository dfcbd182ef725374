"""The report's collage: prompts down, (run, epoch) across, each cell the recovered art.

Each cell is the recovered art scaled up with nearest neighbour, with its unique-colour
and stray counts beneath (red when the image is messy); the best epoch of each run is
marked "best". Labels use Pillow's default font. A grid too large for one picture wraps
into bands and panels (``render_collage``).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from bespoke_gui.core.epochs.analysis import AnalysisResult

_BACKGROUND = (255, 255, 255)
_TEXT = (20, 20, 20)
_MUTED = (110, 110, 110)
_BAD = (200, 30, 30)
_BEST = (20, 130, 40)
_EMPTY = (235, 235, 235)


def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default()


def _text_size(draw: ImageDraw.ImageDraw, text: str, font) -> tuple[int, int]:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    return int(right - left), int(bottom - top)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    if _text_size(draw, text, font)[0] <= width:
        return text
    while text and _text_size(draw, text + "…", font)[0] > width:
        text = text[:-1]
    return text + "…"


COLLAGE_MAX_SIDE = 8000  # pixels: far below Pillow's decompression-bomb limit, still printable


def render_collage(result: AnalysisResult, scale: int = 6, runs: list[str] | None = None) -> Image.Image:
    """Prompts down, (run, epoch) across; each cell the recovered art at ``scale`` x.

    A grid too large for ``COLLAGE_MAX_SIDE`` wraps: the scale drops (to 1 at least), then the
    columns wrap into bands stacked down and the prompts into panels side by side, each with
    its own headings; whatever still does not fit is named in a last line, never drawn huge.
    """
    runs = runs or result.runs
    prompts = result.prompts()
    columns = [(run, column) for run in runs for column in result.columns(run)]
    pad = 6
    cells = result.settings.cells
    while scale > 1 and (
        len(prompts) * (cells * scale + 20) > COLLAGE_MAX_SIDE * 4
        or len(columns) * (cells * scale + pad) > COLLAGE_MAX_SIDE * 4
    ):
        scale -= 1
    tile = cells * scale
    per_band = max(1, (COLLAGE_MAX_SIDE - 220 - 2 * pad) // (tile + pad))
    per_panel = max(1, (COLLAGE_MAX_SIDE - 80) // (tile + 20))
    bands = [columns[i : i + per_band] for i in range(0, max(1, len(columns)), per_band)] or [[]]
    panels = [prompts[i : i + per_panel] for i in range(0, max(1, len(prompts)), per_panel)] or [[]]
    blocks = [[_render_block(result, scale, band, panel) for panel in panels] for band in bands]
    width = max(sum(b.width for b in row) for row in blocks)
    height = sum(max(b.height for b in row) for row in blocks)
    kept_rows: list[list[Image.Image]] = []
    shown_height = 0
    for row in blocks:
        row_height = max(b.height for b in row)
        if kept_rows and shown_height + row_height > COLLAGE_MAX_SIDE:
            break
        kept_rows.append(row)
        shown_height += row_height
    widths = []
    for row in kept_rows:
        kept: list[Image.Image] = []
        used = 0
        for block in row:
            if kept and used + block.width > COLLAGE_MAX_SIDE:
                break
            kept.append(block)
            used += block.width
        row[:] = kept
        widths.append(used)
    left_out = (width, height) != (max(widths), shown_height)
    note_h = 24 if left_out else 0
    canvas = Image.new("RGB", (max(widths), shown_height + note_h), _BACKGROUND)
    y = 0
    for row in kept_rows:
        x = 0
        for block in row:
            canvas.paste(block, (x, y))
            x += block.width
        y += max(b.height for b in row)
    if left_out:
        ImageDraw.Draw(canvas).text(
            (pad, shown_height + 4),
            f"Only part of {len(prompts)} prompt(s) x {len(columns)} column(s) fits the collage's size limit; "
            "see the CSV files for all.",
            fill=_BAD,
            font=_font(),
        )
    return canvas


def _render_block(
    result: AnalysisResult, scale: int, columns: list[tuple[str, tuple[str, int | None]]], prompts: list[str]
) -> Image.Image:
    """One block of the collage: these prompts down, these (run, column)s across."""
    font = _font()
    cells = result.settings.cells
    tile = cells * scale
    pad = 6
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    line_h = _text_size(probe, "Ag", font)[1] + 4
    label_w = max([_text_size(probe, p, font)[0] for p in prompts] + [60]) + 2 * pad
    label_w = min(label_w, 220)
    header_h = 3 * line_h + pad
    cell_w = tile + pad
    cell_h = tile + line_h + pad
    width = label_w + max(1, len(columns)) * cell_w + pad
    height = header_h + max(1, len(prompts)) * cell_h + pad
    canvas = Image.new("RGB", (width, height), _BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for index, (run, column) in enumerate(columns):
        x = label_w + index * cell_w
        summary = result.summary(run, column)
        label = (
            summary.label if summary else (f"{column[0]} {column[1]}" if column[1] is not None else "epoch ?")
        )
        draw.text((x, pad), _fit(draw, run, font, tile), fill=_MUTED, font=font)
        draw.text((x, pad + line_h), _fit(draw, label, font, tile), fill=_TEXT, font=font)
        best = result.best.get(run)
        if best is not None and best.column == column:
            draw.text((x, pad + 2 * line_h), "best", fill=_BEST, font=font)
    for row, prompt in enumerate(prompts):
        y = header_h + row * cell_h
        draw.text(
            (pad, y + tile // 2 - line_h // 2),
            _fit(draw, prompt, font, label_w - 2 * pad),
            fill=_TEXT,
            font=font,
        )
        for index, (run, column) in enumerate(columns):
            x = label_w + index * cell_w
            items = result.cell(run, prompt, column)
            if not items:
                draw.rectangle([x, y, x + tile - 1, y + tile - 1], fill=_EMPTY)
                continue
            item = items[0]
            art = Image.fromarray(np.ascontiguousarray(item.recovery.pixels), "RGB").resize(
                (tile, tile), Image.Resampling.NEAREST
            )
            canvas.paste(art, (x, y))
            metrics = item.metrics
            caption = f"{metrics.unique_colors} col, {metrics.stray_count} stray"
            if len(items) > 1:
                caption += f" +{len(items) - 1}"
            draw.text((x, y + tile + 2), caption, fill=_BAD if metrics.messy else _MUTED, font=font)
    return canvas
