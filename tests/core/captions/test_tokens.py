"""CLIP token counts and where sd-scripts cuts a caption."""

from __future__ import annotations

import pytest

from bespoke_gui.core.captions.tokens import TokenCounter, count_tokens, normalize_max_token_length, token_cut


def test_counts_match_the_clip_vocabulary() -> None:
    # Known SD1.5 tokenizations: "pixel" and "art" are single tokens, "24" is two digits.
    assert count_tokens("pixel art") == 2
    assert count_tokens("24x24") == 5
    assert count_tokens("pixel art, 24x24") == 8
    assert count_tokens("") == 0
    assert not TokenCounter().is_estimate


def test_per_word_counting_agrees_with_the_whole_text() -> None:
    counter = TokenCounter()
    text = "pixel art, it's a caf\u00e9 hair (#c06148), __odd__ 3.5 <b>, Don'T"
    assert counter.token_ends(text)[-1][0] == counter.count(text)


def test_cut_offset_is_after_the_last_kept_token() -> None:
    text = ", ".join(["red hair"] * 40)  # 2 tokens + comma = 3 per phrase, minus one comma
    cut = token_cut(text, 75)
    assert cut.total == 40 * 3 - 1
    assert cut.overflows
    kept = text[: cut.offset]
    assert count_tokens(kept) <= 75 < count_tokens(text[: cut.offset + 4])
    assert not token_cut(text, 150).overflows
    assert token_cut("short caption").offset is None


def test_max_token_length_defaults_to_75() -> None:
    assert normalize_max_token_length(None) == 75
    assert normalize_max_token_length("nonsense") == 75
    assert normalize_max_token_length(225) == 225


def test_estimate_is_labelled_and_close() -> None:
    estimate = TokenCounter(force_estimate=True)
    exact = TokenCounter()
    text = "pixel art, portrait of bespoke punk lad, dark brown eyes, hard color borders, sharp pixel edges"
    assert estimate.is_estimate and estimate.label == "estimate"
    assert estimate.cut(text, 5).is_estimate
    assert "estimate" in estimate.cut(text, 5).describe()
    assert abs(estimate.count(text) - exact.count(text)) <= 0.25 * exact.count(text)


@pytest.mark.parametrize("limit", [75, 150, 225])
def test_cut_respects_each_window(limit: int) -> None:
    text = " ".join(["pixel"] * 300)
    cut = token_cut(text, limit)
    assert count_tokens(text[: cut.offset]) == limit


@pytest.mark.parametrize("limit", [3, 75, 150, 225, 10_000])
def test_cut_offset_alone_agrees_with_the_full_cut(limit: int) -> None:
    # The editor asks only for the offset, which stops counting at the cut.
    counter = TokenCounter()
    text = ", ".join(
        f"pixel art, dark brown hair (#5a3820), wearing black rectangular sunglasses {i}" for i in range(30)
    )
    assert counter.cut_offset(text, limit) == counter.cut(text, limit).offset
    assert counter.cut_offset("", limit) is None


@pytest.mark.parametrize("estimate", [False, True])
def test_a_token_never_covers_less_than_one_character_of_ascii(estimate: bool) -> None:
    # Lint skips counting an ASCII line no longer than the window: it cannot overflow it.
    counter = TokenCounter(force_estimate=estimate)
    samples = [
        "pixel art, 24x24",
        "x" * 80,
        ",,,,;;!!",
        "0123456789" * 4,
        "a b c d e f",
        "don't it's",
        "(#5a3820), #c06148 &amp; <b>",
        "supercalifragilisticexpialidocious " * 3,
        "\t  spaced   out  ",
    ]
    for text in samples:
        assert counter.count(text) <= len(text)
