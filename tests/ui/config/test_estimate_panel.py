"""The Config tab's live estimate: edits recompute at once; the 256 preset shows before/after."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bespoke_gui.core.config.presets import list_presets
from bespoke_gui.core.workspace import discover
from bespoke_gui.ui.bridge import JobRunner
from bespoke_gui.ui.config.tab import ConfigTab
from bespoke_gui.ui.context import AppContext

CONFIG = """\
[general]
enable_bucket = true
bucket_no_upscale = true
max_bucket_reso = 1024

[training_arguments]
resolution = "512,512"
max_train_epochs = 8
train_batch_size = 4
save_every_n_epochs = 1
caption_extension = ".txt"
train_data_dir = "training_data"
"""


@pytest.fixture
def runner():
    runner = JobRunner()
    yield runner
    runner.shutdown()


@pytest.fixture
def tab(qtbot, qt_settings, runner, tmp_path: Path) -> ConfigTab:
    root = tmp_path / "ws"
    images = root / "training_data" / "10_px"
    images.mkdir(parents=True)
    for index in range(203):
        Image.new("RGB", (512, 512), (index, 20, 20)).save(images / f"img_{index:03d}.png")
        (images / f"img_{index:03d}.txt").write_text("pixel art", encoding="utf-8")
    (root / "training_config.toml").write_text(CONFIG, encoding="utf-8")
    context = AppContext(runner, qt_settings)
    context.set_workspace(discover(root))
    widget = ConfigTab(context)
    qtbot.addWidget(widget)
    assert runner.wait_idle(30)
    return widget


def test_estimate_shows_sd_scripts_steps_and_follows_edits(tab: ConfigTab) -> None:
    panel = tab.estimate_panel
    assert panel.result is not None
    assert (panel.result.steps_per_epoch, panel.result.total_steps) == (508, 4064)
    assert "4,064" in panel.figures.text() and "508" in panel.figures.text()
    assert tab.set_value("training_arguments.max_train_epochs", "10")
    # At once: no job, no timer.
    assert panel.result.total_steps == 5080 and "5,080" in panel.figures.text()
    assert tab.set_value("training_arguments.train_batch_size", "1")
    assert panel.result.steps_per_epoch == 2030
    assert tab.set_value("training_arguments.gradient_accumulation_steps", "4")
    assert (panel.result.steps_per_epoch, panel.result.total_steps) == (508, 5080)
    assert panel.result.checkpoints == 10


def test_user_seconds_and_price_change_hours_and_cost(tab: ConfigTab) -> None:
    panel = tab.estimate_panel
    panel.seconds_spin.setValue(2.0)
    panel.price_spin.setValue(1.69)
    assert panel.result is not None and panel.result.hours == pytest.approx(4064 * 2 / 3600)
    assert "set by you" in panel.assumptions.text()
    panel.seconds_spin.setValue(0.0)  # back to the table: marked as a guess
    assert "guess" in panel.assumptions.text()


def test_256_preset_shows_before_and_after(tab: ConfigTab) -> None:
    preset = next(p for p in list_presets() if p.path.stem == "train_at_256px")
    dialog = tab.preview_preset(preset)
    assert dialog is not None
    text = dialog.estimate_label.text()
    before, after = text.splitlines()
    assert before.startswith("Estimate before:") and after.startswith("Estimate after:")
    assert "4,064 steps" in before
    dialog.reject()


def test_an_invalid_config_on_disk_says_why_there_is_no_estimate(
    qtbot, qt_settings, runner, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    images = root / "training_data" / "10_px"
    images.mkdir(parents=True)
    Image.new("RGB", (64, 64)).save(images / "a.png")
    (images / "a.txt").write_text("pixel art", encoding="utf-8")
    (root / "training_config.toml").write_text(CONFIG + "max_train_epochs = = 3\n", encoding="utf-8")
    context = AppContext(runner, qt_settings)
    context.set_workspace(discover(root))
    widget = ConfigTab(context)
    qtbot.addWidget(widget)
    assert runner.wait_idle(30)
    qtbot.waitUntil(lambda: "not valid TOML" in widget.estimate_panel.figures.text(), timeout=5000)
    assert widget.estimate_panel.result is None
