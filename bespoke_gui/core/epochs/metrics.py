"""Per-image and per-epoch metrics for pixel-art samples.

Per image (``measure_image(pixels, recovery)`` -> :class:`ImageMetrics`):

- ``unique_colors``: distinct colours of the plain nearest-neighbour cells x cells
  downscale of the original (the plan's headline figure).
- ``palette_size``: colours after recovery (near-duplicates merged).
- ``stray_score`` (cells x cells float32, 0..1) and ``stray_reason`` (uint8 codes, see
  ``REASONS``): how wrong each recovered pixel looks and why. ``stray_pixels`` lists the
  ``(x, y)`` with a score of at least ``StraySettings.stray_at`` (0.5).
- ``messy``: too many strays, or a grid that does not fit (``messy_reasons`` says which).
- ``background``: the colour of the border cells, the background region (cells of
  that colour connected to the border) and how clean it is: the distinct colours of the
  ORIGINAL pixels inside the background cells (cell rims skipped: they are the
  figure's blurred edge, not the background), and of the nearest-neighbour cells.
- ``grid_fit``: the recovery's grid score.

Stray reasons (a pixel of the recovered art is scored on each; the highest wins):

- NEAR_DUPLICATE: the cell's own colour is a visibly drifted copy of the palette colour
  it was merged into, compared with its neighbours of that colour (so a slow drift
  across a whole background is not flagged, one cell a shade off is); the score rises
  from ``drift_start`` (0.03) to ``drift_full`` (0.06) in OKLab.
- OFF_PALETTE: a colour used by at most ``rare_cells`` cells, with no neighbour of its
  colour and no twin in the same row (eyes and earrings come in pairs), that is close
  to a neighbour's colour or a blend of two neighbours (fuzz between regions). A rare
  colour unlike its neighbours (an earring, a glint) scores low: it may be intended.
- SPECK: a single pixel whose eight neighbours all share one other colour (a flat
  region). In the background, or in a colour used nowhere else, it is stray (unless it
  is a lighter shade of its region: a glint); inside the figure a darker dot (an eye,
  the nose) or a lighter shade of the region (a highlight) is taken as intended, a
  lighter dot of another colour (skin-tone inside black hair) as stray.
- MIXED_CELL: the cell's inner pixels are not one colour (blurred, or drawn off-grid).

Per epoch (``summarise_epochs(items, targets)`` -> list of :class:`EpochSummary`): the
averages, the share of messy images and each check against :class:`Targets` (editable;
status "pass" under the target, "acceptable" under the minimum, else "fail").
``best_epochs(summaries)`` picks one per run by this rule: most check points (pass 2,
acceptable 1), then fewest stray pixels on average, then fewest unique colours on
average, then the later epoch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bespoke_gui.core.colour import count_unique_packed, pack_rgb, perceptual_lab, to_hex
from bespoke_gui.core.epochs.pixelgrid import (
    DEFAULT_MERGE_THRESHOLD,
    Recovery,
    as_rgb_array,
    inner_indices,
    nearest_downscale,
)

REASON_NONE = 0
REASON_NEAR_DUPLICATE = 1
REASON_OFF_PALETTE = 2
REASON_SPECK = 3
REASON_MIXED_CELL = 4
REASONS = {
    REASON_NONE: "",
    REASON_NEAR_DUPLICATE: "near-duplicate of a more common colour (drift)",
    REASON_OFF_PALETTE: "isolated off-palette colour",
    REASON_SPECK: "single pixel inside a flat region",
    REASON_MIXED_CELL: "cell is not one colour (blurred or off-grid)",
}
REASON_KEYS = {
    REASON_NONE: "none",
    REASON_NEAR_DUPLICATE: "near_duplicate",
    REASON_OFF_PALETTE: "off_palette",
    REASON_SPECK: "speck",
    REASON_MIXED_CELL: "mixed_cell",
}


@dataclass(frozen=True)
class StraySettings:
    merge_threshold: float = DEFAULT_MERGE_THRESHOLD
    # OKLab difference from same-coloured neighbours: below drift_start it is texture or
    # noise nobody calls wrong; the score is full at drift_full.
    drift_start: float = 0.03
    drift_full: float = 0.06
    rare_cells: int = 2
    neighbour_close: float = 0.07  # OKLab: "close to a neighbour's colour"
    blend_tolerance: float = 0.03
    lighter_by: float = 0.12  # OKLab L: a speck this much lighter than its region
    highlight_shade: float = 0.15  # OKLab: a lighter speck this close to its region is a glint
    region_cells: int = 8  # a colour on at least this many cells fills regions
    spread_start: float = 8.0  # mean |RGB - median| inside a cell
    spread_full: float = 20.0
    stray_at: float = 0.5
    messy_strays: int = 12
    messy_grid_fit: float = 0.3
    background_min_border_share: float = 0.4


@dataclass(frozen=True)
class Background:
    colour: tuple[int, int, int] | None
    mask: np.ndarray  # (cells, cells) bool: the background region
    border_share: float  # share of border cells with the background colour
    colours_original: int  # distinct colours of the original inside background cells
    colours_nearest: int  # distinct colours of the nearest-neighbour cells in the region

    @property
    def hex(self) -> str | None:
        return to_hex(self.colour) if self.colour is not None else None

    @property
    def cells(self) -> int:
        return int(self.mask.sum())


@dataclass(frozen=True)
class ImageMetrics:
    unique_colors: int
    palette_size: int
    stray_score: np.ndarray
    stray_reason: np.ndarray
    stray_pixels: list[tuple[int, int]]
    messy: bool
    messy_reasons: tuple[str, ...]
    background: Background
    grid_fit: float

    @property
    def stray_count(self) -> int:
        return len(self.stray_pixels)

    def describe_pixel(self, x: int, y: int) -> str:
        """ "stray (0.82): isolated off-palette colour" or "ok" for a hover tooltip."""
        score = float(self.stray_score[y, x])
        reason = int(self.stray_reason[y, x])
        if score >= 0.5:
            return f"stray ({score:.2f}): {REASONS[reason]}"
        if score > 0 and reason:
            return f"ok ({score:.2f}, {REASONS[reason]})"
        return "ok"


# ---------------------------------------------------------------------------------------
# Strays


def _neighbours(labels: np.ndarray) -> np.ndarray:
    """(8, rows, cols) labels of the 8 neighbours, -1 outside the image."""
    padded = np.pad(labels, 1, constant_values=-1)
    rows, cols = labels.shape
    views = [
        padded[1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + cols]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if (dy, dx) != (0, 0)
    ]
    return np.stack(views)


def _neighbour_values(values: np.ndarray) -> np.ndarray:
    """(8, rows, cols, C) values of the 8 neighbours (edge values repeated outside)."""
    padded = np.pad(values, ((1, 1), (1, 1), (0, 0)), mode="edge")
    rows, cols = values.shape[:2]
    return np.stack(
        [
            padded[1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + cols]
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            if (dy, dx) != (0, 0)
        ]
    )


_PAIRS = np.array([(i, j) for i in range(8) for j in range(i + 1, 8)])


def stray_map(
    recovery: Recovery, background_label: int | None, settings: StraySettings = StraySettings()
) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel of the recovered art: stray score (0..1, float32) and reason code (uint8)."""
    labels = recovery.labels.astype(np.int64)
    rows, cols = labels.shape
    lab_raw = perceptual_lab(recovery.raw)
    lab_pal = perceptual_lab(recovery.palette.colours)
    lab_merged = lab_pal[labels]
    counts = recovery.palette.counts[labels]

    scores = np.zeros((5, rows, cols), dtype=np.float32)

    neighbour_labels = _neighbours(labels)
    valid = neighbour_labels >= 0
    same = neighbour_labels == labels[None]
    isolated = ~np.any(same, axis=0)

    # Near-duplicate: the cell's own colour is visibly off the colour it was merged
    # into, measured against its neighbours of that colour (a slow drift across a
    # background is no stray pixel; one cell a shade off its neighbours is).
    raw_neighbours = _neighbour_values(lab_raw)  # (8, rows, cols, 3)
    same_count = same.sum(axis=0)
    local = (raw_neighbours * same[..., None]).sum(axis=0) / np.maximum(same_count, 1)[..., None]
    reference = np.where((same_count > 0)[..., None], local, lab_merged)
    drift = np.sqrt(((lab_raw - reference) ** 2).sum(axis=2))
    span = max(settings.drift_full - settings.drift_start, 1e-6)
    scores[REASON_NEAR_DUPLICATE] = 0.9 * np.clip((drift - settings.drift_start) / span, 0.0, 1.0)

    # Off-palette: a rare colour with no neighbour of its own colour. A rare colour seen
    # again in the same row is a pair (two eyes, two earrings): drawn on purpose.
    paired = (labels[:, :, None] == labels[:, None, :]).sum(axis=2) > 1
    rare_isolated = (counts <= settings.rare_cells) & isolated & ~paired
    if np.any(rare_isolated):
        # Only the few rare isolated pixels need the neighbour tests: gather them.
        py, px = np.nonzero(rare_isolated)
        neighbour_lab = _neighbour_values(lab_merged)[:, py, px]  # (8, k, 3)
        own = lab_raw[py, px][None]  # (1, k, 3)
        here_valid = valid[:, py, px]  # (8, k)
        to_neighbour = np.sqrt(((neighbour_lab - own) ** 2).sum(axis=2))
        near = np.where(here_valid, to_neighbour, np.inf).min(axis=0) < settings.neighbour_close
        a = neighbour_lab[_PAIRS[:, 0]]  # (28, k, 3)
        b = neighbour_lab[_PAIRS[:, 1]]
        ab = b - a
        length_sq = (ab**2).sum(axis=2)
        t = ((own - a) * ab).sum(axis=2) / np.maximum(length_sq, 1e-12)
        closest = a + np.clip(t, 0.0, 1.0)[..., None] * ab
        off_segment = np.sqrt(((own - closest) ** 2).sum(axis=2))
        pair_valid = here_valid[_PAIRS[:, 0]] & here_valid[_PAIRS[:, 1]]
        blend = np.any(
            pair_valid
            & (length_sq > 0.1**2)
            & (t > 0.15)
            & (t < 0.85)
            & (off_segment < settings.blend_tolerance),
            axis=0,
        )
        scores[REASON_OFF_PALETTE, py, px] = np.where(near | blend, 0.85, 0.3)

    # Speck: one pixel inside a flat region of another colour.
    reference = neighbour_labels.max(axis=0)
    uniform = np.all((neighbour_labels == reference[None]) | ~valid, axis=0) & (reference >= 0)
    speck = uniform & (reference != labels)
    if np.any(speck):
        region_lab = lab_pal[np.maximum(reference, 0)]
        lighter = lab_raw[..., 0] - region_lab[..., 0] > settings.lighter_by
        shade = np.sqrt(((lab_raw - region_lab) ** 2).sum(axis=2)) < settings.highlight_shade
        in_background = (
            (reference == background_label) if background_label is not None else np.zeros_like(speck)
        )
        rare = counts <= settings.rare_cells
        common = counts >= settings.region_cells
        highlight = (lab_raw[..., 0] - region_lab[..., 0] > 0.04) & shade
        score = np.full(speck.shape, 0.25, dtype=np.float32)  # darker dot: an eye, the nose
        # A lighter shade of the region is a highlight; a lighter dot of another colour
        # (skin-tone in the black hair, an eye colour in the hair) is a mistake.
        score = np.where(lighter, 0.6, score)
        score = np.where(highlight & ~common, 0.3, score)
        # A colour used nowhere else, alone in a flat region, is no eye or nose; unless
        # it is a lighter shade of the region around it (a glint).
        score = np.where(rare & ~highlight, 0.9, score)
        score = np.where(in_background, 0.9, score)
        scores[REASON_SPECK] = np.where(speck, score, 0.0)

    # Mixed cell: the cell's inner pixels disagree.
    spread_span = max(settings.spread_full - settings.spread_start, 1e-6)
    scores[REASON_MIXED_CELL] = np.clip(
        (recovery.cell_spread - settings.spread_start) / spread_span, 0.0, 1.0
    )

    reason = np.argmax(scores, axis=0).astype(np.uint8)
    score = scores.max(axis=0).astype(np.float32)
    reason[score <= 0] = REASON_NONE
    return score, reason


