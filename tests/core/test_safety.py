"""Issue 11's repros: nothing is written outside the workspace or through a link.

Every test here failed before the fix: restore trusted the manifest's ``original`` and
``source_root``, a copied workspace's backup reverted the original workspace, and
writes followed links out of the dataset.
"""

from __future__ import annotations

import errno
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bespoke_gui.cli import main
from bespoke_gui.core.dataset.backup import MANIFEST_NAME, verify_backup


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "wsA"
    images = root / "training_data"
    images.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for i in range(3):
        small = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
        Image.fromarray(small).resize((64, 64), Image.Resampling.NEAREST).save(images / f"p{i}.png")
        (images / f"p{i}.txt").write_text(f"pixel art, red hat {i}")
    (root / "training_config.toml").write_text('output_name = "x"\ntrain_data_dir = "training_data"\n')
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("pixel art, red hat secret")
    Image.new("RGB", (64, 64), (9, 9, 9)).save(folder / "outside.png")
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def make_backup(ws: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, _out, _err = run(capsys, "backup", str(ws))
    assert code == 0
    (backup,) = [p for p in (ws / "backups").iterdir() if p.is_dir()]
    return backup


def add_entry(backup: Path, stored: str, original: str, data: bytes) -> None:
    (backup / stored).parent.mkdir(parents=True, exist_ok=True)
    (backup / stored).write_bytes(data)
    manifest = json.loads((backup / MANIFEST_NAME).read_text())
    manifest["files"].append(
        {"path": stored, "original": original, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    )
    (backup / MANIFEST_NAME).write_text(json.dumps(manifest))


# ---------------------------------------------------------------- 1. restore trusts the manifest


def test_an_added_external_entry_is_reported_and_not_restored_unconfirmed(
    ws: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = make_backup(ws, capsys)
    victim = outside / "victim" / "x.txt"
    add_entry(backup, "_external/0/x.txt", str(victim), b"overwritten")
    code, out, _err = run(capsys, "verify-backup", str(backup))
    assert f"restored outside the workspace, to {victim}" in out
    report = verify_backup(backup)
    assert report.outside == [("_external/0/x.txt", victim)]

    code, out, err = run(capsys, "restore", str(backup))
    assert code == 1
    assert not victim.parent.exists()  # no folder made there, no file written
    assert f"error: {victim}: outside the workspace" in err
    assert "--allow-outside PATH" in err
    assert f"into {ws}" in out


def test_a_confirmed_outside_file_is_restored_only_at_that_exact_path(
    ws: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = outside / "my_run.toml"
    config.write_text("a = 1\n")
    backup = make_backup(ws, capsys)
    add_entry(backup, "_external/0/my_run.toml", str(config), b"a = 0\n")
    code, _out, _err = run(capsys, "restore", str(backup), "--allow-outside", str(outside / "other.toml"))
    assert code == 1 and config.read_text() == "a = 1\n"
    code, out, err = run(capsys, "restore", str(backup), "--allow-outside", str(config))
    assert code == 0, err
    assert config.read_text() == "a = 0\n"
    assert f"restored outside the workspace (confirmed): {config}" in out


def test_an_edited_source_root_restores_into_the_workspace_the_backup_lies_in(
    ws: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = make_backup(ws, capsys)
    manifest = json.loads((backup / MANIFEST_NAME).read_text())
    manifest["source_root"] = str(outside)
    (backup / MANIFEST_NAME).write_text(json.dumps(manifest))
    code, out, _err = run(capsys, "verify-backup", str(backup))
    assert code == 0
    assert f"source_root is {outside}, not this workspace; a restore writes into {ws}" in out
    before = sorted(p.name for p in outside.rglob("*"))
    (ws / "training_data" / "p0.txt").write_text("changed")
    code, out, _err = run(capsys, "restore", str(backup))
    assert code == 0
    assert sorted(p.name for p in outside.rglob("*")) == before
    assert (ws / "training_data" / "p0.txt").read_text() == "pixel art, red hat 0"


def test_a_copied_workspace_restores_into_the_copy_and_says_so(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = make_backup(ws, capsys)
    copy = ws.parent / "wsA_copy"
    shutil.copytree(ws, copy)
    (ws / "training_data" / "p1.txt").write_text("wsA edited")
    (copy / "training_data" / "p1.txt").write_text("copy edited")
    code, out, _err = run(capsys, "restore", str(copy / "backups" / backup.name))
    assert code == 0
    assert (ws / "training_data" / "p1.txt").read_text() == "wsA edited"
    assert (copy / "training_data" / "p1.txt").read_text() == "pixel art, red hat 1"
    assert out.splitlines()[0] == f"restoring {copy / 'backups' / backup.name} into {copy}"
    assert f"files into {copy}" in out


def test_restore_into_a_named_target(ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = make_backup(ws, capsys)
    code, out, _err = run(capsys, "restore", str(backup), "--target", str(tmp_path / "elsewhere"))
    assert code == 0
    assert f"files into {tmp_path / 'elsewhere'}" in out
    assert (tmp_path / "elsewhere" / "training_data" / "p2.txt").read_text() == "pixel art, red hat 2"


def test_restore_never_makes_folders_through_a_linked_folder(
    ws: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = make_backup(ws, capsys)
    shutil.rmtree(ws / "training_data")
    (ws / "training_data").symlink_to(outside, target_is_directory=True)
    code, _out, err = run(capsys, "restore", str(backup))
    assert code == 1
    assert "outside the workspace" in err
    assert sorted(p.name for p in outside.iterdir()) == ["outside.png", "secret.txt"]


# ---------------------------------------------------------------- 8. any mismatch is non-zero


def test_a_file_not_in_the_manifest_fails_verify_and_restore(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = make_backup(ws, capsys)
    (backup / "training_data" / "stray.png").write_bytes(b"?")
    code, _out, err = run(capsys, "verify-backup", str(backup))
    assert code == 1 and "stray.png: not in the manifest" in err
    (ws / "training_data" / "p0.txt").write_text("kept")
    code, _out, err = run(capsys, "restore", str(backup))
    assert code == 1 and "nothing was restored" in err
    assert (ws / "training_data" / "p0.txt").read_text() == "kept"


# ---------------------------------------------------------------- 2. writes follow links out


@pytest.fixture
def linked(ws: Path, outside: Path) -> Path:
    (ws / "training_data" / "link_out.txt").symlink_to(outside / "secret.txt")
    (ws / "training_data" / "link_out.png").symlink_to(outside / "outside.png")
    return ws


def test_caption_replace_never_writes_through_a_link(
    linked: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(
        capsys, "caption-replace", str(linked), "--find", "red hat", "--replace", "blue cap", "--apply"
    )
    assert code == 1
    assert (outside / "secret.txt").read_text() == "pixel art, red hat secret"
    assert "link_out.txt: is a link" in err
    assert (linked / "training_data" / "p0.txt").read_text() == "pixel art, blue cap 0"


def test_resize_in_place_never_writes_through_a_link(
    linked: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (outside / "outside.png").read_bytes()
    code, _out, err = run(capsys, "resize", str(linked), "--size", "32", "--in-place", "--filter", "nearest")
    assert code == 1
    assert (outside / "outside.png").read_bytes() == before
    assert "link_out.png: is a link" in err
    assert len([line for line in err.splitlines() if "link_out.png" in line]) == 1
    with Image.open(linked / "training_data" / "p0.png") as im:
        assert im.size == (32, 32)


def test_caption_backup_restore_never_writes_through_a_link(
    linked: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Back the captions up while link_out.txt was an ordinary file, then make it a link.
    link = linked / "training_data" / "link_out.txt"
    link.unlink()
    link.write_text("pixel art, red hat link")
    code, _out, _err = run(
        capsys, "caption-replace", str(linked), "--find", "red hat", "--replace", "cap", "--apply"
    )
    assert code == 0
    link.unlink()
    link.symlink_to(outside / "secret.txt")
    (backup,) = [p for p in (linked / "backups").iterdir() if p.name.startswith("captions-")]
    code, _out, err = run(capsys, "caption-backups", str(linked), "--restore", backup.name)
    assert code == 1
    assert (outside / "secret.txt").read_text() == "pixel art, red hat secret"
    assert "link_out.txt: is a link" in err
    assert (linked / "training_data" / "p0.txt").read_text() == "pixel art, red hat 0"


# ---------------------------------------------------------------- 5. disk full


def test_disk_full_while_the_manifest_is_written(
    ws: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bespoke_gui.core.dataset.backup as backup_module

    def full(path: object, text: str, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    made = make_backup(ws, capsys)
    (ws / "training_data" / "p0.txt").write_text("edited since")
    monkeypatch.setattr(backup_module, "atomic_write_text", full)
    before = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()}
    for argv in (
        ("backup", str(ws)),
        ("resize", str(ws), "--size", "32", "--in-place", "--filter", "nearest"),
        ("restore", str(made)),
    ):
        code, _out, err = run(capsys, *argv)
        assert code == 1
        assert err.strip().splitlines()[-1].endswith("disk full: backup not made, nothing changed")
        assert "Traceback" not in err
    assert {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()} == before
    assert list((ws / "backups").iterdir()) == [made]


# ---------------------------------------------------------------- 3. leftovers


def test_a_leftover_temp_toml_is_never_taken_for_the_config(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    from bespoke_gui.core.workspace import discover

    (ws / "training_config.toml").rename(ws / "my_run.toml")
    leftover = ws / ".bespoke-tmp-abcd1234.toml"
    leftover.write_text('output_name = "x"\ntrain_data_dir = "training_data"\nnetwork_module = "y"\n')
    os.utime(leftover, (1000, 1000))
    (ws / ".hidden.toml").write_text('output_name = "x"\ntrain_data_dir = "t"\nnetwork_module = "y"\n')
    assert discover(ws).config_path == ws.resolve() / "my_run.toml"
    backup = make_backup(ws, capsys)
    names = {Path(e["path"]).name for e in json.loads((backup / MANIFEST_NAME).read_text())["files"]}
    assert "my_run.toml" in names and leftover.name not in names and ".hidden.toml" not in names

    half = ws / "backups" / "dataset-20260101-000000"
    half.mkdir()
    (half / "p0.png").write_bytes(b"half")
    os.utime(half, (1000, 1000))
    code, out, _err = run(capsys, "leftovers", str(ws))
    assert code == 0
    assert f"temporary file of an interrupted write: {ws.resolve() / leftover.name}" in out
    assert f"incomplete backup (no manifest, not usable): {ws.resolve() / 'backups' / half.name}" in out
    assert leftover.exists() and half.exists()
    code, out, _err = run(capsys, "leftovers", str(ws), "--remove")
    assert code == 0 and "removed 2 leftovers" in out
    assert not leftover.exists() and not half.exists() and backup.exists()
    code, out, _err = run(capsys, "leftovers", str(ws))
    assert "no leftovers" in out


# ---------------------------------------------------------------- 4. symlink loops


def test_a_symlink_loop_in_the_images_folder_is_one_line_and_the_rest_works(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    images = ws / "training_data"
    (images / "a.png").symlink_to(images / "b.png")
    (images / "b.png").symlink_to(images / "a.png")
    (images / "loop.txt").symlink_to(images / "loop.txt")
    code, out, err = run(capsys, "scan", str(ws))
    assert "Traceback" not in err
    assert code == 1
    assert [line for line in err.splitlines() if "a.png" in line] == [
        line for line in err.splitlines() if line.startswith(f"error: {images.resolve() / 'a.png'}")
    ]
    assert len([line for line in err.splitlines() if "a.png" in line]) == 1
    assert "p0.png" in out
    for argv in (
        ("backup", str(ws)),
        ("verify-size", str(ws), "--size", "64"),
        ("resize", str(ws), "--size", "32", "--out", str(tmp_path / "out")),
        ("lint", str(ws)),
        ("caption-replace", str(ws), "--find", "red hat", "--replace", "cap"),
        ("config-check", str(ws / "training_config.toml")),
    ):
        code, out, err = run(capsys, *argv)
        assert "Traceback" not in err, argv
        assert code in (0, 1), (argv, err)
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.suffix == ".png") == [
        "p0.png",
        "p1.png",
        "p2.png",
    ]


# ---------------------------------------------------------------- 6. a bad workspace keywords.toml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kinds = [\n", "keywords.toml: not valid TOML ("),
        (
            '[kinds.eyes]\nwords = ["blue"]\n\n[kinds.hair]\nlabel = "Hair"\nwords = 5\n',
            "keywords.toml, line 6: kinds.hair.words must be a list",
        ),
        ("kinds.hair.words = 5\n", "keywords.toml, line 1: kinds.hair.words must be a list"),
        (
            '[lint]\npalette_tolerance = "abc"\n',
            "keywords.toml, line 2: lint.palette_tolerance must be a number",
        ),
    ],
)
def test_a_bad_workspace_keywords_file_is_one_line(
    ws: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    (ws / "keywords.toml").write_text(text)
    code, _out, err = run(capsys, "lint", str(ws))
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert expected in err and err.startswith(f"error: {ws.resolve() / 'keywords.toml'}")


# ---------------------------------------------------------------- 7. config-check reads any file


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("passwd", b"root:x:0:0:root:/root:/bin/bash\n", "does not look like a prompts file"),
        ("huge.txt", b"a prompt --d 1\n" * 80_000, "too big for a prompts file; not read"),
        ("binary.txt", b"\x89PNG\0\0\0", "not a text file"),
    ],
)
def test_config_check_reads_only_what_looks_like_a_prompts_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, expected: str
) -> None:
    prompts = tmp_path / name
    prompts.write_bytes(content)
    config = tmp_path / "c.toml"
    config.write_text(f'output_name = "x"\nsample_prompts = "{prompts}"\nsample_every_n_epochs = 1\n')
    _code, out, err = run(capsys, "config-check", str(config), "--json")
    assert expected in out
    assert "root:x" not in out + err and "a prompt --d" not in out + err


# ---------------------------------------------------------------- 9. smaller points


def test_a_newline_in_a_file_name_never_splits_an_error_line(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / "training_data" / "bad\nname.png").write_bytes(b"not an image")
    code, _out, err = run(capsys, "scan", str(ws))
    assert code == 1
    (line,) = [line for line in err.splitlines() if "bad" in line]
    assert "bad\\nname.png" in line


@pytest.mark.parametrize("content", [b"a = [\n", b"\xff\xfe", None])
def test_config_errors_name_the_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None
) -> None:
    config = tmp_path / "c.toml"
    if content is not None:
        config.write_bytes(content)
    code, _out, err = run(capsys, "config-check", str(config))
    assert code == 1
    (line,) = err.splitlines()
    assert line.count("c.toml") == 1


def test_the_read_only_message_has_no_gui_wording(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import stat

    caption = ws / "training_data" / "p0.txt"
    caption.chmod(stat.S_IRUSR)
    try:
        code, _out, err = run(
            capsys, "caption-replace", str(ws), "--find", "red hat", "--replace", "cap", "--apply"
        )
    finally:
        os.chmod(caption, stat.S_IRUSR | stat.S_IWUSR)
    assert code == 1
    assert "is read-only" in err and "kept here" not in err


def test_the_lint_and_scan_name_the_same_pixel_limit(tmp_path: Path) -> None:
    from bespoke_gui.core.captions import pixels
    from bespoke_gui.core.imageio import MAX_PIXELS

    assert pixels.MAX_PIXELS == MAX_PIXELS


def test_in_place_resize_says_so_per_file_for_animated_palette_and_16_bit(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    images = ws / "training_data"
    frames = [Image.new("RGB", (64, 64), (i * 40, 0, 0)) for i in range(3)]
    frames[0].save(images / "anim.gif", save_all=True, append_images=frames[1:])
    Image.new("RGB", (64, 64), (200, 10, 10)).convert("P").save(images / "pal.png")
    Image.fromarray(np.full((64, 64), 40000, dtype=np.uint16)).save(images / "deep.png")
    anim_before = (images / "anim.gif").read_bytes()
    code, out, err = run(capsys, "resize", str(ws), "--size", "32", "--in-place", "--filter", "nearest")
    assert code == 1
    (anim_line,) = [line for line in err.splitlines() if "anim.gif" in line]
    assert "animated (3 frames)" in anim_line and "left as it is" in anim_line
    assert (images / "anim.gif").read_bytes() == anim_before
    assert f"note: {images.resolve() / 'pal.png'}: was a palette image; written as 8-bit RGB" in out
    assert f"note: {images.resolve() / 'deep.png'}: was 16-bit" in out
    assert "were edited after upscaling" not in out


def test_package_with_a_bad_keywords_file_is_one_line(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / "keywords.toml").write_text('[lint]\npalette_tolerance = "abc"\n')
    code, _out, err = run(capsys, "package", str(ws), "--out", str(tmp_path / "p.zip"))
    assert code == 2 and "Traceback" not in err
    assert err.strip().endswith("keywords.toml, line 2: lint.palette_tolerance must be a number")


def test_lint_says_which_files_are_links_it_reads_through(
    linked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "lint", "--json", "--no-images", str(linked))
    assert code in (0, 1)
    linked_findings = [f for f in json.loads(out) if f["rule"] == "linked-file"]
    messages = " ".join(f["message"] for f in linked_findings)
    assert "link_out.txt is a link to" in messages
    assert {f["file"] for f in linked_findings} == {"link_out.txt"}  # ordinary files are not flagged
