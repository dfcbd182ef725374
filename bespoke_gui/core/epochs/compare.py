"""Run against run: run A's chosen epoch beside run B's, prompt by prompt, with metric deltas.

The plan's step "compare side by side with the previous run's epoch 8": two runs loaded
(say the 512 run and the 256 run), each at its chosen epoch (else its best, else its
last), one row per prompt with both recovered 24x24 images, and per metric the change
from A to B with its sign (every metric here is better when lower, except the grid fit).

API:

    comparison = compare_runs(result, "run_512", ("epoch", 8), "run_256", ("epoch", 8))
    image = render_comparison(comparison)       # PIL image: A | B per prompt, deltas below
    text = comparison_markdown(comparison)
    files = write_comparison(comparison, folder)  # compare.png + compare.md, atomically
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from bespoke_gui.core.epochs.analysis import AnalysisResult, ImageAnalysis
from bespoke_gui.core.epochs.metrics import EpochSummary
from bespoke_gui.core.files import atomic_write_text, atomic_write_with, make_folder

COMPARE_IMAGE_NAME = "compare.png"
COMPARE_MARKDOWN_NAME = "compare.md"
Column = tuple[str, int | None]

# (EpochSummary field, label, lower is better)
METRICS: tuple[tuple[str, str, bool], ...] = (
    ("avg_unique_colors", "unique colours", True),
    ("avg_palette_size", "palette size", True),
    ("avg_stray_pixels", "stray pixels", True),
    ("avg_background_colours", "background colours", True),
    ("messy_share", "messy share", True),
    ("avg_grid_fit", "grid fit", False),
)
BETTER, WORSE, SAME = "better", "worse", "same"


@dataclass(frozen=True)
class MetricDelta:
    name: str
    label: str
    a: float | None
    b: float | None
    lower_is_better: bool

    @property
    def delta(self) -> float | None:
        if self.a is None or self.b is None or not (math.isfinite(self.a) and math.isfinite(self.b)):
            return None
        return self.b - self.a

    @property
    def verdict(self) -> str | None:
        """What B's value means against A's: better, worse or the same (None: not comparable)."""
        delta = self.delta
        if delta is None:
            return None
        if abs(delta) < 1e-9:
            return SAME
        return BETTER if (delta < 0) == self.lower_is_better else WORSE

    def delta_text(self, digits: int = 2) -> str:
        delta = self.delta
        if delta is None:
            return "n/a"
        if self.name == "messy_share":
            return f"{delta * 100:+.0f} pp"
        return f"{delta:+.{digits}f}"


@dataclass(frozen=True)
class ComparePair:
    prompt: str
    a: ImageAnalysis | None
    b: ImageAnalysis | None


@dataclass
class RunComparison:
    run_a: str
    column_a: Column
    label_a: str
    run_b: str
    column_b: Column
    label_b: str
    pairs: list[ComparePair] = field(default_factory=list)
    deltas: list[MetricDelta] = field(default_factory=list)

    @property
    def title_a(self) -> str:
        return f"{self.run_a} · {self.label_a}"

    @property
    def title_b(self) -> str:
        return f"{self.run_b} · {self.label_b}"


def _label(column: Column) -> str:
    kind, value = column
    return f"{kind} {value}" if value is not None else kind


def pick_column(
    result: AnalysisResult, run: str, chosen: Mapping[str, Column] | None = None
) -> Column | None:
    """The run's chosen epoch, else its best, else its last column (None: no such run)."""
    columns = result.columns(run)
    if not columns:
        return None
    if chosen and chosen.get(run) in columns:
        return chosen[run]
    best = result.best.get(run)
    if best is not None and best.column in columns:
        return best.column
    return columns[-1]


def compare_runs(
    result: AnalysisResult, run_a: str, column_a: Column, run_b: str, column_b: Column
) -> RunComparison:
    """Prompt by prompt (every prompt either run has), and the per-metric deltas B - A."""
    summary_a: EpochSummary | None = result.summary(run_a, column_a)
    summary_b: EpochSummary | None = result.summary(run_b, column_b)
    comparison = RunComparison(
        run_a,
        column_a,
        summary_a.label if summary_a else _label(column_a),
        run_b,
        column_b,
        summary_b.label if summary_b else _label(column_b),
    )
    prompts = list(dict.fromkeys(result.prompts(run_a) + result.prompts(run_b)))
    for prompt in prompts:
        a = result.cell(run_a, prompt, column_a)
        b = result.cell(run_b, prompt, column_b)
        comparison.pairs.append(ComparePair(prompt, a[0] if a else None, b[0] if b else None))
    for name, label, lower in METRICS:
        value_a = getattr(summary_a, name) if summary_a else None
        value_b = getattr(summary_b, name) if summary_b else None
        comparison.deltas.append(MetricDelta(name, label, value_a, value_b, lower))
    return comparison


# ---------------------------------------------------------------- export

_BG = (255, 255, 255)
_TEXT = (20, 20, 20)
_MUTED = (110, 110, 110)
_EMPTY = (235, 235, 235)
VERDICT_RGB = {BETTER: (20, 130, 40), WORSE: (200, 30, 30), SAME: (110, 110, 110), None: (110, 110, 110)}


def _fmt(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.2f}"


