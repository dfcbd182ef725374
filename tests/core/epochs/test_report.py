from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from epoch_fixtures import write_epoch_samples
from PIL import Image

from bespoke_gui.core.epochs.analysis import AnalysisResult, analyze_samples
from bespoke_gui.core.epochs.collage import render_collage
from bespoke_gui.core.epochs.report import write_report
from bespoke_gui.core.epochs.report_text import epochs_csv_text, images_csv_text, markdown_text
from bespoke_gui.core.epochs.strays import REASON_KEYS
from bespoke_gui.core.files import TEMP_PREFIX


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    folder = tmp_path_factory.mktemp("report") / "run_a" / "sample"
    write_epoch_samples(folder, {1: 0.6, 2: 0.0}, prompts=3)
    return analyze_samples([folder])


def test_collage_cells_are_the_recovered_art(result: AnalysisResult) -> None:
    image = render_collage(result, scale=4)
    assert image.mode == "RGB"
    pixels = np.asarray(image)
    # Find the clean epoch-2 art of prompt 00 somewhere in the collage, pixel for pixel.
    art = result.cell("run_a", "00", ("epoch", 2))[0].recovery.pixels
    tile = np.repeat(np.repeat(art, 4, axis=0), 4, axis=1)
    hits = [
        (y, x)
        for y in range(pixels.shape[0] - 96 + 1)
        for x in range(pixels.shape[1] - 96 + 1)
        if np.array_equal(pixels[y, x], tile[0, 0]) and np.array_equal(pixels[y : y + 96, x : x + 96], tile)
    ]
    assert len(hits) == 1
    # 3 prompts down, 2 epochs across: wider than tall by the label column.
    assert image.width > 2 * 96 and image.height > 3 * 96


def test_csv_and_markdown_contents(result: AnalysisResult) -> None:
    epochs = list(csv.DictReader(epochs_csv_text(result).splitlines()))
    assert [row["epoch"] for row in epochs] == ["1", "2"]
    assert epochs[1]["best"] == "yes" and epochs[0]["best"] == ""
    assert {"avg_unique_colors", "messy_share", "check_unique_colours"} <= set(epochs[0])
    images = list(csv.DictReader(images_csv_text(result).splitlines()))
    assert len(images) == 6
    assert images[0]["palette"].startswith("#")
    text = markdown_text(result)
    assert "**Best of run_a: epoch 2**" in text
    assert "![collage](collage.png)" in text
    assert text.count("\n| ") >= 2 + 6


def test_write_report_writes_four_files_atomically(result: AnalysisResult, tmp_path: Path) -> None:
    files = write_report(result, tmp_path / "out")
    for path in (files.collage, files.markdown, files.epochs_csv, files.images_csv):
        assert path.is_file() and path.stat().st_size > 0
    with Image.open(files.collage) as image:
        assert image.format == "PNG"
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_read_only_report_is_refused(result: AnalysisResult, tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = write_report(result, out)
    before = files.markdown.read_bytes()
    os.chmod(files.markdown, stat.S_IRUSR)
    try:
        with pytest.raises(PermissionError):
            write_report(result, out)
    finally:
        os.chmod(files.markdown, stat.S_IRUSR | stat.S_IWUSR)
    assert files.markdown.read_bytes() == before


def test_markdown_names_the_epochs_chosen_for_production() -> None:
    from bespoke_gui.core.epochs.analysis import AnalysisResult, AnalysisSettings
    from bespoke_gui.core.epochs.report_text import markdown_text

    empty = AnalysisResult(
        images=[], errors=[], messages=[], epochs=[], best={}, runs=[], settings=AnalysisSettings()
    )
    text = markdown_text(empty, chosen={"run512": "epoch 8"})
    assert "## Chosen for production" in text and "- run512: epoch 8" in text
    assert "Chosen for production" not in markdown_text(empty)


def test_report_lists_strays_by_reason(result: AnalysisResult) -> None:
    # Issue #10: the strays of each image, counted per reason of the one decision.
    with_strays = [item for item in result.images if item.metrics.stray_count]
    assert with_strays
    text = markdown_text(result)
    for item in with_strays:
        by_reason = item.metrics.strays.by_reason()
        parts = ", ".join(f"{n} {reason}" for reason, n in by_reason.items())
        assert f"| {item.metrics.stray_count} ({parts}) |" in text
    images = {row["path"]: row for row in csv.DictReader(images_csv_text(result).splitlines())}
    for item in with_strays:
        listed = images[str(item.sample.path)]["stray_list"].split()
        assert len(listed) == item.metrics.stray_count
        assert all(entry.split(":")[1] in REASON_KEYS.values() for entry in listed)


def test_a_collage_too_big_wraps_into_bands_and_panels_within_the_limit(
    result: AnalysisResult, monkeypatch
) -> None:
    from bespoke_gui.core.epochs import collage

    full = collage.render_collage(result, scale=4)
    limit = max(120, full.width // 2, full.height // 2)
    monkeypatch.setattr(collage, "COLLAGE_MAX_SIDE", limit)
    wrapped = collage.render_collage(result, scale=4)
    assert wrapped.width <= limit and wrapped.height <= limit + 24
    assert (wrapped.width, wrapped.height) != (full.width, full.height)
