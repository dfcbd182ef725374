"""Lossless grid work for clean nearest-neighbour upscales of pixel art.

A 24x24 portrait upscaled to 512 with nearest neighbour is made of solid blocks of
21 or 22 px. ``find_exact_grid`` finds those blocks (or says there are none), so the
true pixels come back exactly; ``upscale_blocks`` goes the other way with block sizes
spread as evenly as possible (24 cells in 256 px: blocks of 10 and 11 px).
Diffusion output is not clean: that is ``pixelgrid``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_CELLS = 128


@dataclass(frozen=True)
class ExactGrid:
    cols: int
    rows: int
    x_edges: np.ndarray  # cols + 1 pixel positions, first 0, last width
    y_edges: np.ndarray  # rows + 1 pixel positions, first 0, last height

    @property
    def cell_sizes(self) -> tuple[set[int], set[int]]:
        return set(np.diff(self.x_edges).tolist()), set(np.diff(self.y_edges).tolist())


def block_edges(n_cells: int, size: int) -> np.ndarray:
    """``n_cells + 1`` integer edges splitting ``size`` px into blocks differing by at most 1 px.

    Edges are ``round(k * size / n_cells)`` (halves up), so the larger blocks are spread
    out rather than bunched at one side.
    """
    if n_cells <= 0 or size < n_cells:
        raise ValueError(f"cannot split {size} px into {n_cells} blocks")
    k = np.arange(n_cells + 1, dtype=np.int64)
    # Integer arithmetic: floor(k * size / n + 1/2) without float error.
    return (2 * k * size + n_cells) // (2 * n_cells)


def _change_positions(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns and rows p (1..n-1) that differ from column/row p-1 anywhere in the image.

    Compares the raw samples of a contiguous (H, W*C) view, so any dtype and channel
    count works and nothing is copied or packed first (about 0.2 ms for 512x512 RGB).
    """
    height, width = pixels.shape[:2]
    channels = pixels.shape[2] if pixels.ndim == 3 else 1
    flat = np.ascontiguousarray(pixels).reshape(height, width * channels)
    row_diff = np.any(flat[1:] != flat[:-1], axis=1)
    col_diff = np.any(flat[:, channels:] != flat[:, :-channels], axis=0)
    col_diff = col_diff.reshape(width - 1, channels).any(axis=1)
    return np.flatnonzero(col_diff) + 1, np.flatnonzero(row_diff) + 1


def _edges_for(changes: np.ndarray, size: int, n: int) -> np.ndarray | None:
    """Edges for ``n`` cells across ``size`` px consistent with the observed changes, or None.

    A clean upscale puts edge k at some rounding of ``k * size / n``: every observed
    change sits within 1 px of an ideal edge, and the span between two neighbouring
    observed edges is less than 1 px away from its ideal length (whatever the rounding
    convention, as long as one is used throughout). A missing change means two equal
    neighbouring cells, where any edge between them gives the same solid blocks, so
    those edges are placed like ``block_edges`` places them. Integer arithmetic only.
    """
    edges = block_edges(n, size)
    if changes.size == 0:
        return edges
    k = (2 * changes * n + size) // (2 * size)  # nearest ideal edge index
    if np.any((k <= 0) | (k >= n)) or np.any(np.abs(changes * n - k * size) > n):
        return None
    if np.any(np.diff(k) <= 0):  # two changes claim one edge: a sliver, not a block
        return None
    spans = np.diff(np.concatenate(([0], changes, [size])))
    cells = np.diff(np.concatenate(([0], k, [n])))
    if np.any(np.abs(spans * n - cells * size) >= n):
        return None
    edges[k] = changes
    if np.any(np.diff(edges) <= 0):
        return None
    return edges


