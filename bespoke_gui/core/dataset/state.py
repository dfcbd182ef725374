"""What the Dataset tab knows, without Qt: the scan, the images folder, the last reports, and its jobs.

The jobs (plain functions taking ``progress`` and ``cancelled``, run on the GUI's job runner)
scan the images folder, back the dataset up and resize it, each with the workspace's own
folders and caption extension. ``DatasetState`` holds the scan and the last backup, resize
and size reports, collects the details the decoding job hands over from its threads, and
says in words what the summary, a resize's question and each report mean; the tab only
shows them.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bespoke_gui.core.dataset.backup import BackupInfo, backup_dataset
from bespoke_gui.core.dataset.resize import ResizeReport, SizeReport, resize_dataset
from bespoke_gui.core.dataset.resize_filters import FILTERS
from bespoke_gui.core.dataset.restore import RestoreReport
from bespoke_gui.core.dataset.scan import (
    RowDetails,
    ScanResult,
    ScanRow,
    ScanSummary,
    quick_scan,
    summarize,
)
from bespoke_gui.core.jobs import CancelFn, ProgressFn, never_cancelled, no_progress
from bespoke_gui.core.workspace import Workspace

REPORT_LINES = 60  # a report longer than this is cut, with a count of what was left out
PREVIEW_CHOICES = 2000  # images the resize dialog offers as its preview
_ORPHANS_SHOWN = 8

# --------------------------------------------------------------------------- jobs


def _images_dir(workspace: Workspace) -> Path:
    """The workspace's images folder; the jobs below are only started when it has one."""
    if workspace.images_dir is None:
        raise ValueError(f"no images folder in {workspace.root}")
    return workspace.images_dir


def scan_images(
    workspace: Workspace, progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled
) -> ScanResult:
    """The quick scan of the workspace's images folder (listing and headers, no decoding)."""
    return quick_scan(_images_dir(workspace), workspace.caption_extension, progress, cancelled)


