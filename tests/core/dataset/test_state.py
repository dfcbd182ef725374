"""What the Dataset tab knows, without Qt: scan, details hand-over, summary words, resize question, jobs."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bespoke_gui.core.dataset.backup import verify_backup
from bespoke_gui.core.dataset.resize import verify_sizes
from bespoke_gui.core.dataset.scan import RowDetails, apply_details, fill_details
from bespoke_gui.core.dataset.state import (
    REPORT_LINES,
    DatasetState,
    back_up_workspace,
    backup_lines,
    cap_report,
    resize_lines,
    resize_workspace,
    scan_images,
    size_lines,
)
from bespoke_gui.core.workspace import Workspace


def art(seed: int, cells: int = 24, colours: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, size=(colours, 3), dtype=np.uint8)
    index = np.concatenate([np.arange(colours), rng.integers(0, colours, size=cells * cells - colours)])
    return palette[rng.permutation(index).reshape(cells, cells)]


def blocks(seed: int, width: int = 240, height: int = 240) -> Image.Image:
    return Image.fromarray(art(seed)).resize((width, height), Image.Resampling.NEAREST)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    images = root / "training_data"
    images.mkdir(parents=True)
    for i in range(3):
        blocks(i).save(images / f"img_{i}.png")
        (images / f"img_{i}.txt").write_text(f"pixel art portrait {i}", encoding="utf-8")
    blocks(7, 300, 200).save(images / "wide.png")  # non-square: a second size
    (images / "wide.txt").write_text("wide")
    noise = np.random.default_rng(5).integers(0, 256, size=(240, 240, 3), dtype=np.uint8)
    Image.fromarray(noise).save(images / "noise.png")  # no exact pixel grid
    (images / "noise.txt").write_text("noise")
    blocks(9).save(images / "uncaptioned.png")
    (images / "bad.png").write_text("not an image")
    (images / "bad.txt").write_text("caption of a broken file")
    for i in range(10):
        (images / f"orphan_{i:02}.txt").write_text("a caption whose image is gone")
    config = root / "training_config.toml"
    config.write_text('output_name = "x"\n')
    return Workspace(root=root, images_dir=images, config_path=config)


def scanned(workspace: Workspace, with_details: bool = True) -> DatasetState:
    state = DatasetState()
    state.set_workspace(workspace)
    state.take_scan(scan_images(workspace))
    if with_details:
        work = state.details_work()
        assert work is not None
        fill_details(work.names, sink=work.sink, folder=work.folder)
        for index, details in state.take_details():
            apply_details(state.rows[index], details)
    return state


def test_folder_words_follow_the_workspace(workspace: Workspace) -> None:
    state = DatasetState()
    assert state.folder_text().startswith("No workspace open") and state.hint() == ""
    state.set_workspace(Workspace(root=workspace.root))
    assert state.images_dir is None
    assert state.folder_text() == f"No images folder found in {workspace.root}"
    assert "images folder" in state.hint()
    state.set_workspace(workspace)
    assert state.folder_text() == f"Images: {workspace.images_dir}" and state.hint() == ""


def test_summary_names_every_problem_including_mixed_sizes(workspace: Workspace) -> None:
    state = scanned(workspace)
    text = state.summary_text()
    assert text is not None
    assert text.headline.startswith("7 images, 6 with captions")
    assert set(text.problems) == {
        "1 without captions",
        "10 captions without images",
        "1 non-square",
        "1 unreadable",
        "mixed sizes (2 different)",
    }
    grid_note, orphans_note = text.notes
    # wide.png is non-square but has blocks: only the noise has no exact grid.
    assert grid_note.startswith("1 images have no exact pixel grid")
    assert orphans_note.startswith("Captions without images: orphan_00.txt") and orphans_note.endswith(
        ", … 2 more"
    )


def test_a_clean_folder_has_no_problems_and_no_notes(tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    for i in range(2):
        blocks(i).save(images / f"a{i}.png")
        (images / f"a{i}.txt").write_text("pixel art")
    text = scanned(Workspace(root=tmp_path, images_dir=images)).summary_text()
    assert text is not None and text.problems == [] and text.notes == []
    assert DatasetState().summary_text() is None


def test_stale_details_are_dropped_by_a_new_scan(workspace: Workspace) -> None:
    state = scanned(workspace, with_details=False)
    work = state.details_work()
    assert work is not None and "bad.png" not in work.names  # unreadable rows are not decoded
    details = RowDetails(colours=3, grid=(24, 24))
    work.sink(0, details)
    first = next(i for i, row in enumerate(state.rows) if row.name == work.names[0])
    assert state.take_details() == [(first, details)]  # by scan index, not by position in the job
    assert state.take_details() == []
    state.take_scan(scan_images(workspace))  # a rescan: the old job's late hand-overs are stale
    late = threading.Thread(target=work.sink, args=(1, details))
    late.start()
    late.join()
    assert state.take_details() == []


def test_resize_question_says_what_is_skipped(workspace: Workspace) -> None:
    state = scanned(workspace)
    pixel = state.resize_question(64, "pixel")
    assert pixel.startswith(f"Replace the 7 images in {workspace.images_dir} with 64x64 versions")
    assert "1 unreadable image(s) will be skipped." in pixel
    assert "1 image(s) have no exact pixel grid" in pixel
    lanczos = state.resize_skips("lanczos")
    assert "unreadable" in lanczos and "pixel grid" not in lanczos


def test_resize_preview_prefers_the_selection_then_an_exact_grid(workspace: Workspace) -> None:
    state = scanned(workspace)
    choices, preview = state.resize_choices()
    assert workspace.images_dir is not None
    assert workspace.images_dir / "bad.png" not in choices and len(choices) == 6
    assert preview is not None and preview.name != "noise.png"
    noise = next(row for row in state.rows if row.name == "noise.png")
    assert state.resize_choices(noise)[1] == noise.path


def test_jobs_back_up_resize_and_check_with_the_workspace_folders(
    workspace: Workspace, tmp_path: Path
) -> None:
    info = back_up_workspace(workspace, label="Back up now")
    assert info.path.parent == workspace.backups_dir
    assert info.file_count == 7 + 16 + 1  # images, captions (10 of them orphans), config
    assert verify_backup(info.path).ok
    assert f"Backed up {info.file_count} files" in backup_lines(info)[0]

    out = tmp_path / "out"
    report = resize_workspace(workspace, 48, "pixel", out, in_place=False)
    assert not report.in_place and report.backup is None and report.written
    assert any(line.startswith("error: ") for line in resize_lines(report))  # bad.png, said once
    sizes = verify_sizes(out, 48)
    assert sizes.ok
    assert size_lines(sizes)[0].startswith(f"{out}: ")

    in_place = resize_workspace(workspace, 48, "nearest", None, in_place=True)
    assert in_place.in_place and in_place.backup is not None


def test_a_long_report_is_cut_with_a_count() -> None:
    lines = [f"line {i}" for i in range(REPORT_LINES + 5)]
    assert cap_report(lines)[-1] == "… and 5 more" and len(cap_report(lines)) == REPORT_LINES + 1
    assert cap_report(["one"]) == ["one"]
