"""The named colours and words the demo portraits are drawn and captioned with.

Every colour carries the words a caption uses for it; tables of one feature each, in the
order the random draws index them (reordering a table changes every demo portrait).
"""

from __future__ import annotations

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
# Bows are drawn only on ladies without a hat.
BOW_COLOURS: tuple[Named, ...] = (
    ("pink", (244, 110, 170)),
    ("red", (214, 30, 60)),
    ("light blue", (120, 190, 250)),
    ("yellow", (250, 220, 60)),
)
# A brick background is always brick red with grey mortar.
BRICK: Named = ("brick red", (176, 86, 66))
MORTAR_COLOURS: tuple[Named, ...] = (("light grey", (206, 210, 214)), ("dark grey", (90, 90, 96)))
# Lenses of 3D glasses: red over the left eye, blue over the right.
LENS_3D_LEFT: RGB = (220, 40, 40)
LENS_3D_RIGHT: RGB = (40, 90, 230)
# The stubble of a bald head mixes the skin with this brown instead of the (absent) hair.
BALD_STUBBLE: RGB = (60, 40, 30)

# Portrait names are "<lad|lady>_<word>".
_NAME_WORDS_TEXT = (
    "carbon cash chai silicon copper redshift titanium platinum steel aluminum chocolate "
    "chromium caramel sugar tungsten ink mandarin diamond lemon hazelnut vanilla cashew nutmeg "
    "alloy lime silver paprika sandalwood clementine saffron cobalt basil pepper ginger mango "
    "cocoa quartz nickel honey walnut jade onyx pearl amber mint plum coral slate cedar maple "
    "olive sage indigo ruby"
)
NAME_WORDS = tuple(_NAME_WORDS_TEXT.split())