# ---------------------------------------------------------------------------------------
# Background


def _border(values: np.ndarray) -> np.ndarray:
    return np.concatenate([values[0], values[-1], values[1:-1, 0], values[1:-1, -1]])


def _connected_to_border(mask: np.ndarray) -> np.ndarray:
    """Cells of ``mask`` 4-connected to the image border (flood fill by repeated dilation)."""
    region = np.zeros_like(mask)
    region[0], region[-1], region[:, 0], region[:, -1] = mask[0], mask[-1], mask[:, 0], mask[:, -1]
    while True:
        grown = region.copy()
        grown[1:] |= region[:-1]
        grown[:-1] |= region[1:]
        grown[:, 1:] |= region[:, :-1]
        grown[:, :-1] |= region[:, 1:]
        grown &= mask
        if np.array_equal(grown, region):
            return region
        region = grown


def find_background(
    rgb: np.ndarray, recovery: Recovery, nearest: np.ndarray, settings: StraySettings = StraySettings()
) -> tuple[Background, int | None]:
    """The background (colour of most border cells) and its label, or a None colour."""
    labels = recovery.labels
    border = _border(labels)
    counts = np.bincount(border, minlength=len(recovery.palette))
    label = int(np.argmax(counts))
    share = float(counts[label]) / max(1, border.size)
    if share < settings.background_min_border_share:
        empty = np.zeros(labels.shape, dtype=bool)
        return Background(None, empty, share, 0, 0), None
    mask = _connected_to_border(labels == label)
    height, width = rgb.shape[:2]
    ys = inner_indices(recovery.grid.y_edges, height)
    xs = inner_indices(recovery.grid.x_edges, width)
    # Inner parts of all cells as one block (rows*my, cols*mx, 3), then the background's.
    block = rgb[ys.ravel()][:, xs.ravel()]
    block_mask = np.repeat(np.repeat(mask, ys.shape[1], axis=0), xs.shape[1], axis=1)
    colours_original = count_unique_packed(pack_rgb(block[block_mask]))
    colours_nearest = count_unique_packed(pack_rgb(nearest[mask]).ravel())
    colour = tuple(int(v) for v in recovery.palette.colours[label])
    return Background(colour, mask, share, colours_original, colours_nearest), label  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# Per image


