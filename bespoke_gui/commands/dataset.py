"""Dataset commands for a training machine without a screen.

``scan``, ``backup``, ``verify-backup``, ``restore``, ``resize`` and ``verify-size``. Each
prints a short report on stdout, one ``error: <path>: <message>`` line per problem on
stderr, and exits non-zero when there was a problem.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from bespoke_gui.commands._args import add_commands, whole_number_between, worker_count
from bespoke_gui.commands._progress import TerminalProgress, print_error, print_errors
from bespoke_gui.core.dataset.backup import (
    BackupError,
    BackupInfo,
    backup_dataset,
    list_incomplete_backups,
    remove_incomplete_backup,
    restore_plan,
    verify_backup,
)
from bespoke_gui.core.dataset.resize import ResizeError, resize_dataset, verify_sizes
from bespoke_gui.core.dataset.resize_filters import DEFAULT_SIZE, FILTERS
from bespoke_gui.core.dataset.restore import restore_backup
from bespoke_gui.core.dataset.scan import ScanResult, quick_scan, scan_folder
from bespoke_gui.core.files import leftover_temp_files, stays_inside
from bespoke_gui.core.findings import Finding
from bespoke_gui.core.workspace import discover, list_images

_SIZE = whole_number_between(1, 8192, "the size")


@dataclass(frozen=True)
class DatasetTarget:
    """What a DIR argument names: the images folder, the workspace root, its config."""

    root: Path
    images_dir: Path
    config_path: Path | None
    caption_extension: str

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"


class TargetError(Exception):
    pass


def resolve_target(folder: str | Path) -> DatasetTarget:
    """A dataset folder (images right there) or a workspace (images found inside)."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise TargetError(f"{path}: not a folder")
    workspace = discover(path)
    images_dir = workspace.images_dir
    if images_dir is None and list_images(workspace.root):
        images_dir = workspace.root
    if images_dir is None:
        raise TargetError(f"{path}: no images found (looked in the folder and its subfolders)")
    return DatasetTarget(workspace.root, images_dir, workspace.config_path, workspace.caption_extension)


def _target_or_report(folder: str) -> DatasetTarget | None:
    """The target ``folder`` names, or None after saying why there is none."""
    try:
        return resolve_target(folder)
    except TargetError as exc:
        print_error(str(exc))
        return None


def _format_row_table(result: ScanResult) -> list[str]:
    width = max([len(r.name) for r in result.rows] + [4])
    lines = [f"{'name':<{width}}  {'size':>9}  {'mode':<5} {'colours':>7}  {'grid':>7}  caption  problems"]
    for row in result.rows:
        colours = "" if row.colours is None else str(row.colours)
        lines.append(
            f"{row.name:<{width}}  {row.size_text:>9}  {row.mode:<5} {colours:>7}  {row.grid_text:>7}  "
            f"{'yes' if row.caption_present else 'NO':<7}  {'; '.join(row.problems())}"
        )
    return lines


def cmd_scan(args: argparse.Namespace) -> int:
    target = _target_or_report(args.dir)
    if target is None:
        return 2
    progress = TerminalProgress("scanning")
    if args.quick:
        result = quick_scan(target.images_dir, target.caption_extension, progress=progress)
    else:
        result = scan_folder(target.images_dir, target.caption_extension, progress=progress)
    summary = result.summary
    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), indent=1, ensure_ascii=False) + "\n")
    else:
        out = [f"images folder: {target.images_dir}"]
        if not args.summary_only:
            out += _format_row_table(result)
        out += summary.lines()
        for label, names in (
            ("without caption", summary.images_without_captions),
            ("caption without image", summary.captions_without_images),
            ("empty caption", summary.empty_captions),
            ("not square", summary.non_square),
            ("no exact pixel grid", summary.without_exact_grid),
        ):
            out += [f"  {label}: {name}" for name in names]
        sys.stdout.write("\n".join(out) + "\n")
    print_errors([Finding.error(str(result.folder / name), message) for name, message in summary.unreadable])
    return 1 if summary.unreadable or result.cancelled else 0


def _describe_backup(info: BackupInfo) -> str:
    return f"{info.path} ({info.file_count} files, {info.total_bytes / 1e6:.1f} MB, verified)"


