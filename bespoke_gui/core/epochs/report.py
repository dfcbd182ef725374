"""Export an analysis: a labelled collage PNG, a Markdown report and CSV tables.

API:

    image = render_collage(result, scale=6)        # PIL.Image: prompts down, epochs across
    files = write_report(result, Path("out"))      # ReportFiles(collage, markdown, epochs_csv, images_csv, ...)
    text = epochs_csv_text(result); text = images_csv_text(result); text = markdown_text(result)

The collage has one block of columns per run (epochs in order), one row per prompt;
each cell is the recovered art scaled up with nearest neighbour, with its unique-colour
and stray counts beneath (red when the image is messy). The best epoch of each run is
marked "best". Labels use Pillow's default font. Every file is written atomically.

Cleaned art (``core.epochs.cleanup``): the report shows the samples of the epoch chosen
for production in each run (the best epoch where none is chosen) before and after their
strays are cleaned (``cleaned.png``, and a section of report.md); with ``cleaned=True``
it also exports their raw and cleaned art, 24 px and upscaled, into ``cleaned/``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from bespoke_gui.core.colour import to_hex
from bespoke_gui.core.epochs.analysis import AnalysisResult, ImageAnalysis
from bespoke_gui.core.epochs.cleanup import (
    DEFAULT_UPSCALE,
    CleanedFiles,
    CleanedItem,
    export_cleaned,
    render_before_after,
)
from bespoke_gui.core.epochs.metrics import REASON_KEYS, EpochSummary, ImageMetrics
from bespoke_gui.core.files import atomic_write_text, atomic_write_with

COLLAGE_NAME = "collage.png"
MARKDOWN_NAME = "report.md"
EPOCHS_CSV_NAME = "epochs.csv"
IMAGES_CSV_NAME = "images.csv"
BEFORE_AFTER_NAME = "cleaned.png"
CLEANED_DIR_NAME = "cleaned"

_BACKGROUND = (255, 255, 255)
_TEXT = (20, 20, 20)
_MUTED = (110, 110, 110)
_BAD = (200, 30, 30)
_BEST = (20, 130, 40)
_EMPTY = (235, 235, 235)


@dataclass(frozen=True)
class ReportFiles:
    collage: Path
    markdown: Path
    epochs_csv: Path
    images_csv: Path
    before_after: Path | None = None  # the chosen samples before and after cleaning
    cleaned: tuple[CleanedFiles, ...] = ()  # the exported cleaned art (cleaned=True)


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


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:.{digits}f}"


def epoch_rows(result: AnalysisResult) -> list[dict[str, str]]:
    rows = []
    for summary in result.epochs:
        best = result.best.get(summary.run)
        row = {
            "run": summary.run,
            "column": summary.label,
            "epoch": "" if summary.column[0] != "epoch" else str(summary.column[1]),
            "step": "" if summary.column[0] != "step" else str(summary.column[1]),
            "images": str(summary.images),
            "avg_unique_colors": _fmt(summary.avg_unique_colors),
            "avg_palette_size": _fmt(summary.avg_palette_size),
            "avg_stray_pixels": _fmt(summary.avg_stray_pixels),
            "avg_background_colours": _fmt(summary.avg_background_colours),
            "avg_background_colours_nearest": _fmt(summary.avg_background_colours_nearest),
            "messy_share": _fmt(summary.messy_share, 3),
            "avg_grid_fit": _fmt(summary.avg_grid_fit, 3),
            "points": str(summary.points),
            "best": "yes" if best is not None and best.column == summary.column else "",
        }
        for check in summary.checks:
            row[f"check_{check.name.replace(' ', '_')}"] = check.status
        rows.append(row)
    return rows


def image_rows(result: AnalysisResult) -> list[dict[str, str]]:
    rows = []
    for item in result.images:
        s, m = item.sample, item.metrics
        rows.append(
            {
                "path": str(s.path),
                "run": s.run,
                "epoch": "" if s.epoch is None else str(s.epoch),
                "step": "" if s.step is None else str(s.step),
                "prompt": s.prompt,
                "seed": "" if s.seed is None else str(s.seed),
                "size": f"{item.size[0]}x{item.size[1]}",
                "unique_colors": str(m.unique_colors),
                "palette_size": str(m.palette_size),
                "stray_pixels": str(m.stray_count),
                "stray_list": " ".join(
                    f"{x},{y}:{REASON_KEYS.get(str(m.stray_reason[y, x]), 'stray')}"
                    for x, y in m.stray_pixels
                ),
                "messy": "yes" if m.messy else "no",
                "messy_reasons": "; ".join(m.messy_reasons),
                "background": m.background.hex or "",
                "background_colours": str(m.background.colours_original) if m.background.colour else "",
                "background_colours_nearest": str(m.background.colours_nearest)
                if m.background.colour
                else "",
                "grid_fit": _fmt(m.grid_fit, 3),
                "exact": "yes" if item.recovery.exact else "no",
                "palette": " ".join(to_hex(c) for c in item.recovery.palette.colours),
            }
        )
    return rows


def _csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    if rows:
        fields: list[str] = []
        for row in rows:
            fields.extend(k for k in row if k not in fields)
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def epochs_csv_text(result: AnalysisResult) -> str:
    return _csv_text(epoch_rows(result))


def images_csv_text(result: AnalysisResult) -> str:
    return _csv_text(image_rows(result))


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _check_text(summary: EpochSummary) -> str:
    return ", ".join(f"{c.name} {c.status}" for c in summary.checks)


def markdown_text(
    result: AnalysisResult, collage_name: str | None = COLLAGE_NAME, chosen: Mapping[str, str] | None = None
) -> str:
    """The report; ``chosen`` maps a run to the epoch the user picked for production."""
    settings = result.settings
    targets = settings.targets
    lines = ["# Epoch report", ""]
    lines.append(
        f"{len(result.images)} images analysed in {len(result.runs)} run(s); method `{settings.method}`, "
        f"{settings.cells}x{settings.cells} cells, "
        + (
            "colours merged by each image's measured drift."
            if settings.merge_threshold > 0
            else "no colour merging."
        )
    )
    if result.errors:
        lines.append(f"{len(result.errors)} file(s) could not be analysed (listed at the end).")
    lines.append("")
    lines.append(
        f"Targets (target / minimum): average unique colours < {targets.unique_colors_target:g} / "
        f"< {targets.unique_colors_minimum:g}; background colours ({targets.background_source}) < "
        f"{targets.background_colours_target:g} / < {targets.background_colours_minimum:g}; messy share < "
        f"{targets.messy_share_target:.0%} / < {targets.messy_share_minimum:.0%}."
    )
    lines.append("")
    for run, run_best in result.best.items():
        lines.append(f"**Best of {_md_escape(run)}: {run_best.label}** ({_check_text(run_best)}).")
    lines.append("")
    if collage_name:
        lines += [f"![collage]({collage_name})", ""]
    lines += ["## Per epoch", ""]
    header = [
        "run",
        "epoch",
        "images",
        "avg unique colours",
        "avg palette",
        "avg strays",
        "avg background colours",
        "messy",
        "grid fit",
        "checks",
    ]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for summary in result.epochs:
        best = result.best.get(summary.run)
        mark = " (best)" if best is not None and best.column == summary.column else ""
        lines.append(
            "| "
            + " | ".join(
                [
                    _md_escape(summary.run),
                    summary.label + mark,
                    str(summary.images),
                    _fmt(summary.avg_unique_colors),
                    _fmt(summary.avg_palette_size),
                    _fmt(summary.avg_stray_pixels),
                    _fmt(summary.avg_background_colours),
                    f"{summary.messy_share:.0%}",
                    _fmt(summary.avg_grid_fit, 2),
                    _check_text(summary),
                ]
            )
            + " |"
        )
    lines += ["", "## Per image", "", "Strays are listed by reason (core.epochs.strays decides them).", ""]
    header = [
        "image",
        "run",
        "epoch",
        "prompt",
        "unique colours",
        "palette",
        "strays",
        "messy",
        "background",
        "bg colours",
        "grid fit",
    ]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for item in result.images:
        s, m = item.sample, item.metrics
        lines.append(
            "| "
            + " | ".join(
                [
                    _md_escape(s.path.name),
                    _md_escape(s.run),
                    s.column_label,
                    _md_escape(s.prompt),
                    str(m.unique_colors),
                    str(m.palette_size),
                    _strays_by_reason(m),
                    "yes" if m.messy else "no",
                    m.background.hex or "none",
                    str(m.background.colours_original) if m.background.colour else "",
                    _fmt(m.grid_fit, 2),
                ]
            )
            + " |"
        )
    if result.errors or result.messages:
        lines += ["", "## Problems and notes", ""]
        lines += [f"- error: {_md_escape(str(e))}" for e in result.errors]
        lines += [f"- note: {_md_escape(str(m))}" for m in result.messages]
    if chosen:
        lines += ["", "## Chosen for production", ""]
        lines += [f"- {run}: {label}" for run, label in chosen.items()]
    return "\n".join(lines) + "\n"


def chosen_samples(result: AnalysisResult, chosen: Mapping[str, str] | None = None) -> list[ImageAnalysis]:
    """The samples of the epoch chosen in each run (``chosen``: run -> epoch label), else the best."""
    picked = []
    for run in result.runs:
        label = (chosen or {}).get(run)
        summary = next((s for s in result.epochs if s.run == run and s.label == label), None)
        summary = summary or result.best.get(run)
        if summary is not None:
            picked += [i for i in result.for_run(run) if i.sample.column == summary.column]
    return picked


def cleaned_items(samples: list[ImageAnalysis]) -> list[CleanedItem]:
    """One export item per sample; named by file stem (run-prefixed where two runs share a stem)."""
    stems = [item.sample.path.stem for item in samples]
    items = []
    for item, stem in zip(samples, stems, strict=True):
        name = stem if stems.count(stem) == 1 else f"{item.sample.run}-{stem}"
        strays = item.metrics.strays
        mask = strays.mask if strays is not None else np.zeros(item.recovery.pixels.shape[:2], dtype=bool)
        items.append(CleanedItem(name, item.recovery.pixels, mask))
    return items


def write_report(
    result: AnalysisResult,
    out_dir: Path | str,
    scale: int = 6,
    chosen: Mapping[str, str] | None = None,
    cleaned: bool = False,
    cleaned_upscale: int = DEFAULT_UPSCALE,
) -> ReportFiles:
    """Write the collage, the before/after of the chosen samples, the Markdown report and both
    CSV tables into ``out_dir``; ``cleaned``: also their raw and cleaned art into ``cleaned/``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = cleaned_items(chosen_samples(result, chosen))
    files = ReportFiles(
        collage=out / COLLAGE_NAME,
        markdown=out / MARKDOWN_NAME,
        epochs_csv=out / EPOCHS_CSV_NAME,
        images_csv=out / IMAGES_CSV_NAME,
        before_after=out / BEFORE_AFTER_NAME if items else None,
        cleaned=tuple(export_cleaned(items, out / CLEANED_DIR_NAME, cleaned_upscale)) if cleaned else (),
    )
    collage = render_collage(result, scale=scale)
    atomic_write_with(files.collage, lambda handle: collage.save(handle, format="PNG"))
    if files.before_after is not None:
        before_after = render_before_after(items, scale=max(scale, 6))
        atomic_write_with(files.before_after, lambda handle: before_after.save(handle, format="PNG"))
    atomic_write_text(files.epochs_csv, epochs_csv_text(result))
    atomic_write_text(files.images_csv, images_csv_text(result))
    markdown = markdown_text(result, COLLAGE_NAME, chosen)
    if items:
        markdown += before_after_markdown(items, files)
    atomic_write_text(files.markdown, markdown)
    return files


