"""The Config tab's jobs, without Qt: a save says what happened instead of raising; checks read the edited text."""

from __future__ import annotations

import os
from pathlib import Path

from bespoke_gui.core.config.state import check_config_text, save_config_outcome
from bespoke_gui.core.config.tomlconfig import load_config, loads_config

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
