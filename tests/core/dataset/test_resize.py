"""Resize: filters (pixel-exact especially), new folder or in place after a backup, atomic files."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bespoke_gui.core.dataset import resize as resize_module
from bespoke_gui.core.dataset.backup import BackupError, verify_backup
from bespoke_gui.core.dataset.resize import ResizeError, default_out_dir, resize_dataset, verify_sizes
from bespoke_gui.core.dataset.resize_filters import (
    ResizeItemError,
    compare_filters,
    compare_filters_for_file,
    resize_pixels,
)
from bespoke_gui.core.dataset.restore import restore_backup
from bespoke_gui.core.exactgrid import downsample_exact, find_exact_grid
from bespoke_gui.core.files import TEMP_PREFIX
from bespoke_gui.core.imageio import load_image, probe_image


def art(seed: int, cells: int = 24, colours: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, size=(colours, 3), dtype=np.uint8)
    return palette[rng.integers(0, colours, size=(cells, cells))]


def upscaled(seed: int, size: int = 512) -> np.ndarray:
    return np.asarray(Image.fromarray(art(seed)).resize((size, size), Image.Resampling.NEAREST))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def images(tmp_path: Path) -> Path:
    folder = tmp_path / "training_data"
    folder.mkdir()
    for i in range(5):
        Image.fromarray(upscaled(i)).save(folder / f"img_{i}.png")
        (folder / f"img_{i}.txt").write_text(f"caption {i}, pixel art\r\n", encoding="utf-8", newline="")
    Image.fromarray(upscaled(20)).save(folder / "ünïcødé name ☺.png")
    (folder / "ünïcødé name ☺.txt").write_text("unicode caption")
    Image.fromarray(upscaled(21)).save(folder / "no caption.png")
    return folder


def add_bad_files(folder: Path) -> None:
    data = (folder / "img_0.png").read_bytes()
    (folder / "truncated.png").write_bytes(data[: len(data) // 2])
    (folder / "zero.png").write_bytes(b"")
    (folder / "text.png").write_text("hello")
    noise = np.random.default_rng(1).integers(0, 256, size=(512, 512, 3), dtype=np.uint8)
    Image.fromarray(noise).save(folder / "noise.png")
    Image.fromarray(art(30)).resize((600, 400), Image.Resampling.NEAREST).save(folder / "wide.png")


# --- the filters ----------------------------------------------------------------------------
def test_pixel_exact_recovers_the_grid_and_spreads_blocks_evenly() -> None:
    small = art(3)
    resized = resize_pixels(upscaled(3), 256, "pixel")
    out = resized.pixels
    assert resized.grid == (24, 24) and out.shape == (256, 256, 3)
    assert resized.mixed_cells == 0 and resized.note == ""
    found = find_exact_grid(out)
    assert found is not None and (found.cols, found.rows) == (24, 24)
    assert set(np.diff(found.x_edges).tolist()) == {10, 11}
    assert np.array_equal(downsample_exact(out, found), small)  # every source pixel survives as one block


def test_lanczos_adds_colours_and_nearest_does_not() -> None:
    source = upscaled(4)
    source_colours = {tuple(c) for c in source.reshape(-1, 3)}
    lanczos = resize_pixels(source, 256, "lanczos").pixels
    nearest = resize_pixels(source, 256, "nearest").pixels
    assert len({tuple(c) for c in lanczos.reshape(-1, 3)} - source_colours) > 50
    assert {tuple(c) for c in nearest.reshape(-1, 3)} <= source_colours


def test_pixel_filter_refuses_to_guess() -> None:
    noise = np.random.default_rng(0).integers(0, 256, size=(100, 100, 3), dtype=np.uint8)
    with pytest.raises(ResizeItemError, match="no pixel grid"):
        resize_pixels(noise, 64, "pixel")
    with pytest.raises(ResizeItemError, match="does not fit"):
        resize_pixels(upscaled(5), 16, "pixel")
    with pytest.raises(ValueError, match="unknown filter"):
        resize_pixels(upscaled(5), 64, "bicubic")


def touched_up(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A 24x24 upscale to 512 with a few pixels painted over block edges afterwards, and its art."""
    small = art(seed)
    big = upscaled(seed).copy()
    big[40:44, 41:45] = (255, 0, 255)  # a 4x4 dab across the corner of cells (1..2, 1..2)
    big[300, 200] = (1, 2, 3)  # one stray click
    return big, small


