"""The one decision "is this pixel of the recovered art a stray?", with a reason and a confidence.

Everything that shows strays (the Epochs grid, the inspector, ``analyze --json``, the
report, the cleaned-art export) asks ``find_strays`` and only displays its answer.

    report = find_strays(art)          # art: (24, 24, 3) uint8, the recovered pixel art
    report.mask                        # (H, W) bool: the strays
    report.reason                      # (H, W) str: why ("" where nothing was considered)
    report.confidence                  # (H, W) float32 0..1; a stray has >= STRAY_AT
    report.strays                      # [Stray(x, y, reason, confidence)], reading order

A cell is only a candidate when none of its 8 neighbours has its exact colour (the
recovery gives each intended colour one exact value, so a cell of a region always has a
twin next to it). When all its neighbours are one flat region (shades of its most common
neighbour colour closer than ``SAME_SHADE``: the recovery keeps shades a few levels
apart, and a drifting region can cross two of them), it is:

- kept as a shade the artist drew when it is closer than ``NEAR_DUPLICATE_MIN`` (RGB
  distance) to that colour, in the background too;
- a ``background speck`` when that colour is (a shade of) the background (the colour of
  most border cells);
- a ``near-duplicate shade`` when it is at most ``NEAR_DUPLICATE_REACH`` off that
  colour: a drifted shade nobody draws as one pixel;
- a ``lighter dot`` when it is lighter than the region;
- an ``odd colour`` when its colour is rare and unlike every other palette colour;
- a ``dark speck`` when it is darker and its colour is on no other cell of the picture.

A darker dot of a colour the art draws elsewhere too is kept: eyes, a nose, a mouth, a
mole in the outline or pupil colour (on the real originals a rule for "a darker palette
colour far from its region" flagged the mouth pixel of one portrait in five). A darker
colour used on one cell only is what the demo's dark strays are, and rare in real art.

Elsewhere (at the meeting of regions) only an ``odd colour`` is a stray: a colour on at
most ``ODD_COLOUR_CELLS`` cells, at least ``ODD_COLOUR_APART`` from every other palette
colour, with no twin in its row (eyes and earrings come in pairs). Real pixel art holds
many one-off shades where regions meet; they are close to a palette colour and kept.

Kept candidates carry a reason saying why (e.g. ``darker dot (kept: eye, nose)``) and a
confidence under ``STRAY_AT``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BACKGROUND_SPECK = "background speck"
NEAR_DUPLICATE = "near-duplicate shade"
LIGHTER_DOT = "lighter dot"
ODD_COLOUR = "odd colour"
DARK_SPECK = "dark speck"
STRAY_REASONS = (BACKGROUND_SPECK, NEAR_DUPLICATE, LIGHTER_DOT, ODD_COLOUR, DARK_SPECK)
KEPT_DARKER = "darker dot (kept: eye, nose)"
KEPT_PAIRED = "rare colour with a twin in its row (kept: a pair)"
KEPT_SHADE = "a close shade of its region (kept: drawn on purpose)"
# Machine names for --json and the report.
REASON_KEYS = {
    BACKGROUND_SPECK: "background_speck",
    NEAR_DUPLICATE: "near_duplicate",
    LIGHTER_DOT: "lighter_dot",
    ODD_COLOUR: "odd_colour",
    DARK_SPECK: "dark_speck",
}

STRAY_AT = 0.5
# RGB distance from the flat colour around it: a lone cell this close is a drifted
# shade (below NEAR_DUPLICATE_MIN it is a shade the artist drew: kept).
NEAR_DUPLICATE_MIN = 10.0
NEAR_DUPLICATE_REACH = 34.0
# Shades closer than this (RGB distance) are one colour to the eye: a neighbour this
# close is a twin, and a region of such shades is flat.
SAME_SHADE = 8.0
# RGB distance from every other palette colour that makes a rare colour "odd".
ODD_COLOUR_APART = 45.0
# Luma difference: a dot this much lighter than its flat region is a "lighter dot".
LIGHTER_BY = 6.0
# A border share at least this large makes the border's main colour the background.
BACKGROUND_MIN_BORDER_SHARE = 0.4
# A colour on at most this many cells is rare (a candidate for "odd colour").
ODD_COLOUR_CELLS = 2

_CONFIDENCE = {
    BACKGROUND_SPECK: 0.95,
    NEAR_DUPLICATE: 0.85,
    LIGHTER_DOT: 0.75,
    ODD_COLOUR: 0.8,
    DARK_SPECK: 0.6,
}
_KEPT_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Stray:
    x: int
    y: int
    reason: str
    confidence: float


@dataclass(frozen=True)
class StrayReport:
    mask: np.ndarray  # (H, W) bool
    reason: np.ndarray  # (H, W) object array of str
    confidence: np.ndarray  # (H, W) float32
    strays: list[Stray] = field(default_factory=list)
    background: tuple[int, int, int] | None = None

    @property
    def count(self) -> int:
        return len(self.strays)

    def by_reason(self) -> dict[str, int]:
        """How many strays each reason has (only reasons that occur), in ``STRAY_REASONS`` order."""
        counts = {r: 0 for r in STRAY_REASONS}
        for stray in self.strays:
            counts[stray.reason] += 1
        return {r: n for r, n in counts.items() if n}

    def describe(self, x: int, y: int) -> str:
        """Hover text: "stray (0.95): background speck", "not stray (0.30, darker dot ...)" or "not stray"."""
        confidence = float(self.confidence[y, x])
        reason = str(self.reason[y, x] or "")
        if self.mask[y, x]:
            return f"stray ({confidence:.2f}): {reason}"
        if reason:
            return f"not stray ({confidence:.2f}, {reason})"
        return "not stray"


def _neighbour_stack(values: np.ndarray, fill: int) -> np.ndarray:
    """(8, H, W) values of the 8 neighbours of a 2-d array, ``fill`` outside the image."""
    rows, cols = values.shape
    padded = np.full((rows + 2, cols + 2), fill, dtype=values.dtype)
    padded[1:-1, 1:-1] = values
    out = np.empty((8, rows, cols), dtype=values.dtype)
    index = 0
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                out[index] = padded[1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + cols]
                index += 1
    return out


def border_background(labels: np.ndarray) -> int | None:
    """Label of the colour on most border cells, or None when no colour holds 40% of the border."""
    border = np.concatenate([labels[0], labels[-1], labels[1:-1, 0], labels[1:-1, -1]])
    counts = np.bincount(border)
    label = int(np.argmax(counts))
    return label if counts[label] >= BACKGROUND_MIN_BORDER_SHARE * border.size else None


def _luma(colours: np.ndarray) -> np.ndarray:
    return colours[..., 0] * 0.299 + colours[..., 1] * 0.587 + colours[..., 2] * 0.114


def find_strays(art: np.ndarray, background: tuple[int, int, int] | None = None) -> StrayReport:
    """Decide which pixels of ``art`` ((H, W, 3) uint8, the recovered art) are strays.

    ``background``: the background colour when the caller knows it; by default the
    colour of most border cells (none when no colour holds 40% of the border).
    """
    art = np.asarray(art)[..., :3]
    if art.dtype != np.uint8 or art.ndim != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {art.dtype} {art.shape}")
    rows, cols = art.shape[:2]
    packed = (
        (art[..., 0].astype(np.int64) << 16) | (art[..., 1].astype(np.int64) << 8) | art[..., 2]
    ).ravel()
    # np.unique's values, inverse and counts, without its overhead (a third of the time here).
    ordered = np.sort(packed)
    values = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
    inverse = np.searchsorted(values, packed)
    counts = np.bincount(inverse, minlength=values.size)
    labels = inverse.reshape(rows, cols)
    palette = np.stack([(values >> 16) & 255, (values >> 8) & 255, values & 255], axis=1).astype(np.float64)
    if background is not None:
        key = (int(background[0]) << 16) | (int(background[1]) << 8) | int(background[2])
        found = np.flatnonzero(values == key)
        bg_label = int(found[0]) if found.size else None
    else:
        bg_label = border_background(labels)

    reason = np.full((rows, cols), "", dtype=object)
    confidence = np.zeros((rows, cols), dtype=np.float32)
    neighbours = _neighbour_stack(labels, -1)  # (8, H, W)
    isolated = ~np.any(neighbours == labels[None], axis=0)
    ys, xs = np.nonzero(isolated)
    if ys.size:
        verdicts, scores = _judge(labels, ys, xs, neighbours[:, ys, xs], palette, counts, bg_label)
        reason[ys, xs] = verdicts
        confidence[ys, xs] = scores
    mask = confidence >= STRAY_AT
    strays = [
        Stray(int(x), int(y), str(reason[y, x]), float(confidence[y, x])) for y, x in zip(*np.nonzero(mask))
    ]
    bg = tuple(int(v) for v in palette[bg_label]) if bg_label is not None else None
    return StrayReport(mask=mask, reason=reason, confidence=confidence, strays=strays, background=bg)  # type: ignore[arg-type]


def _judge(
    labels: np.ndarray,
    ys: np.ndarray,
    xs: np.ndarray,
    around: np.ndarray,
    palette: np.ndarray,
    counts: np.ndarray,
    bg_label: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(reasons, confidences) of the candidate cells ``ys, xs``, ``around`` (8, N) their neighbours' labels.

    All candidates at once (a drifted sample has a hundred or more): the rules of the
    module docstring, in their order, as boolean arrays.
    """
    n_colours = palette.shape[0]
    own = labels[ys, xs]
    valid = around >= 0
    # Channel by channel: the same sums as ((a - b) ** 2).sum(axis=2), several times faster.
    dist = np.square(np.subtract.outer(palette[:, 0], palette[:, 0]))
    dist += np.square(np.subtract.outer(palette[:, 1], palette[:, 1]))
    dist += np.square(np.subtract.outer(palette[:, 2], palette[:, 2]))
    np.sqrt(dist, out=dist)
    # The recovery keeps shades a few levels apart as separate colours: a region drifting
    # across two of them is still one flat region to the eye.
    same = dist < SAME_SHADE
    np.fill_diagonal(dist, np.inf)
    nearest_other = dist.min(axis=1)
    # The region: the most common neighbour colour (ties: the lowest label).
    agree = (around[:, None] == around[None]) & valid[:, None] & valid[None]
    votes = np.where(valid, agree.sum(axis=1), -1)
    best = np.argmax(votes * (n_colours + 1) - around, axis=0)
    region = around[best, np.arange(own.size)]
    flat = (valid.sum(axis=0) >= 3) & np.all(same[region[None], np.maximum(around, 0)] | ~valid, axis=0)
    off_palette = (counts[own] <= ODD_COLOUR_CELLS) & (nearest_other[own] >= ODD_COLOUR_APART)
    paired = np.count_nonzero(labels[ys] == own[:, None], axis=1) > 1
    apart = dist[own, region]
    on_background = same[region, bg_label] if bg_label is not None else np.zeros(own.size, dtype=bool)
    luma = _luma(palette)
    lighter = luma[own] > luma[region] + LIGHTER_BY
    outcomes = [
        (flat & (apart < NEAR_DUPLICATE_MIN), KEPT_SHADE),
        (flat & on_background, BACKGROUND_SPECK),
        (flat & (apart <= NEAR_DUPLICATE_REACH), NEAR_DUPLICATE),
        (flat & lighter, LIGHTER_DOT),
        (flat & off_palette, ODD_COLOUR),
        (flat & paired, KEPT_PAIRED),
        (flat & (counts[own] == 1), DARK_SPECK),
        (flat, KEPT_DARKER),
        (off_palette & ~paired, ODD_COLOUR),
        (paired & (counts[own] <= ODD_COLOUR_CELLS), KEPT_PAIRED),
    ]
    has = valid.any(axis=0)
    # The first rule that holds, as an index into the outcomes (len(outcomes): none).
    first = np.select([c & has for c, _ in outcomes], list(range(len(outcomes))), len(outcomes))
    names = np.array([r for _, r in outcomes] + [""], dtype=object)
    confidences = np.array(
        [_CONFIDENCE.get(r, _KEPT_CONFIDENCE) for _, r in outcomes] + [0.0], dtype=np.float32
    )
    return names[first], confidences[first]
