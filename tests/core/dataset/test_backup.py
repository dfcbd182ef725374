"""Backups: all-or-nothing creation with SHA-256 manifests, verify, list, restore."""

from __future__ import annotations

import errno
import hashlib
import json
import re
from pathlib import Path

import pytest

from bespoke_gui.core.dataset import backup as backup_module
from bespoke_gui.core.dataset import restore as restore_module
from bespoke_gui.core.dataset.backup import (
    MANIFEST_NAME,
    BackupCancelled,
    BackupError,
    BackupInfo,
    create_backup,
    list_backups,
    verify_backup,
)
from bespoke_gui.core.dataset.restore import restore_backup
from bespoke_gui.core.jobs import CancelFlag


def make_dataset(root: Path) -> list[Path]:
    """A small workspace: images with captions in a subfolder, and a config."""
    data = root / "training_data"
    data.mkdir(parents=True)
    made: list[Path] = []
    for i, name in enumerate(["lad 001.png", "lady_002_café.png", "lad_003.png"]):
        image = data / name
        image.write_bytes(bytes([i]) * (100 + i) + b"\x89PNG")
        caption = image.with_suffix(".txt")
        caption.write_text(f"pixel art, person {i}\n", encoding="utf-8")
        made += [image, caption]
    config = root / "training_config.toml"
    config.write_text('output_name = "demo"\n')
    made.append(config)
    return made


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(paths: list[Path]) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in paths}


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, list[Path]]:
    root = tmp_path / "workspace"
    return root, make_dataset(root)


def test_create_writes_a_manifest_with_the_hash_of_every_file(dataset) -> None:
    root, made = dataset
    info = create_backup(made, root, root / "backups", "dataset", label="before resize")

    assert isinstance(info, BackupInfo)
    assert info.path.parent == root / "backups"
    assert info.path.name.startswith("dataset-")
    assert info.kind == "dataset" and info.label == "before resize"
    assert info.file_count == len(made)
    assert info.total_bytes == sum(p.stat().st_size for p in made)
    assert info.source_root == root.resolve()

    manifest = json.loads((info.path / MANIFEST_NAME).read_text(encoding="utf-8"))
    by_path = {entry["path"]: entry for entry in manifest["files"]}
    assert set(by_path) == {p.relative_to(root).as_posix() for p in made}
    for original in made:
        entry = by_path[original.relative_to(root).as_posix()]
        assert entry["sha256"] == sha(original)
        assert entry["size"] == original.stat().st_size
        assert (info.path / entry["path"]).read_bytes() == original.read_bytes()

    report = verify_backup(info.path)
    assert report.ok and report.checked == len(made)
    assert report.missing == report.changed == report.extra == []


def test_progress_covers_copy_and_verify(dataset) -> None:
    root, made = dataset
    calls: list[tuple[int, int]] = []
    create_backup(made, root, root / "backups", "dataset", progress=lambda d, t, m: calls.append((d, t)))
    assert calls[-1] == (2 * len(made), 2 * len(made))
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)


def test_verify_reports_a_tampered_copy_as_changed(dataset) -> None:
    root, made = dataset
    info = create_backup(made, root, root / "backups", "dataset")
    copy = info.path / "training_data" / "lad_003.png"
    data = bytearray(copy.read_bytes())
    data[5] ^= 0xFF  # same size, different bytes
    copy.write_bytes(bytes(data))

    report = verify_backup(info.path)
    assert not report.ok
    assert report.changed == ["training_data/lad_003.png"]
    assert report.missing == [] and report.extra == []
    assert "changed: training_data/lad_003.png" in report.problems()


def test_verify_reports_a_deleted_copy_as_missing(dataset) -> None:
    root, made = dataset
    info = create_backup(made, root, root / "backups", "dataset")
    (info.path / "training_config.toml").unlink()
    report = verify_backup(info.path)
    assert not report.ok
    assert report.missing == ["training_config.toml"]


def test_verify_reports_an_extra_file(dataset) -> None:
    root, made = dataset
    info = create_backup(made, root, root / "backups", "dataset")
    (info.path / "training_data" / "stray.png").write_bytes(b"?")
    report = verify_backup(info.path)
    assert report.extra == ["training_data/stray.png"]
    # Any file the manifest does not name is a mismatch: a restore must not trust it.
    assert not report.ok


