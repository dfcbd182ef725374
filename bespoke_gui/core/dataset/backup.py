"""Backups with SHA-256 manifests: create (and verify), list, verify, and plan a restore.

A backup is a folder ``<dest_parent>/<kind>-<YYYYmmdd-HHMMSS>[-n]/`` holding copies of
the files under their paths relative to ``source_root`` and a ``manifest.json`` naming
every file with its size and SHA-256. A backup is only reported as made after every
copy was read back and matched its hash; otherwise the half-made folder is removed and
``BackupError`` raised, so no later step can trust a backup that isn't one.

A backup folder may have been copied, received or edited, so its manifest is not
trusted about where files go: :func:`restore_plan` puts every file inside the workspace
the backup lies in (the folder holding its ``backups/`` folder) or a target the caller
names, and marks a file kept outside (a config elsewhere). The restore itself is in
:mod:`restore`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from bespoke_gui.core.files import atomic_write_text, make_folder, stays_inside
from bespoke_gui.core.jobs import (
    CancelFn,
    ProgressFn,
    describe_exception,
    never_cancelled,
    no_progress,
)
from bespoke_gui.core.workspace import DEFAULT_CAPTION_EXTENSION, list_captions, list_images

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
_EXTERNAL_DIR = "_external"
_CHUNK = 1 << 20
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


class BackupError(Exception):
    """A backup could not be made or did not verify; nothing destructive may follow."""


class DiskFull(BackupError):
    """The disk filled up while a backup was written; the half backup is gone, nothing changed."""

    def __init__(self) -> None:
        super().__init__("disk full: backup not made, nothing changed")


class BackupCancelled(BackupError):
    """The user cancelled while a backup was being made; nothing of it was kept."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: str
    label: str
    created: str  # ISO 8601, local time
    file_count: int
    total_bytes: int
    source_root: Path


@dataclass
class VerifyReport:
    ok: bool
    checked: int
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    # Where the manifest points elsewhere than the workspace the backup lies in.
    restore_root: Path | None = None
    source_root_elsewhere: str | None = None
    outside: list[tuple[str, Path]] = field(default_factory=list)  # (stored path, original)

    def problems(self) -> list[str]:
        return (
            [f"missing: {p}" for p in self.missing]
            + [f"changed: {p}" for p in self.changed]
            + [f"not in manifest: {p}" for p in self.extra]
        )

    def notes(self) -> list[str]:
        """What a restore would do differently from what the manifest says."""
        out = []
        if self.source_root_elsewhere is not None:
            out.append(
                f"the manifest's source_root is {self.source_root_elsewhere}, not this workspace; "
                f"a restore writes into {self.restore_root}"
            )
        out += [
            f"{stored} would be restored outside the workspace, to {original} "
            "(only when that exact path is confirmed)"
            for stored, original in self.outside
        ]
        return out


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def copy_hashing(reader: IO[bytes], writer: IO[bytes]) -> tuple[str, int]:
    """Copy one open file into another in chunks; the SHA-256 and size of what went through."""
    digest = hashlib.sha256()
    size = 0
    while chunk := reader.read(_CHUNK):
        digest.update(chunk)
        writer.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _stored_name(file: Path, source_root: Path, index: int, used: set[str]) -> str:
    """Where a file goes inside the backup: its path under source_root, or _external/n/name.

    A file that would clash with the manifest or with another stored name (a workspace
    file that is itself under ``_external/``) is stored as external too: its entry keeps
    its original path, so it still goes back where it came from.
    """
    try:
        stored = file.relative_to(source_root).as_posix()
    except ValueError:
        stored = ""
    if not stored or stored == MANIFEST_NAME or stored.split("/")[0] == _EXTERNAL_DIR or stored in used:
        stored = f"{_EXTERNAL_DIR}/{index}/{file.name}"
        while stored in used:
            index += 1
            stored = f"{_EXTERNAL_DIR}/{index}/{file.name}"
    used.add(stored)
    return stored


