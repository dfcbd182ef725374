"""Step and cost estimate: sd-scripts' own arithmetic, real workspaces, the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bespoke_gui.cli import main
from bespoke_gui.core.config.estimate import bucket_for, default_timing, estimate, estimate_workspace
from bespoke_gui.core.config.estimate_inputs import RunSettings, Subset
from bespoke_gui.core.config.estimate_pace import Timing

TIMING = Timing(1.0, "test", 2.0, "test")


def _one(images: int, repeats: int = 10, size: tuple[int, int] = (256, 256)) -> list[Subset]:
    return [Subset("10_x", repeats, (size,) * images)]


def test_issue_figures_batch_4() -> None:
    settings = RunSettings(train_batch_size=4, max_train_epochs=8, resolution=(256, 256), enable_bucket=True)
    result = estimate(settings, _one(203), TIMING)
    # 2030 image-repeats / 4 = 507.5 -> 508 batches (rounded up in the bucket)
    assert (result.images, result.batches_per_epoch, result.steps_per_epoch, result.total_steps) == (
        203,
        508,
        508,
        4064,
    )
    assert result.hours == pytest.approx(4064 / 3600) and result.cost == pytest.approx(2 * 4064 / 3600)


def test_accumulation_rounds_up_after_batching() -> None:
    settings = RunSettings(train_batch_size=1, gradient_accumulation_steps=4, max_train_epochs=10)
    result = estimate(settings, _one(203), TIMING)
    assert (result.batches_per_epoch, result.steps_per_epoch, result.total_steps) == (2030, 508, 5080)


def test_rounding_is_per_bucket() -> None:
    settings = RunSettings(
        train_batch_size=4,
        max_train_epochs=1,
        resolution=(512, 512),
        enable_bucket=True,
        bucket_no_upscale=True,
    )
    subsets = [Subset("1_a", 1, ((512, 512),) * 5 + ((512, 384),) * 5)]
    result = estimate(settings, subsets, TIMING)
    assert result.buckets == {"512x384": 5, "512x512": 5}
    assert result.batches_per_epoch == 4  # 2 + 2, where one bucket of 10 would give 3


def test_max_train_steps_when_no_epochs_and_overridden_by_epochs() -> None:
    result = estimate(
        RunSettings(train_batch_size=4, max_train_steps=1000, max_train_steps_set=True), _one(203), TIMING
    )
    assert (result.total_steps, result.epochs) == (1000, 2)
    default = estimate(RunSettings(train_batch_size=4), _one(203), TIMING)
    assert (default.total_steps, default.epochs) == (1600, 4)
    both = estimate(
        RunSettings(train_batch_size=4, max_train_steps=1000, max_train_steps_set=True, max_train_epochs=3),
        _one(203),
        TIMING,
    )
    assert both.total_steps == 3 * 508
    assert any("max_train_steps = 1000 is overridden" in a for a in both.assumptions)


def test_samples_and_checkpoints() -> None:
    settings = RunSettings(
        train_batch_size=4,
        max_train_epochs=8,
        sample_every_n_epochs=2,
        sample_every_n_steps=10,  # ignored when epochs are set, as sd-scripts does
        sample_at_first=True,
        save_every_n_epochs=3,
    )
    result = estimate(settings, _one(203), TIMING, prompts=7)
    assert result.samples == (1 + 4) * 7
    assert result.checkpoints == 2 + 1  # epochs 3 and 6, then the final model
    every = estimate(RunSettings(max_train_epochs=8, save_every_n_epochs=1), _one(10), TIMING)
    assert every.checkpoints == 8 and every.samples == 0


def test_buckets_follow_sd_scripts() -> None:
    no_upscale = RunSettings(resolution=(256, 256), enable_bucket=True, bucket_no_upscale=True)
    assert bucket_for((512, 512), no_upscale, []) == (256, 256)
    assert bucket_for((200, 130), no_upscale, []) == (192, 128)
    off = RunSettings(resolution=(512, 512))
    assert bucket_for((300, 700), off, []) == (512, 512)


def test_real_workspace_estimate(realdata: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(realdata / "bespokebaby2" / "training_data_512", ws / "training_data" / "10_bespoke")
    configs = realdata / "configs"
    shutil.copy(
        configs / "bespokebaby2__runpod_package_FIXED__training_config.toml", ws / "training_config.toml"
    )
    assert main(["estimate", str(ws), "--json", "--seconds-per-step", "2", "--price", "1.69"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert {k: figures[k] for k in ("images", "repeats", "steps_per_epoch", "total_steps")} == {
        "images": 203,
        "repeats": 10,
        "steps_per_epoch": 508,
        "total_steps": 4064,
    }
    assert figures["hours"] == pytest.approx(4064 * 2 / 3600, abs=1e-3)
    assert figures["cost"] == pytest.approx(4064 * 2 / 3600 * 1.69, abs=0.01)
    assert set(figures) >= {"samples", "checkpoints", "hours", "cost"}
    # The config file itself names the workspace too (it said "not a folder").
    assert main(["estimate", str(ws / "training_config.toml"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_steps"] == 4064
    old = configs / "bespokebaby2__runpod_package__training_config@aa70433.toml"
    result = estimate_workspace(ws, config=old)
    assert (result.steps_per_epoch, result.total_steps) == (508, 5080)
    assert any("TOML integer" in a for a in result.assumptions)


def test_timing_table_and_user_figure() -> None:
    settings = RunSettings(train_batch_size=4, resolution=(256, 256))
    table = default_timing(settings)
    assert "guess" in table.source and table.seconds_per_step == pytest.approx(0.32)
    assert default_timing(settings, seconds_per_step=3.0).source == "set by you"


def test_demo_workspace_offers_measured_pace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bespoke_gui.core.demo.demo_workspace import write_demo_workspace

    ws = write_demo_workspace(tmp_path / "demo", count=4, epochs=3, prompts=2)
    assert main(["estimate", str(ws)]) == 0
    text = capsys.readouterr().out
    assert "measured:" in text and "s/epoch" in text
    assert "samples:         6" in text  # 3 epochs x 2 prompts