def test_verify_of_a_folder_without_manifest_raises(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="not a backup"):
        verify_backup(tmp_path)


@pytest.mark.parametrize("bad_path", ["../escape.txt", "/etc/passwd", "a/../../b"])
def test_a_manifest_pointing_outside_the_backup_is_damaged(dataset, bad_path: str) -> None:
    root, made = dataset
    info = create_backup(made, root, root / "backups", "dataset")
    manifest_path = info.path / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][0]["path"] = bad_path
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="damaged"):
        verify_backup(info.path)
    with pytest.raises(BackupError):
        restore_backup(info.path)


def test_missing_source_raises_and_leaves_no_partial_backup(dataset) -> None:
    root, made = dataset
    gone = root / "training_data" / "vanished.png"
    with pytest.raises(BackupError, match="vanished.png"):
        create_backup([*made, gone], root, root / "backups", "dataset")
    assert list((root / "backups").iterdir()) == []


def test_unreadable_source_raises_and_leaves_no_partial_backup(dataset) -> None:
    root, made = dataset
    # A folder where a file is expected cannot be read as a file, even by root.
    unreadable = root / "training_data" / "folder.png"
    unreadable.mkdir()
    with pytest.raises(BackupError, match="folder.png"):
        create_backup([*made, unreadable], root, root / "backups", "dataset")
    assert list((root / "backups").iterdir()) == []


def test_write_failure_in_the_backup_leaves_nothing(dataset, monkeypatch) -> None:
    root, made = dataset
    calls = {"n": 0}
    real_fsync = backup_module.os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(backup_module.os, "fsync", failing_fsync)
    with pytest.raises(BackupError, match="disk full: backup not made, nothing changed"):
        create_backup(made, root, root / "backups", "dataset")
    monkeypatch.undo()
    assert list((root / "backups").iterdir()) == []


def test_a_copy_that_does_not_verify_raises_and_is_removed(dataset, monkeypatch) -> None:
    root, made = dataset
    real_copy = backup_module._copy_file

    def corrupting_copy(src: Path, dest: Path):
        result = real_copy(src, dest)
        if src.name == "lad_003.png":
            dest.write_bytes(b"bit rot")
        return result

    monkeypatch.setattr(backup_module, "_copy_file", corrupting_copy)
    with pytest.raises(BackupError, match="did not verify"):
        create_backup(made, root, root / "backups", "dataset")
    assert list((root / "backups").iterdir()) == []


def test_cancel_during_create_leaves_nothing(dataset) -> None:
    root, made = dataset
    flag = CancelFlag()

    def cancel_after_two(done: int, total: int, message: str) -> None:
        if done == 2:
            flag.set()

    with pytest.raises(BackupCancelled):
        create_backup(made, root, root / "backups", "dataset", progress=cancel_after_two, cancelled=flag)
    assert list((root / "backups").iterdir()) == []


def test_cancel_during_verify_leaves_nothing(dataset) -> None:
    root, made = dataset
    flag = CancelFlag()

    def cancel_while_verifying(done: int, total: int, message: str) -> None:
        if message.startswith("verifying"):
            flag.set()

    with pytest.raises(BackupCancelled):
        create_backup(
            made, root, root / "backups", "dataset", progress=cancel_while_verifying, cancelled=flag
        )
    assert list((root / "backups").iterdir()) == []


