"""What a check of an sd-scripts config gives: its report, the kind of config, a finding collector."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bespoke_gui.core.findings import Finding, Severity

TRAINING = "training"
DATASET = "dataset"

TRAINING = "training"
DATASET = "dataset"


# At most this many "did you mean" suggestions are computed per config.
MAX_SUGGESTIONS = 200


@dataclass
class CheckReport:
    path: Path | None
    kind: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {Severity.ERROR: 0, Severity.WARNING: 0, Severity.INFO: 0}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts


def config_kind(data: dict[str, Any]) -> str:
    """A ``--dataset_config`` has ``[[datasets]]``; anything else is a ``--config_file``."""
    return DATASET if isinstance(data.get("datasets"), list) else TRAINING


class FindingCollector:
    """Findings of one config, each placed on the line of its key."""

    def __init__(self, lines: dict[str, int]) -> None:
        self.lines = lines
        self.findings: list[Finding] = []

    def add(self, severity: Severity, key: str, message: str, code: str) -> None:
        self.findings.append(Finding.at_key(severity, key, message, self.lines.get(key), code))
