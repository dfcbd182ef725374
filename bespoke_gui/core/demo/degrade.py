"""Pixel-art upscales, clean and the way a diffusion model draws them.

``upscale_nearest`` is the clean training image: the same pixels as Pillow's
``Image.resize(..., Image.NEAREST)`` (24 cells in 512 px: blocks of 21 or 22 px).

``degrade_like_diffusion`` is ground truth for the Epochs engine: known 24x24 art
rendered the way an SD1.5 LoRA sample of it looks, with every change recorded. A
diffusion model does not draw on a fixed grid: the cells drift (an offset and a slight
scale, so boundaries no longer fall where a fixed 21.33-px grid says) and are a little
uneven, edges are soft, every pixel is noisy, each flat region's colour drifts a little
(hue and value), flat regions hold near-duplicate shades of their colour, and a few cells
come out in a wrong colour (the stray pixels a person would call mistakes). Strength 0
is the clean upscale; 1 is a messy early epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bespoke_gui.core.colour import oklab_to_srgb, srgb_to_oklab
from bespoke_gui.core.exactgrid import downsample_exact, find_exact_grid

DEFAULT_SIZE = 512
DEFAULT_CELLS = 24
# Inputs at most this many pixels across are taken as the cell art itself.
MAX_ART_SIZE = 64

# A stray's colour is at least this far (OKLab) from the colour the cell should have, so
# that it is a mistake a person sees rather than a shade.
STRAY_MIN_DISTANCE = 0.18


@dataclass(frozen=True)
class DegradeResult:
    """A degraded render and what was done to it.

    ``stray_cells`` are ``(x, y)`` cell coordinates (column, row on the 24-grid) given a
    wrong colour on purpose. Cell ``k`` spans ``grid_offset + k * pitch * grid_scale`` to
    ``grid_offset + (k + 1) * pitch * grid_scale`` px, where ``pitch = size / cells``
    (plus a wobble of at most ``1.5 * strength`` px). ``source`` is the clean cell art;
    ``cells`` the per-cell colours that were rendered before blur and noise (drift, shades
    and strays included).
    """

    image: np.ndarray
    stray_cells: list[tuple[int, int]]
    grid_offset: tuple[float, float]
    grid_scale: float
    source: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0, 3), np.uint8))
    cells: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0, 3), np.uint8))
    strength: float = 0.0


def nearest_indices(n_in: int, n_out: int) -> np.ndarray:
    """Source index of every output position, exactly as Pillow's NEAREST resize picks it.

    Pillow steps through the source in double precision, adding ``n_in / n_out`` per
    output pixel from a start of half a step; the accumulated rounding decides which
    source pixel lands on a boundary, so a closed formula differs at some sizes.
    """
    step = n_in / n_out
    pos = step * 0.5
    out = np.empty(n_out, dtype=np.intp)
    for i in range(n_out):
        out[i] = min(int(pos), n_in - 1)
        pos += step
    return out


def upscale_nearest(pixels: np.ndarray, size: int = DEFAULT_SIZE) -> np.ndarray:
    """Nearest-neighbour upscale to ``size`` x ``size``: the same result as Pillow's Image.NEAREST."""
    if pixels.ndim not in (2, 3):
        raise ValueError("expected an HxW or HxWxC pixel array")
    if size < 1:
        raise ValueError("size must be positive")
    rows, cols = pixels.shape[:2]
    return pixels[nearest_indices(rows, size)][:, nearest_indices(cols, size)].copy()


def _as_rgb(image: np.ndarray) -> np.ndarray:
    rgb = image[:, :, :3] if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)
    if rgb.shape[2] == 1:
        rgb = np.repeat(rgb, 3, axis=2)
    return np.ascontiguousarray(rgb, dtype=np.uint8)


def _cell_art(image: np.ndarray, cells: int) -> tuple[np.ndarray, int]:
    """The cell art behind ``image`` and the output size: small inputs are the art itself."""
    rgb = _as_rgb(image)
    if max(rgb.shape[:2]) <= MAX_ART_SIZE:
        return rgb, DEFAULT_SIZE
    grid = find_exact_grid(rgb)
    if grid is not None and grid.cols == cells and grid.rows == cells:
        return downsample_exact(rgb, grid), rgb.shape[1]
    # Not a clean upscale: take each cell's centre pixel on the ideal grid.
    h, w = rgb.shape[:2]
    ys = ((np.arange(cells) + 0.5) * h / cells).astype(np.intp)
    xs = ((np.arange(cells) + 0.5) * w / cells).astype(np.intp)
    return rgb[ys][:, xs].copy(), w


