"""A training package: one verified zip that a GPU pod can train from as it is.

``plan_package(root)`` reads the workspace and runs the pre-flight (config-check, caption
lint, the dataset checks sd-scripts cares about) and works out the pod's config: the
workspace's config with only its path keys rewritten under the pod root (tomlkit, every
other byte kept). ``package_zip.write_package(plan, out)`` writes::

    <name>/training_data/<repeats>_<subset>/   the images and their captions
    <name>/training_config.toml               the config, path keys rewritten
    <name>/<prompts file>                     when the config names one
    <name>/train.sh                           checks the sums, then sd-scripts' launch line
    <name>/MANIFEST.json                      files, sizes, hashes, source, pre-flight summary
    <name>/SHA256SUMS                         ``sha256sum -c SHA256SUMS`` passes inside <name>/

and nothing else. The zip is written under a temporary name beside ``out`` and renamed
only when complete, so a killed run leaves no partial ``.zip``. ``verify_package(zip)``
checks a package again (on the pod or after a download); both are in :mod:`package_zip`.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import tomlkit

from bespoke_gui.core.captions.caption_files import CaptionError, load_caption_dataset
from bespoke_gui.core.captions.dataset_lint import LintInput, lint_dataset, read_training_settings
from bespoke_gui.core.captions.keywords import KeywordsError, keywords_for_workspace
from bespoke_gui.core.config.checks import check_config
from bespoke_gui.core.config.document import load_config
from bespoke_gui.core.config.editing import set_value
from bespoke_gui.core.config.errors import ConfigError
from bespoke_gui.core.config.key_paths import iter_entries
from bespoke_gui.core.config.workspace_checks import read_image_sizes
from bespoke_gui.core.findings import Severity
from bespoke_gui.core.jobs import CancelFn, ProgressFn, never_cancelled, no_progress
from bespoke_gui.core.workspace import DEFAULT_REPEATS, Workspace, discover, find_workspace_file, is_inside

FORMAT = "bespoke-gui training package 1"
CONFIG_NAME = "training_config.toml"
DATA_DIRNAME = "training_data"
SUMS_NAME = "SHA256SUMS"
MANIFEST_NAME = "MANIFEST.json"
SCRIPT_NAME = "train.sh"
# sd-scripts reads "<repeats>_<class tokens>" folders: int(name.split("_")[0]) must work.
REPEATS_DIR_RE = re.compile(r"^(?P<repeats>\d+)_(?P<name>.+)$")
# The keys that name places; everything else in the config is kept byte for byte.
PATH_KEYS = ("train_data_dir", "output_dir", "logging_dir", "sample_prompts", "dataset_config")
_POD_SUBDIR = {"train_data_dir": DATA_DIRNAME, "output_dir": "output", "logging_dir": "logs"}
_SAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")


class PackageError(Exception):
    """The package cannot be made; the message is one line a user can read."""


@dataclass(frozen=True)
class PathChange:
    key: str  # as in the file: "training_arguments.train_data_dir"
    old: str
    new: str


@dataclass(frozen=True)
class PackageFile:
    source: Path | None  # None for files the package writes itself
    arcname: str  # relative to the package folder, POSIX


@dataclass
class Preflight:
    """What the checks found when the package was planned."""

    config_findings: list[tuple[str, str]] = field(default_factory=list)  # (severity, text)
    lint_counts: dict[str, int] = field(default_factory=dict)  # severity -> findings
    lint_rules: dict[str, int] = field(default_factory=dict)
    lint_errors: list[str] = field(default_factory=list)
    captions_linted: int = 0
    dataset_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        config = [f"config: {text}" for sev, text in self.config_findings if sev == Severity.ERROR]
        return config + [f"captions: {e}" for e in self.lint_errors] + self.dataset_errors

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def summary(self) -> dict[str, Any]:
        counts = Counter(sev for sev, _ in self.config_findings)
        return {
            "config_check": {
                "errors": counts.get(Severity.ERROR, 0),
                "warnings": counts.get(Severity.WARNING, 0),
                "notes": counts.get(Severity.INFO, 0),
                "findings": [f"{sev}: {text}" for sev, text in self.config_findings if sev != Severity.INFO],
            },
            "lint": {
                "captions": self.captions_linted,
                "errors": self.lint_counts.get(Severity.ERROR, 0),
                "warnings": self.lint_counts.get("warning", 0),
                "rules": dict(sorted(self.lint_rules.items())),
            },
            "dataset_errors": list(self.dataset_errors),
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        summary = self.summary()
        check, lint = summary["config_check"], summary["lint"]
        out = [
            f"config-check: {check['errors']} errors, {check['warnings']} warnings, {check['notes']} notes",
            f"lint: {lint['captions']} captions, {lint['errors']} errors, {lint['warnings']} warnings",
        ]
        out += [f"  {sev}: {text}" for sev, text in self.config_findings if sev == Severity.WARNING]
        out += [f"note: {n}" for n in self.notes]
        out += [f"error: {e}" for e in self.errors]
        return out


@dataclass
class PackagePlan:
    workspace: Workspace
    name: str  # the package folder inside the zip
    pod_root: str
    repeats: int
    subset: str  # "10_bespoke"
    config_path: Path
    config_bytes: bytes  # the pod's config
    changes: list[PathChange]
    files: list[PackageFile]  # images, captions, prompts (sources on disk)
    images: int
    preflight: Preflight
    cancelled: bool = False

    def diff_lines(self) -> list[str]:
        return [f"{c.key}: {c.old!r} -> {c.new!r}" for c in self.changes]


# ---------------------------------------------------------------- names and paths


def package_name_for(out: Path) -> str:
    """The package folder's name: the zip's stem, in characters every shell and pod accepts."""
    stem = out.name[:-4] if out.name.lower().endswith(".zip") else out.name
    name = _SAFE_NAME_RE.sub("_", stem).strip("._-")
    return name or "training_package"


def safe_arcname(path: str) -> str:
    """``path`` when it stays inside the package (no absolute path, no ``..``, no odd characters)."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or any(p in ("", ".", "..") for p in pure.parts):
        raise PackageError(f"{path}: not a path inside the package")
    if any(c in path for c in "\\\n\r\0"):
        raise PackageError(f"{path}: a name with a backslash or line break cannot be listed in SHA256SUMS")
    return str(pure)


