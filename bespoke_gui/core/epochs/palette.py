"""The intended palette of a degraded sample's cell colours (the second half of ``pixelgrid``).

Every tolerance is set by the drift measured on the image itself (``drift_sigma``), not
by a constant: colours are found by density mode-seeking, a colour needs more evidence
to stand apart the fewer cells hold it, a colour that is only the drift's tail of a
larger one joins it, colours closer than ``MERGE_FLOOR`` are one, a smooth drift field
is taken off, and cells agree with their neighbours when the drift leaves them in doubt.

    pixels, palette, labels = evidence_palette(raw)   # raw: (rows, cols, 3) cell colours
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bespoke_gui.core.colour import pack_rgb, unpack_rgb


@dataclass(frozen=True)
class Palette:
    """The colours of a recovered image, most used first, with how many pixels use each."""

    colours: np.ndarray  # (K, 3) uint8
    counts: np.ndarray  # (K,) int64

    def __len__(self) -> int:
        return int(self.colours.shape[0])

    def hex_codes(self) -> list[str]:
        return [f"#{int(r):02x}{int(g):02x}{int(b):02x}" for r, g, b in self.colours]


def _means(values: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """(n, 3) float64 mean of the values of each label (0 for a label nobody has)."""
    totals = np.maximum(np.bincount(labels, minlength=n), 1)
    out = np.empty((n, 3))
    for c in range(3):
        out[:, c] = np.bincount(labels, weights=values[:, c], minlength=n) / totals
    return out


def palette_from_pixels(pixels: np.ndarray) -> tuple[Palette, np.ndarray]:
    """Palette (most used first) and per-pixel labels of a small image."""
    packed = pack_rgb(pixels)
    values, inverse, counts = np.unique(packed.ravel(), return_inverse=True, return_counts=True)
    order = np.lexsort((values, -counts))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    labels = rank[inverse].reshape(packed.shape).astype(np.int32)
    return Palette(colours=unpack_rgb(values[order]), counts=counts[order].astype(np.int64)), labels


# Evidence a new colour needs to stand apart from the others, in units of the measured
# per-cell drift sigma (RGB distance): one lone cell, two cells, a cluster of 3 or more.
# Tuned on the tune half of eval_real.py: the real originals hold intended shades 8-12
# apart that a cluster of cells shows clearly through a drift sigma of about 1.3, while
# a drifted colour split in two shows halves only about 1.6 sigma apart. (A pair at 3.0
# split drift outliers off the demo portraits at the harsher level.)
APART_SINGLE = 4.0
APART_PAIR = 3.5
APART_MANY = 2.0
# Colours closer than this (RGB distance) are one colour whatever the evidence: below it
# a split only adds shades nobody can see. (At 8, shades 8-10 apart, common in the real
# originals, could never come back as two colours.)
MERGE_FLOOR = 4.0
SIGMA_MIN = 0.8
# drift_sigma: the percentile of adjacent-cell differences taken as drift alone, and the
# value that percentile has in units of sigma.
SIGMA_PERCENTILE = 15.0
SIGMA_FACTOR = 0.98


def drift_sigma(raw: np.ndarray) -> float:
    """Per-channel drift of a cell around its colour, from 4-adjacent cell pairs.

    Adjacent cells of one colour differ by drift alone (twice the variance).
    """
    values = raw.astype(np.float32)
    pairs = (
        (values[:, 1:], values[:, :-1]),
        (values[1:], values[:-1]),
        (values[1:, 1:], values[:-1, :-1]),
        (values[1:, :-1], values[:-1, 1:]),
    )
    # The largest channel difference of each pair (np.maximum per channel: a max over a
    # 3-long axis is several times slower).
    spreads = []
    for a, b in pairs:
        diff = np.abs(a - b)
        spreads.append(np.maximum(np.maximum(diff[..., 0], diff[..., 1]), diff[..., 2]).ravel())
    spread = np.concatenate(spreads)
    # Many adjacent cells of pixel art share a colour, so the lowest 15 % of the
    # differences is drift alone, whatever shading the rest holds. For a channel drift
    # sigma the largest of the 3 channel differences has its 15th percentile at
    # 0.725 * sqrt(2) * sigma = 1.03 sigma (0.98 measured best on the tune half).
    return max(SIGMA_MIN, float(np.percentile(spread, SIGMA_PERCENTILE)) / SIGMA_FACTOR)


def _sq_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) squared RGB distances, per channel: a 3-long matrix product is slow in BLAS."""
    out = np.subtract.outer(a[:, 0], b[:, 0])
    np.multiply(out, out, out=out)
    part = np.empty_like(out)
    for c in (1, 2):
        np.subtract.outer(a[:, c], b[:, c], out=part)
        np.multiply(part, part, out=part)
        out += part
    return out


