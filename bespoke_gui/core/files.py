"""Atomic writes: a file on disk is always either its old or its new content.

Every write goes to a temporary file in the same folder (so the final rename never
crosses a file system), is flushed to disk, and then replaces the target in one
``os.replace``. A failure at any point removes the temporary file and leaves the
target as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_PREFIX = ".bespoke-tmp-"

# Temporary files older than this process were left by one that was killed mid-write.
_PROCESS_START = time.time()
_cleaned_folders: set[str] = set()
_cleaned_lock = threading.Lock()

_umask_lock = threading.Lock()
_umask_value: int | None = None


def _process_umask() -> int:
    """The process umask, read once.

    Reading it means setting it (``os.umask``), which is not thread-safe: two writer
    threads doing set-and-restore at once can leave the process with umask 0. So it is
    read once, under a lock, and cached.
    """
    global _umask_value
    with _umask_lock:
        if _umask_value is None:
            _umask_value = _umask_from_proc()
        if _umask_value is None:
            current = os.umask(0o022)
            os.umask(current)
            _umask_value = current
        return _umask_value


def _umask_from_proc() -> int | None:
    """Linux reports the umask without changing it; elsewhere this gives None."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        return None
    return None


class LinkRefused(OSError):
    """A write would go through a symbolic link: refused, the link and its target stay as they are."""

    def __init__(self, path: Path) -> None:
        try:
            points_to = os.readlink(path)
        except OSError:
            points_to = "?"
        super().__init__(errno.ELOOP, f"is a link (to {points_to}); not written through it", str(path))


def stays_inside(path: str | Path, root: str | Path) -> bool:
    """Whether ``path``, with every link on the way followed, lies inside ``root``.

    A looping link has no real path; it does not stay inside anything.
    """
    try:
        try:
            real = Path(os.path.realpath(path, strict=True))
        except FileNotFoundError:
            real = Path(os.path.realpath(path))  # a file yet to be made
        real_root = Path(os.path.realpath(root))
    except (OSError, ValueError):
        return False
    return real == real_root or real.is_relative_to(real_root)


def _is_read_only(st: os.stat_result, target: Path) -> bool:
    # Root passes os.access for every file, so the owner's write bit is checked too:
    # a file the user made read-only stays read-only even for a root process.
    return not os.access(target, os.W_OK) or not (st.st_mode & stat.S_IWUSR)


def check_folder_writable(folder: Path) -> None:
    """Raise PermissionError when the existing ``folder`` is read-only (for root too)."""
    try:
        st = folder.stat()
    except OSError:
        return  # whoever writes there next says what is wrong with it
    if _is_read_only(st, folder):
        raise PermissionError(13, "folder is read-only", str(folder))


def make_folder(path: str | Path) -> Path:
    """Create ``path`` and its missing parents, unless the nearest folder that exists is
    read-only (PermissionError): root could create folders in it anyway, and the user
    made it read-only for a reason. An existing ``path`` is checked the same way."""
    path = Path(path)
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    check_folder_writable(existing)
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_writable(target: Path) -> os.stat_result | None:
    """Raise what ``atomic_open`` would refuse ``target`` for; its stat when it exists.

    A link (LinkRefused), a read-only folder or file (PermissionError), a folder where
    the file should be (IsADirectoryError). A caller with many files checks them all
    before its backup, so that nothing is backed up for a write that cannot happen.
    """
    if target.is_symlink():
        raise LinkRefused(target)
    # A read-only folder is respected like a read-only file: root could write into it
    # anyway, and any other user could not replace a file in it.
    check_folder_writable(target.parent)
    try:
        st = target.stat()
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(21, "is a folder, not a file", str(target))
    if _is_read_only(st, target):
        raise PermissionError(13, "file is read-only", str(target))
    return st


@contextlib.contextmanager
def atomic_open(path: str | Path, keep_mode: bool = True) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for binary writing; replace ``path`` on success.

    A read-only target is refused (the user made it read-only for a reason) with a
    PermissionError, rather than silently replaced. A symbolic link is refused with
    :class:`LinkRefused`: its target may lie anywhere (outside the workspace), so the app
    never writes through one. Leftover temporary files of processes that have ended are
    removed from the folder first.
    """
    target = Path(path)
    folder = target.parent
    st = check_writable(target)
    remove_leftover_temp_files(folder)
    mode = stat.S_IMODE(st.st_mode) if st is not None else None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=folder)
    except OSError as exc:
        # Name the folder, not the temporary file the user never asked for. OSError
        # with an errno becomes the matching subclass (PermissionError, ...).
        raise OSError(exc.errno, exc.strerror, str(folder)) from exc
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
            os.chmod(tmp, 0o666 & ~_process_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; best effort (not every platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_open(path) as handle:
        handle.write(data)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    """Write text atomically. ``newline`` replaces every ``\\n`` (use "\\r\\n" to keep CRLF)."""
    if newline != "\n":
        text = text.replace("\r\n", "\n").replace("\n", newline)
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_with(path: str | Path, writer: Callable[[BinaryIO], None]) -> None:
    """Let ``writer`` stream into the temporary file (e.g. ``image.save(handle, "PNG")``)."""
    with atomic_open(path) as handle:
        writer(handle)


def leftover_temp_files(folder: str | Path, older_than: float | None = None) -> list[Path]:
    """The app's temporary files in ``folder`` (not its subfolders) left by an ended process."""
    cutoff = _PROCESS_START if older_than is None else older_than
    found: list[Path] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.startswith(TEMP_PREFIX):
                    continue
                try:
                    if (
                        entry.is_file(follow_symlinks=False)
                        and entry.stat(follow_symlinks=False).st_mtime < cutoff
                    ):
                        found.append(Path(entry.path))
                except OSError:
                    continue
    except OSError:
        return []
    return sorted(found)


def remove_leftover_temp_files(folder: str | Path) -> list[Path]:
    """Remove leftovers of a killed write from ``folder``, once per folder per process."""
    key = os.path.abspath(folder)
    with _cleaned_lock:
        if key in _cleaned_folders:
            return []
        _cleaned_folders.add(key)
    removed = []
    for path in leftover_temp_files(folder):
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def is_temp_file(path: Path) -> bool:
    """Temporary files left by a crash are ours to ignore in scans."""
    return path.name.startswith(TEMP_PREFIX)


def require_folder(path: str | Path) -> Path:
    """``path`` as a Path, or NotADirectoryError ("not a folder: …") when it is none."""
    folder = Path(path)
    if not folder.is_dir():
        raise NotADirectoryError(20, "not a folder", str(folder))
    return folder
