"""Where each feature of a demo portrait goes on its 24x24 canvas.

A canvas holds a feature label per pixel ("skin", "hair", ...); colours are applied at the
end. Shapes are data: face templates one character a pixel, and everything else as span
specs, ``"3:9-14 5-6:6-17 7:6-9,14-17"``: on row 3 columns 9 to 14, on rows 5 and 6 columns
6 to 17, on row 7 columns 6-9 and 14-17. The order a spec is written in is the order its
cells are painted and returned (hair texture draws one random number a cell in that order).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

SIZE = 24
Cell = tuple[int, int]

# Face templates, one character per pixel. "." background, "O" outline (and pupils),
# "S" skin, "s" skin shadow (brows, nose), "e" eye colour, "M" lips, "C" shirt.
_HEAD_TOP = ("........................",) * 5 + (
    "........OOOOOOOO........",
    ".......OSSSSSSSSO.......",
    "......OSSSSSSSSSSO......",
    "......OSSSSSSSSSSO......",
    "......OSSSSSSSSSSO......",
    "......OSSSSSSSSSSO......",
)
LAD_TEMPLATE = _HEAD_TOP + (
    "......OSSssSSSssSO......",
    ".....OSSSOeSSSOeSO......",
    ".....OSSSSSSSSSSSO......",
    "......OSSSSSSsSSSO......",
    "......OSSSSSSssSSO......",
    "......OSSSSSSSSSSO......",
    "......OSSSSMMMSSSO......",
    ".......OSSSSSSSSO.......",
    ".......OSSSSSSSO........",
    ".......OSSSOOOO.........",
    ".......OSSSSO...........",
    "......CCSSSSCC..........",
    ".....CCCCCCCCCCC........",
)
LADY_TEMPLATE = _HEAD_TOP + (
    "......OSSOOSSSOOSO......",
    ".....OSSSOeSSSOeSO......",
    ".....OSSSSSSSSSSSO......",
    "......OSSSSSSsSSSO......",
    "......OSSSSSSsSSSO......",
    "......OSSSSSSSSSSO......",
    "......OSSSSMMMSSSO......",
    ".......OSSSSMSSSO.......",
    "........OSSSSSSO........",
    "........OSSOOOO.........",
    "........OSSSO...........",
    "......CCCSSSCCC.........",
    ".....CCCCCCCCCCC........",
)
_TEMPLATE_LABELS = {"O": "outline", "S": "skin", "s": "skin_shadow", "e": "eyes", "M": "lips", "C": "shirt"}


@cache
def parse_spans(spec: str) -> tuple[tuple[int, int, int], ...]:
    """``"5-6:6-17 7:6-9,14"`` -> ((5, 6, 17), (6, 6, 17), (7, 6, 9), (7, 14, 14)): (row, x0, x1)."""

    def bounds(text: str) -> tuple[int, int]:
        first, _, last = text.partition("-")
        return int(first), int(last or first)

    runs: list[tuple[int, int, int]] = []
    for token in spec.split():
        rows, _, columns = token.partition(":")
        y0, y1 = bounds(rows)
        for y in range(y0, y1 + 1):
            runs.extend((y, *bounds(part)) for part in columns.split(","))
    return tuple(runs)


class Canvas:
    """A 24x24 grid of feature labels; colours are applied at the end."""

    def __init__(self) -> None:
        self.labels = np.full((SIZE, SIZE), "background", dtype="<U20")

    def paint(self, spec: str, label: str) -> list[Cell]:
        """Label the cells of a span spec (those off the canvas are skipped); the cells, in order."""
        cells = []
        for y, x0, x1 in parse_spans(spec):
            for x in range(x0, x1 + 1):
                if 0 <= x < SIZE and 0 <= y < SIZE:
                    self.labels[y, x] = label
                cells.append((x, y))
        return cells

    def template(self, rows: Sequence[str]) -> None:
        for y, row in enumerate(rows):
            for x, ch in enumerate(row):
                if ch in _TEMPLATE_LABELS:
                    self.labels[y, x] = _TEMPLATE_LABELS[ch]


# --- hair -------------------------------------------------------------------------------

HAIR_STYLES_LAD = ("short", "buzz cut", "mohawk", "spiky", "curly", "long", "bald", "side part", "ponytail")
HAIR_STYLES_LADY = ("long", "bob", "bun", "curly", "ponytail", "pixie cut", "long wavy")

# "Back" hair sits behind the face (drawn first), "front" hair over it.
_SHORT = "3:9-14 4:7-16 5-6:6-17 7:6-9,14-17 8:6-7,17 9:6"
_FRINGE = "3:8-15 4:7-16 5-6:6-17 7:6-11,15-17 8:6-8,16-17"
_LONG_BACK = "6-20:4-19 4:8-15 5:6-17 21:4-6,15-19 22:3-5,16-19"
_HAIR_BACK = {
    "long": _LONG_BACK,
    "long wavy": _LONG_BACK,
    "bob": "6-16:4-19 4:8-15 5:6-17 17:4-7,16-19",
    "curly": "1:9-14 2:6-17 3:5-18 4:4-19 5-10:3-20 11-14:4-19 15:5-18",
    "ponytail": "8:3-5 9-10:2-5 11-13:2-4 14-15:3-4 16:3",
}
_HAIR_FRONT = {
    "short": _SHORT,
    "buzz cut": "4:9-14 5-6:7-16 7:6-7,16-17",
    "mohawk": "1:11-12 2-6:10-13",
    "spiky": "2:8,11,14,17 3:7-9,10-12,13-15,16-17 4:7-17 5-6:6-17 7:6-9,14-17 8:6-7",
    "curly": "2:7-16 3:6-17 4-6:5-18 7:5-9,14-18 8:5-7,16-18 9:5-6",
    "long": _FRINGE,
    "long wavy": _FRINGE,
    "bob": _FRINGE,
    "side part": "3:8-15 4:7-17 5:6-18 6:6-17 7:6-12,16-17 8:6-8,17 9:6-7 10:6",
    "ponytail": _SHORT,
    "bun": _SHORT + " 0:10-13 1-2:9-14",
    "pixie cut": "3:8-15 4:6-17 5-6:5-18 7:5-10,15-18 8:5-8,17-18 9:5-7 10:5-6 11:5",
}
# Long wavy hair ends raggedly (painted without texture).
_WAVY_ENDS = "21:4,6 20:8,10,12,14 21:16,18"


def draw_hair_back(canvas: Canvas, style: str) -> list[Cell]:
    return canvas.paint(_HAIR_BACK.get(style, ""), "hair")


def draw_hair_front(canvas: Canvas, style: str) -> list[Cell]:
    cells = canvas.paint(_HAIR_FRONT.get(style, ""), "hair")
    if style == "long wavy":
        canvas.paint(_WAVY_ENDS, "hair")
    return cells


def texture(
    canvas: Canvas, cells: list[Cell], rng: np.random.Generator, shade_share: float, highlight_share: float
) -> None:
    """Sprinkle darker and lighter hair pixels, as the real portraits' hair has several shades."""
    for x, y in cells:
        if canvas.labels[y, x] != "hair":
            continue
        roll = rng.random()
        if roll < shade_share:
            canvas.labels[y, x] = "hair_shade"
        elif roll < shade_share + highlight_share:
            canvas.labels[y, x] = "hair_highlight"


