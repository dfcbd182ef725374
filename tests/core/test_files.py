"""Atomic writes: the target always holds either its old or its new content."""

from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path

import pytest

from bespoke_gui.core import files
from bespoke_gui.core.files import (
    TEMP_PREFIX,
    LinkRefused,
    atomic_open,
    atomic_write_bytes,
    atomic_write_text,
    atomic_write_with,
    is_temp_file,
    make_folder,
    stays_inside,
)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


def test_write_bytes_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a.png"
    atomic_write_bytes(target, b"first")
    assert target.read_bytes() == b"first"
    atomic_write_bytes(target, b"second, longer content")
    assert target.read_bytes() == b"second, longer content"
    atomic_write_bytes(target, b"")
    assert target.read_bytes() == b""
    assert leftovers(tmp_path) == []


def test_write_text_default_is_utf8_with_lf(tmp_path: Path) -> None:
    target = tmp_path / "caption.txt"
    atomic_write_text(target, "café, 1girl\nsecond line\n")
    assert target.read_bytes() == "café, 1girl\nsecond line\n".encode()


def test_write_text_crlf_option_converts_every_newline_once(tmp_path: Path) -> None:
    target = tmp_path / "caption.txt"
    # A mix of LF and CRLF must not become CR CR LF.
    atomic_write_text(target, "one\ntwo\r\nthree\n", newline="\r\n")
    assert target.read_bytes() == b"one\r\ntwo\r\nthree\r\n"


def test_write_text_other_encoding(tmp_path: Path) -> None:
    target = tmp_path / "latin.txt"
    atomic_write_text(target, "é", encoding="latin-1")
    assert target.read_bytes() == b"\xe9"


def test_writer_raising_half_way_leaves_old_content_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "img.png"
    target.write_bytes(b"old content")

    def broken_writer(handle) -> None:
        handle.write(b"half of the new")
        raise RuntimeError("encoder crashed")

    with pytest.raises(RuntimeError, match="encoder crashed"):
        atomic_write_with(target, broken_writer)
    assert target.read_bytes() == b"old content"
    assert leftovers(tmp_path) == []


def test_writer_raising_for_a_new_file_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new.png"

    def broken_writer(handle) -> None:
        handle.write(b"partial")
        raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(OSError):
        atomic_write_with(target, broken_writer)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_disk_full_at_replace_leaves_old_content_and_no_temp_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "img.png"
    target.write_bytes(b"old content")

    def full_disk(src, dst) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full_disk)
    with pytest.raises(OSError) as caught:
        atomic_write_bytes(target, b"new content")
    assert caught.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert target.read_bytes() == b"old content"
    assert leftovers(tmp_path) == []


def test_disk_full_at_fsync_leaves_old_content(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "img.png"
    target.write_bytes(b"old content")

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new content")
    monkeypatch.undo()
    assert target.read_bytes() == b"old content"
    assert leftovers(tmp_path) == []


def test_read_only_target_is_refused_and_untouched_even_as_root(tmp_path: Path) -> None:
    target = tmp_path / "locked.txt"
    target.write_bytes(b"keep me")
    target.chmod(0o444)
    try:
        # Whoever runs this (tests run as root in CI), the mode bits must decide.
        with pytest.raises(PermissionError) as caught:
            atomic_write_text(target, "overwritten")
        assert "read-only" in str(caught.value)
        assert target.read_bytes() == b"keep me"
        assert stat.S_IMODE(target.stat().st_mode) == 0o444
        assert leftovers(tmp_path) == []
    finally:
        target.chmod(0o644)


def test_a_read_only_folder_is_refused_for_new_and_existing_files_even_as_root(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "kept.txt").write_bytes(b"keep me")
    folder.chmod(0o555)
    try:
        for name in ("kept.txt", "new.txt"):
            with pytest.raises(PermissionError, match="folder is read-only"):
                atomic_write_text(folder / name, "written")
        assert sorted(p.name for p in folder.iterdir()) == ["kept.txt"]
        assert (folder / "kept.txt").read_bytes() == b"keep me"
    finally:
        folder.chmod(0o755)


def test_no_folder_is_made_inside_a_read_only_folder_even_as_root(tmp_path: Path) -> None:
    # report/downscale/resize --out made their folders in a read-only folder when run as root.
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        for path in (locked / "report", locked / "a" / "b"):
            with pytest.raises(PermissionError, match="folder is read-only") as caught:
                make_folder(path)
            assert caught.value.filename == str(locked)
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)
    assert make_folder(locked / "a" / "b").is_dir()  # writable again: made, parents too
    assert make_folder(locked / "a" / "b").is_dir()  # and an existing one is fine


def test_os_access_alone_would_not_catch_read_only_as_root(tmp_path: Path) -> None:
    # Documents why the mode bits are checked: for root, os.access says "writable".
    target = tmp_path / "locked.txt"
    target.write_bytes(b"x")
    target.chmod(0o444)
    try:
        if os.geteuid() == 0:
            assert os.access(target, os.W_OK)
        with pytest.raises(PermissionError):
            atomic_write_bytes(target, b"y")
    finally:
        target.chmod(0o644)


