"""The Epochs analysis job: samples in, recovered art and metrics per image and per epoch out.

API (a job in the sense of ``core.jobs``; the Epochs tab runs it through the bridge):

    result = analyze_samples([Path("run/sample")], AnalysisSettings(), progress, cancelled)
    result.images      # list[ImageAnalysis] in sample order (run, epoch/step, prompt)
    result.errors      # list[Finding]: files that could not be analysed, one line each
    result.messages    # list[Finding]: names not understood, duplicates, notes
    result.epochs      # list[EpochSummary]: per run and epoch, with target checks
    result.best        # {run: EpochSummary}: the best epoch of each run (metrics.best_epochs)
    result.runs, result.prompts(run), result.columns(run), result.cell(run, prompt, column)

    item = result.images[0]
    item.sample        # SampleInfo (path, run, epoch, step, prompt, ...)
    item.recovery      # pixelgrid.Recovery (pixels 24x24x3, labels, palette, raw, grid, ...)
    item.metrics       # metrics.ImageMetrics (stray_score/stray_reason maps, unique_colors, ...)

``retarget(result, targets)`` recomputes the per-epoch checks with edited targets
without analysing again. ``load_sample_pixels(path)`` decodes one sample with the same
checks (for an inspector that shows the original); ``compare_pipelines(pixels)`` gives
every method's recovery of one image side by side. Images are decoded, recovered and
measured on all cores (``core.jobs.map_items``); the originals are not kept in memory.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from bespoke_gui.core.epochs.metrics import (
    EpochSummary,
    ImageMetrics,
    StraySettings,
    Targets,
    best_epochs,
    measure_image,
    summarise_epochs,
)
from bespoke_gui.core.epochs.pixelgrid import (
    DEFAULT_CELLS,
    DEFAULT_MERGE_THRESHOLD,
    METHODS,
    Recovery,
    downscale,
)
from bespoke_gui.core.epochs.samples import SampleInfo, collect_samples
from bespoke_gui.core.findings import Finding
from bespoke_gui.core.imageio import ImageLoadError, load_image
from bespoke_gui.core.jobs import (
    CancelFn,
    ProgressFn,
    default_workers,
    map_items,
    never_cancelled,
    no_progress,
)

# Sample images are 256 to 1024 px; 4096 leaves room and still decodes in memory.
MAX_SIDE = 4096


class SampleImageError(OSError):
    """A sample that cannot be analysed; the message is for the user.

    An OSError with the message as ``strerror``, so ``jobs.describe_exception`` shows
    just the message (as for ``imageio.ImageLoadError``).
    """

    def __init__(self, message: str) -> None:
        super().__init__(0, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


PROCESS_THRESHOLD = 16


@dataclass(frozen=True)
class AnalysisSettings:
    cells: int = DEFAULT_CELLS
    method: str = "grid"
    merge_threshold: float = DEFAULT_MERGE_THRESHOLD
    sharpen: bool = False
    strays: StraySettings = field(default_factory=StraySettings)
    targets: Targets = field(default_factory=Targets)
    workers: int | None = None
    max_side: int = MAX_SIDE
    # None: worker processes from PROCESS_THRESHOLD samples on. The analysis is mostly
    # Python; on threads it holds the GIL and makes the window's item views wait for it.
    processes: bool | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; choose one of {', '.join(METHODS)}")
        if self.cells < 1:
            raise ValueError("cells must be at least 1")


@dataclass(frozen=True)
class ImageAnalysis:
    sample: SampleInfo
    size: tuple[int, int]
    recovery: Recovery
    metrics: ImageMetrics
    notes: tuple[str, ...] = ()
    seconds: float = 0.0  # recovery + metrics, without decoding


@dataclass
class AnalysisResult:
    images: list[ImageAnalysis] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    messages: list[Finding] = field(default_factory=list)
    epochs: list[EpochSummary] = field(default_factory=list)
    best: dict[str, EpochSummary] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    cancelled: bool = False
    # The samples behind ``errors`` (same order), so a grid can still place a broken file.
    failed: list[SampleInfo] = field(default_factory=list)

    def for_run(self, run: str) -> list[ImageAnalysis]:
        return [item for item in self.images if item.sample.run == run]

    def prompts(self, run: str | None = None) -> list[str]:
        """Grid rows: prompt labels in prompt-index order."""
        keys: dict[str, tuple] = {}
        for item in self.images:
            if run is None or item.sample.run == run:
                s = item.sample
                keys.setdefault(
                    s.prompt, (s.prompt_index if s.prompt_index is not None else 1 << 30, s.prompt)
                )
        return sorted(keys, key=lambda p: keys[p])

    def columns(self, run: str | None = None) -> list[tuple[str, int | None]]:
        """Grid columns: ("epoch", n) first by n, then ("step", n), then ("unknown", None)."""
        cols = {item.sample.column for item in self.images if run is None or item.sample.run == run}
        order = {"epoch": 0, "step": 1, "unknown": 2}
        return sorted(cols, key=lambda c: (order[c[0]], c[1] if c[1] is not None else -1))

    def cell(self, run: str, prompt: str, column: tuple[str, int | None]) -> list[ImageAnalysis]:
        """Every image of one grid cell (usually one; several seeds or unknown epochs give more)."""
        return [
            item
            for item in self.images
            if item.sample.run == run and item.sample.prompt == prompt and item.sample.column == column
        ]

    def summary(self, run: str, column: tuple[str, int | None]) -> EpochSummary | None:
        for summary in self.epochs:
            if summary.run == run and summary.column == column:
                return summary
        return None


def load_sample_pixels(
    path: Path | str, settings: AnalysisSettings = AnalysisSettings()
) -> tuple[np.ndarray, list[str]]:
    """Decode one sample as (H, W, 3) uint8, or raise with a one-line reason.

    Refused: unreadable, truncated or non-image files, images that are not square,
    smaller than the cell count, larger than ``max_side`` or with transparent pixels.
    Accepted with a note: paletted or greyscale images and fully opaque alpha.
    """
    try:
        loaded = load_image(path)
    except ImageLoadError as exc:
        raise SampleImageError(exc.message) from None
    notes: list[str] = []
    pixels = loaded.pixels
    width, height = loaded.width, loaded.height
    if width != height:
        raise SampleImageError(
            f"not square ({width}x{height}); samples of {settings.cells}x{settings.cells} art are square"
        )
    if width < settings.cells:
        raise SampleImageError(
            f"too small ({width}x{height}) to hold {settings.cells}x{settings.cells} cells"
        )
    if width > settings.max_side:
        raise SampleImageError(f"too large ({width}x{height}); samples are at most {settings.max_side} px")
    if pixels.shape[2] == 4:
        alpha = pixels[:, :, 3]
        if int(alpha.min()) < 255:
            share = float(np.mean(alpha < 255))
            raise SampleImageError(
                f"has transparent pixels ({share:.0%} of the image); samples are opaque RGB"
            )
        notes.append("has an alpha channel (fully opaque; ignored)")
        pixels = np.ascontiguousarray(pixels[:, :, :3])
    if loaded.mode == "P":
        notes.append("paletted image (converted to RGB)")
    elif loaded.mode in ("L", "LA", "1", "I;16", "I", "F"):
        notes.append(f"greyscale image ({loaded.mode}; converted to RGB)")
    if loaded.frames > 1:
        notes.append(f"animated image: only the first of {loaded.frames} frames analysed")
    return pixels, notes


def analyze_pixels(
    pixels: np.ndarray, settings: AnalysisSettings = AnalysisSettings()
) -> tuple[Recovery, ImageMetrics]:
    """Recover and measure one decoded image."""
    recovery = downscale(
        pixels,
        cells=settings.cells,
        method=settings.method,
        merge_threshold=settings.merge_threshold,
        sharpen=settings.sharpen,
    )
    strays = replace(settings.strays, merge_threshold=settings.merge_threshold)
    return recovery, measure_image(pixels, recovery, strays)


def analyze_one(sample: SampleInfo, settings: AnalysisSettings = AnalysisSettings()) -> ImageAnalysis:
    pixels, notes = load_sample_pixels(sample.path, settings)
    started = time.perf_counter()
    recovery, metrics = analyze_pixels(pixels, settings)
    seconds = time.perf_counter() - started
    height, width = pixels.shape[:2]
    return ImageAnalysis(sample, (width, height), recovery, metrics, tuple(notes), seconds)


def compare_pipelines(
    pixels: np.ndarray, cells: int = DEFAULT_CELLS, merge_threshold: float = DEFAULT_MERGE_THRESHOLD
) -> dict[str, Recovery]:
    """Every pipeline's recovery of one image: "grid", "two-stage", "two-stage+sharpen", "nearest"."""
    return {
        "grid": downscale(pixels, cells, "grid", merge_threshold=merge_threshold),
        "two-stage": downscale(pixels, cells, "two-stage"),
        "two-stage+sharpen": downscale(pixels, cells, "two-stage", sharpen=True),
        "nearest": downscale(pixels, cells, "nearest"),
    }


