"""Key paths and the items they name in a tomlkit document.

Key paths are strings like ``training_arguments.resolution`` or
``datasets[0].subsets[0].image_dir``; the same spelling is used by the diff, the checks,
the CLI and the tab.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.items import AoT, InlineTable, Item, Table
from tomlkit.toml_document import TOMLDocument

from bespoke_gui.core.config.errors import KeyPathError

_BARE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")

PathPart = str | int
KeyPath = tuple[PathPart, ...]


def format_key_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = (
                part
                if _BARE_KEY_RE.match(part)
                else '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'
            )
            out += ("." if out else "") + text
    return out


def read_quoted(text: str, start: int) -> tuple[str, int] | None:
    """The quoted key part opening at ``start`` and the index after its closing quote.

    Backslash escapes count only in double quotes (TOML literal strings have none);
    None when the quote is never closed.
    """
    quote = text[start]
    end = start + 1
    buf = ""
    while end < len(text) and text[end] != quote:
        if quote == '"' and text[end] == "\\" and end + 1 < len(text):
            end += 1
        buf += text[end]
        end += 1
    if end >= len(text):
        return None
    return buf, end + 1


def parse_key_path(text: str) -> KeyPath:
    """``a.b[0]."c.d"`` -> ("a", "b", 0, "c.d"). Raises KeyPathError on bad spelling."""
    parts: list[PathPart] = []
    i, n = 0, len(text)
    expect_key = True
    while i < n:
        ch = text[i]
        if ch == "[":
            end = text.find("]", i)
            if end < 0 or not text[i + 1 : end].strip().isdigit():
                raise KeyPathError(f"bad index in key {text!r}")
            parts.append(int(text[i + 1 : end]))
            i = end + 1
            expect_key = False
        elif ch == ".":
            if expect_key:
                raise KeyPathError(f"empty part in key {text!r}")
            i += 1
            expect_key = True
        elif ch in "\"'":
            quoted = read_quoted(text, i)
            if quoted is None:
                raise KeyPathError(f"unterminated quote in key {text!r}")
            parts.append(quoted[0])
            i = quoted[1]
            expect_key = False
        else:
            m = re.match(r"[A-Za-z0-9_-]+", text[i:])
            if not m:
                raise KeyPathError(f"bad character {ch!r} in key {text!r}")
            parts.append(m.group(0))
            i += m.end()
            expect_key = False
    if not parts or expect_key:
        raise KeyPathError(f"incomplete key {text!r}")
    return tuple(parts)


# ---------------------------------------------------------------- the items a path names


def child_item(container: Any, part: PathPart, path: KeyPath) -> Any:
    """The item ``part`` names in ``container``; ``path`` (up to ``part``) names it in errors."""
    if isinstance(part, int):
        if not isinstance(container, (AoT, list)):
            raise KeyPathError(f"{format_key_path(path)}: not an array of tables")
        try:
            return container[part]
        except IndexError:
            raise KeyPathError(f"{format_key_path(path)}: index {part} out of range") from None
    if not isinstance(container, (Container, Table, InlineTable, TOMLDocument, dict)):
        raise KeyPathError(f"{format_key_path(path)}: {part!r} is inside a value, not a table")
    if part not in container:
        raise KeyPathError(f"{format_key_path(path)}: no such key")
    return container[part]


def item_text(item: Any) -> str:
    """The value as written in the file (``1e-4``, ``"512,512"``, ``[1024, 1024]``)."""
    if isinstance(item, Item):
        return item.as_string().strip()
    return tomlkit.item(item).as_string().strip()


def item_comment(item: Any) -> str:
    trivia = getattr(item, "trivia", None)
    return trivia.comment if trivia is not None and not isinstance(item, (Table, AoT)) else ""


@dataclass(frozen=True)
class ConfigEntry:
    """One key for the tree: where it is, its value, its spelling and its comment."""

    path: KeyPath
    key: str
    value: Any
    text: str
    comment: str
    is_table: bool = False


def iter_entries(doc: TOMLDocument | Table | Container, prefix: KeyPath = ()) -> Iterator[ConfigEntry]:
    """Every table and key in file order, depth first (arrays of tables by index)."""
    for name in list(doc.keys()):
        item = doc[name]
        path = prefix + (name,)
        if isinstance(item, Table):
            yield ConfigEntry(path, format_key_path(path), None, "", "", True)
            yield from iter_entries(item, path)
        elif isinstance(item, AoT):
            yield ConfigEntry(path, format_key_path(path), None, "", "", True)
            for index, table in enumerate(item):
                sub = path + (index,)
                yield ConfigEntry(sub, format_key_path(sub), None, "", "", True)
                yield from iter_entries(table, sub)
        else:
            value = item.unwrap() if isinstance(item, Item) else item
            yield ConfigEntry(path, format_key_path(path), value, item_text(item), item_comment(item))
