"""Where the cells of a sample are, and each cell's colour (the first half of ``pixelgrid``).

The cell boundaries are found from gradient energy projected on each axis (each
pixel's change clipped at ``ENERGY_CLIP``): a global fit of pitch (+-6 %) and offset
(cell count known), with a prior for a grid anchored at the frame's corner
(``CORNER_PRIOR``: real samples start at 0 and end at the far edge), then each boundary
line moved to its own nearby energy peak, so offset, drift and slightly uneven cells
are followed. Each cell's colour is the per-channel median of the means of 4 x 4
sub-blocks of its inner 60 % (the blurred rims are skipped).

    grid = fit_grid(pixels, cells=24)           # GridFit: x_edges, y_edges, pitch, score
    colours, spread = cell_colours_float(rgb, grid)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_CELLS = 24
# Share of a cell (per axis) whose pixels give its colour; the rest is blurred rim.
INNER_FRACTION = 0.6
# The global fit searches pitches within this fraction of size / cells.
PITCH_TOLERANCE = 0.06
# Each pixel's colour change counts at most this much towards the grid energy.
ENERGY_CLIP = 64
# Prior for where the grid sits: real samples start their grid at 0 (within 0.43 px)
# and end it at the frame's far edge. Every pixel the grid's first line sits off 0 and
# its last line off the far edge costs this share of a typical grid line's energy per
# cell of pitch: a grid one whole cell off pays about one line, a 2 px offset a tenth.
CORNER_PRIOR = 1.0


@dataclass(frozen=True)
class GridFit:
    """Where the cells are: ``x_edges[k]`` is the left edge of column k in source pixels.

    ``score`` (0..1) says how well the image's edges sit on the fitted lines: the share
    of all colour-change energy that lies within a pixel of a grid line, rescaled so
    that randomly placed lines score 0 and a clean block upscale scores 1.
    """

    x_edges: np.ndarray
    y_edges: np.ndarray
    pitch_x: float
    pitch_y: float
    offset_x: float
    offset_y: float
    score: float
    score_x: float = 1.0
    score_y: float = 1.0
    exact: bool = False

    @property
    def cells(self) -> tuple[int, int]:
        return len(self.x_edges) - 1, len(self.y_edges) - 1

    @classmethod
    def from_edges(
        cls, x_edges: np.ndarray, y_edges: np.ndarray, score_x: float, score_y: float, exact: bool = False
    ) -> GridFit:
        """The fit whose lines are ``x_edges`` / ``y_edges``: pitch and offset from the outer lines."""
        x_edges = np.asarray(x_edges, dtype=np.float64)
        y_edges = np.asarray(y_edges, dtype=np.float64)
        return cls(
            x_edges=x_edges,
            y_edges=y_edges,
            pitch_x=float(x_edges[-1] - x_edges[0]) / (x_edges.size - 1),
            pitch_y=float(y_edges[-1] - y_edges[0]) / (y_edges.size - 1),
            offset_x=float(x_edges[0]),
            offset_y=float(y_edges[0]),
            score=min(score_x, score_y),
            score_x=score_x,
            score_y=score_y,
            exact=exact,
        )


def as_rgb_array(pixels: np.ndarray) -> np.ndarray:
    """An (H, W, 3) uint8 view of an RGB, RGBA (alpha dropped) or greyscale array."""
    arr = np.asarray(pixels)
    if arr.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {arr.dtype}")
    if arr.ndim == 2:
        return np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(f"expected an HxWx3 image, got shape {arr.shape}")
    return arr[:, :, :3] if arr.shape[2] == 4 else arr


def edge_energy(rgb: np.ndarray, clip: int = 255, step: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Colour-change energy at every boundary position, per axis.

    ``ex[q]`` (q = 0..W) sums |pixel(x=q) - pixel(x=q-1)| over rows and channels, i.e.
    how strongly the image changes between column q-1 and column q; ``ex[0]`` and
    ``ex[W]`` are 0. Same for ``ey`` along rows. Each difference is clipped at ``clip``
    so that one strong edge (a dark outline on a light background) counts like any other
    colour change. ``step`` > 1 sums over every step-th row (for ``ex``) and column (for
    ``ey``) only: a cell boundary runs the whole length of its cell (21 px at 512 / 24),
    so a quarter of the lines still show it clearly, for a quarter of the work. uint8
    max-min avoids a wide copy, and summing over a (rows, W*3) view keeps the reduction
    contiguous (several times faster than reducing over two axes).
    """
    height, width = rgb.shape[:2]
    rows = rgb[::step] if step > 1 else rgb
    left, right = rows[:, 1:], rows[:, :-1]
    dx = np.maximum(left, right)
    dx -= np.minimum(left, right)
    if clip < 255:
        np.minimum(dx, clip, out=dx)
    ex_c = dx.reshape(rows.shape[0], -1).sum(axis=0, dtype=np.uint32).reshape(width - 1, 3).sum(axis=1)
    columns = np.take(rgb, np.arange(0, width, step), axis=1) if step > 1 else rgb
    top, bottom = columns[1:], columns[:-1]
    dy = np.maximum(top, bottom)
    dy -= np.minimum(top, bottom)
    if clip < 255:
        np.minimum(dy, clip, out=dy)
    ey_c = dy.reshape(height - 1, -1).sum(axis=1, dtype=np.uint32)
    ex = np.zeros(width + 1, dtype=np.float64)
    ey = np.zeros(height + 1, dtype=np.float64)
    ex[1:width] = ex_c
    ey[1:height] = ey_c
    return ex, ey


