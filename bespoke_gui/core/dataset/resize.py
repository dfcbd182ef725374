"""Resize a dataset to a square target size, with captions travelling along.

The filters (Lanczos, nearest and pixel-exact) are in :mod:`resize_filters`; an image
the chosen filter refuses (pixel-exact on a photo) is reported as an item error.

Output goes to a new folder by default. In place happens only after a dataset backup
that verified. Every file is written atomically, so a cancel, a crash or a full disk
leaves each file either old or new.
"""

from __future__ import annotations

import errno
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bespoke_gui.core.dataset.backup import BackupError, BackupInfo, create_backup
from bespoke_gui.core.dataset.resize_filters import (
    DEFAULT_SIZE,
    FILTERS,
    ResizedPixels,
    ResizeItemError,
    mixed_cells_note,
    resize_pixels,
)
from bespoke_gui.core.files import atomic_write_bytes, require_folder
from bespoke_gui.core.findings import Finding
from bespoke_gui.core.imageio import (
    ImageLoadError,
    ensure_writable_folder,
    load_image,
    probe_image,
    save_image_atomic,
)
from bespoke_gui.core.jobs import (
    CancelFn,
    ProgressFn,
    default_workers,
    describe_exception,
    map_items,
    never_cancelled,
    no_progress,
)
from bespoke_gui.core.workspace import DEFAULT_CAPTION_EXTENSION, caption_path_for, list_images

# Pixel art compresses so well that a low zlib level costs almost no size and saves time.
DEFAULT_COMPRESS_LEVEL = 3


class ResizeError(Exception):
    """The resize cannot start (bad destination, backup failed); nothing was written."""


@dataclass(frozen=True)
class ResizePlanItem:
    source: Path
    dest: Path
    caption_source: Path | None
    caption_dest: Path | None


@dataclass(frozen=True)
class ResizedFile:
    source: Path
    dest: Path
    old_size: tuple[int, int]
    grid: tuple[int, int] | None  # the grid used by the pixel-exact filter
    unchanged: bool  # already the target size: copied (or left) byte for byte
    caption_copied: bool
    mixed_cells: int = 0  # pixel-exact on a touched-up image: cells that held more than one colour
    off_pixels: int = 0  # ... and the pixels unlike their cell's majority colour
    mode_change: str = ""  # the file was written in another mode than it had (palette, 16-bit)

    @property
    def note(self) -> str:
        """What the user should know about this file ("" when nothing)."""
        notes = [mixed_cells_note(self.mixed_cells, self.off_pixels, self.grid), self.mode_change]
        return "; ".join(n for n in notes if n)


@dataclass
class ResizeReport:
    source_dir: Path
    out_dir: Path
    size: int
    filter: str
    in_place: bool
    total: int
    written: list[ResizedFile] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    cancelled: bool = False
    disk_full: bool = False
    backup: BackupInfo | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.cancelled and not self.disk_full

    @property
    def notes(self) -> list[Finding]:
        """One note per file whose grid had to be fitted or whose mode could not be kept."""
        written = sorted(self.written, key=lambda f: f.source)
        return [Finding.note(str(f.source), f.note) for f in written if f.note]

    def lines(self) -> list[str]:
        where = "in place" if self.in_place else f"into {self.out_dir}"
        rate = len(self.written) / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"resized {len(self.written)} of {self.total} images to {self.size}x{self.size} "
            f"({FILTERS.get(self.filter, self.filter)}) {where} in {self.seconds:.1f} s ({rate:.0f}/s)",
        ]
        unchanged = sum(f.unchanged for f in self.written)
        if unchanged:
            lines.append(f"{unchanged} already {self.size}x{self.size}, kept as they were")
        if self.backup is not None:
            lines.append(f"backup first: {self.backup.path} ({self.backup.file_count} files, verified)")
        if self.disk_full:
            lines.append("stopped: the disk is full; every file is either old or new")
        elif self.cancelled:
            lines.append("cancelled: every file is either old or new")
        fitted = sum(1 for f in self.written if f.mixed_cells)
        if fitted:
            lines.append(f"{fitted} images were edited after upscaling: each cell took its majority colour")
        changed_mode = sum(1 for f in self.written if f.mode_change)
        if changed_mode:
            lines.append(f"{changed_mode} images were written as 8-bit RGB(A) (see the notes)")
        if self.errors:
            lines.append(f"{len(self.errors)} images not resized")
        return lines


@dataclass(frozen=True)
class WrongSize:
    path: Path
    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.path}: {self.width}x{self.height}"


