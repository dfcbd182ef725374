"""Recover the true NxN pixel art (24x24 by default) from a large sample image.

A LoRA trained on 24x24 portraits upscaled to 512 px draws cells of about 21.33 px,
but not exactly: edges are blurred, colours drift and are noisy, the grid can be
offset or a little too wide or narrow. A fixed 512/24 grid drifts by a third of a
cell, so the cell colour taken at a fixed point is often a blend.

API (all plain data; no Qt):

    recovery = downscale(pixels, cells=24, method="grid")   # or "two-stage", "nearest"
    recovery.pixels        # (cells, cells, 3) uint8: the recovered art
    recovery.labels        # (cells, cells) int32: index of each pixel's palette colour
    recovery.palette       # Palette(colours (K, 3) uint8, counts (K,) int64), most used first
    recovery.raw           # (cells, cells, 3) uint8: each cell's own colour before palette merging
    recovery.cell_spread   # (cells, cells) float32: how far the cell's inner part strays from
                           # its colour (mean absolute RGB difference of its sub-block means,
                           # 0 for a solid cell, about half the difference for a split cell)
    recovery.grid          # GridFit: x_edges / y_edges (cells + 1 floats), pitch, offset, score 0..1
    recovery.exact         # True when the input was a clean block upscale (lossless path)

Methods:

- ``"grid"`` (the default): a clean block upscale (nearest neighbour, any block
  rounding) comes back exactly, pixel for pixel. Otherwise the cell boundaries are
  found from gradient energy projected on each axis (each pixel's change clipped at
  ``ENERGY_CLIP``): a global fit of pitch (+-6 %) and offset (cell count known), with a
  prior for a grid anchored at the frame's corner (``CORNER_PRIOR``: real samples start
  at 0 and end at the far edge), then each boundary line moved to its own nearby energy
  peak, so offset, drift and slightly uneven cells are followed. Each cell's colour is the
  per-channel median of the means of 4 x 4 sub-blocks of its inner 60 % (the blurred
  rims are skipped; see ``cell_colours_float``). The intended palette then comes from
  ``evidence_palette``: every tolerance is set by the drift measured on the image
  itself (``drift_sigma``), not by a constant: a colour needs more evidence to stand
  apart the fewer cells hold it, colours closer than ``MERGE_FLOOR`` are one, a smooth
  drift field is taken off, and cells agree with their neighbours when the drift leaves
  them in doubt (``core.epochs.palette``; the grid and cell colours are
  ``core.epochs.grid``).
- ``"nearest"``: the plan's first pipeline, one Pillow NEAREST resize to cells x cells.
- ``"two-stage"``: the plan's second pipeline: Lanczos to 4 x cells (96), optional
  sharpen, nearest to cells, quantize to 32 colours with Pillow's fast octree.

``grid.fit_grid(pixels, cells)`` and ``palette.evidence_palette(raw)`` are usable on
their own. ``nearest_indices(size, cells)`` gives the sample positions Pillow's
NEAREST resize uses, so a NEAREST downscale can be taken with plain numpy indexing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageFilter

from bespoke_gui.core.epochs.grid import (
    DEFAULT_CELLS,
    GridFit,
    as_rgb_array,
    cell_colours_float,
    fit_grid,
)
from bespoke_gui.core.epochs.palette import Palette, evidence_palette, palette_from_pixels

METHODS = ("grid", "two-stage", "nearest")
DEFAULT_MERGE_THRESHOLD = 0.04
TWO_STAGE_SIZE_FACTOR = 4
TWO_STAGE_COLOURS = 32


@dataclass(frozen=True)
class Recovery:
    """The pixel art recovered from one sample (see the module docstring)."""

    pixels: np.ndarray
    labels: np.ndarray
    palette: Palette
    raw: np.ndarray
    cell_spread: np.ndarray
    grid: GridFit
    method: str
    exact: bool = False
    source_size: tuple[int, int] = (0, 0)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def cells(self) -> int:
        return int(self.pixels.shape[1])


# ---------------------------------------------------------------------------------------
# Exact path: clean block upscales


def _ideal_edges(cells: int, size: int) -> np.ndarray:
    """Block edges of a nearest-neighbour upscale (Pillow's NEAREST and round(k*size/n) agree)."""
    k = np.arange(cells + 1, dtype=np.int64)
    return (2 * k * size + cells) // (2 * cells)


def _exact_downsample(rgb: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The cells x cells art when ``rgb`` is a clean block upscale of it, else None."""
    height, width = rgb.shape[:2]
    if width < cells or height < cells:
        return None
    x_edges = _ideal_edges(cells, width)
    y_edges = _ideal_edges(cells, height)
    small = rgb[y_edges[:-1]][:, x_edges[:-1]]
    xs = np.repeat(np.arange(cells), np.diff(x_edges))
    # Cheap rejection first: a diffusion sample fails on its first row.
    for row in (0, height // 2, height - 1):
        cell_row = int(np.searchsorted(y_edges, row, side="right") - 1)
        if not np.array_equal(rgb[row], small[cell_row][xs]):
            return _exact_downsample_any_rounding(rgb, cells)
    ys = np.repeat(np.arange(cells), np.diff(y_edges))
    if np.array_equal(rgb, small[ys][:, xs]):
        return small.copy(), x_edges, y_edges
    return _exact_downsample_any_rounding(rgb, cells)


def _exact_downsample_any_rounding(
    rgb: np.ndarray, cells: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    # Upscalers round block edges differently; the lead's exact grid finder allows for that.
    try:
        from bespoke_gui.core.exactgrid import downsample_exact, find_exact_grid
    except ImportError:  # pragma: no cover - exactgrid is part of the foundation
        return None
    # A full change scan only pays off when the first row has few colour changes.
    first_row_changes = int(np.count_nonzero(np.any(rgb[0, 1:] != rgb[0, :-1], axis=1)))
    if first_row_changes >= cells:
        return None
    grid = find_exact_grid(rgb)
    if grid is None:
        return None
    if grid.cols == cells and grid.rows == cells:
        return downsample_exact(rgb, grid), grid.x_edges.astype(np.int64), grid.y_edges.astype(np.int64)
    # A coarser exact grid (e.g. flat areas) still fixes every cell of an aligned fine grid.
    if cells % grid.cols == 0 and cells % grid.rows == 0:
        small = downsample_exact(rgb, grid)
        fine = np.repeat(np.repeat(small, cells // grid.rows, axis=0), cells // grid.cols, axis=1)
        height, width = rgb.shape[:2]
        x_edges, y_edges = _ideal_edges(cells, width), _ideal_edges(cells, height)
        xs = np.repeat(np.arange(cells), np.diff(x_edges))
        ys = np.repeat(np.arange(cells), np.diff(y_edges))
        if np.array_equal(rgb, fine[ys][:, xs]):
            return fine, x_edges, y_edges
    return None


# ---------------------------------------------------------------------------------------
# Pipelines


@functools.lru_cache(maxsize=64)
def _pillow_nearest_map(size: int, cells: int) -> tuple[int, ...]:
    ramp = np.arange(size, dtype=np.int32).reshape(1, size)
    image = Image.fromarray(ramp, "I")
    return tuple(int(v) for v in np.asarray(image.resize((cells, 1), Image.Resampling.NEAREST))[0])


def nearest_indices(size: int, cells: int) -> np.ndarray:
    """Source positions Pillow's NEAREST resize samples when shrinking ``size`` to ``cells``.

    Asked of Pillow itself (a 1-pixel-high ramp, cached): its fixed-point stepping puts
    some samples one pixel before ``floor((i + 0.5) * size / cells)``, and the plan's
    headline figure must be Pillow's, to the pixel.
    """
    return np.array(_pillow_nearest_map(int(size), int(cells)), dtype=np.int64)


def nearest_downscale(pixels: np.ndarray, cells: int = DEFAULT_CELLS) -> np.ndarray:
    """The plan's "nearest" pipeline as numpy indexing (identical to Pillow's NEAREST)."""
    rgb = as_rgb_array(pixels)
    height, width = rgb.shape[:2]
    return rgb[nearest_indices(height, cells)][:, nearest_indices(width, cells)].copy()


def two_stage_downscale(pixels: np.ndarray, cells: int = DEFAULT_CELLS, sharpen: bool = False) -> np.ndarray:
    """The plan's "two-stage" pipeline: Lanczos to 4*cells, (sharpen,) nearest, 32-colour octree."""
    rgb = np.ascontiguousarray(as_rgb_array(pixels))
    image = Image.fromarray(rgb, "RGB")
    mid = cells * TWO_STAGE_SIZE_FACTOR
    image = image.resize((mid, mid), Image.Resampling.LANCZOS)
    if sharpen:
        image = image.filter(ImageFilter.SHARPEN)
    image = image.resize((cells, cells), Image.Resampling.NEAREST)
    image = image.quantize(TWO_STAGE_COLOURS, method=Image.Quantize.FASTOCTREE).convert("RGB")
    return np.asarray(image).copy()


def _uniform_grid(width: int, height: int, cells: int, score: float) -> GridFit:
    k = np.arange(cells + 1, dtype=np.float64)
    return GridFit.from_edges(k * width / cells, k * height / cells, score, score)


def _from_small(
    small: np.ndarray,
    grid: GridFit,
    method: str,
    exact: bool,
    source: tuple[int, int],
    notes: tuple[str, ...] = (),
) -> Recovery:
    palette, labels = palette_from_pixels(small)
    return Recovery(
        pixels=small,
        labels=labels,
        palette=palette,
        raw=small,
        cell_spread=np.zeros(small.shape[:2], dtype=np.float32),
        grid=grid,
        method=method,
        exact=exact,
        source_size=source,
        notes=notes,
    )


def downscale(
    pixels: np.ndarray,
    cells: int = DEFAULT_CELLS,
    method: str = "grid",
    merge_threshold: float = DEFAULT_MERGE_THRESHOLD,
    sharpen: bool = False,
    refine: bool = True,
) -> Recovery:
    """Recover cells x cells pixel art from ``pixels`` (H, W, 3|4 uint8) with ``method``.

    ``merge_threshold`` only affects the "grid" method on images that are not clean
    upscales: 0 keeps every cell's own colour; any other value merges with tolerances
    measured from the image's own drift (``evidence_palette``), not with the value
    itself. ``sharpen`` only affects "two-stage".
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if cells < 1:
        raise ValueError("cells must be at least 1")
    rgb = as_rgb_array(pixels)
    height, width = rgb.shape[:2]
    if width < cells or height < cells:
        raise ValueError(f"image is {width}x{height}, smaller than {cells}x{cells} cells")
    source = (width, height)
    if method == "nearest":
        small = nearest_downscale(rgb, cells)
        return _from_small(small, _uniform_grid(width, height, cells, float("nan")), method, False, source)
    if method == "two-stage":
        small = two_stage_downscale(rgb, cells, sharpen=sharpen)
        return _from_small(small, _uniform_grid(width, height, cells, float("nan")), method, False, source)

    exact = _exact_downsample(rgb, cells)
    if exact is not None:
        small, x_edges, y_edges = exact
        grid = GridFit.from_edges(x_edges, y_edges, 1.0, 1.0, exact=True)
        return _from_small(small, grid, method, True, source, ("clean block upscale: recovered losslessly",))

    grid = fit_grid(rgb, cells, refine=refine)
    raw_float, spread = cell_colours_float(rgb, grid)
    raw = np.clip(np.rint(raw_float), 0, 255).astype(np.uint8)
    if merge_threshold > 0:
        merged, palette, labels = evidence_palette(raw_float)
    else:
        merged = raw
        palette, labels = palette_from_pixels(raw)
    return Recovery(
        pixels=merged,
        labels=labels,
        palette=palette,
        raw=raw,
        cell_spread=spread,
        grid=grid,
        method=method,
        exact=False,
        source_size=source,
    )
