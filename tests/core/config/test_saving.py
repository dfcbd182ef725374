"""Saving: a verified backup first, only the edit written, outside changes refused."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bespoke_gui.core.config.document import load_config, loads_config
from bespoke_gui.core.config.editing import set_value
from bespoke_gui.core.config.errors import ChangedOnDiskError, ConfigError
from bespoke_gui.core.config.saving import disk_changed, save_config
from tests.core.config.toml_samples import SAMPLE, changed_lines, write


def test_save_takes_a_verified_backup_first_and_writes_only_the_edit(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE)
    cfg = load_config(path)
    set_value(cfg.doc, "training_arguments.max_train_epochs", "8")
    result = save_config(cfg, backups_dir=tmp_path / "backups")
    assert result.written and result.backup is not None
    assert (result.backup.path / "config.toml").read_text(encoding="utf-8") == SAMPLE
    assert changed_lines(SAMPLE, path.read_text(encoding="utf-8")) == [
        "-max_train_epochs = 9              # CHANGED: 10 → 9 (Epoch 10 regressed)",
        "+max_train_epochs = 8              # CHANGED: 10 → 9 (Epoch 10 regressed)",
    ]
    assert not cfg.modified
    # A second save after another edit works against the new stamp.
    set_value(cfg.doc, "training_arguments.max_train_epochs", "7")
    assert save_config(cfg, backups_dir=tmp_path / "backups").written


def test_save_without_changes_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE)
    cfg = load_config(path)
    result = save_config(cfg, backups_dir=tmp_path / "backups")
    assert not result.written and result.backup is None
    assert not (tmp_path / "backups").exists()


def test_save_refuses_a_file_changed_on_disk(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE)
    cfg = load_config(path)
    set_value(cfg.doc, "training_arguments.max_train_epochs", "8")
    path.write_text(SAMPLE + "seed = 1\n", encoding="utf-8")
    assert disk_changed(path, cfg.stamp)
    with pytest.raises(ChangedOnDiskError):
        save_config(cfg, backups_dir=tmp_path / "backups")
    assert path.read_text(encoding="utf-8").endswith("seed = 1\n")
    # The user may decide to overwrite; the outside version is then backed up first.
    result = save_config(cfg, backups_dir=tmp_path / "backups", force=True)
    assert (result.backup.path / "config.toml").read_text(encoding="utf-8").endswith("seed = 1\n")


def test_save_refuses_a_deleted_file(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE)
    cfg = load_config(path)
    path.unlink()
    with pytest.raises(ChangedOnDiskError, match="deleted"):
        save_config(cfg)


def test_save_refuses_a_read_only_file_without_a_backup(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE)
    cfg = load_config(path)
    set_value(cfg.doc, "training_arguments.max_train_epochs", "8")
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    try:
        with pytest.raises(ConfigError, match="read-only"):
            save_config(cfg, backups_dir=tmp_path / "backups")
        assert path.read_text(encoding="utf-8") == SAMPLE
        assert not (tmp_path / "backups").exists()
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def test_save_as_a_new_file_needs_no_backup(tmp_path: Path) -> None:
    cfg = loads_config(SAMPLE)
    result = save_config(cfg, path=tmp_path / "new.toml")
    assert result.written and result.backup is None
    assert (tmp_path / "new.toml").read_text(encoding="utf-8") == SAMPLE
