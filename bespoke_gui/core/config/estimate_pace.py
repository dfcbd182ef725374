"""How fast a run goes: typical seconds per step by GPU, and a previous run's measured pace.

A previous run's sample names carry timestamps (``..._YYYYmmddHHMMSS``): their spacing gives
that run's real seconds per epoch.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

DEFAULT_PRICE_PER_HOUR = 1.69  # the user's plan: RunPod, $1.69/h
DEFAULT_GPU = "RTX 4090"


@dataclass(frozen=True)
class GpuFigure:
    """A typical training speed: seconds per image (per batch element) at a resolution."""

    gpu: str
    resolution: int
    seconds_per_image: float
    source: str  # where the figure comes from, or "guess"


# Few public figures exist for SD1.5 LoRA at 256-512 px; the ones below that are not marked
# "guess" are reports for SDXL at 1024 px, listed for scale only (SD1.5 is several times faster).
TYPICAL_FIGURES: tuple[GpuFigure, ...] = (
    GpuFigure("RTX 4090", 512, 0.25, "guess (SD1.5 LoRA, gradient checkpointing, cached latents)"),
    GpuFigure("RTX 4090", 256, 0.08, "guess (a quarter of the pixels of 512, plus fixed overhead)"),
    GpuFigure("RTX 3090", 512, 0.40, "guess (SD1.5 LoRA, gradient checkpointing, cached latents)"),
    GpuFigure("RTX 3090", 256, 0.13, "guess"),
    GpuFigure("A100", 512, 0.20, "guess"),
    GpuFigure("A100", 256, 0.07, "guess"),
    GpuFigure(
        "RTX 4090", 1024, 1.2, "SDXL, batch 1: 1.13-1.21 s/it, github.com/bmaltais/kohya_ss/issues/1288"
    ),
    GpuFigure(
        "RTX 3090 Ti", 1024, 1.12, "SDXL, batch 1: 1.12 s/it, github.com/kohya-ss/sd-scripts/issues/827"
    ),
)


def typical_figure(gpu: str, resolution: int) -> GpuFigure | None:
    """The table's row for ``gpu`` nearest to ``resolution`` (None for an unknown GPU)."""
    rows = [row for row in TYPICAL_FIGURES if row.gpu.lower() == gpu.strip().lower()]
    if not rows:
        return None
    return min(rows, key=lambda row: abs(row.resolution - resolution))


def known_gpus() -> list[str]:
    return list(dict.fromkeys(row.gpu for row in TYPICAL_FIGURES))


@dataclass(frozen=True)
class Timing:
    seconds_per_step: float
    source: str  # what the figure is: "set by you", "RTX 4090 at 256 px: guess", ...
    price_per_hour: float = DEFAULT_PRICE_PER_HOUR
    price_source: str = "the plan's RunPod price"


@dataclass(frozen=True)
class MeasuredPace:
    """A previous run's real seconds per epoch, from its sample names' timestamps."""

    seconds_per_epoch: float
    epochs: int  # how many epoch-to-epoch gaps it is the median of (plus one)
    folder: str


def _timestamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S")
    except ValueError:
        return None


def pace_from_samples(paths: Iterable[Path], folder_label: str = "") -> MeasuredPace | None:
    """Seconds per epoch from sd-scripts sample names (``_e000003_00_20251110012345``).

    The first sample of each epoch is written right after that epoch ends, so the spacing
    of consecutive epochs' first timestamps is the time an epoch took (training, sampling and
    saving included): the median gap per epoch is returned. With samples of several runs
    (output names), the run with the most epochs counts.
    """
    from bespoke_gui.core.epochs.samples import parse_sample_name

    runs: dict[str, dict[int, datetime]] = {}
    for path in paths:
        parsed = parse_sample_name(path.name)
        if parsed.epoch is None or parsed.timestamp is None:
            continue
        when = _timestamp(parsed.timestamp)
        first = runs.setdefault(parsed.output_name or "", {})
        if when is not None and (parsed.epoch not in first or when < first[parsed.epoch]):
            first[parsed.epoch] = when
    if not runs:
        return None
    first = max(runs.values(), key=len)
    epochs = sorted(first)
    gaps = [
        (first[b] - first[a]).total_seconds() / (b - a)
        for a, b in zip(epochs, epochs[1:])
        if first[b] > first[a]
    ]
    if not gaps:
        return None
    return MeasuredPace(statistics.median(gaps), len(gaps) + 1, folder_label)


def pace_from_folders(folders: Iterable[Path]) -> MeasuredPace | None:
    """The pace of a run whose samples (in these folders, two levels deep) carry timestamps."""
    from bespoke_gui.core.workspace import IMAGE_EXTENSIONS

    folders = list(folders)
    paths: list[Path] = []
    for folder in folders:
        try:
            paths += [p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS]
        except OSError:
            continue
    label = str(folders[0]) if len(folders) == 1 else f"{len(folders)} sample folders"
    return pace_from_samples(paths, label)