# --- face, accessories and clothes -------------------------------------------------------

SMILE = "16:10,14 17:11-13"
EARRING = "14:5"
BOW = (("3:4,8 4:4-5,7-8 5:4,8", "bow"), ("4:6", "bow_knot"))

HATS = ("baseball cap", "beanie", "top hat", "bucket hat")
# Painted in order; a baseball cap's brim faces the way the head turns.
_HAT_SHAPES: dict[str, tuple[tuple[str, str], ...]] = {
    "baseball cap": (("2:8-15 3:7-16 4-5:6-17 6:6-20", "hat"), ("7:15-20", "hat_detail")),
    "beanie": (("1:10-13 2:8-15 3:7-16 4-5:6-17", "hat"), ("6-7:6-17 0:11-12", "hat_detail")),
    "top hat": (("0-4:9-15", "hat"), ("4:9-15", "hat_detail"), ("5:6-18 6:7-17", "hat")),
    "bucket hat": (("2:9-14 3:8-15 4-5:7-16", "hat"), ("6:5-18 7:4-19", "hat_detail")),
}
_CAP_LOGO = "4:11-12"

_GLASSES_SHAPES: dict[str, tuple[tuple[str, str], ...]] = {
    "3d glasses": (("12:8-10", "lenses"), ("12:13-15", "lens_right")),
    "": (("12:8-10,13-15", "lenses"),),
}