# ---------------------------------------------------------------- the plan


def _config_path_entries(doc: Any) -> list[tuple[tuple[Any, ...], str, str]]:
    """(key path, key text, value) of each path key with a string value, outside arrays of tables."""
    found = []
    for entry in iter_entries(doc):
        if entry.is_table or any(isinstance(p, int) for p in entry.path):
            continue
        if entry.path[-1] in PATH_KEYS and isinstance(entry.value, str):
            found.append((entry.path, entry.key, entry.value))
    return found


def _pod_value(key: str, root: str, prompts_name: str | None, value: str) -> str:
    if key in _POD_SUBDIR:
        return f"{root}/{_POD_SUBDIR[key]}"
    if key == "sample_prompts":
        return f"{root}/{prompts_name or PurePosixPath(value).name}"
    return f"{root}/{PurePosixPath(value.replace(os.sep, '/')).name}"


def _lint(
    images_dir: Path,
    root: Path,
    config_path: Path,
    preflight: Preflight,
    progress: ProgressFn,
    cancelled: CancelFn,
) -> list[Any]:
    """Caption lint as ``bespoke-gui lint`` runs it (with each image's palette); returns the entries."""
    from bespoke_gui.core.captions.pixels import image_pixels
    from bespoke_gui.core.jobs import map_items

    try:
        settings = read_training_settings(config_path)
        entries = load_caption_dataset(images_dir, settings.caption_extension, cancelled=cancelled)
    except (ValueError, CaptionError) as exc:
        raise PackageError(str(exc)) from None
    images = [e.image for e in entries if e.image is not None and e.caption_exists]
    palettes_job = map_items(
        lambda p: tuple(image_pixels(p).palette),
        images,
        progress=progress,
        cancelled=cancelled,
        message="reading image colours for the lint",
    )
    palettes = dict(zip(images, palettes_job.results))
    items = [
        LintInput(e.caption_path.name, e.caption.text, e.caption.encoding, palettes.get(e.image))
        for e in entries
        if e.image is not None and e.caption is not None and e.caption_exists
    ]
    try:
        keywords = keywords_for_workspace(root)
    except KeywordsError as exc:
        raise PackageError(str(exc)) from None
    result = lint_dataset(items, settings.lint_settings(), keywords, progress=progress, cancelled=cancelled)
    preflight.captions_linted = len(items)
    found = [(name, f) for name, findings in result.findings.items() for f in findings]
    preflight.lint_counts = dict(Counter(f.severity for _n, f in found))
    preflight.lint_rules = dict(Counter(f.rule for _n, f in found))
    preflight.lint_errors = [
        f"{name}: {f.rule}: {f.message}" for name, f in found if f.severity == Severity.ERROR
    ]
    return entries


