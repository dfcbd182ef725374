"""The demo workspace: a small, deterministic copy of a real training setup.

``write_demo_workspace(dest)`` writes, all made by the project's own code::

    training_data/10_bespoke/NNN_<name>.png   512x512 nearest-neighbour upscales of 24x24
                                   portraits (sd-scripts' "<repeats>_<name>" folder form)
    training_data/10_bespoke/NNN_<name>.txt   kohya-style captions (some with hex codes and mistakes)
    training_config.toml           an sd-scripts --config_file, commented like the real one
    prompts.txt                    the sample prompts, in sd-scripts' prompt-file form
    samples/epoch_NN/bespoke_demo_e0000NN_PP_<timestamp>.png
                                   every prompt at every epoch, degraded the way a diffusion
                                   model draws pixel art, less at later epochs
    .bespoke-demo.json             marks the folder as a demo (so it may be written again) and
                                   records the ground truth: each caption's planted mistakes,
                                   each sample's stray cells, grid drift and strength

The same call writes byte-identical files (fixed seeds, fixed timestamps, Pillow's PNG
writer stores no time). Every file is written atomically.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from bespoke_gui.core.demo.degrade import degrade_like_diffusion, upscale_nearest
from bespoke_gui.core.demo.portraits import Portrait, draw_portrait
from bespoke_gui.core.files import atomic_write_bytes, atomic_write_text
from bespoke_gui.core.jobs import CancelFn, ProgressFn, map_items, never_cancelled, no_progress

OUTPUT_NAME = "bespoke_demo"
TRAIN_DATA_DIRNAME = "training_data"
# sd-scripts reads train_data_dir's "<repeats>_<name>" subfolders, never loose images.
IMAGES_DIRNAME = "training_data/10_bespoke"
CONFIG_NAME = "training_config.toml"
PROMPTS_NAME = "prompts.txt"
SAMPLES_DIRNAME = "samples"
MARKER_NAME = ".bespoke-demo.json"
IMAGE_SIZE = 512
SAMPLE_STEPS = 30
SAMPLE_SCALE = 7.5
# Seeds: training portraits use their index; prompts and samples sit in ranges of their own.
PROMPT_SEED_BASE = 1000
SAMPLE_SEED_BASE = 100_000
# Sample timestamps start here; an epoch takes about seven minutes, a sample a few seconds.
FIRST_SAMPLE_TIME = datetime(2026, 1, 15, 9, 0, 0)
EPOCH_DURATION = timedelta(minutes=6, seconds=40)
SAMPLE_DURATION = timedelta(seconds=4)
# Prompts with these indices (cycling) ask for a control background colour.
_CONTROL_CYCLE = ("green", "blue", "purple")
# The strongest degradation (first epoch) and the weakest (last): never perfectly clean.
FIRST_EPOCH_STRENGTH = 0.8
LAST_EPOCH_STRENGTH = 0.09


class DemoError(Exception):
    """The demo cannot be written where asked; the message is one line a user can read."""


@dataclass(frozen=True)
class SamplePlan:
    """One sample image to write: which prompt, which epoch, how degraded, where."""

    epoch: int
    prompt: int
    strength: float
    seed: int
    path: Path
    control_reached: bool


def image_name(index: int, portrait: Portrait) -> str:
    return f"{index:03d}_{portrait.name}"


def sample_name(epoch: int, prompt: int, when: datetime, output_name: str = OUTPUT_NAME) -> str:
    """sd-scripts' sample name: ``{output_name}_e{epoch:06d}_{prompt:02d}_{%Y%m%d%H%M%S}.png``."""
    return f"{output_name}_e{epoch:06d}_{prompt:02d}_{when.strftime('%Y%m%d%H%M%S')}.png"


def sample_time(epoch: int, prompt: int) -> datetime:
    return FIRST_SAMPLE_TIME + (epoch - 1) * EPOCH_DURATION + prompt * SAMPLE_DURATION


def epoch_strength(epoch: int, epochs: int) -> float:
    """Degradation for ``epoch`` of ``epochs``: messy at first, nearly clean at the end."""
    if epochs <= 1:
        return LAST_EPOCH_STRENGTH
    t = (epoch - 1) / (epochs - 1)
    # Fast early progress, a slow tail: training looks like this.
    return LAST_EPOCH_STRENGTH + (FIRST_EPOCH_STRENGTH - LAST_EPOCH_STRENGTH) * (1.0 - t) ** 1.5