def test_file_mode_is_preserved(tmp_path: Path) -> None:
    target = tmp_path / "script.sh"
    target.write_bytes(b"old")
    target.chmod(0o750)
    atomic_write_bytes(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    assert target.read_bytes() == b"new"


def test_new_file_gets_umask_permissions_not_mkstemp_0600(tmp_path: Path) -> None:
    target = tmp_path / "new.txt"
    atomic_write_bytes(target, b"x")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_concurrent_writes_do_not_change_the_process_umask(tmp_path: Path) -> None:
    before = os.umask(0o022)
    os.umask(before)

    def write_many(worker: int) -> None:
        for i in range(40):
            atomic_write_bytes(tmp_path / f"w{worker}_{i}.txt", b"x")

    threads = [threading.Thread(target=write_many, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = os.umask(0o022)
    os.umask(after)
    assert after == before
    modes = {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {0o666 & ~before}


@pytest.mark.parametrize("name", ["with space.txt", "café ñandú 日本.txt", "émoji 🎨.png"])
def test_non_ascii_and_spaces_in_names(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "dossier à trier"
    folder.mkdir()
    target = folder / name
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in folder.iterdir()) == [name]


def test_atomic_open_streams_and_replaces_only_at_the_end(tmp_path: Path) -> None:
    target = tmp_path / "big.bin"
    target.write_bytes(b"old")
    with atomic_open(target) as handle:
        handle.write(b"new part 1, ")
        # While writing, the target still holds the old content.
        assert target.read_bytes() == b"old"
        handle.write(b"part 2")
    assert target.read_bytes() == b"new part 1, part 2"


def test_a_symlink_is_never_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    real = outside / "secret.txt"
    real.write_text("a = 1\n")
    ws = tmp_path / "ws"
    ws.mkdir()
    link = ws / "link_out.txt"
    link.symlink_to(real)
    with pytest.raises(LinkRefused) as caught:
        atomic_write_text(link, "a = 2\n")
    assert "is a link" in str(caught.value)
    assert link.is_symlink()
    assert real.read_text() == "a = 1\n"
    assert leftovers(ws) == []


def test_stays_inside(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    (tmp_path / "out.txt").write_text("x")
    (ws / "in_link.txt").symlink_to(ws / "sub")
    (ws / "out_link.txt").symlink_to(tmp_path / "out.txt")
    (ws / "a.png").symlink_to(ws / "b.png")
    (ws / "b.png").symlink_to(ws / "a.png")
    assert stays_inside(ws / "sub" / "new.txt", ws)
    assert stays_inside(ws / "in_link.txt", ws)
    assert not stays_inside(ws / "out_link.txt", ws)
    assert not stays_inside(ws / ".." / "out.txt", ws)
    assert not stays_inside(ws / "a.png", ws)


def test_leftover_temp_files_of_an_ended_process_are_removed_on_the_next_write(tmp_path: Path) -> None:
    import os

    import bespoke_gui.core.files as files

    old = tmp_path / f"{TEMP_PREFIX}abcd.toml"
    old.write_text("half")
    os.utime(old, (1000, 1000))
    fresh = tmp_path / f"{TEMP_PREFIX}efgh.toml"  # another running writer's: kept
    fresh.write_text("half")
    files._cleaned_folders.discard(os.path.abspath(tmp_path))
    assert files.leftover_temp_files(tmp_path) == [old]
    atomic_write_text(tmp_path / "my_run.toml", "a = 1\n")
    assert not old.exists()
    assert fresh.exists()


def test_a_folder_as_target_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "captions"
    folder.mkdir()
    (folder / "inside.txt").write_text("keep")
    with pytest.raises(IsADirectoryError):
        atomic_write_text(folder, "x")
    assert (folder / "inside.txt").read_text() == "keep"
    assert leftovers(tmp_path) == []


def test_missing_parent_folder_raises_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        atomic_write_bytes(tmp_path / "no" / "such" / "file.txt", b"x")
    # The message names the folder, not a temporary file the user never asked for.
    assert caught.value.filename == str(tmp_path / "no" / "such")
    assert TEMP_PREFIX not in str(caught.value)


def test_is_temp_file() -> None:
    assert is_temp_file(Path(f"/x/{TEMP_PREFIX}abc.png"))
    assert not is_temp_file(Path("/x/abc.png"))


def test_require_folder_names_what_is_missing(tmp_path: Path) -> None:
    from bespoke_gui.core.files import require_folder

    assert require_folder(str(tmp_path)) == tmp_path
    (tmp_path / "file.txt").write_text("x")
    for missing in (tmp_path / "nope", tmp_path / "file.txt"):
        with pytest.raises(NotADirectoryError) as info:
            require_folder(missing)
        assert info.value.filename == str(missing) and info.value.strerror == "not a folder"
