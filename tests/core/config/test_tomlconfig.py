"""tomlconfig: byte-exact round trips, one-line edits, clear errors, lying comments, safe saves."""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path

import pytest

from bespoke_gui.core.config import tomlconfig as tc

REAL_CONFIGS = Path(__file__).resolve().parents[3].parent / "shared" / "realdata" / "configs"
REAL_FILES = sorted(REAL_CONFIGS.glob("*.toml")) if REAL_CONFIGS.is_dir() else []

SAMPLE = """\
# run notes: keep this
[general]
enable_bucket = true
bucket_resolution = 512
max_bucket_reso = 1024   # bigger buckets

[training_arguments]
learning_rate = 1e-4          # KEEP - stable
max_train_epochs = 9              # CHANGED: 10 → 9 (Epoch 10 regressed)
resolution = "512,512"
caption_dropout_rate = 0.02   # REDUCED: 0.05 → 0.02
output_name = 'single_quoted'
network_args = [ "conv_dim=4", "conv_alpha=1",]
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


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
    cfg = tc.load_config(path)
    assert cfg.to_bytes() == path.read_bytes()
    assert not cfg.modified


def test_bom_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbfa = 1\n")
    cfg = tc.load_config(path)
    assert cfg.bom and cfg.data() == {"a": 1}
    assert cfg.to_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", REAL_FILES or [None], ids=lambda p: p.name if p else "absent")
def test_real_configs_round_trip_byte_for_byte(path: Path | None) -> None:
    if path is None:
        pytest.skip("realdata absent")
    cfg = tc.load_config(path)
    assert cfg.to_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", REAL_FILES or [None], ids=lambda p: p.name if p else "absent")
def test_real_configs_every_key_edit_changes_only_its_line(path: Path | None) -> None:
    if path is None:
        pytest.skip("realdata absent")
    cfg = tc.load_config(path)
    original = cfg.text()
    entries = [e for e in tc.iter_entries(cfg.doc) if not e.is_table]
    assert entries
    for entry in entries:
        copy = tc.loads_config(original)
        new_text = "12345" if entry.text != "12345" else "54321"
        tc.set_value(copy.doc, entry.path, new_text)
        diff = changed_lines(original, copy.text())
        assert len(diff) == 2, (entry.key, diff)
        assert diff[0].startswith("-") and diff[1].startswith("+")
        # The comment and spacing around the value survive.
        if entry.comment:
            assert diff[1].endswith(entry.comment)


# ---------------------------------------------------------------- editing


def test_edit_changes_only_its_own_line_and_keeps_comment_and_spelling() -> None:
    cfg = tc.loads_config(SAMPLE)
    result = tc.set_value(cfg.doc, "training_arguments.resolution", '"256,256"')
    assert result.old_text == '"512,512"' and result.new_text == '"256,256"'
    assert changed_lines(SAMPLE, cfg.text()) == ['-resolution = "512,512"', '+resolution = "256,256"']
    assert "learning_rate = 1e-4          # KEEP - stable" in cfg.text()


def test_number_spelling_kept_unless_edited() -> None:
    cfg = tc.loads_config(SAMPLE)
    tc.set_value(cfg.doc, "training_arguments.learning_rate", "5e-5")
    assert "learning_rate = 5e-5          # KEEP - stable" in cfg.text()
    assert cfg.data()["training_arguments"]["learning_rate"] == 5e-5
    # Another key's spelling does not move.
    assert "caption_dropout_rate = 0.02   # REDUCED" in cfg.text()


def test_adding_a_key_goes_to_the_end_of_its_table_and_keeps_blank_lines() -> None:
    cfg = tc.loads_config(SAMPLE)
    result = tc.set_value(cfg.doc, "general.min_bucket_reso", "256")
    assert result.added
    lines = cfg.text().splitlines()
    index = lines.index("min_bucket_reso = 256")
    assert lines[index - 1].startswith("max_bucket_reso = 1024")
    assert lines[index + 1] == "" and lines[index + 2] == "[training_arguments]"


def test_adding_a_key_to_an_indented_subset_without_final_newline() -> None:
    text = "[[datasets]]\nresolution = 512\n\n  [[datasets.subsets]]\n  image_dir = 'x'\n  num_repeats = 10"
    cfg = tc.loads_config(text)
    tc.set_value(cfg.doc, "datasets[0].subsets[0].caption_extension", "'.txt'")
    assert cfg.text() == text + "\n  caption_extension = '.txt'"
    assert cfg.data()["datasets"][0]["subsets"][0]["caption_extension"] == ".txt"


def test_adding_a_key_to_a_missing_table_creates_it_after_a_blank_line() -> None:
    cfg = tc.loads_config("a = 1\n")
    tc.set_value(cfg.doc, "new.key", "true")
    assert cfg.text() == "a = 1\n\n[new]\nkey = true\n"


def test_crlf_file_stays_crlf_after_an_added_key() -> None:
    cfg = tc.loads_config(SAMPLE.replace("\n", "\r\n"))
    tc.set_value(cfg.doc, "general.min_bucket_reso", "256")
    assert "\n" not in cfg.text().replace("\r\n", "")


@pytest.mark.parametrize(
    "bad, message",
    [
        ("256,256", 'a string needs quotes: "256,256"'),
        ("foo", 'a string needs quotes: "foo"'),
        ("", "empty value"),
        ("1 # c", "comment"),
    ],
)
def test_bad_value_text_is_refused(bad: str, message: str) -> None:
    cfg = tc.loads_config(SAMPLE)
    with pytest.raises(tc.ValueTextError, match=message):
        tc.set_value(cfg.doc, "training_arguments.resolution", bad)
    assert cfg.text() == SAMPLE


@pytest.mark.parametrize(
    "key", ["general", "training_arguments.resolution.x", "datasets[0].x", "a..b", "[1]"]
)
def test_bad_key_paths_are_refused(key: str) -> None:
    cfg = tc.loads_config(SAMPLE)
    with pytest.raises(tc.ConfigError):
        tc.set_value(cfg.doc, key, "1")


def test_key_path_round_trip() -> None:
    assert tc.parse_key_path('datasets[0].subsets[1]."a.b"') == ("datasets", 0, "subsets", 1, "a.b")
    assert tc.format_key_path(("datasets", 0, "subsets", 1, "a.b")) == 'datasets[0].subsets[1]."a.b"'


def test_set_and_drop_comment() -> None:
    cfg = tc.loads_config(SAMPLE)
    tc.set_comment(cfg.doc, "training_arguments.max_train_epochs", "# CHANGED: 9 → 8")
    assert "max_train_epochs = 9              # CHANGED: 9 → 8\n" in cfg.text()
    tc.set_comment(cfg.doc, "training_arguments.max_train_epochs", None)
    assert "max_train_epochs = 9\n" in cfg.text()
    tc.set_comment(cfg.doc, "training_arguments.resolution", "was 512")
    assert 'resolution = "512,512"  # was 512\n' in cfg.text()


# ---------------------------------------------------------------- lying comments


def test_changed_comment_mentioning_the_old_value_lies() -> None:
    cfg = tc.loads_config(SAMPLE)
    result = tc.set_value(cfg.doc, "training_arguments.max_train_epochs", "8")
    assert result.lie is not None
    assert "9" in result.lie.reason
    assert result.lie.suggestion == "# CHANGED: 9 → 8 (Epoch 10 regressed)"


def test_float_comment_lie_and_ascii_arrow() -> None:
    cfg = tc.loads_config("r = 0.02 # reduced 0.05 -> 0.02\n")
    lie = tc.set_value(cfg.doc, "r", "0.01").lie
    assert lie is not None and lie.suggestion == "# reduced 0.02 -> 0.01"


def test_keep_marker_lies_after_a_change() -> None:
    cfg = tc.loads_config(SAMPLE)
    lie = tc.set_value(cfg.doc, "training_arguments.learning_rate", "2e-4").lie
    assert lie is not None and "KEEP" in lie.reason
    assert lie.suggestion.startswith("# CHANGED: 1e-4 → 2e-4")


def test_neutral_comment_does_not_lie() -> None:
    cfg = tc.loads_config(SAMPLE)
    assert tc.set_value(cfg.doc, "general.max_bucket_reso", "512").lie is None


def test_same_value_does_not_lie() -> None:
    cfg = tc.loads_config(SAMPLE)
    result = tc.set_value(cfg.doc, "training_arguments.max_train_epochs", "9")
    assert result.lie is None and not result.changed


def test_number_inside_another_number_is_not_a_mention() -> None:
    assert tc.find_lying_comment("k", "# 10 epochs were too many", "1", 1, "2", 2) is None
    assert tc.find_lying_comment("k", "# use 0.25", "0.2", 0.2, "0.3", 0.3) is None


# ---------------------------------------------------------------- bad input


def test_invalid_toml_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "a = 1\nb = \n")
    with pytest.raises(tc.TomlSyntaxError) as info:
        tc.load_config(path)
    assert info.value.line == 2 and info.value.col is not None
    assert "line 2" in str(info.value) and str(path) in str(info.value)


def test_duplicate_key_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[t]\nx = 1\ny = 2\nx = 3\n")
    with pytest.raises(tc.DuplicateKeyError) as info:
        tc.load_config(path)
    assert info.value.line == 4 and "x" in str(info.value)


def test_duplicate_table_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "[t]\nx = 1\n[t]\ny = 2\n")
    with pytest.raises(tc.DuplicateKeyError) as info:
        tc.load_config(path)
    assert info.value.line == 3


def test_non_utf8_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('a = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(tc.NotUtf8Error, match="not UTF-8.*line 1"):
        tc.load_config(path)


def test_scan_keys_finds_lines_in_tables_arrays_and_multiline_values() -> None:
    text = (
        'a = """\nb = 2\n"""\n[t]\nx = [\n  1,\n]\ny = 2\n[[d]]\nr = 1\n  [[d.s]]\n  i = 1\n'
        "[[d]]\nr = 2\n  [[d.s]]\n  i = 2\n"
    )
    lines = tc.scan_keys(text).lines
    assert lines == {
        "a": 1,
        "t.x": 5,
        "t.y": 8,
        "d[0].r": 10,
        "d[0].s[0].i": 12,
        "d[1].r": 14,
        "d[1].s[0].i": 16,
    }


# ---------------------------------------------------------------- saving


def test_save_takes_a_verified_backup_first_and_writes_only_the_edit(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE)
    cfg = tc.load_config(path)
    tc.set_value(cfg.doc, "training_arguments.max_train_epochs", "8")
    result = tc.save_config(cfg, backups_dir=tmp_path / "backups")
    assert result.written and result.backup is not None
    assert (result.backup.path / "config.toml").read_text(encoding="utf-8") == SAMPLE
    assert changed_lines(SAMPLE, path.read_text(encoding="utf-8")) == [
        "-max_train_epochs = 9              # CHANGED: 10 → 9 (Epoch 10 regressed)",
        "+max_train_epochs = 8              # CHANGED: 10 → 9 (Epoch 10 regressed)",
    ]
    assert not cfg.modified
    # A second save after another edit works against the new stamp.
    tc.set_value(cfg.doc, "training_arguments.max_train_epochs", "7")
    assert tc.save_config(cfg, backups_dir=tmp_path / "backups").written


def test_save_without_changes_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE)
    cfg = tc.load_config(path)
    result = tc.save_config(cfg, backups_dir=tmp_path / "backups")
    assert not result.written and result.backup is None
    assert not (tmp_path / "backups").exists()


def test_save_refuses_a_file_changed_on_disk(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE)
    cfg = tc.load_config(path)
    tc.set_value(cfg.doc, "training_arguments.max_train_epochs", "8")
    path.write_text(SAMPLE + "seed = 1\n", encoding="utf-8")
    assert tc.disk_changed(path, cfg.stamp)
    with pytest.raises(tc.ChangedOnDiskError):
        tc.save_config(cfg, backups_dir=tmp_path / "backups")
    assert path.read_text(encoding="utf-8").endswith("seed = 1\n")
    # The user may decide to overwrite; the outside version is then backed up first.
    result = tc.save_config(cfg, backups_dir=tmp_path / "backups", force=True)
    assert (result.backup.path / "config.toml").read_text(encoding="utf-8").endswith("seed = 1\n")


def test_save_refuses_a_deleted_file(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE)
    cfg = tc.load_config(path)
    path.unlink()
    with pytest.raises(tc.ChangedOnDiskError, match="deleted"):
        tc.save_config(cfg)


def test_save_refuses_a_read_only_file_without_a_backup(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE)
    cfg = tc.load_config(path)
    tc.set_value(cfg.doc, "training_arguments.max_train_epochs", "8")
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    try:
        with pytest.raises(tc.ConfigError, match="read-only"):
            tc.save_config(cfg, backups_dir=tmp_path / "backups")
        assert path.read_text(encoding="utf-8") == SAMPLE
        assert not (tmp_path / "backups").exists()
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def test_save_as_a_new_file_needs_no_backup(tmp_path: Path) -> None:
    cfg = tc.loads_config(SAMPLE)
    result = tc.save_config(cfg, path=tmp_path / "new.toml")
    assert result.written and result.backup is None
    assert (tmp_path / "new.toml").read_text(encoding="utf-8") == SAMPLE


def test_quoted_key_parts_in_paths_and_in_dotted_lines() -> None:
    assert tc.parse_key_path("""a.'x\\\\y'."q\\"z" """.strip()) == ("a", "x\\\\y", 'q"z')
    with pytest.raises(tc.KeyPathError):
        tc.parse_key_path('a."open')
    assert tc._split_key(' "odd.key" . b = 1') == (["odd.key", "b"], " 1")
    assert tc._split_key('"never closed = 1') is None