def _leaders(bin_mean: np.ndarray, bin_count: np.ndarray, radius: float) -> np.ndarray:
    """Leader label of every bin: from the densest bin down, each claims the unclaimed bins near it."""
    n_bins = bin_mean.shape[0]
    near = _sq_distances(bin_mean, bin_mean) < radius * radius
    flat = np.flatnonzero(near)  # row-major, as np.nonzero orders them, and faster
    rows, cols = np.divmod(flat, n_bins)
    # Cells within the radius of each bin (sums of whole counts: exact in any order).
    density = np.bincount(rows, weights=bin_count[cols], minlength=n_bins)
    order = np.argsort(-density, kind="stable").tolist()
    # The claims are sequential: plain lists of neighbour indices keep the loop cheap.
    bounds = np.searchsorted(rows, np.arange(n_bins + 1)).tolist()
    neighbours = cols.tolist()
    bin_label = [-1] * n_bins
    n = 0
    for i in order:
        if bin_label[i] < 0:
            for j in neighbours[bounds[i] : bounds[i + 1]]:
                if bin_label[j] < 0:
                    bin_label[j] = n
            n += 1
    return np.array(bin_label, dtype=np.int64)


class _Colours:
    """Colours being merged: cell count and channel sums per colour, and which colour each became.

    Sums of float32 cell colours are exact in float64, so a merged colour's centre is
    the same number its cells' mean would be.
    """

    def __init__(self, x: np.ndarray, label: np.ndarray) -> None:
        n = int(label.max()) + 1
        self.label = label
        self.sizes = np.bincount(label, minlength=n).astype(np.int64)
        self.sums = np.stack([np.bincount(label, weights=x[:, c], minlength=n) for c in range(3)], axis=1)
        self.owner = np.arange(n)
        self.alive = np.ones(n, dtype=bool)

    def centres(self, ids: np.ndarray) -> np.ndarray:
        return self.sums[ids] / self.sizes[ids, None]

    def merge(self, keep: np.ndarray, gone: np.ndarray) -> None:
        """Merge colour gone[i] into keep[i]; no colour appears twice in ``keep``."""
        self.sums[keep] += self.sums[gone]
        self.sizes[keep] += self.sizes[gone]
        self.alive[gone] = False
        target = np.arange(self.owner.size)
        target[gone] = keep
        self.owner = target[self.owner]

    def labels(self) -> np.ndarray:
        """Cell labels 0..K-1, in the order of the colours that remain."""
        return np.unique(self.owner[self.label], return_inverse=True)[1].ravel()


def _compact(label: np.ndarray) -> np.ndarray:
    """The labels renumbered 0..K-1 in their order, without gaps (``np.unique``'s inverse)."""
    present = np.bincount(label) > 0
    return (np.cumsum(present) - 1)[label]


def _cluster_cells(x: np.ndarray, sigma: float) -> np.ndarray:
    """Colour label (0..K-1) of every cell colour in ``x`` (N, 3), see ``evidence_palette``."""
    # Leaders from the densest colour down, each claiming what lies within 1.5 sigma:
    # over-split on purpose (two colours 14 apart at a sigma of 2.6 must not start as
    # one); the evidence rule below merges back what cannot stand apart.
    # Cells are binned at half the radius first: a few dozen bins instead of 576 cells.
    radius = 1.5 * sigma * np.sqrt(3.0)
    keys = np.floor(x / (0.5 * radius)).astype(np.int64)
    packed = (keys[:, 0] + 512) * 1048576 + (keys[:, 1] + 512) * 1024 + (keys[:, 2] + 512)
    _, in_bin = np.unique(packed, return_inverse=True)
    in_bin = in_bin.ravel()
    n_bins = int(in_bin.max()) + 1
    bin_count = np.bincount(in_bin, minlength=n_bins).astype(np.float64)
    bin_mean = _means(x, in_bin, n_bins).astype(np.float32)
    label = _leaders(bin_mean, bin_count, radius)[in_bin]
    # A few Lloyd steps move each centre from its leader onto its colour's mode.
    for _ in range(3):
        label = _compact(label)
        centre = _means(x, label, int(label.max()) + 1).astype(np.float32)
        label = np.argmin(_sq_distances(x, centre), axis=1)
    label = _compact(label)
    colours = _Colours(x, label)
    _merge_by_evidence(colours, sigma)
    _merge_tails(colours, sigma)
    return colours.labels()


