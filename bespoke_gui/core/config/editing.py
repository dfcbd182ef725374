"""Editing a loaded config in place: an edit rewrites only its own line.

* ``set_value(doc, "table.key", "<TOML value text>")`` keeps the line's comment and the
  value's spelling as typed;
* a trailing comment that the edit made untrue (``# CHANGED: 10 -> 9`` after 9 becomes 8)
  is spotted and an updated comment proposed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import ParseError, TOMLKitError
from tomlkit.items import AoT, Comment, InlineTable, Item, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from bespoke_gui.core.config.errors import KeyPathError, ValueTextError
from bespoke_gui.core.config.key_paths import (
    KeyPath,
    child_item,
    format_key_path,
    item_text,
    parse_key_path,
)


def parse_value_text(text: str) -> Item:
    """A TOML value as typed (``8``, ``"256,256"``, ``5e-5``, ``[1, 2]``) -> a tomlkit item."""
    stripped = text.strip()
    if not stripped:
        raise ValueTextError('empty value: write it in TOML, e.g. 8, 5e-5, true or "256,256"')
    try:
        parsed = tomlkit.parse(f"v = {stripped}\n")
    except (ParseError, TOMLKitError) as exc:
        hint = ""
        if stripped[0] not in "\"'[{" and stripped not in ("true", "false", "inf", "nan"):
            hint = f' (a string needs quotes: "{stripped}")'
        raise ValueTextError(f"not a TOML value: {stripped}{hint}") from exc
    if list(parsed.keys()) != ["v"]:
        raise ValueTextError(f"not a single TOML value: {stripped}")
    item = parsed.item("v")
    if not isinstance(item, Item):
        raise ValueTextError(f"not a single TOML value: {stripped}")
    if item.trivia.comment:
        raise ValueTextError("a comment is not part of the value; edit the comment separately")
    return item


@dataclass(frozen=True)
class CommentLie:
    """A trailing comment that the edit made untrue, with a proposed replacement."""

    key: str
    comment: str
    reason: str
    suggestion: str


@dataclass(frozen=True)
class EditResult:
    key: str
    old_text: str | None  # None when the key was added
    new_text: str
    old_value: Any
    new_value: Any
    comment: str
    lie: CommentLie | None

    @property
    def added(self) -> bool:
        return self.old_text is None

    @property
    def changed(self) -> bool:
        return self.old_text != self.new_text


_MARKER_RE = re.compile(
    r"\b(CHANGED|CHANGE|REVERTED|REDUCED|INCREASED|DECREASED|RAISED|LOWERED|KEEP|KEPT|UNCHANGED|"
    r"SAME|WAS|FROM|DEFAULT|PROVEN|OPTIMAL)\b",
    re.IGNORECASE,
)
_ARROW_RE = re.compile(r"(\S+)(\s*)(→|->|=>|⇒)(\s*)(\S+)")


def _value_spellings(text: str | None, value: Any) -> list[str]:
    """Ways a comment may mention a value: 1e-4 also as 0.0001, "512,512" also as 512,512."""
    out: list[str] = []
    if text:
        out.append(text)
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            out.append(text[1:-1])
    if isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, (int, float)):
        out.append(repr(value))
        if isinstance(value, float) and value.is_integer():
            out.append(str(int(value)))
    elif isinstance(value, str) and value:
        out.append(value)
    return [s for s in dict.fromkeys(out) if s]


def _mentions(comment: str, spelling: str) -> bool:
    if re.fullmatch(r"[\w.+-]+", spelling):
        return re.search(rf"(?<![\w.]){re.escape(spelling)}(?![\w]|\.\d)", comment) is not None
    return spelling in comment


def find_lying_comment(
    key: str, comment: str, old_text: str | None, old_value: Any, new_text: str, new_value: Any
) -> CommentLie | None:
    """A trailing comment that mentions the old value, or says KEEP/CHANGED, lies after an edit."""
    if not comment or old_text is None or old_text == new_text:
        return None
    body = comment.lstrip("#")
    old_spellings = _value_spellings(old_text, old_value)
    # In a comment a string reads better without its quotes: "512,512 → 256,256".
    quoted = len(new_text) >= 2 and new_text[0] == new_text[-1] and new_text[0] in "\"'"
    new_plain_text = new_text[1:-1] if quoted else new_text
    mentioned = next((s for s in old_spellings if _mentions(body, s)), None)
    marker = _MARKER_RE.search(body)
    if mentioned is None and marker is None:
        return None
    arrow = _ARROW_RE.search(body)
    suggestion = comment
    if arrow and mentioned is not None and any(arrow.group(5).strip(",.;:)") == s for s in old_spellings):
        # "10 → 9" with 9 the old value: the change now is "9 → 8".
        start, end = arrow.span()
        rewritten = f"{arrow.group(5).rstrip(',.;:)')}{arrow.group(2)}{arrow.group(3)}{arrow.group(4)}{new_plain_text}"
        tail = arrow.group(5)[len(arrow.group(5).rstrip(",.;:)")) :]
        suggestion = "#" + body[:start] + rewritten + tail + body[end:]
    elif mentioned is not None:
        suggestion = "#" + re.sub(
            rf"(?<![\w.]){re.escape(mentioned)}(?![\w]|\.\d)"
            if re.fullmatch(r"[\w.+-]+", mentioned)
            else re.escape(mentioned),
            lambda _m: new_plain_text,
            body,
        )
    if mentioned is not None:
        reason = f"the comment mentions the old value {mentioned}"
    else:
        reason = f"the comment says {marker.group(0)!r} but the value changed"  # type: ignore[union-attr]
        suggestion = f"# CHANGED: {old_text} → {new_text} (was: {body.strip()})"
    return CommentLie(key=key, comment=comment, reason=reason, suggestion=suggestion)


def _resolve_parent(doc: TOMLDocument, path: KeyPath, create: bool) -> Any:
    node: Any = doc
    for index, part in enumerate(path[:-1]):
        sub = path[: index + 1]
        if isinstance(part, str) and isinstance(node, (TOMLDocument, Table, Container)) and part not in node:
            if not create:
                raise KeyPathError(f"{format_key_path(sub)}: no such table")
            if isinstance(path[index + 1], int):
                raise KeyPathError(f"{format_key_path(sub)}: no such array of tables")
            table = tomlkit.table()
            if isinstance(node, TOMLDocument) and node.body:
                # A new table starts after a blank line, like the ones people write.
                ending = tomlkit.dumps(node)
                if not ending.endswith("\n\n"):
                    node.add(tomlkit.nl())
                if not ending.endswith("\n"):
                    node.add(tomlkit.nl())
            node[part] = table
            node = node[part]
            continue
        node = child_item(node, part, sub)
    if isinstance(node, InlineTable):
        raise KeyPathError(f"{format_key_path(path)}: inside an inline table; edit the whole table value")
    if not isinstance(node, (TOMLDocument, Table, Container)):
        raise KeyPathError(f"{format_key_path(path[:-1])}: not a table")
    return node


def _last_value_item(table: Any) -> Item | None:
    body = table.value.body if isinstance(table, Table) else table.body
    for _key, item in reversed(body):
        if _key is not None and not isinstance(item, (Table, AoT, Whitespace, Comment)):
            return item
    return None


def set_value(doc: TOMLDocument, key: str | KeyPath, value_text: str) -> EditResult:
    """Set ``key`` to the TOML value ``value_text`` in place, keeping its line's comment and layout.

    A missing key is added at the end of its table (the table is created if needed).
    """
    path = parse_key_path(key) if isinstance(key, str) else tuple(key)
    if not path or isinstance(path[-1], int):
        raise KeyPathError(f"{format_key_path(path)}: name a key, not an array element")
    name = format_key_path(path)
    new_item = parse_value_text(value_text)
    parent = _resolve_parent(doc, path, create=True)
    last = path[-1]
    existing = parent[last] if last in parent else None
    if isinstance(existing, (Table, AoT)):
        raise KeyPathError(f"{name}: is a table; set the keys inside it")
    if existing is not None:
        old = parent.item(last) if hasattr(parent, "item") else existing
        old_text = item_text(old)
        old_value = old.unwrap() if isinstance(old, Item) else old
        trivia = old.trivia
        new_item.trivia.indent = trivia.indent
        new_item.trivia.comment_ws = trivia.comment_ws
        new_item.trivia.comment = trivia.comment
        new_item.trivia.trail = trivia.trail
        comment = trivia.comment
    else:
        old_text, old_value, comment = None, None, ""
        previous = _last_value_item(parent)
        if previous is not None:
            # tomlkit indents keys added to an indented table itself.
            if previous.trivia.trail == "":
                # The file ended on that line without a newline: keep it ending without one.
                previous.trivia.trail = "\n"
                new_item.trivia.trail = ""
            else:
                new_item.trivia.trail = "\r\n" if previous.trivia.trail.startswith("\r\n") else "\n"
        else:
            new_item.trivia.trail = "\n"
    parent[last] = new_item
    new_text = item_text(new_item)
    new_value = new_item.unwrap()
    lie = find_lying_comment(name, comment, old_text, old_value, new_text, new_value)
    return EditResult(name, old_text, new_text, old_value, new_value, comment, lie)


def set_comment(doc: TOMLDocument, key: str | KeyPath, comment: str | None) -> None:
    """Replace (or with None/"" drop) the trailing comment of a key's line."""
    path = parse_key_path(key) if isinstance(key, str) else tuple(key)
    parent = _resolve_parent(doc, path, create=False)
    if path[-1] not in parent:
        raise KeyPathError(f"{format_key_path(path)}: no such key")
    item = parent.item(path[-1]) if hasattr(parent, "item") else parent[path[-1]]
    if comment:
        text = comment if comment.lstrip().startswith("#") else "# " + comment
        item.trivia.comment = text.strip()
        if not item.trivia.comment_ws:
            item.trivia.comment_ws = "  "
    else:
        item.trivia.comment = ""
        item.trivia.comment_ws = ""
    # Re-assigning makes tomlkit re-render the line.
    parent[path[-1]] = item
