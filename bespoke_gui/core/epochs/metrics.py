"""Per-image and per-epoch metrics for pixel-art samples.

Per image (``measure_image(pixels, recovery)`` -> :class:`ImageMetrics`):

- ``unique_colors``: distinct colours of the plain nearest-neighbour cells x cells
  downscale of the original (the plan's headline figure).
- ``palette_size``: colours after recovery (near-duplicates merged).
- ``stray_score`` / ``stray_reason`` / ``stray_pixels`` / ``strays``: the one stray
  decision of ``core.epochs.strays.find_strays`` on the recovered art (confidence and
  reason per pixel, the strays' positions, the whole report).
- ``messy``: too many strays, or a grid that does not fit (``messy_reasons`` says which).
- ``background``: the colour of the border cells, the background region (cells of
  that colour connected to the border) and how clean it is: the distinct colours of the
  ORIGINAL pixels inside the background cells (cell rims skipped: they are the
  figure's blurred edge, not the background), and of the nearest-neighbour cells.
- ``grid_fit``: the recovery's grid score.

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

from bespoke_gui.core.colour import count_unique_packed, pack_rgb, to_hex
from bespoke_gui.core.epochs.grid import as_rgb_array, inner_indices
from bespoke_gui.core.epochs.pixelgrid import DEFAULT_MERGE_THRESHOLD, Recovery, nearest_downscale
from bespoke_gui.core.epochs.strays import REASON_KEYS as REASON_KEYS
from bespoke_gui.core.epochs.strays import STRAY_AT, StrayReport, find_strays

# The one stray decision lives in core.epochs.strays; these names are re-exported for
# the report and the CLI.


@dataclass(frozen=True)
class StraySettings:
    """Per-image settings; which pixels are strays is ``core.epochs.strays``'s decision alone."""

    merge_threshold: float = DEFAULT_MERGE_THRESHOLD
    stray_at: float = STRAY_AT  # the decision's cut: the heatmap shades scores below it
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
    stray_score: np.ndarray  # (n, n) float32: the decision's confidence (stray from STRAY_AT up)
    stray_reason: np.ndarray  # (n, n) object array of str: the decision's reason ("" = none)
    stray_pixels: list[tuple[int, int]]
    messy: bool
    messy_reasons: tuple[str, ...]
    background: Background
    grid_fit: float
    strays: StrayReport | None = None

    @property
    def stray_count(self) -> int:
        return len(self.stray_pixels)

    def describe_pixel(self, x: int, y: int) -> str:
        """Hover text of one pixel, from the one stray decision (``StrayReport.describe``)."""
        if self.strays is None:
            return "not stray"
        return self.strays.describe(x, y)


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
    # The inner parts of the background cells only, gathered in one step by flat pixel
    # index (np.take: about twice as fast as indexing with two broadcast arrays).
    rows, cols = np.nonzero(mask)
    flat = (ys[rows][:, :, None] * width + xs[cols][:, None, :]).ravel()
    inner = np.ascontiguousarray(rgb).reshape(-1, 3).take(flat, axis=0)
    colours_original = count_unique_packed(pack_rgb(inner))
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
    report = find_strays(
        recovery.pixels, background=background.colour if background_label is not None else None
    )
    strays = [(s.x, s.y) for s in report.strays]
    grid_fit = float(recovery.grid.score) if np.isfinite(recovery.grid.score) else float("nan")
    messy_reasons: list[str] = []
    if len(strays) >= settings.messy_strays:
        messy_reasons.append(f"{len(strays)} stray pixels (limit {settings.messy_strays})")
    if np.isfinite(grid_fit) and grid_fit < settings.messy_grid_fit:
        messy_reasons.append(f"grid fits poorly ({grid_fit:.2f} < {settings.messy_grid_fit})")
    return ImageMetrics(
        unique_colors=unique,
        palette_size=len(recovery.palette),
        stray_score=report.confidence,
        stray_reason=report.reason,
        stray_pixels=strays,
        messy=bool(messy_reasons),
        messy_reasons=tuple(messy_reasons),
        background=background,
        grid_fit=grid_fit,
        strays=report,
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