def measure_image(
    pixels: np.ndarray, recovery: Recovery, settings: StraySettings = StraySettings()
) -> ImageMetrics:
    """All per-image metrics of one sample (``pixels`` the original, ``recovery`` its art)."""
    rgb = as_rgb_array(pixels)
    cells = recovery.pixels.shape[0]
    nearest = nearest_downscale(rgb, cells)
    unique = count_unique_packed(pack_rgb(nearest).ravel())
    background, background_label = find_background(rgb, recovery, nearest, settings)
    score, reason = stray_map(recovery, background_label, settings)
    ys, xs = np.nonzero(score >= settings.stray_at)
    strays = [(int(x), int(y)) for y, x in zip(ys, xs)]
    grid_fit = float(recovery.grid.score) if np.isfinite(recovery.grid.score) else float("nan")
    messy_reasons: list[str] = []
    if len(strays) >= settings.messy_strays:
        messy_reasons.append(f"{len(strays)} stray pixels (limit {settings.messy_strays})")
    if np.isfinite(grid_fit) and grid_fit < settings.messy_grid_fit:
        messy_reasons.append(f"grid fits poorly ({grid_fit:.2f} < {settings.messy_grid_fit})")
    return ImageMetrics(
        unique_colors=unique,
        palette_size=len(recovery.palette),
        stray_score=score,
        stray_reason=reason,
        stray_pixels=strays,
        messy=bool(messy_reasons),
        messy_reasons=tuple(messy_reasons),
        background=background,
        grid_fit=grid_fit,
    )


