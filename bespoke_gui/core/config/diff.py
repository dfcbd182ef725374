"""Compare two configs: key by key, on the keys sd-scripts really sees, and line by line.

* ``diff_grouped``: every key by its table path (``training_arguments.resolution``).
* ``diff_flattened``: the keys after sd-scripts' ``--config_file`` flattening (all sections
  merged, a later duplicate wins), i.e. what the training run actually receives. Moving a
  key from one section to another is no change there; changing a key that a later section
  overrides is no change either.
* ``side_by_side``: a line-level text diff (difflib) for showing both files next to each
  other with the changed lines marked.

Types matter: ``512`` and ``"512,512"``, ``true`` and ``1``, ``16`` and ``16.0`` differ in
type (``type_changed``), while ``1e-4`` and ``0.0001`` are the same value spelled twice.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bespoke_gui.core.config.key_paths import KeyPath, format_key_path

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
TYPE_CHANGED = "type_changed"
KINDS = (ADDED, REMOVED, CHANGED, TYPE_CHANGED)


def toml_type(value: Any) -> str:
    """The TOML type name of a plain value (bool is checked before int: True is not 1)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "table"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, _dt.datetime):
        return "datetime"
    if isinstance(value, _dt.date):
        return "date"
    if isinstance(value, _dt.time):
        return "time"
    return type(value).__name__


def same_value(a: Any, b: Any) -> bool:
    """Equal in value and in type, all the way down (so [1, 2] is not [1.0, 2])."""
    if toml_type(a) != toml_type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return a == b


def format_value(value: Any) -> str:
    """A value as TOML would spell it, for tables and messages."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {format_value(v)}" for k, v in value.items()) + " }"
    return str(value)


def json_safe(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return format_value(value)
    if isinstance(value, (_dt.date, _dt.time, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class KeyChange:
    key: str  # "training_arguments.resolution", or just "resolution" in the flattened view
    kind: str  # added | removed | changed | type_changed
    old: Any = None
    new: Any = None
    table: str = ""  # the table path ("" at the top level); in the flattened view, the section(s)

    @property
    def old_type(self) -> str | None:
        return None if self.kind == ADDED else toml_type(self.old)

    @property
    def new_type(self) -> str | None:
        return None if self.kind == REMOVED else toml_type(self.new)

    @property
    def name(self) -> str:
        return self.key.rsplit(".", 1)[-1]

    def describe(self) -> str:
        if self.kind == ADDED:
            return f"+ {self.key} = {format_value(self.new)}"
        if self.kind == REMOVED:
            return f"- {self.key} = {format_value(self.old)}"
        extra = f"  ({self.old_type} -> {self.new_type})" if self.kind == TYPE_CHANGED else ""
        return f"~ {self.key}: {format_value(self.old)} -> {format_value(self.new)}{extra}"

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "old": json_safe(self.old) if self.kind != ADDED else None,
            "new": json_safe(self.new) if self.kind != REMOVED else None,
            "old_type": self.old_type,
            "new_type": self.new_type,
            "table": self.table,
        }


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _change(key: str, table: str, old: Any, new: Any) -> KeyChange | None:
    if same_value(old, new):
        return None
    kind = TYPE_CHANGED if toml_type(old) != toml_type(new) else CHANGED
    return KeyChange(key, kind, old, new, table)


def _walk(a: Any, b: Any, path: KeyPath, out: list[KeyChange]) -> None:
    table = format_key_path(path)
    for name in list(a) + [k for k in b if k not in a]:
        sub = path + (name,)
        key = format_key_path(sub)
        if name not in b:
            if isinstance(a[name], dict) and a[name]:
                _walk(a[name], {}, sub, out)  # a removed table: list its keys
            else:
                out.append(KeyChange(key, REMOVED, a[name], None, table))
        elif name not in a:
            if isinstance(b[name], dict) and b[name]:
                _walk({}, b[name], sub, out)
            else:
                out.append(KeyChange(key, ADDED, None, b[name], table))
        else:
            old, new = a[name], b[name]
            if isinstance(old, dict) and isinstance(new, dict):
                _walk(old, new, sub, out)
            elif _is_table_array(old) and _is_table_array(new):
                for index in range(max(len(old), len(new))):
                    element = sub + (index,)
                    if index >= len(new):
                        out.append(KeyChange(format_key_path(element), REMOVED, old[index], None, key))
                    elif index >= len(old):
                        out.append(KeyChange(format_key_path(element), ADDED, None, new[index], key))
                    else:
                        _walk(old[index], new[index], element, out)
            else:
                change = _change(key, table, old, new)
                if change is not None:
                    out.append(change)


def diff_grouped(a: dict[str, Any], b: dict[str, Any]) -> list[KeyChange]:
    """Key-level differences by table path, in the order of ``a`` then keys only in ``b``."""
    out: list[KeyChange] = []
    _walk(a, b, (), out)
    return out


@dataclass(frozen=True)
class FlatValue:
    value: Any
    section: str  # "" for a top-level key
    overridden: tuple[str, ...] = ()  # earlier sections whose value this one replaced


def flatten_for_sdscripts(data: dict[str, Any]) -> dict[str, FlatValue]:
    """What ``read_config_from_file`` builds: top-level values as they are, each section's
    keys merged in file order, a later duplicate replacing an earlier one."""
    flat: dict[str, FlatValue] = {}
    for name, value in data.items():
        entries: Iterable[tuple[str, Any, str]]
        if isinstance(value, dict):
            entries = ((key, sub, name) for key, sub in value.items())
        else:
            entries = ((name, value, ""),)
        for key, sub, section in entries:
            earlier = flat.get(key)
            overridden: tuple[str, ...] = ()
            if earlier is not None:
                overridden = earlier.overridden + (earlier.section or "(top level)",)
            flat[key] = FlatValue(sub, section, overridden)
    return flat


def diff_flattened(a: dict[str, Any], b: dict[str, Any]) -> list[KeyChange]:
    """Differences in what sd-scripts receives from two ``--config_file`` TOMLs."""
    flat_a, flat_b = flatten_for_sdscripts(a), flatten_for_sdscripts(b)
    out: list[KeyChange] = []
    for key in list(flat_a) + [k for k in flat_b if k not in flat_a]:
        old, new = flat_a.get(key), flat_b.get(key)
        if new is None:
            out.append(KeyChange(key, REMOVED, old.value, None, old.section))  # type: ignore[union-attr]
        elif old is None:
            out.append(KeyChange(key, ADDED, None, new.value, new.section))
        else:
            section = old.section if old.section == new.section else f"{old.section} -> {new.section}"
            change = _change(key, section, old.value, new.value)
            if change is not None:
                out.append(change)
    return out


def summarize(changes: list[KeyChange]) -> dict[str, int]:
    counts = {kind: 0 for kind in KINDS}
    for change in changes:
        counts[change.kind] += 1
    return counts


# ---------------------------------------------------------------- text diff


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side view; a missing side has line number None and text ""."""

    tag: str  # equal | replace | delete | insert
    left_no: int | None
    left: str
    right_no: int | None
    right: str


