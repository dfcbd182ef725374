"""Loading: byte-exact round trips and clear one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bespoke_gui.core.config.document import load_config, loads_config
from bespoke_gui.core.config.editing import set_value
from bespoke_gui.core.config.errors import DuplicateKeyError, NotUtf8Error, TomlSyntaxError
from bespoke_gui.core.config.key_paths import iter_entries
from tests.core.config.toml_samples import REAL_FILES, SAMPLE, changed_lines, write

# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    "text",
    [
        SAMPLE,
        SAMPLE.replace("\n", "\r\n"),
        "a = 1",  # no trailing newline
        "[[datasets]]\nresolution = [512, 512]\n\n  [[datasets.subsets]]\n  image_dir = 'x'\n  num_repeats = 10",
        "x = 1e-4\ny = 5E-05\nz = 0x10\nw = 1_000\nv = +inf\nd = 1979-05-27T07:32:00Z\n",
        "s = '''\nmulti\nline ''' # c\nt = \"\"\"a\\tb\"\"\"\n",
    ],
)
def test_load_and_save_without_edit_gives_same_bytes(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    cfg = load_config(path)
    assert cfg.to_bytes() == path.read_bytes()
    assert not cfg.modified


def test_bom_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbfa = 1\n")
    cfg = load_config(path)
    assert cfg.bom and cfg.data() == {"a": 1}
    assert cfg.to_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", REAL_FILES or [None], ids=lambda p: p.name if p else "absent")
def test_real_configs_round_trip_byte_for_byte(path: Path | None) -> None:
    if path is None:
        pytest.skip("realdata absent")
    cfg = load_config(path)
    assert cfg.to_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", REAL_FILES or [None], ids=lambda p: p.name if p else "absent")
def test_real_configs_every_key_edit_changes_only_its_line(path: Path | None) -> None:
    if path is None:
        pytest.skip("realdata absent")
    cfg = load_config(path)
    original = cfg.text()
    entries = [e for e in iter_entries(cfg.doc) if not e.is_table]
    assert entries
    for entry in entries:
        copy = loads_config(original)
        new_text = "12345" if entry.text != "12345" else "54321"
        set_value(copy.doc, entry.path, new_text)
        diff = changed_lines(original, copy.text())
        assert len(diff) == 2, (entry.key, diff)
        assert diff[0].startswith("-") and diff[1].startswith("+")
        # The comment and spacing around the value survive.
        if entry.comment:
            assert diff[1].endswith(entry.comment)


# ---------------------------------------------------------------- bad input


def test_invalid_toml_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "a = 1\nb = \n")
    with pytest.raises(TomlSyntaxError) as info:
        load_config(path)
    assert info.value.line == 2 and info.value.col is not None
    assert "line 2" in str(info.value) and str(path) in str(info.value)


def test_duplicate_key_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[t]\nx = 1\ny = 2\nx = 3\n")
    with pytest.raises(DuplicateKeyError) as info:
        load_config(path)
    assert info.value.line == 4 and "x" in str(info.value)


def test_duplicate_table_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "[t]\nx = 1\n[t]\ny = 2\n")
    with pytest.raises(DuplicateKeyError) as info:
        load_config(path)
    assert info.value.line == 3


def test_non_utf8_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('a = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(NotUtf8Error, match="not UTF-8.*line 1"):
        load_config(path)
