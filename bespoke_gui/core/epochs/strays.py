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
twin next to it). A candidate is a stray when it is:

- ``background speck``: most of its neighbours (5 or more of 8) are the background
  (the colour of most border cells), and it is not background itself;
- ``near-duplicate shade``: within ``NEAR_DUPLICATE_REACH`` (RGB distance) of the
  colour most of its neighbours share: a shade nobody draws as one pixel;
- ``lighter dot``: all its neighbours are one flat colour and it is lighter than it
  (a darker dot in a flat region is an eye, a nose or a mole and is kept);
- ``odd colour``: a colour used by at most two cells, with no twin in its row (eyes
  and earrings come in pairs), unless it stands at near-maximum contrast to everything
  around it (a deliberate highlight or pupil).

Candidates that pass these tests keep a reason saying why they were kept (e.g. ``darker
dot (kept: eye, nose)``) and a confidence under ``STRAY_AT``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BACKGROUND_SPECK = "background speck"
NEAR_DUPLICATE = "near-duplicate shade"
LIGHTER_DOT = "lighter dot"
ODD_COLOUR = "odd colour"
STRAY_REASONS = (BACKGROUND_SPECK, NEAR_DUPLICATE, LIGHTER_DOT, ODD_COLOUR)
KEPT_DARKER = "darker dot (kept: eye, nose)"
KEPT_PAIRED = "rare colour with a twin in its row (kept: a pair)"
KEPT_CONTRAST = "rare colour at high contrast (kept: a highlight)"
KEPT_SHARED = "colour used elsewhere too (kept)"
# Machine names for --json and the report.
REASON_KEYS = {
    BACKGROUND_SPECK: "background_speck",
    NEAR_DUPLICATE: "near_duplicate",
    LIGHTER_DOT: "lighter_dot",
    ODD_COLOUR: "odd_colour",
}

STRAY_AT = 0.5
# RGB distance: a lone cell this close to the colour around it is a drifted shade.
NEAR_DUPLICATE_REACH = 34.0
# Luma difference: a dot this much lighter than its flat region is a "lighter dot".
LIGHTER_BY = 6.0
# Neighbours of the background colour (of 8) that make a lone cell a background speck.
BACKGROUND_NEIGHBOURS = 5
# A border share at least this large makes the border's main colour the background.
BACKGROUND_MIN_BORDER_SHARE = 0.4
# A colour on at most this many cells is rare (a candidate for "odd colour").
ODD_COLOUR_CELLS = 2
# RGB distance to the nearest neighbour colour above which an odd colour is deliberate.
HIGH_CONTRAST = 200.0

_CONFIDENCE = {BACKGROUND_SPECK: 0.95, NEAR_DUPLICATE: 0.85, LIGHTER_DOT: 0.75, ODD_COLOUR: 0.7}
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
    """(8, H, W, ...) values of the 8 neighbours, ``fill`` outside the image."""
    pad = [(1, 1), (1, 1)] + [(0, 0)] * (values.ndim - 2)
    padded = np.pad(values, pad, constant_values=fill)
    rows, cols = values.shape[:2]
    return np.stack(
        [
            padded[1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + cols]
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            if (dy, dx) != (0, 0)
        ]
    )


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
    packed = (art[..., 0].astype(np.int64) << 16) | (art[..., 1].astype(np.int64) << 8) | art[..., 2]
    values, inverse, counts = np.unique(packed.ravel(), return_inverse=True, return_counts=True)
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
    valid = neighbours >= 0
    isolated = ~np.any(neighbours == labels[None], axis=0)
    for y, x in zip(*np.nonzero(isolated)):
        own = int(labels[y, x])
        around = neighbours[:, y, x][valid[:, y, x]]
        verdict = _judge(own, around, labels[y], palette, counts, bg_label)
        reason[y, x], confidence[y, x] = verdict
    mask = confidence >= STRAY_AT
    strays = [
        Stray(int(x), int(y), str(reason[y, x]), float(confidence[y, x])) for y, x in zip(*np.nonzero(mask))
    ]
    bg = tuple(int(v) for v in palette[bg_label]) if bg_label is not None else None
    return StrayReport(mask=mask, reason=reason, confidence=confidence, strays=strays, background=bg)  # type: ignore[arg-type]


def _judge(
    own: int,
    around: np.ndarray,
    row_labels: np.ndarray,
    palette: np.ndarray,
    counts: np.ndarray,
    bg_label: int | None,
) -> tuple[str, float]:
    """(reason, confidence) of one candidate cell from the labels of its neighbours."""
    if around.size == 0:
        return "", 0.0
    if (
        bg_label is not None
        and own != bg_label
        and np.count_nonzero(around == bg_label) >= BACKGROUND_NEIGHBOURS
    ):
        return BACKGROUND_SPECK, _CONFIDENCE[BACKGROUND_SPECK]
    colour = palette[own]
    majority = np.bincount(around)
    main = int(np.argmax(majority))
    if majority[main] * 8 >= 5 * around.size:
        if float(np.sqrt(((colour - palette[main]) ** 2).sum())) <= NEAR_DUPLICATE_REACH:
            return NEAR_DUPLICATE, _CONFIDENCE[NEAR_DUPLICATE]
    if majority[main] == around.size and around.size >= 3:
        if _luma(colour) > _luma(palette[main]) + LIGHTER_BY:
            return LIGHTER_DOT, _CONFIDENCE[LIGHTER_DOT]
        return KEPT_DARKER, _KEPT_CONFIDENCE
    if counts[own] <= ODD_COLOUR_CELLS:
        if np.count_nonzero(row_labels == own) > 1:
            return KEPT_PAIRED, _KEPT_CONFIDENCE
        nearest = float(np.sqrt(((palette[np.unique(around)] - colour) ** 2).sum(axis=1)).min())
        if nearest >= HIGH_CONTRAST:
            return KEPT_CONTRAST, _KEPT_CONFIDENCE
        return ODD_COLOUR, _CONFIDENCE[ODD_COLOUR]
    return KEPT_SHARED, 0.0
