"""The report's words and tables: the Markdown report and the two CSV tables (plain text, no files).

``markdown_text`` is report.md without its "Cleaned art" section (``report.write_report``
adds that); ``epochs_csv_text`` and ``images_csv_text`` are epochs.csv and images.csv.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping

from bespoke_gui.core.colour import to_hex
from bespoke_gui.core.epochs.analysis import AnalysisResult
from bespoke_gui.core.epochs.metrics import REASON_KEYS, EpochSummary, ImageMetrics

COLLAGE_NAME = "collage.png"


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


def md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table's lines: the header, its rule, one line a row (cells escaped by the caller)."""
    return [_table_row(header), "|" + "---|" * len(header)] + [_table_row(row) for row in rows]


def _table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


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
        lines.append(f"**Best of {md_escape(run)}: {run_best.label}** ({_check_text(run_best)}).")
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
    rows = []
    for summary in result.epochs:
        best = result.best.get(summary.run)
        mark = " (best)" if best is not None and best.column == summary.column else ""
        rows.append(
            [
                md_escape(summary.run),
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
    lines += markdown_table(header, rows)
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
    rows = []
    for item in result.images:
        s, m = item.sample, item.metrics
        rows.append(
            [
                md_escape(s.path.name),
                md_escape(s.run),
                s.column_label,
                md_escape(s.prompt),
                str(m.unique_colors),
                str(m.palette_size),
                _strays_by_reason(m),
                "yes" if m.messy else "no",
                m.background.hex or "none",
                str(m.background.colours_original) if m.background.colour else "",
                _fmt(m.grid_fit, 2),
            ]
        )
    lines += markdown_table(header, rows)
    if result.errors or result.messages:
        lines += ["", "## Problems and notes", ""]
        lines += [f"- error: {md_escape(str(e))}" for e in result.errors]
        lines += [f"- note: {md_escape(str(m))}" for m in result.messages]
    if chosen:
        lines += ["", "## Chosen for production", ""]
        lines += [f"- {run}: {label}" for run, label in chosen.items()]
    return "\n".join(lines) + "\n"


def _strays_by_reason(metrics: ImageMetrics) -> str:
    """ "3 (2 background speck, 1 odd colour)", or the bare count when there are none."""
    if metrics.strays is None or not metrics.strays.count:
        return str(metrics.stray_count)
    parts = ", ".join(f"{n} {reason}" for reason, n in metrics.strays.by_reason().items())
    return f"{metrics.stray_count} ({parts})"