def _merge_by_evidence(colours: _Colours, sigma: float) -> None:
    """The evidence rule: a colour must stand apart by what its cells can show.

    And by MERGE_FLOOR at least. Pairs that are each other's worst offender merge, a
    round at a time, centres recomputed after each round (chaining shade to shade instead
    would fold a whole textured hair into one colour). The pair table is kept and only the
    merged colours' rows are computed again.
    """
    n = colours.sizes.size
    every = np.arange(n)
    excess = np.full((n, n), np.inf)
    # How far apart two colours must stand, by the smaller one's cells (1, 2, 3 or more).
    need_by_cells = np.maximum(
        np.array([APART_SINGLE, APART_SINGLE, APART_PAIR, APART_MANY]) * sigma, MERGE_FLOOR
    )

    def fill(rows: np.ndarray) -> None:
        alive = every[colours.alive]
        centre = colours.centres(alive).astype(np.float32)
        where = np.searchsorted(alive, rows)
        dist = np.sqrt(_sq_distances(centre[where], centre))
        smaller = np.minimum(colours.sizes[rows, None], colours.sizes[None, alive])
        block = dist - need_by_cells[np.minimum(smaller, 3)]
        block[np.arange(rows.size), where] = np.inf
        if rows.size == n and alive.size == n:
            excess[:] = block  # the first fill: every colour, a symmetric table
            return
        excess[rows[:, None], alive[None, :]] = block
        excess[alive[:, None], rows[None, :]] = block.T

    fill(every)
    while True:
        if np.count_nonzero(colours.alive) < 2:
            return
        # Merged colours' rows and columns are inf: they are never anyone's partner.
        partner = np.argmin(excess, axis=1)
        worst = excess[every, partner]
        # Every pair that is each other's worst offender merges in this round.
        first = np.flatnonzero(colours.alive & (worst < 0) & (partner[partner] == every) & (every < partner))
        if first.size == 0:
            return
        second = partner[first]
        bigger = colours.sizes[first] >= colours.sizes[second]
        keep = np.where(bigger, first, second)
        gone = np.where(bigger, second, first)
        colours.merge(keep, gone)
        excess[gone, :] = np.inf
        excess[:, gone] = np.inf
        fill(keep)


# A colour is the tail of a larger one when it holds at most this many times the cells
# the larger colour's drift alone would put around its centre (plus TAIL_SLACK).
TAIL_RATIO = 3.0
TAIL_SLACK = 2.0
# Colours of fewer cells are judged by the evidence rule alone (a lone or paired cell
# several sigma out is a stray or a detail, not a tail).
TAIL_MIN_CELLS = 3


def _merge_tails(colours: _Colours, sigma: float) -> None:
    """Merge colours that are only the drift's tail of a larger colour.

    With a large drift, a region of hundreds of cells spreads wide enough for the
    over-split clusters on its rim to stand a few sigma from its core. Whether a colour
    stands apart depends on how many cells it holds against how many the two colours
    together, taken as one drifting colour, would put within 1.5 sigma of its centre:
    density of an isotropic Gaussian times the ball's volume, 0.9 * exp(-d^2 / 2 sigma^2)
    per cell. Real shades (a handful of cells several sigma out) hold far more.
    """
    every = np.arange(colours.sizes.size)
    while True:
        # Both colours of a pair hold TAIL_MIN_CELLS or more (the tail is the smaller).
        alive = every[colours.alive & (colours.sizes >= TAIL_MIN_CELLS)]
        if alive.size < 2:
            return
        sizes = colours.sizes[alive].astype(np.float64)
        centre = colours.centres(alive)
        # Pairs (a, b), b no bigger than a, in row-major order (ties go to the first).
        a, b = np.nonzero(sizes[None, :] <= sizes[:, None])
        pair = a != b
        a, b = a[pair], b[pair]
        # b's distance from the union's centre is a's share of the union times the a-b distance.
        total = sizes[a] + sizes[b]
        step = centre[a] - centre[b]
        d2 = step[:, 0] * step[:, 0]
        d2 += step[:, 1] * step[:, 1]
        d2 += step[:, 2] * step[:, 2]
        d2 *= np.square(sizes[a] / total)
        expected = total * 0.9 * np.exp(-d2 / (2.0 * sigma * sigma))
        # b must hold clearly more than the tail would.
        tail = sizes[b] <= TAIL_RATIO * expected + TAIL_SLACK
        if not tail.any():
            return
        # Merge the most tail-like colour into its partner, one per round.
        score = np.where(tail, expected / sizes[b], -np.inf)
        best = int(np.argmax(score))
        colours.merge(alive[a[best : best + 1]], alive[b[best : best + 1]])


