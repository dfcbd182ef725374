"""What the TOML config tests share: a sample with comments of every kind, the real configs."""

from __future__ import annotations

import difflib
from pathlib import Path

REAL_CONFIGS = Path(__file__).resolve().parents[3].parent / "shared" / "realdata" / "configs"
REAL_FILES = sorted(REAL_CONFIGS.glob("*.toml")) if REAL_CONFIGS.is_dir() else []

SAMPLE = """\
# run notes: keep this
[general]
enable_bucket = true
bucket_resolution = 512
max_bucket_reso = 1024   # bigger buckets

[training_arguments]
learning_rate = 1e-4          # KEEP - stable
max_train_epochs = 9              # CHANGED: 10 → 9 (Epoch 10 regressed)
resolution = "512,512"
caption_dropout_rate = 0.02   # REDUCED: 0.05 → 0.02
output_name = 'single_quoted'
network_args = [ "conv_dim=4", "conv_alpha=1",]
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path
