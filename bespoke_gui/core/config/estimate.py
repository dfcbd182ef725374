"""How long a training run will take and what it will cost, computed as sd-scripts computes it.

sd-scripts (``train_network.py``, ``library/train_util.py``):

* Each ``<repeats>_<name>`` subset puts every image into its bucket ``repeats`` times
  (``BaseDataset.make_buckets``); a bucket gives ``ceil(len(bucket) / train_batch_size)``
  batches, so rounding up happens per bucket, and ``len(dataset)`` is the sum.
* The data loader runs with ``batch_size=1`` over those batches; optimizer steps per epoch
  are ``ceil(len(train_dataloader) / num_processes / gradient_accumulation_steps)``.
* ``max_train_epochs``, when set, overrides ``max_train_steps`` (epochs x steps per epoch);
  otherwise ``max_train_steps`` (default 1600) runs and the epochs are
  ``ceil(max_train_steps / steps per epoch)``.
* Samples: every ``sample_every_n_epochs``-th epoch end (``sample_every_n_steps`` is then
  ignored), else every ``sample_every_n_steps``-th step, plus one set before training with
  ``sample_at_first``; each time, one image per prompt.
* Checkpoints: every ``save_every_n_epochs``-th epoch before the last, every
  ``save_every_n_steps``-th step, and the final model.

Time comes from a seconds-per-step figure (set by the user, or a typical figure from the
table in ``estimate_pace``, each with its source or marked as a guess) and money from a price
per hour; every assumption is listed with the figures. What the estimate reads (settings,
image sizes, prompts) is gathered in ``estimate_inputs``.
"""

from __future__ import annotations

import math
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bespoke_gui.core.config.estimate_inputs import (
    RunSettings,
    Subset,
    settings_from_config,
    workspace_inputs,
)
from bespoke_gui.core.config.estimate_pace import (
    DEFAULT_GPU,
    DEFAULT_PRICE_PER_HOUR,
    MeasuredPace,
    Timing,
    known_gpus,
    pace_from_folders,
    typical_figure,
)


class EstimateError(Exception):
    """The estimate cannot be made; the message is one line a user can read."""


# ---------------------------------------------------------------- buckets


def _round_to_steps(x: float, steps: int) -> int:
    value = int(x + 0.5)
    return value - value % steps


