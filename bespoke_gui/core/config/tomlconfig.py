"""Load, edit and save TOML configs without losing a byte the user wrote.

tomlkit keeps comments, blank lines, key order, quoting and number spelling, so a load
followed by a save with no edit gives back the same bytes, and an edit rewrites only its
own line. This module adds what a user's file needs around that:

* clear one-line errors for invalid TOML (with line and column), duplicate keys (with
  their line), and files that are not UTF-8;
* ``set_value(doc, "table.key", "<TOML value text>")`` keeping the line's comment and the
  value's spelling as typed;
* spotting a trailing comment that the edit made untrue (``# CHANGED: 10 -> 9`` after
  9 becomes 8) and proposing an updated comment;
* saving atomically after a verified backup, refusing to overwrite a file that changed
  on disk since it was loaded.

Key paths are strings like ``training_arguments.resolution`` or
``datasets[0].subsets[0].image_dir``; the same spelling is used by the diff, the checks,
the CLI and the tab.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import KeyAlreadyPresent, ParseError, TOMLKitError
from tomlkit.items import AoT, Comment, InlineTable, Item, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from bespoke_gui.core.files import atomic_write_bytes

UTF8_BOM = "\ufeff"
_BARE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")

PathPart = str | int
KeyPath = tuple[PathPart, ...]


# ---------------------------------------------------------------- errors


class ConfigError(Exception):
    """A problem with a config file, said in one line a user can act on."""


class TomlSyntaxError(ConfigError):
    def __init__(self, message: str, line: int | None = None, col: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


class DuplicateKeyError(TomlSyntaxError):
    def __init__(self, key: str, line: int | None = None) -> None:
        where = f" (line {line})" if line else ""
        super().__init__(f"duplicate key {key}{where}: TOML allows each key once per table", line, None)
        self.key = key


class NotUtf8Error(ConfigError):
    pass


class ChangedOnDiskError(ConfigError):
    pass


class KeyPathError(ConfigError):
    pass


class ValueTextError(ConfigError):
    pass


# ---------------------------------------------------------------- key paths


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


def _read_quoted(text: str, start: int) -> tuple[str, int] | None:
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
            quoted = _read_quoted(text, i)
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


# ---------------------------------------------------------------- a light line scanner


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
            quoted = _read_quoted(text, i)
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


# ---------------------------------------------------------------- parse and load


def decode_config_bytes(data: bytes, path: str | Path = "<text>") -> tuple[str, bool]:
    """Bytes -> (text, had_bom). Newlines are kept exactly as they are."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NotUtf8Error(
            f"{path}: not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); TOML files must be UTF-8"
        ) from None
    if text.startswith(UTF8_BOM):
        return text[1:], True
    return text, False


def _duplicate_line(text: str, key: str) -> tuple[str, int | None]:
    """The full path and line of the repeated ``key`` (tomlkit names only its last part)."""
    duplicates = scan_keys(text).duplicates
    for name, line in duplicates:
        if name == key or parse_key_path(name)[-1] == key:
            return name, line
    return duplicates[0] if duplicates else (key, None)


def parse_toml(text: str, path: str | Path = "<text>") -> TOMLDocument:
    """Parse, turning tomlkit's exceptions into a one-line message with line and column."""
    try:
        return tomlkit.parse(text)
    except KeyAlreadyPresent as exc:
        key = str(getattr(exc, "key", "")) or str(exc)
        raise DuplicateKeyError(*_duplicate_line(text, key)) from None
    except ParseError as exc:
        message = str(exc)
        line, col = getattr(exc, "line", None), getattr(exc, "col", None)
        if "already exists" in message:
            key = message.split('"')[1] if '"' in message else message
            name, found = _duplicate_line(text, key)
            raise DuplicateKeyError(name, found or line) from None
        short = re.sub(r"\s+at line \d+ col \d+$", "", message)
        raise TomlSyntaxError(
            f"{path}: invalid TOML at line {line}, column {col}: {short}", line, col
        ) from None
    except TOMLKitError as exc:
        raise TomlSyntaxError(f"{path}: invalid TOML: {exc}") from None


@dataclass(frozen=True)
class FileStamp:
    """What the file was when loaded: a save compares against it to notice outside edits."""

    mtime_ns: int
    size: int
    sha256: str


def stamp_of(path: Path, data: bytes | None = None) -> FileStamp:
    st = path.stat()
    if data is None:
        data = path.read_bytes()
    return FileStamp(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest())


