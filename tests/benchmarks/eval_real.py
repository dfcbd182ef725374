"""Recovery and stray detection scored on real 24x24 pixel art nobody here drew.

Run: python tests/benchmarks/eval_real.py [--split heldout|tune] [--limit N] [--demo N] [--cell-drift K]

Data: ../shared/realdata/bespokebaby2/originals_24 (204 real 24x24 RGBA portraits),
read in place (never copied). They are composited on a flat background (their alpha is
opaque in this set, so this is a no-op there), upscaled to 512 px with nearest
neighbour (pitch 21.33) and degraded by the model below, whose figures were measured on
the 13 real epoch-8 samples with tests/benchmarks/measure_samples.py (median and max
over the 13 images):

- grid: phase 0.00 px (one image -0.34), end at 512.00, pitch 21.33 (max 21.35);
- edges: 10-90 % width 0.87 px (max 1.14), overshoot 5 % of the step (max 7 %);
- inner-cell noise: 0.75 per channel (max 1.03);
- drift: smooth surface over the background 0.46 std (max 1.04), per cell around it
  0.92 robust (max 1.38; 1.16 by a plain standard deviation, which counts the
  background's drawn shades as drift), two side-by-side cells' drift correlated 0.34
  (max 0.45): modelled as independent drift plus a field smoothed over about 1.5 cells,
  mixed to that correlation. A whole colour's offset from the training colour cannot
  be measured without the training image, and is not modelled: the per-cell figure was
  measured around a surface, so it already holds what varies from cell to cell.

``--cell-drift K`` scales the per-cell drift (default 1: as measured). With 0 the
model has no cell-to-cell drift (only the smooth surface, blur, ringing and noise),
which is what the issue's own figures imply: there, the true palette assigned
nearest is exact on 100 % / 98 % of the images; under the measured per-cell drift it
is exact on about 0.91 / 0.32 of them (the "ceiling" row), because real originals hold
colours 8-14 apart that a drift of 1.2 (2.3 harsher) per channel pushes across. Letting
each cell's neighbours help its choice, as the recovery does (the second ceiling row),
lifts the harsher ceiling only a little (0.52 -> 0.57 on the tune half; weights 0.5-1
were best among 0-5 tried); a failing image there has a median of 6 wrong cells, each a
shade confused with one 8-14 away.

Three levels. REALISTIC uses the medians. HARSHER doubles drift (smooth and per cell),
blur, overshoot and noise and puts the grid off by up to 2 px with a pitch off by up to
0.3 %. The third, "harsher, per-cell drift as measured", renders the same images with
the per-cell drift left at its measured size and everything else doubled: the issue's
"about 2x drift" read as the smooth drift its ideas speak of. Its ceilings (0.93 / 0.94)
sit where the issue's own (98 % at its harsher level) imply a small per-cell drift.

Split: originals sorted by name; even indices tune, odd indices are held out. The
figures reported by default are the held-out half's only.

Scores:
- exact: an image whose every recovered cell is within 12 (max over channels) of the
  truth AND whose partition of cells into colours equals the truth's after merging
  colours closer than 8 (RGB distance) in both: the real originals hold intended close
  shades (77 % hold two colours within 6) that no recovery can tell apart through the
  drift. Read pairwise: the two partitions may differ only between colours closer
  than 8 (every recovered colour covers truth colours pairwise closer than 8, and every
  truth colour is covered by recovered colours pairwise closer than 8). A chained
  merge (single linkage on both sides, then equal partitions) is printed too: it
  folds a whole shaded hair into one colour, so it rewards a recovery that does so;
- cells right: share of cells within 12 of the truth that are not in a confusion
  between colours 8 or more apart (in such a confusion, the cells off the majority
  mapping count as wrong);
- strays: 6 planted per image (2 of each kind, at least 3 cells apart, on the
  realistic level): an off-palette colour (>= 60 from every palette colour), a
  near-duplicate 14-30 off the colour around it (a cell of a flat 3x3), and a palette
  colour >= 40 away put inside a flat 3x3 region of another colour. Recall = planted
  cells flagged / planted; precision = planted cells flagged / cells flagged.
- false strays: cells flagged on the clean (unplanted) realistic renders, per image;
- ms/image: process CPU time (time.process_time), in one pass over a level's images
  after they are all rendered, of decode (PNG from memory, by the app's decoder:
  libspng where installed, else Pillow; saved with Pillow's default compression) and
  everything the app does with a sample (core.epochs.analysis.analyze_pixels: recovery,
  background, the stray decision, the counts), so other load on the machine does not
  count; with one BLAS thread, as in the app's worker processes (core.jobs.process_context).
  The strays scored are that analysis's (the background found by the app's background
  test).
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import io  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from bespoke_gui.core.epochs.analysis import AnalysisSettings, analyze_pixels  # noqa: E402
from bespoke_gui.core.epochs.strays import StrayReport  # noqa: E402
from bespoke_gui.core.imageio import decode_image  # noqa: E402

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata" / "bespokebaby2"
SIZE = 512
CELLS = 24
SETTINGS = AnalysisSettings(cells=CELLS)

# Measured on the 13 real epoch-8 samples (measure_samples.py, medians).
EDGE_10_90 = 0.87  # px; a Gaussian edge of sigma s has 10-90 % width 2.563 s
OVERSHOOT = 0.05  # share of the step
INNER_NOISE = 0.75  # per channel, per pixel
DRIFT_SMOOTH = 0.46  # std of the smooth surface
DRIFT_CELL = 0.92  # per cell, per channel (robust)
DRIFT_NEIGHBOUR_CORR = 0.34  # between side-by-side cells
CELL_DRIFT_SCALE = [1.0]  # --cell-drift
GRID_PHASE_MAX = 0.43  # px (one image at -0.34)
PITCH_SPREAD = 0.03  # px
# scale: drift (smooth and per cell), blur, overshoot and noise; cell_scale, where given,
# the per-cell drift's own (see the module docstring); seed: the renders' random seed
# offset (the third level renders the harsher level's images with only the per-cell
# drift changed).
LEVELS: dict[str, dict[str, float]] = {
    "realistic": dict(scale=1.0, grid_off=GRID_PHASE_MAX, pitch_off=PITCH_SPREAD, seed=9),
    "harsher": dict(scale=2.0, grid_off=2.0, pitch_off=0.003 * SIZE / CELLS, seed=7),
    "harsher, per-cell drift as measured": dict(
        scale=2.0, cell_scale=1.0, grid_off=2.0, pitch_off=0.003 * SIZE / CELLS, seed=7
    ),
}
BACKGROUNDS = [
    (96, 114, 255),
    (227, 182, 141),
    (135, 111, 102),
    (87, 85, 90),
    (120, 200, 150),
    (240, 240, 230),
]


def load_originals() -> list[tuple[str, np.ndarray]]:
    out = []
    for path in sorted((REALDATA / "originals_24").glob("*.png")):
        rgba = np.asarray(Image.open(path).convert("RGBA")).astype(np.float64)
        background = np.array(BACKGROUNDS[len(out) % len(BACKGROUNDS)], dtype=np.float64)
        alpha = rgba[..., 3:] / 255.0
        art = np.rint(rgba[..., :3] * alpha + background * (1 - alpha)).astype(np.uint8)
        out.append((path.stem, art))
    return out


def _phi(z: np.ndarray) -> np.ndarray:
    from math import erf, sqrt

    return 0.5 * (1.0 + np.vectorize(erf)(z / sqrt(2.0)))


def axis_weights(size: int, edges: np.ndarray, sigma: float, overshoot: float) -> np.ndarray:
    """(size, cells) share of each cell in each pixel after a Gaussian edge plus ringing."""
    centres = np.arange(size) + 0.5

    def coverage(s: float) -> np.ndarray:
        s_eff = np.sqrt(s * s + 1.0 / 12.0)
        cdf = _phi((centres[:, None] - edges[None, :]) / s_eff)
        w = cdf[:, :-1] - cdf[:, 1:]
        w[:, 0] += 1.0 - cdf[:, 0]  # outside the grid: the outer cells continue
        w[:, -1] += cdf[:, -1]
        return w

    sharp = coverage(sigma)
    wide = coverage(sigma + 1.2)
    # Unsharp-mask ringing; the factor gives about ``overshoot`` of the step.
    return sharp + 3.2 * overshoot * (sharp - wide)


def cell_drift(rng: np.random.Generator, std: float) -> np.ndarray:
    """(CELLS, CELLS, 3) drift of std ``std`` whose side-by-side correlation is DRIFT_NEIGHBOUR_CORR."""
    independent = rng.normal(0, 1, (CELLS, CELLS, 3))
    # A Gaussian-smoothed field (sigma 1.5 cells) has a lag-1 correlation of exp(-1 / 9).
    sigma = 1.5
    taps = np.exp(-0.5 * (np.arange(-4, 5) / sigma) ** 2)
    taps /= np.sqrt((taps**2).sum())
    field = rng.normal(0, 1, (CELLS + 8, CELLS + 8, 3))
    field = np.apply_along_axis(lambda r: np.convolve(r, taps, mode="valid"), 0, field)
    field = np.apply_along_axis(lambda r: np.convolve(r, taps, mode="valid"), 1, field)
    share = DRIFT_NEIGHBOUR_CORR / np.exp(-1.0 / (4.0 * sigma * sigma))
    return std * (np.sqrt(1.0 - share) * independent + np.sqrt(share) * field)


def render(art: np.ndarray, level: str, rng: np.random.Generator) -> np.ndarray:
    p = LEVELS[level]
    k = p["scale"]
    pitch = SIZE / CELLS + rng.uniform(-p["pitch_off"], p["pitch_off"])
    edges_x = rng.uniform(-p["grid_off"], p["grid_off"]) + np.arange(CELLS + 1) * pitch
    edges_y = rng.uniform(-p["grid_off"], p["grid_off"]) + np.arange(CELLS + 1) * pitch
    sigma = k * EDGE_10_90 / 2.563
    cells = art.astype(np.float64)
    # Per-cell drift, then a smooth surface.
    cells += cell_drift(rng, p.get("cell_scale", k) * DRIFT_CELL * CELL_DRIFT_SCALE[0])
    u = np.linspace(-1, 1, CELLS)
    surface = sum(
        rng.normal(0, 1, 3)[None, None, :] * f[:, :, None]
        for f in (u[None, :] + 0 * u[:, None], u[:, None] + 0 * u[None, :], np.outer(u, u))
    )
    surface *= k * DRIFT_SMOOTH / max(float(surface.std()), 1e-9)
    cells += surface
    wy = axis_weights(SIZE, edges_y, sigma, k * OVERSHOOT)
    wx = axis_weights(SIZE, edges_x, sigma, k * OVERSHOOT)
    img = np.einsum("yr,rcz,xc->yxz", wy, cells, wx, optimize=True)
    img += rng.normal(0, k * INNER_NOISE, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(((a.astype(np.float64) - b.astype(np.float64)) ** 2).sum(axis=-1))


def plant_strays(art: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """Art with 6 planted strays (2 of each kind) and their (x, y, kind)."""
    out = art.copy()
    palette = np.unique(art.reshape(-1, 3), axis=0)
    padded = np.pad(art.astype(np.int64), ((1, 1), (1, 1), (0, 0)), mode="edge")
    flat = np.ones((CELLS, CELLS), dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            flat &= np.all(padded[1 + dy : 1 + dy + CELLS, 1 + dx : 1 + dx + CELLS] == art, axis=2)
    taken: list[tuple[int, int]] = []
    planted: list[tuple[int, int, str]] = []

    def free(x: int, y: int) -> bool:
        return all(max(abs(x - a), abs(y - b)) >= 3 for a, b in taken)

    for kind in ("off-palette", "near-duplicate", "palette-in-flat") * 2:
        for _ in range(400):
            if kind == "off-palette":
                y, x = rng.integers(0, CELLS, 2)
                colour = rng.integers(0, 256, 3)
                if _dist(palette, colour).min() < 60:
                    continue
            else:
                ys, xs = np.nonzero(flat)
                if ys.size == 0:
                    break
                i = rng.integers(ys.size)
                y, x = ys[i], xs[i]
                if kind == "near-duplicate":
                    direction = rng.normal(0, 1, 3)
                    colour = np.rint(art[y, x] + direction / np.linalg.norm(direction) * rng.uniform(14, 30))
                    d = _dist(colour, art[y, x])
                    if np.any(colour < 0) or np.any(colour > 255) or not 14 <= d <= 30:
                        continue
                else:
                    choices = palette[_dist(palette, art[y, x]) >= 40]
                    if choices.size == 0:
                        break
                    colour = choices[rng.integers(choices.shape[0])]
            if not free(int(x), int(y)):
                continue
            out[y, x] = colour
            taken.append((int(x), int(y)))
            planted.append((int(x), int(y), kind))
            break
    return out, planted


def merged_partition(image: np.ndarray, reach: float = 8.0, chain: bool = False) -> np.ndarray:
    """Label per cell after joining colours closer than ``reach``.

    ``chain=False`` (the headline rule): greedily, closest pair of colours first, each
    merged colour taking the cell-weighted mean, until no two are closer than ``reach``.
    ``chain=True``: single linkage (A-B and B-C closer than ``reach`` join A, B and C
    however far A is from C); on textured hair that makes one "colour" of shades 100
    levels apart, so it is reported alongside only.
    """
    colours, inverse, counts = np.unique(
        image.reshape(-1, 3), axis=0, return_inverse=True, return_counts=True
    )
    inverse = inverse.ravel()
    n = colours.shape[0]
    labels = np.arange(n)
    if chain:
        close = _dist(colours[:, None], colours[None]) < reach
        changed = True
        while changed:
            new = np.array([labels[close[i]].min() for i in range(n)])
            changed = bool(np.any(new != labels))
            labels = new
        return labels[inverse].reshape(image.shape[:2])
    centres = colours.astype(np.float64)
    weights = counts.astype(np.float64)
    alive = np.ones(n, dtype=bool)
    while alive.sum() > 1:
        d = _dist(centres[:, None], centres[None])
        d[~alive] = np.inf
        d[:, ~alive] = np.inf
        np.fill_diagonal(d, np.inf)
        a, b = np.unravel_index(int(np.argmin(d)), d.shape)
        if d[a, b] >= reach:
            break
        centres[a] = (centres[a] * weights[a] + centres[b] * weights[b]) / (weights[a] + weights[b])
        weights[a] += weights[b]
        alive[b] = False
        labels[labels == b] = a
    return labels[inverse].reshape(image.shape[:2])


def _spread_ok(colours: np.ndarray, reach: float) -> bool:
    """True when the given colours (K, 3) are pairwise closer than ``reach``."""
    return colours.shape[0] < 2 or float(_dist(colours[:, None], colours[None]).max()) < reach


def score(truth: np.ndarray, got: np.ndarray, chain: bool = False, reach: float = 8.0) -> tuple[bool, float]:
    """(exact, share of cells right) as defined in the module docstring.

    Headline rule (``chain=False``): the two partitions may differ only between colours
    closer than ``reach``: every recovered colour covers truth colours pairwise closer
    than ``reach``, and every truth colour is covered by recovered colours pairwise
    closer than ``reach``. ``chain=True``: the partitions after a single-linkage merge
    of colours closer than ``reach`` on both sides must be equal.
    """
    close = np.abs(truth.astype(np.int64) - got.astype(np.int64)).max(axis=2).ravel() <= 12
    t_colours, t = np.unique(truth.reshape(-1, 3), axis=0, return_inverse=True)
    g_colours, g = np.unique(got.reshape(-1, 3), axis=0, return_inverse=True)
    t, g = t.ravel(), g.ravel()
    if chain:
        t = merged_partition(truth, reach, chain=True).ravel()
        g = merged_partition(got, reach, chain=True).ravel()
        same = np.unique(t * 100000 + g).size == np.unique(t).size == np.unique(g).size
        right = close.copy()
        for label in np.unique(g):
            cells = g == label
            right[cells] &= t[cells] == np.bincount(t[cells]).argmax()
        return bool(same and close.all()), float(right.mean())
    right = close.copy()
    for label in np.unique(g):
        cells = g == label
        if not _spread_ok(t_colours[np.unique(t[cells])], reach):
            right[cells] &= t[cells] == np.bincount(t[cells]).argmax()
    for label in np.unique(t):
        cells = t == label
        if not _spread_ok(g_colours[np.unique(g[cells])], reach):
            right[cells] &= g[cells] == np.bincount(g[cells]).argmax()
    return bool(right.all()), float(right.mean())


def true_palette_ceilings(image: np.ndarray, art: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two ceilings, from one grid fit: the fitted grid's cell colours each replaced by
    the nearest TRUE colour; and the same with each cell's choice helped by its neighbours'
    as the recovery does (``palette._assign_with_neighbours``)."""
    from bespoke_gui.core.epochs.grid import cell_colours_float, fit_grid
    from bespoke_gui.core.epochs.palette import _assign_with_neighbours, drift_sigma

    raw, _ = cell_colours_float(image, fit_grid(image, CELLS))
    colours = np.unique(art.reshape(-1, 3), axis=0)
    x = raw.reshape(-1, 3).astype(np.float32)
    nearest = np.argmin(_dist(x[:, None], colours[None]), axis=1)
    agreed = _assign_with_neighbours(x, colours.astype(np.float32), nearest, CELLS, CELLS, drift_sigma(raw))
    return colours[nearest].reshape(art.shape), colours[agreed].reshape(art.shape)


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def analyse(data: bytes) -> tuple[np.ndarray, StrayReport, float]:
    """What the app does with one sample (``analyze_pixels``: recovery, background,
    strays, counts), after decoding it; the recovered art, the stray decision, and ms."""
    start = time.process_time()
    pixels = decode_image(data, "sample.png").pixels
    recovery, metrics = analyze_pixels(pixels, SETTINGS)
    assert metrics.strays is not None
    return recovery.pixels, metrics.strays, (time.process_time() - start) * 1000