def _axis_options(changes: np.ndarray, size: int, max_cells: int) -> list[tuple[int, np.ndarray]]:
    """Cell counts (with their edges) that explain every observed change, smallest first.

    Cells must be at least 2 px: below that, a line with a repeated pixel is
    indistinguishable from an upscale. One cell per pixel (the image at its true size)
    is always an option while ``size <= max_cells``, and comes last.
    """
    out: list[tuple[int, np.ndarray]] = []
    bounds = np.concatenate(([0], changes, [size]))
    smallest_gap = int(np.diff(bounds).min())
    # A clean upscale's blocks are floor(size / n) px or more, so the smallest gap bounds n.
    start = max(1, changes.size + 1, -(-size // (smallest_gap + 1)))
    stop = min(max_cells, size // 2)
    if start <= stop:
        counts = np.arange(start, stop + 1, dtype=np.int64)
        if changes.size:
            # Vectorised pre-check of every count at once; _edges_for confirms the survivors.
            k = (2 * changes[None, :] * counts[:, None] + size) // (2 * size)
            near = np.abs(changes[None, :] * counts[:, None] - k * size) <= counts[:, None]
            counts = counts[np.all(near, axis=1)]
        for n in counts.tolist():
            edges = _edges_for(changes, size, n)
            if edges is not None:
                out.append((n, edges))
    if size <= max_cells and (not out or out[-1][0] != size):
        out.append((size, np.arange(size + 1, dtype=np.int64)))
    return out


def _pick_pair(
    x_options: list[tuple[int, np.ndarray]], y_options: list[tuple[int, np.ndarray]], width: int, height: int
) -> tuple[tuple[int, np.ndarray], tuple[int, np.ndarray]]:
    """Each axis's coarsest count, unless one axis is ambiguous and square cells settle it.

    The coarsest pair (nx0, ny0) is the answer when its cells are square: exactly
    (``width * ny == height * nx``) or up to the rounding of the upscaled size
    (``|width * ny - height * nx| <= nx + ny``). Otherwise an axis with few changes (a
    portrait on a flat background) may have fitted too few cells, so the other counts
    of one axis, with the other axis kept, are tried for square cells. Multiples of the
    coarsest count only subdivide its cells and describe the same image, so they never
    win: a 24x24 portrait stretched to 300x200 stays 24x24.
    """
    nx0, ny0 = x_options[0][0], y_options[0][0]

    def tier(nx: int, ny: int) -> int:
        skew = abs(width * ny - height * nx)
        return 0 if skew == 0 else 1 if skew <= nx + ny else 2

    best = (tier(nx0, ny0), nx0 * ny0, 0, 0)
    if best[0] == 0:
        return x_options[0], y_options[0]
    for i, (nx, _e) in enumerate(x_options[1:], start=1):
        if nx % nx0:
            best = min(best, (tier(nx, ny0), nx * ny0, i, 0))
    for j, (ny, _e) in enumerate(y_options[1:], start=1):
        if ny % ny0:
            best = min(best, (tier(nx0, ny), nx0 * ny, 0, j))
    return x_options[best[2]], y_options[best[3]]


def find_exact_grid(pixels: np.ndarray, max_cells: int = MAX_CELLS) -> ExactGrid | None:
    """The coarsest grid of solid blocks that reproduces ``pixels`` exactly, or None.

    None means the image is not a clean block upscale (blurred, resampled, or already
    at its true size). A 1x1 result (a flat image) is returned as the coarsest truth.
    Where an axis is ambiguous, square cells are preferred (see ``_pick_pair``).
    """
    if pixels.ndim not in (2, 3) or pixels.shape[0] < 1 or pixels.shape[1] < 1:
        raise ValueError("expected an HxW or HxWxC pixel array")
    height, width = pixels.shape[:2]
    x_changes, y_changes = _change_positions(pixels)
    x_options = _axis_options(x_changes, width, max_cells)
    if not x_options:
        return None
    y_options = _axis_options(y_changes, height, max_cells)
    if not y_options:
        return None
    # Every change lies on an edge, so every block is solid: no pixel check is needed.
    (nx, ex), (ny, ey) = _pick_pair(x_options, y_options, width, height)
    if nx == width and ny == height:
        return None  # every pixel its own cell: no upscale to undo
    return ExactGrid(cols=nx, rows=ny, x_edges=ex, y_edges=ey)


def downsample_exact(pixels: np.ndarray, grid: ExactGrid) -> np.ndarray:
    """One pixel per block: the block's top-left pixel (all its pixels are equal)."""
    return pixels[grid.y_edges[:-1]][:, grid.x_edges[:-1]].copy()


def upscale_blocks(small: np.ndarray, width: int, height: int) -> np.ndarray:
    """Each source pixel becomes one solid block; block sizes differ by at most 1 px."""
    rows, cols = small.shape[:2]
    x_edges = block_edges(cols, width)
    y_edges = block_edges(rows, height)
    xs = np.repeat(np.arange(cols), np.diff(x_edges))
    ys = np.repeat(np.arange(rows), np.diff(y_edges))
    return small[ys][:, xs].copy()


# --- Grids of images edited after upscaling -------------------------------------------------
# A clean upscale touched up afterwards (a few pixels painted over block edges) has no exact
# grid, yet its blocks are still there. ``fit_grid`` finds them from where the colour changes
# sit; ``downsample_majority`` takes each cell's most common colour and counts the cells that
# held more than one.

# Share of an axis's colour changes that must sit within 1 px of the candidate grid's edges.
FIT_MIN_EDGE_SUPPORT = 0.8
# Share of pixels that may differ from their cell's majority colour (the edits). Real
# touched-up portraits differ on 1-38 of 262,144 pixels; a photo on most of them.
FIT_MAX_OFF_PIXELS = 0.02


@dataclass(frozen=True)
class FittedGrid:
    grid: ExactGrid
    mixed_cells: int  # cells holding more than one colour
    off_pixels: int  # pixels unlike their cell's majority colour


def _change_counts(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many rows change colour at each column p (vs p-1), and how many columns at each row.

    Index p holds the change between p-1 and p (index 0 is always 0).
    """
    height, width = pixels.shape[:2]
    channels = pixels.shape[2] if pixels.ndim == 3 else 1
    values = np.ascontiguousarray(pixels).reshape(height, width, channels)
    col = np.zeros(width, dtype=np.int64)
    row = np.zeros(height, dtype=np.int64)
    col[1:] = np.any(values[:, 1:] != values[:, :-1], axis=2).sum(axis=0)
    row[1:] = np.any(values[1:] != values[:-1], axis=2).sum(axis=1)
    return col, row


def _fitted_edges(counts: np.ndarray, n: int) -> np.ndarray | None:
    """Edges for ``n`` cells, each interior edge moved (by at most 1 px) onto the strongest change.

    None when fewer than ``FIT_MIN_EDGE_SUPPORT`` of the changes sit on those edges.
    """
    size = counts.size
    edges = block_edges(n, size)
    total = int(counts.sum())
    inner = edges[1:-1]
    if inner.size == 0:
        return edges if total == 0 else None
    window = np.stack([np.clip(inner + d, 1, size - 1) for d in (-1, 0, 1)])  # (3, n-1)
    strength = counts[window]
    # Where an edge shows no change at all (two equal cells) it stays at its ideal place.
    best = np.where(strength.max(axis=0) > 0, window[strength.argmax(axis=0), np.arange(inner.size)], inner)
    fitted = edges.copy()
    fitted[1:-1] = best
    if np.any(np.diff(fitted) <= 0):
        return None
    supported = int(counts[best].sum())
    if total and supported < FIT_MIN_EDGE_SUPPORT * total:
        return None
    return fitted


def _axis_fits(counts: np.ndarray, max_cells: int) -> list[tuple[int, np.ndarray]]:
    out = []
    for n in range(2, min(max_cells, counts.size // 2) + 1):
        edges = _fitted_edges(counts, n)
        if edges is not None:
            out.append((n, edges))
    return out


def _colour_codes(pixels: np.ndarray) -> np.ndarray:
    """One int64 per pixel that is equal exactly when the pixels are equal (up to 4 uint8 channels)."""
    values = pixels.reshape(pixels.shape[0], pixels.shape[1], -1).astype(np.int64)
    codes = np.zeros(pixels.shape[:2], dtype=np.int64)
    for channel in range(values.shape[2]):
        codes = (codes << 16) | values[:, :, channel]
    return codes


def downsample_majority(pixels: np.ndarray, grid: ExactGrid) -> tuple[np.ndarray, int, int]:
    """One pixel per cell: the cell's most common colour; also (mixed cells, off pixels).

    Ties between equally common colours go to the one at the cell's earliest pixel in
    reading order, so the result does not depend on how colours happen to sort.
    """
    cols, rows = grid.cols, grid.rows
    cell_x = np.repeat(np.arange(cols), np.diff(grid.x_edges))
    cell_y = np.repeat(np.arange(rows), np.diff(grid.y_edges))
    cell = (cell_y[:, None] * cols + cell_x[None, :]).ravel()
    codes = _colour_codes(pixels).ravel()
    # Group equal (cell, colour) pairs: order by cell, then colour, stable so the first
    # index of each group is its earliest pixel.
    order = np.lexsort((codes, cell))
    cell_sorted, code_sorted = cell[order], codes[order]
    starts = np.flatnonzero(
        np.concatenate(
            ([True], (cell_sorted[1:] != cell_sorted[:-1]) | (code_sorted[1:] != code_sorted[:-1]))
        )
    )
    counts = np.diff(np.concatenate((starts, [cell.size])))
    group_cell = cell_sorted[starts]
    group_first = order[starts]  # lexsort is stable: the earliest pixel of the group comes first
    # Per cell: the largest count, earliest pixel on ties.
    pick = np.lexsort((group_first, -counts, group_cell))
    first_of_cell = np.concatenate(([True], group_cell[pick][1:] != group_cell[pick][:-1]))
    winners = pick[first_of_cell]
    n_cells = rows * cols
    winner_pixel = np.empty(n_cells, dtype=np.int64)
    winner_pixel[group_cell[winners]] = group_first[winners]
    winner_count = np.zeros(n_cells, dtype=np.int64)
    winner_count[group_cell[winners]] = counts[winners]
    groups_per_cell = np.bincount(group_cell, minlength=n_cells)
    flat = pixels.reshape(pixels.shape[0] * pixels.shape[1], *pixels.shape[2:])
    small = flat[winner_pixel].reshape(rows, cols, *pixels.shape[2:]).copy()
    mixed = int((groups_per_cell > 1).sum())
    off = int(cell.size - winner_count.sum())
    return small, mixed, off


def fit_grid(pixels: np.ndarray, max_cells: int = MAX_CELLS) -> FittedGrid | None:
    """The coarsest block grid that explains all but a few edited pixels, or None (no grid: a photo).

    An exact grid (``find_exact_grid``) comes back with no mixed cells. Otherwise each
    axis's cell counts whose edges carry most of the colour changes are tried, coarsest
    first, with square cells preferred; the first whose cells' majority colours leave at
    most ``FIT_MAX_OFF_PIXELS`` of the pixels unexplained wins.
    """
    exact = find_exact_grid(pixels, max_cells)
    if exact is not None:
        return FittedGrid(exact, 0, 0)
    height, width = pixels.shape[:2]
    col_counts, row_counts = _change_counts(pixels)
    x_fits = _axis_fits(col_counts, max_cells)
    y_fits = _axis_fits(row_counts, max_cells)
    pairs = [(nx, ex, ny, ey) for nx, ex in x_fits for ny, ey in y_fits]
    # Square cells first (an upscale keeps the aspect ratio), then the fewest cells.
    pairs.sort(key=lambda p: (abs(width * p[2] - height * p[0]) > p[0] + p[2], p[0] * p[2]))
    budget = FIT_MAX_OFF_PIXELS * width * height
    for nx, ex, ny, ey in pairs[:64]:  # the first few decide; a photo has no good one anywhere
        grid = ExactGrid(cols=nx, rows=ny, x_edges=ex, y_edges=ey)
        _small, mixed, off = downsample_majority(pixels, grid)
        if off <= budget:
            return FittedGrid(grid, mixed, off)
    return None
