"""Presets: a small TOML of settings to apply to a config, shown as a diff first.

A preset is written like a config (``[training_arguments] resolution = "256,256"``). For a
training config (``--config_file``) its keys are matched by name wherever the target keeps
them, because sd-scripts merges every section: a key the target sets in ``[Basics]`` is
changed there, not added again to ``[training_arguments]``. A key the target lacks is added
to the preset's section, with the preset's comment. Dataset configs take paths literally.

Shipped presets live in ``resources/presets``; the user's own in
``$BESPOKE_GUI_PRESETS_DIR`` or ``~/.config/bespoke-gui/presets``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from bespoke_gui.core.config.check_report import TRAINING, config_kind
from bespoke_gui.core.config.diff import KeyChange, diff_grouped, flatten_for_sdscripts, same_value
from bespoke_gui.core.config.document import ConfigDocument, load_config, loads_config
from bespoke_gui.core.config.editing import CommentLie, EditResult, set_comment, set_value
from bespoke_gui.core.config.errors import ConfigError
from bespoke_gui.core.config.key_paths import KeyPath, format_key_path, iter_entries
from bespoke_gui.core.config.sdscripts_args import TRAIN_NETWORK_ARGS
from bespoke_gui.core.files import atomic_write_bytes
from bespoke_gui.core.resources import resources_dir

PRESETS_ENV = "BESPOKE_GUI_PRESETS_DIR"


@dataclass(frozen=True)
class Preset:
    name: str
    path: Path
    builtin: bool

    def load(self) -> ConfigDocument:
        return load_config(self.path)


def preset_title(stem: str) -> str:
    words = stem.replace("_", " ").replace("-", " ").split()
    return " ".join(w if re.search(r"\d", w) else w.capitalize() for w in words) if words else stem


def builtin_presets_dir() -> Path:
    return resources_dir() / "presets"


def user_presets_dir() -> Path:
    override = os.environ.get(PRESETS_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "bespoke-gui" / "presets"


def _presets_in(folder: Path, builtin: bool) -> list[Preset]:
    try:
        files = sorted(p for p in folder.glob("*.toml") if not p.name.startswith(".") and p.is_file())
    except OSError:
        return []
    return [Preset(preset_title(p.stem), p, builtin) for p in files]


def list_presets(user_dir: Path | None = None) -> list[Preset]:
    return _presets_in(builtin_presets_dir(), True) + _presets_in(user_dir or user_presets_dir(), False)


@dataclass(frozen=True)
class PlannedEdit:
    key: str  # where it goes in the target
    value_text: str  # TOML value text from the preset
    comment: str  # the preset's comment, used only when the key is added


def plan_preset(target: ConfigDocument, preset: ConfigDocument) -> list[PlannedEdit]:
    """The edits that make ``target`` carry the preset's values (unchanged values are skipped)."""
    target_data = target.data()
    training = config_kind(target_data) == TRAINING
    flat = flatten_for_sdscripts(target_data) if training else {}
    edits: list[PlannedEdit] = []
    for entry in iter_entries(preset.doc):
        if entry.is_table:
            continue
        path: KeyPath = entry.path
        if training:
            name = str(path[-1])
            winner = flat.get(name)
            if winner is not None:
                path = (winner.section, name) if winner.section else (name,)
                if same_value(winner.value, entry.value):
                    continue
            elif name not in TRAIN_NETWORK_ARGS:
                continue  # sd-scripts would ignore it; adding it to a config that lacks it only adds noise
            elif len(path) > 2:
                path = path[-2:]
        edits.append(PlannedEdit(format_key_path(path), entry.text, entry.comment))
    return edits


def apply_edits(cfg: ConfigDocument, edits: list[PlannedEdit]) -> list[EditResult]:
    results = []
    for edit in edits:
        result = set_value(cfg.doc, edit.key, edit.value_text)
        if result.added and edit.comment:
            set_comment(cfg.doc, edit.key, edit.comment)
        results.append(result)
    return results


@dataclass(frozen=True)
class PresetPreview:
    edits: list[PlannedEdit]
    changes: list[KeyChange]
    new_text: str
    lies: list[CommentLie]


def preview_preset(target: ConfigDocument, preset: ConfigDocument) -> PresetPreview:
    """What applying would do, computed on a copy: the target is not touched."""
    edits = plan_preset(target, preset)
    copy = loads_config(target.text(), target.path)
    results = apply_edits(copy, edits)
    lies = [r.lie for r in results if r.lie is not None]
    return PresetPreview(edits, diff_grouped(target.data(), copy.data()), copy.text(), lies)


def save_user_preset(text: str, name: str, folder: Path | None = None, overwrite: bool = False) -> Path:
    """Save ``text`` (a whole config, or part of one) as a user preset named ``name``."""
    stem = re.sub(r"[^\w\-]+", "_", name.strip()).strip("_").lower()
    if not stem:
        raise ConfigError("a preset needs a name")
    loads_config(text)  # refuse to save something that is not TOML
    folder = folder or user_presets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.toml"
    if path.exists() and not overwrite:
        raise ConfigError(f"a preset named {stem} already exists")
    atomic_write_bytes(path, text.encode("utf-8"))
    return path


def preset_summary(preset: ConfigDocument) -> list[str]:
    """ "key = value" lines for a menu tooltip."""
    return [f"{entry.key} = {entry.text}" for entry in iter_entries(preset.doc) if not entry.is_table]


__all__ = [
    "PlannedEdit",
    "Preset",
    "PresetPreview",
    "apply_edits",
    "builtin_presets_dir",
    "list_presets",
    "plan_preset",
    "preset_summary",
    "preset_title",
    "preview_preset",
    "save_user_preset",
    "user_presets_dir",
]
