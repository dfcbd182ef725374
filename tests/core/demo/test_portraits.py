"""Procedural portraits: deterministic pixels, a palette that is the truth, captions that say it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bespoke_gui.core.captions.tokens import count_tokens
from bespoke_gui.core.colour import srgb_to_oklab, to_hex
from bespoke_gui.core.demo.palettes import CONTROL_BACKGROUNDS
from bespoke_gui.core.demo.portrait_captions import (
    ALL_MISTAKES,
    MISTAKE_CLARITY_LATE,
    MISTAKE_CLARITY_MISSING,
    MISTAKE_DOUBLE_COMMA,
    MISTAKE_SAME_COLOUR_WORDS,
    MISTAKE_SHARED_HEX,
    MISTAKE_TRIGGER_NOT_FIRST,
    hex_codes_in,
)
from bespoke_gui.core.demo.portraits import (
    MIN_SEPARATION,
    Portrait,
    draw_portrait,
    render_contact_sheet,
)

SEEDS = range(48)
TRIGGER = "pixel art, 24x24, portrait of bespoke punk "
CLARITY = "hard color borders, sharp pixel edges"


@pytest.fixture(scope="module")
def portraits() -> list[Portrait]:
    return [draw_portrait(seed) for seed in SEEDS]


def test_same_seed_same_portrait() -> None:
    a, b = draw_portrait(17), draw_portrait(17)
    assert np.array_equal(a.pixels, b.pixels)
    assert (a.caption, a.name, a.traits, a.palette, a.mistakes) == (
        b.caption,
        b.name,
        b.traits,
        b.palette,
        b.mistakes,
    )


def test_pixels_are_24x24_rgb(portraits: list[Portrait]) -> None:
    for p in portraits:
        assert p.pixels.shape == (24, 24, 3) and p.pixels.dtype == np.uint8


def test_seeds_give_different_portraits(portraits: list[Portrait]) -> None:
    distinct = {p.pixels.tobytes() for p in portraits}
    assert len(distinct) == len(portraits)
    assert len({p.caption for p in portraits}) == len(portraits)


def test_palette_is_exactly_the_pixel_colours(portraits: list[Portrait]) -> None:
    for p in portraits:
        in_pixels = {tuple(int(v) for v in c) for c in np.unique(p.pixels.reshape(-1, 3), axis=0)}
        assert set(p.palette.values()) == in_pixels, p.seed
        assert p.palette["outline"] == (0, 0, 0)
        for feature in (
            ("skin", "eyes", "lips", "background", "shirt") if not p.traits["glasses"] else ("skin", "lips")
        ):
            assert feature in p.palette, (p.seed, feature)


def test_palette_colours_are_far_enough_apart_to_survive_merging(portraits: list[Portrait]) -> None:
    # Recovery merges near-duplicates below 0.04 OKLab; the artist's colours must not be merged.
    for p in portraits:
        colours = np.array(sorted(set(p.palette.values())), dtype=np.uint8)
        lab = srgb_to_oklab(colours)
        dist = np.sqrt(((lab[:, None] - lab[None]) ** 2).sum(-1))
        np.fill_diagonal(dist, 1.0)
        assert dist.min() >= MIN_SEPARATION - 0.01, p.seed


def test_variety_like_the_real_dataset(portraits: list[Portrait]) -> None:
    traits = [p.traits for p in portraits]
    assert {t["gender"] for t in traits} == {"lad", "lady"}
    assert len({t["hair_style"] for t in traits}) >= 6
    assert len({t["hair_colour"] for t in traits}) >= 6
    assert len({t["skin"] for t in traits}) >= 5
    assert len({t["background"] for t in traits}) >= 4
    assert len({t["hat"] for t in traits if t["hat"]}) >= 3
    assert sum(bool(t["glasses"]) for t in traits) >= 3
    assert sum(bool(t["earring"]) for t in traits) >= 3
    assert sum(bool(t["bow"]) for t in traits) >= 2
    assert sum(t["background"] == "solid" for t in traits) >= len(traits) // 3


def test_caption_names_the_traits(portraits: list[Portrait]) -> None:
    for p in portraits:
        t, caption = p.traits, p.caption
        assert f"bespoke punk {t['gender']}" in caption
        if t["hair_style"] != "bald":
            assert re.search(
                rf"{re.escape(t['hair_colour'])} [^,]*hair|{re.escape(t['hair_colour'])} mohawk", caption
            ), p.seed
        if t["eyes"]:
            assert f"{t['eyes']} eyes" in caption
        assert f"{t['skin']} skin tone" in caption
        assert t["background_colour"] in caption and "background" in caption
        assert f"wearing {t['shirt_colour']} {t['shirt']}" in caption
        assert f"{t['lips']} lips" in caption and t["expression"] in caption
        for accessory in ("hat", "glasses", "earring", "bow"):
            if t[accessory]:
                assert t[accessory] in caption, (p.seed, accessory)


def test_captions_start_with_the_trigger_and_end_with_clarity(portraits: list[Portrait]) -> None:
    for p in portraits:
        if MISTAKE_TRIGGER_NOT_FIRST not in p.mistakes:
            assert p.caption.startswith(TRIGGER), p.seed
        if MISTAKE_CLARITY_MISSING not in p.mistakes:
            assert p.caption.endswith(CLARITY), p.seed
        assert "\n" not in p.caption


def test_hex_codes_are_the_true_colours(portraits: list[Portrait]) -> None:
    with_hex = [p for p in portraits if p.hex_codes]
    assert len(portraits) // 4 <= len(with_hex) <= len(portraits) // 2
    for p in portraits:
        if not p.hex_codes:
            assert "#" not in p.caption
            continue
        for feature, word in (("skin", "skin tone"), ("lips", "lips"), ("shirt", p.traits["shirt"])):
            assert re.search(rf"{re.escape(word)}[^,]* \({to_hex(p.palette[feature])}\)", p.caption), (
                p.seed,
                feature,
            )
        if "hair" in p.palette and p.traits["hair_style"] != "bald":
            assert f"({to_hex(p.palette['hair'])})" in p.caption


def test_every_mistake_appears_in_the_first_48(portraits: list[Portrait]) -> None:
    seen = {m for p in portraits for m in p.mistakes}
    assert seen == set(ALL_MISTAKES)
    clean = [p for p in portraits if not p.mistakes]
    assert len(clean) >= len(portraits) // 2


def test_recorded_mistakes_are_really_in_the_caption(portraits: list[Portrait]) -> None:
    for p in portraits:
        c = p.caption
        has = {
            MISTAKE_DOUBLE_COMMA: ",," in c,
            MISTAKE_TRIGGER_NOT_FIRST: not c.startswith("pixel art"),
            MISTAKE_CLARITY_MISSING: "sharp pixel edges" not in c,
            MISTAKE_CLARITY_LATE: "sharp pixel edges" in c
            and count_tokens(c[: c.find("hard color borders")]) > 225,
        }
        hexes = hex_codes_in(c)
        background = next(ph for ph in p.phrases if "background" in ph)
        hair = p.palette.get("hair")
        has[MISTAKE_SHARED_HEX] = (
            hair is not None
            and background.endswith(f"({to_hex(hair)})")
            and hexes.count(to_hex(hair)) >= 2
            and p.palette["background"] != hair
        )
        eye_word = p.traits["eyes"]
        has[MISTAKE_SAME_COLOUR_WORDS] = (
            bool(eye_word)
            and eye_word == p.traits["hair_colour"]
            and (f"{eye_word} eyes" in c and re.search(rf"{re.escape(eye_word)} [^,]*hair", c) is not None)
        )
        for mistake, present in has.items():
            assert present == (mistake in p.mistakes), (p.seed, mistake, c)


def test_clean_captions_have_no_shared_codes(portraits: list[Portrait]) -> None:
    for p in portraits:
        if p.hex_codes and not p.mistakes:
            codes = hex_codes_in(p.caption)
            assert len(codes) == len(set(codes)), p.seed


def test_control_background_changes_only_the_background() -> None:
    plain = draw_portrait(5, caption_mistakes=False)
    green = draw_portrait(5, control_background="green", caption_mistakes=False)
    assert green.palette["background"] == CONTROL_BACKGROUNDS["green"]
    assert "background_pattern" not in green.palette
    assert "green background" in green.caption
    background = np.all(plain.pixels == plain.palette["background"], axis=-1)
    if "background_pattern" in plain.palette:
        background |= np.all(plain.pixels == plain.palette["background_pattern"], axis=-1)
    assert background.sum() > 100
    assert np.array_equal(plain.pixels[~background], green.pixels[~background])
    assert np.all(green.pixels[background] == CONTROL_BACKGROUNDS["green"])
    with pytest.raises(ValueError):
        draw_portrait(5, control_background="chartreuse")


def test_prompt_captions_are_clean() -> None:
    for seed in range(1000, 1016):
        p = draw_portrait(seed, caption_mistakes=False)
        assert not p.mistakes and not p.hex_codes and "#" not in p.caption
        assert p.caption.startswith(TRIGGER) and p.caption.endswith(CLARITY) and ",," not in p.caption


def test_names_are_file_safe(portraits: list[Portrait]) -> None:
    for p in portraits:
        assert re.fullmatch(r"(lad|lady)_[a-z]+", p.name), p.name


def test_contact_sheet_tiles_images(portraits: list[Portrait]) -> None:
    sheet = render_contact_sheet([p.pixels for p in portraits[:10]], columns=5, scale=2, gap=1)
    assert sheet.shape == (1 + 2 * 49, 1 + 5 * 49, 3)
    assert np.array_equal(sheet[1:49, 1:49], np.repeat(np.repeat(portraits[0].pixels, 2, 0), 2, 1))


def test_caption_lint_finds_the_recorded_mistakes(portraits: list[Portrait]) -> None:
    from bespoke_gui.core.captions.dataset_lint import LintInput, lint_dataset
    from bespoke_gui.core.captions.lint import LintSettings
    from bespoke_gui.core.findings import Severity

    expected_rule = {
        MISTAKE_SHARED_HEX: "hex-shared",
        MISTAKE_SAME_COLOUR_WORDS: "similar-features",
        MISTAKE_CLARITY_LATE: "token-overflow",
        MISTAKE_DOUBLE_COMMA: "double-comma",
        MISTAKE_TRIGGER_NOT_FIRST: "trigger-not-first",
    }
    items = [
        LintInput(name=str(p.seed), text=p.caption, palette=tuple(p.palette.values())) for p in portraits
    ]
    # The demo config's settings: keep_tokens 1, a 225-token window.
    result = lint_dataset(items, LintSettings(keep_tokens=1, max_token_length=225))
    assert result.trigger == ("pixel art",)
    for p in portraits:
        findings = result.findings[str(p.seed)]
        rules = {f.rule for f in findings}
        for mistake in p.mistakes:
            if mistake in expected_rule:
                assert expected_rule[mistake] in rules, (p.seed, mistake, p.caption)
        if not p.mistakes:
            serious = [
                f"{f.rule}: {f.message}" for f in findings if f.severity in (Severity.ERROR, Severity.WARNING)
            ]
            assert not serious, (p.seed, serious, p.caption)
