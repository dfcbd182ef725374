"""Cleaned art: strays replaced by their neighbourhood's majority colour; export; before/after."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from epoch_fixtures import write_epoch_samples
from PIL import Image

from bespoke_gui.cli import main
from bespoke_gui.core.epochs.analysis import AnalysisResult, analyze_samples
from bespoke_gui.core.epochs.cleanup import CleanedItem, clean_art, export_cleaned, render_before_after
from bespoke_gui.core.epochs.report import chosen_samples, write_report
from bespoke_gui.core.epochs.strays import find_strays
from bespoke_gui.core.files import TEMP_PREFIX

RED, GREEN, BLUE, WHITE = (200, 30, 30), (30, 160, 60), (40, 60, 200), (250, 250, 250)


def flat(colour: tuple[int, int, int], size: int = 6) -> np.ndarray:
    return np.tile(np.array(colour, dtype=np.uint8), (size, size, 1))


def one(y: int, x: int, size: int = 6) -> np.ndarray:
    mask = np.zeros((size, size), dtype=bool)
    mask[y, x] = True
    return mask


def test_a_stray_takes_its_neighbourhoods_majority_colour_and_nothing_else_changes() -> None:
    art = flat(GREEN)
    art[0:2, :] = RED  # two rows of red above: the stray at (2, 3) sees 3 red, 5 green
    art[2, 3] = WHITE
    cleaned = clean_art(art, one(2, 3))
    assert tuple(cleaned[2, 3]) == GREEN
    expected = art.copy()
    expected[2, 3] = GREEN
    assert np.array_equal(cleaned, expected)
    assert tuple(art[2, 3]) == WHITE  # the input is left alone


def test_ties_go_to_the_colour_sharing_more_edges_then_reading_order() -> None:
    art = flat(GREEN, 3)
    art[0] = (BLUE, RED, BLUE)
    art[1] = (BLUE, WHITE, BLUE)
    art[2] = (BLUE, RED, RED)
    # Neighbours of (1,1): blue x5 (corners 3 + left/right) vs red x3: the majority wins.
    assert tuple(clean_art(art, one(1, 1, 3))[1, 1]) == BLUE
    art[2] = (RED, RED, BLUE)
    art[0] = (RED, BLUE, BLUE)
    art[1] = (BLUE, WHITE, RED)
    # 4 red (top-left, right, bottom-left, bottom) and 4 blue (top, top-right, left, bottom-right):
    # both share 2 edges, so the first in reading order (top-left: red) wins.
    assert tuple(clean_art(art, one(1, 1, 3))[1, 1]) == RED
    art[0] = (RED, BLUE, RED)
    art[1] = (BLUE, WHITE, BLUE)
    art[2] = (RED, BLUE, RED)
    # Still 4 against 4 and red comes first in reading order, but blue holds the 4 edge-sharing cells.
    assert tuple(clean_art(art, one(1, 1, 3))[1, 1]) == BLUE


def test_only_non_strays_vote_and_a_stray_with_none_keeps_its_colour() -> None:
    art = flat(GREEN, 5)
    art[2, 2] = WHITE
    art[2, 3] = RED
    mask = np.zeros((5, 5), dtype=bool)
    mask[2, 2] = mask[2, 3] = True
    cleaned = clean_art(art, mask)
    # Each sees the other as a stray, not as a vote: both become green, in any order.
    assert tuple(cleaned[2, 2]) == GREEN and tuple(cleaned[2, 3]) == GREEN
    lonely = flat(RED, 1)
    assert np.array_equal(clean_art(lonely, np.ones((1, 1), dtype=bool)), lonely)
    with pytest.raises(ValueError, match="stray mask"):
        clean_art(art, np.zeros((4, 4), dtype=bool))


def test_cleaning_the_strays_find_strays_reports() -> None:
    art = flat(BLUE, 24)
    art[3, 4] = WHITE  # a speck in the background
    report = find_strays(art)
    assert report.mask[3, 4]
    assert np.array_equal(clean_art(art, report.mask), flat(BLUE, 24))


def test_export_writes_raw_and_cleaned_at_24_px_and_upscaled(tmp_path: Path) -> None:
    art = flat(BLUE, 24)
    art[5, 6] = WHITE
    files = export_cleaned([CleanedItem("portrait", art, one(5, 6, 24))], tmp_path / "out", upscale=5)
    (written,) = files
    assert written.raw.name == "portrait.png" and written.cleaned.name == "portrait_cleaned.png"
    assert written.raw_upscaled.parent.name == "x5" and written.replaced == 1
    raw = np.asarray(Image.open(written.raw).convert("RGB"))
    cleaned = np.asarray(Image.open(written.cleaned).convert("RGB"))
    big = np.asarray(Image.open(written.cleaned_upscaled).convert("RGB"))
    assert np.array_equal(raw, art) and np.array_equal(cleaned, flat(BLUE, 24))
    assert big.shape == (120, 120, 3) and np.array_equal(big[::5, ::5], cleaned)
    assert np.asarray(Image.open(written.raw_upscaled).convert("RGB"))[27, 32].tolist() == list(WHITE)
    assert not [p for p in (tmp_path / "out").rglob("*") if p.name.startswith(TEMP_PREFIX)]


def test_before_after_rings_strays_and_shows_the_cleaned_art() -> None:
    art = flat(BLUE, 24)
    art[5, 6] = WHITE
    image = np.asarray(render_before_after([CleanedItem("p", art, one(5, 6, 24))], scale=4))
    assert (image == (230, 30, 30)).all(axis=2).any()  # the ring
    assert (image == WHITE).all(axis=2).sum() > 0 and (image == BLUE).all(axis=2).sum() > 2 * 24 * 24 * 15


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    folder = tmp_path_factory.mktemp("cleanup") / "run_a" / "sample"
    write_epoch_samples(folder, {1: 0.6, 2: 0.3}, prompts=2)
    return analyze_samples([folder])


def test_report_shows_the_chosen_epoch_before_and_after(result: AnalysisResult, tmp_path: Path) -> None:
    best = result.best["run_a"]
    other = next(s for s in result.epochs if s.column != best.column)
    assert {i.sample.column for i in chosen_samples(result)} == {best.column}
    chosen = {"run_a": other.label}
    assert {i.sample.column for i in chosen_samples(result, chosen)} == {other.column}
    files = write_report(result, tmp_path / "out", chosen=chosen)
    assert files.before_after is not None and files.before_after.is_file() and files.cleaned == ()
    text = files.markdown.read_text()
    assert "## Cleaned art" in text and "![before and after](cleaned.png)" in text
    assert not (tmp_path / "out" / "cleaned").exists()
    files = write_report(result, tmp_path / "out2", cleaned=True, cleaned_upscale=3)
    assert len(files.cleaned) == 2 and all(f.cleaned_upscaled.is_file() for f in files.cleaned)
    assert "Exported to `cleaned/`" in files.markdown.read_text()


def test_cli_downscale_and_report_cleaned(result: AnalysisResult, tmp_path: Path, capsys) -> None:
    sample = result.images[0].sample.path
    out = tmp_path / "art"
    assert main(["downscale", str(sample), "--out", str(out), "--cleaned", "--upscale", "4"]) == 0
    assert "cleaned art" in capsys.readouterr().out
    stem = sample.stem
    assert {p.name for p in out.iterdir()} == {f"{stem}.png", f"{stem}_cleaned.png", "x4"}
    with Image.open(out / "x4" / f"{stem}_cleaned.png") as image:
        assert image.size == (96, 96)
    expected = result.images[0]
    raw = np.asarray(Image.open(out / f"{stem}.png").convert("RGB"))
    assert np.array_equal(raw, expected.recovery.pixels)
    cleaned = np.asarray(Image.open(out / f"{stem}_cleaned.png").convert("RGB"))
    assert np.array_equal(cleaned, clean_art(raw, expected.metrics.strays.mask))
    report_dir = tmp_path / "report"
    assert main(["report", str(sample.parent), "--out", str(report_dir), "--cleaned"]) == 0
    assert (report_dir / "cleaned.png").is_file() and (report_dir / "cleaned" / "x20").is_dir()
    with pytest.raises(SystemExit):
        main(["downscale", str(sample), "--out", str(out), "--upscale", "0"])
    assert "between 1 and 64" in capsys.readouterr().err