def _predefined_resos(settings: RunSettings) -> list[tuple[int, int]]:
    """sd-scripts' ``make_bucket_resolutions``: the square plus every width/height pair in range."""
    assert settings.resolution is not None
    max_area = settings.resolution[0] * settings.resolution[1]
    step = settings.bucket_reso_steps
    resos = {(int(math.sqrt(max_area) // step) * step,) * 2}
    width = settings.min_bucket_reso
    while width <= settings.max_bucket_reso:
        height = min(settings.max_bucket_reso, int((max_area // width) // step) * step)
        if height >= settings.min_bucket_reso:
            resos.add((width, height))
            resos.add((height, width))
        width += step
    return sorted(resos)


def bucket_for(
    size: tuple[int, int], settings: RunSettings, predefined: list[tuple[int, int]]
) -> tuple[int, int]:
    """The bucket sd-scripts' ``BucketManager.select_bucket`` puts an image of ``size`` in."""
    if settings.resolution is None:
        return size
    if not settings.enable_bucket:
        return settings.resolution
    width, height = size
    aspect = width / height
    step = settings.bucket_reso_steps
    if not settings.bucket_no_upscale:
        if size in predefined:
            return size
        return min(predefined, key=lambda r: abs(r[0] / r[1] - aspect))
    max_area = settings.resolution[0] * settings.resolution[1]
    if width * height > max_area:
        resized_width = math.sqrt(max_area * aspect)
        resized_height = max_area / resized_width
        width_rounded = _round_to_steps(resized_width, step)
        height_in_wr = _round_to_steps(width_rounded / aspect, step)
        height_rounded = _round_to_steps(resized_height, step)
        width_in_hr = _round_to_steps(height_rounded * aspect, step)
        ar_width = width_rounded / height_in_wr if height_in_wr else math.inf
        ar_height = width_in_hr / height_rounded if height_rounded else math.inf
        if abs(ar_width - aspect) < abs(ar_height - aspect):
            resized = (width_rounded, int(width_rounded / aspect + 0.5))
        else:
            resized = (int(height_rounded * aspect + 0.5), height_rounded)
    else:
        resized = (width, height)
    return (resized[0] - resized[0] % step, resized[1] - resized[1] % step)


# ---------------------------------------------------------------- the estimate


@dataclass
class Estimate:
    images: int
    repeats: int | None  # None when subsets differ
    image_repeats: int
    buckets: dict[str, int]
    batches_per_epoch: int
    steps_per_epoch: int
    epochs: int
    total_steps: int
    samples: int
    checkpoints: int
    seconds_per_step: float
    hours: float
    price_per_hour: float
    cost: float
    assumptions: list[str] = field(default_factory=list)
    measured: MeasuredPace | None = None

    @property
    def measured_hours(self) -> float | None:
        return self.measured.seconds_per_epoch * self.epochs / 3600 if self.measured else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "images": self.images,
            "repeats": self.repeats,
            "image_repeats": self.image_repeats,
            "buckets": self.buckets,
            "batches_per_epoch": self.batches_per_epoch,
            "steps_per_epoch": self.steps_per_epoch,
            "epochs": self.epochs,
            "total_steps": self.total_steps,
            "samples": self.samples,
            "checkpoints": self.checkpoints,
            "seconds_per_step": self.seconds_per_step,
            "hours": round(self.hours, 3),
            "price_per_hour": self.price_per_hour,
            "cost": round(self.cost, 2),
            "assumptions": list(self.assumptions),
        }
        if self.measured is not None:
            out["measured_seconds_per_epoch"] = round(self.measured.seconds_per_epoch, 1)
            out["measured_hours"] = round(self.measured_hours or 0.0, 3)
            out["measured_cost"] = round((self.measured_hours or 0.0) * self.price_per_hour, 2)
        return out

    def lines(self) -> list[str]:
        repeats = "various" if self.repeats is None else str(self.repeats)
        out = [
            f"images:          {self.images} x {repeats} repeats = {self.image_repeats} per epoch",
            f"buckets:         {', '.join(f'{k}: {v}' for k, v in self.buckets.items()) or 'none'}",
            f"batches/epoch:   {self.batches_per_epoch}",
            f"steps/epoch:     {self.steps_per_epoch:,}",
            f"epochs:          {self.epochs}",
            f"total steps:     {self.total_steps:,}",
            f"samples:         {self.samples}",
            f"checkpoints:     {self.checkpoints}",
            f"time:            {self.hours:.1f} h at {self.seconds_per_step:g} s/step",
            f"cost:            ${self.cost:.2f} at ${self.price_per_hour:g}/h",
        ]
        if self.measured is not None:
            out.append(
                f"measured:        {self.measured.seconds_per_epoch:.0f} s/epoch in {self.measured.folder} "
                f"-> {self.measured_hours:.1f} h, ${(self.measured_hours or 0) * self.price_per_hour:.2f} "
                "(if this run's epochs are as long)"
            )
        out.append("assumptions:")
        out += [f"  - {a}" for a in self.assumptions]
        return out


def estimate(
    settings: RunSettings,
    subsets: Iterable[Subset],
    timing: Timing,
    prompts: int | None = None,
    measured: MeasuredPace | None = None,
) -> Estimate:
    """The figures for one run (pure: no files read, so the Config tab can call it per keystroke)."""
    subsets = list(subsets)
    notes: list[str] = []
    predefined = _predefined_resos(settings) if settings.enable_bucket and settings.resolution else []
    buckets: Counter[tuple[int, int]] = Counter()
    for subset in subsets:
        for size in subset.sizes:
            buckets[bucket_for(size, settings, predefined)] += subset.repeats
        if subset.repeats_assumed:
            notes.append(f"{subset.name}: not a <repeats>_<name> folder; {subset.repeats} repeats assumed")
    images = sum(len(s.sizes) for s in subsets)
    image_repeats = sum(buckets.values())
    batch = settings.train_batch_size
    batches = sum(math.ceil(count / batch) for count in buckets.values())
    if settings.reg_data_dir:
        # sd-scripts pairs every training image with a regularisation image (repeats included).
        notes.append(
            f"reg_data_dir is set: sd-scripts adds as many regularisation images as training images; "
            f"batches doubled ({batches} -> {2 * batches}), assuming the same buckets"
        )
        batches *= 2
    accum = settings.gradient_accumulation_steps
    steps_per_epoch = math.ceil(batches / accum) if batches else 0
    notes.append(
        f"{image_repeats} image-repeats in {len(buckets)} bucket(s), batch {batch}: "
        f"{batches} batches (each bucket rounds up on its own); "
        f"/ {accum} gradient accumulation step(s), rounded up: {steps_per_epoch} steps per epoch"
    )
    notes.append("one GPU (accelerate num_processes = 1)")
    if settings.max_train_epochs is not None:
        epochs = settings.max_train_epochs
        total = epochs * steps_per_epoch
        overridden = (
            f"; max_train_steps = {settings.max_train_steps} is overridden"
            if settings.max_train_steps_set
            else ""
        )
        notes.append(f"max_train_epochs = {epochs} sets the steps: {epochs} x {steps_per_epoch}{overridden}")
    else:
        total = settings.max_train_steps
        epochs = math.ceil(total / steps_per_epoch) if steps_per_epoch else 0
        which = "max_train_steps" if settings.max_train_steps_set else "sd-scripts' default max_train_steps"
        notes.append(f"no max_train_epochs: {which} = {total} steps, {epochs} epoch(s)")
    if settings.resolution is None:
        notes.append("no readable resolution: each image is its own bucket")
    elif settings.resolution_is_int:
        notes.append(
            f"resolution is the TOML integer {settings.resolution[0]}: sd-scripts expects a string "
            '("512,512") and stops on it; counted as if it were that string'
        )
    # ---- samples
    events = 1 if settings.sample_at_first else 0
    if settings.sample_every_n_epochs:
        events += epochs // settings.sample_every_n_epochs
    elif settings.sample_every_n_steps:
        events += total // settings.sample_every_n_steps
    if events and prompts is None:
        notes.append("the prompts file was not found: samples counted as 1 per sampling")
    per_event = prompts if prompts is not None else 1
    samples = events * per_event
    if not events:
        notes.append("no sample_every_n_epochs / sample_every_n_steps: no samples")
    # ---- checkpoints
    checkpoints = 1  # the final model, always
    if settings.save_every_n_epochs:
        checkpoints += (max(epochs - 1, 0)) // settings.save_every_n_epochs
    if settings.save_every_n_steps:
        checkpoints += total // settings.save_every_n_steps
        notes.append("save_every_n_steps counted at every multiple of it")
    # ---- time and money
    hours = total * timing.seconds_per_step / 3600
    notes.append(f"{timing.seconds_per_step:g} s per step: {timing.source}")
    notes.append("time counts training steps only (model loading, latent caching and sampling add to it)")
    notes.append(f"${timing.price_per_hour:g} per hour: {timing.price_source}")
    repeats_set = {s.repeats for s in subsets}
    return Estimate(
        images=images,
        repeats=repeats_set.pop() if len(repeats_set) == 1 else None,
        image_repeats=image_repeats,
        buckets={f"{w}x{h}": n for (w, h), n in sorted(buckets.items())},
        batches_per_epoch=batches,
        steps_per_epoch=steps_per_epoch,
        epochs=epochs,
        total_steps=total,
        samples=samples,
        checkpoints=checkpoints,
        seconds_per_step=timing.seconds_per_step,
        hours=hours,
        price_per_hour=timing.price_per_hour,
        cost=hours * timing.price_per_hour,
        assumptions=notes,
        measured=measured,
    )


def default_timing(
    settings: RunSettings,
    seconds_per_step: float | None = None,
    price_per_hour: float | None = None,
    gpu: str | None = None,
) -> Timing:
    """The user's figure when set, else the table's for ``gpu`` at the config's resolution x batch."""
    price = price_per_hour if price_per_hour else DEFAULT_PRICE_PER_HOUR
    price_source = "set by you" if price_per_hour else "default: the plan's RunPod price"
    if seconds_per_step:
        return Timing(seconds_per_step, "set by you", price, price_source)
    name = gpu or DEFAULT_GPU
    resolution = max(settings.resolution) if settings.resolution else 512
    row = typical_figure(name, resolution)
    if row is None:
        raise EstimateError(f"no typical figure for {name!r}; known: {', '.join(known_gpus())}")
    images_per_step = settings.train_batch_size * settings.gradient_accumulation_steps
    per_step = round(row.seconds_per_image * images_per_step, 3)
    source = (
        f"{row.gpu} at {row.resolution} px, {row.seconds_per_image:g} s per image x {images_per_step} "
        f"images per step ({row.source}); set your own figure for a better estimate"
    )
    return Timing(per_step, source, price, price_source)


# ---------------------------------------------------------------- a workspace


def estimate_workspace(
    folder: str | Path,
    config: str | Path | None = None,
    seconds_per_step: float | None = None,
    price_per_hour: float | None = None,
    gpu: str | None = None,
    samples_dir: str | Path | None = None,
) -> Estimate:
    """The estimate for a workspace's config and images (reads image headers and sample names)."""
    from bespoke_gui.core.workspace import discover

    try:
        workspace = discover(folder)
    except NotADirectoryError as exc:
        raise EstimateError(str(exc)) from None
    config_path = Path(config).expanduser() if config else workspace.config_path
    if config_path is None:
        raise EstimateError(f"{workspace.root}: no training config found (name one with --config)")
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise EstimateError(f"{config_path}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise EstimateError(f"{config_path}: not valid TOML ({exc})") from None
    settings = settings_from_config(data)
    subsets, prompts = workspace_inputs(workspace, settings, config_path.parent)
    if not subsets or not any(s.sizes for s in subsets):
        raise EstimateError(f"{workspace.root}: no readable training images found")
    if samples_dir is not None:
        folder_path = Path(samples_dir).expanduser()
        if not folder_path.is_dir():
            raise EstimateError(f"{folder_path}: not a folder")
        measured = pace_from_folders([folder_path])
    else:
        measured = pace_from_folders(workspace.sample_dirs)
    timing = default_timing(settings, seconds_per_step, price_per_hour, gpu)
    return estimate(settings, subsets, timing, prompts, measured)
