"""Caption files: read them keeping their bytes' shape, split them into phrases, save atomically.

A caption is kohya style: comma-separated phrases, usually one line. Users' files come in
UTF-8, UTF-8 with a BOM, Windows-1252/Latin-1, with LF or CRLF line ends and with or without
a final newline. :func:`read_caption` remembers all of that, so that saving an unedited
caption writes back exactly the bytes that were read, and saving an edited one keeps the
encoding and line ends.
"""

from __future__ import annotations

import codecs
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from bespoke_gui.core.files import atomic_write_bytes, check_writable
from bespoke_gui.core.jobs import CancelFn, ProgressFn, never_cancelled, no_progress

# Encodings in the order they are tried; Latin-1 always decodes, so it comes last.
UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
CP1252 = "cp1252"
LATIN1 = "latin-1"
UTF16 = "utf-16"

# Captions are a few hundred bytes; anything this big is a mistake we refuse to load whole.
MAX_CAPTION_BYTES = 8 * 1024 * 1024


class CaptionError(Exception):
    """A caption could not be read or saved; the message is one line a user can read."""


class CaptionChangedOnDisk(CaptionError):
    """The file on disk is no longer what was loaded: saving would overwrite someone's edit."""


class CaptionEncodeError(CaptionError):
    """The edited text has characters the file's encoding cannot hold."""


@dataclass(frozen=True)
class CaptionFile:
    """A caption as read: its text (``\\n`` line ends, without the final newline) and how it was stored."""

    path: Path
    text: str
    encoding: str = UTF8
    newline: str = "\n"
    trailing_newline: bool = False
    raw: bytes = b""
    # Set when the encoding was changed on purpose, so even unedited text is re-encoded.
    reencode: bool = False
    # (mtime_ns, size) when it was read: a later stat that differs means it changed on disk.
    stat_key: tuple[int, int] | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def has_bom(self) -> bool:
        return self.encoding in (UTF8_BOM, UTF16)

    @property
    def encoding_label(self) -> str:
        return {
            UTF8: "UTF-8",
            UTF8_BOM: "UTF-8 with BOM",
            CP1252: "Windows-1252",
            LATIN1: "Latin-1",
            UTF16: "UTF-16",
        }.get(self.encoding, self.encoding)

    @property
    def newline_label(self) -> str:
        return {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}.get(self.newline, repr(self.newline))

    def encode(self, text: str) -> bytes:
        """The bytes to store ``text`` in this file's encoding, line ends and final newline."""
        if text == self.text and self.raw and not self.reencode:
            return self.raw  # unedited: give back exactly what was read (even mixed line ends)
        body = text + ("\n" if self.trailing_newline and text else "")
        if self.newline != "\n":
            body = body.replace("\n", self.newline)
        try:
            if self.encoding == UTF16:
                return body.encode("utf-16")
            return body.encode(self.encoding)
        except UnicodeEncodeError as exc:
            bad = text[exc.start] if exc.start < len(text) else "?"
            raise CaptionEncodeError(
                f"{self.path.name} is stored as {self.encoding_label}, which cannot hold {bad!r}; "
                "save it as UTF-8 instead"
            ) from None

    def as_utf8(self) -> CaptionFile:
        """The same caption, to be saved as plain UTF-8 (what sd-scripts reads)."""
        return CaptionFile(self.path, self.text, UTF8, self.newline, self.trailing_newline, self.raw, True)

    def with_saved(self, text: str, raw: bytes) -> CaptionFile:
        return CaptionFile(self.path, text, self.encoding, self.newline, self.trailing_newline, raw)

    def with_stat(self, stat_key: tuple[int, int] | None) -> CaptionFile:
        return CaptionFile(
            self.path,
            self.text,
            self.encoding,
            self.newline,
            self.trailing_newline,
            self.raw,
            self.reencode,
            stat_key,
        )


def detect_encoding(raw: bytes) -> tuple[str, str]:
    """``(encoding, text)`` for caption bytes: BOMs first, then UTF-8, then Windows-1252, then Latin-1."""
    if raw.startswith(codecs.BOM_UTF8):
        return UTF8_BOM, raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        return UTF16, raw.decode("utf-16", errors="replace")
    try:
        return UTF8, raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # cp1252 leaves five bytes undefined; a file using them is Latin-1 (or binary).
        return CP1252, raw.decode("cp1252")
    except UnicodeDecodeError:
        return LATIN1, raw.decode("latin-1")