def plan_package(
    folder: str | Path,
    out: str | Path,
    pod_root: str | None = None,
    repeats: int | None = None,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> PackagePlan:
    """Read the workspace, run the pre-flight and work out the pod's config (writes nothing)."""
    try:
        workspace = discover(folder)
    except NotADirectoryError as exc:
        raise PackageError(str(exc)) from None
    root = workspace.root
    if workspace.images_dir is None:
        raise PackageError(f"{root}: no training images found")
    if workspace.config_path is None:
        raise PackageError(f"{root}: no sd-scripts training config found")
    images_dir = workspace.images_dir
    name = package_name_for(Path(out))
    pod_root = (pod_root or f"/workspace/{name}").rstrip("/") or "/"
    if not pod_root.startswith("/") or any(c in pod_root for c in "\n\r\0\\"):
        raise PackageError(f"{pod_root}: the pod root must be an absolute POSIX path")
    try:
        cfg = load_config(workspace.config_path)
    except ConfigError as exc:
        raise PackageError(f"{workspace.config_path}: {exc}") from None
    preflight = Preflight()

    # ---- repeats and the subset folder sd-scripts will read
    folder_form = REPEATS_DIR_RE.match(images_dir.name)
    if folder_form and repeats is None:
        repeats, subset_name = int(folder_form["repeats"]), folder_form["name"]
    else:
        subset_name = folder_form["name"] if folder_form else images_dir.name
        if repeats is None:
            repeats = DEFAULT_REPEATS
            preflight.notes.append(f"{images_dir.name} is not a <repeats>_<name> folder: {repeats} repeats")
    if repeats < 1:
        raise PackageError(f"repeats must be at least 1 (got {repeats})")
    subset_name = _SAFE_NAME_RE.sub("_", subset_name).strip("._") or "data"
    subset = f"{repeats}_{subset_name}"

    # ---- config-check against the workspace (reads image headers)
    report = check_config(cfg, workspace, progress, cancelled)
    preflight.config_findings = [(f.severity, f.describe().split(": ", 1)[1]) for f in report.findings]

    # ---- caption lint, images and captions
    entries = _lint(images_dir, root, workspace.config_path, preflight, progress, cancelled)
    files: list[PackageFile] = []
    images: list[Path] = []
    missing_captions: list[str] = []
    for entry in entries:
        if entry.image is None:
            preflight.notes.append(f"{entry.caption_path.name}: a caption without an image, not packaged")
            continue
        if not is_inside(entry.image, root):
            preflight.dataset_errors.append(f"{entry.image.name}: a link out of the workspace, not packaged")
            continue
        if entry.caption is None:
            preflight.dataset_errors.append(f"{entry.caption_path.name}: {entry.error}")
            continue
        if not entry.caption_exists:
            missing_captions.append(entry.image.name)
            continue
        if not is_inside(entry.caption_path, root):
            preflight.dataset_errors.append(f"{entry.caption_path.name}: a link out of the workspace")
            continue
        images.append(entry.image)
        for path in (entry.image, entry.caption_path):
            files.append(PackageFile(path, safe_arcname(f"{DATA_DIRNAME}/{subset}/{path.name}")))
    if missing_captions:
        shown = ", ".join(missing_captions[:5]) + (" ..." if len(missing_captions) > 5 else "")
        preflight.dataset_errors.append(
            f"{len(missing_captions)} images have no caption (sd-scripts trains them on the folder name "
            f"alone): {shown}"
        )
    if not images:
        preflight.dataset_errors.append(
            f"{DATA_DIRNAME}/{subset} would hold no captioned images: sd-scripts would find zero images "
            '("No data found")'
        )
    sizes = read_image_sizes(images, cancelled=cancelled)
    unreadable = [p.name for p in images if p not in sizes]
    if unreadable and not cancelled():
        preflight.dataset_errors.append(
            f"{len(unreadable)} images cannot be read: {', '.join(unreadable[:5])}"
        )
    size_counts = Counter(sizes.values())
    if len(size_counts) > 1:
        described = ", ".join(f"{n} at {w}x{h}" for (w, h), n in size_counts.most_common())
        preflight.dataset_errors.append(f"mixed image sizes: {described} (resize them in the Dataset tab)")

    _check_local_layout(cfg.data(), workspace, preflight)

    # ---- the pod's config: path keys only
    prompts_name: str | None = None
    changes: list[PathChange] = []
    entries_by_key = _config_path_entries(cfg.doc)
    keys_found = {path[-1] for path, _k, _v in entries_by_key}
    if "train_data_dir" not in keys_found and "dataset_config" not in keys_found:
        preflight.dataset_errors.append(
            "the config names no train_data_dir: sd-scripts would find zero images on the pod"
        )
    for path, key_text, value in entries_by_key:
        last = path[-1]
        if last == "sample_prompts":
            source = find_workspace_file(value, workspace.config_path.parent, root)
            if source is None:
                preflight.dataset_errors.append(f"{key_text}: {value} is not a file in this workspace")
            else:
                prompts_name = source.name
                files.append(PackageFile(source, safe_arcname(source.name)))
        if last == "dataset_config":
            preflight.dataset_errors.append(
                f"{key_text}: packages with a separate dataset config are not supported yet; "
                "use train_data_dir in the training config"
            )
        new = _pod_value(last, pod_root, prompts_name, value)
        if new != value:
            set_value(cfg.doc, path, tomlkit.string(new).as_string())
            changes.append(PathChange(key_text, value, new))
    if "sample_prompts" not in keys_found:
        preflight.notes.append("the config names no sample_prompts: no prompts file packaged")
    config_bytes = cfg.to_bytes()
    return PackagePlan(
        workspace=workspace,
        name=name,
        pod_root=pod_root,
        repeats=repeats,
        subset=subset,
        config_path=workspace.config_path,
        config_bytes=config_bytes,
        changes=changes,
        files=files,
        images=len(images),
        preflight=preflight,
        cancelled=cancelled(),
    )


def _check_local_layout(data: dict[str, Any], workspace: Workspace, preflight: Preflight) -> None:
    """A train_data_dir here from which sd-scripts would read zero images is an error.

    sd-scripts reads only ``<repeats>_<name>`` subfolders; config-check already reports
    images lying in train_data_dir itself, this adds subfolders without repeats."""
    from bespoke_gui.core.config.sdscripts_args import find_key
    from bespoke_gui.core.workspace import list_images

    value = find_key(data, "train_data_dir")
    if not isinstance(value, str) or not value or workspace.config_path is None:
        return
    folder = Path(value).expanduser()
    folder = folder if folder.is_absolute() else workspace.config_path.parent / folder
    if not folder.is_dir() or list_images(folder):
        return
    subfolders = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    readable = [
        p
        for p in subfolders
        if REPEATS_DIR_RE.match(p.name) and int(p.name.split("_")[0]) > 0 and list_images(p)
    ]
    if subfolders and not readable:
        names = ", ".join(p.name for p in subfolders[:3])
        preflight.dataset_errors.append(
            f"train_data_dir {value} holds no <repeats>_<name> folder ({names}): sd-scripts would read "
            "zero images from it as it stands (the package lays the images out as they should be)"
        )


# ---------------------------------------------------------------- writing


# ---------------------------------------------------------------- verifying
