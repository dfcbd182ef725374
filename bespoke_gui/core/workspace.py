"""Find the training images, captions, config and sample folders inside a workspace folder.

A workspace is one folder. The usual layout (the demo's) is::

    training_data/        images with same-named .txt captions
    training_config.toml  sd-scripts --config_file
    samples/              sample folders per epoch (or sd-scripts' flat sample/ folder)
    backups/              written by Bespoke GUI

Other layouts are found by looking: the images folder is the one with the most
image+caption pairs, the config is the TOML that looks like an sd-scripts file, and
sample folders are named like samples or epochs. The user can point at each part
instead (``overrides``); discovery never writes anything.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from bespoke_gui.core.config.sdscripts_args import find_key
from bespoke_gui.core.files import TEMP_PREFIX, is_temp_file

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
DEFAULT_CAPTION_EXTENSION = ".txt"
BACKUPS_DIRNAME = "backups"
# The repeats a dataset folder gets (package) or is assumed to have (estimate) when none is named.
DEFAULT_REPEATS = 10
# Folders that never hold the training set.
_SKIP_DIRS = {BACKUPS_DIRNAME, ".git", "__pycache__", ".bespoke", "node_modules", "logs", "log"}
_SAMPLE_DIR_RE = re.compile(r"^(samples?|outputs?|epochs?[-_ ]?\d*|ep\d+|e\d{1,6}|epoch\d+.*)$", re.I)
_SAMPLE_HINT_RE = re.compile(r"sample|epoch", re.I)
_SDSCRIPTS_SAMPLE_RE = re.compile(r"_e\d{6}_\d{2}_|_\d{6}_\d{2}_\d{14}", re.I)
_MAX_DEPTH = 3


@dataclass(frozen=True)
class Workspace:
    root: Path
    images_dir: Path | None = None
    config_path: Path | None = None
    sample_dirs: tuple[Path, ...] = field(default_factory=tuple)
    caption_extension: str = DEFAULT_CAPTION_EXTENSION

    @property
    def backups_dir(self) -> Path:
        return self.root / BACKUPS_DIRNAME

    def with_overrides(self, **parts: object) -> Workspace:
        return replace(self, **parts)  # type: ignore[arg-type]

    def describe(self) -> list[str]:
        lines = [f"workspace: {self.root}"]
        lines.append(f"images:    {self.images_dir or 'not found'}")
        lines.append(f"config:    {self.config_path or 'not found'}")
        lines.append(
            "samples:   "
            + (", ".join(str(p) for p in self.sample_dirs) if self.sample_dirs else "none found")
        )
        return lines


def entry_is_file(entry: os.DirEntry[str]) -> bool:
    """``entry.is_file()``, False for a link that loops or cannot be followed (never raises)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def is_listed_name(name: str) -> bool:
    """Hidden files and the app's own temporary files are never part of a workspace."""
    return not name.startswith(".") and not name.startswith(TEMP_PREFIX)


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path``, links followed, lies inside ``root``."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(root)
    except OSError:
        return False


def find_workspace_file(value: str, config_dir: Path, root: Path) -> Path | None:
    """A file the config names, found in this workspace (by its path, or by its name at the root)."""
    raw = Path(value).expanduser()
    candidates = [raw] if raw.is_absolute() else [config_dir / raw, root / raw]
    candidates += [config_dir / raw.name, root / raw.name]
    for candidate in candidates:
        if candidate.is_file() and is_inside(candidate, root):
            return candidate
    return None


def is_image_file(path: Path) -> bool:
    return (
        path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".") and not is_temp_file(path)
    )


def list_images(folder: Path) -> list[Path]:
    """Image files directly in ``folder``, sorted by name (no recursion)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return sorted(
        (Path(e.path) for e in entries if is_image_file(Path(e.name)) and entry_is_file(e)),
        key=lambda p: p.name,
    )


def normalize_caption_extension(caption_extension: str) -> str:
    """ ".txt" from "txt" or ".txt" (sd-scripts' --caption_extension takes either)."""
    ext = caption_extension.strip()
    if not ext:
        return DEFAULT_CAPTION_EXTENSION
    return ext if ext.startswith(".") else "." + ext


def caption_path_for(image: Path, caption_extension: str = DEFAULT_CAPTION_EXTENSION) -> Path:
    return image.with_suffix(normalize_caption_extension(caption_extension))


def list_captions(folder: Path, caption_extension: str = DEFAULT_CAPTION_EXTENSION) -> list[Path]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    ext = normalize_caption_extension(caption_extension).lower()
    return sorted(
        (
            Path(e.path)
            for e in entries
            if e.name.lower().endswith(ext) and is_listed_name(e.name) and entry_is_file(e)
        ),
        key=lambda p: p.name,
    )


def _natural_key(name: str) -> tuple[object, ...]:
    # epoch_2 before epoch_10.
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name))