def _split_newlines(decoded: str) -> tuple[str, str, bool]:
    """``(text with \\n line ends and no final newline, newline style, had a final newline)``."""
    crlf = decoded.count("\r\n")
    lone_cr = decoded.count("\r") - crlf
    lone_lf = decoded.count("\n") - crlf
    if crlf and crlf >= lone_lf and crlf >= lone_cr:
        newline = "\r\n"
    elif lone_cr > lone_lf:
        newline = "\r"
    else:
        newline = "\n"
    text = decoded.replace("\r\n", "\n").replace("\r", "\n")
    trailing = text.endswith("\n")
    if trailing:
        text = text[:-1]
    return text, newline, trailing


def caption_from_bytes(path: Path, raw: bytes, stat_key: tuple[int, int] | None = None) -> CaptionFile:
    encoding, decoded = detect_encoding(raw)
    text, newline, trailing = _split_newlines(decoded)
    return CaptionFile(
        path if isinstance(path, Path) else Path(path),
        text,
        encoding,
        newline,
        trailing,
        raw,
        False,
        stat_key,
    )


def read_caption(path: str | Path) -> CaptionFile:
    """Read a caption file; a missing file reads as an empty caption that will be created on save."""
    target = path if isinstance(path, Path) else Path(path)
    try:
        with open(target, "rb") as handle:
            st = os.fstat(handle.fileno())
            if st.st_size > MAX_CAPTION_BYTES:
                raise CaptionError(f"{target.name} is {st.st_size // 1024} KiB, too big to be a caption")
            raw = handle.read(MAX_CAPTION_BYTES + 1)
    except FileNotFoundError:
        return CaptionFile(target, "", UTF8, "\n", False, b"")
    except IsADirectoryError:
        raise CaptionError(f"{target.name} is a folder, not a caption file") from None
    except OSError as exc:
        raise CaptionError(f"cannot read {target.name}: {exc.strerror or exc}") from None
    return caption_from_bytes(target, raw, (st.st_mtime_ns, st.st_size))


def save_caption(caption: CaptionFile, text: str, check_disk: bool = True) -> CaptionFile:
    """Write ``text`` atomically in the caption's encoding and line ends; return the new state.

    With ``check_disk``, a file that changed on disk since it was read raises
    :class:`CaptionChangedOnDisk` instead of being overwritten.
    """
    data = caption.encode(text)
    path = caption.path
    if check_disk:
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            current = b""
        except OSError as exc:
            raise CaptionError(f"cannot read {path.name}: {exc.strerror or exc}") from None
        if current != caption.raw:
            raise CaptionChangedOnDisk(f"{path.name} changed on disk since it was opened")
    try:
        atomic_write_bytes(path, data)
        st = os.stat(path)
    except OSError as exc:
        raise _not_saved(path, exc) from None
    return caption.with_saved(text, data).with_stat((st.st_mtime_ns, st.st_size))


def _not_saved(path: Path, exc: OSError) -> CaptionError:
    if isinstance(exc, PermissionError):
        return CaptionError(
            f"{path.name} is read-only (or its folder is), so it was not written; "
            "make it writable and try again"
        )
    return CaptionError(f"cannot save {path.name}: {exc.strerror or exc}")


def check_caption_writable(path: Path) -> None:
    """Raise the CaptionError ``save_caption`` would give if ``path`` cannot be written."""
    try:
        check_writable(path)
    except OSError as exc:
        raise _not_saved(path, exc) from None


class Phrase(NamedTuple):
    """One comma-separated phrase: ``text`` is stripped; ``start``/``end`` are its offsets in the caption.

    A named tuple rather than a dataclass: a dataset lint makes hundreds of thousands.
    """

    index: int  # type: ignore[assignment]  # shadows tuple.index; the field is what callers read
    start: int
    end: int
    text: str
    line: int = 0

    @property
    def normalized(self) -> str:
        return normalize_phrase(self.text)


def normalize_phrase(text: str) -> str:
    """Case and inner spacing do not make two phrases different."""
    return " ".join(text.lower().split())