def evaluate(arts: list[tuple[str, np.ndarray]], verbose: bool = False) -> dict[str, float]:
    results: dict[str, float] = {}
    times: list[float] = []
    for level in LEVELS:
        exact, right, chained, oracle, oracle_agree = [], [], [], [], []
        # Every image rendered first, then analysed one after another as the app's worker
        # processes do (rendering between analyses would time the renderer's cache misses).
        images = [
            render(art, level, np.random.default_rng(index * 7 + int(LEVELS[level]["seed"])))
            for index, (_name, art) in enumerate(arts)
        ]
        encoded = [png_bytes(image) for image in images]
        analysed = [analyse(data) for data in encoded]
        for (name, art), image, (got, report, ms) in zip(arts, images, analysed, strict=True):
            times.append(ms)
            ok, share = score(art, got)
            exact.append(ok)
            chained.append(score(art, got, chain=True)[0])
            nearest_art, agreed_art = true_palette_ceilings(image, art)
            oracle.append(score(art, nearest_art)[0])
            oracle_agree.append(score(art, agreed_art)[0])
            right.append(share)
            if verbose and not ok:
                print(f"  {level} {name}: not exact, cells right {share:.3f}")
            if level == "realistic":
                results.setdefault("false", 0.0)
                results["false"] += report.count / len(arts)
        results[f"exact_{level}"] = float(np.mean(exact))
        results[f"chained_{level}"] = float(np.mean(chained))
        results[f"oracle_{level}"] = float(np.mean(oracle))
        results[f"oracle_agree_{level}"] = float(np.mean(oracle_agree))
        results[f"cells_{level}"] = float(np.mean(right))
    found = flagged = planted_total = 0
    kinds: dict[str, list[int]] = {}
    for index, (name, art) in enumerate(arts):
        rng = np.random.default_rng(10_000 + index)
        stray_art, planted = plant_strays(art, rng)
        image = render(stray_art, "realistic", rng)
        _, report, _ = analyse(png_bytes(image))
        spots = {(x, y) for x, y, _ in planted}
        hits = {(s.x, s.y) for s in report.strays}
        found += len(spots & hits)
        flagged += len(hits)
        planted_total += len(spots)
        for x, y, kind in planted:
            kinds.setdefault(kind, [0, 0])
            kinds[kind][0] += (x, y) in hits
            kinds[kind][1] += 1
        if verbose:
            missed = [(x, y, k) for x, y, k in planted if (x, y) not in hits]
            extra = [(s.x, s.y, s.reason) for s in report.strays if (s.x, s.y) not in spots]
            if missed or extra:
                print(f"  strays {name}: missed {missed} extra {extra}")
    results["recall"] = found / max(planted_total, 1)
    results["precision"] = found / max(flagged, 1)
    results["ms"] = float(np.median(times))
    results["ms_max"] = float(np.max(times))
    for kind, (hit, total) in kinds.items():
        results[f"recall {kind}"] = hit / max(total, 1)
    return results


