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

    Edges are ``round(k * size / n_cells)``, so the larger blocks are spread out rather
    than bunched at one side.
    """
    if n_cells <= 0 or size < n_cells:
        raise ValueError(f"cannot split {size} px into {n_cells} blocks")
    k = np.arange(n_cells + 1, dtype=np.int64)
    # Integer arithmetic: floor(k * size / n + 1/2) without float error.
    return (2 * k * size + n_cells) // (2 * n_cells)


def _packed(pixels: np.ndarray) -> np.ndarray:
    """One integer per pixel, so comparisons run on a contiguous 2-D array."""
    if pixels.ndim == 2:
        return np.ascontiguousarray(pixels)
    if pixels.dtype == np.uint8 and pixels.shape[2] <= 4:
        quad = np.zeros(pixels.shape[:2] + (4,), dtype=np.uint8)
        quad[:, :, : pixels.shape[2]] = pixels
        return quad.view(np.uint32)[:, :, 0]
    # Wider samples (16-bit): fall back to one id per distinct pixel value.
    flat = pixels.reshape(-1, pixels.shape[2])
    _, ids = np.unique(flat, axis=0, return_inverse=True)
    return ids.reshape(pixels.shape[:2]).astype(np.int64)


def _change_positions(packed: np.ndarray, axis: int) -> np.ndarray:
    """Positions p (1..n-1) along ``axis`` where line p differs from line p-1."""
    if axis == 1:
        diff = np.any(packed[:, 1:] != packed[:, :-1], axis=0)
    else:
        diff = np.any(packed[1:] != packed[:-1], axis=1)
    return np.flatnonzero(diff) + 1


def _edges_for(changes: np.ndarray, size: int, n: int) -> np.ndarray | None:
    """Edges for ``n`` cells across ``size`` px consistent with the observed changes, or None.

    Every observed change must sit within one pixel of an ideal edge ``k * size / n``
    (upscalers round differently); a missing change means two equal neighbouring cells,
    where any edge near the ideal one gives the same solid blocks.
    """
    ideal = np.arange(n + 1) * (size / n)
    edges = np.rint(ideal).astype(np.int64)
    if changes.size:
        k = np.rint(changes * n / size).astype(np.int64)
        if np.any(np.abs(changes - ideal[k]) > 1.0) or np.any((k <= 0) | (k >= n)):
            return None
        if np.unique(k).size != k.size:
            return None
        edges[k] = changes
    if np.any(np.diff(edges) <= 0):
        return None
    return edges


def _blocks_solid(pixels: np.ndarray, x_edges: np.ndarray, y_edges: np.ndarray) -> bool:
    # Compare every pixel with the top-left pixel of its block.
    xs = np.repeat(x_edges[:-1], np.diff(x_edges))
    ys = np.repeat(y_edges[:-1], np.diff(y_edges))
    return bool(np.array_equal(pixels, pixels[ys][:, xs]))


def _axis_candidates(changes: np.ndarray, size: int, max_cells: int) -> list[tuple[int, np.ndarray]]:
    """Cell counts whose ideal edges explain every observed change, smallest first."""
    bounds = np.concatenate(([0], changes, [size]))
    smallest_gap = int(np.diff(bounds).min())
    # A block is at least floor(size / n) px, so the smallest gap bounds n from below.
    start = max(1, changes.size + 1, int(np.ceil(size / (smallest_gap + 1))))
    stop = min(max_cells, size)
    if start > stop:
        return []
    counts = np.arange(start, stop + 1)
    if changes.size:
        # Vectorised pre-check of every count at once; _edges_for confirms the survivors.
        k = np.rint(changes[None, :] * counts[:, None] / size)
        fits = np.all(np.abs(changes[None, :] - k * size / counts[:, None]) <= 1.0, axis=1)
        counts = counts[fits]
    out = []
    for n in counts.tolist():
        edges = _edges_for(changes, size, n)
        if edges is not None:
            out.append((n, edges))
    return out


def find_exact_grid(pixels: np.ndarray, max_cells: int = MAX_CELLS) -> ExactGrid | None:
    """The coarsest grid of solid blocks that reproduces ``pixels`` exactly, or None.

    None means the image is not a clean block upscale (blurred, resampled, or already
    at its true size with no repeated pixels). A 1x1 result (a flat image) is returned
    as the coarsest truth.
    """
    if pixels.ndim not in (2, 3) or pixels.shape[0] < 1 or pixels.shape[1] < 1:
        raise ValueError("expected an HxW or HxWxC pixel array")
    height, width = pixels.shape[:2]
    packed = _packed(pixels)
    x_changes = _change_positions(packed, axis=1)
    y_changes = _change_positions(packed, axis=0)
    x_options = _axis_candidates(x_changes, width, max_cells)
    y_options = _axis_candidates(y_changes, height, max_cells)
    # Square pixel art first: same cell count on both axes, smallest first.
    pairs = [(nx, ex, ny, ey) for nx, ex in x_options for ny, ey in y_options]
    pairs.sort(key=lambda p: (p[0] != p[2], p[0] * p[2]))
    for nx, ex, ny, ey in pairs:
        if nx == width and ny == height:
            return None  # every pixel its own cell: no upscale to undo
        if _blocks_solid(packed, ex, ey):
            return ExactGrid(cols=nx, rows=ny, x_edges=ex, y_edges=ey)
    return None


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