def back_up_workspace(
    workspace: Workspace,
    label: str = "",
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> BackupInfo:
    """A verified backup of the workspace's images, captions and config."""
    return backup_dataset(
        workspace.root,
        _images_dir(workspace),
        workspace.backups_dir,
        workspace.caption_extension,
        workspace.config_path,
        label=label,
        progress=progress,
        cancelled=cancelled,
    )


def resize_workspace(
    workspace: Workspace,
    size: int,
    filter_name: str,
    out_dir: Path | None,
    in_place: bool,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> ResizeReport:
    """Resize the images folder into ``out_dir``, or in place after a verified backup of the dataset."""
    return resize_dataset(
        _images_dir(workspace),
        size=size,
        filter_name=filter_name,
        out_dir=out_dir,
        in_place=in_place,
        caption_extension=workspace.caption_extension,
        backup_parent=workspace.backups_dir,
        extra_backup_files=[workspace.config_path] if workspace.config_path else [],
        backup_root=workspace.root,
        progress=progress,
        cancelled=cancelled,
    )


# --------------------------------------------------------------------------- words


def cap_report(lines: list[str]) -> list[str]:
    """A report no longer than ``REPORT_LINES``, saying how many lines it left out."""
    if len(lines) > REPORT_LINES:
        return lines[:REPORT_LINES] + [f"… and {len(lines) - REPORT_LINES} more"]
    return lines


def backup_lines(info: BackupInfo) -> list[str]:
    return [
        f"Backed up {info.file_count} files ({info.total_bytes / 1e6:.1f} MB) to {info.path}; "
        f"every copy verified against its SHA-256."
    ]


def restore_lines(report: RestoreReport) -> list[str]:
    lines = [f"Restored {len(report.restored)} files."]
    if report.safety_backup is not None:
        lines.append(f"The files it replaced were backed up first to {report.safety_backup.path}.")
    lines += [f"error: {err}" for err in report.errors]
    return lines


def resize_lines(report: ResizeReport) -> list[str]:
    notes = [f"note: {note.path}: {note.message}" for note in report.notes]
    return report.lines() + notes + [f"error: {err}" for err in report.errors]


def size_lines(report: SizeReport) -> list[str]:
    lines = [f"{report.folder}: " + report.lines()[0]]
    lines += [f"not {report.size}x{report.size}: {w.path.name} is {w.width}x{w.height}" for w in report.wrong]
    lines += [f"unreadable: {err}" for err in report.unreadable]
    return lines


@dataclass(frozen=True)
class SummaryText:
    """The summary above the table, as plain text: the view decides how it looks."""

    headline: str
    lines: list[str]
    problems: list[str]  # what needs attention, e.g. "1 unreadable", "mixed sizes (2 different)"
    notes: list[str] = field(default_factory=list)  # grid-less images, captions without images


def summary_text(summary: ScanSummary) -> SummaryText:
    lines = summary.lines()
    counts = [
        ("without captions", len(summary.images_without_captions)),
        ("empty captions", len(summary.empty_captions)),
        ("captions without images", len(summary.captions_without_images)),
        ("non-square", len(summary.non_square)),
        ("unreadable", len(summary.unreadable)),
    ]
    problems = [f"{n} {label}" for label, n in counts if n]
    if len(summary.sizes) > 1:
        # sd-scripts buckets mixed sizes separately: rarely what a pixel-art set wants.
        problems.append(f"mixed sizes ({len(summary.sizes)} different)")
    notes = []
    if summary.without_exact_grid:
        notes.append(
            f"{len(summary.without_exact_grid)} images have no exact pixel grid (edited after "
            "upscaling, or not block art): the pixel-exact resize fits a grid to each and gives every "
            "cell its majority colour, with a note, and skips one with no grid at all "
            '(type "none" in the filter to list them).'
        )
    if summary.captions_without_images:
        shown = ", ".join(summary.captions_without_images[:_ORPHANS_SHOWN])
        more = len(summary.captions_without_images) - _ORPHANS_SHOWN
        notes.append(f"Captions without images: {shown}" + (f", … {more} more" if more > 0 else ""))
    return SummaryText(lines[0], lines[1:], problems, notes)


# --------------------------------------------------------------------------- state

DetailsSink = Callable[[int, RowDetails], None]


@dataclass(frozen=True)
class DetailsWork:
    """What the details job decodes: row names inside ``folder``, and where it hands results."""

    names: list[str]
    folder: Path
    sink: DetailsSink


class DatasetState:
    """The images folder of the open workspace, its scan, and the last backup, resize and size check."""

    def __init__(self) -> None:
        self.workspace: Workspace | None = None
        self.scan: ScanResult | None = None
        self.last_backup: BackupInfo | None = None
        self.last_resize: ResizeReport | None = None
        self.last_sizes: SizeReport | None = None
        # Details handed over by the decoding job's threads, tagged with the scan they belong to.
        self._generation = 0
        self._details: collections.deque[tuple[int, int, RowDetails]] = collections.deque()

    @property
    def images_dir(self) -> Path | None:
        return self.workspace.images_dir if self.workspace is not None else None

    @property
    def rows(self) -> list[ScanRow]:
        return self.scan.rows if self.scan is not None else []

    def set_workspace(self, workspace: Workspace | None) -> None:
        self.drop_details()
        self.workspace = workspace
        self.scan = None

    def folder_text(self) -> str:
        if self.workspace is None:
            return "No workspace open: File > Open Workspace…"
        if self.images_dir is None:
            return f"No images folder found in {self.workspace.root}"
        return f"Images: {self.images_dir}"

    def hint(self) -> str:
        """What to do when there is a workspace but no images folder."""
        if self.workspace is not None and self.images_dir is None:
            return "Point at the images folder from the File menu."
        return ""

    # --- scan and details -------------------------------------------------------------------
    def take_scan(self, result: ScanResult) -> None:
        self.scan = result
        self.drop_details()

    def details_work(self) -> DetailsWork | None:
        """What the details job decodes: the rows not yet decoded; None when there are none."""
        rows = self.rows
        targets = [i for i, row in enumerate(rows) if not row.error and not row.details_done]
        if not targets:
            return None
        generation = self._generation
        queue = self._details

        def sink(position: int, details: RowDetails) -> None:
            # Worker thread: hand the data over, touch nothing else.
            queue.append((generation, targets[position], details))

        # Names only: building 10,000 paths on the GUI thread would stall it; the workers do it.
        return DetailsWork([rows[i].name for i in targets], rows[targets[0]].folder, sink)

    def take_details(self) -> list[tuple[int, RowDetails]]:
        """The details handed over since the last call (scan index, details), this scan's only."""
        updates: list[tuple[int, RowDetails]] = []
        while self._details:
            generation, index, details = self._details.popleft()
            if generation == self._generation:
                updates.append((index, details))
        return updates

    def drop_details(self) -> None:
        """Forget details still on their way (a new scan or workspace makes them stale)."""
        self._generation += 1
        self._details.clear()

    # --- summary and resize -----------------------------------------------------------------
    def summary(self) -> ScanSummary | None:
        return summarize(self.scan.rows, self.scan.captions_without_images) if self.scan else None

    def summary_text(self) -> SummaryText | None:
        summary = self.summary()
        return summary_text(summary) if summary is not None else None

    def resize_choices(self, selected: ScanRow | None = None) -> tuple[list[Path], Path | None]:
        """The images the resize dialog may preview, and the one it shows first."""
        rows = [row for row in self.rows if not row.error]
        preview = None
        if selected is not None:
            preview = selected.path
        elif rows:
            # Prefer an image with an exact grid: it shows all three filters.
            preview = next((row.path for row in rows if row.grid), rows[0].path)
        return [row.path for row in rows[:PREVIEW_CHOICES]], preview

    def resize_skips(self, filter_name: str) -> str:
        """What an in-place resize will leave alone, as paragraphs for its question (may be empty)."""
        summary = self.summary()
        unreadable = len(summary.unreadable) if summary is not None else 0
        no_grid = len(summary.without_exact_grid) if summary is not None else 0
        text = ""
        if unreadable:
            text += f"\n\n{unreadable} unreadable image(s) will be skipped."
        if filter_name == "pixel" and no_grid:
            text += (
                f"\n\n{no_grid} image(s) have no exact pixel grid: each is resized only if a block grid "
                "can be fitted to it, else skipped and listed in the report."
            )
        return text

    def resize_question(self, size: int, filter_name: str) -> str:
        """The question before an in-place resize: what is replaced, what is backed up, what is skipped."""
        return (
            f"Replace the {len(self.rows)} images in {self.images_dir} with {size}x{size} versions "
            f"({FILTERS[filter_name]})?\n\nImages, captions and the config are backed up first; "
            f"nothing is changed unless that backup verifies.{self.resize_skips(filter_name)}"
        )
