from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from epoch_fixtures import face_art, save_png, write_epoch_samples
from PIL import Image

from bespoke_gui.core.colour import count_unique_colours
from bespoke_gui.core.epochs.analysis import (
    AnalysisSettings,
    SampleImageError,
    analyze_samples,
    compare_pipelines,
    load_sample_pixels,
    retarget,
)
from bespoke_gui.core.epochs.metrics import Targets
from bespoke_gui.core.jobs import CancelFlag

STRENGTHS = {1: 0.9, 2: 0.4, 3: 0.0}  # later epochs are cleaner; epoch 3 is a clean upscale


@pytest.fixture
def sample_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "run_512" / "sample"
    write_epoch_samples(folder, STRENGTHS, prompts=2)
    return folder


def test_analysis_of_a_sample_folder(sample_folder: Path) -> None:
    calls: list[tuple[int, int]] = []
    result = analyze_samples(
        [sample_folder], AnalysisSettings(workers=2), progress=lambda d, t, m: calls.append((d, t))
    )
    assert len(result.images) == 6 and result.errors == [] and not result.cancelled
    assert calls[-1] == (6, 6)
    assert result.runs == ["run_512"]
    assert result.prompts() == ["00", "01"]
    assert result.columns() == [("epoch", 1), ("epoch", 2), ("epoch", 3)]
    cell = result.cell("run_512", "01", ("epoch", 3))
    assert len(cell) == 1 and cell[0].recovery.exact
    assert cell[0].metrics.stray_pixels == []
    assert [s.column for s in result.epochs] == [("epoch", 1), ("epoch", 2), ("epoch", 3)]
    assert result.best["run_512"].column == ("epoch", 3)
    noisy, clean = result.summary("run_512", ("epoch", 1)), result.summary("run_512", ("epoch", 3))
    assert noisy.avg_unique_colors > clean.avg_unique_colors
    assert noisy.avg_stray_pixels > clean.avg_stray_pixels
    for item in result.images:
        assert item.recovery.pixels.shape == (24, 24, 3)
        assert item.size == (512, 512)
        assert item.seconds > 0


def test_retarget_changes_checks_without_reanalysing(sample_folder: Path) -> None:
    result = analyze_samples([sample_folder])
    strict = retarget(result, Targets(unique_colors_target=1, unique_colors_minimum=2))
    assert strict.images is result.images
    assert all(s.checks[0].status == "fail" for s in strict.epochs)
    assert strict.settings.targets.unique_colors_target == 1


def test_cancel_stops_early(sample_folder: Path) -> None:
    flag = CancelFlag()
    seen = []

    def progress(done: int, total: int, message: str) -> None:
        seen.append(done)
        if done >= 1:
            flag.set()

    result = analyze_samples([sample_folder], AnalysisSettings(workers=1), progress=progress, cancelled=flag)
    assert result.cancelled
    assert len(result.images) < 6


def _write_bad_files(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    art = np.repeat(np.repeat(face_art(), 22, axis=0), 22, axis=1)[:512, :512]
    save_png(folder / "not_square.png", art[:, :400])
    save_png(folder / "tiny.png", art[:16, :16])
    save_png(folder / "huge.png", np.zeros((700, 700, 3), dtype=np.uint8))
    rgba = np.dstack([art, np.full((512, 512), 255, np.uint8)])
    rgba[0, 0, 3] = 0
    save_png(folder / "alpha.png", rgba)
    opaque = np.dstack([art, np.full((512, 512), 255, np.uint8)])
    save_png(folder / "opaque_alpha.png", opaque)
    Image.fromarray(art).convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(folder / "paletted.png")
    buffer = io.BytesIO()
    Image.fromarray(art).save(buffer, format="PNG")
    (folder / "truncated.png").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    (folder / "text.png").write_text("this is not an image")
    save_png(folder / "good.png", art)
    return {
        "not_square.png": "not square",
        "tiny.png": "too small",
        "huge.png": "too large",
        "alpha.png": "transparent",
        "truncated.png": "truncated",
        "text.png": "not an image",
    }


def test_bad_files_get_one_clear_message_each(tmp_path: Path) -> None:
    folder = tmp_path / "epoch_5"
    expected = _write_bad_files(folder)
    result = analyze_samples([folder], AnalysisSettings(max_side=600))
    errors = {Path(e.path).name: e.message for e in result.errors}
    assert set(errors) == set(expected)
    for name, words in expected.items():
        assert words in errors[name], (name, errors[name])
        assert "\n" not in errors[name] and "Traceback" not in errors[name]
    analysed = {item.sample.path.name for item in result.images}
    assert analysed == {"good.png", "opaque_alpha.png", "paletted.png"}
    # Each failure keeps its parsed sample, so the grid can place it in its epoch column.
    assert [Path(e.path).name for e in result.errors] == [s.path.name for s in result.failed]
    assert {s.epoch for s in result.failed} == {5}
    notes = {
        Path(m.path).name: m.message for m in result.messages if "alpha" in m.message or "palett" in m.message
    }
    assert "alpha" in notes["opaque_alpha.png"] and "paletted" in notes["paletted.png"]
    assert all(item.sample.epoch == 5 for item in result.images)


def test_load_sample_pixels_refuses_with_a_readable_message(tmp_path: Path) -> None:
    path = save_png(tmp_path / "wide.png", np.zeros((64, 96, 3), dtype=np.uint8))
    with pytest.raises(SampleImageError) as info:
        load_sample_pixels(path)
    assert str(info.value) == "not square (96x64); samples of 24x24 art are square"


def test_compare_pipelines_side_by_side() -> None:
    art = face_art()
    big = np.repeat(np.repeat(art, 22, axis=0), 22, axis=1)[:512, :512]
    pipelines = compare_pipelines(big)
    assert set(pipelines) == {"grid", "two-stage", "two-stage+sharpen", "nearest"}
    assert all(r.pixels.shape == (24, 24, 3) for r in pipelines.values())


def test_settings_refuse_unknown_methods() -> None:
    with pytest.raises(ValueError):
        AnalysisSettings(method="bicubic")


def test_real_epoch8_samples(realdata: Path) -> None:
    folder = realdata / "bespokebaby2" / "epoch8_samples"
    result = analyze_samples([folder])
    assert len(result.images) == 13 and result.errors == []
    for item in result.images:
        with Image.open(item.sample.path) as image:
            pillow = np.asarray(image.convert("RGB").resize((24, 24), Image.Resampling.NEAREST))
        assert item.metrics.unique_colors == count_unique_colours(pillow)
        # The recovered palette is a small fraction of the nearest-neighbour colours.
        # Shades 4 or more apart stand apart when enough cells show them (the real
        # originals draw shades 8-12 apart), so textured hair keeps many: the curly
        # blonde and brown hair come back with 1/3.4 of the nearest colours.
        assert item.metrics.palette_size < item.metrics.unique_colors / 3
        assert item.metrics.grid_fit > 0.5
    summary = result.epochs[0]
    assert summary.column == ("epoch", 8) and summary.images == 13
    assert 300 < summary.avg_unique_colors < 420
