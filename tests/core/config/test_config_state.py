"""The Config tab without Qt: ConfigState (open, edit, save, disk changes, comparisons) and its jobs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bespoke_gui.core.config.document import load_config, loads_config
from bespoke_gui.core.config.errors import ConfigError
from bespoke_gui.core.config.state import (
    ConfigState,
    DiskChange,
    as_shown,
    check_config_text,
    open_config,
    save_config_outcome,
)

CONFIG = '[training_arguments]\nresolution = "512,512"\nmax_train_epochs = 8\n'


def test_save_backs_up_and_writes_the_edited_text(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    cfg = load_config(path)
    edited = loads_config(CONFIG.replace("8", "10"), path)
    edited.stamp, edited.original_text = cfg.stamp, cfg.original_text
    outcome = save_config_outcome(edited, tmp_path / "backups", False)
    assert outcome.error == "" and outcome.result is not None and outcome.result.backup is not None
    assert path.read_text(encoding="utf-8") == CONFIG.replace("8", "10")


def test_a_file_changed_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    cfg = load_config(path)
    path.write_text(CONFIG + "# an editor's line\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))
    edited = loads_config(CONFIG.replace("8", "10"), path)
    edited.stamp, edited.original_text = cfg.stamp, cfg.original_text
    outcome = save_config_outcome(edited, tmp_path / "backups", False)
    assert outcome.changed_on_disk and outcome.result is None and outcome.error
    assert path.read_text(encoding="utf-8").endswith("# an editor's line\n")


def test_checks_read_the_text_as_edited(tmp_path: Path) -> None:
    report = check_config_text(CONFIG.replace('"512,512"', "512"), str(tmp_path / "config.toml"), None)
    assert any(f.key == "training_arguments.resolution" and f.severity == "error" for f in report.findings)


def test_state_opens_an_invalid_toml_as_text_and_applies_edits(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG + "broken = [\n", encoding="utf-8")
    state = ConfigState()
    shown = state.adopt(open_config(path))
    assert shown.endswith("broken = [\n") and state.parse_error is not None
    assert state.editable_copy() is None  # no edits from the tree while the text is broken
    assert state.apply_text(CONFIG + "broken = [\n") is not None
    assert state.apply_text(CONFIG) is None and state.cfg is not None
    state.parse_error = None
    assert state.data()["training_arguments"]["max_train_epochs"] == 8
    assert state.line_of("training_arguments.max_train_epochs", "") == 3
    copy = state.editable_copy()
    assert copy is not None and copy.text() == CONFIG and copy is not state.cfg


def test_state_tells_a_reload_from_a_conflict_and_keeps_its_own_writes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    state = ConfigState()
    state.adopt(open_config(path))
    assert state.disk_change(str(path), saving=False, unsaved=False) is DiskChange.NONE
    path.write_text(CONFIG + "# edited elsewhere\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert state.disk_change(str(path), saving=True, unsaved=True) is DiskChange.NONE
    assert state.disk_change(str(tmp_path / "other.toml"), saving=False, unsaved=True) is DiskChange.NONE
    assert state.disk_change(str(path), saving=False, unsaved=False) is DiskChange.RELOAD
    assert state.disk_change(str(path), saving=False, unsaved=True) is DiskChange.CHANGED
    path.unlink()
    assert state.disk_change(str(path), saving=False, unsaved=True) is DiskChange.DELETED


def test_state_saves_through_a_snapshot_and_lists_what_to_compare(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "run1.toml").write_text(CONFIG, encoding="utf-8")
    state = ConfigState()
    state.adopt(open_config(path))
    assert state.apply_text(CONFIG.replace("= 8", "= 12")) is None
    snapshot = state.save_snapshot()
    outcome = save_config_outcome(snapshot, state.backups_dir(), False)
    assert outcome.result is not None and state.saved(outcome.result, snapshot.text())
    assert path.read_text(encoding="utf-8") == CONFIG.replace("= 8", "= 12")
    assert state.backups_dir() == tmp_path / "backups"
    labels = [label for label, _path in state.compare_choices()]
    assert "config: old/run1.toml" in labels and not any("config.toml" in label for label in labels)
    assert any(label.startswith("backup: ") for label in labels)
    state.compare_path = tmp_path / "old" / "run1.toml"
    other = state.compared()
    assert other is not None and other.text() == CONFIG
    backup = outcome.result.backup
    assert backup is not None
    assert state.saved_message(outcome.result) == f"Saved config.toml; backup in {backup.path}"
    again = save_config_outcome(state.save_snapshot(), state.backups_dir(), False)
    assert again.result is not None and again.result.backup is None  # the same text: nothing written
    assert state.saved_message(again.result) == "config.toml: nothing to save"


def test_state_judges_typed_text_as_an_undo_step_or_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    state = ConfigState()
    assert not state.editable and state.browse_folder() == Path()
    state.adopt(open_config(path))
    assert state.editable and state.browse_folder() == tmp_path
    assert as_shown("a = 1\r\nb = 2\r\n") == "a = 1\nb = 2\n"
    unchanged = state.take_typed(CONFIG)
    assert unchanged.before is None and unchanged.error is None  # nothing new: no step
    edited = CONFIG.replace("= 8", "= 9")
    valid = state.take_typed(edited)
    assert valid.before == CONFIG and valid.error is None  # a step from the document's text
    broken = CONFIG + "broken = [\n"
    invalid = state.take_typed(broken)
    assert invalid.before == CONFIG and invalid.error is not None  # invalid text is a step too
    state.parse_error = state.apply_text(broken)  # the step applied: the tree keeps the last valid
    assert not state.editable and state.step_text == broken
    again = state.take_typed(broken)
    assert again.before is None and again.error is not None  # the same broken text: no new step
    worse = state.take_typed(broken + "also = [\n")
    assert worse.before == broken and worse.error is not None  # more typing while broken: a step
    fixed = state.take_typed(CONFIG)
    assert fixed.before == broken and fixed.error is None  # fixed: a step from the broken text


def replay(state: ConfigState, typed_edits: list[str]) -> list[tuple[str, str]]:
    """Commit each typed text as the tab does: a step (before, after) applied when one is made."""
    steps: list[tuple[str, str]] = []
    for typed in typed_edits:
        step = state.take_typed(typed)
        if step.before is not None:
            steps.append((step.before, typed))
            state.parse_error = state.apply_text(typed)
    return steps


def test_every_typed_text_valid_or_not_is_a_step_undo_and_redo_give_back_exactly(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    state = ConfigState()
    state.adopt(open_config(path))
    first, second = CONFIG + "broken = [\n", CONFIG + "broken = [1,\n"
    fixed = CONFIG + "broken = [1, 2]\n"
    steps = replay(state, [first, second, second, fixed])
    assert steps == [(CONFIG, first), (first, second), (second, fixed)]  # the repeat made no step
    # Undo walks back through every text exactly as typed, Redo forward again.
    for before, _after in reversed(steps):
        state.parse_error = state.apply_text(before)
        assert state.step_text == before
    assert state.parse_error is None and state.cfg is not None and state.cfg.text() == CONFIG
    for _before, after in steps:
        state.parse_error = state.apply_text(after)
        assert state.step_text == after
    assert state.parse_error is None and state.data()["training_arguments"]["broken"] == [1, 2]


def test_typing_in_a_file_opened_invalid_steps_from_its_text_not_the_empty_tree(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG + "broken = [\n", encoding="utf-8")
    state = ConfigState()
    state.adopt(open_config(path))
    assert state.parse_error is not None and state.cfg is not None and state.cfg.text() == ""
    more = CONFIG + "broken = [1,\n"
    assert replay(state, [more]) == [(CONFIG + "broken = [\n", more)]  # unsaved, and Undo gives it back
    fixed = CONFIG + "broken = [1]\n"
    assert replay(state, [fixed]) == [(more, fixed)]  # Undo after the fix: the typed text, never ""


def test_a_config_checked_in_a_worker_process_that_does_not_parse_says_why_in_one_line(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"duplicate key .*resolution") as caught:
        check_config_text(
            "[training_arguments]\nresolution = 1\nresolution = 2\n", str(tmp_path / "c.toml"), None
        )
    assert "\n" not in str(caught.value) and not str(caught.value).startswith("duplicate key duplicate")
