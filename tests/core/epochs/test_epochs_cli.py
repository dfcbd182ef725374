from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from epoch_fixtures import blocky_art, save_png, write_epoch_samples
from PIL import Image

from bespoke_gui.cli import main
from bespoke_gui.core.demo.degrade import upscale_nearest
from bespoke_gui.core.epochs.strays import STRAY_REASONS


def test_downscale_writes_the_art_under_the_same_name(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    arts = {f"img_{i}.png": blocky_art(i) for i in range(3)}
    inputs = tmp_path / "in"
    for name, art in arts.items():
        save_png(inputs / name, upscale_nearest(art, 512))
    Image.fromarray(upscale_nearest(blocky_art(9), 512)).save(inputs / "photo.jpg", quality=95)
    out = tmp_path / "out"
    assert main(["downscale", str(inputs), "--out", str(out)]) == 0
    assert "wrote 4 image(s)" in capsys.readouterr().out
    for name, art in arts.items():
        with Image.open(out / name) as image:
            assert image.size == (24, 24)
            assert np.array_equal(np.asarray(image.convert("RGB")), art)
    assert (out / "photo.png").is_file()  # a lossy input's art is written as PNG


@pytest.mark.parametrize("method", ["nearest", "two-stage"])
def test_downscale_other_methods_and_cells(tmp_path: Path, method: str) -> None:
    art = (np.random.default_rng(0).integers(0, 3, (16, 16, 3)) * 100).astype(np.uint8)
    source = save_png(tmp_path / "a.png", upscale_nearest(art, 256))
    assert (
        main(["downscale", str(source), "--out", str(tmp_path / "o"), "--cells", "16", "--method", method])
        == 0
    )
    with Image.open(tmp_path / "o" / "a.png") as image:
        assert image.size == (16, 16)


def test_downscale_reports_bad_files_and_carries_on(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    good = save_png(tmp_path / "good.png", upscale_nearest(blocky_art(1), 512))
    bad = tmp_path / "bad.png"
    bad.write_text("nope")
    code = main(
        ["downscale", str(good), str(bad), str(tmp_path / "missing.png"), "--out", str(tmp_path / "o")]
    )
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert all(line.startswith("error: ") for line in err)
    assert any("bad.png: not an image" in line for line in err)
    assert (tmp_path / "o" / "good.png").is_file()


def test_downscale_refuses_to_overwrite_its_input(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = save_png(tmp_path / "a.png", upscale_nearest(blocky_art(1), 512))
    before = source.read_bytes()
    assert main(["downscale", str(source), "--out", str(tmp_path)]) == 2
    assert "replace the input" in capsys.readouterr().err
    assert source.read_bytes() == before


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    folder = tmp_path / "run" / "sample"
    write_epoch_samples(folder, {1: 0.6, 2: 0.0}, prompts=2)
    return folder


def test_analyze_json(samples: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["analyze", str(samples), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 4
    for record in records:
        assert {"path", "epoch", "prompt", "unique_colors", "palette_size", "stray_pixels", "messy"} <= set(
            record
        )
        assert isinstance(record["unique_colors"], int) and isinstance(record["messy"], bool)
        assert all(len(p) == 2 and all(0 <= v < 24 for v in p) for p in record["stray_pixels"])
        assert len(record["stray_reasons"]) == len(record["stray_pixels"])
        # One entry per stray with the decision's reason and confidence (issue #10).
        assert [[s["x"], s["y"]] for s in record["strays"]] == record["stray_pixels"]
        assert all(s["reason"] in STRAY_REASONS and 0.5 <= s["confidence"] <= 1 for s in record["strays"])
    assert [(r["epoch"], r["prompt"]) for r in records] == [(1, 0), (1, 1), (2, 0), (2, 1)]
    assert any(r["strays"] for r in records)
    clean = [r for r in records if r["epoch"] == 2]
    assert all(r["stray_pixels"] == [] and r["exact"] for r in clean)


def test_analyze_table_and_bad_input(samples: Path, capsys: pytest.CaptureFixture) -> None:
    (samples / "broken_e000001_05_20250101000000.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert main(["analyze", str(samples)]) == 1
    captured = capsys.readouterr()
    assert "unique" in captured.out and "epoch 1" in captured.out and "*best*" in captured.out
    errors = [line for line in captured.err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "broken_e000001" in errors[0]


def test_analyze_nothing_found(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["analyze", str(tmp_path), "--json"]) == 2
    assert json.loads(capsys.readouterr().out) == []


def test_report_command(samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "report"
    assert main(["report", str(samples), "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["cleaned.png", "collage.png", "epochs.csv", "images.csv", "report.md"]
    assert "wrote" in capsys.readouterr().out


def test_analyze_real_epoch8(realdata: Path, capsys: pytest.CaptureFixture) -> None:
    folder = realdata / "bespokebaby2" / "epoch8_samples"
    assert main(["analyze", str(folder), "--json"]) == 0
    captured = capsys.readouterr()
    records = json.loads(captured.out)
    assert len(records) == 13
    assert {r["epoch"] for r in records} == {8}
    assert all(r["prompt"] is None for r in records)
    assert "control_background_green" in {r["prompt_label"] for r in records}
    # 13 unrecognised names make one grouped note, not 13 lines.
    assert captured.err.count("note:") == 1


def test_analyze_of_a_missing_folder_prints_no_empty_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["analyze", str(tmp_path / "missing")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "not found" in captured.err and "error: no sample images found" in captured.err