def _safe_kind(kind: str) -> str:
    """``kind`` names the backup folder, so it must stay one plain word."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(kind)).strip(".-")
    return cleaned or "backup"


def _new_backup_dir(dest_parent: Path, kind: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = dest_parent / f"{_safe_kind(kind)}-{stamp}"
    n = 1
    while candidate.exists():
        n += 1
        candidate = dest_parent / f"{_safe_kind(kind)}-{stamp}-{n}"
    return candidate


def _copy_file(src: Path, dest: Path) -> tuple[str, int]:
    """Copy ``src`` to ``dest`` hashing as it goes; returns (sha256, size)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as reader, open(dest, "wb") as writer:
        sha, size = copy_hashing(reader, writer)
        writer.flush()
        os.fsync(writer.fileno())
    shutil.copystat(src, dest, follow_symlinks=True)
    return sha, size


def _write_error(exc: OSError, doing: str) -> BackupError:
    """DiskFull for a full disk or quota, else a BackupError saying what could not be done."""
    if exc.errno in _DISK_FULL:
        return DiskFull()
    return BackupError(f"{doing}: {describe_exception(exc)}")


def create_backup(
    files: Iterable[Path],
    source_root: Path,
    dest_parent: Path,
    kind: str,
    label: str = "",
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> BackupInfo:
    """Copy ``files`` into a new backup folder and verify every copy against its hash.

    Any unreadable source, write failure, cancel or mismatch removes the partial
    backup and raises BackupError (BackupCancelled for a cancel): a backup is all or
    nothing.
    """
    kind = _safe_kind(kind)
    source_root = Path(source_root).resolve()
    unique = list(dict.fromkeys(Path(f).resolve() for f in files))
    dest_parent = Path(dest_parent)
    try:
        make_folder(dest_parent)
    except OSError as exc:
        raise BackupError(
            f"cannot create the backup folder {dest_parent}: {describe_exception(exc)}"
        ) from exc
    backup_dir = _new_backup_dir(dest_parent, kind)
    total = len(unique) * 2  # copy, then verify
    entries: list[dict[str, object]] = []
    used_names: set[str] = set()
    try:
        try:
            backup_dir.mkdir()
        except OSError as exc:
            raise _write_error(exc, f"cannot create {backup_dir}") from exc
        for index, src in enumerate(unique):
            if cancelled():
                raise BackupCancelled("backup cancelled; nothing was kept")
            stored = _stored_name(src, source_root, index, used_names)
            try:
                sha, size = _copy_file(src, backup_dir / stored)
            except OSError as exc:
                raise _write_error(exc, f"cannot back up {src}") from exc
            entries.append({"path": stored, "original": str(src), "size": size, "sha256": sha})
            progress(index + 1, total, f"copying {src.name}")
        manifest = {
            "format": MANIFEST_FORMAT,
            "kind": kind,
            "label": label,
            "created": datetime.now().isoformat(timespec="seconds"),
            # Orders backups made within the same second (list_backups).
            "created_unix": time.time(),
            "source_root": str(source_root),
            "files": entries,
        }
        try:
            atomic_write_text(
                backup_dir / MANIFEST_NAME, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
            )
        except OSError as exc:
            raise _write_error(exc, f"cannot write the manifest in {backup_dir}") from exc
        report = verify_backup(
            backup_dir,
            progress=lambda done, _t, msg: progress(len(unique) + done, total, msg),
            cancelled=cancelled,
        )
        if cancelled():
            raise BackupCancelled("backup cancelled; nothing was kept")
        if not report.ok:
            raise BackupError("the backup did not verify: " + "; ".join(report.problems()[:5]))
    except BaseException:
        shutil.rmtree(backup_dir, ignore_errors=True)
        raise
    return _info_from_manifest(backup_dir, manifest)


def read_manifest(backup_dir: Path) -> dict:
    path = Path(backup_dir) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{backup_dir} is not a backup: it has no {MANIFEST_NAME}") from exc
    except (OSError, ValueError) as exc:
        raise BackupError(f"cannot read the manifest of {backup_dir}: {describe_exception(exc)}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise BackupError(f"the manifest of {backup_dir} is damaged")
    for entry in data["files"]:
        if not _entry_is_sound(entry):
            raise BackupError(f"the manifest of {backup_dir} is damaged: bad entry {str(entry)[:120]}")
    return data


def _entry_is_sound(entry: object) -> bool:
    """A manifest entry names a file inside the backup (never ``..`` or an absolute path)."""
    if not isinstance(entry, dict):
        return False
    stored, sha, size = entry.get("path"), entry.get("sha256"), entry.get("size")
    if (
        not isinstance(stored, str)
        or not stored
        or not isinstance(sha, str)
        or not isinstance(entry.get("original"), str)
    ):
        return False
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return False
    parts = stored.replace("\\", "/").split("/")
    return (
        not stored.startswith("/") and ".." not in parts and ":" not in parts[0] and stored != MANIFEST_NAME
    )


def _info_from_manifest(backup_dir: Path, manifest: dict) -> BackupInfo:
    files = manifest.get("files", [])
    return BackupInfo(
        path=Path(backup_dir),
        kind=str(manifest.get("kind", "")),
        label=str(manifest.get("label", "")),
        created=str(manifest.get("created", "")),
        file_count=len(files),
        total_bytes=sum(int(f.get("size", 0)) for f in files),
        source_root=Path(str(manifest.get("source_root", ""))),
    )


def verify_backup(
    backup_dir: Path, progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled
) -> VerifyReport:
    """Re-hash every file of a backup against its manifest."""
    backup_dir = Path(backup_dir)
    manifest = read_manifest(backup_dir)
    entries = manifest["files"]
    report = VerifyReport(ok=True, checked=0)
    listed = set()
    for index, entry in enumerate(entries):
        if cancelled():
            report.ok = False
            break
        stored = str(entry["path"])
        listed.add(stored)
        path = backup_dir / stored
        try:
            if path.stat().st_size != int(entry["size"]) or sha256_file(path) != entry["sha256"]:
                report.changed.append(stored)
        except FileNotFoundError:
            report.missing.append(stored)
        except OSError:
            report.changed.append(stored)
        report.checked += 1
        progress(index + 1, len(entries), f"verifying {Path(stored).name}")
    for path in backup_dir.rglob("*"):
        if path.is_file() and path.name != MANIFEST_NAME:
            rel = path.relative_to(backup_dir).as_posix()
            if rel not in listed:
                report.extra.append(rel)
    report.ok = report.ok and not (report.missing or report.changed or report.extra)
    plan = restore_plan(backup_dir)
    report.restore_root = plan.root
    if plan.source_root_elsewhere:
        report.source_root_elsewhere = str(manifest.get("source_root", ""))
    report.outside = [(str(t.entry["path"]), t.dest) for t in plan.targets if t.outside]
    return report


def list_backups(dest_parent: Path, kind: str | None = None) -> list[BackupInfo]:
    """Backups in ``dest_parent``, newest first; folders without a readable manifest are skipped."""
    dest_parent = Path(dest_parent)
    if not dest_parent.is_dir():
        return []
    found: list[tuple[tuple[str, float, tuple[object, ...]], BackupInfo]] = []
    for child in dest_parent.iterdir():
        if not (child / MANIFEST_NAME).is_file():
            continue
        try:
            manifest = read_manifest(child)
        except BackupError:
            continue
        info = _info_from_manifest(child, manifest)
        if kind is None or info.kind == kind:
            try:
                created_unix = float(manifest.get("created_unix", 0.0))
            except (TypeError, ValueError):
                created_unix = 0.0
            found.append(((info.created, created_unix, _natural_key(child.name)), info))
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [info for _key, info in found]


_BACKUP_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+-\d{8}-\d{6}(-\d+)?$")
# A folder this fresh may be a backup being made right now (another window, the CLI).
_INCOMPLETE_AFTER_SECONDS = 120.0


def list_incomplete_backups(dest_parent: Path, now: float | None = None) -> list[Path]:
    """Half-made backup folders (a backup killed before its manifest was written).

    They are never shown as backups; these are the folders named like a backup, with no
    readable manifest, untouched for a while. A folder that is a link is never listed.
    """
    dest_parent = Path(dest_parent)
    now = time.time() if now is None else now
    found = []
    try:
        children = sorted(dest_parent.iterdir())
    except OSError:
        return []
    for child in children:
        try:
            if child.is_symlink() or not child.is_dir() or not _BACKUP_NAME_RE.match(child.name):
                continue
            if now - child.stat().st_mtime < _INCOMPLETE_AFTER_SECONDS:
                continue
        except OSError:
            continue
        try:
            read_manifest(child)
        except BackupError:
            found.append(child)
    return found


def remove_incomplete_backup(folder: Path) -> None:
    """Remove one half-made backup folder; refuses anything that is a complete backup."""
    folder = Path(folder)
    if folder.is_symlink() or not _BACKUP_NAME_RE.match(folder.name):
        raise BackupError(f"{folder} is not a backup folder; not removed")
    try:
        read_manifest(folder)
    except BackupError:
        shutil.rmtree(folder)
        return
    raise BackupError(f"{folder} is a complete backup; not removed")


def _natural_key(name: str) -> tuple[object, ...]:
    # "dataset-...-10" is newer than "dataset-...-9".
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def workspace_of(backup_dir: Path) -> Path:
    """The workspace a backup lies in: the folder holding its ``backups/`` folder."""
    return Path(os.path.realpath(backup_dir)).parent.parent


@dataclass(frozen=True)
class RestoreTarget:
    stored: Path  # the copy inside the backup
    dest: Path  # where it goes back to
    entry: dict
    outside: bool  # dest lies outside the restore root (a config kept elsewhere)


@dataclass(frozen=True)
class RestorePlan:
    root: Path
    targets: list[RestoreTarget]
    source_root_elsewhere: bool  # the manifest's source_root is not inside the workspace


def restore_plan(backup_dir: Path, target_root: Path | None = None) -> RestorePlan:
    """Where every file of a backup goes back to, whatever the manifest claims.

    The root is ``target_root`` when given, else the manifest's ``source_root`` when it
    lies inside the workspace the backup lies in, else that workspace (a copied
    workspace restores into the copy, never into the original). Files that were under
    ``source_root`` go back under the root; any other file keeps its original path and
    is marked ``outside``.
    """
    manifest = read_manifest(backup_dir)
    source_root = Path(str(manifest.get("source_root", "")))
    home = workspace_of(backup_dir)
    elsewhere = not (source_root.is_absolute() and stays_inside(source_root, home))
    if target_root is not None:
        root = Path(os.path.realpath(target_root))
    else:
        root = home if elsewhere else Path(os.path.realpath(source_root))
    targets = []
    for entry in manifest["files"]:
        stored = str(entry["path"])
        if stored.startswith(_EXTERNAL_DIR + "/"):
            original = Path(str(entry["original"]))
            try:
                # A workspace file stored as external goes back under the (new) root.
                dest = root / original.relative_to(source_root) if source_root.is_absolute() else original
            except ValueError:
                dest = original
        else:
            dest = root / stored
        outside = not dest.is_absolute() or not stays_inside(dest.parent, root)
        targets.append(RestoreTarget(Path(backup_dir) / stored, dest, entry, outside))
    return RestorePlan(root, targets, elsewhere)


def dataset_files(
    images_dir: Path, caption_extension: str = DEFAULT_CAPTION_EXTENSION, config_path: Path | None = None
) -> list[Path]:
    """What a dataset backup holds: every image, every caption and the training config."""
    files = list_images(images_dir) + list_captions(images_dir, caption_extension)
    if config_path is not None and Path(config_path).is_file():
        files.append(Path(config_path))
    return files


def backup_dataset(
    root: Path,
    images_dir: Path,
    backups_dir: Path,
    caption_extension: str = DEFAULT_CAPTION_EXTENSION,
    config_path: Path | None = None,
    label: str = "",
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> BackupInfo:
    """A verified ``dataset`` backup of images, captions and config (paths kept under ``root``)."""
    files = dataset_files(images_dir, caption_extension, config_path)
    return create_backup(
        files, root, backups_dir, kind="dataset", label=label, progress=progress, cancelled=cancelled
    )
