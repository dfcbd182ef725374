"""Export an analysis: a labelled collage PNG, a Markdown report and CSV tables, into one folder.

API:

    files = write_report(result, Path("out"))      # ReportFiles(collage, markdown, epochs_csv, images_csv, ...)
    image = collage.render_collage(result, scale=6)  # PIL.Image: prompts down, epochs across
    text = report_text.markdown_text(result)         # also epochs_csv_text, images_csv_text

The picture is drawn by ``core.epochs.collage``, the words and tables by
``core.epochs.report_text``; this module decides what goes into the folder and writes
every file atomically.

Cleaned art (``core.epochs.cleanup``): the report shows the samples of the epoch chosen
for production in each run (the best epoch where none is chosen) before and after their
strays are cleaned (``cleaned.png``, and a section of report.md); with ``cleaned=True``
it also exports their raw and cleaned art, 24 px and upscaled, into ``cleaned/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bespoke_gui.core.epochs.analysis import AnalysisResult, ImageAnalysis
from bespoke_gui.core.epochs.cleanup import (
    DEFAULT_UPSCALE,
    CleanedFiles,
    CleanedItem,
    export_cleaned,
    render_before_after,
)
from bespoke_gui.core.epochs.collage import render_collage
from bespoke_gui.core.epochs.report_text import (
    COLLAGE_NAME,
    epochs_csv_text,
    images_csv_text,
    markdown_table,
    markdown_text,
    md_escape,
)
from bespoke_gui.core.files import atomic_write_text, atomic_write_with, make_folder

MARKDOWN_NAME = "report.md"
EPOCHS_CSV_NAME = "epochs.csv"
IMAGES_CSV_NAME = "images.csv"
BEFORE_AFTER_NAME = "cleaned.png"
CLEANED_DIR_NAME = "cleaned"


@dataclass(frozen=True)
class ReportFiles:
    collage: Path
    markdown: Path
    epochs_csv: Path
    images_csv: Path
    before_after: Path | None = None  # the chosen samples before and after cleaning
    cleaned: tuple[CleanedFiles, ...] = ()  # the exported cleaned art (cleaned=True)


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
    make_folder(out)
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
    ]
    lines += markdown_table(
        ["image", "strays cleaned"],
        [[md_escape(item.name), str(int(item.stray_mask.sum()))] for item in items],
    )
    if files.cleaned:
        first = files.cleaned[0]
        lines += [
            "",
            f"Exported to `{CLEANED_DIR_NAME}/`: `NAME.png` (raw) and `NAME_cleaned.png` at "
            f"{items[0].art.shape[1]} px, and both upscaled in `{first.raw_upscaled.parent.name}/`.",
        ]
    return "\n".join(lines) + "\n"
