"""One vocabulary for what the app tells the user about their files.

A :class:`Finding` is one thing found about one file: a caption lint (a span of text, maybe a
fix), a config check (a key and its line), a sample-folder note, or an input a job could not
handle (the job carried on with the rest). Every ``--json`` output writes findings with
:meth:`Finding.to_json`, so a script reads one shape whatever the command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class Severity(StrEnum):
    """A string enum: ``Severity.ERROR == "error"``, so JSON and text outputs read as before."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Sort key: errors first."""
        return _RANK[self]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Fix:
    label: str
    text: str  # the whole caption after the fix


@dataclass(frozen=True)
class Finding:
    severity: Severity
    message: str
    rule: str = ""  # stable id ("hex-shared", "unknown-key"); "" for a job's item error or a note
    path: str = ""  # the file (or folder) the finding is about; "" when the caller knows it
    key: str = ""  # config key path as in the file ("training_arguments.resolution")
    line: int | None = None
    start: int = 0  # span in the caption text
    end: int = 0
    fix: Fix | None = None
    other_spans: tuple[tuple[int, int], ...] = ()

    @classmethod
    def in_text(
        cls,
        rule: str,
        severity: Severity,
        message: str,
        start: int,
        end: int,
        fix: Fix | None = None,
        other_spans: tuple[tuple[int, int], ...] = (),
    ) -> Finding:
        """A finding about a span of a caption."""
        return cls(Severity(severity), message, rule, start=start, end=end, fix=fix, other_spans=other_spans)

    @classmethod
    def at_key(cls, severity: Severity, key: str, message: str, line: int | None, rule: str) -> Finding:
        """A finding about a key of a config file."""
        return cls(Severity(severity), message, rule, key=key, line=line)

    @classmethod
    def error(cls, path: str, message: str) -> Finding:
        """One input a job could not handle; the job carried on with the rest."""
        return cls(Severity.ERROR, message, path=path)

    @classmethod
    def note(cls, path: str, message: str) -> Finding:
        """Something the user should know about one path (not an error: the rest goes on)."""
        return cls(Severity.INFO, message, path=path)

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def describe(self) -> str:
        """``severity: line N: key: message`` (the parts it has)."""
        where = f"line {self.line}: " if self.line else ""
        key = f"{self.key}: " if self.key else ""
        return f"{self.severity}: {where}{key}{self.message}"

    def to_json(self, file: str | None = None) -> dict[str, Any]:
        """The one JSON shape of a finding in every ``--json`` output.

        ``code`` repeats ``rule``: the config commands printed it under that name.
        """
        out: dict[str, Any] = {
            "file": self.path if file is None else file,
            "severity": str(self.severity),
            "rule": self.rule,
            "code": self.rule,
            "message": self.message,
            "key": self.key,
            "line": self.line,
            "span": [self.start, self.end],
        }
        if self.fix is not None:
            out["fix"] = {"label": self.fix.label, "text": self.fix.text}
        return out


def worst_severity(findings: list[Finding]) -> Severity | None:
    """The most serious severity among the findings, None for none."""
    return min((f.severity for f in findings), key=lambda s: s.rank, default=None)


def grouped_lines(findings: Sequence[Finding], keep: int = 3) -> list[str]:
    """One line per finding, "path: message"; a message shared by more than ``keep`` files
    is one line, "N files (first, ...): message" (200 unrecognised names: one line, not 200)."""
    groups: dict[str, list[str]] = {}
    for finding in findings:
        groups.setdefault(finding.message, []).append(finding.path)
    lines: list[str] = []
    for message, paths in groups.items():
        if len(paths) <= keep:
            lines += [f"{path}: {message}" if path else message for path in paths]
        else:
            lines.append(f"{len(paths)} files ({Path(paths[0]).name}, ...): {message}")
    return lines
