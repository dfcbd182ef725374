"""A user's walk through the demo workspace: scan, back up, resize (new folder, then in place), verify.

It goes through the command line, as someone on a training machine without a screen would.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from bespoke_gui.cli import main
from bespoke_gui.core.demo.demo_workspace import IMAGES_DIRNAME, write_demo_workspace
from bespoke_gui.core.exactgrid import downsample_exact, find_exact_grid
from bespoke_gui.core.imageio import load_image, probe_image


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


def test_demo_workspace_scan_backup_resize_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_demo_workspace(tmp_path / "demo", epochs=1, prompts=1)
    images = root / IMAGES_DIRNAME
    originals = _hashes(images)
    image_count = sum(1 for name in originals if name.endswith(".png"))
    assert image_count >= 40

    # 1. Scan: every image is a clean 512 px upscale of 24x24 art with a caption.
    code, out, err = _run(capsys, "scan", str(root), "--json")
    assert code == 0 and err == ""
    summary = json.loads(out)["summary"]
    assert summary["image_count"] == image_count and summary["with_caption"] == image_count
    assert summary["sizes"] == {"512x512": image_count} and summary["grids"] == {"24x24": image_count}
    assert summary["unreadable"] == [] and summary["captions_without_images"] == []

    # 2. Back up (images, captions, config) and check the backup.
    code, out, _ = _run(capsys, "backup", str(root))
    assert code == 0
    backup = next((root / "backups").iterdir())
    assert _run(capsys, "verify-backup", str(backup))[0] == 0

    # 3. Resize pixel-exact into a new folder: every pixel of the 24x24 art survives as one block.
    out_dir = tmp_path / "demo_256"
    code, out, err = _run(
        capsys, "resize", str(root), "--size", "256", "--filter", "pixel", "--out", str(out_dir)
    )
    assert code == 0 and err == "" and f"resized {image_count} of {image_count}" in out
    for name in sorted(n for n in originals if n.endswith(".png"))[:5]:
        source = load_image(images / name).pixels
        result = load_image(out_dir / name).pixels
        grid = find_exact_grid(result)
        assert grid is not None and (grid.cols, grid.rows) == (24, 24)
        assert set(np.diff(grid.x_edges).tolist()) == {10, 11}
        assert np.array_equal(
            downsample_exact(result, grid), downsample_exact(source, find_exact_grid(source))
        )
        assert (out_dir / name).with_suffix(".txt").read_bytes() == (images / name).with_suffix(
            ".txt"
        ).read_bytes()
    assert _hashes(images) == originals

    # 4. Verify: the new folder is all 256, the training folder is not (yet).
    assert _run(capsys, "verify-size", str(out_dir), "--size", "256")[0] == 0
    code, _, err = _run(capsys, "verify-size", str(root), "--size", "256")
    assert code == 1 and len(err.strip().splitlines()) == image_count

    # 5. In place (with its own verified backup), verify, then undo it from that backup.
    code, out, _ = _run(capsys, "resize", str(root), "--size", "256", "--filter", "pixel", "--in-place")
    assert code == 0 and "backup first" in out
    assert _run(capsys, "verify-size", str(root), "--size", "256")[0] == 0
    assert all(probe_image(images / n).size_text == "256x256" for n in originals if n.endswith(".png"))
    in_place_backup = sorted((root / "backups").iterdir())[-1]
    code, out, _ = _run(capsys, "restore", str(in_place_backup))
    assert code == 0
    assert _hashes(images) == originals
