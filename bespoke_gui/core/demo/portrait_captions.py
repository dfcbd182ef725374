"""The captions of the demo portraits: the phrases for their traits, and the mistakes some carry.

Some captions carry hex codes (``hair (#6b4226)``), and a deterministic subset carries the
mistakes real captions have, listed in ``Portrait.mistakes`` so that tests can check the
caption lint finds them:

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
from collections.abc import Sequence

from bespoke_gui.core.colour import to_hex
from bespoke_gui.core.demo.palettes import RGB

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


HAIR_PHRASE = {
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


def background_phrase(kind: str, word: str, word2: str) -> str:
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


def caption_phrases(
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
        phrases.append(f"{traits['hair_colour']} {HAIR_PHRASE[style]}{code('hair')}")
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
    background = background_phrase(
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


def join_phrases(phrases: list[str], mistakes: Sequence[str]) -> str:
    text = ", ".join(phrases)
    if MISTAKE_DOUBLE_COMMA in mistakes:
        # An empty phrase after the expression: "neutral expression,, medium skin tone".
        marker = next(p for p in phrases if p in ("slight smile", "neutral expression"))
        text = text.replace(f"{marker}, ", f"{marker},, ", 1)
    return text


def hex_codes_in(caption: str) -> list[str]:
    """The #rrggbb codes in a caption, in order (lower case)."""
    return [m.lower() for m in re.findall(r"#[0-9a-fA-F]{6}\b", caption)]
