"""Caption files keep their encoding, line ends and final newline; phrases carry their offsets."""

from __future__ import annotations

import codecs
import stat
from pathlib import Path

import pytest

from bespoke_gui.core.captions.caption_files import (
    CP1252,
    UTF8,
    UTF8_BOM,
    CaptionChangedOnDisk,
    CaptionEncodeError,
    CaptionError,
    load_caption_dataset,
    read_caption,
    save_caption,
    split_phrases,
)

SAMPLES = {
    "plain.txt": b"pixel art, 24x24, hair",
    "newline.txt": b"pixel art, 24x24, hair\n",
    "crlf.txt": b"pixel art, red hair\r\nsecond line\r\n",
    "bom.txt": codecs.BOM_UTF8 + "pixel art, caf\u00e9 hair\n".encode("utf-8"),
    "latin.txt": "pixel art, caf\u00e9, na\u00efve".encode("cp1252"),
    "smartquote.txt": "pixel art, \u201cquoted\u201d".encode("cp1252"),
    "mixed.txt": b"a\r\nb\nc\r\n",
    "empty.txt": b"",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_unedited_caption_saves_the_same_bytes(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(SAMPLES[name])
    caption = read_caption(path)
    saved = save_caption(caption, caption.text)
    assert path.read_bytes() == SAMPLES[name]
    assert saved.raw == SAMPLES[name]


def test_edit_keeps_encoding_line_ends_and_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(SAMPLES["crlf.txt"])
    caption = read_caption(path)
    assert caption.newline == "\r\n" and caption.trailing_newline and caption.encoding == UTF8
    assert caption.text == "pixel art, red hair\nsecond line"
    save_caption(caption, "pixel art, blue hair\nsecond line")
    assert path.read_bytes() == b"pixel art, blue hair\r\nsecond line\r\n"

    bom = tmp_path / "bom.txt"
    bom.write_bytes(SAMPLES["bom.txt"])
    c = read_caption(bom)
    assert c.encoding == UTF8_BOM and c.text == "pixel art, caf\u00e9 hair"
    save_caption(c, "pixel art, caf\u00e9 hat")
    assert bom.read_bytes() == codecs.BOM_UTF8 + "pixel art, caf\u00e9 hat\n".encode("utf-8")

    latin = tmp_path / "latin.txt"
    latin.write_bytes(SAMPLES["latin.txt"])
    c = read_caption(latin)
    assert c.encoding == CP1252 and c.text == "pixel art, caf\u00e9, na\u00efve"
    save_caption(c, "pixel art, caf\u00e9")
    assert latin.read_bytes() == "pixel art, caf\u00e9".encode("cp1252")


def test_characters_the_encoding_cannot_hold_are_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes(SAMPLES["latin.txt"])
    caption = read_caption(path)
    with pytest.raises(CaptionEncodeError, match="cannot hold"):
        save_caption(caption, "pixel art \u2192 arrow \u65e5")
    assert path.read_bytes() == SAMPLES["latin.txt"]
    save_caption(caption.as_utf8(), "pixel art \u2192 arrow")
    assert path.read_bytes() == "pixel art \u2192 arrow".encode("utf-8")


def test_read_only_caption_gives_a_clear_message_and_keeps_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ro.txt"
    path.write_bytes(b"pixel art")
    caption = read_caption(path)
    path.chmod(stat.S_IRUSR)
    try:
        with pytest.raises(CaptionError, match="read-only"):
            save_caption(caption, "pixel art, hat")
        assert path.read_bytes() == b"pixel art"
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_changed_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"pixel art, hat")
    caption = read_caption(path)
    path.write_bytes(b"someone else's edit")
    with pytest.raises(CaptionChangedOnDisk):
        save_caption(caption, "pixel art, cap")
    assert path.read_bytes() == b"someone else's edit"
    save_caption(caption, "pixel art, cap", check_disk=False)
    assert path.read_bytes() == b"pixel art, cap"


def test_missing_caption_reads_empty_and_is_created_on_save(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"
    caption = read_caption(path)
    assert caption.text == "" and caption.raw == b""
    save_caption(caption, "pixel art")
    assert path.read_bytes() == b"pixel art"


def test_phrases_have_offsets_and_empty_ones_are_found() -> None:
    text = "pixel art,  red hair ,, hat,\nsecond, line"
    phrases = split_phrases(text)
    assert [p.text for p in phrases] == ["pixel art", "red hair", "hat", "second", "line"]
    for p in phrases:
        assert text[p.start : p.end] == p.text
    assert [p.line for p in phrases] == [0, 0, 0, 1, 1]
    with_empty = split_phrases(text, keep_empty=True)
    assert [p.text for p in with_empty].count("") == 2  # ",," and the trailing comma before the newline


def test_phrase_offsets_hold_for_every_kind_of_separator() -> None:
    text = ",lead,\t tab\tphrase ,\n\n  second line,,\r\nthird\u00a0word , ,last"
    with_empty = split_phrases(text, keep_empty=True)
    for p in with_empty:
        assert text[p.start : p.end] == p.text
        assert p.index == with_empty.index(p)
    assert [p.text for p in with_empty if p.text] == [
        "lead",
        "tab\tphrase",
        "second line",
        "third\u00a0word",
        "last",
    ]
    assert [p.line for p in with_empty if p.text] == [0, 0, 2, 3, 3]
    assert [(p.start, p.line) for p in with_empty if not p.text] == [
        (0, 0),
        (20, 0),
        (36, 2),
        (38, 2),
        (52, 3),
    ]
    assert [p.text for p in split_phrases(text)] == [p.text for p in with_empty if p.text]


def test_dataset_pairs_images_and_captions(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "a.txt").write_bytes(b"pixel art")
    (tmp_path / "b.png").write_bytes(b"")
    (tmp_path / "orphan.txt").write_bytes(b"pixel art, lonely")
    entries = load_caption_dataset(tmp_path)
    by_name = {e.caption_path.name: e for e in entries}
    assert by_name["a.txt"].caption_exists and by_name["a.txt"].image.name == "a.png"
    assert not by_name["b.txt"].caption_exists
    assert by_name["orphan.txt"].image is None
