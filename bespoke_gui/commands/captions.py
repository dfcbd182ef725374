"""Caption commands: ``lint``, ``caption-replace`` and ``caption-backups``.

``lint`` prints one line per finding (``--json``: a list of objects with file, rule,
severity, message and span) and exits 1 when any finding is an error. The batch
commands preview by default and change files only with ``--apply``, after a verified
caption backup.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from bespoke_gui.commands._args import whole_number_between
from bespoke_gui.commands._progress import TerminalProgress, one_line, print_errors
from bespoke_gui.core.captions.batch import (
    BatchError,
    BatchPlan,
    apply_plan,
    diff_backup,
    list_caption_backups,
    plan_add_phrase,
    plan_remove_phrase,
    plan_replace,
    plan_rules,
    read_rules_file,
    restore_caption_backup,
)
from bespoke_gui.core.captions.caption_files import CaptionEntry, load_caption_dataset
from bespoke_gui.core.captions.dataset_lint import (
    LintInput,
    TrainingSettings,
    lint_dataset,
    read_training_settings,
)
from bespoke_gui.core.captions.keywords import KeywordsError, keywords_for_workspace
from bespoke_gui.core.captions.lint import RULES
from bespoke_gui.core.captions.pixels import image_pixels
from bespoke_gui.core.dataset.backup import BackupError
from bespoke_gui.core.findings import Finding, Severity
from bespoke_gui.core.jobs import map_items
from bespoke_gui.core.workspace import discover, list_images


def _err(message: str) -> None:
    sys.stderr.write(f"error: {one_line(message)}\n")


class _Target:
    def __init__(self, root: Path, images_dir: Path, config: Path | None) -> None:
        self.root, self.images_dir, self.config = root, images_dir, config

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"


def _resolve(folder: str, config: str | None) -> _Target:
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ValueError(f"{path}: not a folder")
    workspace = discover(path)
    # Images right here, else the workspace's images folder, else a folder of captions alone.
    if list_images(path):
        images_dir: Path | None = path.resolve()
    elif workspace.images_dir is not None:
        images_dir = workspace.images_dir
    else:
        images_dir = path.resolve() if any(path.glob("*.txt")) else None
    if images_dir is None:
        raise ValueError(f"{path}: no images or captions found")
    config_path = Path(config).expanduser() if config else workspace.config_path
    if config_path is not None and not config_path.is_file():
        raise ValueError(f"{config_path}: config file not found")
    return _Target(workspace.root, images_dir, config_path)


def _settings(args: argparse.Namespace, target: _Target, lenient: bool = False) -> TrainingSettings:
    """The config's caption settings, the command line's options over them. ``lenient``: a config
    that cannot be read is one note and sd-scripts' defaults (what lint needs to carry on)."""
    try:
        settings = read_training_settings(target.config)
    except ValueError as exc:
        if not lenient:
            raise
        sys.stderr.write(f"note: {one_line(str(exc))}; using sd-scripts' defaults\n")
        settings = TrainingSettings()
    return TrainingSettings(
        keep_tokens=args.keep_tokens if args.keep_tokens is not None else settings.keep_tokens,
        max_token_length=args.max_token_length
        if args.max_token_length is not None
        else settings.max_token_length,
        shuffle_caption=settings.shuffle_caption,
        caption_extension=args.caption_extension or settings.caption_extension,
    )


def _open_dataset(
    args: argparse.Namespace, lenient: bool = False
) -> tuple[_Target, TrainingSettings, list[CaptionEntry]]:
    """The dataset the command names, its training settings and its captions (ValueError if none)."""
    target = _resolve(args.dataset, args.config)
    settings = _settings(args, target, lenient)
    return target, settings, load_caption_dataset(target.images_dir, settings.caption_extension)


def _palettes(entries: list[CaptionEntry]) -> tuple[dict[Path, tuple], list[Finding]]:
    images = [e.image for e in entries if e.image is not None]
    result = map_items(
        lambda p: tuple(image_pixels(p).palette),
        images,
        progress=TerminalProgress("reading images"),
        label=lambda p: str(p),
    )
    palettes = {p: pal for p, pal in zip(images, result.results) if pal is not None}
    return palettes, result.errors