def _line_key(line: str) -> str:
    text = line.strip()
    if not text or text.startswith("#") or "=" not in text:
        return ""
    return text.split("=", 1)[0].strip()


def _similar(a: str, b: str) -> bool:
    """Two lines of a replaced block that belong side by side: the same key, or mostly the same text."""
    key = _line_key(a)
    if key and key == _line_key(b):
        return True
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.6


def _replace_rows(
    a_lines: list[str], b_lines: list[str], i1: int, i2: int, j1: int, j2: int
) -> list[DiffRow]:
    """Pair the lines of a replaced block that resemble each other (``x = 1  # c`` with ``x = 1``);
    the rest become deletions and insertions, so unrelated lines never sit side by side."""
    rows: list[DiffRow] = []
    i, j = i1, j1
    while i < i2 or j < j2:
        if i < i2 and j < j2 and _similar(a_lines[i], b_lines[j]):
            rows.append(DiffRow("replace", i + 1, a_lines[i], j + 1, b_lines[j]))
            i += 1
            j += 1
            continue
        match = next((k for k in range(j, j2) if _similar(a_lines[i], b_lines[k])), None) if i < i2 else None
        if match is not None:
            # b's lines before the match are insertions.
            rows.extend(DiffRow("insert", None, "", k + 1, b_lines[k]) for k in range(j, match))
            j = match
        elif i < i2:
            rows.append(DiffRow("delete", i + 1, a_lines[i], None, ""))
            i += 1
        else:
            rows.append(DiffRow("insert", None, "", j + 1, b_lines[j]))
            j += 1
    return rows


def side_by_side(a_text: str, b_text: str) -> list[DiffRow]:
    a_lines, b_lines = a_text.splitlines(), b_text.splitlines()
    matcher = difflib.SequenceMatcher(a=a_lines, b=b_lines, autojunk=False)
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(
                DiffRow("equal", i1 + k + 1, a_lines[i1 + k], j1 + k + 1, b_lines[j1 + k])
                for k in range(i2 - i1)
            )
        elif tag == "delete":
            rows.extend(DiffRow("delete", i + 1, a_lines[i], None, "") for i in range(i1, i2))
        elif tag == "insert":
            rows.extend(DiffRow("insert", None, "", j + 1, b_lines[j]) for j in range(j1, j2))
        else:
            rows.extend(_replace_rows(a_lines, b_lines, i1, i2, j1, j2))
    return rows


def change_starts(rows: list[DiffRow]) -> list[int]:
    """Row indexes where a run of changed rows begins (for next/previous change)."""
    starts = []
    for index, row in enumerate(rows):
        if row.tag != "equal" and (index == 0 or rows[index - 1].tag == "equal"):
            starts.append(index)
    return starts


def line_counts(a_text: str, b_text: str) -> tuple[int, int]:
    """(insertions, deletions) as ``diff``/``git diff --stat`` count them."""
    inserted = deleted = 0
    for line in difflib.unified_diff(a_text.splitlines(), b_text.splitlines(), lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            inserted += 1
        elif line.startswith("-") and not line.startswith("---"):
            deleted += 1
    return inserted, deleted