def cmd_backup(args: argparse.Namespace) -> int:
    target = _target_or_report(args.dir)
    if target is None:
        return 2
    dest = Path(args.dest) if args.dest else target.backups_dir
    try:
        info = backup_dataset(
            target.root,
            target.images_dir,
            dest,
            target.caption_extension,
            target.config_path,
            label=args.label or "backup from the command line",
            progress=TerminalProgress("backing up"),
        )
    except BackupError as exc:
        print_error(f"{target.root}: {exc}")
        return 1
    sys.stdout.write(f"backup: {_describe_backup(info)}\n")
    return 0


def cmd_verify_backup(args: argparse.Namespace) -> int:
    backup_dir = Path(args.backup)
    try:
        report = verify_backup(backup_dir, progress=TerminalProgress("verifying"))
    except BackupError as exc:
        print_error(f"{backup_dir}: {exc}")
        return 1
    print_errors(
        [Finding.error(str(backup_dir / p), "missing from the backup") for p in report.missing]
        + [
            Finding.error(str(backup_dir / p), "changed since the backup was made (SHA-256 differs)")
            for p in report.changed
        ]
        + [Finding.error(str(backup_dir / p), "not in the manifest") for p in report.extra]
    )
    for note in report.notes():
        sys.stdout.write(f"note: {backup_dir}: {note}\n")
    if report.ok:
        sys.stdout.write(f"{backup_dir}: {report.checked} files match the manifest\n")
        return 0
    sys.stdout.write(f"{backup_dir}: does not match its manifest; restore will refuse it\n")
    return 1


def cmd_restore(args: argparse.Namespace) -> int:
    backup_dir = Path(args.backup)
    target = Path(args.target).expanduser() if args.target else None
    try:
        plan = restore_plan(backup_dir, target)
    except BackupError as exc:
        print_error(f"{backup_dir}: {exc}")
        return 1
    sys.stdout.write(f"restoring {backup_dir} into {plan.root}\n")
    try:
        report = restore_backup(
            backup_dir,
            progress=TerminalProgress("restoring"),
            target_root=target,
            allow_outside=[Path(p).expanduser().absolute() for p in args.allow_outside],
        )
    except BackupError as exc:
        print_error(f"{backup_dir}: {exc}")
        return 1
    if report.safety_backup is not None:
        sys.stdout.write(f"current files backed up first: {_describe_backup(report.safety_backup)}\n")
    outside = [p for p in report.restored if not stays_inside(p, plan.root)]
    sys.stdout.write(f"restored {len(report.restored) - len(outside)} files into {plan.root}\n")
    for path in outside:
        sys.stdout.write(f"restored outside the workspace (confirmed): {path}\n")
    print_errors(report.errors)
    refused = [e for e in report.errors if e.message.startswith("outside the workspace")]
    if refused:
        sys.stderr.write(
            "to restore a file outside the workspace, name it: --allow-outside PATH (once per file)\n"
        )
    return 1 if report.errors or report.cancelled else 0


def cmd_resize(args: argparse.Namespace) -> int:
    target = _target_or_report(args.dir)
    if target is None:
        return 2
    try:
        report = resize_dataset(
            target.images_dir,
            size=args.size,
            filter_name=args.filter,
            out_dir=Path(args.out) if args.out else None,
            in_place=args.in_place,
            caption_extension=target.caption_extension,
            backup_parent=target.backups_dir,
            extra_backup_files=[target.config_path] if target.config_path else [],
            backup_root=target.root,
            workers=args.workers,
            progress=TerminalProgress("resizing"),
        )
    except ResizeError as exc:
        print_error(f"{target.images_dir}: {exc}")
        return 1
    sys.stdout.write("\n".join(report.lines()) + "\n")
    for note in report.notes:
        sys.stdout.write(f"note: {note.path}: {note.message}\n")
    print_errors(report.errors)
    return 0 if report.ok else 1


def cmd_verify_size(args: argparse.Namespace) -> int:
    target = _target_or_report(args.dir)
    if target is None:
        return 2
    report = verify_sizes(target.images_dir, args.size, progress=TerminalProgress("checking"))
    sys.stdout.write(f"{target.images_dir}: " + "\n".join(report.lines()) + "\n")
    print_errors(
        [
            Finding.error(str(w.path), f"{w.width}x{w.height}, not {args.size}x{args.size}")
            for w in report.wrong
        ]
        + report.unreadable
    )
    return 0 if report.ok else 1


