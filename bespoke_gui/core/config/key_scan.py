"""The line of every key in a TOML text, and its repeated keys, without a full parse.

A cheap scanner good enough for TOML as people write it; it never raises, so it also
serves a file tomlkit refuses (a repeated key is named with its line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bespoke_gui.core.config.key_paths import PathPart, format_key_path, read_quoted


@dataclass
class _ScanState:
    in_multiline: str | None = None  # '"""' or "'''" while inside a multi-line string
    depth: int = 0  # [ ] { } nesting of a value spanning lines


def _scan_value(text: str, state: _ScanState) -> None:
    """Advance string/bracket state over ``text`` (the rest of a line)."""
    i, n = 0, len(text)
    while i < n:
        if state.in_multiline:
            end = text.find(state.in_multiline, i)
            if end < 0:
                return
            # A closing delimiter may be followed by up to two more quotes that belong to the string.
            i = end + 3
            while i < n and text[i] == state.in_multiline[0]:
                i += 1
            state.in_multiline = None
            continue
        ch = text[i]
        if ch == "#":
            return
        if text.startswith('"""', i) or text.startswith("'''", i):
            state.in_multiline = text[i : i + 3]
            i += 3
            continue
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            continue
        if ch == "'":
            end = text.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch in "[{":
            state.depth += 1
        elif ch in "]}":
            state.depth = max(0, state.depth - 1)
        i += 1


def _split_key(text: str) -> tuple[list[str], str] | None:
    """``key.part = value`` -> (["key", "part"], "value"), None when no key starts the text."""
    parts: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            return None
        ch = text[i]
        if ch in "\"'":
            quoted = read_quoted(text, i)
            if quoted is None:
                return None
            parts.append(quoted[0])
            i = quoted[1]
        else:
            m = re.match(r"[A-Za-z0-9_-]+", text[i:])
            if not m:
                return None
            parts.append(m.group(0))
            i += m.end()
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == ".":
            i += 1
            continue
        if i < n and text[i] == "=":
            return parts, text[i + 1 :]
        return None
    return None


def _header_parts(inner: str) -> list[str] | None:
    split = _split_key(inner + " =")
    return split[0] if split else None


@dataclass
class KeyScan:
    lines: dict[str, int] = field(default_factory=dict)  # key path -> 1-based line of its key
    duplicates: list[tuple[str, int]] = field(default_factory=list)  # (key path, line) of each repeat
    tables: dict[str, int] = field(default_factory=dict)  # table path -> header line


def scan_keys(text: str) -> KeyScan:
    """Find the line of every key (and header) without a full parse; also finds repeats.

    A cheap scanner good enough for TOML as people write it; it never raises.
    """
    scan = KeyScan()
    state = _ScanState()
    current: list[PathPart] = []
    aot_counts: dict[str, int] = {}

    def concrete(parts: list[str], final_is_aot: bool) -> list[PathPart]:
        out: list[PathPart] = []
        for index, part in enumerate(parts):
            out.append(part)
            key = format_key_path(tuple(out))
            last = index == len(parts) - 1
            if last and final_is_aot:
                aot_counts[key] = aot_counts.get(key, 0) + 1
                out.append(aot_counts[key] - 1)
            elif key in aot_counts:
                out.append(aot_counts[key] - 1)
        return out

    for number, raw in enumerate(text.splitlines(), start=1):
        if state.in_multiline or state.depth:
            _scan_value(raw, state)
            continue
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[["):
            end = line.find("]]")
            parts = _header_parts(line[2:end]) if end > 0 else None
            if parts:
                current = concrete(parts, True)
                scan.tables[format_key_path(tuple(current))] = number
            continue
        if line.startswith("["):
            end = line.find("]")
            parts = _header_parts(line[1:end]) if end > 0 else None
            if parts:
                current = concrete(parts, False)
                name = format_key_path(tuple(current))
                if name in scan.tables:
                    scan.duplicates.append((name, number))
                scan.tables[name] = number
            continue
        split = _split_key(raw)
        if split is None:
            continue
        key_parts, rest = split
        name = format_key_path((*current, *key_parts))
        if name in scan.lines:
            scan.duplicates.append((name, number))
        else:
            scan.lines[name] = number
        _scan_value(rest, state)
    return scan