@dataclass
class SizeReport:
    folder: Path
    size: int
    checked: int = 0
    wrong: list[WrongSize] = field(default_factory=list)
    unreadable: list[Finding] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.wrong and not self.unreadable and not self.cancelled

    def lines(self) -> list[str]:
        good = self.checked - len(self.wrong) - len(self.unreadable)
        return [
            f"{good} of {self.checked} images are {self.size}x{self.size}; "
            f"{len(self.wrong)} other sizes; {len(self.unreadable)} unreadable"
        ]


_KOHYA_REPEATS_DIR = re.compile(r"^\d+_.+")


def default_out_dir(images_dir: Path, size: int) -> Path:
    """``<images_dir>_<size>`` beside the images folder (``-2``, ``-3``... when taken).

    A kohya repeats folder (``training_data/10_bespoke``) is the exception: a sibling
    ``10_bespoke_256`` would become a second concept that kohya trains on too, so the
    suggestion is ``training_data_256/10_bespoke``, the same layout under a new root.
    """
    images_dir = Path(images_dir)

    def candidate(n: int) -> Path:
        suffix = f"_{size}" if n == 1 else f"_{size}-{n}"
        if _KOHYA_REPEATS_DIR.match(images_dir.name):
            parent = images_dir.parent
            return parent.with_name(parent.name + suffix) / images_dir.name
        return images_dir.with_name(images_dir.name + suffix)

    n = 1
    while candidate(n).exists() and any(candidate(n).iterdir()):
        n += 1
    return candidate(n)


def _copy_atomic(source: Path, dest: Path) -> None:
    atomic_write_bytes(dest, source.read_bytes())


def plan_resize(
    images_dir: Path,
    out_dir: Path | None,
    caption_extension: str = DEFAULT_CAPTION_EXTENSION,
    images: Sequence[Path] | None = None,
) -> list[ResizePlanItem]:
    """Source and destination of every image and caption (``out_dir`` None: in place)."""
    plan = []
    for image in images if images is not None else list_images(images_dir):
        caption = caption_path_for(image, caption_extension)
        has_caption = caption.is_file()
        if out_dir is None:
            plan.append(ResizePlanItem(image, image, caption if has_caption else None, None))
        else:
            plan.append(
                ResizePlanItem(
                    image,
                    out_dir / image.name,
                    caption if has_caption else None,
                    out_dir / caption.name if has_caption else None,
                )
            )
    return plan


def _resize_one(item: ResizePlanItem, size: int, filter_name: str, compress_level: int) -> ResizedFile:
    loaded = load_image(item.source)
    width, height = loaded.size
    if width != height:
        raise ResizeItemError(f"not square ({width}x{height}): resizing to {size}x{size} would distort it")
    in_place = item.dest == item.source
    if in_place and loaded.frames > 1 and (width, height) != (size, size):
        raise ResizeItemError(
            f"animated ({loaded.frames} frames): resizing in place would keep only the first frame; "
            "left as it is"
        )
    resized = ResizedPixels(loaded.pixels)
    if (width, height) == (size, size):
        unchanged = True
        if not in_place:
            _copy_atomic(item.source, item.dest)
    else:
        unchanged = False
        resized = resize_pixels(loaded.pixels, size, filter_name)
        save_image_atomic(
            item.dest, resized.pixels, icc_profile=loaded.icc_profile, compress_level=compress_level
        )
    mode_change = "" if unchanged else _mode_change_note(loaded.mode, loaded.bit_depth, resized.pixels)
    caption_copied = False
    if item.caption_source is not None and item.caption_dest is not None:
        try:
            _copy_atomic(item.caption_source, item.caption_dest)
        except OSError as exc:
            raise ResizeItemError(
                f"image written, but its caption could not be copied: {describe_exception(exc)}"
            ) from exc
        caption_copied = True
    return ResizedFile(
        item.source,
        item.dest,
        (width, height),
        resized.grid,
        unchanged,
        caption_copied,
        resized.mixed_cells,
        resized.off_pixels,
        mode_change,
    )


def _mode_change_note(mode: str, bit_depth: int, written: np.ndarray) -> str:
    """Say so when the written file lost its palette or depth (it is written as 8-bit RGB/RGBA)."""
    now = "8-bit RGBA" if written.shape[2] == 4 else "8-bit RGB"
    if mode == "P":
        return f"was a palette image; written as {now}"
    if mode.startswith("I") or bit_depth > 8:
        return f"was {bit_depth}-bit ({mode}); written as {now}"
    return ""


def _check_out_dir(images_dir: Path, out_dir: Path, plan: Sequence[ResizePlanItem]) -> None:
    if out_dir.resolve() == images_dir.resolve():
        raise ResizeError(
            "the output folder is the images folder itself; choose a new folder or resize in place"
        )
    try:
        ensure_writable_folder(out_dir)
    except OSError as exc:
        raise ResizeError(f"cannot write to {out_dir}: {describe_exception(exc)}") from exc
    taken = [p for item in plan for p in (item.dest, item.caption_dest) if p is not None and p.exists()]
    if taken:
        raise ResizeError(
            f"{out_dir} already holds {len(taken)} of the files this resize would write "
            f"(e.g. {taken[0].name}); choose an empty folder so nothing is overwritten"
        )


