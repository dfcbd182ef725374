"""Caption lint over a whole dataset: the majority trigger, every caption linted with it, and
the training settings (``keep_tokens``, ``max_token_length``) read from the config."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bespoke_gui.core.captions.caption_files import (
    UTF8,
    first_line,
    normalize_phrase,
)
from bespoke_gui.core.captions.keywords import (
    Keywords,
)
from bespoke_gui.core.captions.lint import CaptionLinter, LintSettings
from bespoke_gui.core.captions.tokens import DEFAULT_MAX_TOKEN_LENGTH
from bespoke_gui.core.config.sdscripts_args import find_key
from bespoke_gui.core.findings import Finding, Severity
from bespoke_gui.core.jobs import CancelFn, ProgressFn, never_cancelled, no_progress


def dataset_trigger(texts: Iterable[str], keep_tokens: int) -> tuple[str, ...] | None:
    """The first ``keep_tokens`` phrases most captions start with (None without a majority)."""
    if keep_tokens <= 0:
        return None
    counts: Counter[tuple[str, ...]] = Counter()
    spelled: dict[tuple[str, ...], tuple[str, ...]] = {}
    total = 0
    for text in texts:
        # Only the first phrases matter: split no further than needed.
        head = [p.strip() for p in first_line(text).split(",", keep_tokens)[:keep_tokens]]
        head = [p for p in head if p]
        total += 1
        if len(head) < keep_tokens:
            continue
        key = tuple(normalize_phrase(p) for p in head)
        counts[key] += 1
        spelled.setdefault(key, tuple(head))
    if not counts or total < 2:
        return None
    key, count = counts.most_common(1)[0]
    if count * 2 <= total:
        return None
    return spelled[key]


@dataclass(frozen=True)
class LintInput:
    name: str  # what the report calls the file
    text: str
    encoding: str = UTF8
    palette: tuple[tuple[int, int, int], ...] | None = None


@dataclass
class DatasetLint:
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    trigger: tuple[str, ...] | None = None
    cancelled: bool = False

    def files_by_rule(self) -> Counter[str]:
        return Counter(rule for items in self.findings.values() for rule in {f.rule for f in items})

    @property
    def has_errors(self) -> bool:
        return any(f.severity == Severity.ERROR for items in self.findings.values() for f in items)


def lint_dataset(
    items: Sequence[LintInput],
    settings: LintSettings | None = None,
    keywords: Keywords | None = None,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> DatasetLint:
    """Lint every caption; the trigger is the dataset's majority unless ``settings.trigger`` is set.

    A plain loop: the work is pure Python string handling, which threads would not speed up.
    """
    settings = settings or LintSettings()
    trigger = settings.trigger or dataset_trigger((i.text for i in items), settings.keep_tokens)
    run_settings = LintSettings(
        settings.keep_tokens, settings.max_token_length, settings.shuffle_caption, trigger
    )
    linter = CaptionLinter(keywords, run_settings)
    out = DatasetLint(trigger=trigger)
    total = len(items)
    progress(0, total, "linting captions")
    for index, item in enumerate(items):
        if index % 256 == 0 and cancelled():
            out.cancelled = True
            break
        out.findings[item.name] = linter.lint(item.text, item.palette, item.encoding)
        if index % 256 == 255:
            progress(index + 1, total, item.name)
    progress(total, total, "linted")
    return out


@dataclass(frozen=True)
class TrainingSettings:
    """The few sd-scripts settings captions depend on, read straight from a TOML file."""

    keep_tokens: int | None = None
    max_token_length: int | None = None
    shuffle_caption: bool = False
    caption_extension: str = ".txt"

    def lint_settings(self, trigger: tuple[str, ...] | None = None) -> LintSettings:
        keep = 1 if self.keep_tokens is None else max(0, self.keep_tokens)
        return LintSettings(
            keep, self.max_token_length or DEFAULT_MAX_TOKEN_LENGTH, self.shuffle_caption, trigger
        )


def read_training_settings(path: Path | None) -> TrainingSettings:
    """keep_tokens, max_token_length, shuffle_caption and caption_extension from an sd-scripts TOML.

    Raises ``ValueError`` with a one-line message when the file is not readable TOML.
    """
    import tomllib

    if path is None:
        return TrainingSettings()
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from None

    def as_int(value: Any) -> int | None:
        try:
            return int(value) if value is not None and not isinstance(value, bool) else None
        except (TypeError, ValueError):
            return None

    extension = find_key(data, "caption_extension")
    extension = str(extension) if isinstance(extension, str) and extension else ".txt"
    if not extension.startswith("."):
        extension = "." + extension
    return TrainingSettings(
        keep_tokens=as_int(find_key(data, "keep_tokens")),
        max_token_length=as_int(find_key(data, "max_token_length")),
        shuffle_caption=bool(find_key(data, "shuffle_caption") or False),
        caption_extension=extension,
    )
