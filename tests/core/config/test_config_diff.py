"""config_diff: key-level diffs by table and as sd-scripts sees them, and the text diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from bespoke_gui.core.config import diff as cd
from bespoke_gui.core.config.document import load_config, loads_config

REAL_CONFIGS = Path(__file__).resolve().parents[3].parent / "shared" / "realdata" / "configs"

BEFORE = """\
[general]
enable_bucket = true
max_bucket_reso = 1024
bucket_resolution = 512

[training_arguments]
resolution = 512
learning_rate = 1e-4
network_dim = 16
shuffle_caption = true
old_key = "x"
"""

AFTER = """\
[general]
enable_bucket = 1
max_bucket_reso = 512
bucket_resolution = 512

[training_arguments]
resolution = "512,512"
learning_rate = 0.0001
network_dim = 16.0
shuffle_caption = true
new_key = [1, 2]
"""


def data(text: str) -> dict:
    return loads_config(text).data()


def by_key(changes: list[cd.KeyChange]) -> dict[str, cd.KeyChange]:
    return {c.key: c for c in changes}


def test_grouped_diff_kinds() -> None:
    changes = by_key(cd.diff_grouped(data(BEFORE), data(AFTER)))
    assert set(changes) == {
        "general.enable_bucket",
        "general.max_bucket_reso",
        "training_arguments.resolution",
        "training_arguments.network_dim",
        "training_arguments.old_key",
        "training_arguments.new_key",
    }
    assert changes["general.max_bucket_reso"].kind == cd.CHANGED
    assert changes["general.enable_bucket"].kind == cd.TYPE_CHANGED  # True is not 1
    assert changes["training_arguments.resolution"].kind == cd.TYPE_CHANGED  # 512 is not "512,512"
    assert changes["training_arguments.network_dim"].kind == cd.TYPE_CHANGED  # 16 is not 16.0
    assert changes["training_arguments.old_key"].kind == cd.REMOVED
    assert changes["training_arguments.new_key"].kind == cd.ADDED
    assert changes["training_arguments.new_key"].new == [1, 2]
    assert changes["training_arguments.resolution"].table == "training_arguments"


def test_same_value_spelled_differently_is_no_change() -> None:
    changes = by_key(cd.diff_grouped(data(BEFORE), data(AFTER)))
    assert "training_arguments.learning_rate" not in changes


def test_json_shape() -> None:
    change = by_key(cd.diff_grouped(data(BEFORE), data(AFTER)))["training_arguments.resolution"]
    assert change.to_json() == {
        "key": "training_arguments.resolution",
        "kind": "type_changed",
        "old": 512,
        "new": "512,512",
        "old_type": "integer",
        "new_type": "string",
        "table": "training_arguments",
    }
    added = by_key(cd.diff_grouped(data(BEFORE), data(AFTER)))["training_arguments.new_key"].to_json()
    assert added["old"] is None and added["old_type"] is None


def test_flattened_diff_sees_what_sd_scripts_sees() -> None:
    a = data("[A]\nx = 1\ny = 2\n[B]\nx = 3\n")
    # x moves to another section with the same value: no change for sd-scripts.
    b = data("[A]\ny = 2\n[C]\nx = 3\n")
    assert cd.diff_flattened(a, b) == []
    grouped = {c.key for c in cd.diff_grouped(a, b)}
    assert grouped == {"A.x", "B.x", "C.x"}
    # Changing the overridden (earlier) x changes nothing sd-scripts sees.
    c = data("[A]\nx = 100\ny = 2\n[B]\nx = 3\n")
    assert cd.diff_flattened(a, c) == []
    assert len(cd.diff_grouped(a, c)) == 1


def test_flatten_records_what_was_overridden() -> None:
    flat = cd.flatten_for_sdscripts(data("top = 0\n[A]\nx = 1\n[B]\nx = 2\n"))
    assert flat["x"].value == 2 and flat["x"].section == "B" and flat["x"].overridden == ("A",)
    assert flat["top"].section == ""


def test_arrays_of_tables_diff_by_index() -> None:
    a = data("[[datasets]]\nresolution = 512\n[[datasets.subsets]]\nimage_dir = 'a'\n")
    b = data(
        "[[datasets]]\nresolution = [512, 512]\n[[datasets.subsets]]\nimage_dir = 'b'\n[[datasets]]\nresolution = 1\n"
    )
    changes = by_key(cd.diff_grouped(a, b))
    assert changes["datasets[0].resolution"].kind == cd.TYPE_CHANGED
    assert changes["datasets[0].subsets[0].image_dir"].kind == cd.CHANGED
    assert changes["datasets[1]"].kind == cd.ADDED


def test_added_table_lists_its_keys() -> None:
    changes = cd.diff_grouped(data("a = 1\n"), data("a = 1\n[t]\nx = 1\ny = 2\n"))
    assert [(c.key, c.kind) for c in changes] == [("t.x", "added"), ("t.y", "added")]


def test_side_by_side_rows_and_change_navigation() -> None:
    rows = cd.side_by_side("a\nx = 1  # KEEP, proven\nc\nd\n", "a\nx = 2\nc\nd\ne\n")
    assert [r.tag for r in rows] == ["equal", "replace", "equal", "equal", "insert"]
    assert rows[1].left_no == 2 and rows[1].right_no == 2 and rows[1].right == "x = 2"
    assert rows[4].left_no is None and rows[4].right == "e"
    assert cd.change_starts(rows) == [1, 4]
    # Unrelated lines in a replaced block are not put side by side.
    rows = cd.side_by_side("a\n# notes\nx = 1\n", "a\nx = 2\n")
    assert [(r.tag, r.left_no, r.right_no) for r in rows] == [
        ("equal", 1, 1),
        ("delete", 2, None),
        ("replace", 3, 2),
    ]
    assert cd.line_counts("a\nb\n", "a\nc\nd\n") == (2, 1)


def test_format_value() -> None:
    assert cd.format_value(True) == "true"
    assert cd.format_value("512,512") == '"512,512"'
    assert cd.format_value([1, "a"]) == '[1, "a"]'
    assert cd.format_value(1e-4) == "0.0001"


def test_real_512_to_256_pair_has_the_eight_documented_changes() -> None:
    if not REAL_CONFIGS.is_dir():
        pytest.skip("realdata absent")
    a = load_config(REAL_CONFIGS / "bespokebaby2__training_config_512px_backup.toml")
    b = load_config(REAL_CONFIGS / "bespokebaby2__runpod_package_FIXED__training_config.toml")
    changes = by_key(cd.diff_grouped(a.data(), b.data()))
    assert set(changes) == {
        "general.bucket_resolution",
        "general.max_bucket_reso",
        "training_arguments.max_train_epochs",
        "training_arguments.resolution",
        "training_arguments.optimizer_type",
        "training_arguments.output_name",
        "training_arguments.log_prefix",
        "training_arguments.train_data_dir",
    }
    assert all(c.kind == cd.CHANGED for c in changes.values())
    assert changes["training_arguments.resolution"].new == "256,256"
    assert len(cd.diff_flattened(a.data(), b.data())) == 8
    assert cd.line_counts(a.text(), b.text()) == (18, 91)


def test_real_int_vs_string_resolution_is_a_type_change() -> None:
    if not REAL_CONFIGS.is_dir():
        pytest.skip("realdata absent")
    old = load_config(REAL_CONFIGS / "bespokebaby2__runpod_package__training_config@aa70433.toml")
    new = load_config(REAL_CONFIGS / "bespokebaby2__training_config_512px_backup.toml")
    change = by_key(cd.diff_grouped(old.data(), new.data()))["training_arguments.resolution"]
    assert (change.kind, change.old, change.new) == (cd.TYPE_CHANGED, 512, "512,512")