# ---------------------------------------------------------------------------------------
# Per epoch

PASS, ACCEPTABLE, FAIL, NOT_MEASURED = "pass", "acceptable", "fail", "n/a"
_POINTS = {PASS: 2, ACCEPTABLE: 1, FAIL: 0, NOT_MEASURED: 0}


@dataclass(frozen=True)
class Targets:
    """The plan's targets; every value is the user's to edit. Lower is better for all."""

    unique_colors_target: float = 220
    unique_colors_minimum: float = 250
    background_colours_target: float = 200
    background_colours_minimum: float = 250
    messy_share_target: float = 0.30
    messy_share_minimum: float = 0.50
    # Which count the background check uses: "original" (distinct colours of the 512
    # original inside the background cells) or "nearest" (of the nearest-neighbour cells).
    background_source: str = "original"


@dataclass(frozen=True)
class TargetCheck:
    name: str
    value: float | None
    target: float
    minimum: float
    status: str

    @property
    def points(self) -> int:
        return _POINTS[self.status]


def check_target(name: str, value: float | None, target: float, minimum: float) -> TargetCheck:
    if value is None or not np.isfinite(value):
        status = NOT_MEASURED
    elif value < target:
        status = PASS
    elif value < minimum:
        status = ACCEPTABLE
    else:
        status = FAIL
    return TargetCheck(name, value, target, minimum, status)