def _dominant_newline(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"


@dataclass
class ConfigDocument:
    """A TOML file open for editing: the tomlkit document plus what saving needs to know."""

    doc: TOMLDocument
    path: Path | None = None
    original_text: str = ""
    bom: bool = False
    newline: str = "\n"
    stamp: FileStamp | None = None

    def text(self) -> str:
        out = tomlkit.dumps(self.doc)
        if self.newline == "\r\n":
            # tomlkit writes "\n" after keys it adds; keep a CRLF file all CRLF.
            out = re.sub(r"(?<!\r)\n", "\r\n", out)
        return out

    def to_bytes(self) -> bytes:
        return ((UTF8_BOM if self.bom else "") + self.text()).encode("utf-8")

    @property
    def modified(self) -> bool:
        return self.text() != self.original_text

    def data(self) -> dict[str, Any]:
        return self.doc.unwrap()

    def key_lines(self) -> dict[str, int]:
        return scan_keys(self.text()).lines


def loads_config(text: str, path: Path | None = None) -> ConfigDocument:
    doc = parse_toml(text, path or "<text>")
    return ConfigDocument(doc=doc, path=path, original_text=text, newline=_dominant_newline(text))


def load_config(path: str | Path) -> ConfigDocument:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    text, bom = decode_config_bytes(data, path)
    cfg = loads_config(text, path)
    cfg.bom = bom
    cfg.stamp = stamp_of(path, data)
    return cfg


# ---------------------------------------------------------------- reading items


def _child(container: Any, part: PathPart, path: KeyPath) -> Any:
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


def get_item(doc: TOMLDocument, key: str | KeyPath) -> Any:
    path = parse_key_path(key) if isinstance(key, str) else tuple(key)
    node: Any = doc
    for index, part in enumerate(path):
        node = _child(node, part, path[: index + 1])
    return node


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


# ---------------------------------------------------------------- editing


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
        node = _child(node, part, sub)
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


# ---------------------------------------------------------------- saving


@dataclass(frozen=True)
class SaveResult:
    path: Path
    backup: Any  # BackupInfo | None (None when the file did not exist yet)
    stamp: FileStamp
    written: bool


def default_backups_dir(config_path: Path) -> Path:
    return config_path.parent / "backups"


def check_unchanged_on_disk(path: Path, stamp: FileStamp | None) -> None:
    """Raise ChangedOnDiskError when the file is not what was loaded."""
    if stamp is None:
        if path.exists():
            raise ChangedOnDiskError(f"{path}: a file appeared there since this one was opened")
        return
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ChangedOnDiskError(f"{path}: deleted on disk since it was loaded") from None
    if hashlib.sha256(data).hexdigest() != stamp.sha256:
        raise ChangedOnDiskError(f"{path}: changed on disk since it was loaded; reload it or save elsewhere")


def disk_changed(path: Path, stamp: FileStamp | None) -> bool:
    try:
        check_unchanged_on_disk(path, stamp)
        return False
    except ChangedOnDiskError:
        return True


def save_config(
    cfg: ConfigDocument,
    path: Path | None = None,
    backups_dir: Path | None = None,
    force: bool = False,
) -> SaveResult:
    """Save atomically. Before writing: refuse if the file changed on disk (unless ``force``),
    refuse a read-only file, and take a verified backup of the current file.

    Nothing is written (and no backup made) when the text is unchanged and the file is
    already what was loaded.
    """
    from bespoke_gui.core.dataset.backup import (
        create_backup,  # the backup module is the only writer of backups
    )

    target = Path(path or cfg.path or "")
    if not str(target):
        raise ConfigError("no file to save to")
    same_file = cfg.path is not None and target.resolve() == Path(cfg.path).resolve()
    if same_file and not force:
        check_unchanged_on_disk(target, cfg.stamp)
    data = cfg.to_bytes()
    if target.exists():
        if not os.access(target, os.W_OK) or not (target.stat().st_mode & stat.S_IWUSR):
            raise ConfigError(f"{target}: read-only; nothing was changed")
        if not os.access(target.parent, os.W_OK):
            raise ConfigError(f"{target.parent}: folder is read-only; nothing was changed")
        if same_file and target.read_bytes() == data:
            return SaveResult(target, None, stamp_of(target), written=False)
        backup = create_backup(
            files=[target],
            source_root=target.parent,
            dest_parent=backups_dir or default_backups_dir(target),
            kind="config",
            label=target.name,
        )
    else:
        backup = None
    atomic_write_bytes(target, data)
    stamp = stamp_of(target, data)
    cfg.path = target
    cfg.stamp = stamp
    cfg.original_text = cfg.text()
    return SaveResult(target, backup, stamp, written=True)
