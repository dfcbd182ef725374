"""Keyword kinds: shipped file, user extension, classification with spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from bespoke_gui.core.captions.keywords import (
    HEX_KIND,
    KeywordsError,
    default_keywords,
    delta_e,
    load_keywords,
    normalize_hex,
)


def kinds_of(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.kind) for m in default_keywords().classify(text)]


def test_shipped_kinds_cover_the_dataset_vocabulary() -> None:
    kw = default_keywords()
    for kind in (
        "accessory",
        "colour",
        "clarity",
        "hair",
        "eyes",
        "skin",
        "background",
        "expression",
        "clothing",
    ):
        assert kind in kw.kinds and kw.kinds[kind].colour.startswith("#")
    assert {"hair", "eyes", "skin", "lips", "background"} <= set(kw.feature_kinds)


def test_classify_gives_spans_kinds_and_hex_colours() -> None:
    text = "pixel art, hair (#C06148), wearing black stunner shades, dark brown eyes, hard color borders"
    matches = default_keywords().classify(text)
    for m in matches:
        assert text[m.start : m.end] == m.text
    found = [(m.text, m.kind) for m in matches]
    assert ("#C06148", HEX_KIND) in found
    assert ("stunner shades", "accessory") in found  # the longer phrase wins over "shades"
    assert ("hard color borders", "clarity") in found
    assert ("brown", "colour") in found and ("eyes", "eyes") in found
    hex_match = next(m for m in matches if m.kind == HEX_KIND)
    assert hex_match.colour == "#c06148"
    brown = next(m for m in matches if m.text == "brown")
    assert brown.colour is not None


def test_whole_words_and_plurals_only() -> None:
    assert ("earrings", "accessory") in kinds_of("gold earrings")
    assert not any(k == "eyes" for _t, k in kinds_of("a school kideyes"))  # inside a word: not a keyword
    assert any(k == "accessory" for _t, k in kinds_of("two hats"))


def test_invalid_hex_is_classified_without_colour() -> None:
    m = default_keywords().classify("palette: #12345")[0]
    assert m.kind == HEX_KIND and m.colour is None
    assert normalize_hex("#abc") == "#aabbcc"
    assert normalize_hex("#abcd") is None


def test_user_file_extends_and_adds_kinds(tmp_path: Path) -> None:
    user = tmp_path / "keywords.toml"
    user.write_text(
        '[kinds.accessory]\nwords = ["laser eyes"]\ncolour = "#ff0000"\n'
        '[kinds.creature]\nlabel = "Creatures"\ncolour = "#00aa00"\nwords = ["alien", "zombie"]\n'
        '[colours]\nraspberry = "#e30b5c"\n'
        '[lint]\nsimilar_feature_pairs = [["eyes", "hair"], ["hair", "background"]]\n',
        encoding="utf-8",
    )
    kw = load_keywords([user], include_user_file=False)
    assert kw.kinds["accessory"].colour == "#ff0000"
    assert "hat" in kw.kinds["accessory"].words  # shipped words kept
    found = [(m.text, m.kind) for m in kw.classify("zombie with laser eyes, raspberry shirt")]
    assert ("zombie", "creature") in found and ("laser eyes", "accessory") in found
    assert ("raspberry", "colour") in found
    assert ("hair", "background") in kw.tuning.similar_feature_pairs


def test_broken_user_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "keywords.toml"
    bad.write_text("[kinds.x\nwords = ", encoding="utf-8")
    with pytest.raises(KeywordsError, match="keywords.toml"):
        load_keywords([bad], include_user_file=False)


def test_delta_e_orders_colours_sensibly() -> None:
    assert delta_e((0, 0, 0), (0, 0, 0)) == 0
    assert delta_e((120, 70, 40), (125, 72, 42)) < 5
    assert delta_e((0, 0, 0), (255, 255, 255)) > 90


def test_a_broad_colour_word_covers_its_family_and_finer_names_stay_narrow() -> None:
    import numpy as np

    from bespoke_gui.core.captions.keywords import default_keywords
    from bespoke_gui.core.captions.pixels import nearest_named_mask

    colours = default_keywords().colours
    logo, brick, skin = (0x9B, 0x33, 0x3E), (0xC0, 0x61, 0x48), (178, 127, 96)
    pixels = np.array([[logo, brick, skin]], dtype=np.uint8)
    assert nearest_named_mask(pixels, colours["red"], colours, "red").tolist() == [[True, True, False]]
    assert nearest_named_mask(pixels, colours["ginger"], colours, "ginger").tolist() == [[False, True, False]]
    assert nearest_named_mask(pixels, colours["auburn"], colours, "auburn").tolist() == [[True, False, False]]