def before_after_markdown(items: list[CleanedItem], files: ReportFiles) -> str:
    """The report's "Cleaned art" section: what was cleaned, the picture, the exported files."""
    lines = [
        "",
        "## Cleaned art (chosen epoch; the best where none is chosen)",
        "",
        "Each stray takes the majority colour of its non-stray 8 neighbours (ties: the colour with "
        "more edge-sharing neighbours, then the first in reading order).",
        "",
        f"![before and after]({BEFORE_AFTER_NAME})",
        "",
        "| image | strays cleaned |",
        "|---|---|",
    ]
    lines += [f"| {_md_escape(item.name)} | {int(item.stray_mask.sum())} |" for item in items]
    if files.cleaned:
        first = files.cleaned[0]
        lines += [
            "",
            f"Exported to `{CLEANED_DIR_NAME}/`: `NAME.png` (raw) and `NAME_cleaned.png` at "
            f"{items[0].art.shape[1]} px, and both upscaled in `{first.raw_upscaled.parent.name}/`.",
        ]
    return "\n".join(lines) + "\n"


def _strays_by_reason(metrics: ImageMetrics) -> str:
    """ "3 (2 background speck, 1 odd colour)", or the bare count when there are none."""
    if metrics.strays is None or not metrics.strays.count:
        return str(metrics.stray_count)
    parts = ", ".join(f"{n} {reason}" for reason, n in metrics.strays.by_reason().items())
    return f"{metrics.stray_count} ({parts})"
