"""Restore a backup: every file goes back where ``backup.restore_plan`` says, and nowhere else.

The backup is verified first. Restoring then backs up the current state of the same files
(verified), and puts each file back atomically, so a restore can itself be undone. A file
outside the restore root is written only when the caller names that exact path, and never
through a link.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bespoke_gui.core.dataset.backup import (
    BackupCancelled,
    BackupError,
    BackupInfo,
    copy_hashing,
    create_backup,
    read_manifest,
    restore_plan,
    verify_backup,
)
from bespoke_gui.core.files import atomic_open, check_writable, stays_inside
from bespoke_gui.core.findings import Finding
from bespoke_gui.core.jobs import (
    CancelFn,
    ProgressFn,
    describe_exception,
    never_cancelled,
    no_progress,
)


@dataclass
class RestoreReport:
    root: Path | None = None  # the folder the restore wrote into
    restored: list[Path] = field(default_factory=list)
    safety_backup: BackupInfo | None = None
    errors: list[Finding] = field(default_factory=list)
    cancelled: bool = False


def backup_targets(backup_dir: Path, target_root: Path | None = None) -> list[tuple[Path, Path, dict]]:
    """(stored copy, where it goes back to, manifest entry) for every file of a backup."""
    return [(t.stored, t.dest, t.entry) for t in restore_plan(backup_dir, target_root).targets]


def restore_backup(
    backup_dir: Path,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
    safety_backup: bool = True,
    only: Iterable[str] | None = None,
    target_root: Path | None = None,
    allow_outside: Iterable[str | Path] = (),
) -> RestoreReport:
    """Put the files of a backup back under the restore root (see :func:`restore_plan`).

    The backup is verified first; a backup that does not match its manifest (a file
    missing, changed, or not in it) restores nothing. With ``safety_backup`` the current
    state of every file about to be replaced is backed up (and verified) beside the
    restored backup first. ``only`` limits the restore to these stored paths. A file
    outside the root is restored only when its exact path is in ``allow_outside``; a
    file that is a link, or whose folder leads out of the root, is never written.
    """
    backup_dir = Path(backup_dir)
    check = verify_backup(backup_dir)
    if not check.ok:
        raise BackupError(
            "the backup does not match its manifest, so nothing was restored: "
            + "; ".join(check.problems()[:5])
        )
    manifest = read_manifest(backup_dir)
    plan = restore_plan(backup_dir, target_root)
    confirmed = {os.path.abspath(p) for p in allow_outside}
    wanted = set(only) if only is not None else None
    report = RestoreReport(root=plan.root)
    if wanted is not None:
        # A name the backup does not hold is reported, not silently skipped.
        held = {str(t.entry["path"]) for t in plan.targets}
        report.errors.extend(Finding.error(name, "not in this backup") for name in sorted(wanted - held))
    targets = []
    for target in plan.targets:
        if wanted is not None and target.entry["path"] not in wanted:
            continue
        if target.outside and os.path.abspath(target.dest) not in confirmed:
            report.errors.append(
                Finding.error(
                    str(target.dest), "outside the workspace; not restored unless this path is confirmed"
                )
            )
        elif target.dest.is_symlink():
            report.errors.append(Finding.error(str(target.dest), "is a link; not written through it"))
        else:
            try:
                # A read-only file or folder is refused before the safety backup, which
                # then holds only what is about to be replaced.
                check_writable(target.dest)
            except OSError as exc:
                report.errors.append(Finding.error(str(target.dest), describe_exception(exc)))
                continue
            targets.append(target)
    existing = [t.dest for t in targets if t.dest.exists()]
    if safety_backup and existing:
        try:
            report.safety_backup = create_backup(
                existing,
                source_root=plan.root,
                dest_parent=backup_dir.parent,
                kind=str(manifest.get("kind", "backup")),
                label=f"before restoring {backup_dir.name}",
                cancelled=cancelled,
            )
        except BackupCancelled:
            report.cancelled = True
            return report
    for index, target in enumerate(targets):
        if cancelled():
            report.cancelled = True
            break
        dest = target.dest
        try:
            _make_folders(dest.parent, plan.root, target.outside)
            _restore_file(target.stored, dest, str(target.entry["sha256"]))
            report.restored.append(dest)
        except (OSError, BackupError) as exc:
            report.errors.append(Finding.error(str(dest), _reason(exc, dest)))
        progress(index + 1, len(targets), f"restoring {dest.name}")
    return report


def _reason(exc: BaseException, dest: Path) -> str:
    # The Finding names the file already; the reason must not name it again.
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror if exc.filename in (None, str(dest)) else describe_exception(exc)
    return describe_exception(exc)


def _make_folders(folder: Path, root: Path, outside: bool) -> None:
    """Create the folders a restored file needs, none of them through a link out of ``root``."""
    if outside:
        # A confirmed outside file goes back into a folder that exists; none is created there.
        if not folder.is_dir():
            raise FileNotFoundError(errno.ENOENT, "its folder no longer exists", str(folder))
        return
    existing = folder
    while not existing.exists() and existing != root and existing != existing.parent:
        existing = existing.parent
    # Checked before anything is created: mkdir through a link would make folders outside.
    # (A root that does not exist yet is a real path the caller named.)
    if existing != root and root.is_relative_to(existing):
        pass
    elif not stays_inside(existing, root):
        raise OSError(errno.ELOOP, "its folder leads out of the workspace through a link; not restored")
    folder.mkdir(parents=True, exist_ok=True)


def _restore_file(src: Path, dest: Path, expected_sha: str) -> None:
    """Copy ``src`` over ``dest`` atomically, hashing as it goes.

    A copy that does not match the manifest (the backup changed since it was verified)
    raises inside the atomic write, so ``dest`` keeps its current content.
    """
    with open(src, "rb") as reader, atomic_open(dest) as writer:
        sha, _size = copy_hashing(reader, writer)
        if sha != expected_sha:
            raise BackupError(f"the backup copy {src.name} changed since it was verified; not restored")