def test_pixel_exact_fits_the_grid_of_an_image_edited_after_upscaling() -> None:
    big, small = touched_up(7)
    assert find_exact_grid(big) is None  # the edits break the exact grid
    resized = resize_pixels(big, 256, "pixel")
    assert resized.grid == (24, 24)
    # Cells (1,1), (2,1), (1,2), (2,2) hold part of the dab; the click sits in one more.
    assert resized.mixed_cells == 5 and resized.off_pixels == 17
    assert "5 of the 576 cells (24x24 grid) were mixed" in resized.note
    found = find_exact_grid(resized.pixels)
    assert found is not None and (found.cols, found.rows) == (24, 24)
    # Each cell kept its majority (the art's colour): the edits are gone.
    assert np.array_equal(downsample_exact(resized.pixels, found), small)


def test_pixel_exact_refuses_a_photo_like_image_with_one_line() -> None:
    rng = np.random.default_rng(3)
    smooth = Image.fromarray(rng.integers(0, 256, size=(16, 16, 3), dtype=np.uint8)).resize(
        (512, 512), Image.Resampling.BILINEAR
    )
    for photo in (np.asarray(smooth), rng.integers(0, 256, size=(512, 512, 3), dtype=np.uint8)):
        with pytest.raises(ResizeItemError) as raised:
            resize_pixels(photo, 256, "pixel")
        assert "no pixel grid" in str(raised.value) and "\n" not in str(raised.value)


def test_notes_name_each_touched_up_file(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    Image.fromarray(touched_up(8)[0]).save(folder / "edited.png")
    Image.fromarray(upscaled(9)).save(folder / "clean.png")
    report = resize_dataset(folder, 256, "pixel", out_dir=tmp_path / "out")
    assert report.ok and len(report.written) == 2
    assert [Path(n.path).name for n in report.notes] == ["edited.png"]
    assert "1 images were edited after upscaling" in "\n".join(report.lines())
    comparison = compare_filters_for_file(folder / "edited.png", 256)
    assert comparison.source_grid == (24, 24) and "mixed" in comparison.previews["pixel"].note


def test_real_training_images_all_resize_to_solid_blocks(realdata: Path, tmp_path: Path) -> None:
    """The 203 real 512 px images (3 touched up after upscaling) -> 256 px of solid 24x24 blocks."""
    source = realdata / "bespokebaby2" / "training_data_512"
    if not source.is_dir():
        pytest.skip("training_data_512 absent")
    report = resize_dataset(source, 256, "pixel", out_dir=tmp_path / "out")
    assert report.ok and len(report.written) == report.total == 203
    assert len(report.notes) == 3
    for written in report.written:
        out = load_image(written.dest).pixels
        grid = find_exact_grid(out)
        assert out.shape[:2] == (256, 256) and grid is not None and (grid.cols, grid.rows) == (24, 24)
        # Solid blocks of exactly the source's cells: each cell's colour read at its centre
        # (an edit never reaches a centre in these three files).
        source = load_image(written.source).pixels
        centres = ((np.arange(24) + 0.5) * 512 / 24).astype(int)
        assert np.array_equal(downsample_exact(out, grid), source[centres][:, centres])
    assert sorted(Path(n.path).name for n in report.notes) == [
        "lady_012_parasite.png",
        "lady_030_grass.png",
        "lady_031_paprika.png",
    ]


def test_compare_filters_shows_why_pixel_exact_matters() -> None:
    comparison = compare_filters(upscaled(6), 256)
    assert comparison.source_grid == (24, 24)
    lanczos, nearest, pixel = (comparison.previews[k] for k in ("lanczos", "nearest", "pixel"))
    assert (
        pixel.new_colours == 0
        and pixel.block_sizes == (10, 11)
        and pixel.colours == comparison.source_colours
    )
    assert lanczos.new_colours > 0 and lanczos.block_sizes == () and lanczos.differs_from_exact > 0
    assert nearest.new_colours == 0
    # 512 px of 21/22 px cells halved by nearest neighbour puts some edges a pixel off.
    assert nearest.differs_from_exact is not None and nearest.differs_from_exact > 0
    text = "\n".join(comparison.lines())
    assert "Pixel-exact" in text and "not in the original" in text and "differ from pixel-exact" in text


def test_compare_filters_on_an_image_without_grid(tmp_path: Path) -> None:
    noise = np.random.default_rng(2).integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "n.png")
    comparison = compare_filters_for_file(tmp_path / "n.png", 32)
    assert comparison.source_grid is None
    assert (
        comparison.previews["pixel"].pixels is None and "no pixel grid" in comparison.previews["pixel"].error
    )
    assert comparison.previews["lanczos"].pixels.shape == (32, 32, 3)