def print_table(title: str, r: dict[str, float], n: int) -> None:
    print(f"\n{title} ({n} images)")
    levels = list(LEVELS)
    print("| measure | " + " | ".join(levels) + " | target |")
    print("|---" * (len(levels) + 2) + "|")

    def row(label: str, key: str, digits: int, target: str = "") -> None:
        cells = " | ".join(f"{r[f'{key}_{level}']:.{digits}f}" for level in levels)
        print(f"| {label} | {cells} | {target} |")

    row("images recovered exactly", "exact", 3, ">= 0.97 / >= 0.85")
    row("(exact with chained merging of close colours)", "chained", 3)
    row("(ceiling: true palette, each cell to its nearest)", "oracle", 3)
    row("(ceiling: true palette, cells helped by their neighbours as the app does)", "oracle_agree", 3)
    row("cells right", "cells", 4, ">= 0.999")
    dashes = " | ".join("-" for _ in levels[1:])
    print(f"| stray recall (6 planted per image) | {r['recall']:.3f} | {dashes} | >= 0.90 |")
    print(f"| stray precision | {r['precision']:.3f} | {dashes} | >= 0.90 |")
    print(f"| false strays per clean image | {r['false']:.2f} | {dashes} | <= 0.5 |")
    print(
        f"| ms per 512 px image incl. decode (CPU time, median / max: the max is the first, cold, "
        f"image) | {r['ms']:.1f} / {r['ms_max']:.1f} "
        f"| {dashes} | <= 10 |"
    )
    print(
        "recall per kind: " + ", ".join(f"{k[7:]} {v:.2f}" for k, v in r.items() if k.startswith("recall "))
    )


def demo_portraits(count: int) -> list[tuple[str, np.ndarray]]:
    from bespoke_gui.core.demo.portraits import draw_portrait

    return [(f"demo{i}", draw_portrait(1000 + i).pixels[:, :, :3].copy()) for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=("heldout", "tune"), default="heldout")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--demo", type=int, default=40)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--cell-drift", type=float, default=1.0, help="scale of the per-cell drift (0: none)")
    args = parser.parse_args()
    CELL_DRIFT_SCALE[0] = args.cell_drift
    if not (REALDATA / "originals_24").is_dir():
        print(f"no real originals at {REALDATA / 'originals_24'}: nothing to evaluate")
        return
    originals = load_originals()
    half = originals[1::2] if args.split == "heldout" else originals[0::2]
    if args.limit:
        half = half[: args.limit]
    model = "" if args.cell_drift == 1.0 else f", per-cell drift x{args.cell_drift:g}"
    print_table(f"real originals, {args.split} half{model}", evaluate(half, args.verbose), len(half))
    if args.demo:
        demo = demo_portraits(args.demo)
        print_table("demo portraits (core.demo.portraits)", evaluate(demo, args.verbose), len(demo))


if __name__ == "__main__":
    main()
