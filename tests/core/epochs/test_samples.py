from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from epoch_fixtures import sample_name, save_png

from bespoke_gui.core.epochs.samples import collect_samples, parse_epoch_folder, parse_sample_name


def test_parse_epoch_form_with_and_without_seed() -> None:
    parsed = parse_sample_name("bespoke_baby_e000008_03_20240615143012_42.png")
    assert (parsed.epoch, parsed.step, parsed.prompt_index, parsed.seed) == (8, None, 3, 42)
    assert parsed.output_name == "bespoke_baby"
    assert parsed.timestamp == "20240615143012"
    parsed = parse_sample_name("my_lora_e000012_00_20240615143012.png")
    assert (parsed.epoch, parsed.prompt_index, parsed.seed) == (12, 0, None)
    assert parsed.recognised


def test_parse_step_form() -> None:
    parsed = parse_sample_name("my_lora_000500_01_20240615143012_7.png")
    assert (parsed.epoch, parsed.step, parsed.prompt_index, parsed.seed) == (None, 500, 1, 7)
    assert parsed.output_name == "my_lora"


@pytest.mark.parametrize(
    "name",
    ["control_background_green.png", "image.png", "lora_e8_01_2024.png", "x_e000008_1_20240615143012.png"],
)
def test_other_names_are_not_recognised(name: str) -> None:
    parsed = parse_sample_name(name)
    assert not parsed.recognised
    assert parsed.epoch is None and parsed.prompt_index is None


@pytest.mark.parametrize(
    "name,epoch",
    [
        ("epoch_8", 8),
        ("ep08", 8),
        ("e8", 8),
        ("epoch-008", 8),
        ("Epoch 12", 12),
        ("epoch8_samples", 8),
        ("EP3", 3),
    ],
)
def test_epoch_folder_names(name: str, epoch: int) -> None:
    assert parse_epoch_folder(name) == epoch


@pytest.mark.parametrize("name", ["e2e", "samples", "epochs", "episode_3", "sample", "8"])
def test_non_epoch_folder_names(name: str) -> None:
    assert parse_epoch_folder(name) is None


def _png(path: Path) -> Path:
    return save_png(path, np.zeros((48, 48, 3), dtype=np.uint8))


def test_flat_sdscripts_sample_folder(tmp_path: Path) -> None:
    sample = tmp_path / "run_512" / "sample"
    for epoch in (2, 1):
        for prompt in (1, 0):
            _png(sample / sample_name(epoch, prompt, "lora", seed=epoch))
    _png(sample / "lora_000300_00_20250101000000.png")
    (sample / "notes.txt").write_text("not an image")
    result = collect_samples([sample])
    assert result.runs == ["run_512"]
    assert [(s.epoch, s.step, s.prompt) for s in result.samples] == [
        (1, None, "00"),
        (1, None, "01"),
        (2, None, "00"),
        (2, None, "01"),
        (None, 300, "00"),
    ]
    assert result.samples[0].column == ("epoch", 1)
    assert result.samples[-1].column == ("step", 300)
    assert result.samples[-1].column_label == "step 300"
    assert result.messages == []
    assert result.epochs() == [1, 2]
    assert result.prompts() == ["00", "01"]


def test_parent_of_epoch_folders_and_unknown_names(tmp_path: Path) -> None:
    run = tmp_path / "my_run"
    for folder, _epoch in (("epoch_8", 8), ("ep10", 10), ("e9", 9)):
        _png(run / folder / "control_background_green.png")
        _png(run / folder / "quality_lad_1.png")
    _png(run / "unrelated" / "photo.png")  # not a sample folder: ignored
    result = collect_samples([run])
    assert result.runs == ["my_run"]
    assert sorted({s.epoch for s in result.samples}) == [8, 9, 10]
    assert len(result.samples) == 6
    assert {s.prompt for s in result.samples} == {"control_background_green", "quality_lad_1"}
    assert all(s.prompt_index is None for s in result.samples)
    # One message per file whose name was not understood, saying what was used instead.
    assert len(result.messages) == 6
    assert {m.message for m in result.messages} == {
        "name not in sd-scripts' sample form; epoch from the folder name, prompt taken from the file name"
    }


