"""A training package: one verified zip that a GPU pod can train from as it is.

``plan_package(root)`` reads the workspace and runs the pre-flight (config-check, caption
lint, the dataset checks sd-scripts cares about) and works out the pod's config: the
workspace's config with only its path keys rewritten under the pod root (tomlkit, every
other byte kept). ``write_package(plan, out)`` writes::

    <name>/training_data/<repeats>_<subset>/   the images and their captions
    <name>/training_config.toml               the config, path keys rewritten
    <name>/<prompts file>                     when the config names one
    <name>/train.sh                           checks the sums, then sd-scripts' launch line
    <name>/MANIFEST.json                      files, sizes, hashes, source, pre-flight summary
    <name>/SHA256SUMS                         ``sha256sum -c SHA256SUMS`` passes inside <name>/

and nothing else. The zip is written under a temporary name beside ``out`` and renamed
only when complete, so a killed run leaves no partial ``.zip``. ``verify_package(zip)``
checks a package again (on the pod or after a download).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import stat
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import tomlkit

from bespoke_gui import __version__
from bespoke_gui.core.captions.caption_files import CaptionError, load_caption_dataset
from bespoke_gui.core.captions.keywords import KeywordsError, keywords_for_workspace
from bespoke_gui.core.captions.lint import LintInput, lint_dataset, read_training_settings
from bespoke_gui.core.config.checks import check_config, read_image_sizes
from bespoke_gui.core.config.tomlconfig import ConfigError, iter_entries, load_config, set_value
from bespoke_gui.core.files import TEMP_PREFIX
from bespoke_gui.core.findings import Severity
from bespoke_gui.core.jobs import CancelFn, ProgressFn, never_cancelled, no_progress
from bespoke_gui.core.workspace import Workspace, discover

FORMAT = "bespoke-gui training package 1"
CONFIG_NAME = "training_config.toml"
DATA_DIRNAME = "training_data"
SUMS_NAME = "SHA256SUMS"
MANIFEST_NAME = "MANIFEST.json"
SCRIPT_NAME = "train.sh"
DEFAULT_REPEATS = 10
# sd-scripts reads "<repeats>_<class tokens>" folders: int(name.split("_")[0]) must work.
REPEATS_DIR_RE = re.compile(r"^(?P<repeats>\d+)_(?P<name>.+)$")
# The keys that name places; everything else in the config is kept byte for byte.
PATH_KEYS = ("train_data_dir", "output_dir", "logging_dir", "sample_prompts", "dataset_config")
_POD_SUBDIR = {"train_data_dir": DATA_DIRNAME, "output_dir": "output", "logging_dir": "logs"}
_SAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")
_PART_SUFFIX = ".zip.part"
_READ_CHUNK = 1 << 20


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


@dataclass
class PackageResult:
    path: Path | None
    files: int = 0
    total_bytes: int = 0
    cancelled: bool = False


@dataclass
class VerifyReport:
    path: Path
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    name: str = ""
    images: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


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


def _inside(path: Path, root: Path) -> bool:
    try:
        return Path(os.path.realpath(path)).is_relative_to(root)
    except OSError:
        return False


def _resolve_workspace_file(value: str, config_dir: Path, root: Path) -> Path | None:
    """A file the config names, found in this workspace (by its path, or by its name at the root)."""
    raw = Path(value).expanduser()
    candidates = [raw] if raw.is_absolute() else [config_dir / raw, root / raw]
    candidates += [config_dir / raw.name, root / raw.name]
    for candidate in candidates:
        if candidate.is_file() and _inside(candidate, root):
            return candidate
    return None


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
        if not _inside(entry.image, root):
            preflight.dataset_errors.append(f"{entry.image.name}: a link out of the workspace, not packaged")
            continue
        if entry.caption is None:
            preflight.dataset_errors.append(f"{entry.caption_path.name}: {entry.error}")
            continue
        if not entry.caption_exists:
            missing_captions.append(entry.image.name)
            continue
        if not _inside(entry.caption_path, root):
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
            source = _resolve_workspace_file(value, workspace.config_path.parent, root)
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


def train_script(plan: PackagePlan) -> str:
    """train.sh: check the files, then sd-scripts' own launch line for this config."""
    root = shlex.quote(plan.pod_root)
    config = shlex.quote(f"{plan.pod_root}/{CONFIG_NAME}")
    return f"""#!/usr/bin/env bash
# Written by Bespoke GUI {__version__} for the training package {plan.name}.
# Unzip so that this file is {plan.pod_root}/{SCRIPT_NAME} (the config's paths point there),
# then run: bash {plan.pod_root}/{SCRIPT_NAME}   (SD_SCRIPTS names the sd-scripts checkout)
set -euo pipefail
here="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
if [ "$here" != {root} ]; then
  echo "warning: the package is at $here but its config points at {plan.pod_root}" >&2
fi
(cd "$here" && sha256sum -c --quiet {SUMS_NAME})
SD_SCRIPTS="${{SD_SCRIPTS:-/workspace/sd-scripts}}"
cd "$SD_SCRIPTS"
accelerate launch --num_cpu_threads_per_process 1 train_network.py --config_file {config}
"""