def control_for_prompt(prompt: int) -> str | None:
    """Every third prompt (1, 4, 7...) tests a background colour, as the real plan did."""
    if prompt % 3 != 1:
        return None
    return _CONTROL_CYCLE[(prompt // 3) % len(_CONTROL_CYCLE)]


def control_epoch(epochs: int) -> int:
    """The epoch from which control prompts get their background right (the plan saw 5-7 of 9)."""
    return max(1, int(np.ceil(epochs * 0.6)))


@lru_cache(maxsize=512)
def prompt_portrait(prompt: int, reached: bool = True) -> Portrait:
    """The portrait prompt ``prompt`` describes; before the control epoch, its own background.

    Cached: every epoch draws the same prompts (callers must not change the pixels)."""
    control = control_for_prompt(prompt)
    return draw_portrait(
        PROMPT_SEED_BASE + prompt,
        control_background=control if reached else None,
        caption_mistakes=False,
    )


def prompt_line(prompt: int) -> str:
    portrait = prompt_portrait(prompt)
    return (
        f"{portrait.caption} --w {IMAGE_SIZE} --h {IMAGE_SIZE} --d {PROMPT_SEED_BASE + prompt}"
        f" --s {SAMPLE_STEPS} --l {SAMPLE_SCALE}"
    )


def prompts_text(prompts: int) -> str:
    header = "# Sample prompts for sd-scripts (--sample_prompts): one prompt per line, options after it.\n"
    return header + "".join(prompt_line(p) + "\n" for p in range(prompts))


def config_text(epochs: int, images: int) -> str:
    """An sd-scripts ``--config_file`` modelled on a real 512px pixel-art LoRA config."""
    return f"""# ============================================================================
# SD15 LoRA Training Config - Bespoke GUI demo workspace
# ============================================================================
#
# Written by `bespoke-gui demo`: {images} procedurally drawn 24x24 portraits,
# upscaled to 512x512 with nearest neighbour, captions in training_data/10_bespoke/*.txt.
# Run with: accelerate launch train_network.py --config_file training_config.toml
# ============================================================================

[general]
enable_bucket = true
bucket_resolution = 512
min_bucket_reso = 256
max_bucket_reso = 1024
bucket_no_upscale = true

[model_arguments]
pretrained_model_name_or_path = "runwayml/stable-diffusion-v1-5"
v2 = false
v_parameterization = false

[network_arguments]
network_module = "networks.lora"
network_dim = 32              # proven for pixel art
network_alpha = 16
network_train_unet_only = false
network_train_text_encoder_only = false

[training_arguments]
output_dir = "output"
output_name = "{OUTPUT_NAME}"
save_precision = "fp16"
save_model_as = "safetensors"

# Training settings
max_train_epochs = {epochs}
train_batch_size = 4
gradient_accumulation_steps = 1
mixed_precision = "bf16"
xformers = true
sdpa = false

# Optimizer settings
optimizer_type = "AdamW8bit"
learning_rate = 1e-4
unet_lr = 1e-4
text_encoder_lr = 5e-5
lr_scheduler = "cosine_with_restarts"
lr_warmup_steps = 100
lr_scheduler_num_cycles = 3

# Dataset settings
train_data_dir = "{TRAIN_DATA_DIRNAME}"
resolution = "512,512"
shuffle_caption = true
keep_tokens = 1               # the trigger phrase stays first when captions shuffle
caption_dropout_rate = 0.02
caption_dropout_every_n_epochs = 0
max_token_length = 225
caption_extension = ".txt"

# Regularization
prior_loss_weight = 1.0
min_snr_gamma = 5.0

# Logging and saving
logging_dir = "logs"
log_prefix = "demo"
save_every_n_epochs = 1       # keep every epoch for comparison
save_state = false

# Samples: every prompt at every epoch, into output/sample/
sample_every_n_epochs = 1
sample_prompts = "{PROMPTS_NAME}"
sample_sampler = "euler_a"

# Memory optimization
gradient_checkpointing = true
cache_latents = true
cache_latents_to_disk = false

# Augmentation settings
noise_offset = 0.05
multires_noise_iterations = 6
multires_noise_discount = 0.3

# Reproducibility
seed = 42
"""


def _png_bytes(pixels: np.ndarray, compress_level: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="RGB").save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()


def _check_destination(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise DemoError(f"{dest}: exists and is not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / MARKER_NAME).is_file():
        raise DemoError(f"{dest}: folder is not empty; choose a new or empty folder for the demo")


def _write_training_pair(task: tuple[Path, int]) -> dict[str, object]:
    folder, index = task
    portrait = draw_portrait(index)
    stem = image_name(index, portrait)
    # Nearest-neighbour upscales compress well; level 6 is Pillow's default.
    atomic_write_bytes(folder / f"{stem}.png", _png_bytes(upscale_nearest(portrait.pixels, IMAGE_SIZE), 6))
    atomic_write_text(folder / f"{stem}.txt", portrait.caption + "\n")
    return {
        "image": f"{IMAGES_DIRNAME}/{stem}.png",
        "seed": portrait.seed,
        "hex_codes": portrait.hex_codes,
        "mistakes": list(portrait.mistakes),
    }


def _write_sample(plan: SamplePlan, root: Path) -> dict[str, object]:
    portrait = prompt_portrait(plan.prompt, reached=plan.control_reached)
    result = degrade_like_diffusion(portrait.pixels, plan.strength, plan.seed, size=IMAGE_SIZE)
    # Noisy samples barely compress: a fast level keeps the demo quick at the same size.
    atomic_write_bytes(plan.path, _png_bytes(result.image, 1))
    return {
        "image": plan.path.relative_to(root).as_posix(),
        "epoch": plan.epoch,
        "prompt": plan.prompt,
        "strength": plan.strength,
        "seed": plan.seed,
        "background_right": plan.control_reached or control_for_prompt(plan.prompt) is None,
        "stray_cells": [list(cell) for cell in result.stray_cells],
        "grid_offset": [round(v, 4) for v in result.grid_offset],
        "grid_scale": round(result.grid_scale, 6),
    }


def sample_plans(dest: Path, epochs: int, prompts: int) -> list[SamplePlan]:
    plans = []
    reached_from = control_epoch(epochs)
    for epoch in range(1, epochs + 1):
        folder = dest / SAMPLES_DIRNAME / f"epoch_{epoch:02d}"
        for prompt in range(prompts):
            plans.append(
                SamplePlan(
                    epoch=epoch,
                    prompt=prompt,
                    strength=round(epoch_strength(epoch, epochs), 4),
                    seed=SAMPLE_SEED_BASE + epoch * 100 + prompt,
                    path=folder / sample_name(epoch, prompt, sample_time(epoch, prompt)),
                    control_reached=epoch >= reached_from,
                )
            )
    return plans


def write_demo_workspace(
    dest: Path,
    count: int = 48,
    epochs: int = 8,
    prompts: int = 7,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> Path:
    """Write the demo workspace into ``dest`` (new, empty, or an earlier demo) and return it.

    Raises :class:`DemoError` when ``dest`` holds something else or the numbers make no
    sense. A cancel stops between files; every file written is complete. Writing over an
    earlier demo with smaller numbers leaves that demo's extra files in place.
    """
    dest = Path(dest)
    if count < 1 or epochs < 1 or prompts < 1:
        raise DemoError("count, epochs and prompts must be at least 1")
    if count > 1000 or epochs > 99 or prompts > 99:
        raise DemoError("at most 1000 images, 99 epochs and 99 prompts")
    _check_destination(dest)
    images_dir = dest / IMAGES_DIRNAME
    images_dir.mkdir(parents=True, exist_ok=True)
    plans = sample_plans(dest, epochs, prompts)
    for folder in dict.fromkeys(plan.path.parent for plan in plans):
        folder.mkdir(parents=True, exist_ok=True)
    marker: dict[str, object] = {
        "generator": "bespoke-gui demo",
        "count": count,
        "epochs": epochs,
        "prompts": prompts,
    }
    # Written first, so that a cancelled or failed demo can be written again.
    atomic_write_text(dest / MARKER_NAME, json.dumps(marker, indent=1) + "\n")

    total = count + len(plans) + 2
    done = 0

    def forward(step: int, _total: int, message: str) -> None:
        progress(done + step, total, message)

    atomic_write_text(dest / CONFIG_NAME, config_text(epochs, count))
    atomic_write_text(dest / PROMPTS_NAME, prompts_text(prompts))
    done = 2
    progress(done, total, CONFIG_NAME)
    pairs = map_items(
        _write_training_pair,
        [(images_dir, i) for i in range(count)],
        forward,
        cancelled,
        label=lambda task: f"{IMAGES_DIRNAME}/{task[1]:03d}",
        message="",
    )
    _raise_first(pairs.errors)
    done += count
    if pairs.cancelled or cancelled():
        return dest
    samples = map_items(
        lambda plan: _write_sample(plan, dest),
        plans,
        forward,
        cancelled,
        label=lambda plan: str(plan.path.relative_to(dest)),
    )
    _raise_first(samples.errors)
    if not samples.cancelled:
        marker["images"] = pairs.results
        marker["samples"] = samples.results
        atomic_write_text(dest / MARKER_NAME, json.dumps(marker, indent=1) + "\n")
    progress(total, total, "done")
    return dest


def read_demo_truth(root: Path) -> dict[str, object]:
    """The ground truth a demo recorded (see the module docstring); {} when ``root`` is no demo."""
    try:
        return json.loads((Path(root) / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _raise_first(errors: list) -> None:
    # A demo with holes is no demo: the first failure (a full disk, a read-only folder) stops it.
    if errors:
        extra = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DemoError(f"{errors[0]}{extra}")


__all__ = [
    "OUTPUT_NAME",
    "DemoError",
    "SamplePlan",
    "control_epoch",
    "control_for_prompt",
    "epoch_strength",
    "image_name",
    "prompt_portrait",
    "read_demo_truth",
    "sample_name",
    "sample_plans",
    "write_demo_workspace",
]