def _drift_field(x: np.ndarray, label: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """(N, 3) smooth additive drift shared by all colours: a quadratic surface per channel.

    Fitted to every cell's difference from its colour's centre, over colours of at least
    4 cells whose channels are not clipped (a clipped channel cannot drift).
    """
    n = int(label.max()) + 1
    sizes = np.bincount(label, minlength=n)
    centre = _means(x, label, n)
    residual = x - centre[label]
    v, u = np.divmod(np.arange(rows * cols), cols)
    u = u / max(cols - 1, 1) - 0.5
    v = v / max(rows - 1, 1) - 0.5
    design = np.column_stack([u, v, u * v, u * u, v * v])
    use = (sizes[label] >= 4) & np.all((x > 2) & (x < 253), axis=1)
    if np.count_nonzero(use) < 40:
        return np.zeros_like(x)
    coef, *_ = np.linalg.lstsq(design[use], residual[use], rcond=None)
    return design @ coef


def _medians_by_label(values: np.ndarray, label: np.ndarray) -> np.ndarray:
    """(K, 3) per-channel median of the values of each label (labels 0..K-1, none empty)."""
    n = int(label.max()) + 1
    sizes = np.bincount(label, minlength=n)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    lo = starts + (sizes - 1) // 2
    hi = starts + sizes // 2
    out = np.empty((n, 3), dtype=np.float64)
    for c in range(3):
        ordered = values[np.lexsort((values[:, c], label)), c]
        out[:, c] = 0.5 * (ordered[lo] + ordered[hi])
    return out


# Cost (in units of d^2 / 2 sigma^2) an agreeing 8-neighbour takes off a colour choice.
NEIGHBOUR_AGREEMENT = 1.0


def _assign_with_neighbours(
    x: np.ndarray, centres: np.ndarray, label: np.ndarray, rows: int, cols: int, sigma: float
) -> np.ndarray:
    """Each cell's colour by its distance to each centre, less a bonus per agreeing neighbour.

    Two passes of iterated conditional modes: a cell the drift pushed a little towards
    another colour stays with its neighbours' colour; a lone cell standing well apart
    (a stray, an eye) keeps its own, since its distance cost far outweighs 8 bonuses.
    """
    # float64, as float32 cost minus the integer votes would be.
    cost = (_sq_distances(x, centres) / (2.0 * sigma * sigma)).astype(np.float64)  # (N, K)
    k = centres.shape[0]
    total = np.empty_like(cost)
    cells = np.arange(rows * cols)
    padded = np.full((rows + 2, cols + 2), -1, dtype=np.int64)
    for _ in range(2):
        padded[1:-1, 1:-1] = label.reshape(rows, cols)
        keys = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dy or dx:
                    neighbour = padded[1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + cols].ravel()
                    inside = neighbour >= 0
                    keys.append(cells[inside] * k + neighbour[inside])
        votes = np.bincount(np.concatenate(keys), minlength=rows * cols * k).reshape(rows * cols, k)
        np.multiply(votes, -NEIGHBOUR_AGREEMENT, out=total)
        total += cost
        new = np.argmin(total, axis=1)
        if np.array_equal(new, label):
            break
        label = new
    return label


def evidence_palette(raw: np.ndarray) -> tuple[np.ndarray, Palette, np.ndarray]:
    """Palette of a degraded sample's cell colours, with tolerances from its own drift.

    The drift sigma is measured (``drift_sigma``). Colours are found by density
    mode-seeking (leader clustering from the densest cell, radius 1.5 sigma, then Lloyd
    steps) and then merged unless they stand apart by ``MERGE_FLOOR`` and by the
    evidence they have: ``APART_SINGLE`` sigma for a single cell,
    ``APART_PAIR`` for two, ``APART_MANY`` for more. A smooth drift field shared by all
    colours (``_drift_field``) is fitted and taken off, and the cells clustered again.
    A colour's value is the per-channel median of its cells after the drift is taken off.
    Returns (pixels, palette, labels) like ``apply_palette``.
    """
    rows, cols = raw.shape[:2]
    x = raw.reshape(-1, 3).astype(np.float32)
    sigma = drift_sigma(raw)
    label = _cluster_cells(x, sigma)
    flat = x
    if rows * cols >= 64:
        # Only the drift changes: the colours stay, their cells are found again below.
        flat = x - _drift_field(x, label, rows, cols).astype(np.float32)
    reps = _medians_by_label(flat, label)
    label = _assign_with_neighbours(flat, reps.astype(np.float32), label, rows, cols, sigma)
    merged = np.clip(np.rint(reps), 0, 255).astype(np.uint8)[label].reshape(rows, cols, 3)
    palette, labels = palette_from_pixels(merged)
    return merged, palette, labels
