"""Procedurally drawn 24x24 "bespoke punk" portraits with kohya-style captions.

The demo workspace and every test that needs ground truth use these: a portrait's pixels,
its intended palette (feature -> colour), the traits it was drawn with and a caption that
names them, all deterministic from one seed. The look follows the real dataset: a head
turned slightly right with a black outline, 2-pixel eyes, a nose shadow, lips, a neck and
shirt at the bottom, hair on top, accessories (caps and hats, sunglasses, earrings, bows)
and a flat or patterned background.

The colour tables are in :mod:`palettes`, the shapes in :mod:`shapes` and the caption
phrases (with the mistakes some captions carry on purpose) in :mod:`portrait_captions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bespoke_gui.core.colour import oklab_to_srgb, srgb_to_oklab
from bespoke_gui.core.demo import shapes
from bespoke_gui.core.demo.palettes import (
    ACCENT_COLOURS,
    BACKGROUND_COLOURS,
    BALD_STUBBLE,
    BLACK,
    BOW_COLOURS,
    BRICK,
    CLOTHES_COLOURS,
    CONTROL_BACKGROUNDS,
    EYE_COLOURS,
    HAIR_COLOURS,
    LENS_3D_LEFT,
    LENS_3D_RIGHT,
    LENS_COLOURS,
    LIP_COLOURS,
    METALS,
    MORTAR_COLOURS,
    NAME_WORDS,
    RGB,
    SKIN_TONES,
    Named,
)
from bespoke_gui.core.demo.portrait_captions import (
    MISTAKE_SAME_COLOUR_WORDS,
    caption_phrases,
    hex_codes_for_seed,
    join_phrases,
    mistakes_for_seed,
)

SIZE = shapes.SIZE

# Intended palette colours at least this far apart in OKLab, so that a recovery that merges
# near-duplicates (pixelgrid merges below 0.04) never merges two colours the artist meant.
MIN_SEPARATION = 0.07

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
    mistakes put in on purpose (names in ``portrait_captions.ALL_MISTAKES``).
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
    word = _choose(rng, NAME_WORDS)
    skin_word, skin = _pick(rng, SKIN_TONES)
    hair_style = _choose(rng, shapes.HAIR_STYLES_LADY if gender == "lady" else shapes.HAIR_STYLES_LAD)
    hair_word, hair = _pick(rng, HAIR_COLOURS, avoid=[skin], min_dist=0.15)
    eye_word, eyes = _pick(
        rng, [c for c in EYE_COLOURS if _hue_word(c[0]) != _hue_word(hair_word)], avoid=[skin], min_dist=0.12
    )
    lip_word, lips = _pick(rng, LIP_COLOURS, avoid=[skin], min_dist=0.08)
    shirt_kind = _choose(rng, shapes.SHIRTS)
    shirt_word, shirt = _pick(rng, CLOTHES_COLOURS, avoid=[skin, hair], min_dist=0.12)
    detail_word, detail = _pick(rng, ACCENT_COLOURS, avoid=[shirt], min_dist=0.2)
    bg_kind = _choose(rng, shapes.BACKGROUNDS)
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
        bg_word, bg = BRICK
        bg2_word, bg2 = _pick(rng, MORTAR_COLOURS)
    # Accessories: each drawn with its own probability; at most one hat.
    hat = _choose(rng, shapes.HATS) if rng.random() < 0.3 else ""
    hat_word, hat_colour = _pick(rng, CLOTHES_COLOURS, avoid=[hair, skin, bg], min_dist=0.12)
    hat_detail_word, hat_detail = _pick(rng, ACCENT_COLOURS, avoid=[hat_colour], min_dist=0.2)
    hat_logo = rng.random() < 0.5
    glasses = _choose(rng, ("black rectangular sunglasses", "3d glasses")) if rng.random() < 0.2 else ""
    lens_roll = float(rng.random())
    earring = rng.random() < (0.4 if gender == "lady" else 0.15)
    metal_word, metal = _pick(rng, METALS)
    bow = gender == "lady" and not hat and rng.random() < 0.35
    bow_word, bow_colour = _pick(rng, BOW_COLOURS, avoid=[hair, bg], min_dist=0.1)
    smile = rng.random() < 0.35
    texture_seed = int(rng.integers(2**31))
    facial_hair = _choose(rng, shapes.FACIAL_HAIR) if gender == "lad" else ""
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

    canvas = shapes.Canvas()
    canvas.labels[shapes.pattern_mask(bg_kind)] = "background_pattern"
    back_cells = shapes.draw_hair_back(canvas, hair_style)
    canvas.template(shapes.LADY_TEMPLATE if gender == "lady" else shapes.LAD_TEMPLATE)
    if smile:
        canvas.paint(shapes.SMILE, "lips")
    shapes.draw_shirt_detail(canvas, shirt_kind)
    front_cells = shapes.draw_hair_front(canvas, hair_style)
    tex_rng = np.random.default_rng(texture_seed)
    curly = hair_style in ("curly", "long wavy")
    shapes.texture(canvas, back_cells + front_cells, tex_rng, 0.3 if curly else 0.15, 0.15 if curly else 0.06)
    if hat:
        shapes.draw_hat(canvas, hat, hat_logo)
    if glasses:
        shapes.draw_glasses(canvas, glasses)
    if facial_hair:
        shapes.draw_facial_hair(canvas, facial_hair)
    if earring:
        canvas.paint(shapes.EARRING, "earring")
    if bow:
        shapes.paint_all(canvas, shapes.BOW)

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
        "lenses": lens if glasses != "3d glasses" else LENS_3D_LEFT,
        "lens_right": LENS_3D_RIGHT,
        "stubble": _mix(skin, hair if hair_style != "bald" else BALD_STUBBLE, 0.45),
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
    phrases = caption_phrases(
        traits, palette, hex_codes, hat_detail_word, hat_logo, detail_word, lens_word, mistakes
    )
    caption = join_phrases(phrases, mistakes)
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