# --- into a new folder ----------------------------------------------------------------------
@pytest.mark.parametrize("filter_name", ["lanczos", "nearest", "pixel"])
def test_resize_into_a_new_folder_copies_captions_and_keeps_originals(images: Path, filter_name: str) -> None:
    before = {p.name: sha(p) for p in images.iterdir()}
    report = resize_dataset(images, 256, filter_name, workers=2)
    out = images.parent / "training_data_256"
    assert report.out_dir == out and report.ok and len(report.written) == 7
    assert {p.name: sha(p) for p in images.iterdir()} == before  # nothing touched
    for i in range(5):
        assert probe_image(out / f"img_{i}.png").size_text == "256x256"
        assert (out / f"img_{i}.txt").read_bytes() == (images / f"img_{i}.txt").read_bytes()  # CRLF kept
    assert (out / "ünïcødé name ☺.txt").read_text() == "unicode caption"
    assert not (out / "no caption.txt").exists()
    assert verify_sizes(out, 256).ok
    if filter_name == "pixel":
        assert all(f.grid == (24, 24) for f in report.written)
        assert np.array_equal(
            downsample_exact(
                load_image(out / "img_2.png").pixels, find_exact_grid(load_image(out / "img_2.png").pixels)
            ),
            art(2),
        )


def test_bad_files_are_reported_while_the_rest_are_resized(images: Path) -> None:
    add_bad_files(images)
    report = resize_dataset(images, 256, "pixel", out_dir=images.parent / "out")
    errors = {Path(e.path).name: e.message for e in report.errors}
    assert set(errors) == {"truncated.png", "zero.png", "text.png", "noise.png", "wide.png"}
    assert "corrupt or truncated" in errors["truncated.png"]
    assert "empty file" in errors["zero.png"]
    assert "holds text" in errors["text.png"]
    assert "no pixel grid" in errors["noise.png"]
    assert "not square" in errors["wide.png"]
    assert len(report.written) == 7 and not report.ok
    assert not (images.parent / "out" / "noise.png").exists()
    assert "5 images not resized" in "\n".join(report.lines())


