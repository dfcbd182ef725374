"""Atomic writes: a file on disk is always either its old or its new content.

Every write goes to a temporary file in the same folder (so the final rename never
crosses a file system), is flushed to disk, and then replaces the target in one
``os.replace``. A failure at any point removes the temporary file and leaves the
target as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

TEMP_PREFIX = ".bespoke-tmp-"


@contextlib.contextmanager
def atomic_open(path: str | Path, keep_mode: bool = True) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for binary writing; replace ``path`` on success.

    A read-only target is refused (the user made it read-only for a reason) with a
    PermissionError, rather than silently replaced.
    """
    target = Path(path)
    folder = target.parent
    mode: int | None = None
    if target.exists():
        st = target.stat()
        if not os.access(target, os.W_OK) or not (st.st_mode & stat.S_IWUSR):
            raise PermissionError(13, "file is read-only", str(target))
        mode = stat.S_IMODE(st.st_mode)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if keep_mode and mode is not None:
            os.chmod(tmp, mode)
        else:
            # mkstemp creates 0600; give new files the usual permissions.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_open(path) as handle:
        handle.write(data)


def atomic_write_text(
    path: str | Path, text: str, encoding: str = "utf-8", newline: str = "\n"
) -> None:
    """Write text atomically. ``newline`` replaces every ``\\n`` (use "\\r\\n" to keep CRLF)."""
    if newline != "\n":
        text = text.replace("\r\n", "\n").replace("\n", newline)
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_with(path: str | Path, writer: Callable[[BinaryIO], None]) -> None:
    """Let ``writer`` stream into the temporary file (e.g. ``image.save(handle, "PNG")``)."""
    with atomic_open(path) as handle:
        writer(handle)


def is_temp_file(path: Path) -> bool:
    """Temporary files left by a crash are ours to ignore in scans."""
    return path.name.startswith(TEMP_PREFIX)
