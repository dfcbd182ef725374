"""The demo workspace: deterministic files in the layout the rest of the app expects."""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bespoke_gui.cli import main
from bespoke_gui.core.colour import srgb_to_oklab
from bespoke_gui.core.demo.demo_workspace import (
    IMAGES_DIRNAME,
    OUTPUT_NAME,
    DemoError,
    control_epoch,
    control_for_prompt,
    epoch_strength,
    read_demo_truth,
    write_demo_workspace,
)
from bespoke_gui.core.demo.palettes import CONTROL_BACKGROUNDS
from bespoke_gui.core.demo.portraits import draw_portrait
from bespoke_gui.core.exactgrid import downsample_exact, find_exact_grid
from bespoke_gui.core.files import TEMP_PREFIX
from bespoke_gui.core.jobs import CancelFlag
from bespoke_gui.core.workspace import discover

SAMPLE_RE = re.compile(r"^(?P<name>.+)_e(?P<epoch>\d{6})_(?P<prompt>\d{2})_(?P<ts>\d{14})\.png$")
COUNT, EPOCHS, PROMPTS = 6, 3, 3


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_workspace(
        tmp_path_factory.mktemp("demo") / "ws", count=COUNT, epochs=EPOCHS, prompts=PROMPTS
    )


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_call_writes_the_same_bytes(demo: Path, tmp_path: Path) -> None:
    again = write_demo_workspace(tmp_path / "again", count=COUNT, epochs=EPOCHS, prompts=PROMPTS)
    assert _files(demo) == _files(again)
    assert not [p for p in demo.rglob("*") if p.name.startswith(TEMP_PREFIX)]


def test_training_images_are_nearest_upscales_with_captions(demo: Path) -> None:
    images = sorted((demo / IMAGES_DIRNAME).glob("*.png"))
    assert len(images) == COUNT
    for index, path in enumerate(images):
        portrait = draw_portrait(index)
        assert path.name == f"{index:03d}_{portrait.name}.png"
        with Image.open(path) as img:
            assert (img.size, img.mode) == ((512, 512), "RGB")
            pixels = np.asarray(img)
        grid = find_exact_grid(pixels)
        assert grid is not None and (grid.cols, grid.rows) == (24, 24)
        assert np.array_equal(downsample_exact(pixels, grid), portrait.pixels)
        assert path.with_suffix(".txt").read_text(encoding="utf-8") == portrait.caption + "\n"


def test_config_is_an_sd_scripts_config_file(demo: Path) -> None:
    text = (demo / "training_config.toml").read_text(encoding="utf-8")
    assert text.lstrip().startswith("#")
    config = tomllib.loads(text)
    assert set(config) == {"general", "model_arguments", "network_arguments", "training_arguments"}
    training = config["training_arguments"]
    assert training["resolution"] == "512,512"
    assert training["train_data_dir"] == "training_data" and (demo / training["train_data_dir"]).is_dir()
    assert training["output_name"] == OUTPUT_NAME
    assert training["max_train_epochs"] == EPOCHS
    assert training["sample_every_n_epochs"] == 1
    assert training["sample_prompts"] == "prompts.txt" and (demo / "prompts.txt").is_file()
    assert training["keep_tokens"] == 1 and training["max_token_length"] == 225
    assert training["caption_extension"] == ".txt"
    # Like the real config: a key sd-scripts does not know, for the Config tab to flag.
    assert config["general"]["bucket_resolution"] == 512


def test_prompts_file(demo: Path) -> None:
    lines = [
        ln
        for ln in (demo / "prompts.txt").read_text(encoding="utf-8").splitlines()
        if ln and not ln.startswith("#")
    ]
    assert len(lines) == PROMPTS
    for index, line in enumerate(lines):
        match = re.fullmatch(r"(?P<prompt>.+) --w 512 --h 512 --d (?P<seed>\d+) --s 30 --l 7\.5", line)
        assert match, line
        assert match["prompt"].startswith("pixel art, 24x24, portrait of bespoke punk")
        control = control_for_prompt(index)
        if control:
            assert f"{control} background" in match["prompt"]
    assert len({re.sub(r" --.*", "", ln) for ln in lines}) == PROMPTS


def test_samples_are_named_like_sd_scripts(demo: Path) -> None:
    folders = sorted((demo / "samples").iterdir())
    assert [f.name for f in folders] == [f"epoch_{e:02d}" for e in range(1, EPOCHS + 1)]
    stamps = []
    for epoch, folder in enumerate(folders, start=1):
        names = sorted(p.name for p in folder.iterdir())
        assert len(names) == PROMPTS
        for prompt, name in enumerate(names):
            match = SAMPLE_RE.match(name)
            assert match, name
            assert match["name"] == OUTPUT_NAME
            assert (int(match["epoch"]), int(match["prompt"])) == (epoch, prompt)
            stamps.append(datetime.strptime(match["ts"], "%Y%m%d%H%M%S"))
            with Image.open(folder / name) as img:
                assert (img.size, img.mode) == ((512, 512), "RGB")
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_samples_get_cleaner_with_epochs(demo: Path) -> None:
    assert [epoch_strength(e, 8) for e in range(1, 9)] == sorted(
        (epoch_strength(e, 8) for e in range(1, 9)), reverse=True
    )
    assert epoch_strength(8, 8) > 0

    def unique_nearest(epoch: int) -> float:
        paths = sorted((demo / "samples" / f"epoch_{epoch:02d}").glob("*.png"))
        counts = []
        for path in paths:
            with Image.open(path) as img:
                small = np.asarray(img.resize((24, 24), Image.NEAREST))
            counts.append(len(np.unique(small.reshape(-1, 3), axis=0)))
        return float(np.mean(counts))

    assert unique_nearest(1) > unique_nearest(EPOCHS)