def _smooth(energy: np.ndarray) -> np.ndarray:
    # Blur of a pixel or two and edge rounding both spread a boundary over 2-3 positions.
    return np.convolve(energy, np.array([0.25, 0.5, 0.25]), mode="same")


def _interp(profile: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``profile`` at fractional ``positions`` (clamped at the ends).

    The profile is sampled at 0, 1, 2, ...: the index is computed, not searched for
    (``np.interp`` does a binary search per point).
    """
    last = profile.size - 1
    # np.minimum/np.maximum, not np.clip: the same values without np.clip's per-call overhead.
    pos = np.minimum(np.maximum(positions, 0.0), float(last))
    lo = pos.astype(np.int64)
    np.minimum(lo, last - 1, out=lo)
    frac = pos - lo
    return profile[lo] + frac * (profile[lo + 1] - profile[lo])


def _fit_axis(energy: np.ndarray, cells: int) -> tuple[float, float]:
    """(offset, pitch) maximising the energy on the interior grid lines.

    Lines sit at ``offset + k * pitch``; the search is parametrised around the image
    centre so pitch and shift are nearly independent. A coarse search on a wider-blurred
    profile finds the candidates; the best few, a cell apart from each other, are each
    refined twice on the sharper profile and the best refined fit wins (coarse sampling
    alone can prefer the grid one cell off when the borders are flat).
    """
    size = energy.size - 1
    smooth = _smooth(energy)
    if smooth.max() <= 0 or cells < 2:
        return 0.0, size / cells
    wide = np.convolve(energy, np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0, mode="same")
    nominal = size / cells
    k = np.arange(1, cells, dtype=np.float64) - cells / 2.0
    centre = size / 2.0
    # Energy of a typical grid line, to weigh the overhang penalty below against.
    line_energy = float(np.sort(smooth)[-cells:].mean())

    def scores_for(profile: np.ndarray, pitches: np.ndarray, shifts: np.ndarray) -> np.ndarray:
        """Scores of every (pitch, shift) pair; the two arrays broadcast against each other."""
        lines = centre + shifts[..., None] + k * pitches[..., None]
        scores = _interp(profile, lines).sum(axis=-1)
        # A grid hanging off the image loses whole columns of art; when the energy
        # cannot tell (flat borders, or one strong edge on the art's outer border),
        # prefer the grid that covers the frame, anchored at its corner.
        start = centre + shifts - (cells / 2.0) * pitches
        end = start + cells * pitches
        overhang = np.maximum(0.0, -start) + np.maximum(0.0, end - size)
        off_corner = np.abs(start) + np.abs(end - size)
        scores = scores - line_energy * (2.0 * overhang + CORNER_PRIOR * off_corner) / nominal
        # A slight preference for the nominal grid breaks ties on flat images.
        return scores - 1e-9 * (np.abs(pitches - nominal) + np.abs(shifts))

    pitches = nominal * (1.0 + np.linspace(-PITCH_TOLERANCE, PITCH_TOLERANCE, 19))
    # A whole cell either way: an offset beyond half a cell combined with a pitch drift
    # would otherwise be read as the neighbouring index (a grid one cell off).
    shifts = np.linspace(-1.0, 1.0, 33) * nominal
    coarse = scores_for(wide, pitches[:, None], shifts[None, :])
    pitch_step = pitches[1] - pitches[0]
    shift_step = shifts[1] - shifts[0]
    best_per_shift = coarse.max(axis=0)
    candidates: list[int] = []
    for j in np.argsort(best_per_shift)[::-1]:
        if all(abs(shifts[j] - shifts[c]) > 0.5 * nominal for c in candidates):
            candidates.append(int(j))
        if len(candidates) == 3:
            break
    # Refine every candidate at once, twice, each time around its best point so far.
    cand_pitch = pitches[np.argmax(coarse[:, candidates], axis=0)]
    cand_shift = shifts[candidates]
    steps = np.linspace(-1.0, 1.0, 7)
    for scale in (1.0, 1.0 / 3.0):
        grid_p = cand_pitch[:, None, None] + (steps * pitch_step * scale)[None, :, None]
        grid_s = cand_shift[:, None, None] + (steps * shift_step * scale)[None, None, :]
        fine = scores_for(smooth, grid_p, grid_s).reshape(len(candidates), -1)
        best_index = np.argmax(fine, axis=1)
        rows = np.arange(len(candidates))
        cand_pitch = np.broadcast_to(grid_p, (len(candidates), 7, 7)).reshape(len(candidates), -1)[
            rows, best_index
        ]
        cand_shift = np.broadcast_to(grid_s, (len(candidates), 7, 7)).reshape(len(candidates), -1)[
            rows, best_index
        ]
        best_scores = fine[rows, best_index]
    winner = int(np.argmax(best_scores))
    pitch, shift = float(cand_pitch[winner]), float(cand_shift[winner])
    offset = centre + shift - (cells / 2.0) * pitch
    return offset, pitch


def _median(values: np.ndarray) -> float:
    """``np.median`` of a 1-d array, by one partition (np.median costs several times more here)."""
    half = values.size // 2
    if values.size % 2:
        return float(np.partition(values, half)[half])
    part = np.partition(values, [half - 1, half])
    return float((part[half - 1] + part[half]) / 2)


def _refine_lines(energy: np.ndarray, edges: np.ndarray, pitch: float) -> np.ndarray:
    """Move each interior line to its own energy peak nearby, when there is a clear one.

    Diffusion output draws slightly uneven cells; a line with no edge under it (two
    equal neighbouring cells) keeps the global fit.
    """
    smooth = _smooth(energy)
    size = energy.size - 1
    noise = _median(smooth[1:size]) if size > 2 else 0.0
    radius = max(1, int(round(pitch * 0.25)))
    out = edges.astype(np.float64).copy()
    interior = edges[1:-1]
    centres = np.rint(interior).astype(np.int64)
    offsets = np.arange(-radius, radius + 1)
    window = np.minimum(np.maximum(centres[:, None] + offsets[None, :], 1), size - 1)
    values = smooth[window]
    best = np.argmax(values, axis=1)
    peak = values[np.arange(values.shape[0]), best]
    at_fit = _interp(smooth, interior)
    q = window[np.arange(window.shape[0]), best].astype(np.float64)
    # Sub-pixel peak by a parabola through the three values around it.
    left = smooth[np.minimum(np.maximum(q.astype(np.int64) - 1, 0), size)]
    right = smooth[np.minimum(np.maximum(q.astype(np.int64) + 1, 0), size)]
    denom = left - 2 * peak + right
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.where(denom < 0, 0.5 * (left - right) / denom, 0.0)
    q = q + np.minimum(np.maximum(delta, -0.5), 0.5)
    clear = (peak > 3.0 * noise) & (peak > 1.25 * at_fit)
    out[1:-1] = np.where(clear, q, interior)
    # Keep lines in order with at least half a pitch between them.
    if np.any(np.diff(out) < 0.5 * pitch):
        return edges.astype(np.float64)
    return out


def _axis_score(energy: np.ndarray, edges: np.ndarray) -> float:
    size = energy.size - 1
    total = float(energy.sum())
    interior = edges[1:-1]
    if total <= 0 or interior.size == 0:
        return 1.0
    near = np.zeros(size + 1, dtype=bool)
    centres = np.rint(interior).astype(np.int64)
    for d in (-1, 0, 1):
        near[np.minimum(np.maximum(centres + d, 0), size)] = True
    share = float(energy[near].sum()) / total
    baseline = min(0.99, float(near[1:size].sum()) / max(1, size - 1))
    return float(np.clip((share - baseline) / (1.0 - baseline), 0.0, 1.0))


def fit_grid(pixels: np.ndarray, cells: int = DEFAULT_CELLS, refine: bool = True) -> GridFit:
    """Fit a cells x cells grid to a (blurred, noisy, offset) block image."""
    rgb = as_rgb_array(pixels)
    height, width = rgb.shape[:2]
    # Every 4th line (>= 4 per cell) on a large image; a small one needs all its pixels.
    ex, ey = edge_energy(rgb, ENERGY_CLIP, 4 if min(width, height) >= 16 * cells else 1)
    return _fit_from_energy(ex, ey, width, height, cells, refine)


def _fit_from_energy(
    ex: np.ndarray, ey: np.ndarray, width: int, height: int, cells: int, refine: bool
) -> GridFit:
    ox, px = _fit_axis(ex, cells)
    oy, py = _fit_axis(ey, cells)
    k = np.arange(cells + 1, dtype=np.float64)
    x_edges = ox + k * px
    y_edges = oy + k * py
    if refine:
        x_edges = _refine_lines(ex, x_edges, px)
        y_edges = _refine_lines(ey, y_edges, py)
    # Refining moves interior lines only: the outer ones keep the fitted offset and pitch.
    return GridFit.from_edges(x_edges, y_edges, _axis_score(ex, x_edges), _axis_score(ey, y_edges))


def inner_layout(pitch: float) -> tuple[int, int]:
    """(sub-blocks per axis, sub-block size in px) of a cell's inner part.

    The inner part is about ``INNER_FRACTION`` of the cell per axis: 4 x 4 sub-blocks of
    3 x 3 px at 21.33-px cells, 2 x 2 of 3 x 3 at 10.67 px, one pixel at 1 px.
    """
    inner = pitch * INNER_FRACTION
    per_axis = 4 if inner >= 8 else (2 if inner >= 3 else 1)
    return per_axis, max(1, int(inner // per_axis))


def inner_indices(edges: np.ndarray, size: int, m: int | None = None) -> np.ndarray:
    """(cells, m) pixel indices of each cell's inner part, m the same for every cell."""
    widths = np.diff(edges)
    if m is None:
        per_axis, sub = inner_layout(_median(widths))
        m = per_axis * sub
    m = max(1, min(m, size))
    centres = (edges[:-1] + edges[1:]) / 2.0
    # Pixel j covers [j, j+1): the m pixels whose centres lie around the cell centre.
    start = np.floor(centres - m / 2.0 + 0.5).astype(np.int64)
    start = np.minimum(np.maximum(start, 0), size - m)
    return start[:, None] + np.arange(m)[None, :]


def cell_colours_float(rgb: np.ndarray, grid: GridFit) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: a robust colour of its inner part, and how far the inner part strays from it.

    The inner part is split into k x k sub-blocks (4 x 4 of 3 x 3 px at 21.33-px cells);
    the colour is the per-channel median of the sub-block means. Means average the
    noise away, the median ignores sub-blocks that fall on a neighbouring cell when the
    grid is a little off: robust and cheaper than a median over every pixel. The spread
    is the mean absolute difference of the sub-block means from that colour (RGB units,
    0 for a solid cell, about half the colour difference for a cell split in two).

    Returns ``(colours (rows, cols, 3) float32, spread (rows, cols) float32)``.
    """
    height, width = rgb.shape[:2]
    pitch = min(_median(np.diff(grid.x_edges)), _median(np.diff(grid.y_edges)))
    per_axis, sub = inner_layout(pitch)
    m = per_axis * sub
    ys = inner_indices(grid.y_edges, height, m)
    xs = inner_indices(grid.x_edges, width, m)
    rows, cols = ys.shape[0], xs.shape[0]
    # (rows*m, cols*m, 3); np.take per axis is about twice as fast as fancy indexing here.
    block = np.take(np.take(rgb, ys.ravel(), axis=0), xs.ravel(), axis=1)
    # Sum each sub x sub sub-block by adding strided slices (a multi-axis .sum() over
    # the 7-d view is three times slower): (rows*k, cols*k, 3).
    wide_type = np.uint16 if sub * sub * 255 <= np.iinfo(np.uint16).max else np.uint32
    tall: np.ndarray = block.reshape(rows * per_axis, sub, cols * m * 3).astype(wide_type)
    row_sums = tall[:, 0].copy()
    for i in range(1, sub):
        row_sums += tall[:, i]
    wide = row_sums.reshape(rows * per_axis, cols * per_axis, sub, 3)
    sums = wide[:, :, 0].copy()
    for i in range(1, sub):
        sums += wide[:, :, i]
    means = sums.astype(np.float32) * (1.0 / float(sub * sub))
    means = means.reshape(rows, per_axis, cols, per_axis, 3).transpose(0, 2, 4, 1, 3)
    means = means.reshape(rows, cols, 3, per_axis * per_axis)
    ordered = np.sort(means, axis=3)  # sorting 16 values beats np.median's partition
    n = per_axis * per_axis
    median = 0.5 * (ordered[..., (n - 1) // 2] + ordered[..., n // 2])
    spread = np.abs(means - median[..., None]).mean(axis=(2, 3))
    return median, spread.astype(np.float32)
