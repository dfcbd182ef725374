"""The key scanner: lines of keys without a full parse."""

from __future__ import annotations

from bespoke_gui.core.config.key_scan import _split_key, scan_keys


def test_scan_keys_finds_lines_in_tables_arrays_and_multiline_values() -> None:
    text = (
        'a = """\nb = 2\n"""\n[t]\nx = [\n  1,\n]\ny = 2\n[[d]]\nr = 1\n  [[d.s]]\n  i = 1\n'
        "[[d]]\nr = 2\n  [[d.s]]\n  i = 2\n"
    )
    lines = scan_keys(text).lines
    assert lines == {
        "a": 1,
        "t.x": 5,
        "t.y": 8,
        "d[0].r": 10,
        "d[0].s[0].i": 12,
        "d[1].r": 14,
        "d[1].s[0].i": 16,
    }


def test_quoted_key_parts_in_dotted_lines() -> None:
    assert _split_key(' "odd.key" . b = 1') == (["odd.key", "b"], " 1")
    assert _split_key('"never closed = 1') is None