def _zip_info(arcname: str, executable: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=time.localtime()[:6])
    info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _add_bytes(archive: zipfile.ZipFile, arcname: str, data: bytes, executable: bool = False) -> str:
    archive.writestr(_zip_info(arcname, executable), data)
    return hashlib.sha256(data).hexdigest()


def _add_file(archive: zipfile.ZipFile, arcname: str, source: Path) -> tuple[str, int]:
    """Stream one file into the zip, hashing what was written (no second read)."""
    digest = hashlib.sha256()
    size = 0
    # PNGs are compressed already: storing them is as small and much faster.
    info = _zip_info(arcname)
    if source.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp", ".gif"):
        info.compress_type = zipfile.ZIP_STORED
    with open(source, "rb") as handle, archive.open(info, "w", force_zip64=True) as dest:
        while chunk := handle.read(_READ_CHUNK):
            digest.update(chunk)
            dest.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def write_package(
    plan: PackagePlan,
    out: str | Path,
    allow_errors: bool = False,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
    overwrite: bool = False,
) -> PackageResult:
    """Write the zip (temp name, then rename). Refuses when the pre-flight found errors,
    unless ``allow_errors``, and an existing file, unless ``overwrite``."""
    out = Path(out)
    if out.exists() and not out.is_dir() and not overwrite:
        raise PackageError(f"{out}: exists; choose another name or replace it (--overwrite)")
    if plan.cancelled:
        raise PackageError("the pre-flight was cancelled: plan the package again")
    if plan.preflight.has_errors and not allow_errors:
        raise PackageError(
            f"the pre-flight found {len(plan.preflight.errors)} errors; fix them or allow errors "
            "(--allow-errors) to package anyway"
        )
    if out.is_dir():
        raise PackageError(f"{out}: is a folder; name the .zip file to write")
    if not out.parent.is_dir():
        raise PackageError(f"{out.parent}: no such folder")
    if out.is_symlink():
        raise PackageError(f"{out}: is a link; name a plain file")
    base = plan.name
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=_PART_SUFFIX, dir=out.parent)
    except OSError as exc:
        raise PackageError(f"{out.parent}: cannot write here ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    sums: list[tuple[str, str]] = []
    records: list[dict[str, Any]] = []
    total = len(plan.files) + 4
    total_bytes = 0
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
            progress(0, total, "writing the package")
            for index, item in enumerate(plan.files):
                if cancelled():
                    raise _Cancelled
                assert item.source is not None
                digest, size = _add_file(archive, f"{base}/{item.arcname}", item.source)
                sums.append((digest, item.arcname))
                records.append({"path": item.arcname, "size": size, "sha256": digest})
                total_bytes += size
                progress(index + 1, total, item.arcname)
            script = train_script(plan).encode("utf-8")
            for arcname, data, executable in (
                (CONFIG_NAME, plan.config_bytes, False),
                (SCRIPT_NAME, script, True),
            ):
                digest = _add_bytes(archive, f"{base}/{arcname}", data, executable)
                sums.append((digest, arcname))
                records.append({"path": arcname, "size": len(data), "sha256": digest})
                total_bytes += len(data)
            manifest = {
                "format": FORMAT,
                "name": plan.name,
                "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "app": f"bespoke-gui {__version__}",
                "source_workspace": str(plan.workspace.root),
                "source_config": str(plan.config_path),
                "pod_root": plan.pod_root,
                "train_data_dir": f"{plan.pod_root}/{DATA_DIRNAME}",
                "subset": plan.subset,
                "repeats": plan.repeats,
                "images": plan.images,
                "config_changes": [c.__dict__ for c in plan.changes],
                "preflight": plan.preflight.summary(),
                "errors_allowed": plan.preflight.errors if plan.preflight.has_errors else [],
                "files": sorted(records, key=lambda r: r["path"]),
            }
            data = (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
            sums.append((_add_bytes(archive, f"{base}/{MANIFEST_NAME}", data), MANIFEST_NAME))
            sums_text = "".join(f"{digest}  {name}\n" for digest, name in sorted(sums, key=lambda s: s[1]))
            _add_bytes(archive, f"{base}/{SUMS_NAME}", sums_text.encode("utf-8"))
            progress(total - 1, total, "finishing")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        if cancelled():
            raise _Cancelled
        # mkstemp makes 0600; a package is an ordinary file to share.
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except _Cancelled:
        _remove(tmp)
        return PackageResult(None, cancelled=True)
    except OSError as exc:
        _remove(tmp)
        raise PackageError(f"{out}: cannot write the package ({exc.strerror or exc})") from None
    except BaseException:
        _remove(tmp)
        raise
    progress(total, total, "package written")
    return PackageResult(out, files=len(sums) + 1, total_bytes=total_bytes)


class _Cancelled(Exception):
    pass


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


# ---------------------------------------------------------------- verifying


def _member_is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def verify_package(
    path: str | Path, progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled
) -> VerifyReport:
    """Check a package: safe names, no links, every file against SHA256SUMS and the manifest,
    the config's train_data_dir holding captioned images."""
    path = Path(path)
    report = VerifyReport(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.problems.append(f"not a readable zip ({exc})")
        return report
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        tops = {PurePosixPath(m.filename).parts[0] for m in archive.infolist() if m.filename}
        if len(tops) != 1:
            report.problems.append(f"expected one package folder at the top, found {len(tops)}")
            return report
        base = report.name = tops.pop()
        by_name: dict[str, zipfile.ZipInfo] = {}
        for member in members:
            try:
                relative = safe_arcname(member.filename)
            except PackageError as exc:
                report.problems.append(str(exc))
                continue
            if _member_is_link(member):
                report.problems.append(f"{member.filename}: a link (packages hold plain files only)")
                continue
            by_name[relative.split("/", 1)[1] if "/" in relative else relative] = member
        if SUMS_NAME not in by_name:
            report.problems.append(f"no {SUMS_NAME}")
            return report
        listed: dict[str, str] = {}
        for line in archive.read(by_name[SUMS_NAME]).decode("utf-8", "replace").splitlines():
            digest, sep, name = line.partition("  ")
            if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest):
                report.problems.append(f"{SUMS_NAME}: a line sha256sum cannot read: {line[:80]}")
                continue
            listed[name] = digest
        manifest: dict[str, Any] = {}
        if MANIFEST_NAME in by_name:
            try:
                manifest = json.loads(archive.read(by_name[MANIFEST_NAME]))
            except ValueError:
                report.problems.append(f"{MANIFEST_NAME}: not valid JSON")
        else:
            report.problems.append(f"no {MANIFEST_NAME}")
        sizes = {r.get("path"): r for r in manifest.get("files", []) if isinstance(r, dict)}
        total = len(listed)
        for index, (name, digest) in enumerate(sorted(listed.items())):
            if cancelled():
                report.problems.append("cancelled before every file was checked")
                return report
            listed_member = by_name.get(name)
            if listed_member is None:
                report.problems.append(f"{name}: listed in {SUMS_NAME} but missing")
                continue
            member = listed_member
            hasher = hashlib.sha256()
            size = 0
            with archive.open(member) as handle:
                while chunk := handle.read(_READ_CHUNK):
                    hasher.update(chunk)
                    size += len(chunk)
            if hasher.hexdigest() != digest:
                report.problems.append(f"{name}: SHA-256 differs from {SUMS_NAME}")
            record = sizes.get(name)
            if name != MANIFEST_NAME and (
                record is None or record.get("sha256") != digest or record.get("size") != size
            ):
                report.problems.append(f"{name}: not as {MANIFEST_NAME} records it")
            report.checked += 1
            progress(index + 1, total, name)
        for name in sorted(set(by_name) - set(listed) - {SUMS_NAME}):
            report.problems.append(f"{name}: in the zip but not in {SUMS_NAME}")
        _verify_layout(archive, by_name, base, manifest, report)
    return report


def _verify_layout(
    archive: zipfile.ZipFile,
    by_name: dict[str, zipfile.ZipInfo],
    base: str,
    manifest: dict[str, Any],
    report: VerifyReport,
) -> None:
    """The config's train_data_dir must hold <repeats>_<name> folders of captioned images."""
    if CONFIG_NAME not in by_name:
        report.problems.append(f"no {CONFIG_NAME}")
        return
    import tomllib

    from bespoke_gui.core.config.sdscripts_args import find_key
    from bespoke_gui.core.workspace import IMAGE_EXTENSIONS

    try:
        data = tomllib.loads(archive.read(by_name[CONFIG_NAME]).decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        report.problems.append(f"{CONFIG_NAME}: not valid TOML ({exc})")
        return
    pod_root = manifest.get("pod_root")
    data_dir = find_key(data, "train_data_dir")
    if isinstance(pod_root, str) and data_dir != f"{pod_root}/{DATA_DIRNAME}":
        report.problems.append(
            f"{CONFIG_NAME}: train_data_dir is {data_dir!r}, not {pod_root}/{DATA_DIRNAME}"
        )
    extension = str(find_key(data, "caption_extension") or ".caption")
    extension = extension if extension.startswith(".") else "." + extension
    images = 0
    folders: set[str] = set()
    names = set(by_name)
    for name in names:
        parts = PurePosixPath(name).parts
        if len(parts) != 3 or parts[0] != DATA_DIRNAME:
            continue
        if PurePosixPath(name).suffix.lower() not in IMAGE_EXTENSIONS:
            continue
        folders.add(parts[1])
        if not REPEATS_DIR_RE.match(parts[1]) or int(parts[1].split("_")[0]) < 1:
            report.problems.append(f"{name}: in a folder sd-scripts skips (not <repeats>_<name>)")
            continue
        images += 1
        caption = str(PurePosixPath(name).with_suffix(extension))
        if caption not in names:
            report.problems.append(f"{name}: no {extension} caption")
    report.images = images
    if images == 0:
        report.problems.append(f"{DATA_DIRNAME}/ holds no images sd-scripts would read")