def split_phrases(text: str, keep_empty: bool = False) -> list[Phrase]:
    """Phrases separated by commas or line ends, with their offsets in ``text``.

    An empty phrase (``a,,b`` or a trailing comma) is returned only with ``keep_empty``;
    its span is empty, just before the separator that ends it. A blank line is not an
    empty phrase.
    """
    # This runs for every caption of a dataset lint and on every keystroke: kept lean
    # (tuples built directly, no per-piece method lookups).
    phrases: list[Phrase] = []
    append = phrases.append
    make = tuple.__new__
    offset = 0
    for line_number, line in enumerate(text.split("\n")):
        pieces = line.split(",")
        bounded = len(pieces) > 1
        for piece in pieces:
            stripped = piece.strip()
            if stripped:
                start = offset + len(piece) - len(piece.lstrip())
                append(make(Phrase, (len(phrases), start, start + len(stripped), stripped, line_number)))
            elif keep_empty and bounded:
                # Bounded by a comma on at least one side: a stray comma, not a blank line.
                end = offset + len(piece)
                append(make(Phrase, (len(phrases), end, end, "", line_number)))
            offset += len(piece) + 1  # the comma after it, or (after a line's last piece) the line end
    return phrases


def first_line(text: str) -> str:
    """The text sd-scripts trains on: it reads only the first line of a caption file."""
    return text.split("\n", 1)[0]


@dataclass
class CaptionEntry:
    """One image and its caption; either side may be missing."""

    image: Path | None
    caption_path: Path
    caption: CaptionFile | None  # None when the caption could not be read (see ``error``)
    error: str = ""

    @property
    def name(self) -> str:
        return (self.image or self.caption_path).name

    @property
    def caption_exists(self) -> bool:
        return self.caption is not None and bool(self.caption.raw)

    def links(self) -> list[tuple[Path, str]]:
        """The entry's files that are symbolic links, each with where it points.

        Such a file is read for display but never written (atomic writes refuse links), so the
        user must be able to see which ones they are.
        """
        found: list[tuple[Path, str]] = []
        for path in (self.image, self.caption_path):
            if path is not None and os.path.islink(path):
                try:
                    found.append((path, os.readlink(path)))
                except OSError as exc:
                    found.append((path, f"unreadable link: {exc.strerror or exc}"))
        return found


def load_caption_dataset(
    folder: Path,
    caption_extension: str = ".txt",
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> list[CaptionEntry]:
    """Every image in ``folder`` (sorted by name) with its caption, then captions that have no image.

    An unreadable caption becomes an entry with ``error`` set; the rest carry on. Names are
    handled as strings (one directory scan, two Paths per entry): 10,000 captions read in
    well under a second.
    """
    from bespoke_gui.core.files import TEMP_PREFIX
    from bespoke_gui.core.workspace import IMAGE_EXTENSIONS, entry_is_file

    folder = Path(folder)
    try:
        names = [e.name for e in os.scandir(folder) if entry_is_file(e)]
    except OSError as exc:
        raise CaptionError(f"cannot read the folder {folder}: {exc.strerror or exc}") from None
    ext = caption_extension.lower()
    visible = [n for n in names if not n.startswith(".") and not n.startswith(TEMP_PREFIX)]
    images = sorted(n for n in visible if os.path.splitext(n)[1].lower() in IMAGE_EXTENSIONS)
    captions = {n.lower(): n for n in visible if n.lower().endswith(ext)}
    entries: list[CaptionEntry] = []
    total = len(images)
    for index, name in enumerate(images):
        if index % 512 == 0 and cancelled():
            break
        caption_name = os.path.splitext(name)[0] + caption_extension
        caption_name = captions.pop(caption_name.lower(), caption_name)
        path = folder / caption_name
        try:
            entries.append(CaptionEntry(folder / name, path, read_caption(path)))
        except CaptionError as exc:
            entries.append(CaptionEntry(folder / name, path, None, str(exc)))
        if index % 512 == 511:
            progress(index + 1, total, name)
    for name in sorted(captions.values()):
        path = folder / name
        try:
            entries.append(CaptionEntry(None, path, read_caption(path)))
        except CaptionError as exc:
            entries.append(CaptionEntry(None, path, None, str(exc)))
    progress(total, total, "captions read")
    return entries
