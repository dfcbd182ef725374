"""The Config tab's jobs, without Qt: save a config (never over a file changed on disk) and check it.

Both run on the GUI's job runner and return plain data: a save never raises for a user's
situation (changed on disk, read-only folder, full disk); it says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bespoke_gui.core.config.checks import CheckReport, check_config
from bespoke_gui.core.config.tomlconfig import (
    ChangedOnDiskError,
    ConfigDocument,
    ConfigError,
    SaveResult,
    loads_config,
    save_config,
)
from bespoke_gui.core.dataset.backup import BackupError
from bespoke_gui.core.jobs import CancelFn, ProgressFn, describe_exception, never_cancelled, no_progress
from bespoke_gui.core.workspace import Workspace


@dataclass
class SaveOutcome:
    result: SaveResult | None = None
    error: str = ""
    changed_on_disk: bool = False


def save_config_outcome(
    cfg: ConfigDocument,
    backups_dir: Path,
    force: bool,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> SaveOutcome:
    """Save (backup first, atomic write); a problem comes back as ``error``, never as an exception."""
    try:
        return SaveOutcome(result=save_config(cfg, backups_dir=backups_dir, force=force))
    except ChangedOnDiskError as exc:
        return SaveOutcome(error=str(exc), changed_on_disk=True)
    except (ConfigError, BackupError, OSError) as exc:
        return SaveOutcome(error=str(exc) if isinstance(exc, ConfigError) else describe_exception(exc))


def check_config_text(
    text: str,
    path: str | None,
    workspace: Workspace | None,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> CheckReport:
    """Check the config as edited (the text, not the file) against sd-scripts and the workspace."""
    cfg = loads_config(text, Path(path) if path else None)
    return check_config(cfg, workspace, progress=progress, cancelled=cancelled)
