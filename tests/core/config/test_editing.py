"""Editing: one-line edits that keep comments and spelling, lying comments."""

from __future__ import annotations

import pytest

from bespoke_gui.core.config.document import loads_config
from bespoke_gui.core.config.editing import find_lying_comment, set_comment, set_value
from bespoke_gui.core.config.errors import ConfigError, ValueTextError
from tests.core.config.toml_samples import SAMPLE, changed_lines

# ---------------------------------------------------------------- editing


def test_edit_changes_only_its_own_line_and_keeps_comment_and_spelling() -> None:
    cfg = loads_config(SAMPLE)
    result = set_value(cfg.doc, "training_arguments.resolution", '"256,256"')
    assert result.old_text == '"512,512"' and result.new_text == '"256,256"'
    assert changed_lines(SAMPLE, cfg.text()) == ['-resolution = "512,512"', '+resolution = "256,256"']
    assert "learning_rate = 1e-4          # KEEP - stable" in cfg.text()


def test_number_spelling_kept_unless_edited() -> None:
    cfg = loads_config(SAMPLE)
    set_value(cfg.doc, "training_arguments.learning_rate", "5e-5")
    assert "learning_rate = 5e-5          # KEEP - stable" in cfg.text()
    assert cfg.data()["training_arguments"]["learning_rate"] == 5e-5
    # Another key's spelling does not move.
    assert "caption_dropout_rate = 0.02   # REDUCED" in cfg.text()


def test_adding_a_key_goes_to_the_end_of_its_table_and_keeps_blank_lines() -> None:
    cfg = loads_config(SAMPLE)
    result = set_value(cfg.doc, "general.min_bucket_reso", "256")
    assert result.added
    lines = cfg.text().splitlines()
    index = lines.index("min_bucket_reso = 256")
    assert lines[index - 1].startswith("max_bucket_reso = 1024")
    assert lines[index + 1] == "" and lines[index + 2] == "[training_arguments]"


def test_adding_a_key_to_an_indented_subset_without_final_newline() -> None:
    text = "[[datasets]]\nresolution = 512\n\n  [[datasets.subsets]]\n  image_dir = 'x'\n  num_repeats = 10"
    cfg = loads_config(text)
    set_value(cfg.doc, "datasets[0].subsets[0].caption_extension", "'.txt'")
    assert cfg.text() == text + "\n  caption_extension = '.txt'"
    assert cfg.data()["datasets"][0]["subsets"][0]["caption_extension"] == ".txt"


def test_adding_a_key_to_a_missing_table_creates_it_after_a_blank_line() -> None:
    cfg = loads_config("a = 1\n")
    set_value(cfg.doc, "new.key", "true")
    assert cfg.text() == "a = 1\n\n[new]\nkey = true\n"


def test_crlf_file_stays_crlf_after_an_added_key() -> None:
    cfg = loads_config(SAMPLE.replace("\n", "\r\n"))
    set_value(cfg.doc, "general.min_bucket_reso", "256")
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
    cfg = loads_config(SAMPLE)
    with pytest.raises(ValueTextError, match=message):
        set_value(cfg.doc, "training_arguments.resolution", bad)
    assert cfg.text() == SAMPLE


@pytest.mark.parametrize(
    "key", ["general", "training_arguments.resolution.x", "datasets[0].x", "a..b", "[1]"]
)
def test_bad_key_paths_are_refused(key: str) -> None:
    cfg = loads_config(SAMPLE)
    with pytest.raises(ConfigError):
        set_value(cfg.doc, key, "1")


def test_set_and_drop_comment() -> None:
    cfg = loads_config(SAMPLE)
    set_comment(cfg.doc, "training_arguments.max_train_epochs", "# CHANGED: 9 → 8")
    assert "max_train_epochs = 9              # CHANGED: 9 → 8\n" in cfg.text()
    set_comment(cfg.doc, "training_arguments.max_train_epochs", None)
    assert "max_train_epochs = 9\n" in cfg.text()
    set_comment(cfg.doc, "training_arguments.resolution", "was 512")
    assert 'resolution = "512,512"  # was 512\n' in cfg.text()


# ---------------------------------------------------------------- lying comments


def test_changed_comment_mentioning_the_old_value_lies() -> None:
    cfg = loads_config(SAMPLE)
    result = set_value(cfg.doc, "training_arguments.max_train_epochs", "8")
    assert result.lie is not None
    assert "9" in result.lie.reason
    assert result.lie.suggestion == "# CHANGED: 9 → 8 (Epoch 10 regressed)"


def test_float_comment_lie_and_ascii_arrow() -> None:
    cfg = loads_config("r = 0.02 # reduced 0.05 -> 0.02\n")
    lie = set_value(cfg.doc, "r", "0.01").lie
    assert lie is not None and lie.suggestion == "# reduced 0.02 -> 0.01"


def test_keep_marker_lies_after_a_change() -> None:
    cfg = loads_config(SAMPLE)
    lie = set_value(cfg.doc, "training_arguments.learning_rate", "2e-4").lie
    assert lie is not None and "KEEP" in lie.reason
    assert lie.suggestion.startswith("# CHANGED: 1e-4 → 2e-4")


def test_neutral_comment_does_not_lie() -> None:
    cfg = loads_config(SAMPLE)
    assert set_value(cfg.doc, "general.max_bucket_reso", "512").lie is None


def test_same_value_does_not_lie() -> None:
    cfg = loads_config(SAMPLE)
    result = set_value(cfg.doc, "training_arguments.max_train_epochs", "9")
    assert result.lie is None and not result.changed


def test_number_inside_another_number_is_not_a_mention() -> None:
    assert find_lying_comment("k", "# 10 epochs were too many", "1", 1, "2", 2) is None
    assert find_lying_comment("k", "# use 0.25", "0.2", 0.2, "0.3", 0.3) is None
