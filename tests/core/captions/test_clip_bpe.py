"""The pure-Python CLIP BPE: the same tokens as instant-clip-tokenizer, and a damaged vocabulary is one line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from bespoke_gui.core.captions import tokens
from bespoke_gui.core.captions.tokens import ClipBpe, TokenCounter, load_clip_bpe
from bespoke_gui.core.resources import ResourceError

LIMITS = (5, 20, 40, 75, 150, 225)


def test_known_sd15_token_ids() -> None:
    # From SD1.5's tokenizer: "a photo of a cat" and the <|startoftext|>/<|endoftext|> ids.
    bpe = load_clip_bpe()
    assert bpe.encode("a photo of a cat") == [320, 1125, 539, 320, 2368]
    assert bpe.encode("A  PHOTO\tof a Cat") == [320, 1125, 539, 320, 2368]
    assert bpe.encoder["<|startoftext|>"] == 49406 and bpe.encoder["<|endoftext|>"] == 49407
    assert len(bpe.encoder) == 49408


def _reference():
    instant = pytest.importorskip("instant_clip_tokenizer")
    tokenizer = instant.Tokenizer()

    class Words:
        def bpe(self, word: str) -> list[int]:
            return tokenizer.encode(word)

    counter = TokenCounter(force_estimate=True)
    counter._encoder = Words()  # type: ignore[assignment]
    return tokenizer, counter


def _assert_same(texts: list[str]) -> None:
    tokenizer, reference = _reference()
    bpe, ours = load_clip_bpe(), TokenCounter()
    for text in texts:
        assert bpe.encode(text) == tokenizer.encode(text), text
        assert ours.token_ends(text) == reference.token_ends(text), text
        for limit in LIMITS:
            assert ours.cut(text, limit) == reference.cut(text, limit), (limit, text)


def test_same_tokens_as_instant_clip_on_odd_text() -> None:
    _assert_same(
        [
            "pixel art, it's a caf\u00e9 hair (#c06148), __odd__ 3.5 <b>, Don'T",
            "\u65e5\u672c\u8a9e \U0001f600 \u00bd \ufb01 na\u00efve  \t tabs\nnew line",
            "(#5a3820), #c06148 &amp; <b> ,,,,;;!! 0123456789 x" + "y" * 60,
        ]
    )


def test_same_tokens_as_instant_clip_on_demo_captions() -> None:
    from bespoke_gui.core.demo.portraits import draw_portrait

    _assert_same([draw_portrait(seed).caption for seed in range(48)])


def test_same_tokens_as_instant_clip_on_every_real_caption(realdata: Path) -> None:
    files = sorted((realdata / "bespokebaby2").glob("*/*.txt"))
    assert len(files) >= 406  # training_data_512 and captions_with_hex, 203 each
    _assert_same([f.read_text(encoding="utf-8") for f in files])


def test_a_damaged_vocabulary_is_one_line_and_an_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "read_resource_bytes", lambda name: b"not gzip at all")
    load_clip_bpe.cache_clear()
    try:
        counter = TokenCounter()
        assert counter.is_estimate
        assert "damaged" in counter.error and "reinstall" in counter.error
        assert "\n" not in counter.error
        assert counter.count("pixel art") > 0
    finally:
        load_clip_bpe.cache_clear()


def test_a_missing_vocabulary_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> bytes:
        raise ResourceError(f"Bespoke GUI's resource {name} is missing; reinstall Bespoke GUI")

    monkeypatch.setattr(tokens, "read_resource_bytes", missing)
    load_clip_bpe.cache_clear()
    try:
        assert "missing" in TokenCounter().error
    finally:
        load_clip_bpe.cache_clear()


def test_a_truncated_merge_list_is_refused() -> None:
    with pytest.raises(ValueError, match="not the CLIP vocabulary"):
        ClipBpe(gzip.compress(b"header\na b\n"))
