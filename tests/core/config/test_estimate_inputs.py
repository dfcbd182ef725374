"""What the estimate reads: the settings of real configs."""

from __future__ import annotations

import tomllib
from pathlib import Path

from bespoke_gui.core.config.estimate_inputs import settings_from_config


def test_settings_from_real_configs(realdata: Path) -> None:
    configs = realdata / "configs"
    data = tomllib.loads((configs / "bespokebaby2__runpod_package_FIXED__training_config.toml").read_text())
    s = settings_from_config(data)
    assert (s.train_batch_size, s.gradient_accumulation_steps, s.max_train_epochs) == (4, 1, 8)
    assert s.resolution == (256, 256) and s.enable_bucket and s.bucket_no_upscale
    old = settings_from_config(
        tomllib.loads((configs / "bespokebaby2__runpod_package__training_config@aa70433.toml").read_text())
    )
    assert (old.train_batch_size, old.gradient_accumulation_steps, old.max_train_epochs) == (1, 4, 10)
    assert old.resolution_is_int
