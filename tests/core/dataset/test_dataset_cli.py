"""The dataset commands: scan, backup, verify-backup, restore, resize, verify-size (no screen)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bespoke_gui.cli import main
from bespoke_gui.core.imageio import probe_image


def art(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, size=(6, 3), dtype=np.uint8)
    return palette[rng.integers(0, 6, size=(24, 24))]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The usual layout: training_data/ with captions, training_config.toml, a samples folder."""
    root = tmp_path / "my workspace"
    images = root / "training_data"
    images.mkdir(parents=True)
    for i in range(4):
        Image.fromarray(art(i)).resize((240, 240), Image.Resampling.NEAREST).save(images / f"p{i}.png")
        (images / f"p{i}.txt").write_text(f"pixel art portrait {i}")
    (root / "training_config.toml").write_text('output_name = "bespoke"\ntrain_data_dir = "training_data"\n')
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_scan_prints_table_and_summary(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "scan", str(workspace))
    assert code == 0 and err == ""
    assert "training_data" in out.splitlines()[0]
    assert any(
        line.startswith("p2.png") and "240x240" in line and "24x24" in line for line in out.splitlines()
    )
    assert "4 images, 4 with captions" in out and "unreadable: 0" in out


def test_scan_json_and_bad_files(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    images = workspace / "training_data"
    (images / "zero.png").write_bytes(b"")
    (images / "notes.png").write_text("this is text")
    (images / "orphan.txt").write_text("lonely caption")
    code, out, err = run(capsys, "scan", str(images), "--json")
    assert code == 1
    data = json.loads(out)
    assert data["summary"]["image_count"] == 6
    assert data["summary"]["captions_without_images"] == ["orphan.txt"]
    lines = err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("error: ") for line in lines)
    assert any(str(images / "zero.png") in line and "empty file" in line for line in lines)
    assert any("notes.png" in line and "holds text" in line for line in lines)


def test_scan_of_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "scan", str(tmp_path / "nowhere"))
    assert code == 2 and err.startswith("error: ") and "not a folder" in err
    (tmp_path / "empty").mkdir()
    code, _out, err = run(capsys, "scan", str(tmp_path / "empty"))
    assert code == 2 and "no images found" in err


def test_backup_verify_restore_round_trip(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "backup", str(workspace))
    assert code == 0 and "verified" in out
    backups = list((workspace / "backups").iterdir())
    assert len(backups) == 1
    backup = backups[0]
    assert (backup / "training_config.toml").is_file() and (backup / "training_data" / "p0.txt").is_file()
    code, out, _err = run(capsys, "verify-backup", str(backup))
    assert code == 0 and "9 files match" in out

    caption = workspace / "training_data" / "p0.txt"
    caption.write_text("edited by mistake")
    code, out, _err = run(capsys, "restore", str(backup))
    assert code == 0 and "restored 9 files" in out and "backed up first" in out
    assert caption.read_text() == "pixel art portrait 0"

    (backup / "training_data" / "p1.txt").write_text("tampered")
    code, _out, err = run(capsys, "verify-backup", str(backup))
    assert code == 1 and err.startswith("error: ") and "p1.txt" in err and "changed" in err
    code, _out, err = run(capsys, "restore", str(backup))
    assert code == 1 and "nothing was restored" in err
    code, _out, err = run(capsys, "verify-backup", str(workspace))
    assert code == 1 and "not a backup" in err


def test_backup_to_another_folder(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "backup", str(workspace), "--dest", str(tmp_path / "elsewhere"))
    assert code == 0 and str(tmp_path / "elsewhere") in out
    assert not (workspace / "backups").exists()


def test_resize_to_a_new_folder_then_verify(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = workspace.parent / "resized"
    code, out, err = run(
        capsys, "resize", str(workspace), "--size", "120", "--filter", "pixel", "--out", str(out_dir)
    )
    assert code == 0 and err == "" and "resized 4 of 4" in out
    assert probe_image(out_dir / "p3.png").size_text == "120x120" and (out_dir / "p3.txt").is_file()
    code, out, _err = run(capsys, "verify-size", str(out_dir), "--size", "120")
    assert code == 0 and "4 of 4 images are 120x120" in out
    code, _out, err = run(capsys, "verify-size", str(workspace), "--size", "120")
    assert code == 1 and len(err.strip().splitlines()) == 4 and "240x240, not 120x120" in err
    # The same folder again: refused, nothing overwritten.
    code, _out, err = run(capsys, "resize", str(workspace), "--size", "120", "--out", str(out_dir))
    assert code == 1 and "already holds" in err


def test_resize_default_folder_and_item_errors(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    images = workspace / "training_data"
    noise = np.random.default_rng(0).integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(images / "noise sample.png")
    code, out, err = run(capsys, "resize", str(workspace), "--size", "96", "--filter", "pixel")
    assert code == 1
    assert (workspace / "training_data_96" / "p0.png").is_file()
    assert "resized 4 of 5" in out
    assert err.strip().splitlines() == [
        f"error: {images / 'noise sample.png'}: no pixel grid (not pixel art upscaled in blocks, e.g. a photo); "
        "use the Lanczos or Nearest filter for this image"
    ]


def test_resize_in_place_backs_up_first(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(
        capsys, "resize", str(workspace), "--size", "48", "--filter", "nearest", "--in-place"
    )
    assert code == 0 and "backup first" in out
    assert probe_image(workspace / "training_data" / "p1.png").size_text == "48x48"
    backup = next((workspace / "backups").iterdir())
    assert (backup / "training_config.toml").is_file()  # the config travels with the dataset backup
    code, _out, _err = run(capsys, "restore", str(backup))
    assert code == 0 and probe_image(workspace / "training_data" / "p1.png").size_text == "240x240"


def test_resize_arguments_are_checked(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["resize", str(workspace), "--out", "x", "--in-place"],
        ["resize", str(workspace), "--size", "0"],
        ["resize", str(workspace), "--filter", "bicubic"],
        ["resize", str(workspace), "--workers", "-2"],
        # The same checks in the other commands (each was a ValueError traceback, or taken silently).
        ["analyze", str(workspace), "--cells", "0"],
        ["analyze", str(workspace), "--workers", "-3"],
        ["downscale", str(workspace), "--out", "x", "--cells", "0"],
        ["lint", str(workspace), "--keep-tokens", "-1"],
        ["lint", str(workspace), "--max-token-length", "7"],
    ):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
        assert "error: argument" in capsys.readouterr().err


def test_the_commands_never_import_qt(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {m for m in sys.modules if m.startswith(("PySide6", "shiboken6"))}
    run(capsys, "scan", str(workspace), "--quick")
    run(capsys, "verify-size", str(workspace))
    after = {m for m in sys.modules if m.startswith(("PySide6", "shiboken6"))}
    assert after == before
    import bespoke_gui.commands.dataset as dataset_commands

    source = Path(dataset_commands.__file__).read_text()
    assert "PySide6" not in source and "qasync" not in source


def test_no_command_writes_into_a_read_only_folder(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        for argv in (
            ["resize", str(workspace), "--out", str(locked / "resized")],
            ["package", str(workspace), "--out", str(locked / "p.zip"), "--allow-errors"],
            ["downscale", str(workspace / "training_data"), "--out", str(locked / "art")],
        ):
            code = main(argv)
            err = capsys.readouterr().err
            assert code != 0 and "read-only" in err, (argv, err)
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)