@dataclass(frozen=True)
class EpochSummary:
    """Averages over one run's images at one epoch (or step)."""

    run: str
    column: tuple[str, int | None]  # ("epoch", 8), ("step", 500) or ("unknown", None)
    label: str
    images: int
    avg_unique_colors: float
    avg_palette_size: float
    avg_stray_pixels: float
    avg_background_colours: float | None
    avg_background_colours_nearest: float | None
    messy_share: float
    avg_grid_fit: float
    checks: tuple[TargetCheck, ...] = field(default_factory=tuple)

    @property
    def points(self) -> int:
        return sum(c.points for c in self.checks)

    @property
    def passes_all(self) -> bool:
        return all(c.status == PASS for c in self.checks)

    @property
    def epoch(self) -> int | None:
        return self.column[1] if self.column[0] == "epoch" else None


def _mean(values: Sequence[float]) -> float | None:
    finite = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def summarise(
    run: str, column: tuple[str, int | None], label: str, metrics: Sequence[ImageMetrics], targets: Targets
) -> EpochSummary:
    with_background = [m for m in metrics if m.background.colour is not None]
    avg_bg = _mean([m.background.colours_original for m in with_background])
    avg_bg_nearest = _mean([m.background.colours_nearest for m in with_background])
    avg_unique = _mean([m.unique_colors for m in metrics]) or 0.0
    messy_share = float(np.mean([m.messy for m in metrics])) if metrics else 0.0
    background_value = avg_bg if targets.background_source == "original" else avg_bg_nearest
    checks = (
        check_target(
            "unique colours", avg_unique, targets.unique_colors_target, targets.unique_colors_minimum
        ),
        check_target(
            "background colours",
            background_value,
            targets.background_colours_target,
            targets.background_colours_minimum,
        ),
        check_target("messy share", messy_share, targets.messy_share_target, targets.messy_share_minimum),
    )
    return EpochSummary(
        run=run,
        column=column,
        label=label,
        images=len(metrics),
        avg_unique_colors=avg_unique,
        avg_palette_size=_mean([m.palette_size for m in metrics]) or 0.0,
        avg_stray_pixels=_mean([m.stray_count for m in metrics]) or 0.0,
        avg_background_colours=avg_bg,
        avg_background_colours_nearest=avg_bg_nearest,
        messy_share=messy_share,
        avg_grid_fit=_mean([m.grid_fit for m in metrics]) or float("nan"),
        checks=checks,
    )


def _column_order(column: tuple[str, int | None]) -> tuple[int, int]:
    kind, value = column
    return ({"epoch": 0, "step": 1}.get(kind, 2), value if value is not None else -1)


def summarise_epochs(
    items: Iterable[tuple[str, tuple[str, int | None], str, ImageMetrics]], targets: Targets = Targets()
) -> list[EpochSummary]:
    """Group ``(run, column, column_label, metrics)`` by run and column; one summary each."""
    groups: dict[tuple[str, tuple[str, int | None]], tuple[str, list[ImageMetrics]]] = {}
    run_order: list[str] = []
    for run, column, label, metrics in items:
        if run not in run_order:
            run_order.append(run)
        groups.setdefault((run, column), (label, []))[1].append(metrics)
    keys = sorted(groups, key=lambda k: (run_order.index(k[0]), _column_order(k[1])))
    return [
        summarise(run, column, groups[(run, column)][0], groups[(run, column)][1], targets)
        for run, column in keys
    ]


def best_epochs(summaries: Sequence[EpochSummary]) -> dict[str, EpochSummary]:
    """The best epoch of each run by the rule in the module docstring."""
    best: dict[str, EpochSummary] = {}
    for summary in summaries:
        current = best.get(summary.run)
        if current is None or _rank(summary) > _rank(current):
            best[summary.run] = summary
    return best


def _rank(summary: EpochSummary) -> tuple:
    kind_order, value = _column_order(summary.column)
    return (summary.points, -summary.avg_stray_pixels, -summary.avg_unique_colors, -kind_order, value)
