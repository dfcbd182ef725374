"""Batch edits of captions: plan (a preview of every change), then apply after a verified backup.

Every operation first produces a :class:`BatchPlan` (per file: the text before and after)
without touching a file. :func:`apply_plan` snapshots the affected captions with
``create_backup(kind="captions")``, then writes each one atomically in its own encoding
and line ends, skipping any file that changed on disk since the preview. Caption backups
can be listed, compared with the current captions and restored.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bespoke_gui.core.captions.caption_files import (
    CaptionError,
    CaptionFile,
    caption_from_bytes,
    check_caption_writable,
    normalize_phrase,
    read_caption,
    save_caption,
    split_phrases,
)
from bespoke_gui.core.dataset.backup import BackupInfo, create_backup, list_backups
from bespoke_gui.core.dataset.restore import backup_targets, restore_backup
from bespoke_gui.core.findings import Finding
from bespoke_gui.core.jobs import (
    CancelFn,
    ProgressFn,
    describe_exception,
    never_cancelled,
    no_progress,
)

BACKUP_KIND = "captions"


class BatchError(Exception):
    """A batch operation was given something it cannot do (a bad regex, an unreadable rules file)."""


@dataclass(frozen=True)
class CaptionChange:
    path: Path
    before: str
    after: str

    def diff(self) -> str:
        return unified_diff(self.before, self.after, self.path.name)


@dataclass
class BatchPlan:
    description: str
    changes: list[CaptionChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def paths(self) -> list[Path]:
        return [c.path for c in self.changes]

    def inverted(self) -> BatchPlan:
        """The plan that undoes this one."""
        return BatchPlan(
            f"undo {self.description}", [CaptionChange(c.path, c.after, c.before) for c in self.changes]
        )


@dataclass
class ApplyResult:
    backup: BackupInfo | None
    written: list[Path] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    saved: dict[Path, CaptionFile] = field(default_factory=dict)
    cancelled: bool = False


def unified_diff(before: str, after: str, name: str = "caption") -> str:
    lines = difflib.unified_diff(
        _phrase_lines(before), _phrase_lines(after), f"{name} (before)", f"{name} (after)", lineterm=""
    )
    return "\n".join(lines)


def _phrase_lines(text: str) -> list[str]:
    # One phrase per line: a one-line caption otherwise diffs as a single changed line.
    return [p.text for p in split_phrases(text)] or [""]


# --------------------------------------------------------------------------- planning


def _plan(description: str, texts: Mapping[Path, str], edit: Callable[[str], str]) -> BatchPlan:
    plan = BatchPlan(description)
    for path, before in texts.items():
        after = edit(before)
        if after != before:
            plan.changes.append(CaptionChange(Path(path), before, after))
        else:
            plan.unchanged += 1
    return plan


def _compile(find: str, regex: bool, case_sensitive: bool, whole_phrase: bool) -> re.Pattern[str]:
    if not find:
        raise BatchError("nothing to find")
    body = find if regex else re.escape(find)
    if whole_phrase:
        body = f"(?:{body})"
    try:
        return re.compile(body, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise BatchError(f"not a valid regular expression: {exc}") from None


def replace_in_text(
    text: str, pattern: re.Pattern[str], replacement: str, regex: bool, whole_phrase: bool
) -> str:
    """Replace matches; with ``whole_phrase`` only phrases that match entirely are replaced."""

    def repl(match: re.Match[str]) -> str:
        return match.expand(replacement) if regex else replacement

    if not whole_phrase:
        return pattern.sub(repl, text)
    out: list[str] = []
    last = 0
    for phrase in split_phrases(text):
        match = pattern.fullmatch(phrase.text)
        if match is None:
            continue
        out.append(text[last : phrase.start])
        out.append(repl(match))
        last = phrase.end
    out.append(text[last:])
    new = "".join(out)
    return _drop_empty_phrases(new) if new != text else text


def _drop_empty_phrases(text: str) -> str:
    """Remove phrases a replacement emptied, keeping the rest of the text as it was."""
    lines = []
    for line in text.split("\n"):
        parts = line.split(",")
        if len(parts) > 1 and any(not p.strip() for p in parts):
            kept = [p.strip() for p in parts if p.strip()]
            line = ", ".join(kept)
        lines.append(line)
    return "\n".join(lines)


def plan_replace(
    texts: Mapping[Path, str],
    find: str,
    replacement: str,
    regex: bool = False,
    whole_phrase: bool = False,
    case_sensitive: bool = True,
) -> BatchPlan:
    pattern = _compile(find, regex, case_sensitive, whole_phrase)
    if regex:
        _check_groups(pattern, replacement)
        try:
            pattern.sub(replacement, "")
        except (re.error, IndexError) as exc:
            raise BatchError(f"bad replacement: {exc}") from None
    what = "phrase" if whole_phrase else ("pattern" if regex else "text")
    return _plan(
        f'replace {what} "{find}" with "{replacement}"',
        texts,
        lambda t: replace_in_text(t, pattern, replacement, regex, whole_phrase),
    )


def _check_groups(pattern: re.Pattern[str], replacement: str) -> None:
    for ref in re.findall(r"\\(\d+)|\\g<(\d+)>", replacement):
        ref = ref[0] or ref[1]
        if int(ref) > pattern.groups:
            raise BatchError(f"the replacement uses group {ref} but the pattern has {pattern.groups}")


def add_phrase(text: str, phrase: str, position: int | None = None) -> str:
    """Add ``phrase`` (not when already there) at phrase index ``position`` (None: at the end)."""
    phrase = phrase.strip().strip(",").strip()
    if not phrase:
        return text
    line, sep, rest = text.partition("\n")
    phrases = [p.text for p in split_phrases(line)]
    if normalize_phrase(phrase) in {normalize_phrase(p) for p in phrases}:
        return text
    index = len(phrases) if position is None else max(0, min(position, len(phrases)))
    phrases.insert(index, phrase)
    return ", ".join(phrases) + sep + rest


def remove_phrase(text: str, phrase: str) -> str:
    """Remove every phrase equal to ``phrase`` (case and spacing ignored)."""
    target = normalize_phrase(phrase)
    if not target:
        return text
    lines = []
    changed = False
    for line in text.split("\n"):
        parts = split_phrases(line)
        kept = [p.text for p in parts if p.normalized != target]
        if len(kept) != len(parts):
            changed = True
            line = ", ".join(kept)
        lines.append(line)
    return "\n".join(lines) if changed else text


def plan_add_phrase(texts: Mapping[Path, str], phrase: str, position: int | None = None) -> BatchPlan:
    where = "at the end" if position is None else f"at position {position + 1}"
    return _plan(f'add "{phrase}" {where}', texts, lambda t: add_phrase(t, phrase, position))


def plan_remove_phrase(texts: Mapping[Path, str], phrase: str) -> BatchPlan:
    return _plan(f'remove "{phrase}"', texts, lambda t: remove_phrase(t, phrase))


# --------------------------------------------------------------------------- rules files


@dataclass(frozen=True)
class Rule:
    before: str
    after: str


def parse_rules(text: str, name: str = "rules") -> list[Rule]:
    """Rules from TOML (``[[rules]] before = .. after = ..`` or a ``[replace]`` table) or from
    text lines ``before -> after`` (``#`` starts a comment; an empty after removes the phrase)."""
    stripped = text.lstrip("\ufeff")
    if "->" not in stripped or stripped.lstrip().startswith("[") or "[[rules]]" in stripped:
        try:
            data = tomllib.loads(stripped)
        except tomllib.TOMLDecodeError as exc:
            if "->" not in stripped:
                raise BatchError(f"{name}: neither TOML nor 'before -> after' lines ({exc})") from None
        else:
            rules = [
                Rule(str(r["before"]), str(r.get("after", "")))
                for r in data.get("rules", [])
                if isinstance(r, dict) and str(r.get("before", "")).strip()
            ]
            rules += [Rule(str(k), str(v)) for k, v in (data.get("replace") or {}).items() if str(k).strip()]
            if not rules:
                raise BatchError(
                    f"{name}: no rules found ([[rules]] with before/after, or a [replace] table)"
                )
            return rules
    rules = []
    for number, line in enumerate(stripped.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "->" not in line:
            raise BatchError(f"{name}:{number}: expected 'before -> after'")
        before, after = (part.strip() for part in line.split("->", 1))
        if not before:
            raise BatchError(f"{name}:{number}: nothing before '->'")
        rules.append(Rule(before, after))
    if not rules:
        raise BatchError(f"{name}: no rules found")
    return rules


def read_rules_file(path: Path) -> list[Rule]:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise BatchError(f"{path}: {describe_exception(exc)}") from None
    return parse_rules(caption_from_bytes(Path(path), raw).text, Path(path).name)


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement that inserts ``text`` as written (no backslash or group escapes)."""
    return lambda _match: text


def apply_rules(text: str, rules: Sequence[Rule]) -> str:
    """Each rule replaces its words (whole words, case kept as written in the rule); an empty
    ``after`` that matches a whole phrase removes the phrase."""
    for rule in rules:
        if not rule.after.strip():
            text = remove_phrase(text, rule.before)
            pattern = re.compile(r"(?<![\w#])" + re.escape(rule.before) + r"(?![\w])", re.IGNORECASE)
            text = _drop_empty_phrases(pattern.sub("", text)) if pattern.search(text) else text
            continue
        pattern = re.compile(r"(?<![\w#])" + re.escape(rule.before) + r"(?![\w])", re.IGNORECASE)
        text = pattern.sub(_literal(rule.after), text)
    return text


def plan_rules(texts: Mapping[Path, str], rules: Sequence[Rule], name: str = "rules") -> BatchPlan:
    return _plan(f"apply {len(rules)} rule(s) from {name}", texts, lambda t: apply_rules(t, rules))


# --------------------------------------------------------------------------- applying


def apply_plan(
    plan: BatchPlan,
    source_root: Path,
    backups_dir: Path,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> ApplyResult:
    """Back up every caption the plan touches (verified), then write each one atomically.

    A caption whose disk text is no longer the plan's ``before`` is skipped and reported:
    the preview the user approved was not about that text.
    """
    if not plan.changes:
        return ApplyResult(backup=None)
    # A caption that cannot be written (read-only file or folder, a link) is refused
    # before the backup, which then holds only what is about to change.
    refused: list[Finding] = []
    changes: list[CaptionChange] = []
    for change in plan.changes:
        try:
            check_caption_writable(change.path)
            changes.append(change)
        except CaptionError as exc:
            refused.append(Finding.error(str(change.path), str(exc)))
    existing = [c.path for c in changes if c.path.exists()]
    backup = (
        create_backup(existing, source_root, backups_dir, BACKUP_KIND, label=plan.description)
        if existing
        else None
    )
    result = ApplyResult(backup=backup)
    result.errors.extend(refused)
    total = len(changes)
    for index, change in enumerate(changes):
        if cancelled():
            result.cancelled = True
            break
        try:
            current = read_caption(change.path)
            if current.text != change.before:
                raise CaptionError(f"{change.path.name} changed on disk since the preview; left as it is")
            result.saved[change.path] = save_caption(current, change.after)
            result.written.append(change.path)
        except (CaptionError, OSError) as exc:
            result.errors.append(
                Finding.error(
                    str(change.path), str(exc) if isinstance(exc, CaptionError) else describe_exception(exc)
                )
            )
        progress(index + 1, total, change.path.name)
    return result


# --------------------------------------------------------------------------- backups


@dataclass(frozen=True)
class BackupDiff:
    path: Path  # where the caption lives now
    backup_text: str
    current_text: str | None  # None: the caption no longer exists

    @property
    def changed(self) -> bool:
        return self.backup_text != self.current_text

    def diff(self) -> str:
        return unified_diff(self.backup_text, self.current_text or "", self.path.name)


def list_caption_backups(backups_dir: Path) -> list[BackupInfo]:
    return list_backups(backups_dir, kind=BACKUP_KIND)


def diff_backup(backup_dir: Path, target_root: Path | None = None) -> list[BackupDiff]:
    """Every caption in a backup against the caption on disk now."""
    out = []
    for stored, original, _entry in backup_targets(backup_dir, target_root):
        backup_text = caption_from_bytes(original, stored.read_bytes()).text
        current = read_caption(original).text if original.exists() else None
        out.append(BackupDiff(original, backup_text, current))
    return out


def restore_caption_backup(
    backup_dir: Path,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
    only: Iterable[str] | None = None,
    target_root: Path | None = None,
):  # -> RestoreReport
    """Restore captions from a backup; the current captions are backed up first (verified)."""
    return restore_backup(
        backup_dir, progress, cancelled, safety_backup=True, only=only, target_root=target_root
    )