def _regions(art: np.ndarray) -> np.ndarray:
    """Label 4-connected areas of one exact colour (0..n-1)."""
    rows, cols = art.shape[:2]
    packed = art[:, :, 0].astype(np.int64) << 16 | art[:, :, 1].astype(np.int64) << 8 | art[:, :, 2]
    labels = np.full((rows, cols), -1, dtype=np.int64)
    current = 0
    for sy in range(rows):
        for sx in range(cols):
            if labels[sy, sx] >= 0:
                continue
            colour = packed[sy, sx]
            stack = [(sy, sx)]
            labels[sy, sx] = current
            while stack:
                y, x = stack.pop()
                for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                    if 0 <= ny < rows and 0 <= nx < cols and labels[ny, nx] < 0 and packed[ny, nx] == colour:
                        labels[ny, nx] = current
                        stack.append((ny, nx))
            current += 1
    return labels


def _interior(labels: np.ndarray) -> np.ndarray:
    """Cells whose 8 neighbours all belong to their own region (the middle of flat areas)."""
    padded = np.pad(labels, 1, constant_values=-1)
    rows, cols = labels.shape
    inside = np.ones_like(labels, dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            inside &= padded[1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + cols] == labels
    return inside


def _pick_strays(
    art: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator
) -> list[tuple[int, int, np.ndarray]]:
    """``count`` cells inside flat regions, at least 2 cells apart, with a clearly wrong colour."""
    inside = _interior(labels)
    candidates = np.argwhere(inside)
    if len(candidates) < count:
        # Small art or busy patterns: fall back to any cell.
        candidates = np.argwhere(np.ones_like(inside))
    order = rng.permutation(len(candidates))
    palette = np.unique(art.reshape(-1, 3), axis=0)
    palette_lab = srgb_to_oklab(palette)
    chosen: list[tuple[int, int, np.ndarray]] = []
    for index in order:
        if len(chosen) >= count:
            break
        y, x = (int(v) for v in candidates[index])
        if any(abs(x - cx) < 2 and abs(y - cy) < 2 for cx, cy, _ in chosen):
            continue
        own = srgb_to_oklab(art[y, x])
        far = palette[np.sqrt(((palette_lab - own) ** 2).sum(-1)) >= STRAY_MIN_DISTANCE]
        if len(far) and rng.random() < 0.6:
            # Another feature's colour where it does not belong (skin-tone in the black).
            colour = far[int(rng.integers(len(far)))]
        else:
            colour = _off_palette_colour(own, palette_lab, rng)
        chosen.append((x, y, colour.astype(np.uint8)))
    return chosen


def _off_palette_colour(own_lab: np.ndarray, palette_lab: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A blotch: the cell's own colour much darker or lighter and a little tinted.

    Diffusion strays are rarely random confetti; they are dark or light specks of a
    muddy version of what surrounds them. Falls back to the most distinct try.
    """
    best = None
    best_distance = -1.0
    for _ in range(24):
        lab = own_lab.astype(np.float64).copy()
        lab[0] += rng.choice((-1.0, 1.0)) * rng.uniform(0.2, 0.35)
        if not 0.1 <= lab[0] <= 0.95:
            lab[0] = own_lab[0] - np.sign(lab[0] - own_lab[0]) * rng.uniform(0.2, 0.35)
        lab[1:] += rng.normal(0.0, 0.04, 2)
        candidate = oklab_to_srgb(lab)
        lab_back = srgb_to_oklab(candidate)
        if np.sqrt(((lab_back - own_lab) ** 2).sum()) < STRAY_MIN_DISTANCE:
            continue
        distance = float(np.sqrt(((palette_lab - lab_back) ** 2).sum(-1)).min())
        if distance > best_distance:
            best, best_distance = candidate, distance
        if distance >= 0.08:
            break
    if best is None:
        best = oklab_to_srgb(np.array([1.0 - float(own_lab[0]), 0.0, 0.0]))
    return best


def _drifted_cells(
    art: np.ndarray, labels: np.ndarray, strength: float, rng: np.random.Generator
) -> np.ndarray:
    """Per-region colour drift and near-duplicate shades in flat regions, in OKLab."""
    lab = srgb_to_oklab(art).astype(np.float64)
    n_regions = int(labels.max()) + 1
    drift = np.column_stack(
        (
            rng.normal(0.0, 0.03 * strength, n_regions),
            rng.normal(0.0, 0.014 * strength, n_regions),
            rng.normal(0.0, 0.014 * strength, n_regions),
        )
    )
    lab += drift[labels]
    # Two near-duplicate shades per region, scattered over its inner cells.
    shades = rng.normal(0.0, 1.0, (n_regions, 2, 3))
    shades /= np.maximum(np.linalg.norm(shades, axis=-1, keepdims=True), 1e-9)
    # 0.004-0.012 OKLab (about 1-4 RGB levels): the per-cell drift measured on real epoch-8
    # samples (tests/benchmarks/measure_samples.py: 1.2 RGB std, at most 2.1). Shades 14-30
    # levels off a region's colour are strays (issue #10), not drift.
    shades *= rng.uniform(0.004, 0.012, (n_regions, 2, 1))
    inside = _interior(labels)
    shaded = inside & (rng.random(labels.shape) < 0.45 * strength)
    which = rng.integers(0, 2, labels.shape)
    lab[shaded] += shades[labels[shaded], which[shaded]]
    return oklab_to_srgb(lab)


def _axis_map(
    size: int, cells: int, offset: float, scale: float, wobble: float, phase: float, waves: float
) -> np.ndarray:
    """Cell index of every output pixel along one axis, for a drifted and slightly uneven grid."""
    pitch = size / cells * scale
    centres = np.arange(size, dtype=np.float64) + 0.5
    warped = centres + wobble * np.sin(2.0 * np.pi * waves * centres / size + phase)
    return np.clip(np.floor((warped - offset) / pitch), 0, cells - 1).astype(np.intp)


def _blurred_axis_weights(index: np.ndarray, cells: int, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Which cells each pixel along one axis shows after a Gaussian blur, and how much.

    Returns ``(cell_indices, weights)``, both ``(size, k)``: pixel ``i`` is
    ``sum(weights[i, m] * cell[cell_indices[i, m]])``. A blur a few pixels wide over cells of
    about 21 px touches at most a few cells, so ``k`` is small. Edges repeat the outermost pixel.
    """
    size = index.size
    radius = max(1, int(np.ceil(3.0 * sigma)))
    taps = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (taps / sigma) ** 2)
    kernel /= kernel.sum()
    dense = np.zeros((size, cells), dtype=np.float64)
    rows = np.arange(size)
    for tap, weight in zip(taps.astype(np.intp), kernel):
        source = np.clip(rows + tap, 0, size - 1)
        np.add.at(dense, (rows, index[source]), weight)
    k = max(1, int(np.count_nonzero(dense > 0, axis=1).max()))
    order = np.argsort(-dense, axis=1, kind="stable")[:, :k]
    return order.astype(np.intp), np.take_along_axis(dense, order, axis=1).astype(np.float32)


def _render_blurred(
    cells: np.ndarray, ys: tuple[np.ndarray, np.ndarray], xs: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """Render float cell art through blurred axis weights: rows first, then columns.

    Gathers and multiply-adds only (no matrix products): on a busy machine BLAS's threads
    made the equivalent matrix products a hundred times slower.
    """
    y_cells, y_weights = ys
    x_cells, x_weights = xs
    by_row = np.take(cells, y_cells[:, 0], axis=0)
    by_row *= y_weights[:, 0, None, None]
    for m in range(1, y_cells.shape[1]):
        term = np.take(cells, y_cells[:, m], axis=0)
        term *= y_weights[:, m, None, None]
        by_row += term
    out = np.take(by_row, x_cells[:, 0], axis=1)
    out *= x_weights[None, :, 0, None]
    for m in range(1, x_cells.shape[1]):
        term = np.take(by_row, x_cells[:, m], axis=1)
        term *= x_weights[None, :, m, None]
        out += term
    return out


def _low_frequency(rows: int, cols: int, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth brightness and tint variation across the image (diffusion's uneven flats), per cell.

    A few low cosine waves per axis with random weights, larger for the lowest waves. It
    changes by well under one level from a cell to the next, so evaluating it per cell
    rather than per pixel looks the same after the blur, at a fraction of the cost.
    """
    waves = 4
    falloff = 1.0 / (1.0 + np.add.outer(np.arange(waves), np.arange(waves)))
    # Mostly brightness (the same in every channel), with a smaller tint.
    brightness = rng.normal(0.0, amplitude, (waves, waves, 1))
    tint = rng.normal(0.0, 0.4 * amplitude, (waves, waves, 3))
    coefficients = (brightness + tint) * falloff[:, :, None]
    basis_y = np.cos(np.pi * ((np.arange(rows) + 0.5) / rows)[:, None] * np.arange(waves)[None, :])
    basis_x = np.cos(np.pi * ((np.arange(cols) + 0.5) / cols)[:, None] * np.arange(waves)[None, :])
    return np.einsum("yk,klc,xl->yxc", basis_y, coefficients, basis_x).astype(np.float32)


def degrade_like_diffusion(
    image: np.ndarray,
    strength: float,
    seed: int,
    cells: int = DEFAULT_CELLS,
    size: int | None = None,
) -> DegradeResult:
    """Render ``image`` the way a diffusion sample of it looks; deterministic from ``seed``.

    ``image`` is either the cell art itself (at most 64 px across, e.g. a 24x24 portrait),
    rendered at ``size`` (default 512), or a clean upscale of it (e.g. 512x512), whose
    cells are recovered first and which keeps its size. The result is square, RGB. Strength
    0 returns the clean nearest-neighbour upscale (the input itself when it was one); 1 is a
    messy early epoch.
    """
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be between 0 and 1, not {strength}")
    image = np.asarray(image)
    if image.ndim not in (2, 3) or min(image.shape[:2]) < 1:
        raise ValueError("expected an HxW or HxWxC pixel array")
    art, natural_size = _cell_art(image, cells)
    out_size = size or natural_size
    if strength == 0.0:
        if max(image.shape[:2]) > MAX_ART_SIZE and image.shape[0] == image.shape[1] == out_size:
            clean = _as_rgb(image)
        else:
            clean = upscale_nearest(art, out_size)
        return DegradeResult(clean, [], (0.0, 0.0), 1.0, art, art.copy(), 0.0)

    rng = np.random.default_rng(seed)
    rows, cols = art.shape[:2]
    labels = _regions(art)
    drifted = _drifted_cells(art, labels, strength, rng)
    stray_count = max(1, int(round(strength * 12 + rng.uniform(0.0, 2.49))))
    strays = _pick_strays(art, labels, stray_count, rng)
    for x, y, colour in strays:
        drifted[y, x] = colour

    pitch = out_size / cols
    grid_scale = float(1.0 + np.clip(rng.normal(0.0, 0.012), -0.025, 0.025) * strength)
    offset_x = float(rng.uniform(-0.3, 0.3) * pitch * strength)
    offset_y = float(rng.uniform(-0.3, 0.3) * pitch * strength)
    wobble = 1.5 * strength
    xs = _axis_map(
        out_size, cols, offset_x, grid_scale, wobble, rng.uniform(0, 2 * np.pi), rng.uniform(1.0, 3.0)
    )
    ys = _axis_map(
        out_size, rows, offset_y, grid_scale, wobble, rng.uniform(0, 2 * np.pi), rng.uniform(1.0, 3.0)
    )
    sigma = 0.5 + 2.5 * strength
    # Render and blur in one go: a separable Gaussian over a render of cells is the render
    # through blurred per-axis weights.
    shaded = drifted.astype(np.float32) + _low_frequency(rows, cols, 0.5 + 5.0 * strength, rng)
    pixels = _render_blurred(
        shaded, _blurred_axis_weights(ys, rows, sigma), _blurred_axis_weights(xs, cols, sigma)
    )
    # Uniform noise with the wanted standard deviation: cheaper to draw than Gaussian,
    # and after blur, drift and rounding the difference does not show.
    noise = rng.random(pixels.shape, dtype=np.float32)
    noise -= 0.5
    noise *= np.float32(np.sqrt(12.0) * (0.25 + 2.0 * strength))
    pixels += noise
    np.clip(pixels, 0.0, 255.0, out=pixels)
    pixels += 0.5
    result = pixels.astype(np.uint8)
    return DegradeResult(
        image=result,
        stray_cells=sorted((x, y) for x, y, _ in strays),
        grid_offset=(offset_x, offset_y),
        grid_scale=grid_scale,
        source=art,
        cells=drifted,
        strength=float(strength),
    )
