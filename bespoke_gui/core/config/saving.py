"""Saving a config atomically after a verified backup, refusing a file that changed on disk
since it was loaded."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from bespoke_gui.core.config.document import ConfigDocument, FileStamp, stamp_of
from bespoke_gui.core.config.errors import ChangedOnDiskError, ConfigError
from bespoke_gui.core.dataset.backup import BackupInfo, create_backup
from bespoke_gui.core.files import atomic_write_bytes


@dataclass(frozen=True)
class SaveResult:
    path: Path
    backup: BackupInfo | None  # None when nothing was written or the file did not exist yet
    stamp: FileStamp
    written: bool


def default_backups_dir(config_path: Path) -> Path:
    return config_path.parent / "backups"


def check_unchanged_on_disk(path: Path, stamp: FileStamp | None) -> None:
    """Raise ChangedOnDiskError when the file is not what was loaded."""
    if stamp is None:
        if path.exists():
            raise ChangedOnDiskError(f"{path}: a file appeared there since this one was opened")
        return
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ChangedOnDiskError(f"{path}: deleted on disk since it was loaded") from None
    if hashlib.sha256(data).hexdigest() != stamp.sha256:
        raise ChangedOnDiskError(f"{path}: changed on disk since it was loaded; reload it or save elsewhere")


def disk_changed(path: Path, stamp: FileStamp | None) -> bool:
    try:
        check_unchanged_on_disk(path, stamp)
        return False
    except ChangedOnDiskError:
        return True


def save_config(
    cfg: ConfigDocument,
    path: Path | None = None,
    backups_dir: Path | None = None,
    force: bool = False,
) -> SaveResult:
    """Save atomically. Before writing: refuse if the file changed on disk (unless ``force``),
    refuse a read-only file, and take a verified backup of the current file.

    Nothing is written (and no backup made) when the text is unchanged and the file is
    already what was loaded.
    """
    target = Path(path or cfg.path or "")
    if not str(target):
        raise ConfigError("no file to save to")
    same_file = cfg.path is not None and target.resolve() == Path(cfg.path).resolve()
    if same_file and not force:
        check_unchanged_on_disk(target, cfg.stamp)
    data = cfg.to_bytes()
    if target.exists():
        if not os.access(target, os.W_OK) or not (target.stat().st_mode & stat.S_IWUSR):
            raise ConfigError(f"{target}: read-only; nothing was changed")
        if not os.access(target.parent, os.W_OK):
            raise ConfigError(f"{target.parent}: folder is read-only; nothing was changed")
        if same_file and target.read_bytes() == data:
            return SaveResult(target, None, stamp_of(target), written=False)
        # The backup module is the only writer of backups.
        backup: BackupInfo | None = create_backup(
            files=[target],
            source_root=target.parent,
            dest_parent=backups_dir or default_backups_dir(target),
            kind="config",
            label=target.name,
        )
    else:
        backup = None
    atomic_write_bytes(target, data)
    stamp = stamp_of(target, data)
    cfg.path = target
    cfg.stamp = stamp
    cfg.original_text = cfg.text()
    return SaveResult(target, backup, stamp, written=True)
