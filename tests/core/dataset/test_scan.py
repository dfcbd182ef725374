"""Scanning a dataset folder: a quick table from headers, then details filled in on all cores."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bespoke_gui.core.dataset.backup import backup_dataset, dataset_files, verify_backup
from bespoke_gui.core.dataset.scan import (
    apply_details,
    count_colours,
    fill_details,
    image_details,
    quick_scan,
    scan_folder,
    summarize,
)


def art(seed: int, cells: int = 24, colours: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, size=(colours, 3), dtype=np.uint8)
    # Every palette entry used at least once, so the colour count is known exactly.
    index = np.concatenate([np.arange(colours), rng.integers(0, colours, size=cells * cells - colours)])
    return palette[rng.permutation(index).reshape(cells, cells)]


def upscale(pixels: np.ndarray, size: int) -> Image.Image:
    return Image.fromarray(pixels).resize((size, size), Image.Resampling.NEAREST)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A folder with every kind of trouble a real training folder has."""
    folder = tmp_path / "training data"
    folder.mkdir()
    for i in range(3):
        upscale(art(i), 240).save(folder / f"good_{i}.png")
        (folder / f"good_{i}.txt").write_text(f"pixel art portrait {i}", encoding="utf-8")
    upscale(art(10), 240).save(folder / "no caption.png")
    (folder / "orphan.txt").write_text("a caption whose image is gone")
    upscale(art(11), 240).save(folder / "empty_caption.png")
    (folder / "empty_caption.txt").write_bytes(b"")
    Image.fromarray(art(12)).resize((300, 200), Image.Resampling.NEAREST).save(folder / "wide.png")
    (folder / "wide.txt").write_text("wide")
    noise = np.random.default_rng(5).integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(folder / "noise.png")
    (folder / "noise.txt").write_text("noise")
    data = (folder / "good_0.png").read_bytes()
    (folder / "truncated.png").write_bytes(data[: len(data) // 2])
    (folder / "truncated.txt").write_text("cut")
    (folder / "zero.png").write_bytes(b"")
    (folder / "text.png").write_text("not really an image")
    upscale(art(13, colours=4), 240).quantize(colors=4).save(folder / "paletted.png")
    (folder / "paletted.txt").write_text("paletted")
    upscale(art(14), 240).save(folder / "pörträt ☺ 1.png")
    (folder / "pörträt ☺ 1.txt").write_text("unicode")
    # Left by a crash mid-write, and a hidden file: neither is part of the dataset.
    (folder / ".bespoke-tmp-abc.png").write_bytes(b"half")
    (folder / ".DS_Store").write_bytes(b"x")
    return folder


def _rows(result):
    return {row.name: row for row in result.rows}


def test_quick_scan_reads_headers_and_captions(dataset: Path) -> None:
    result = quick_scan(dataset)
    rows = _rows(result)
    assert sorted(rows) == sorted(
        [
            "good_0.png",
            "good_1.png",
            "good_2.png",
            "no caption.png",
            "empty_caption.png",
            "wide.png",
            "noise.png",
            "truncated.png",
            "zero.png",
            "text.png",
            "paletted.png",
            "pörträt ☺ 1.png",
        ]
    )
    assert [r.name for r in result.rows] == sorted(rows)  # table order: by name
    good = rows["good_0.png"]
    assert (good.width, good.height, good.mode, good.format, good.caption_present) == (
        240,
        240,
        "RGB",
        "PNG",
        True,
    )
    assert not good.details_done and good.colours is None
    assert rows["paletted.png"].mode == "P"
    assert rows["wide.png"].size_text == "300x200" and "not square" in rows["wide.png"].problems()
    assert not rows["no caption.png"].caption_present and rows["no caption.png"].problems() == ["no caption"]
    assert rows["empty_caption.png"].caption_empty and "empty caption" in rows["empty_caption.png"].problems()
    assert "empty file" in rows["zero.png"].error
    assert "holds text" in rows["text.png"].error
    # A truncated file still has its header: the decode (details) finds the damage.
    assert rows["truncated.png"].error == "" and rows["truncated.png"].width == 240
    assert result.captions_without_images == ["orphan.txt"]


def test_summary_counts_every_kind_of_problem(dataset: Path) -> None:
    summary = scan_folder(dataset).summary
    assert summary.image_count == 12
    assert summary.images_without_captions == ["no caption.png", "text.png", "zero.png"]
    assert summary.captions_without_images == ["orphan.txt"]
    assert summary.empty_captions == ["empty_caption.png"]
    assert summary.non_square == ["wide.png"]
    assert sorted(name for name, _ in summary.unreadable) == ["text.png", "truncated.png", "zero.png"]
    assert summary.sizes == {"240x240": 7, "300x200": 1, "64x64": 1}
    assert summary.grids == {"24x24": 8}
    assert summary.without_exact_grid == ["noise.png"]
    text = "\n".join(summary.lines())
    assert "12 images" in text and "unreadable: 3" in text and "24x24 (8)" in text


def test_details_give_colours_and_exact_grid(dataset: Path) -> None:
    result = scan_folder(dataset)
    rows = _rows(result)
    assert rows["good_0.png"].details_done and rows["good_0.png"].grid == (24, 24)
    assert rows["good_0.png"].colours == 6
    assert rows["paletted.png"].colours == 4 and rows["paletted.png"].grid == (24, 24)
    assert rows["wide.png"].grid == (24, 24)  # 300x200 from 24x24: blocks of 12.5 x 8.3, still exact
    assert rows["noise.png"].grid is None and rows["noise.png"].grid_text == "none"
    assert rows["noise.png"].colours == count_colours(np.asarray(Image.open(dataset / "noise.png")))
    assert "corrupt or truncated" in rows["truncated.png"].error


def test_fill_details_hands_each_result_to_the_sink_on_the_calling_thread(dataset: Path) -> None:
    result = quick_scan(dataset)
    readable = [row for row in result.rows if not row.error]
    received: dict[int, object] = {}
    threads: set[str] = set()

    def sink(index: int, details: object) -> None:
        received[index] = details
        threads.add(threading.current_thread().name)

    batch = fill_details([row.path for row in readable], sink=sink, workers=2)
    assert sorted(received) == list(range(len(readable)))
    assert threads == {threading.current_thread().name}  # the job's own thread, never a worker
    assert batch.errors == []  # unreadable images are details with an error, not job errors
    for index, row in enumerate(readable):
        apply_details(row, received[index])
    assert all(row.details_done for row in readable)


def test_rgba_colours_count_alpha(tmp_path: Path) -> None:
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[:4, :, 3] = 255  # same RGB, two alphas
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    details = image_details(tmp_path / "a.png")
    assert details.colours == 2 and details.has_alpha


def test_cancelled_quick_scan_returns_what_it_read(dataset: Path) -> None:
    calls = {"n": 0}

    def cancel_after_two() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    result = quick_scan(dataset, cancelled=cancel_after_two)
    assert result.cancelled and len(result.rows) == 2


def test_scan_result_is_json_ready(dataset: Path) -> None:
    data = json.loads(json.dumps(scan_folder(dataset).to_json()))
    assert data["summary"]["image_count"] == 12
    by_name = {row["name"]: row for row in data["rows"]}
    assert by_name["good_1.png"]["grid"] == [24, 24]
    assert by_name["zero.png"]["problems"] == [by_name["zero.png"]["error"]]
    assert {"name": "zero.png", "error": by_name["zero.png"]["error"]} in data["summary"]["unreadable"]


def test_not_a_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        quick_scan(tmp_path / "missing")


def test_summary_of_partial_details(dataset: Path) -> None:
    result = quick_scan(dataset)
    first = result.rows[0]
    apply_details(first, image_details(first.path))
    summary = summarize(result.rows, result.captions_without_images)
    assert summary.details_done == 1
    assert "details for 1 of 12" in "\n".join(summary.lines())


def test_dataset_backup_holds_images_captions_and_config(dataset: Path) -> None:
    root = dataset.parent
    config = root / "training_config.toml"
    config.write_text('output_name = "x"\n')
    files = dataset_files(dataset, ".txt", config)
    assert config in files and dataset / "orphan.txt" in files and dataset / "text.png" in files
    assert not any(p.name.startswith(".") for p in files)
    info = backup_dataset(root, dataset, root / "backups", config_path=config, label="test")
    assert info.file_count == len(files) and info.kind == "dataset"
    assert (info.path / "training_config.toml").read_text() == 'output_name = "x"\n'
    assert (info.path / "training data" / "pörträt ☺ 1.png").is_file()
    assert verify_backup(info.path).ok


def test_worker_processes_give_the_same_details_as_threads(dataset: Path) -> None:
    names = sorted(p.name for p in dataset.iterdir() if p.suffix == ".png" and not p.name.startswith("."))
    heard: dict[int, object] = {}
    in_processes = fill_details(
        names, folder=dataset, processes=True, workers=2, sink=lambda i, d: heard.update({i: d})
    )
    in_threads = fill_details(names, folder=dataset, processes=False, workers=2)
    assert in_processes.results == in_threads.results
    assert in_processes.errors == [] and sorted(heard) == list(range(len(names)))
    by_name = dict(zip(names, in_processes.results))
    assert by_name["good_1.png"].grid == (24, 24) and "empty file" in by_name["zero.png"].error


def test_cancelling_worker_processes_stops_between_chunks(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    upscale(art(1), 96).save(folder / "a.png")
    data = (folder / "a.png").read_bytes()
    names = [f"img_{i:04d}.png" for i in range(600)]
    for name in names:
        (folder / name).write_bytes(data)
    seen = {"done": 0}

    def progress(done: int, _total: int, _message: str) -> None:
        seen["done"] = done

    result = fill_details(
        names, progress=progress, cancelled=lambda: seen["done"] >= 32, folder=folder, workers=2
    )
    assert result.cancelled
    finished = [r for r in result.results if r is not None]
    assert 32 <= len(finished) < 600 and all(r.grid == (24, 24) for r in finished)


def test_fill_details_in_worker_processes_matches_threads(dataset: Path) -> None:
    paths = [row.path for row in quick_scan(dataset).rows]
    received: dict[int, object] = {}
    in_processes = fill_details(
        paths, sink=lambda i, d: received.__setitem__(i, d), workers=2, processes=True
    )
    on_threads = fill_details(paths, workers=2, processes=False)
    assert sorted(received) == list(range(len(paths)))
    assert [asdict(d) for d in in_processes.results] == [asdict(d) for d in on_threads.results]