def test_control_background_appears_at_the_control_epoch(tmp_path: Path) -> None:
    epochs = 3
    root = write_demo_workspace(tmp_path / "ws", count=1, epochs=epochs, prompts=2)
    green = srgb_to_oklab(np.array(CONTROL_BACKGROUNDS[control_for_prompt(1)], np.uint8))

    def corner_gap(epoch: int) -> float:
        path = next((root / "samples" / f"epoch_{epoch:02d}").glob(f"*_e{epoch:06d}_01_*.png"))
        with Image.open(path) as img:
            corner = np.asarray(img)[5:40, 5:40].reshape(-1, 3)
        return float(
            np.sqrt(((srgb_to_oklab(np.median(corner, axis=0).astype(np.uint8)) - green) ** 2).sum())
        )

    first = control_epoch(epochs)
    assert 1 < first <= epochs
    assert corner_gap(epochs) < 0.05
    assert corner_gap(1) > 0.1


def test_workspace_discovery_finds_every_part(demo: Path) -> None:
    workspace = discover(demo)
    assert workspace.images_dir == demo / IMAGES_DIRNAME
    assert workspace.config_path == demo / "training_config.toml"
    assert [p.name for p in workspace.sample_dirs] == [f"epoch_{e:02d}" for e in range(1, EPOCHS + 1)]


def test_refuses_a_folder_with_other_things_in_it(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(DemoError, match="not empty"):
        write_demo_workspace(tmp_path, count=1, epochs=1, prompts=1)
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]
    with pytest.raises(DemoError):
        write_demo_workspace(tmp_path / "new", count=0)


def test_rewrites_an_earlier_demo(tmp_path: Path) -> None:
    root = write_demo_workspace(tmp_path / "ws", count=2, epochs=1, prompts=1)
    before = _files(root)
    write_demo_workspace(root, count=2, epochs=1, prompts=1)
    assert _files(root) == before


def test_progress_and_cancel(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    write_demo_workspace(
        tmp_path / "full", count=3, epochs=2, prompts=2, progress=lambda d, t, m: seen.append((d, t))
    )
    total = 3 + 2 * 2 + 2
    assert seen[-1] == (total, total)
    assert all(t == total for _, t in seen)

    flag = CancelFlag()

    def stop_after_config(done: int, total: int, message: str) -> None:
        if done >= 2:
            flag.set()

    root = write_demo_workspace(
        tmp_path / "cancelled", count=40, epochs=3, prompts=3, progress=stop_after_config, cancelled=flag
    )
    written = list((root / IMAGES_DIRNAME).glob("*.png"))
    assert len(written) < 40
    assert not list((root / "samples").rglob("*.png"))
    assert not [p for p in root.rglob("*") if p.name.startswith(TEMP_PREFIX)]


def test_cli_writes_and_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cli"
    assert main(["demo", str(target), "--count", "2", "--epochs", "1", "--prompts", "1"]) == 0
    assert len(list((target / IMAGES_DIRNAME).glob("*.png"))) == 2
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.png").write_bytes(b"")
    assert main(["demo", str(other)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not empty" in err and len(err.strip().splitlines()) == 1


def test_demo_records_its_ground_truth(demo: Path) -> None:
    truth = read_demo_truth(demo)
    assert (truth["count"], truth["epochs"], truth["prompts"]) == (COUNT, EPOCHS, PROMPTS)
    images = truth["images"]
    assert [Path(i["image"]).name for i in images] == sorted(
        p.name for p in (demo / IMAGES_DIRNAME).glob("*.png")
    )
    for index, entry in enumerate(images):
        portrait = draw_portrait(index)
        assert entry["mistakes"] == list(portrait.mistakes) and entry["hex_codes"] == portrait.hex_codes
    samples = truth["samples"]
    assert len(samples) == EPOCHS * PROMPTS
    for entry in samples:
        assert (demo / entry["image"]).is_file()
        assert 1 <= len(entry["stray_cells"]) <= 16
        assert all(0 <= x < 24 and 0 <= y < 24 for x, y in entry["stray_cells"])
    last = [s for s in samples if s["epoch"] == EPOCHS]
    assert all(len(s["stray_cells"]) <= 3 for s in last)
    assert read_demo_truth(demo / IMAGES_DIRNAME) == {}