def test_epoch_folder_dropped_itself_and_twice(tmp_path: Path) -> None:
    folder = tmp_path / "runA" / "epoch_3"
    _png(folder / sample_name(3, 0))
    _png(folder / sample_name(3, 1))
    result = collect_samples([folder, folder, folder / sample_name(3, 0)])
    assert len(result.samples) == 2
    assert result.runs == ["runA"]
    assert any("more than once" in m.message for m in result.messages)
    assert any("already loaded" in m.message for m in result.messages)


def test_single_files_unknown_names_and_missing_paths(tmp_path: Path) -> None:
    single = _png(tmp_path / "epoch8_samples" / "quality_lady_1.png")
    text = tmp_path / "readme.txt"
    text.write_text("hello")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = collect_samples([single, text, empty, tmp_path / "missing"])
    assert len(result.samples) == 1
    sample = result.samples[0]
    assert (sample.epoch, sample.prompt, sample.prompt_index) == (8, "quality_lady_1", None)
    messages = {Path(m.path).name: m.message for m in result.messages}
    assert "not an image" in messages["readme.txt"]
    assert "no sample images" in messages["empty"]
    assert messages["missing"] == "not found"
    assert "prompt taken from the file name" in messages["quality_lady_1.png"]


def test_two_runs_side_by_side_and_run_labels(tmp_path: Path) -> None:
    a = tmp_path / "a" / "sample"
    b = tmp_path / "b" / "sample"
    _png(a / sample_name(1, 0))
    _png(b / sample_name(1, 0))
    result = collect_samples([a, b])
    assert result.runs == ["a", "b"]
    assert [s.run for s in result.samples] == ["a", "b"]
    assert len(result.for_run("b")) == 1
    # Same folder names under different parents are told apart.
    c = tmp_path / "x" / "runs" / "sample"
    d = tmp_path / "y" / "runs" / "sample"
    _png(c / sample_name(1, 0))
    _png(d / sample_name(1, 0))
    result = collect_samples([c, d])
    assert result.runs == ["runs", "runs (2)"]
    labelled = collect_samples([a, b], run_labels=["512px", "256px"])
    assert labelled.runs == ["512px", "256px"]


def test_real_epoch8_folder(realdata: Path) -> None:
    folder = realdata / "bespokebaby2" / "epoch8_samples"
    result = collect_samples([folder])
    assert len(result.samples) == 13
    assert {s.epoch for s in result.samples} == {8}
    assert "control_background_green" in {s.prompt for s in result.samples}
    assert result.runs == ["bespokebaby2"]


def test_epoch_folders_of_one_run_dropped_separately_are_one_run(tmp_path: Path) -> None:
    for epoch in (3, 4):
        _png(tmp_path / "my_run" / "samples" / f"epoch_{epoch:02d}" / sample_name(epoch, 0))
    folders = [tmp_path / "my_run" / "samples" / "epoch_03", tmp_path / "my_run" / "samples" / "epoch_04"]
    result = collect_samples(folders)
    assert result.runs == ["my_run"]
    assert [s.epoch for s in result.samples] == [3, 4]


def test_a_folder_with_no_epoch_or_step_is_refused_in_one_line(tmp_path) -> None:
    from PIL import Image

    from bespoke_gui.core.epochs.samples import collect_samples

    images = tmp_path / "training_data"
    images.mkdir()
    for name in ("000_lad.png", "001_lady.png"):
        Image.new("RGB", (24, 24), (10, 20, 30)).save(images / name)
    found = collect_samples([images])
    assert found.samples == [] and found.runs == []
    assert len(found.messages) == 1 and "no epoch or step" in found.messages[0].message
