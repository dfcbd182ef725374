"""Loading a TOML config without losing a byte the user wrote, with clear one-line errors.

tomlkit keeps comments, blank lines, key order, quoting and number spelling, so a load
followed by a save with no edit gives back the same bytes. Invalid TOML (with line and
column), duplicate keys (with their line) and files that are not UTF-8 each become one
line a user can act on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import KeyAlreadyPresent, ParseError, TOMLKitError
from tomlkit.toml_document import TOMLDocument

from bespoke_gui.core.config.errors import ConfigError, DuplicateKeyError, NotUtf8Error, TomlSyntaxError
from bespoke_gui.core.config.key_paths import parse_key_path
from bespoke_gui.core.config.key_scan import scan_keys

UTF8_BOM = "\ufeff"


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