def _summaries(
    images: Sequence[ImageAnalysis], targets: Targets
) -> tuple[list[EpochSummary], dict[str, EpochSummary]]:
    epochs = summarise_epochs(
        ((item.sample.run, item.sample.column, item.sample.column_label, item.metrics) for item in images),
        targets,
    )
    return epochs, best_epochs(epochs)


def retarget(result: AnalysisResult, targets: Targets) -> AnalysisResult:
    """The same analysis checked against edited targets (cheap: no image is touched)."""
    epochs, best = _summaries(result.images, targets)
    return replace(result, epochs=epochs, best=best, settings=replace(result.settings, targets=targets))


def analyze_samples(
    paths: Iterable[Path | str],
    settings: AnalysisSettings = AnalysisSettings(),
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
    run_labels: Iterable[str] | None = None,
) -> AnalysisResult:
    """Collect the samples under ``paths``, analyse each on all cores, summarise per epoch."""
    sample_set = collect_samples(list(paths), run_labels=run_labels)
    samples = sample_set.samples
    workers = settings.workers or default_workers()
    processes = settings.processes
    if processes is None:
        processes = len(samples) >= PROCESS_THRESHOLD and workers > 1
    batch = map_items(
        partial(analyze_one, settings=settings),
        samples,
        progress=progress,
        cancelled=cancelled,
        workers=workers,
        label=lambda sample: str(sample.path),
        message="analysing samples",
        processes=processes,
    )
    images = [item for item in batch.results if item is not None]
    by_path = {str(sample.path): sample for sample, item in zip(samples, batch.results) if item is None}
    messages = list(sample_set.messages)
    for item in images:
        messages.extend(Finding.note(str(item.sample.path), note) for note in item.notes)
    epochs, best = _summaries(images, settings.targets)
    runs = [run for run in sample_set.runs if any(item.sample.run == run for item in images)]
    return AnalysisResult(
        images=images,
        errors=list(batch.errors),
        failed=[by_path[e.path] for e in batch.errors if e.path in by_path],
        messages=messages,
        epochs=epochs,
        best=best,
        runs=runs or list(sample_set.runs),
        settings=settings,
        cancelled=batch.cancelled,
    )
