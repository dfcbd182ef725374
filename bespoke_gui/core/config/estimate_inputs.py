"""What an estimate reads: the config's settings, the training images' sizes and repeats,
the number of sample prompts.

The settings are read as sd-scripts reads them: any section (it flattens them), its defaults
when a key is unset.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bespoke_gui.core.config.sdscripts_args import find_key
from bespoke_gui.core.workspace import DEFAULT_REPEATS, Workspace, find_workspace_file

DEFAULT_MAX_TRAIN_STEPS = 1600  # sd-scripts' --max_train_steps default


@dataclass(frozen=True)
class RunSettings:
    """The sd-scripts arguments the step count depends on (sd-scripts' defaults when unset)."""

    train_batch_size: int = 1
    gradient_accumulation_steps: int = 1
    max_train_epochs: int | None = None
    max_train_steps: int = DEFAULT_MAX_TRAIN_STEPS
    max_train_steps_set: bool = False
    resolution: tuple[int, int] | None = None
    resolution_is_int: bool = False
    enable_bucket: bool = False
    min_bucket_reso: int = 256
    max_bucket_reso: int = 1024
    bucket_reso_steps: int = 64
    bucket_no_upscale: bool = False
    sample_every_n_epochs: int | None = None
    sample_every_n_steps: int | None = None
    sample_at_first: bool = False
    sample_prompts: str | None = None
    save_every_n_epochs: int | None = None
    save_every_n_steps: int | None = None
    reg_data_dir: str | None = None
    train_data_dir: str | None = None


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _resolution(value: Any) -> tuple[int, int] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
        if len(parts) in (1, 2) and all(p.isdigit() for p in parts):
            return (int(parts[0]), int(parts[-1]))
    if isinstance(value, list) and len(value) in (1, 2) and all(_int(v) for v in value):
        return (int(value[0]), int(value[-1]))
    return None


def settings_from_config(data: Mapping[str, Any]) -> RunSettings:
    """Read the settings from a parsed training config (any section: sd-scripts flattens them)."""

    def get(key: str) -> Any:
        return find_key(data, key)

    def positive(key: str, default: int | None) -> int | None:
        value = _int(get(key))
        return value if value is not None and value > 0 else default

    raw_resolution = get("resolution")
    steps = positive("max_train_steps", None)
    prompts = get("sample_prompts")
    reg = get("reg_data_dir")
    data_dir = get("train_data_dir")
    return RunSettings(
        train_batch_size=positive("train_batch_size", 1) or 1,
        gradient_accumulation_steps=positive("gradient_accumulation_steps", 1) or 1,
        max_train_epochs=positive("max_train_epochs", None),
        max_train_steps=steps or DEFAULT_MAX_TRAIN_STEPS,
        max_train_steps_set=steps is not None,
        resolution=_resolution(raw_resolution),
        resolution_is_int=isinstance(raw_resolution, int) and not isinstance(raw_resolution, bool),
        enable_bucket=get("enable_bucket") is True,
        min_bucket_reso=positive("min_bucket_reso", 256) or 256,
        max_bucket_reso=positive("max_bucket_reso", 1024) or 1024,
        bucket_reso_steps=positive("bucket_reso_steps", 64) or 64,
        bucket_no_upscale=get("bucket_no_upscale") is True,
        sample_every_n_epochs=positive("sample_every_n_epochs", None),
        sample_every_n_steps=positive("sample_every_n_steps", None),
        sample_at_first=get("sample_at_first") is True,
        sample_prompts=prompts if isinstance(prompts, str) and prompts else None,
        save_every_n_epochs=positive("save_every_n_epochs", None),
        save_every_n_steps=positive("save_every_n_steps", None),
        reg_data_dir=reg if isinstance(reg, str) and reg else None,
        train_data_dir=data_dir if isinstance(data_dir, str) and data_dir else None,
    )


@dataclass(frozen=True)
class Subset:
    """One ``<repeats>_<name>`` folder: its repeats and each image's size."""

    name: str
    repeats: int
    sizes: tuple[tuple[int, int], ...]
    repeats_assumed: bool = False


def subsets_for(images_dir: Path | None, train_data_dir: Path | None) -> list[Subset]:
    """The subsets sd-scripts would read: the ``<repeats>_<name>`` folders of a local
    train_data_dir, else the workspace's images folder (its repeats from its name, else 10)."""
    from bespoke_gui.core.config.workspace_checks import read_image_sizes
    from bespoke_gui.core.workspace import list_images

    def sizes(folder: Path) -> tuple[tuple[int, int], ...]:
        images = list_images(folder)
        found = read_image_sizes(images)
        return tuple(found[p] for p in images if p in found)

    pattern = re.compile(r"^(\d+)_(.+)$")
    if train_data_dir is not None and train_data_dir.is_dir():
        out = []
        for child in sorted(train_data_dir.iterdir()):
            match = pattern.match(child.name)
            if child.is_dir() and match and int(match[1]) > 0:
                out.append(Subset(child.name, int(match[1]), sizes(child)))
        if out:
            return out
    if images_dir is None:
        return []
    match = pattern.match(images_dir.name)
    if match and int(match[1]) > 0:
        return [Subset(images_dir.name, int(match[1]), sizes(images_dir))]
    return [Subset(images_dir.name, DEFAULT_REPEATS, sizes(images_dir), repeats_assumed=True)]


def prompt_count(path: Path | None) -> int | None:
    if path is None or not path.is_file():
        return None
    from bespoke_gui.core.config.workspace_checks import prompt_lines

    try:
        return len(prompt_lines(path))
    except (OSError, ValueError, tomllib.TOMLDecodeError):
        return None


def workspace_inputs(
    workspace: Workspace, settings: RunSettings, config_dir: Path
) -> tuple[list[Subset], int | None]:
    """The training subsets and the number of sample prompts a config names, read from the workspace.

    ``train_data_dir`` and the prompts file are taken relative to the config's folder.
    """
    local_data_dir = None
    if settings.train_data_dir:
        candidate = Path(settings.train_data_dir).expanduser()
        local_data_dir = candidate if candidate.is_absolute() else config_dir / candidate
    subsets = subsets_for(workspace.images_dir, local_data_dir)
    prompts = None
    if settings.sample_prompts:
        prompts = prompt_count(find_workspace_file(settings.sample_prompts, config_dir, workspace.root))
    return subsets, prompts