def _walk_dirs(root: Path, depth: int = _MAX_DEPTH) -> list[Path]:
    found = [root]
    if depth <= 0:
        return found
    try:
        entries = sorted(os.scandir(root), key=lambda e: _natural_key(e.name))
    except OSError:
        return found
    for entry in entries:
        if (
            entry.is_dir(follow_symlinks=False)
            and entry.name not in _SKIP_DIRS
            and not entry.name.startswith(".")
        ):
            found.extend(_walk_dirs(Path(entry.path), depth - 1))
    return found


def _count_pairs(folder: Path, caption_extension: str) -> tuple[int, int]:
    images = list_images(folder)
    pairs = sum(1 for img in images if caption_path_for(img, caption_extension).exists())
    return pairs, len(images)


def looks_like_sample_dir(folder: Path) -> bool:
    if _SAMPLE_DIR_RE.match(folder.name) or _SAMPLE_HINT_RE.search(folder.name):
        return bool(list_images(folder))
    images = list_images(folder)
    return bool(images) and any(_SDSCRIPTS_SAMPLE_RE.search(p.name) for p in images[:50])


def find_images_dir(root: Path, caption_extension: str = DEFAULT_CAPTION_EXTENSION) -> Path | None:
    """The folder with the most image+caption pairs (images alone break a tie).

    With no captions anywhere (a dataset not captioned yet), the folder with the most
    images that does not look like a sample folder.
    """
    best: tuple[int, int] = (0, 0)
    best_dir: Path | None = None
    uncaptioned: list[tuple[int, Path]] = []
    for folder in _walk_dirs(root):
        if folder != root and _SAMPLE_DIR_RE.match(folder.name):
            continue
        score = _count_pairs(folder, caption_extension)
        if score > best:
            best, best_dir = score, folder
        if score[1] and not looks_like_sample_dir(folder):
            uncaptioned.append((score[1], folder))
    if best_dir is not None and best[0] == 0:
        # Stable max: the first folder (in walk order) with the most images wins a tie.
        return max(uncaptioned, key=lambda pair: pair[0])[1] if uncaptioned else None
    return best_dir


_CONFIG_HINTS = (
    "train_data_dir",
    "pretrained_model_name_or_path",
    "[[datasets]]",
    "output_name",
    "network_module",
)


def find_config(root: Path) -> Path | None:
    preferred = root / "training_config.toml"
    if preferred.is_file():
        return preferred
    candidates: list[tuple[int, str, Path]] = []
    for folder in _walk_dirs(root, depth=2):
        try:
            # glob("*.toml") matches hidden names too: a leftover .bespoke-tmp-*.toml of a
            # killed write must never be taken for the config.
            tomls = sorted(p for p in folder.glob("*.toml") if is_listed_name(p.name) and p.is_file())
        except OSError:
            continue
        for path in tomls:
            try:
                head = path.read_text(encoding="utf-8", errors="replace")[:20000]
            except OSError:
                continue
            hits = sum(hint in head for hint in _CONFIG_HINTS)
            if hits:
                depth = len(path.relative_to(root).parts)
                candidates.append((-hits * 10 + depth, path.name, path))
    if not candidates:
        return None
    return sorted(candidates)[0][2]


def find_sample_dirs(root: Path, images_dir: Path | None = None) -> tuple[Path, ...]:
    """Sample folders: leaf folders of images named like samples or epochs."""
    found: list[Path] = []
    for folder in _walk_dirs(root):
        if folder == root or (images_dir is not None and folder == images_dir):
            continue
        if looks_like_sample_dir(folder):
            found.append(folder)
    return tuple(found)


def images_dir_from_config(
    config: Path, root: Path, caption_extension: str = DEFAULT_CAPTION_EXTENSION
) -> Path | None:
    """The images folder the config trains on, when it lies in this workspace.

    The config's ``train_data_dir`` says which folder is the training set, so a resized
    copy beside it (``training_data_256``) is never taken for it. sd-scripts reads the
    ``<repeats>_<name>`` folders inside it, so the best of those is returned.
    """
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    value = find_key(data, "train_data_dir")
    if not isinstance(value, str) or not value.strip():
        return None
    folder = Path(value).expanduser()
    folder = (folder if folder.is_absolute() else config.parent / folder).resolve()
    if not folder.is_dir() or not folder.is_relative_to(root):
        return None  # written for another machine (a cloud GPU), or outside the workspace
    return find_images_dir(folder, caption_extension)


def discover(root: str | Path, caption_extension: str = DEFAULT_CAPTION_EXTENSION) -> Workspace:
    """Find the parts of the workspace in ``root``; NotADirectoryError when it is no folder."""
    root_path = Path(root).expanduser().resolve()
    if not root_path.exists():
        raise NotADirectoryError(f"no such folder: {root_path}")
    if not root_path.is_dir():
        raise NotADirectoryError(f"not a folder (it is a file): {root_path}")
    caption_extension = normalize_caption_extension(caption_extension)
    config_path = find_config(root_path)
    images_dir = images_dir_from_config(config_path, root_path, caption_extension) if config_path else None
    if images_dir is None:
        images_dir = find_images_dir(root_path, caption_extension)
    return Workspace(
        root=root_path,
        images_dir=images_dir,
        config_path=config_path,
        sample_dirs=find_sample_dirs(root_path, images_dir),
        caption_extension=caption_extension,
    )