def cmd_leftovers(args: argparse.Namespace) -> int:
    """What a killed write or backup left behind; removed only with --remove."""
    root = Path(args.dir).expanduser()
    if not root.is_dir():
        print_error(f"{root}: not a folder")
        return 2
    workspace = discover(root)
    folders = {workspace.root}
    for part in (workspace.images_dir, workspace.config_path.parent if workspace.config_path else None):
        if part is not None:
            folders.add(part)
    temp_files = [f for folder in sorted(folders) for f in leftover_temp_files(folder)]
    incomplete = list_incomplete_backups(workspace.backups_dir)
    for path in temp_files:
        sys.stdout.write(f"temporary file of an interrupted write: {path}\n")
    for path in incomplete:
        sys.stdout.write(f"incomplete backup (no manifest, not usable): {path}\n")
    if not (temp_files or incomplete):
        sys.stdout.write(f"{workspace.root}: no leftovers\n")
        return 0
    if not args.remove:
        sys.stdout.write("to remove them: bespoke-gui leftovers DIR --remove\n")
        return 0
    failed = 0
    for path in temp_files:
        try:
            path.unlink()
        except OSError as exc:
            failed += 1
            print_error(f"{path}: {exc.strerror or exc}")
    for folder in incomplete:
        try:
            remove_incomplete_backup(folder)
        except (OSError, BackupError) as exc:
            failed += 1
            print_error(f"{folder}: {exc}")
    sys.stdout.write(f"removed {len(temp_files) + len(incomplete) - failed} leftovers\n")
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parsers = add_commands(
        subparsers,
        [
            ("scan", cmd_scan, "list every image (size, mode, colours, grid, caption) and a summary", None),
            ("backup", cmd_backup, "back up images, captions and config (verified, SHA-256 manifest)", None),
            ("verify-backup", cmd_verify_backup, "check a backup against its manifest", None),
            ("restore", cmd_restore, "restore a backup (the current files are backed up first)", None),
            (
                "leftovers",
                cmd_leftovers,
                "list temporary files and incomplete backups an interrupted run left behind",
                None,
            ),
            ("resize", cmd_resize, "resize every image to SIZE x SIZE; captions travel along", None),
            ("verify-size", cmd_verify_size, "list every image that is not SIZE x SIZE", None),
        ],
    )
    for name in ("scan", "backup", "resize", "verify-size"):
        parsers[name].add_argument("dir", help="a dataset folder or a workspace")
    for name in ("verify-backup", "restore"):
        parsers[name].add_argument("backup", help="the backup folder (holding manifest.json)")

    scan = parsers["scan"]
    scan.add_argument("--json", action="store_true", help="print rows and summary as JSON")
    scan.add_argument("--quick", action="store_true", help="headers only: no colour counts or grids")
    scan.add_argument("--summary-only", action="store_true", help="print the summary without the table")

    backup = parsers["backup"]
    backup.add_argument("--dest", help="folder to put the backup in (default: DIR/backups)")
    backup.add_argument("--label", default="", help="a note stored in the manifest")

    restore = parsers["restore"]
    restore.add_argument(
        "--target",
        help="restore into this folder (default: the workspace the backup lies in)",
    )
    restore.add_argument(
        "--allow-outside",
        action="append",
        default=[],
        metavar="PATH",
        help="also restore this file outside the workspace (a config kept elsewhere); once per file",
    )

    leftovers = parsers["leftovers"]
    leftovers.add_argument("dir", help="a workspace")
    leftovers.add_argument("--remove", action="store_true", help="remove them")

    resize = parsers["resize"]
    resize.add_argument("--size", type=_SIZE, default=DEFAULT_SIZE, help="target size (default 256)")
    resize.add_argument(
        "--filter",
        choices=list(FILTERS),
        default="lanczos",
        help="lanczos (smooth), nearest, or pixel (pixel-exact blocks from the true grid)",
    )
    where = resize.add_mutually_exclusive_group()
    where.add_argument("--out", help="new folder for the results (default: <images folder>_<size> beside it)")
    where.add_argument("--in-place", action="store_true", help="replace the images, after a verified backup")
    resize.add_argument("--workers", type=worker_count, default=None, help="threads (default: every core)")

    parsers["verify-size"].add_argument(
        "--size", type=_SIZE, default=DEFAULT_SIZE, help="expected size (default 256)"
    )