# Weighted by repetition: most lads are clean-shaven.
FACIAL_HAIR = ("",) * 5 + ("full beard", "moustache", "stubble", "goatee")
_FACIAL_HAIR_SHAPES = {
    "full beard": "15:7,16 16:7-9,15-16 17:7-10,14-16 18:8-15 19:8-14 16:10-14",
    "moustache": "16:10-14",
    "goatee": "16:11-13 18:10-13 19:11-12",
    "stubble": "16:7,16 17:9,15 18:8,10,12,14 19:9,11,13",
}

SHIRTS = ("t-shirt", "collared shirt", "suit", "hoodie")
_SHIRT_DETAILS: dict[str, tuple[tuple[str, str], ...]] = {
    "collared shirt": (("22:7,12 23:6,13", "shirt_detail"),),
    "suit": (("23:9-11", "shirt_detail"),),
    "hoodie": (("21:5,14 22:6,13-14", "shirt"), ("22:5 23:8,11", "shirt_detail")),
}


def paint_all(canvas: Canvas, shapes: Sequence[tuple[str, str]]) -> None:
    for spec, label in shapes:
        canvas.paint(spec, label)


def draw_hat(canvas: Canvas, hat: str, logo: bool) -> None:
    paint_all(canvas, _HAT_SHAPES[hat])
    if hat == "baseball cap" and logo:
        canvas.paint(_CAP_LOGO, "hat_detail")


def draw_glasses(canvas: Canvas, kind: str) -> None:
    canvas.paint("11:7-17", "sunglasses")
    paint_all(canvas, _GLASSES_SHAPES.get(kind, _GLASSES_SHAPES[""]))
    canvas.paint("12:11-12,16", "sunglasses")


def draw_facial_hair(canvas: Canvas, kind: str) -> None:
    # Beards take the hair's colour (a bald head's beard too); stubble is its own shade.
    canvas.paint(_FACIAL_HAIR_SHAPES[kind], "stubble" if kind == "stubble" else "hair")


def draw_shirt_detail(canvas: Canvas, shirt: str) -> None:
    paint_all(canvas, _SHIRT_DETAILS.get(shirt, ()))


# --- backgrounds --------------------------------------------------------------------------

# Weighted by repetition: most real backgrounds are one flat colour.
BACKGROUNDS = ("solid",) * 10 + (
    "checkered",
    "checkered",
    "vertical stripes",
    "horizontal stripes",
    "brick",
    "split",
)


def pattern_mask(kind: str) -> np.ndarray:
    """True where the background's second colour goes."""
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    if kind == "checkered":
        return ((x // 3) + (y // 3)) % 2 == 1
    if kind == "vertical stripes":
        return (x // 2) % 2 == 1
    if kind == "horizontal stripes":
        return (y // 2) % 2 == 1
    if kind == "brick":
        course = y // 3
        mortar_row = y % 3 == 2
        joint = ((x + 3 * (course % 2)) % 6) == 5
        return mortar_row | joint
    if kind == "split":
        return x >= SIZE // 2
    return np.zeros((SIZE, SIZE), dtype=bool)