def render_comparison(comparison: RunComparison, scale: int = 8) -> Image.Image:
    """One row per prompt: A's art and B's art at the same scale; the metric deltas below."""
    font = ImageFont.load_default()
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))

    def size(text: str) -> tuple[int, int]:
        left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
        return int(right - left), int(bottom - top)

    cells = max(
        [p.a.recovery.pixels.shape[0] for p in comparison.pairs if p.a is not None]
        + [p.b.recovery.pixels.shape[0] for p in comparison.pairs if p.b is not None]
        + [24]
    )
    tile = cells * scale
    pad = 8
    line = size("Ag")[1] + 6
    label_w = min(220, max([size(p.prompt)[0] for p in comparison.pairs] + [60]) + 2 * pad)
    col_w = max(tile, size(comparison.title_a)[0], size(comparison.title_b)[0]) + pad
    table_rows = len(comparison.deltas) + 1
    width = label_w + 2 * col_w + pad
    width = max(width, 4 * 110 + 2 * pad)
    height = line + pad + len(comparison.pairs) * (tile + line + pad) + table_rows * line + 2 * pad
    canvas = Image.new("RGB", (width, height), _BG)
    draw = ImageDraw.Draw(canvas)
    draw.text((label_w, pad), comparison.title_a, fill=_TEXT, font=font)
    draw.text((label_w + col_w, pad), comparison.title_b, fill=_TEXT, font=font)
    y = pad + line
    for pair in comparison.pairs:
        draw.text((pad, y + tile // 2 - line // 2), pair.prompt[:30], fill=_TEXT, font=font)
        for index, item in enumerate((pair.a, pair.b)):
            x = label_w + index * col_w
            if item is None:
                draw.rectangle([x, y, x + tile - 1, y + tile - 1], fill=_EMPTY)
                continue
            pixels = np.ascontiguousarray(item.recovery.pixels)
            art = Image.fromarray(pixels, "RGB").resize(
                (pixels.shape[1] * scale, pixels.shape[0] * scale), Image.Resampling.NEAREST
            )
            canvas.paste(art, (x, y))
            caption = f"{item.metrics.unique_colors} col, {item.metrics.stray_count} stray"
            draw.text((x, y + tile + 2), caption, fill=_MUTED, font=font)
        y += tile + line + pad
    y += pad
    headers = ("metric", "A", "B", "B - A")
    xs = [pad, pad + 150, pad + 230, pad + 310]
    for x, text in zip(xs, headers):
        draw.text((x, y), text, fill=_MUTED, font=font)
    for delta in comparison.deltas:
        y += line
        draw.text((xs[0], y), delta.label, fill=_TEXT, font=font)
        draw.text((xs[1], y), _fmt(delta.a), fill=_TEXT, font=font)
        draw.text((xs[2], y), _fmt(delta.b), fill=_TEXT, font=font)
        draw.text((xs[3], y), delta.delta_text(), fill=VERDICT_RGB[delta.verdict], font=font)
    return canvas


def comparison_markdown(comparison: RunComparison, image_name: str = COMPARE_IMAGE_NAME) -> str:
    lines = [
        f"# {comparison.title_a} against {comparison.title_b}",
        "",
        f"![comparison]({image_name})",
        "",
        "| metric | A | B | B - A | B is |",
        "|---|---:|---:|---:|---|",
    ]
    for d in comparison.deltas:
        lines.append(f"| {d.label} | {_fmt(d.a)} | {_fmt(d.b)} | {d.delta_text()} | {d.verdict or 'n/a'} |")
    lines += ["", "| prompt | A colours / strays | B colours / strays |", "|---|---|---|"]
    for pair in comparison.pairs:
        cells = [
            f"{item.metrics.unique_colors} / {item.metrics.stray_count}" if item else "missing"
            for item in (pair.a, pair.b)
        ]
        lines.append(f"| {pair.prompt} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ComparisonFiles:
    image: Path
    markdown: Path


def write_comparison(comparison: RunComparison, out_dir: Path | str, scale: int = 8) -> ComparisonFiles:
    out = Path(out_dir)
    make_folder(out)
    files = ComparisonFiles(out / COMPARE_IMAGE_NAME, out / COMPARE_MARKDOWN_NAME)
    image = render_comparison(comparison, scale)
    atomic_write_with(files.image, lambda handle: image.save(handle, format="PNG"))
    atomic_write_text(files.markdown, comparison_markdown(comparison))
    return files


def add_comparison_to_report(
    result: AnalysisResult, markdown: Path, chosen: dict[str, Column] | None = None
) -> RunComparison | None:
    """Write compare.png/compare.md beside the report (the first two runs, at their chosen
    or best epochs) and link them from the report's Markdown."""
    runs = list(result.runs)
    if len(runs) < 2:
        return None
    column_a, column_b = pick_column(result, runs[0], chosen), pick_column(result, runs[1], chosen)
    if column_a is None or column_b is None:
        return None
    comparison = compare_runs(result, runs[0], column_a, runs[1], column_b)
    files = write_comparison(comparison, markdown.parent)
    section = (
        f"\n## Run against run\n\n{comparison.title_a} against {comparison.title_b}: "
        f"[{files.markdown.name}]({files.markdown.name})\n\n![comparison]({files.image.name})\n"
    )
    atomic_write_text(markdown, markdown.read_text(encoding="utf-8") + section)
    return comparison