def test_a_file_outside_the_source_root_goes_to_external_and_back(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    made = make_dataset(root)
    elsewhere = tmp_path / "configs" / "my config.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text("learning_rate = 1e-4\n")

    info = create_backup([*made, elsewhere], root, tmp_path / "backups", "config")
    manifest = json.loads((info.path / MANIFEST_NAME).read_text())
    external = [e for e in manifest["files"] if e["original"] == str(elsewhere.resolve())]
    assert len(external) == 1 and external[0]["path"].startswith("_external/")
    assert external[0]["path"].endswith("/my config.toml")

    elsewhere.write_text("learning_rate = 9\n")
    # Outside the workspace: not restored until that exact path is confirmed.
    report = restore_backup(info.path, safety_backup=False)
    assert elsewhere.read_text() == "learning_rate = 9\n"
    assert [e.path for e in report.errors] == [str(elsewhere.resolve())]
    report = restore_backup(info.path, allow_outside=[elsewhere.resolve()])
    assert elsewhere.read_text() == "learning_rate = 1e-4\n"
    assert elsewhere.resolve() in [p.resolve() for p in report.restored]
    assert not (root / "_external").exists()


def test_list_backups_newest_first_and_filtered_by_kind(dataset) -> None:
    root, made = dataset
    dest = root / "backups"
    first = create_backup(made[:2], root, dest, "dataset")
    second = create_backup(made[2:4], root, dest, "captions")
    third = create_backup(made[4:], root, dest, "dataset")
    (dest / "not-a-backup").mkdir()
    (dest / "broken").mkdir()
    (dest / "broken" / MANIFEST_NAME).write_text("{not json")

    assert [b.path for b in list_backups(dest)] == [third.path, second.path, first.path]
    assert [b.path for b in list_backups(dest, kind="dataset")] == [third.path, first.path]
    assert [b.path for b in list_backups(dest, kind="captions")] == [second.path]
    assert list_backups(dest, kind="config") == []
    assert list_backups(root / "nowhere") == []


def test_list_backups_orders_many_made_in_the_same_second(dataset) -> None:
    root, made = dataset
    dest = root / "backups"
    made_infos = [create_backup(made[:1], root, dest, "dataset") for _ in range(12)]
    listed = list_backups(dest)
    assert [b.path for b in listed] == [b.path for b in reversed(made_infos)]


def test_restore_makes_a_verified_safety_backup_then_restores_bytes_exactly(dataset) -> None:
    root, made = dataset
    original = snapshot(made)
    info = create_backup(made, root, root / "backups", "dataset")

    # The user (or a bad batch edit) changes every file, and deletes one.
    for path in made:
        path.write_bytes(b"edited " + path.name.encode())
    made[0].unlink()
    edited = {p: p.read_bytes() for p in made if p.exists()}

    report = restore_backup(info.path)

    assert report.errors == [] and not report.cancelled
    assert sorted(report.restored) == sorted(made)
    assert snapshot(made) == original
    safety = report.safety_backup
    assert safety is not None and safety.path != info.path
    assert verify_backup(safety.path).ok
    assert safety.file_count == len(edited)  # the deleted file had nothing to save
    # The safety backup holds the state just before the restore, so the restore can be undone.
    restore_backup(safety.path, safety_backup=False)
    assert {p: p.read_bytes() for p in made if p in edited} == edited


def test_restore_only_some_files(dataset) -> None:
    root, made = dataset
    info = create_backup(made, root, root / "backups", "captions")
    for path in made:
        path.write_bytes(b"changed")
    report = restore_backup(info.path, only=["training_data/lad_003.txt", "no/such.txt"], safety_backup=False)
    assert report.restored == [root / "training_data" / "lad_003.txt"]
    assert [(e.path, e.message) for e in report.errors] == [("no/such.txt", "not in this backup")]
    assert (root / "training_data" / "lad_003.txt").read_text() == "pixel art, person 2\n"
    assert (root / "training_data" / "lad_003.png").read_bytes() == b"changed"


def test_restore_into_another_root(dataset, tmp_path: Path) -> None:
    root, made = dataset
    info = create_backup(made, root, root / "backups", "dataset")
    other = tmp_path / "elsewhere"
    report = restore_backup(info.path, safety_backup=False, target_root=other)
    assert len(report.restored) == len(made)
    for path in made:
        assert (other / path.relative_to(root)).read_bytes() == path.read_bytes()


def test_restore_of_a_damaged_backup_restores_nothing(dataset) -> None:
    root, made = dataset
    info = create_backup(made, root, root / "backups", "dataset")
    (info.path / "training_data" / "lad_003.txt").write_text("tampered")
    for path in made:
        path.write_bytes(b"current")
    before = sorted(p.name for p in (root / "backups").iterdir())

    with pytest.raises(BackupError, match="nothing was restored"):
        restore_backup(info.path)
    assert all(p.read_bytes() == b"current" for p in made)
    # Not even a safety backup was made.
    assert sorted(p.name for p in (root / "backups").iterdir()) == before


def _restore_with_one_file_read_only(dataset, safety_backup: bool):
    """Back up, change every file, make one read-only, restore: (report, files, the read-only one)."""
    root, made = dataset
    info = create_backup(made, root, root / "backups", "dataset")
    for path in made:
        path.write_bytes(b"current")
    locked = made[1]
    locked.chmod(0o444)
    try:
        return restore_backup(info.path, safety_backup=safety_backup), made, locked
    finally:
        locked.chmod(0o644)


def test_restore_reports_a_read_only_target_and_carries_on(dataset) -> None:
    report, made, locked = _restore_with_one_file_read_only(dataset, safety_backup=False)
    assert [e.path for e in report.errors] == [str(locked)]
    assert "read-only" in report.errors[0].message
    assert locked.read_bytes() == b"current"
    assert len(report.restored) == len(made) - 1


def test_a_read_only_target_is_refused_before_the_safety_backup(dataset) -> None:
    # The safety backup holds only what is about to be replaced: restoring into a
    # read-only folder used to copy the whole dataset first, then refuse every file.
    report, made, locked = _restore_with_one_file_read_only(dataset, safety_backup=True)
    assert [e.path for e in report.errors] == [str(locked)]
    assert report.safety_backup is not None and report.safety_backup.file_count == len(made) - 1
    assert locked.read_bytes() == b"current"


def test_cancel_during_restore_stops_between_files(dataset) -> None:
    root, made = dataset
    info = create_backup(made, root, root / "backups", "dataset")
    for path in made:
        path.write_bytes(b"current")
    flag = CancelFlag()

    def cancel_after_first(done: int, total: int, message: str) -> None:
        if message.startswith("restoring"):
            flag.set()

    report = restore_backup(info.path, progress=cancel_after_first, cancelled=flag, safety_backup=False)
    assert report.cancelled
    assert len(report.restored) == 1
    untouched = [p for p in made if p not in report.restored]
    assert all(p.read_bytes() == b"current" for p in untouched)


def test_a_backup_copy_changed_after_verify_is_not_restored(dataset, monkeypatch) -> None:
    root, made = dataset
    info = create_backup(made, root, root / "backups", "dataset")
    for path in made:
        path.write_bytes(b"current")
    real_verify = restore_module.verify_backup

    def verify_then_rot(backup_dir, *args, **kwargs):
        report = real_verify(backup_dir, *args, **kwargs)
        if Path(backup_dir) == info.path:
            (info.path / "training_config.toml").write_text("rotted")
        return report

    monkeypatch.setattr(restore_module, "verify_backup", verify_then_rot)
    report = restore_backup(info.path, safety_backup=False)
    assert [e.path for e in report.errors] == [str(root / "training_config.toml")]
    assert (root / "training_config.toml").read_bytes() == b"current"


def test_kind_cannot_escape_the_backups_folder(dataset) -> None:
    root, made = dataset
    info = create_backup(made[:1], root, root / "backups", "../evil kind")
    assert info.path.parent == root / "backups"
    assert "/" not in info.kind and ".." not in info.kind


def test_duplicate_paths_are_backed_up_once(dataset) -> None:
    root, made = dataset
    twice = [made[0], root / "training_data" / ".." / "training_data" / made[0].name]
    info = create_backup(twice, root, root / "backups", "dataset")
    assert info.file_count == 1


def test_backup_names_use_the_time_and_do_not_collide(dataset) -> None:
    root, made = dataset
    a = create_backup(made[:1], root, root / "backups", "dataset")
    b = create_backup(made[:1], root, root / "backups", "dataset")
    assert a.path != b.path
    assert re.fullmatch(r"dataset-\d{8}-\d{6}(-\d+)?", a.path.name)
    assert re.fullmatch(r"dataset-\d{8}-\d{6}(-\d+)?", b.path.name)


def test_workspace_files_named_like_backup_internals_are_kept_apart(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    made = make_dataset(root)
    clash_manifest = root / MANIFEST_NAME
    clash_manifest.write_text('{"mine": true}')
    clash_external = root / "_external" / "0" / "lad 001.png"
    clash_external.parent.mkdir(parents=True)
    clash_external.write_bytes(b"a workspace file in a folder called _external")
    elsewhere = tmp_path / "lad 001.png"
    elsewhere.write_bytes(b"outside the root, same name")
    files = [elsewhere, clash_manifest, clash_external, *made]
    original = snapshot(files)

    info = create_backup(files, root, tmp_path / "backups", "dataset")
    assert verify_backup(info.path).ok
    assert info.file_count == len(files)
    for path in files:
        path.write_bytes(b"changed")
    report = restore_backup(info.path, safety_backup=False, allow_outside=[elsewhere])
    assert report.errors == []
    assert snapshot(files) == original
