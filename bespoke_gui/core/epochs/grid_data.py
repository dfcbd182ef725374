"""What the Epochs grid shows, as plain data: runs, epoch columns, prompt rows, cells.

The grid widget paints from these and nothing else, so it can be fed synthetic data in
tests and benchmarks, and the tab converts the engine's analysis into them
(``core/epochs/state.py``). No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bespoke_gui.core.colour import to_hex
from bespoke_gui.core.epochs.strays import StrayReport


@dataclass(frozen=True)
class GridColumn:
    """One column of the grid: an epoch (or sampling step) of a run."""

    run: str
    column: tuple[str, int | None]
    label: str  # "e8", "s500", "e?"

    @property
    def key(self) -> tuple[str, tuple[str, int | None]]:
        return (self.run, self.column)


@dataclass(frozen=True)
class GridRow:
    prompt: str  # the key rows are matched on ("00", "control_hair_red")
    label: str  # what the row header shows
    tooltip: str = ""  # the whole prompt, when the prompts file is known


@dataclass
class GridCell:
    """One sample: its recovered art and per-pixel stray scores, or an error message."""

    path: Path | None
    pixels: np.ndarray | None = None  # (n, n, 3) uint8
    stray_score: np.ndarray | None = None  # (n, n) float 0..1, 0 = not stray
    stray_reason: np.ndarray | None = None  # (n, n) object array of str ("" = not stray)
    strays: StrayReport | None = None  # the one stray decision; hover text comes from it
    error: str | None = None
    stray_at: float = 0.5  # a score from here up is called stray; below it only shades the heatmap
    overlay: np.ndarray | None = None  # heatmap_rgba(stray_score), made off the GUI thread when loading
    caption: str = ""  # one short line under the cell ("187 col · 12 stray")
    flagged: bool = False  # the caption is drawn as a warning (a messy image)
    unique_colours: int | None = None
    stray_count: int | None = None
    extra_images: int = 0  # further images of the same run, epoch and prompt (not shown)
    payload: object = None  # the engine's own result, for the inspector

    @property
    def ok(self) -> bool:
        return self.error is None and self.pixels is not None


@dataclass
class GridData:
    """Columns grouped by run (in order), rows, and the cell at each (column, row)."""

    columns: list[GridColumn] = field(default_factory=list)
    rows: list[GridRow] = field(default_factory=list)
    cells: dict[tuple[int, int], GridCell] = field(default_factory=dict)

    @property
    def runs(self) -> list[str]:
        return list(dict.fromkeys(c.run for c in self.columns))

    def cell(self, column: int, row: int) -> GridCell | None:
        return self.cells.get((column, row))

    def is_empty(self) -> bool:
        return not self.cells

    def describe_pixel(self, column: int, row: int, x: int, y: int) -> str:
        """The hover text of art pixel (x, y) of one cell: where, its colour, whether it is a stray."""
        cell = self.cell(column, row)
        prompt = self.rows[row].prompt
        where = f"{'prompt ' + prompt if prompt.isdigit() else prompt} · {self.columns[column].label}"
        if len(self.runs) > 1:
            where = f"{self.columns[column].run} · {where}"
        if cell is None:
            return f"{where}: no sample"
        if not cell.ok or cell.pixels is None:
            return f"{where}: {cell.error or 'not analysed'}"
        if y >= cell.pixels.shape[0] or x >= cell.pixels.shape[1]:
            return f"{where}: outside the art"
        colour = to_hex(cell.pixels[y, x])
        text = f"{where} · ({x}, {y}) {colour}"
        if cell.strays is not None:
            return f"{text} · {cell.strays.describe(x, y)}"
        reason = str(cell.stray_reason[y, x] or "") if cell.stray_reason is not None else ""
        score = float(cell.stray_score[y, x]) if cell.stray_score is not None else 0.0
        if score >= cell.stray_at:
            text += f" · stray ({score:.2f}): {reason}"
        elif score > 0 and reason:
            text += f" · not stray ({score:.2f}, {reason})"
        else:
            text += " · not stray"
        return text


def column_label(column: tuple[str, int | None]) -> str:
    """The short header of a grid column: "e8" for epoch 8, "s500" for step 500, "e?"."""
    kind, value = column
    if value is None:
        return "e?"
    return f"e{value}" if kind == "epoch" else f"s{value}"


HEATMAP_SUBPIXELS = 4  # overlay pixels per art pixel: room for a ring around each stray


def heat_colour(score: np.ndarray) -> np.ndarray:
    """Scores 0.5..1 as yellow..red (uint8 RGB), the colours of a warning."""
    t = np.clip((np.asarray(score, dtype=np.float32) - 0.5) * 2.0, 0.0, 1.0)
    rgb = np.zeros(t.shape + (3,), dtype=np.uint8)
    rgb[..., 0] = 255
    rgb[..., 1] = np.rint(230 * (1.0 - t)).astype(np.uint8)
    rgb[..., 2] = np.rint(40 * (1.0 - t)).astype(np.uint8)
    return rgb


def heatmap_rgba(score: np.ndarray, stray_at: float = 0.5, sub: int = HEATMAP_SUBPIXELS) -> np.ndarray:
    """Stray scores (0..1) as an RGBA overlay ``sub`` times the art's size.

    Only stray pixels are marked: a ring in yellow to red (redder as the score rises) around
    each, its inside left clear. Every other pixel is fully transparent, so the art keeps its
    true colours under the overlay ("true 24x24" stays true, a background reads as its hex).
    """
    s = np.clip(np.nan_to_num(np.asarray(score, dtype=np.float32)), 0.0, 1.0)
    rows, cols = s.shape
    stray = s >= stray_at
    base = np.zeros((rows, cols, 4), dtype=np.uint8)
    big = np.repeat(np.repeat(base, sub, axis=0), sub, axis=1)
    if np.any(stray) and sub >= 3:
        ring = np.zeros((sub, sub), dtype=bool)
        ring[0, :] = ring[-1, :] = ring[:, 0] = ring[:, -1] = True
        ring_mask = np.tile(ring, (rows, cols)) & np.repeat(np.repeat(stray, sub, axis=0), sub, axis=1)
        colours = np.repeat(np.repeat(heat_colour(s), sub, axis=0), sub, axis=1)
        big[ring_mask, :3] = colours[ring_mask]
        big[ring_mask, 3] = 255
    elif np.any(stray):
        big[..., :3] = np.where(stray[..., None], heat_colour(s), big[..., :3])
        big[..., 3] = np.where(stray, 255, big[..., 3])
    return big
