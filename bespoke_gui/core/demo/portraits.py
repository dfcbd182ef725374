"""Procedurally drawn 24x24 "bespoke punk" portraits with kohya-style captions.

The demo workspace and every test that needs ground truth use these: a portrait's pixels,
its intended palette (feature -> colour), the traits it was drawn with and a caption that
names them, all deterministic from one seed. The look follows the real dataset: a head
turned slightly right with a black outline, 2-pixel eyes, a nose shadow, lips, a neck and
shirt at the bottom, hair on top, accessories (caps and hats, sunglasses, earrings, bows)
and a flat or patterned background.

Some captions carry hex codes (``hair (#6b4226)``), and a deterministic subset carries the
mistakes real captions have, listed in :attr:`Portrait.mistakes` so that tests can check
the caption lint finds them:

- ``shared_hex``: one hex code names two features (the background is given the hair's code);
- ``same_colour_words``: eyes and hair get the same colour word ("brown eyes, brown hair");
- ``clarity_missing``: no "hard color borders, sharp pixel edges";
- ``clarity_after_long_caption``: the clarity phrase comes after a caption so long that it
  falls beyond CLIP's first 75 tokens;
- ``double_comma``: an empty phrase (",,");
- ``trigger_not_first``: the trigger phrases are not at the start.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from bespoke_gui.core.colour import oklab_to_srgb, srgb_to_oklab, to_hex

SIZE = 24
TRIGGER = ("pixel art", "24x24")
CLARITY = "hard color borders, sharp pixel edges"

MISTAKE_SHARED_HEX = "shared_hex"
MISTAKE_SAME_COLOUR_WORDS = "same_colour_words"
MISTAKE_CLARITY_MISSING = "clarity_missing"
MISTAKE_CLARITY_LATE = "clarity_after_long_caption"
MISTAKE_DOUBLE_COMMA = "double_comma"
MISTAKE_TRIGGER_NOT_FIRST = "trigger_not_first"
ALL_MISTAKES = (
    MISTAKE_SHARED_HEX,
    MISTAKE_SAME_COLOUR_WORDS,
    MISTAKE_CLARITY_MISSING,
    MISTAKE_CLARITY_LATE,
    MISTAKE_DOUBLE_COMMA,
    MISTAKE_TRIGGER_NOT_FIRST,
)

# Which mistakes a seed's caption carries, by seed % 16: every 16 consecutive seeds hold each
# mistake at least once, and most captions stay clean (as most real ones were).
_MISTAKE_PLAN: dict[int, tuple[str, ...]] = {
    3: (MISTAKE_SHARED_HEX,),
    5: (MISTAKE_SAME_COLOUR_WORDS,),
    7: (MISTAKE_CLARITY_MISSING,),
    10: (MISTAKE_CLARITY_LATE,),
    12: (MISTAKE_DOUBLE_COMMA,),
    14: (MISTAKE_TRIGGER_NOT_FIRST,),
    15: (MISTAKE_SAME_COLOUR_WORDS, MISTAKE_DOUBLE_COMMA),
}

# Intended palette colours at least this far apart in OKLab, so that a recovery that merges
# near-duplicates (pixelgrid merges below 0.04) never merges two colours the artist meant.
MIN_SEPARATION = 0.07

RGB = tuple[int, int, int]
Named = tuple[str, RGB]

BLACK: RGB = (0, 0, 0)

SKIN_TONES: tuple[Named, ...] = (
    ("light", (241, 200, 168)),
    ("pale", (246, 218, 200)),
    ("light peachy", (240, 178, 156)),
    ("medium", (210, 150, 112)),
    ("olive", (190, 152, 104)),
    ("tan", (178, 127, 96)),
    ("medium brown", (150, 98, 70)),
    ("dark brown", (106, 66, 44)),
    ("dark", (78, 50, 36)),
    ("light pale green", (189, 213, 197)),
)
HAIR_COLOURS: tuple[Named, ...] = (
    ("black", (34, 28, 30)),
    ("dark brown", (83, 56, 38)),
    ("brown", (128, 84, 48)),
    ("auburn", (150, 62, 40)),
    ("ginger", (208, 110, 48)),
    ("blonde", (232, 200, 110)),
    ("platinum blonde", (236, 226, 196)),
    ("grey", (150, 150, 156)),
    ("white", (236, 236, 232)),
    ("bright pink", (236, 92, 160)),
    ("purple", (112, 70, 168)),
    ("blue", (60, 96, 200)),
    ("lime green", (120, 220, 70)),
    ("red", (196, 36, 44)),
)
EYE_COLOURS: tuple[Named, ...] = (
    ("brown", (110, 70, 40)),
    ("dark brown", (72, 44, 26)),
    ("blue", (52, 120, 210)),
    ("light blue", (120, 190, 236)),
    ("green", (52, 160, 80)),
    ("hazel", (150, 120, 50)),
    ("grey", (128, 136, 146)),
    ("purple", (140, 90, 200)),
)
LIP_COLOURS: tuple[Named, ...] = (
    ("pink", (214, 120, 132)),
    ("red", (190, 40, 56)),
    ("dusky rose", (168, 96, 96)),
    ("dark red", (120, 30, 40)),
    ("coral", (232, 112, 90)),
)
BACKGROUND_COLOURS: tuple[Named, ...] = (
    ("green", (60, 200, 110)),
    ("dark green", (29, 74, 70)),
    ("light blue", (140, 200, 230)),
    ("blue", (80, 110, 230)),
    ("navy blue", (28, 36, 80)),
    ("purple", (150, 110, 220)),
    ("lavender", (214, 190, 250)),
    ("pink", (240, 168, 196)),
    ("orange", (228, 140, 60)),
    ("light orange", (240, 190, 130)),
    ("yellow", (240, 214, 90)),
    ("teal", (64, 190, 184)),
    ("grey", (144, 163, 169)),
    ("light grey", (206, 210, 214)),
    ("red", (200, 60, 60)),
    ("brick red", (176, 86, 66)),
    ("lime green", (190, 230, 40)),
)
# Control colours the sample prompts ask for (the plan's "green background test").
CONTROL_BACKGROUNDS: dict[str, RGB] = {
    "green": (60, 200, 110),
    "blue": (80, 110, 230),
    "purple": (150, 110, 220),
}
CLOTHES_COLOURS: tuple[Named, ...] = (
    ("black", (24, 24, 28)),
    ("dark grey", (64, 68, 74)),
    ("medium grey", (120, 124, 130)),
    ("white", (240, 240, 236)),
    ("navy", (30, 44, 96)),
    ("denim blue", (70, 110, 160)),
    ("red", (190, 44, 52)),
    ("maroon", (110, 30, 46)),
    ("forest green", (36, 96, 56)),
    ("mustard yellow", (212, 170, 40)),
    ("orange", (230, 120, 40)),
    ("purple", (104, 60, 150)),
    ("brown", (112, 74, 44)),
    ("pink", (236, 140, 180)),
    ("teal", (30, 140, 140)),
)
ACCENT_COLOURS: tuple[Named, ...] = (
    ("white", (248, 248, 248)),
    ("gold", (230, 180, 40)),
    ("red", (220, 40, 50)),
    ("black", (20, 20, 20)),
    ("light blue", (140, 210, 250)),
)
LENS_COLOURS: tuple[Named, ...] = (
    ("dark blue", (30, 40, 110)),
    ("purple", (90, 40, 120)),
    ("dark green", (20, 70, 40)),
)
METALS: tuple[Named, ...] = (("golden", (236, 190, 50)), ("silver", (200, 204, 214)))

NAME_WORDS = (
    "carbon",
    "cash",
    "chai",
    "silicon",
    "copper",
    "redshift",
    "titanium",
    "platinum",
    "steel",
    "aluminum",
    "chocolate",
    "chromium",
    "caramel",
    "sugar",
    "tungsten",
    "ink",
    "mandarin",
    "diamond",
    "lemon",
    "hazelnut",
    "vanilla",
    "cashew",
    "nutmeg",
    "alloy",
    "lime",
    "silver",
    "paprika",
    "sandalwood",
    "clementine",
    "saffron",
    "cobalt",
    "basil",
    "pepper",
    "ginger",
    "mango",
    "cocoa",
    "quartz",
    "nickel",
    "honey",
    "walnut",
    "jade",
    "onyx",
    "pearl",
    "amber",
    "mint",
    "plum",
    "coral",
    "slate",
    "cedar",
    "maple",
    "olive",
    "sage",
    "indigo",
    "ruby",
)

# Face templates, one character per pixel. "." background, "O" outline (and pupils),
# "S" skin, "s" skin shadow (brows, nose), "e" eye colour, "M" lips, "C" shirt.
_LAD = (
    "........................",
    "........................",
    "........................",
    "........................",
    "........................",
    "........OOOOOOOO........",
    ".......OSSSSSSSSO.......",
    "......OSSSSSSSSSSO......",
    "......OSSSSSSSSSSO......",
    "......OSSSSSSSSSSO......",
    "......OSSSSSSSSSSO......",
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
_LADY = (
    "........................",
    "........................",
    "........................",
    "........................",
    "........................",
    "........OOOOOOOO........",
    ".......OSSSSSSSSO.......",
    "......OSSSSSSSSSSO......",
    "......OSSSSSSSSSSO......",
    "......OSSSSSSSSSSO......",
    "......OSSSSSSSSSSO......",
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

# Label order for the palette and for keeping colours apart: earlier features keep their
# colour, later ones are nudged in lightness when they come too close.
FEATURE_ORDER = (
    "outline",
    "skin",
    "skin_shadow",
    "eyes",
    "lips",
    "hair",
    "hair_shade",
    "hair_highlight",
    "background",
    "background_pattern",
    "shirt",
    "shirt_detail",
    "hat",
    "hat_detail",
    "stubble",
    "sunglasses",
    "lenses",
    "lens_right",
    "earring",
    "bow",
    "bow_knot",
)
# Colours that may equal the outline's black on purpose (pupils share it by construction).
_MAY_BE_BLACK = {"sunglasses"}


@dataclass(frozen=True)
class Portrait:
    """A drawn portrait: pixels, the traits it was drawn with, its palette and caption.

    ``palette`` maps each feature present in the pixels to its colour; the set of its
    values is exactly the set of colours in ``pixels``. ``mistakes`` lists the caption
    mistakes put in on purpose (names in :data:`ALL_MISTAKES`).
    """

    pixels: np.ndarray
    traits: dict[str, str]
    palette: dict[str, tuple[int, int, int]]
    caption: str
    name: str
    seed: int = 0
    mistakes: tuple[str, ...] = ()
    hex_codes: bool = False
    phrases: tuple[str, ...] = field(default_factory=tuple)


def mistakes_for_seed(seed: int) -> tuple[str, ...]:
    return _MISTAKE_PLAN.get(seed % 16, ())


def hex_codes_for_seed(seed: int) -> bool:
    """A third of the captions carry hex codes, as the earlier real captions did.

    The hex mistakes need codes; "brown eyes, brown hair" goes without, since distinct codes
    would tell the two apart after all.
    """
    mistakes = set(mistakes_for_seed(seed))
    if MISTAKE_SAME_COLOUR_WORDS in mistakes:
        return False
    return seed % 3 == 0 or bool({MISTAKE_SHARED_HEX, MISTAKE_CLARITY_LATE} & mistakes)


class _Canvas:
    """A 24x24 grid of feature labels; colours are applied at the end."""

    def __init__(self) -> None:
        self.labels = np.full((SIZE, SIZE), "background", dtype="<U20")

    def put(self, x: int, y: int, label: str) -> None:
        if 0 <= x < SIZE and 0 <= y < SIZE:
            self.labels[y, x] = label

    def span(self, y: int, x0: int, x1: int, label: str) -> None:
        for x in range(x0, x1 + 1):
            self.put(x, y, label)

    def rows(self, spans: Mapping[int, Sequence[tuple[int, int]]], label: str) -> list[tuple[int, int]]:
        cells = []
        for y, ranges in spans.items():
            for x0, x1 in ranges:
                for x in range(x0, x1 + 1):
                    self.put(x, y, label)
                    cells.append((x, y))
        return cells

    def template(self, rows: Sequence[str]) -> None:
        for y, row in enumerate(rows):
            for x, ch in enumerate(row):
                if ch in _TEMPLATE_LABELS:
                    self.labels[y, x] = _TEMPLATE_LABELS[ch]


def _shift_lightness(rgb: RGB, delta: float) -> RGB:
    lab = srgb_to_oklab(np.array(rgb, dtype=np.uint8)).astype(np.float64)
    lab[0] = float(np.clip(lab[0] + delta, 0.05, 0.98))
    out = oklab_to_srgb(lab)
    return (int(out[0]), int(out[1]), int(out[2]))


def _mix(a: RGB, b: RGB, share_b: float) -> RGB:
    return tuple(int(round(x * (1 - share_b) + y * share_b)) for x, y in zip(a, b))  # type: ignore[return-value]


def _separate(palette: dict[str, RGB]) -> dict[str, RGB]:
    """Nudge later features' lightness until every distinct colour is MIN_SEPARATION apart.

    Features earlier in ``palette`` keep their colour; the result keeps the same order.
    """
    fixed: dict[str, RGB] = {}
    for name, colour in palette.items():
        if name in _MAY_BE_BLACK and colour == fixed.get("outline"):
            fixed[name] = colour
            continue
        others = np.array([c for c in fixed.values()], dtype=np.uint8).reshape(-1, 3)
        step = 0.045 if srgb_to_oklab(np.array(colour, dtype=np.uint8))[0] < 0.6 else -0.045
        for _ in range(40):
            if others.size == 0:
                break
            dist = np.sqrt(((srgb_to_oklab(others) - srgb_to_oklab(np.array(colour, np.uint8))) ** 2).sum(-1))
            if dist.min() >= MIN_SEPARATION:
                break
            moved = _shift_lightness(colour, step)
            if moved == colour:  # hit the end of the lightness range: go the other way
                step = -step
                moved = _shift_lightness(colour, step)
            colour = moved
        fixed[name] = colour
    return fixed


def _pick(
    rng: np.random.Generator, options: Sequence[Named], avoid: Sequence[RGB] = (), min_dist: float = 0.0
) -> Named:
    """A random named colour, preferring those at least ``min_dist`` (OKLab) from ``avoid``."""
    choices = list(options)
    if avoid and min_dist > 0:
        lab_avoid = srgb_to_oklab(np.array(avoid, dtype=np.uint8))
        far = [
            c
            for c in choices
            if np.sqrt(((srgb_to_oklab(np.array(c[1], np.uint8)) - lab_avoid) ** 2).sum(-1)).min() >= min_dist
        ]
        choices = far or choices
    return choices[int(rng.integers(len(choices)))]


def _hue_word(word: str) -> str:
    """The colour noun of a colour phrase: "dark brown" -> "brown"."""
    return word.split()[-1]


# --- hair -------------------------------------------------------------------------------

HAIR_STYLES_LAD = ("short", "buzz cut", "mohawk", "spiky", "curly", "long", "bald", "side part", "ponytail")
HAIR_STYLES_LADY = ("long", "bob", "bun", "curly", "ponytail", "pixie cut", "long wavy")

_HAIR_PHRASE = {
    "short": "short hair",
    "buzz cut": "buzz cut hair",
    "mohawk": "mohawk with shaved sides",
    "spiky": "spiky hair",
    "curly": "big curly hair",
    "long": "long straight hair",
    "long wavy": "long wavy hair",
    "side part": "side parted hair",
    "ponytail": "hair tied back in a ponytail",
    "bob": "bob cut hair",
    "bun": "hair tied up in a bun",
    "pixie cut": "short pixie cut hair",
}

# Rows of (x0, x1) spans. "Back" hair sits behind the face (drawn first), "front" over it.
_FRONT_SHORT = {
    3: [(9, 14)],
    4: [(7, 16)],
    5: [(6, 17)],
    6: [(6, 17)],
    7: [(6, 9), (14, 17)],
    8: [(6, 7), (17, 17)],
    9: [(6, 6)],
}
_FRONT_SIDE_PART = {
    3: [(8, 15)],
    4: [(7, 17)],
    5: [(6, 18)],
    6: [(6, 17)],
    7: [(6, 12), (16, 17)],
    8: [(6, 8), (17, 17)],
    9: [(6, 7)],
    10: [(6, 6)],
}
_FRONT_BUZZ = {4: [(9, 14)], 5: [(7, 16)], 6: [(7, 16)], 7: [(6, 7), (16, 17)]}
_FRONT_MOHAWK = {1: [(11, 12)], 2: [(10, 13)], 3: [(10, 13)], 4: [(10, 13)], 5: [(10, 13)], 6: [(10, 13)]}
_FRONT_SPIKY = {
    2: [(8, 8), (11, 11), (14, 14), (17, 17)],
    3: [(7, 9), (10, 12), (13, 15), (16, 17)],
    4: [(7, 17)],
    5: [(6, 17)],
    6: [(6, 17)],
    7: [(6, 9), (14, 17)],
    8: [(6, 7)],
}
_FRONT_FRINGE = {
    3: [(8, 15)],
    4: [(7, 16)],
    5: [(6, 17)],
    6: [(6, 17)],
    7: [(6, 11), (15, 17)],
    8: [(6, 8), (16, 17)],
}
_FRONT_PIXIE = {
    3: [(8, 15)],
    4: [(6, 17)],
    5: [(5, 18)],
    6: [(5, 18)],
    7: [(5, 10), (15, 18)],
    8: [(5, 8), (17, 18)],
    9: [(5, 7)],
    10: [(5, 6)],
    11: [(5, 5)],
}
_BACK_LONG = {y: [(4, 19)] for y in range(6, 21)} | {
    4: [(8, 15)],
    5: [(6, 17)],
    21: [(4, 6), (15, 19)],
    22: [(3, 5), (16, 19)],
}
_BACK_BOB = {y: [(4, 19)] for y in range(6, 17)} | {4: [(8, 15)], 5: [(6, 17)], 17: [(4, 7), (16, 19)]}
_BACK_CURLY = {
    1: [(9, 14)],
    2: [(6, 17)],
    3: [(5, 18)],
    4: [(4, 19)],
    5: [(3, 20)],
    6: [(3, 20)],
    7: [(3, 20)],
    8: [(3, 20)],
    9: [(3, 20)],
    10: [(3, 20)],
    11: [(4, 19)],
    12: [(4, 19)],
    13: [(4, 19)],
    14: [(4, 19)],
    15: [(5, 18)],
}
_FRONT_CURLY = {
    2: [(7, 16)],
    3: [(6, 17)],
    4: [(5, 18)],
    5: [(5, 18)],
    6: [(5, 18)],
    7: [(5, 9), (14, 18)],
    8: [(5, 7), (16, 18)],
    9: [(5, 6)],
}
_BACK_PONYTAIL = {
    8: [(3, 5)],
    9: [(2, 5)],
    10: [(2, 5)],
    11: [(2, 4)],
    12: [(2, 4)],
    13: [(2, 4)],
    14: [(3, 4)],
    15: [(3, 4)],
    16: [(3, 3)],
}
_BUN = {0: [(10, 13)], 1: [(9, 14)], 2: [(9, 14)]}


def _texture(
    canvas: _Canvas,
    cells: list[tuple[int, int]],
    rng: np.random.Generator,
    shade_share: float,
    highlight_share: float,
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


def _draw_hair_back(canvas: _Canvas, style: str) -> list[tuple[int, int]]:
    spans = {
        "long": _BACK_LONG,
        "long wavy": _BACK_LONG,
        "bob": _BACK_BOB,
        "curly": _BACK_CURLY,
        "ponytail": _BACK_PONYTAIL,
    }.get(style)
    return canvas.rows(spans, "hair") if spans else []


def _draw_hair_front(canvas: _Canvas, style: str) -> list[tuple[int, int]]:
    spans = {
        "short": _FRONT_SHORT,
        "buzz cut": _FRONT_BUZZ,
        "mohawk": _FRONT_MOHAWK,
        "spiky": _FRONT_SPIKY,
        "curly": _FRONT_CURLY,
        "long": _FRONT_FRINGE,
        "long wavy": _FRONT_FRINGE,
        "bob": _FRONT_FRINGE,
        "side part": _FRONT_SIDE_PART,
        "ponytail": _FRONT_SHORT,
        "bun": _FRONT_SHORT,
        "pixie cut": _FRONT_PIXIE,
    }.get(style)
    cells = canvas.rows(spans, "hair") if spans else []
    if style == "bun":
        cells += canvas.rows(_BUN, "hair")
    if style == "long wavy":
        # Wavy ends: a ragged lower edge.
        for x in range(4, 20, 2):
            canvas.put(x, 21 if x < 8 or x > 14 else 20, "hair")
    return cells


# --- accessories ------------------------------------------------------------------------

HATS = ("baseball cap", "beanie", "top hat", "bucket hat")


def _draw_hat(canvas: _Canvas, hat: str, logo: bool) -> None:
    if hat == "baseball cap":
        canvas.rows({2: [(8, 15)], 3: [(7, 16)], 4: [(6, 17)], 5: [(6, 17)], 6: [(6, 20)]}, "hat")
        canvas.span(7, 15, 20, "hat_detail")  # brim, facing the way the head turns
        if logo:
            canvas.put(11, 4, "hat_detail")
            canvas.put(12, 4, "hat_detail")
    elif hat == "beanie":
        canvas.rows({1: [(10, 13)], 2: [(8, 15)], 3: [(7, 16)], 4: [(6, 17)], 5: [(6, 17)]}, "hat")
        canvas.rows({6: [(6, 17)], 7: [(6, 17)]}, "hat_detail")  # cuff
        canvas.put(11, 0, "hat_detail")  # pompom
        canvas.put(12, 0, "hat_detail")
    elif hat == "top hat":
        canvas.rows({y: [(9, 15)] for y in range(0, 5)}, "hat")
        canvas.span(4, 9, 15, "hat_detail")  # band
        canvas.rows({5: [(6, 18)], 6: [(7, 17)]}, "hat")
    elif hat == "bucket hat":
        canvas.rows({2: [(9, 14)], 3: [(8, 15)], 4: [(7, 16)], 5: [(7, 16)]}, "hat")
        canvas.rows({6: [(5, 18)], 7: [(4, 19)]}, "hat_detail")


def _draw_sunglasses(canvas: _Canvas, kind: str) -> None:
    canvas.span(11, 7, 17, "sunglasses")
    if kind == "3d glasses":
        canvas.rows({12: [(8, 10)]}, "lenses")
        canvas.rows({12: [(13, 15)]}, "lens_right")
    else:
        canvas.rows({12: [(8, 10), (13, 15)]}, "lenses")
    canvas.put(11, 12, "sunglasses")
    canvas.put(12, 12, "sunglasses")
    canvas.put(16, 12, "sunglasses")


def _draw_bow(canvas: _Canvas) -> None:
    canvas.rows({3: [(4, 4), (8, 8)], 4: [(4, 5), (7, 8)], 5: [(4, 4), (8, 8)]}, "bow")
    canvas.put(6, 4, "bow_knot")


# Weighted by repetition: most lads are clean-shaven.
FACIAL_HAIR = ("",) * 5 + ("full beard", "moustache", "stubble", "goatee")


def _draw_facial_hair(canvas: _Canvas, kind: str) -> None:
    # Beards take the hair's colour (a bald head's beard too); stubble is its own shade.
    label = "stubble" if kind == "stubble" else "hair"
    if kind == "full beard":
        canvas.rows(
            {
                15: [(7, 7), (16, 16)],
                16: [(7, 9), (15, 16)],
                17: [(7, 10), (14, 16)],
                18: [(8, 15)],
                19: [(8, 14)],
            },
            label,
        )
        canvas.span(16, 10, 14, label)
    elif kind == "moustache":
        canvas.span(16, 10, 14, label)
    elif kind == "goatee":
        canvas.span(16, 11, 13, label)
        canvas.rows({18: [(10, 13)], 19: [(11, 12)]}, label)
    elif kind == "stubble":
        for x, y in (
            (7, 16),
            (9, 17),
            (8, 18),
            (10, 18),
            (12, 18),
            (14, 18),
            (9, 19),
            (11, 19),
            (13, 19),
            (15, 17),
            (16, 16),
        ):
            canvas.put(x, y, label)


SHIRTS = ("t-shirt", "collared shirt", "suit", "hoodie")


def _draw_shirt_detail(canvas: _Canvas, shirt: str) -> None:
    if shirt == "collared shirt":
        for x, y in ((7, 22), (12, 22), (6, 23), (13, 23)):
            canvas.put(x, y, "shirt_detail")
    elif shirt == "suit":
        for x, y in ((9, 23), (10, 23), (11, 23)):
            canvas.put(x, y, "shirt_detail")
    elif shirt == "hoodie":
        for x, y in ((8, 23), (11, 23), (5, 22), (14, 22)):
            canvas.put(x, y, "shirt_detail")
        canvas.put(5, 21, "shirt")
        canvas.put(14, 21, "shirt")
        canvas.span(22, 5, 6, "shirt")
        canvas.span(22, 13, 14, "shirt")
        canvas.put(5, 22, "shirt_detail")


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


def _pattern_mask(kind: str) -> np.ndarray:
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


def _background_phrase(kind: str, word: str, word2: str) -> str:
    if kind == "solid":
        return f"{word} background"
    if kind == "checkered":
        return f"{word} and {word2} checkered background"
    if kind == "vertical stripes":
        return f"{word} and {word2} vertical striped background"
    if kind == "horizontal stripes":
        return f"{word} and {word2} horizontal striped background"
    if kind == "brick":
        return f"{word} brick wall background with {word2} mortar"
    return f"split background, {word} on the left and {word2} on the right"


# --- drawing ------------------------------------------------------------------------------


def _names(rng: np.random.Generator) -> str:
    return NAME_WORDS[int(rng.integers(len(NAME_WORDS)))]


def _choose(rng: np.random.Generator, items: Sequence[str]) -> str:
    return items[int(rng.integers(len(items)))]


def draw_portrait(
    seed: int,
    control_background: str | None = None,
    caption_mistakes: bool = True,
) -> Portrait:
    """Draw the portrait for ``seed``: the same seed always gives the same portrait and caption.

    ``control_background`` ("green", "blue", "purple", see :data:`CONTROL_BACKGROUNDS`)
    forces a plain background of that colour without changing anything else about the
    portrait (sample prompts use it). ``caption_mistakes=False`` gives a clean caption without
    hex codes (for prompts).
    """
    rng = np.random.default_rng(seed)
    gender = "lady" if rng.random() < 0.45 else "lad"
    word = _names(rng)
    skin_word, skin = _pick(rng, SKIN_TONES)
    hair_style = _choose(rng, HAIR_STYLES_LADY if gender == "lady" else HAIR_STYLES_LAD)
    hair_word, hair = _pick(rng, HAIR_COLOURS, avoid=[skin], min_dist=0.15)
    eye_word, eyes = _pick(
        rng, [c for c in EYE_COLOURS if _hue_word(c[0]) != _hue_word(hair_word)], avoid=[skin], min_dist=0.12
    )
    lip_word, lips = _pick(rng, LIP_COLOURS, avoid=[skin], min_dist=0.08)
    shirt_kind = _choose(rng, SHIRTS)
    shirt_word, shirt = _pick(rng, CLOTHES_COLOURS, avoid=[skin, hair], min_dist=0.12)
    detail_word, detail = _pick(rng, ACCENT_COLOURS, avoid=[shirt], min_dist=0.2)
    bg_kind = _choose(rng, BACKGROUNDS)
    bg_word, bg = _pick(rng, BACKGROUND_COLOURS, avoid=[skin, hair, shirt], min_dist=0.12)
    bg2_word, bg2 = _pick(
        rng, [c for c in BACKGROUND_COLOURS if c[0] != bg_word], avoid=[bg, skin, hair], min_dist=0.12
    )
    if rng.random() < 0.6:
        # Most patterns are two shades of one colour, as in the real "dark green and light
        # green checkered" backgrounds; the rest pair two colours.
        lighter = float(srgb_to_oklab(np.array(bg, dtype=np.uint8))[0]) < 0.7
        bg2 = _shift_lightness(bg, 0.13 if lighter else -0.13)
        bg2_word = ("pale " if lighter else "deep ") + _hue_word(bg_word)
    if bg_kind == "brick":
        bg_word, bg = "brick red", (176, 86, 66)
        bg2_word, bg2 = _pick(rng, (("light grey", (206, 210, 214)), ("dark grey", (90, 90, 96))))
    # Accessories: each drawn with its own probability; at most one hat.
    hat = _choose(rng, HATS) if rng.random() < 0.3 else ""
    hat_word, hat_colour = _pick(rng, CLOTHES_COLOURS, avoid=[hair, skin, bg], min_dist=0.12)
    hat_detail_word, hat_detail = _pick(rng, ACCENT_COLOURS, avoid=[hat_colour], min_dist=0.2)
    hat_logo = rng.random() < 0.5
    glasses = _choose(rng, ("black rectangular sunglasses", "3d glasses")) if rng.random() < 0.2 else ""
    lens_roll = float(rng.random())
    earring = rng.random() < (0.4 if gender == "lady" else 0.15)
    metal_word, metal = _pick(rng, METALS)
    bow = gender == "lady" and not hat and rng.random() < 0.35
    bow_word, bow_colour = _pick(
        rng,
        (
            ("pink", (244, 110, 170)),
            ("red", (214, 30, 60)),
            ("light blue", (120, 190, 250)),
            ("yellow", (250, 220, 60)),
        ),
        avoid=[hair, bg],
        min_dist=0.1,
    )
    smile = rng.random() < 0.35
    texture_seed = int(rng.integers(2**31))
    facial_hair = _choose(rng, FACIAL_HAIR) if gender == "lad" else ""
    if control_background:
        if control_background not in CONTROL_BACKGROUNDS:
            raise ValueError(
                f"unknown control background {control_background!r}; one of {sorted(CONTROL_BACKGROUNDS)}"
            )
        bg_kind, bg_word, bg = "solid", control_background, CONTROL_BACKGROUNDS[control_background]
    mistakes = mistakes_for_seed(seed) if caption_mistakes else ()
    hex_codes = caption_mistakes and hex_codes_for_seed(seed)
    if MISTAKE_SAME_COLOUR_WORDS in mistakes:
        # The eyes get the hair's colour word, and a colour close to (but not) the hair's.
        if hair_style in ("bald", "mohawk"):
            hair_style = "short"
        hair_word, hair = _pick(
            rng, [c for c in HAIR_COLOURS if c[0] in ("brown", "dark brown", "blue", "grey")]
        )
        eye_word, eyes = hair_word, _shift_lightness(hair, -0.1)
        glasses = ""  # the eyes must show for their colour word to be written
    # Lenses "covering eyes" count as the eyes' colour: never the hair's colour word.
    lenses = [c for c in LENS_COLOURS if _hue_word(c[0]) != _hue_word(hair_word)]
    lens_word, lens = lenses[min(int(lens_roll * len(lenses)), len(lenses) - 1)]
    if bow and hair_style in ("bald", "buzz cut", "mohawk"):
        hair_style = "long"
    if hat and hair_style in ("mohawk", "spiky", "bun"):
        hair_style = "short"

    canvas = _Canvas()
    mask = _pattern_mask(bg_kind)
    canvas.labels[mask] = "background_pattern"
    back_cells = _draw_hair_back(canvas, hair_style)
    canvas.template(_LADY if gender == "lady" else _LAD)
    if smile:
        canvas.put(14, 16, "lips")
        canvas.put(10, 16, "lips")
        canvas.span(17, 11, 13, "lips")
    _draw_shirt_detail(canvas, shirt_kind)
    front_cells = _draw_hair_front(canvas, hair_style)
    tex_rng = np.random.default_rng(texture_seed)
    curly = hair_style in ("curly", "long wavy")
    _texture(canvas, back_cells + front_cells, tex_rng, 0.3 if curly else 0.15, 0.15 if curly else 0.06)
    if hat:
        _draw_hat(canvas, hat, hat_logo)
    if glasses:
        _draw_sunglasses(canvas, glasses)
    if facial_hair:
        _draw_facial_hair(canvas, facial_hair)
    if earring:
        canvas.put(5, 14, "earring")
    if bow:
        _draw_bow(canvas)

    wanted: dict[str, RGB] = {
        "outline": BLACK,
        "skin": skin,
        "skin_shadow": _shift_lightness(skin, -0.09),
        "eyes": eyes,
        "lips": lips,
        "hair": hair,
        "hair_shade": _shift_lightness(hair, -0.09),
        "hair_highlight": _shift_lightness(hair, 0.08),
        "background": bg,
        "background_pattern": bg2,
        "shirt": shirt,
        "shirt_detail": detail,
        "hat": hat_colour,
        "hat_detail": hat_detail,
        "sunglasses": BLACK,
        "lenses": lens if glasses != "3d glasses" else (220, 40, 40),
        "lens_right": (40, 90, 230),
        "stubble": _mix(skin, hair if hair_style != "bald" else (60, 40, 30), 0.45),
        "earring": metal,
        "bow": bow_colour,
        "bow_knot": _shift_lightness(bow_colour, -0.12),
    }
    present = set(canvas.labels.ravel().tolist())
    # A control background must stay exactly the colour the prompt names: it goes first.
    order = (("outline", "background") if control_background else ()) + FEATURE_ORDER
    palette = _separate({n: wanted[n] for n in dict.fromkeys(order) if n in present})
    pixels = np.zeros((SIZE, SIZE, 3), dtype=np.uint8)
    for name, colour in palette.items():
        pixels[canvas.labels == name] = colour

    traits: dict[str, str] = {
        "gender": gender,
        "skin": skin_word,
        "hair_style": hair_style,
        "hair_colour": hair_word if hair_style != "bald" else "",
        "eyes": eye_word if not glasses else "",
        "lips": lip_word,
        "expression": "slight smile" if smile else "neutral expression",
        "shirt": shirt_kind,
        "shirt_colour": shirt_word,
        "background": bg_kind,
        "background_colour": bg_word,
        "background_colour_2": bg2_word if bg_kind != "solid" else "",
        "hat": hat,
        "hat_colour": hat_word if hat else "",
        "glasses": glasses,
        "earring": f"{metal_word} stud earring" if earring else "",
        "bow": f"{bow_word} bow" if bow else "",
        "facial_hair": facial_hair,
        "facial_hair_colour": hair_word if facial_hair and facial_hair != "stubble" else "",
    }
    name = f"{gender}_{word}"
    phrases = _caption_phrases(
        traits, palette, hex_codes, hat_detail_word, hat_logo, detail_word, lens_word, mistakes
    )
    caption = _join(phrases, mistakes)
    return Portrait(
        pixels=pixels,
        traits=traits,
        palette=palette,
        caption=caption,
        name=name,
        seed=seed,
        mistakes=tuple(mistakes),
        hex_codes=hex_codes,
        phrases=tuple(phrases),
    )


# --- captions -------------------------------------------------------------------------------


def _caption_phrases(
    traits: dict[str, str],
    palette: dict[str, RGB],
    hex_codes: bool,
    hat_detail_word: str,
    hat_logo: bool,
    detail_word: str,
    lens_word: str,
    mistakes: Sequence[str],
) -> list[str]:
    def code(feature: str) -> str:
        if not hex_codes or feature not in palette:
            return ""
        return f" ({to_hex(palette[feature])})"

    phrases = [*TRIGGER, f"portrait of bespoke punk {traits['gender']}"]
    style = traits["hair_style"]
    if style == "bald":
        phrases.append("bald")
    else:
        phrases.append(f"{traits['hair_colour']} {_HAIR_PHRASE[style]}{code('hair')}")
    if traits["hat"]:
        hat = f"wearing {traits['hat_colour']} {traits['hat']}"
        if traits["hat"] == "baseball cap":
            hat += f" with {hat_detail_word} brim" + (
                f" and {hat_detail_word} logo in the center" if hat_logo else ""
            )
        elif traits["hat"] == "beanie":
            hat += f" with {hat_detail_word} cuff and pompom"
        elif traits["hat"] == "top hat":
            hat += f" with {hat_detail_word} band"
        else:
            hat += f" with {hat_detail_word} brim"
        phrases.append(hat + code("hat"))
    if traits["bow"]:
        phrases.append(f"{traits['bow']} in hair")
    if traits["glasses"] == "3d glasses":
        phrases.append("wearing 3d glasses with red and blue lenses covering eyes")
    elif traits["glasses"]:
        phrases.append(f"wearing {traits['glasses']} with {lens_word} lenses covering eyes")
    else:
        phrases.append(f"{traits['eyes']} eyes{code('eyes')}")
    if traits["earring"]:
        phrases.append(f"wearing {traits['earring']} visible on side of head next to ear")
    if traits["facial_hair"] == "stubble":
        phrases.append("wearing stubble")
    elif traits["facial_hair"]:
        beard_code = code("hair") if style == "bald" else ""
        phrases.append(f"{traits['facial_hair_colour']} {traits['facial_hair']}{beard_code}")
    phrases.append(f"{traits['lips']} lips{code('lips')}")
    phrases.append(traits["expression"])
    phrases.append(f"{traits['skin']} skin tone{code('skin')}")
    background = _background_phrase(
        traits["background"], traits["background_colour"], traits["background_colour_2"]
    )
    if hex_codes:
        background += f" ({to_hex(palette['hair'] if MISTAKE_SHARED_HEX in mistakes and 'hair' in palette else palette['background'])})"
    phrases.append(background)
    shirt = f"wearing {traits['shirt_colour']} {traits['shirt']}"
    if traits["shirt"] == "collared shirt":
        shirt += f" with {detail_word} collar"
    elif traits["shirt"] == "suit":
        shirt += f" with {detail_word} shirt underneath"
    elif traits["shirt"] == "hoodie":
        shirt += f" with {detail_word} drawstrings"
    phrases.append(shirt + code("shirt"))
    if MISTAKE_CLARITY_LATE in mistakes:
        # As the real hex captions did: a palette list (about 7 CLIP tokens a code) and a
        # tail of detail push the clarity phrase past even a 225-token window.
        colours = list(dict.fromkeys(palette.values()))
        phrases.append("palette: " + to_hex(colours[0]))
        phrases.extend(to_hex(c) for c in colours[1:])
        phrases.extend(_LONG_TAIL)
    if MISTAKE_CLARITY_MISSING not in mistakes:
        phrases.extend(CLARITY.split(", "))
    if MISTAKE_TRIGGER_NOT_FIRST in mistakes:
        # The hair phrase (or "bald") ends up in front of the trigger, as a hurried edit does.
        hair_phrase = phrases.pop(3)
        phrases.insert(0, hair_phrase)
    return phrases


# Detail a hurried caption piles on before remembering the clarity phrase.
_LONG_TAIL = (
    "retro pixel art style",
    "head turned slightly to the right with a one pixel black outline around the face",
    "small highlights and darker shades scattered through the hair",
    "the shirt cut off by the bottom edge of the frame",
    "centered composition with the head filling most of the frame",
    "simple flat shading on the skin with a darker shade for the nose and brows",
    "bright saturated colors against a plain backdrop",
    "no text, no watermark, no signature",
)


def _join(phrases: list[str], mistakes: Sequence[str]) -> str:
    text = ", ".join(phrases)
    if MISTAKE_DOUBLE_COMMA in mistakes:
        # An empty phrase after the expression: "neutral expression,, medium skin tone".
        marker = next(p for p in phrases if p in ("slight smile", "neutral expression"))
        text = text.replace(f"{marker}, ", f"{marker},, ", 1)
    return text


def hex_codes_in(caption: str) -> list[str]:
    """The #rrggbb codes in a caption, in order (lower case)."""
    return [m.lower() for m in re.findall(r"#[0-9a-fA-F]{6}\b", caption)]


def render_contact_sheet(
    images: Sequence[np.ndarray],
    columns: int = 8,
    scale: int = 6,
    gap: int = 4,
    background: tuple[int, int, int] = (255, 255, 255),
) -> np.ndarray:
    """Tile images (all the same size) into one array, each scaled by an integer factor."""
    if not images:
        raise ValueError("no images to tile")
    h, w = images[0].shape[:2]
    rows = (len(images) + columns - 1) // columns
    sheet = np.zeros((gap + rows * (h * scale + gap), gap + columns * (w * scale + gap), 3), dtype=np.uint8)
    sheet[:] = background
    for i, img in enumerate(images):
        big = np.repeat(np.repeat(img[:, :, :3], scale, axis=0), scale, axis=1)
        y = gap + (i // columns) * (h * scale + gap)
        x = gap + (i % columns) * (w * scale + gap)
        sheet[y : y + h * scale, x : x + w * scale] = big
    return sheet