def test_an_image_already_at_the_target_size_is_copied_byte_for_byte(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    Image.fromarray(upscaled(7, 256)).save(folder / "a.png", compress_level=9)
    report = resize_dataset(folder, 256, "lanczos", out_dir=tmp_path / "o")
    assert report.written[0].unchanged
    assert (tmp_path / "o" / "a.png").read_bytes() == (folder / "a.png").read_bytes()


def test_destination_checks_write_nothing(images: Path) -> None:
    with pytest.raises(ResizeError, match="images folder itself"):
        resize_dataset(images, 256, out_dir=images)
    taken = images.parent / "taken"
    taken.mkdir()
    (taken / "img_3.png").write_bytes(b"someone else's file")
    with pytest.raises(ResizeError, match="already holds 1"):
        resize_dataset(images, 256, out_dir=taken)
    assert sorted(p.name for p in taken.iterdir()) == ["img_3.png"]
    with pytest.raises(ResizeError, match="unknown filter"):
        resize_dataset(images, 256, "bicubic")
    with pytest.raises(ResizeError, match="not both"):
        resize_dataset(images, 256, out_dir=taken, in_place=True)
    with pytest.raises(ResizeError, match="between 1 and 8192"):
        resize_dataset(images, 0)


def test_read_only_destination_is_refused_up_front(images: Path) -> None:
    locked = images.parent / "locked"
    locked.mkdir()
    os.chmod(locked, 0o555)
    try:
        with pytest.raises(ResizeError, match="read-only"):
            resize_dataset(images, 256, out_dir=locked)
        assert list(locked.iterdir()) == []
    finally:
        os.chmod(locked, 0o755)


def test_default_out_dir_never_reuses_a_full_folder(tmp_path: Path) -> None:
    images = tmp_path / "imgs"
    images.mkdir()
    assert default_out_dir(images, 256) == tmp_path / "imgs_256"
    (tmp_path / "imgs_256").mkdir()
    assert default_out_dir(images, 256) == tmp_path / "imgs_256"  # empty: fine to use
    (tmp_path / "imgs_256" / "x.png").write_bytes(b"x")
    assert default_out_dir(images, 256) == tmp_path / "imgs_256-2"


def test_default_out_dir_keeps_a_kohya_repeats_folder_out_of_the_training_root(tmp_path: Path) -> None:
    images = tmp_path / "training_data" / "10_bespoke"
    images.mkdir(parents=True)
    # Not training_data/10_bespoke_256: kohya would train on that as a second concept.
    assert default_out_dir(images, 256) == tmp_path / "training_data_256" / "10_bespoke"
    (tmp_path / "training_data_256" / "10_bespoke").mkdir(parents=True)
    (tmp_path / "training_data_256" / "10_bespoke" / "a.png").write_bytes(b"x")
    assert default_out_dir(images, 256) == tmp_path / "training_data_256-2" / "10_bespoke"


# --- in place ---------------------------------------------------------------------------------
def test_in_place_backs_up_first_and_can_be_restored(images: Path) -> None:
    config = images.parent / "training_config.toml"
    config.write_text('resolution = "512,512"\n')
    originals = {p.name: sha(p) for p in images.iterdir()}
    report = resize_dataset(
        images,
        256,
        "pixel",
        in_place=True,
        backup_parent=images.parent / "backups",
        extra_backup_files=[config],
    )
    assert report.ok and report.backup is not None and report.in_place
    assert report.backup.file_count == 7 + 6 + 1  # images, captions, config
    assert verify_backup(report.backup.path).ok
    assert all(probe_image(p).size_text == "256x256" for p in images.glob("*.png"))
    for name in ("img_0.txt", "ünïcødé name ☺.txt"):
        assert sha(images / name) == originals[name]  # captions untouched in place
    restore_backup(report.backup.path)
    assert {p.name: sha(p) for p in images.iterdir()} == originals


def test_in_place_does_nothing_when_the_backup_fails(images: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    originals = {p.name: sha(p) for p in images.iterdir()}

    def failing_backup(*_args: object, **_kwargs: object) -> None:
        raise BackupError("the backup did not verify: changed: img_0.png")

    monkeypatch.setattr(resize_module, "create_backup", failing_backup)
    with pytest.raises(ResizeError, match="nothing was resized, because the backup failed"):
        resize_dataset(images, 256, in_place=True)
    assert {p.name: sha(p) for p in images.iterdir()} == originals


def test_cancel_during_the_backup_resizes_nothing(images: Path) -> None:
    originals = {p.name: sha(p) for p in images.iterdir()}
    with pytest.raises(ResizeError, match="cancelled during the backup"):
        resize_dataset(images, 256, in_place=True, backup_parent=images.parent / "bk", cancelled=lambda: True)
    assert {p.name: sha(p) for p in images.iterdir()} == originals
    assert list((images.parent / "bk").iterdir()) == []  # the half-made backup was removed


def test_in_place_read_only_file_is_left_alone(images: Path) -> None:
    locked = images / "img_1.png"
    before = sha(locked)
    os.chmod(locked, 0o444)
    try:
        report = resize_dataset(images, 256, "nearest", in_place=True, backup_parent=images.parent / "bk")
    finally:
        os.chmod(locked, 0o644)
    assert [(Path(e.path).name, e.message) for e in report.errors] == [
        ("img_1.png", f"file is read-only ({locked})")
    ]
    assert sha(locked) == before
    assert probe_image(images / "img_2.png").size_text == "256x256"


def test_in_place_into_a_read_only_folder_is_refused(images: Path) -> None:
    os.chmod(images, 0o555)
    try:
        with pytest.raises(ResizeError, match="read-only"):
            resize_dataset(images, 256, in_place=True, backup_parent=images.parent / "bk")
    finally:
        os.chmod(images, 0o755)
    assert not (images.parent / "bk").exists()


# --- cancel and full disk: every file old or new ---------------------------------------------------
def _assert_old_or_new(folder: Path, originals: dict[str, str], size: int) -> tuple[int, int]:
    old = new = 0
    for path in folder.iterdir():
        assert not path.name.startswith(TEMP_PREFIX), "a temporary file was left behind"
        if path.suffix != ".png":
            continue
        if path.name in originals and sha(path) == originals[path.name]:
            old += 1
        else:
            assert load_image(path).size == (size, size)  # a complete, decodable new image
            new += 1
    return old, new


def test_cancel_in_place_leaves_each_file_old_or_new(images: Path) -> None:
    originals = {p.name: sha(p) for p in images.iterdir()}
    done = {"n": 0}

    def progress(d: int, _total: int, message: str) -> None:
        if not message.startswith("backing up"):
            done["n"] = d

    report = resize_dataset(
        images,
        256,
        "lanczos",
        in_place=True,
        backup_parent=images.parent / "bk",
        workers=1,
        progress=progress,
        cancelled=lambda: done["n"] >= 2,
    )
    assert report.cancelled and 0 < len(report.written) < 7
    old, new = _assert_old_or_new(images, originals, 256)
    assert new == len(report.written) and old == 7 - new
    assert "cancelled" in "\n".join(report.lines())


def test_full_disk_stops_the_job_and_leaves_nothing_half_written(
    images: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    originals = {p.name: sha(p) for p in images.iterdir()}
    real_save = Image.Image.save
    saves = {"n": 0}

    def save_until_full(self: Image.Image, fp: object, *args: object, **kwargs: object) -> None:
        saves["n"] += 1
        if saves["n"] > 2:
            real_save(self, fp, *args, **kwargs)  # bytes partly on disk already...
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save_until_full)
    report = resize_dataset(
        images, 256, "pixel", in_place=True, backup_parent=images.parent / "bk", workers=1
    )
    assert report.disk_full and not report.cancelled and not report.ok
    assert report.errors and all("No space left on device" in e.message for e in report.errors)
    assert len(report.written) == 2 and len(report.written) + len(report.errors) < 7  # stopped early
    old, new = _assert_old_or_new(images, originals, 256)
    assert new == 2 and old == 5
    assert "disk is full" in "\n".join(report.lines())


# --- verify sizes -------------------------------------------------------------------------------
def test_verify_sizes_lists_every_wrong_size_from_headers(images: Path) -> None:
    add_bad_files(images)
    report = verify_sizes(images, 512)
    wrong = {w.path.name: (w.width, w.height) for w in report.wrong}
    assert wrong == {"wide.png": (600, 400)}
    assert sorted(Path(e.path).name for e in report.unreadable) == ["text.png", "zero.png"]
    assert report.checked == 12 and not report.ok
    all_wrong = verify_sizes(images, 256)
    assert len(all_wrong.wrong) == 10 and "0 of 12 images are 256x256" in all_wrong.lines()[0]
    (images / "text.png").unlink()
    (images / "zero.png").unlink()
    (images / "wide.png").unlink()
    assert verify_sizes(images, 512).ok
