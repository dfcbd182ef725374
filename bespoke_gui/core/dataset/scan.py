"""Scan a dataset folder: one row per image plus a summary of what needs attention.

Two jobs, so a big folder shows at once and fills in as it goes:

* :func:`quick_scan` lists the folder once and reads only each image's header
  (size, mode, format): 10,000 PNGs take well under two seconds.
* :func:`fill_details` decodes every image on all cores and adds the expensive facts:
  colour count and the exact pixel grid of a clean nearest-neighbour upscale. Each
  result goes to an optional ``sink(index, details)`` as soon as it is known, so a
  table can fill in while the job runs.

:func:`scan_folder` runs both, for the command line.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from bespoke_gui.core.exactgrid import downsample_exact, find_exact_grid
from bespoke_gui.core.files import TEMP_PREFIX, require_folder
from bespoke_gui.core.imageio import (
    MAX_PIXELS,
    PNG_SIGNATURE,
    ImageHeader,
    ImageLoadError,
    load_image,
    pixel_limit_message,
    png_header_fields,
    probe_image,
)
from bespoke_gui.core.jobs import (
    BatchResult,
    CancelFn,
    ProgressFn,
    default_workers,
    describe_exception,
    map_items,
    never_cancelled,
    no_progress,
)
from bespoke_gui.core.workspace import DEFAULT_CAPTION_EXTENSION, IMAGE_EXTENSIONS

log = logging.getLogger(__name__)
DetailsSink = Callable[[int, "RowDetails"], None]
_QUICK_PROGRESS_EVERY = 250


@dataclass
class ScanRow:
    """One image in the table. Header facts come first; details arrive later."""

    folder: Path
    name: str
    file_size: int
    caption_present: bool
    caption_empty: bool = False
    width: int = 0
    height: int = 0
    mode: str = ""
    format: str = ""
    bit_depth: int = 0
    has_alpha: bool = False
    colours: int | None = None
    grid: tuple[int, int] | None = None  # (cols, rows) of an exact block grid
    details_done: bool = False
    error: str = ""

    @property
    def path(self) -> Path:
        # Built on demand: constructing 10,000 Path objects up front costs a quarter second.
        return self.folder / self.name

    @property
    def size_text(self) -> str:
        return f"{self.width}x{self.height}" if self.width else ""

    @property
    def readable(self) -> bool:
        return not self.error

    @property
    def is_square(self) -> bool:
        return self.width == self.height

    @property
    def grid_text(self) -> str:
        if not self.details_done or self.error:
            return ""
        return f"{self.grid[0]}x{self.grid[1]}" if self.grid else "none"

    def problems(self) -> list[str]:
        """Short words for what needs attention in this row (empty when fine)."""
        found: list[str] = []
        if self.error:
            found.append(self.error)
            return found
        if not self.caption_present:
            found.append("no caption")
        elif self.caption_empty:
            found.append("empty caption")
        if self.width and not self.is_square:
            found.append("not square")
        return found


@dataclass(frozen=True)
class RowDetails:
    """The expensive facts about one image (or why it could not be read)."""

    colours: int | None
    grid: tuple[int, int] | None
    mode: str = ""
    has_alpha: bool = False
    width: int = 0
    height: int = 0
    error: str = ""


@dataclass
class ScanSummary:
    image_count: int
    with_caption: int
    sizes: dict[str, int]
    modes: dict[str, int]
    grids: dict[str, int]
    details_done: int
    images_without_captions: list[str] = field(default_factory=list)
    empty_captions: list[str] = field(default_factory=list)
    captions_without_images: list[str] = field(default_factory=list)
    non_square: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    without_exact_grid: list[str] = field(default_factory=list)

    @property
    def problem_count(self) -> int:
        return (
            len(self.images_without_captions)
            + len(self.empty_captions)
            + len(self.captions_without_images)
            + len(self.non_square)
            + len(self.unreadable)
        )

    def lines(self) -> list[str]:
        """The summary as a person reads it."""
        sizes = ", ".join(f"{size} ({n})" for size, n in self.sizes.items()) or "none"
        lines = [
            f"{self.image_count} images, {self.with_caption} with captions; sizes: {sizes}",
        ]
        if self.modes:
            lines.append("modes: " + ", ".join(f"{mode} ({n})" for mode, n in self.modes.items()))
        if self.details_done:
            grids = ", ".join(f"{g} ({n})" for g, n in self.grids.items()) or "none"
            lines.append(
                f"exact pixel grids: {grids}; without one: {len(self.without_exact_grid)}"
                + (
                    f" (details for {self.details_done} of {self.image_count})"
                    if self.details_done < self.image_count
                    else ""
                )
            )
        lines.append(
            f"images without captions: {len(self.images_without_captions)}; "
            f"empty captions: {len(self.empty_captions)}; "
            f"captions without images: {len(self.captions_without_images)}; "
            f"non-square: {len(self.non_square)}; unreadable: {len(self.unreadable)}"
        )
        return lines


@dataclass
class ScanResult:
    folder: Path
    caption_extension: str
    rows: list[ScanRow]
    captions_without_images: list[str]
    cancelled: bool = False

    @property
    def summary(self) -> ScanSummary:
        return summarize(self.rows, self.captions_without_images)

    def to_json(self) -> dict[str, object]:
        summary = asdict(self.summary)
        summary["unreadable"] = [{"name": n, "error": e} for n, e in self.summary.unreadable]
        rows = []
        for row in self.rows:
            data = asdict(row)
            del data["folder"]
            data["path"] = str(row.path)
            data["grid"] = list(row.grid) if row.grid else None
            data["problems"] = row.problems()
            rows.append(data)
        return {
            "folder": str(self.folder),
            "caption_extension": self.caption_extension,
            "summary": summary,
            "rows": rows,
            "cancelled": self.cancelled,
        }


def colour_keys(pixels: np.ndarray) -> np.ndarray:
    """The distinct colours of an HxW[xC] uint8 array, packed one integer per colour."""
    if pixels.ndim == 2:
        return np.unique(pixels)
    channels = pixels.shape[2]
    flat = pixels.reshape(-1, channels).astype(np.uint32)
    key = np.zeros(flat.shape[0], dtype=np.uint32)
    for c in range(channels):
        key = (key << np.uint32(8)) | flat[:, c]
    return np.unique(key)


def count_colours(pixels: np.ndarray) -> int:
    return int(colour_keys(pixels).size)


@dataclass(frozen=True)
class _Entry:
    name: str
    path: str
    size: int


def _list_folder(folder: Path, caption_extension: str) -> tuple[list[_Entry], dict[str, int]]:
    """One directory listing: images (sorted by name) and caption sizes by caption name."""
    images: list[_Entry] = []
    captions: dict[str, int] = {}
    cap_ext = caption_extension.lower()
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name.startswith(TEMP_PREFIX):
                continue
            suffix = os.path.splitext(name)[1].lower()
            is_image = suffix in IMAGE_EXTENSIONS
            if not is_image and suffix != cap_ext:
                continue
            try:
                if not entry.is_file():
                    continue
                size = entry.stat().st_size
            except OSError:
                size = 0
            if is_image:
                images.append(_Entry(name, entry.path, size))
            else:
                captions[name] = size
    images.sort(key=lambda e: e.name)
    return images, captions


def _read_header(row: ScanRow, path: str) -> None:
    """Header facts into ``row``; a PNG costs one 33-byte read, anything else goes through Pillow."""
    fields: tuple[int, int, str, int, bool] | str = "not read"
    if path.lower().endswith(".png") and row.file_size >= 33:
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                head = os.read(fd, 33)
            finally:
                os.close(fd)
        except OSError:
            head = b""
        if head.startswith(PNG_SIGNATURE):
            fields = png_header_fields(head)
    if isinstance(fields, tuple):
        row.width, row.height, row.mode, row.bit_depth, row.has_alpha = fields
        row.format = "PNG"
    else:
        # Everything unusual (other formats, damaged or unreadable files) takes the careful path.
        try:
            header = probe_image(row.path)
        except ImageLoadError as exc:
            row.error = exc.message
            return
        except OSError as exc:
            row.error = describe_exception(exc)
            return
        row.width, row.height = header.width, header.height
        row.mode, row.format = header.mode, header.format
        row.bit_depth, row.has_alpha = header.bit_depth, header.has_alpha
    if row.width * row.height > MAX_PIXELS:
        row.error = (
            pixel_limit_message(
                ImageHeader(
                    row.path,
                    row.width,
                    row.height,
                    row.mode,
                    row.format,
                    row.bit_depth,
                    row.has_alpha,
                    row.file_size,
                )
            )
            or ""
        )


def quick_scan(
    folder: str | Path,
    caption_extension: str = DEFAULT_CAPTION_EXTENSION,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> ScanResult:
    """The table from one directory listing and a header read per image (no decoding)."""
    folder = require_folder(folder)
    images, captions = _list_folder(folder, caption_extension)
    image_stems = {os.path.splitext(e.name)[0] for e in images}
    orphans = sorted(name for name in captions if os.path.splitext(name)[0] not in image_stems)
    rows: list[ScanRow] = []
    total = len(images)
    progress(0, total, "reading headers")
    for index, entry in enumerate(images):
        if cancelled():
            break
        caption_size = captions.get(os.path.splitext(entry.name)[0] + caption_extension)
        row = ScanRow(
            folder=folder,
            name=entry.name,
            file_size=entry.size,
            caption_present=caption_size is not None,
            caption_empty=caption_size == 0,
        )
        _read_header(row, entry.path)
        rows.append(row)
        if (index + 1) % _QUICK_PROGRESS_EVERY == 0:
            progress(index + 1, total, entry.name)
    progress(len(rows), total, "headers read")
    return ScanResult(folder, caption_extension, rows, orphans, cancelled=len(rows) < total)


def image_details(path: Path) -> RowDetails:
    """Decode one image: colour count and exact grid, or the reason it cannot be read."""
    try:
        loaded = load_image(path)
    except ImageLoadError as exc:
        return RowDetails(colours=None, grid=None, error=exc.message)
    pixels = loaded.pixels
    grid = find_exact_grid(pixels)
    # The blocks of an exact grid are solid, so the small image has the same colours.
    colours = count_colours(downsample_exact(pixels, grid) if grid else pixels)
    return RowDetails(
        colours=colours,
        grid=(grid.cols, grid.rows) if grid else None,
        mode=loaded.mode,
        has_alpha=loaded.has_alpha,
        width=loaded.width,
        height=loaded.height,
    )


# From this many images on, details are computed in worker processes: decoding and
# grid finding hold the GIL often enough that worker threads make a GUI thread wait
# (measured on 3,000 images, 2 cores: 15 event-loop stalls over 100 ms with threads,
# 1 with processes, and processes finished sooner). Below it, starting processes
# costs more than it saves.
# Measured: details on threads for 48 images held the GIL enough to stall the window
# by 160-530 ms; in processes, 80-140 ms. The forkserver is warmed at start-up.
PROCESS_THRESHOLD = 16


def _details_at(base: str | None, name: str | Path) -> RowDetails:
    """Details of one file (module level, so it pickles for worker processes)."""
    return image_details(Path(base, name) if base is not None else Path(name))


def fill_details(
    paths: Sequence[Path | str],
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
    sink: DetailsSink | None = None,
    workers: int | None = None,
    folder: str | Path | None = None,
    processes: bool | None = None,
) -> BatchResult[RowDetails]:
    """Details for every path on all cores; ``sink(index, details)`` hears each one at once.

    ``sink`` runs on the job's thread: it must only hand the data over (e.g. append to a
    deque), never touch a widget. With ``folder``, ``paths`` are names inside it: a GUI
    handing over 10,000 files should not build paths on its own thread. ``processes``
    None picks worker processes from PROCESS_THRESHOLD images on (when there is more than
    one core); if they cannot start, threads do the work.
    """
    base = str(folder) if folder is not None else None
    workers = workers or default_workers()
    if processes is None:
        processes = len(paths) >= PROCESS_THRESHOLD and workers > 1
    names = [str(p) for p in paths]
    work = partial(_details_at, base)
    if processes:
        try:
            return map_items(
                work, names, progress, cancelled, workers=workers, processes=True, on_result=sink
            )
        except (OSError, BrokenProcessPool) as exc:
            log.warning("worker processes unavailable (%s); using threads", describe_exception(exc))
    return map_items(work, names, progress, cancelled, workers=workers, on_result=sink)


def apply_details(row: ScanRow, details: RowDetails) -> None:
    row.details_done = True
    row.colours = details.colours
    row.grid = details.grid
    if details.error:
        row.error = details.error
        return
    # The decoder knows better than the header (e.g. a PNG with a tRNS chunk has alpha).
    row.has_alpha = details.has_alpha
    if details.width:
        row.width, row.height = details.width, details.height


def scan_folder(
    folder: str | Path,
    caption_extension: str = DEFAULT_CAPTION_EXTENSION,
    details: bool = True,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
    workers: int | None = None,
) -> ScanResult:
    """Quick scan, then details for every readable image (the command line's scan)."""
    result = quick_scan(folder, caption_extension, cancelled=cancelled)
    if not details or result.cancelled:
        return result
    targets = [i for i, row in enumerate(result.rows) if not row.error]
    batch = fill_details([result.rows[i].path for i in targets], progress, cancelled, workers=workers)
    for index, found in zip(targets, batch.results):
        if found is not None:
            apply_details(result.rows[index], found)
    for err in batch.errors:
        for row in result.rows:
            if str(row.path) == err.path:
                row.error = err.message
    result.cancelled = batch.cancelled
    return result


def summarize(rows: Sequence[ScanRow], captions_without_images: Sequence[str] = ()) -> ScanSummary:
    """Counts and lists over all rows, in one pass (the tab refreshes it while details fill in)."""
    sizes: Counter[str] = Counter()
    modes: Counter[str] = Counter()
    grids: Counter[str] = Counter()
    details_done = with_caption = 0
    no_caption: list[str] = []
    empty: list[str] = []
    non_square: list[str] = []
    unreadable: list[tuple[str, str]] = []
    no_grid: list[str] = []
    for row in rows:
        name = row.name
        if row.caption_present:
            with_caption += 1
            if row.caption_empty:
                empty.append(name)
        else:
            no_caption.append(name)
        if row.details_done:
            details_done += 1
        if row.error:
            unreadable.append((name, row.error))
            continue
        if row.width:
            sizes[f"{row.width}x{row.height}"] += 1
            if row.width != row.height:
                non_square.append(name)
        if row.mode:
            modes[row.mode] += 1
        if row.details_done:
            if row.grid:
                grids[f"{row.grid[0]}x{row.grid[1]}"] += 1
            else:
                no_grid.append(name)
    return ScanSummary(
        image_count=len(rows),
        with_caption=with_caption,
        sizes=dict(sizes.most_common()),
        modes=dict(modes.most_common()),
        grids=dict(grids.most_common()),
        details_done=details_done,
        images_without_captions=no_caption,
        empty_captions=empty,
        captions_without_images=list(captions_without_images),
        non_square=non_square,
        unreadable=unreadable,
        without_exact_grid=no_grid,
    )
