"""Config commands: ``config-diff``, ``config-set`` and ``config-check``.

* ``config-diff A B [--json] [--flat] [--text]``: key-level differences (added, removed,
  changed, type_changed), by table or (``--flat``) on the keys sd-scripts really sees;
  ``--text`` prints a unified line diff instead.
* ``config-set FILE key=value...``: keys as ``table.key``, values in TOML syntax; every
  comment and spelling elsewhere in the file is kept, a verified backup is taken first.
* ``config-check FILE [--workspace DIR] [--json]``: exits 1 when a finding is an error.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

from bespoke_gui.commands._progress import TerminalProgress, one_line
from bespoke_gui.core.config.checks import check_file
from bespoke_gui.core.config.diff import diff_flattened, diff_grouped, line_counts, summarize
from bespoke_gui.core.config.document import load_config
from bespoke_gui.core.config.editing import EditResult, set_comment, set_value
from bespoke_gui.core.config.errors import ConfigError
from bespoke_gui.core.config.key_scan import scan_keys
from bespoke_gui.core.config.saving import save_config
from bespoke_gui.core.dataset.backup import BackupError
from bespoke_gui.core.findings import Severity
from bespoke_gui.core.workspace import discover


def _err(message: str) -> None:
    sys.stderr.write(f"error: {one_line(message)}\n")


def _report(path: Path | str, exc: BaseException) -> None:
    message = str(exc)
    _err(message if message.startswith(str(path)) else f"{path}: {message}")


def _load_or_report(path: str):
    try:
        return load_config(Path(path))
    except ConfigError as exc:
        _report(path, exc)
        return None


# ---------------------------------------------------------------- config-diff


def _run_diff(args: argparse.Namespace) -> int:
    left, right = _load_or_report(args.a), _load_or_report(args.b)
    if left is None or right is None:
        return 2
    if args.text:
        diff = difflib.unified_diff(
            left.text().splitlines(True), right.text().splitlines(True), fromfile=args.a, tofile=args.b
        )
        sys.stdout.writelines(line if line.endswith("\n") else line + "\n" for line in diff)
        inserted, deleted = line_counts(left.text(), right.text())
        sys.stderr.write(f"{inserted} insertions(+), {deleted} deletions(-)\n")
        return 0
    changes = (diff_flattened if args.flat else diff_grouped)(left.data(), right.data())
    if args.json:
        json.dump([change.to_json() for change in changes], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    for change in changes:
        print(change.describe())
    counts = summarize(changes)
    view = "keys sd-scripts sees" if args.flat else "keys by table"
    parts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items() if n)
    print(
        f"{len(changes)} difference{'s' if len(changes) != 1 else ''} ({view}){': ' + parts if parts else ''}"
    )
    return 0


# ---------------------------------------------------------------- config-set


def _parse_assignment(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"{text!r}: write key=value, e.g. training_arguments.max_train_epochs=8")
    return key.strip(), value.strip()


def _run_set(args: argparse.Namespace) -> int:
    path = Path(args.file)
    cfg = _load_or_report(args.file)
    if cfg is None:
        return 2
    results: list[EditResult] = []
    problems = 0
    for assignment in args.assignments:
        try:
            key, value = _parse_assignment(assignment)
            results.append(set_value(cfg.doc, key, value))
        except ConfigError as exc:
            _report(path, exc)
            problems += 1
    if problems:
        _err(f"{path}: nothing was changed")
        return 1
    for result in results:
        if result.lie is not None and args.comments != "keep":
            set_comment(cfg.doc, result.key, result.lie.suggestion if args.comments == "update" else None)
    if not cfg.modified:
        print(f"{path}: already set; nothing to change")
        return 0
    backups = Path(args.workspace).expanduser() / "backups" if args.workspace else None
    try:
        saved = save_config(cfg, backups_dir=backups)
    except (ConfigError, BackupError, OSError) as exc:
        _report(path, exc)
        return 1
    lines = scan_keys(cfg.text()).lines
    for result in results:
        if not result.changed:
            print(f"{result.key}: already {result.new_text}")
            continue
        old = "(added)" if result.added else result.old_text
        print(f"{result.key}: {old} -> {result.new_text}")
        if result.lie is not None:
            where = f"line {lines.get(result.key, '?')}"
            if args.comments == "keep":
                print(
                    f"  note: {where}: the comment may now be wrong ({result.lie.reason}): {result.lie.comment}"
                )
                print(f"        suggested: {result.lie.suggestion}  (--comments update|drop)")
            else:
                print(
                    f"  comment {'updated' if args.comments == 'update' else 'dropped'} ({result.lie.reason})"
                )
    if saved.backup is not None:
        print(f"backup: {saved.backup.path}")
    return 0


# ---------------------------------------------------------------- config-check


def _run_check(args: argparse.Namespace) -> int:
    workspace = None
    if args.workspace:
        folder = Path(args.workspace).expanduser()
        if not folder.is_dir():
            _err(f"{folder}: not a folder")
            return 2
        workspace = discover(folder)
    report = check_file(args.file, workspace, progress=TerminalProgress("reading images"))
    if args.json:
        json.dump(
            [finding.to_json(str(args.file)) for finding in report.findings],
            sys.stdout,
            indent=2,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
    else:
        for finding in report.findings:
            where = f"{args.file}:{finding.line}" if finding.line else str(args.file)
            key = f"{finding.key}: " if finding.key else ""
            line = f"{where}: {finding.severity}: {key}{finding.message}"
            if finding.severity == Severity.ERROR:
                sys.stderr.write(one_line(f"error: {where}: {key}{finding.message}") + "\n")
            else:
                print(line)
        counts = report.counts()
        print(
            f"{report.kind} config: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes"
        )
    return 1 if report.has_errors else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    diff = subparsers.add_parser(
        "config-diff",
        help="key-level diff of two TOML configs",
        description="Compare two configs key by key (type changes included).",
    )
    diff.add_argument("a", help="first config (e.g. the older run)")
    diff.add_argument("b", help="second config")
    diff.add_argument("--json", action="store_true", help="a JSON list of {key, kind, old, new, ...}")
    diff.add_argument(
        "--flat",
        action="store_true",
        help="compare the keys sd-scripts sees after merging all sections (later duplicate wins)",
    )
    diff.add_argument("--text", action="store_true", help="a unified line diff instead")
    diff.set_defaults(func=_run_diff)

    setter = subparsers.add_parser(
        "config-set",
        help="set keys in a TOML config, keeping its formatting",
        description="Set table.key=value (TOML value syntax) after a verified backup.",
    )
    setter.add_argument("file", help="the TOML config to change")
    setter.add_argument(
        "assignments",
        nargs="+",
        metavar="key=value",
        help="e.g. training_arguments.resolution='\"256,256\"' training_arguments.max_train_epochs=8",
    )
    setter.add_argument(
        "--workspace",
        help="put the backup in this workspace's backups folder (default: backups beside the config)",
    )
    setter.add_argument(
        "--comments",
        choices=("keep", "update", "drop"),
        default="keep",
        help="what to do with a trailing comment the change made untrue (default: keep and report)",
    )
    setter.set_defaults(func=_run_set)

    check = subparsers.add_parser(
        "config-check",
        help="check a config against sd-scripts and the workspace",
        description="Unknown keys, repeats, wrong types, ranges, and the workspace's "
        "images, captions and sample prompts. Exits 1 when it finds an error.",
    )
    check.add_argument("file", help="the TOML config to check")
    check.add_argument("--workspace", help="also check against this workspace folder")
    check.add_argument("--json", action="store_true", help="a JSON list of findings")
    check.set_defaults(func=_run_check)
