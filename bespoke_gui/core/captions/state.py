"""What the Captions tab knows, without Qt: the captions as loaded and edited, and its jobs.

``CaptionItem`` is one caption (its file on disk, the text as edited, its findings). The
jobs (plain functions taking ``progress`` and ``cancelled``, run on the GUI's job runner)
read the captions, lint them, save them, notice changes on disk and read image palettes;
they return plain data (``SaveResult``, ``DiskChange``), never tuples tagged with strings.
``CaptionsState`` holds the items and decides what a save's or a disk check's results mean
for them; the tab only shows the outcome.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from bespoke_gui.core.captions.batch import BackupDiff, diff_backup
from bespoke_gui.core.captions.caption_files import (
    CaptionChangedOnDisk,
    CaptionEncodeError,
    CaptionEntry,
    CaptionError,
    CaptionFile,
    load_caption_dataset,
    read_caption,
    save_caption,
)
from bespoke_gui.core.captions.dataset_lint import DatasetLint, LintInput, lint_dataset
from bespoke_gui.core.captions.keywords import Keywords
from bespoke_gui.core.captions.lint import LintSettings
from bespoke_gui.core.captions.pixels import ImagePixels, image_pixels
from bespoke_gui.core.findings import Finding, Severity, worst_severity
from bespoke_gui.core.jobs import (
    CancelFn,
    ProgressFn,
    call_in_process,
    map_items,
    never_cancelled,
    no_progress,
)

StatKey = tuple[int, int]  # (mtime in ns, size): changes when the file does


def file_stat(path: Path) -> StatKey | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


@dataclass
class CaptionItem:
    image: Path | None
    caption_path: Path
    caption: CaptionFile | None  # what is on disk (the save baseline); None when unreadable
    text: str
    error: str = ""
    findings: list[Finding] = field(default_factory=list)
    thumb: object | None = None  # the list's thumbnail, made by the view (the core never reads it)
    thumb_requested: bool = False
    disk_changed: bool = False  # the file changed on disk while this caption had unsaved edits
    stat_key: StatKey | None = None
    last_shown: tuple | None = None
    # The entry's files that are links, with where each points: shown, read, never written through.
    links: list[tuple[Path, str]] = field(default_factory=list)

    def shown_state(self) -> tuple:
        """What the list row shows, to repaint only when it changes."""
        return (
            self.dirty,
            self.disk_changed,
            self.worst,
            len(self.findings),
            self.error,
            self.text[:160],
            self.thumb is not None,
        )

    @property
    def name(self) -> str:
        return (self.image or self.caption_path).name

    @property
    def dirty(self) -> bool:
        return self.caption is not None and self.text != self.caption.text

    @property
    def worst(self) -> Severity | None:
        return worst_severity(self.findings)

    @classmethod
    def from_entry(cls, entry: CaptionEntry) -> CaptionItem:
        text = entry.caption.text if entry.caption is not None else ""
        stat_key = entry.caption.stat_key if entry.caption is not None else None
        return cls(
            entry.image,
            entry.caption_path,
            entry.caption,
            text,
            entry.error,
            stat_key=stat_key,
            links=entry.links(),
        )


class SaveProblem(StrEnum):
    CHANGED_ON_DISK = "changed"  # someone else wrote the file since it was read: nothing written
    NOT_ENCODABLE = "encode"  # the text does not fit the file's encoding
    FAILED = "error"  # the write itself failed (full disk, permissions...)


@dataclass(frozen=True)
class SaveResult:
    path: Path
    saved: CaptionFile | None  # the caption as written, None when not saved
    problem: SaveProblem | None = None
    message: str = ""


@dataclass(frozen=True)
class DiskChange:
    path: Path
    on_disk: CaptionFile
    stat_key: StatKey | None


# --------------------------------------------------------------------------- jobs


def load_caption_items(
    folder: Path, extension: str, progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled
) -> list[CaptionItem]:
    entries = load_caption_dataset(folder, extension, progress, cancelled)
    return [CaptionItem.from_entry(e) for e in entries]


def lint_captions(
    inputs: list[LintInput],
    settings: LintSettings,
    keywords: Keywords,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> DatasetLint:
    """Lint every caption, in a worker process: the work is pure Python (about 50 ms for 200
    captions), and on a thread it held the GIL while the tab drew its list (stalls near 100 ms)."""
    return call_in_process(lint_dataset, inputs, settings, keywords)


def save_captions(
    work: list[tuple[CaptionFile, str]],
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> list[SaveResult]:
    """Save each caption (atomically, never over a file changed on disk); one result per file.

    Two images may share one caption (``anim.gif`` and ``anim.webp`` -> ``anim.txt``): the file
    is written once, with the last text given for it, or the second write would find the
    first one's bytes and call the file "changed on disk".
    """
    by_path: dict[Path, tuple[CaptionFile, str]] = {}
    for caption, text in work:
        by_path[caption.path] = (caption, text)
    work = list(by_path.values())
    out: list[SaveResult] = []
    for index, (caption, text) in enumerate(work):
        try:
            out.append(SaveResult(caption.path, save_caption(caption, text)))
        except CaptionChangedOnDisk as exc:
            out.append(SaveResult(caption.path, None, SaveProblem.CHANGED_ON_DISK, str(exc)))
        except CaptionEncodeError as exc:
            out.append(SaveResult(caption.path, None, SaveProblem.NOT_ENCODABLE, str(exc)))
        except CaptionError as exc:
            out.append(SaveResult(caption.path, None, SaveProblem.FAILED, str(exc)))
        progress(index + 1, len(work), caption.path.name)
    return out


def changed_on_disk(
    known: list[tuple[Path, StatKey | None]],
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> list[DiskChange]:
    """Captions whose size or mtime changed since they were read, read again."""
    changed = []
    for path, key in known:
        now = file_stat(path)
        if now == key:
            continue
        try:
            changed.append(DiskChange(path, read_caption(path), now))
        except CaptionError:
            continue
    return changed


def read_palettes(
    images: list[Path], progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled
) -> dict[Path, tuple]:
    result = map_items(lambda p: tuple(image_pixels(p).palette), images, progress, cancelled)
    return {p: pal for p, pal in zip(images, result.results) if pal is not None}


# --------------------------------------------------------------------------- state


@dataclass
class SaveSummary:
    """What a batch of save results meant for the items."""

    saved: int = 0
    problems: list[str] = field(default_factory=list)
    conflicts: list[CaptionItem] = field(default_factory=list)  # changed on disk under unsaved edits
    touched: list[CaptionItem] = field(default_factory=list)


@dataclass
class DiskOutcome:
    """What a disk check meant: captions taken from disk, and edited ones that now conflict."""

    reloaded: list[CaptionItem] = field(default_factory=list)
    conflicts: list[CaptionItem] = field(default_factory=list)
    touched: list[CaptionItem] = field(default_factory=list)


class CaptionsState:
    """The captions of one folder as loaded and edited, and what happened to them on disk."""

    def __init__(self) -> None:
        self.items: list[CaptionItem] = []
        self._by_path: dict[Path, CaptionItem] = {}
        self.palettes: dict[Path, tuple] = {}
        # Disk versions of captions that changed under unsaved edits, until the user chooses.
        self.pending_disk: dict[Path, CaptionFile] = {}
        # Bytes our own saves are writing: the disk check does not mistake them for outside edits.
        self.own_writes: dict[Path, bytes] = {}
        self.batch_paths: set[Path] = set()  # captions a batch edit is writing

    def set_items(self, items: list[CaptionItem]) -> None:
        self.items = items
        self._by_path = {item.caption_path: item for item in items}
        self.pending_disk.clear()

    def clear(self) -> None:
        self.set_items([])
        self.palettes.clear()

    def item(self, path: Path) -> CaptionItem | None:
        return self._by_path.get(path)

    def items_sharing(self, path: Path) -> list[CaptionItem]:
        """Every item whose caption is ``path`` (two images may share one caption file)."""
        return [item for item in self.items if item.caption_path == path]

    def has_unsaved_changes(self) -> bool:
        return any(item.dirty for item in self.items)

    def dirty_items(self) -> list[CaptionItem]:
        return [item for item in self.items if item.dirty]

    def load_note(self) -> str:
        """The count line under the list: how many, and what is missing or unreadable."""
        items = self.items
        missing = sum(1 for i in items if i.caption is not None and not i.caption.raw and i.image is not None)
        orphans = sum(1 for i in items if i.image is None)
        unreadable = sum(1 for i in items if i.error)
        note = []
        if missing:
            note.append(f"{missing} without a caption")
        if orphans:
            note.append(f"{orphans} caption(s) without an image")
        if unreadable:
            note.append(f"{unreadable} unreadable")
        return f"{len(items)} captions" + (f" ({', '.join(note)})" if note else "")

    def lint_inputs(self) -> list[LintInput]:
        return [
            LintInput(
                str(item.caption_path),
                item.text,
                item.caption.encoding if item.caption else "utf-8",
                self.palettes.get(item.image) if item.image else None,
            )
            for item in self.items
            if item.caption is not None
        ]

    def apply_lint(self, result: DatasetLint, keep: CaptionItem | None = None) -> None:
        """Take the findings of a dataset lint; ``keep`` (the caption being edited) keeps its own."""
        for item in self.items:
            found = result.findings.get(str(item.caption_path))
            if found is not None and item is not keep:
                item.findings = found

    def error_count(self) -> int:
        return sum(1 for item in self.items if item.worst == Severity.ERROR)

    def batch_texts(self, items: list[CaptionItem]) -> tuple[dict[Path, str], str]:
        """The texts a batch edit may change (saved, readable, no pending disk choice) and a note."""
        usable = [
            i
            for i in items
            if i.caption is not None and not i.dirty and i.caption_path not in self.pending_disk
        ]
        left_out = len(items) - len(usable)
        note = (
            f"{left_out} caption(s) with unsaved edits or unread files are left out: save them first."
            if left_out
            else ""
        )
        return {i.caption_path: i.text for i in usable}, note

    def apply_save_results(self, results: list[SaveResult]) -> SaveSummary:
        outcome = SaveSummary()
        for result in results:
            self.own_writes.pop(result.path, None)
            item = self.item(result.path)
            if item is None:
                continue
            outcome.touched.append(item)
            if result.saved is not None:
                outcome.saved += 1
                # Every image sharing this caption file now shows what was written.
                for sharer in self.items_sharing(result.path):
                    sharer.caption = result.saved
                    sharer.text = result.saved.text
                    sharer.stat_key = result.saved.stat_key
                    sharer.disk_changed = False
                continue
            outcome.problems.append(result.message)
            if result.problem == SaveProblem.CHANGED_ON_DISK:
                item.disk_changed = True
                try:
                    self.pending_disk[result.path] = read_caption(result.path)
                except CaptionError:
                    pass
                outcome.conflicts.append(item)
        return outcome

    def apply_disk_changes(self, changed: list[DiskChange]) -> DiskOutcome:
        """Saved captions follow the disk; edited ones wait for the user's choice (``pending_disk``).

        The view replaces a reloaded caption's text itself (``take_disk_version``), so that the
        previous text stays one Undo away.
        """
        outcome = DiskOutcome()
        for change in changed:
            item = self.item(change.path)
            if item is None:
                continue
            outcome.touched.append(item)
            item.stat_key = change.stat_key
            if item.caption is not None and change.on_disk.raw == item.caption.raw:
                continue
            if change.on_disk.raw == self.own_writes.get(change.path) or change.path in self.batch_paths:
                continue  # our own write: its result is on the way
            if not item.dirty:
                outcome.reloaded.append(item)
            else:
                item.disk_changed = True
                self.pending_disk[change.path] = change.on_disk
                outcome.conflicts.append(item)
        return outcome

    def take_disk_version(self, item: CaptionItem, on_disk: CaptionFile) -> None:
        item.caption = on_disk
        item.disk_changed = False
        item.text = on_disk.text
        self.pending_disk.pop(item.caption_path, None)

    def keep_mine(self, item: CaptionItem) -> bool:
        """The disk version becomes the baseline: the next save replaces it knowingly."""
        on_disk = self.pending_disk.pop(item.caption_path, None)
        if on_disk is None:
            return False
        item.caption = on_disk
        item.disk_changed = False
        return True


def read_pixels(
    path: Path, progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled
) -> ImagePixels:
    """The image beside the caption, at its true pixel size, with its palette (a job)."""
    return image_pixels(path)


def diff_with_backup(
    backup_dir: Path, progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled
) -> list[BackupDiff]:
    """Each caption of a backup beside the caption as it is now (a job)."""
    return diff_backup(backup_dir)