def resize_dataset(
    images_dir: str | Path,
    size: int = DEFAULT_SIZE,
    filter_name: str = "lanczos",
    out_dir: str | Path | None = None,
    in_place: bool = False,
    caption_extension: str = DEFAULT_CAPTION_EXTENSION,
    backup_parent: str | Path | None = None,
    extra_backup_files: Sequence[Path] = (),
    backup_root: str | Path | None = None,
    workers: int | None = None,  # default: two threads per core
    compress_level: int = DEFAULT_COMPRESS_LEVEL,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> ResizeReport:
    """Resize every image in ``images_dir`` to ``size`` x ``size`` on all cores.

    Into ``out_dir`` (default ``<images_dir>_<size>``), captions copied along; or
    ``in_place`` after a verified backup of images, captions and ``extra_backup_files``
    (e.g. the training config) into ``backup_parent`` (default: ``backups`` beside the
    images folder), paths kept relative to ``backup_root`` (default: the images folder;
    the workspace root gives the layout a "Back up now" backup has). Raises ResizeError when it cannot start; per-image problems are
    returned in the report while the rest carry on.
    """
    started = time.monotonic()
    images_dir = Path(images_dir)
    if filter_name not in FILTERS:
        raise ResizeError(f"unknown filter {filter_name!r}; choose one of {', '.join(FILTERS)}")
    if size < 1 or size > 8192:
        raise ResizeError(f"the target size must be between 1 and 8192 px, not {size}")
    if not images_dir.is_dir():
        raise ResizeError(f"{images_dir} is not a folder")
    if in_place and out_dir is not None:
        raise ResizeError("choose an output folder or in place, not both")
    target = None if in_place else Path(out_dir) if out_dir is not None else default_out_dir(images_dir, size)
    plan = plan_resize(images_dir, target, caption_extension)
    report = ResizeReport(images_dir, target or images_dir, size, filter_name, in_place, total=len(plan))
    if target is not None:
        _check_out_dir(images_dir, target, plan)
    else:
        try:
            ensure_writable_folder(images_dir, create=False)
        except OSError as exc:
            raise ResizeError(f"cannot resize in place: {describe_exception(exc)}") from exc
        files = [item.source for item in plan] + [item.caption_source for item in plan if item.caption_source]
        files += [Path(p) for p in extra_backup_files]
        parent = Path(backup_parent) if backup_parent is not None else images_dir.parent / "backups"
        try:
            report.backup = create_backup(
                files,
                Path(backup_root) if backup_root is not None else images_dir,
                parent,
                kind="dataset",
                label=f"before resizing to {size} ({FILTERS[filter_name]})",
                progress=lambda d, t, m: progress(d, t, f"backing up: {m}"),
                cancelled=cancelled,
            )
        except BackupError as exc:
            if cancelled():
                raise ResizeError("cancelled during the backup; nothing was resized") from exc
            raise ResizeError(f"nothing was resized, because the backup failed: {exc}") from exc

    disk_full = threading.Event()

    def stop() -> bool:
        return cancelled() or disk_full.is_set()

    def work(item: ResizePlanItem) -> ResizedFile:
        try:
            return _resize_one(item, size, filter_name, compress_level)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                disk_full.set()
            raise

    # Two threads per core: each file ends in an fsync (atomic write), and while one
    # thread waits for the disk the other decodes (13.1 s -> 10.4 s for 300 files on 2 cores).
    threads = workers or 2 * default_workers()
    batch = map_items(work, plan, progress, stop, workers=threads, label=lambda item: str(item.source))
    report.written = batch.ok
    report.errors = batch.errors
    report.disk_full = disk_full.is_set()
    report.cancelled = batch.cancelled and not report.disk_full
    report.seconds = time.monotonic() - started
    return report


def verify_sizes(
    folder: str | Path,
    size: int,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> SizeReport:
    """Every image in ``folder`` that is not ``size`` x ``size``, from headers alone."""
    folder = require_folder(folder)
    images = list_images(folder)
    report = SizeReport(folder, size)
    for index, path in enumerate(images):
        if cancelled():
            report.cancelled = True
            break
        try:
            header = probe_image(path)
        except ImageLoadError as exc:
            report.unreadable.append(Finding.error(str(path), exc.message))
        else:
            if (header.width, header.height) != (size, size):
                report.wrong.append(WrongSize(path, header.width, header.height))
        report.checked += 1
        if (index + 1) % 100 == 0 or index + 1 == len(images):
            progress(index + 1, len(images), path.name)
    return report