def cmd_lint(args: argparse.Namespace) -> int:
    try:
        target, settings, entries = _open_dataset(args, lenient=True)
    except ValueError as exc:
        _err(str(exc))
        return 2
    palettes: dict[Path, tuple] = {}
    problems: list[Finding] = []
    if not args.no_images:
        palettes, image_errors = _palettes(entries)
        problems.extend(image_errors)
    items: list[LintInput] = []
    extra: dict[str, list[Finding]] = {}
    for entry in entries:
        name = entry.caption_path.name
        for link, points_to in entry.links():
            extra.setdefault(name, []).append(
                Finding.in_text(
                    "linked-file",
                    Severity.WARNING,
                    f"{link.name} is a link to {points_to}: read here, never written through",
                    0,
                    0,
                )
            )
        if entry.caption is None:
            problems.append(Finding.error(str(entry.caption_path), entry.error))
            continue
        if entry.image is None:
            extra.setdefault(name, []).append(
                Finding.in_text("orphan-caption", Severity.WARNING, "caption without an image", 0, 0)
            )
        elif not entry.caption_exists:
            extra.setdefault(name, []).append(
                Finding.in_text(
                    "missing-caption", Severity.ERROR, f"{entry.image.name} has no caption file", 0, 0
                )
            )
            continue
        items.append(
            LintInput(
                name,
                entry.caption.text,
                entry.caption.encoding,
                palettes.get(entry.image) if entry.image else None,
            )
        )
    try:
        keywords = keywords_for_workspace(target.root)
    except KeywordsError as exc:
        _err(str(exc))
        return 2
    result = lint_dataset(items, settings.lint_settings(), keywords, progress=TerminalProgress("linting"))
    for name, found in extra.items():
        result.findings.setdefault(name, []).extend(found)
    rows = [f.to_json(name) for name in sorted(result.findings) for f in result.findings[name]]
    if args.json:
        json.dump(rows, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for row in rows:
            start, end = row["span"]
            sys.stdout.write(
                f"{row['file']}:{start}-{end}: {row['severity']}: {row['rule']}: {row['message']}\n"
            )
        counts = Counter(r["rule"] for r in rows)
        files = Counter(rule for name in result.findings for rule in {f.rule for f in result.findings[name]})
        sys.stdout.write(
            f"{len(items)} captions linted; trigger: {', '.join(result.trigger) if result.trigger else 'none'}\n"
        )
        for rule, count in counts.most_common():
            sys.stdout.write(
                f"  {rule:<20} {count:5d} finding(s) in {files[rule]} file(s)  ({RULES.get(rule, '')})\n"
            )
    print_errors(problems)
    has_error = any(r["severity"] == Severity.ERROR for r in rows)
    return 1 if has_error or problems else 0


def _plan_from_args(args: argparse.Namespace, texts: dict[Path, str]) -> BatchPlan:
    if args.rules:
        return plan_rules(texts, read_rules_file(Path(args.rules)), Path(args.rules).name)
    if args.add:
        return plan_add_phrase(texts, args.add, None if args.position is None else args.position - 1)
    if args.remove:
        return plan_remove_phrase(texts, args.remove)
    if args.find is None:
        raise BatchError("say what to change: --find/--replace, --rules, --add or --remove")
    return plan_replace(
        texts,
        args.find,
        args.replace or "",
        regex=args.regex,
        whole_phrase=args.whole_phrase,
        case_sensitive=not args.ignore_case,
    )


def cmd_caption_replace(args: argparse.Namespace) -> int:
    try:
        target, _settings, entries = _open_dataset(args)
    except ValueError as exc:
        _err(str(exc))
        return 2
    problems = [Finding.error(str(e.caption_path), e.error) for e in entries if e.caption is None]
    texts = {e.caption_path: e.caption.text for e in entries if e.caption is not None and e.caption_exists}
    try:
        plan = _plan_from_args(args, texts)
    except BatchError as exc:
        _err(str(exc))
        return 2
    for change in plan.changes:
        sys.stdout.write(change.diff() + "\n")
    sys.stdout.write(
        f"{plan.description}: {len(plan.changes)} caption(s) change, {plan.unchanged} unchanged\n"
    )
    if not args.apply or not plan.changes:
        if plan.changes:
            sys.stdout.write(
                "preview only: run again with --apply to change the files (a backup is made first)\n"
            )
        print_errors(problems)
        return 1 if problems else 0
    try:
        result = apply_plan(plan, target.images_dir, target.backups_dir, progress=TerminalProgress("writing"))
    except (BackupError, OSError) as exc:
        _err(f"{target.backups_dir}: no backup could be made, nothing was changed: {exc}")
        return 1
    if result.backup is not None:
        sys.stdout.write(f"backup: {result.backup.path}\n")
    sys.stdout.write(f"{len(result.written)} caption(s) written\n")
    print_errors(problems + result.errors)
    return 1 if problems or result.errors else 0


def cmd_caption_backups(args: argparse.Namespace) -> int:
    try:
        target = _resolve(args.dataset, None)
    except ValueError as exc:
        _err(str(exc))
        return 2
    backups = list_caption_backups(target.backups_dir)
    if args.diff or args.restore:
        wanted = args.diff or args.restore
        match = [b for b in backups if b.path.name == wanted or str(b.path) == wanted]
        if not match:
            _err(f"{wanted}: no such caption backup in {target.backups_dir}")
            return 2
        backup = match[0]
        if args.diff:
            changed = [d for d in diff_backup(backup.path) if d.changed]
            for d in changed:
                sys.stdout.write(d.diff() + "\n")
            sys.stdout.write(f"{len(changed)} caption(s) differ from {backup.path.name}\n")
            return 0
        try:
            report = restore_caption_backup(backup.path, progress=TerminalProgress("restoring"))
        except (BackupError, OSError) as exc:
            _err(f"{backup.path}: {exc}")
            return 1
        if report.safety_backup is not None:
            sys.stdout.write(f"the captions as they were are in {report.safety_backup.path}\n")
        sys.stdout.write(f"{len(report.restored)} caption(s) restored from {backup.path.name}\n")
        print_errors(report.errors)
        return 1 if report.errors else 0
    if not backups:
        sys.stdout.write(f"no caption backups in {target.backups_dir}\n")
    for b in backups:
        sys.stdout.write(f"{b.path.name}  {b.created}  {b.file_count} file(s)  {b.label}\n")
    return 0


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", help="the folder of images and captions (or the workspace folder)")
    parser.add_argument(
        "--config", help="sd-scripts TOML giving keep_tokens, max_token_length, caption_extension"
    )
    parser.add_argument(
        "--keep-tokens",
        type=whole_number_between(0, 1000, "keep_tokens"),
        help="override keep_tokens (trigger phrases kept first)",
    )
    parser.add_argument(
        "--max-token-length",
        type=int,
        choices=(75, 150, 225),  # sd-scripts accepts no other
        help="override max_token_length (75, 150 or 225)",
    )
    parser.add_argument("--caption-extension", help="override caption_extension (default .txt)")


def register(subparsers: argparse._SubParsersAction) -> None:
    lint = subparsers.add_parser("lint", help="check captions: hex codes, trigger, duplicates, token window")
    _add_common(lint)
    lint.add_argument("--json", action="store_true", help="print the findings as a JSON list")
    lint.add_argument("--no-images", action="store_true", help="do not read the images (skip palette checks)")
    lint.set_defaults(func=cmd_lint)

    replace = subparsers.add_parser(
        "caption-replace", help="find & replace / add / remove phrases in captions"
    )
    _add_common(replace)
    replace.add_argument("--find", help="text (or --regex pattern) to find")
    replace.add_argument("--replace", default="", help="the replacement")
    replace.add_argument("--regex", action="store_true")
    replace.add_argument("--whole-phrase", action="store_true", help="only phrases that match entirely")
    replace.add_argument("--ignore-case", action="store_true")
    replace.add_argument(
        "--rules", help="a rules file: TOML [[rules]] before/after, or 'before -> after' lines"
    )
    replace.add_argument("--add", help="add this phrase where it is missing")
    replace.add_argument("--position", type=int, help="with --add: phrase number to insert at (1 = first)")
    replace.add_argument("--remove", help="remove this phrase")
    replace.add_argument("--apply", action="store_true", help="change the files (after a verified backup)")
    replace.set_defaults(func=cmd_caption_replace)

    backups = subparsers.add_parser("caption-backups", help="list caption backups, diff one, restore one")
    backups.add_argument("dataset", help="the folder of images and captions (or the workspace folder)")
    backups.add_argument("--diff", metavar="BACKUP", help="show how the captions differ from this backup")
    backups.add_argument(
        "--restore", metavar="BACKUP", help="restore this backup (the current captions are backed up first)"
    )
    backups.set_defaults(func=cmd_caption_backups)
