"""The Config tab without Qt: ``ConfigState`` (the open document and what the tab does with
it) and the tab's jobs: save a config (never over a file changed on disk) and check it.

The jobs run on the GUI's job runner and return plain data: a save never raises for a
user's situation (changed on disk, read-only folder, full disk); it says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from bespoke_gui.core.config.check_report import CheckReport
from bespoke_gui.core.config.checks import check_config
from bespoke_gui.core.config.document import ConfigDocument, load_config, loads_config, parse_toml, stamp_of
from bespoke_gui.core.config.errors import ChangedOnDiskError, ConfigError, TomlSyntaxError
from bespoke_gui.core.config.key_scan import scan_keys
from bespoke_gui.core.config.presets import (
    Preset,
    PresetPreview,
    list_presets,
    preview_preset,
    save_user_preset,
)
from bespoke_gui.core.config.saving import SaveResult, default_backups_dir, disk_changed, save_config
from bespoke_gui.core.dataset.backup import BackupError, list_backups
from bespoke_gui.core.jobs import (
    CancelFn,
    ProgressFn,
    call_in_process,
    describe_exception,
    never_cancelled,
    no_progress,
)
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
    """Check the config as edited (the text, not the file) against sd-scripts and the workspace.

    In a worker process: the checks are pure Python (about 0.1 s with 200 images), and on a
    thread they held the GIL while the Config tab drew its tree (stalls of 120-150 ms).
    """
    return call_in_process(_check_config_text, text, path, workspace)


def _check_config_text(text: str, path: str | None, workspace: Workspace | None) -> CheckReport:
    try:
        cfg = loads_config(text, Path(path) if path else None)
    except ConfigError as exc:
        # As a plain ConfigError: the subclasses' own arguments do not survive pickling.
        raise ConfigError(str(exc)) from None
    return check_config(cfg, workspace)


def as_shown(text: str) -> str:
    """A text as the editor holds it (Qt keeps lines, not CRLF; the document re-adds CRLF on save)."""
    return text.replace("\r\n", "\n")


@dataclass
class TypedText:
    """What the typed text means: ``before`` is the text of a new undo step (None: no step);
    ``error`` is the parse error of the typed text (None: it parses)."""

    before: str | None
    error: TomlSyntaxError | None


class DiskChange(Enum):
    """What a change of the open file on disk means for the tab."""

    NONE = "none"  # our own write, or nothing really changed
    RELOAD = "reload"  # nothing unsaved here: take the new file
    CHANGED = "changed"  # changed under unsaved edits: ask
    DELETED = "deleted"  # deleted under unsaved edits: ask


@dataclass
class OpenedConfig:
    """A config just opened: its document, and the parse error when the file is not valid TOML."""

    cfg: ConfigDocument
    error: TomlSyntaxError | None


def open_config(path: Path) -> OpenedConfig:
    """Read ``path``; an invalid TOML still opens (its text, an empty tree) so it can be fixed.

    Raises ``ConfigError`` (one line) for a file that cannot be read at all.
    """
    try:
        return OpenedConfig(load_config(path), None)
    except TomlSyntaxError as exc:
        data = path.read_bytes()
        text = data.decode("utf-8").lstrip("\ufeff")
        cfg = ConfigDocument(
            doc=parse_toml(""), path=path, original_text=text, bom=data.startswith(b"\xef\xbb\xbf")
        )
        cfg.stamp = stamp_of(path, data)
        return OpenedConfig(cfg, exc)


class ConfigState:
    """The Config tab without Qt: the open document, its parse state, saving, disk changes,
    comparisons and presets. Every edit becomes new text; the tab's undo stack stores the
    text before and after and calls ``apply_text`` both ways."""

    def __init__(self) -> None:
        self.workspace: Workspace | None = None
        self.cfg: ConfigDocument | None = None
        self.parse_error: TomlSyntaxError | None = None
        self.step_text: str | None = None  # the text the last undo step (or opening) left
        self.last_report: CheckReport | None = None
        self.last_save: SaveResult | None = None
        self.compare_path: Path | None = None
        self.pending_workspace_config: Path | None = None

    # --- opening -------------------------------------------------------------------------
    def adopt(self, opened: OpenedConfig) -> str:
        """Make ``opened`` the document; returns the text to show."""
        self.cfg = opened.cfg
        self.parse_error = opened.error
        self.step_text = opened.cfg.original_text if opened.error else opened.cfg.text()
        return self.step_text

    def workspace_config_to_open(self, workspace: Workspace | None) -> Path | None:
        """The workspace's config when it is not the one already open."""
        self.workspace = workspace
        config = workspace.config_path if workspace else None
        if config is None:
            return None
        if self.cfg is not None and self.cfg.path is not None and Path(config) == self.cfg.path:
            return None
        return Path(config)

    # --- the document --------------------------------------------------------------------
    @property
    def editable(self) -> bool:
        """A config is open and its text parses (the tree, presets and checks can work on it)."""
        return self.cfg is not None and self.parse_error is None

    def current_text(self, typed: str) -> str:
        """The text the tab holds: with a parse error, the text as typed."""
        if self.cfg is None:
            return ""
        return typed if self.parse_error else self.cfg.text()

    def apply_text(self, text: str) -> TomlSyntaxError | None:
        """Make ``text`` the document (every undo step, both ways). Text that does not parse
        leaves the last valid document (the tree keeps it) and returns the error."""
        if self.cfg is None:
            return None
        self.step_text = text
        try:
            self.cfg.doc = parse_toml(text, self.cfg.path or "<text>")
        except TomlSyntaxError as exc:
            return exc
        return None

    def take_typed(self, typed: str) -> TypedText:
        """Judge the typed text (a config is open). Whenever it differs from the text the last
        step (or opening) left, it is a step from that text, valid or not: Undo gives back
        exactly what was there and Redo exactly what was typed, whatever the TOML's validity
        (the document's own text is only the last *valid* one, so it cannot be the "before")."""
        assert self.cfg is not None
        before = self.step_text if self.step_text is not None else self.cfg.text()
        error: TomlSyntaxError | None = None
        try:
            parse_toml(typed, self.cfg.path or "<text>")
        except TomlSyntaxError as exc:
            error = exc
        return TypedText(before if typed != as_shown(before) else None, error)

    def editable_copy(self) -> ConfigDocument | None:
        """A copy to edit (None while the text does not parse)."""
        if self.cfg is None or self.parse_error is not None:
            return None
        return loads_config(self.cfg.text(), self.cfg.path)

    def line_of(self, key: str, typed: str) -> int | None:
        return scan_keys(self.current_text(typed)).lines.get(key)

    def data(self) -> dict[str, Any]:
        return self.cfg.data() if self.cfg is not None else {}

    # --- saving --------------------------------------------------------------------------
    def backups_dir(self) -> Path:
        """The workspace's backups folder for a config inside it, else one beside the config."""
        assert self.cfg is not None and self.cfg.path is not None
        if self.workspace is not None:
            try:
                self.cfg.path.resolve().relative_to(self.workspace.root.resolve())
                return self.workspace.backups_dir
            except ValueError:
                pass
        return default_backups_dir(self.cfg.path)

    def save_snapshot(self) -> ConfigDocument:
        """A copy to save on a worker: the text as now, with what the file on disk was."""
        assert self.cfg is not None
        snapshot = loads_config(self.cfg.text(), self.cfg.path)
        snapshot.bom, snapshot.stamp, snapshot.newline = self.cfg.bom, self.cfg.stamp, self.cfg.newline
        snapshot.original_text = self.cfg.original_text
        return snapshot

    def saved(self, result: SaveResult, text: str) -> bool:
        """Record a save of ``text``; True when the document still holds that text (clean)."""
        assert self.cfg is not None
        self.last_save = result
        self.cfg.stamp = result.stamp
        self.cfg.original_text = text
        return self.cfg.text() == text

    def saved_message(self, result: SaveResult) -> str:
        """The status line after a save of the open config."""
        assert self.cfg is not None and self.cfg.path is not None
        if result.backup is None:
            return f"{self.cfg.path.name}: nothing to save"
        return f"Saved {self.cfg.path.name}; backup in {result.backup.path}"

    def browse_folder(self) -> Path:
        """Where "Open other TOML…" starts: the open config's folder, else the workspace's."""
        if self.cfg is not None and self.cfg.path is not None:
            return self.cfg.path.parent
        return Path(str(self.workspace.root if self.workspace else ""))

    def disk_change(self, path: str, saving: bool, unsaved: bool) -> DiskChange:
        if self.cfg is None or self.cfg.path is None or Path(path) != self.cfg.path or saving:
            return DiskChange.NONE  # a save's own write: the stamp comes with its report
        if not disk_changed(self.cfg.path, self.cfg.stamp):
            return DiskChange.NONE
        exists = self.cfg.path.exists()
        if not unsaved and exists:
            return DiskChange.RELOAD
        return DiskChange.CHANGED if exists else DiskChange.DELETED

    # --- comparing -----------------------------------------------------------------------
    def compare_choices(self) -> list[tuple[str, str]]:
        """(label, path) of what the open config can be compared with: other configs in the
        workspace and beside the file, its backups (newest first, at most 30), the presets."""
        if self.cfg is None:
            return []
        choices: list[tuple[str, str]] = []
        seen: set[Path] = set()
        own = self.cfg.path.resolve() if self.cfg.path else None
        roots = [
            p
            for p in (
                self.workspace.root if self.workspace else None,
                self.cfg.path.parent if self.cfg.path else None,
            )
            if p is not None
        ]
        for root in roots:
            for candidate in sorted(root.glob("*.toml")) + sorted(root.glob("*/*.toml")):
                resolved = candidate.resolve()
                if resolved in seen or resolved == own or "backups" in candidate.relative_to(root).parts:
                    continue
                seen.add(resolved)
                choices.append((f"config: {candidate.relative_to(root)}", str(candidate)))
        if self.cfg.path is not None:
            try:
                backups = list_backups(self.backups_dir(), kind="config")
            except OSError:
                backups = []
            for backup in backups[:30]:
                copy = backup.path / self.cfg.path.name
                if copy.exists():
                    choices.append((f"backup: {backup.created} ({backup.path.name})", str(copy)))
        choices.extend((f"preset: {preset.name}", str(preset.path)) for preset in list_presets())
        return choices

    def compared(self) -> ConfigDocument | None:
        """The config compared with (raises ``ConfigError`` when it cannot be read)."""
        return load_config(self.compare_path) if self.cfg is not None and self.compare_path else None

    # --- presets -------------------------------------------------------------------------
    def preset_preview(self, preset: Preset) -> tuple[PresetPreview, dict[str, Any]]:
        """What applying ``preset`` would do, and the data after it (raises ``ConfigError``)."""
        assert self.cfg is not None
        preview = preview_preset(self.cfg, preset.load())
        return preview, loads_config(preview.new_text).data()

    def save_preset(self, name: str, folder: Path | None = None) -> Path:
        """Save the open config as a user preset (raises ``ConfigError`` or ``OSError``)."""
        assert self.cfg is not None
        return save_user_preset(self.cfg.text(), name, folder)
