"""Find sample images and read run, epoch and prompt from their names.

kohya-ss sd-scripts names the images it samples during training
``{output_name}_e{epoch:06d}_{prompt:02d}_{timestamp}[_{seed}].png`` (at the end of an
epoch) or ``{output_name}_{step:06d}_{prompt:02d}_{timestamp}[_{seed}].png`` (every N
steps), all in one flat ``sample/`` folder. People also sort samples into folders
named ``epoch_8``, ``ep08``, ``e8``, ``epoch-008`` or ``epoch8_samples``.

API:

    sample_set = collect_samples([Path("run_512/sample"), Path("run_256/sample")])
    sample_set.samples   # list[SampleInfo], in a stable order (run, epoch, step, prompt, name)
    sample_set.messages  # list[Finding.note(path, message)]: names not understood, duplicates...
    sample_set.runs      # run labels in the order they were dropped

``SampleInfo.epoch`` / ``.step`` / ``.prompt_index`` are None when nothing says them.
``SampleInfo.prompt`` is always a label for the grid row: the two-digit prompt index
("00") when the name has one, otherwise the file stem (``control_background_green``).
``SampleInfo.column`` is the grid column: ``("epoch", 8)``, ``("step", 500)`` or
``("unknown", None)``.

A run label is the dropped folder's name (its parent's when the dropped folder is an
epoch folder or a ``sample``/``samples`` folder, so ``run_512/sample`` is run
``run_512``); two runs with the same folder name get " (2)" added.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bespoke_gui.core.findings import Finding
from bespoke_gui.core.workspace import IMAGE_EXTENSIONS, is_image_file, list_images

EPOCH_NAME_RE = re.compile(
    r"^(?P<output>.+?)_e(?P<epoch>\d{6})_(?P<prompt>\d{2})_(?P<timestamp>\d{14})(?:_(?P<seed>\d+))?$"
)
STEP_NAME_RE = re.compile(
    r"^(?P<output>.+?)_(?P<step>\d{6})_(?P<prompt>\d{2})_(?P<timestamp>\d{14})(?:_(?P<seed>\d+))?$"
)
# epoch_8, ep08, e8, epoch-008, epoch 8, Epoch8, epoch8_samples (a suffix after a separator).
EPOCH_FOLDER_RE = re.compile(r"^(?:epoch|ep|e)[-_ ]?(?P<epoch>\d{1,6})(?:[-_ ].*)?$", re.IGNORECASE)
# Folders that hold samples but name no run of their own.
_GENERIC_FOLDER_NAMES = {"sample", "samples", "outputs", "output", "images"}


@dataclass(frozen=True)
class SampleInfo:
    """One sample image and what its name (or folder) says about it."""

    path: Path
    run: str
    epoch: int | None = None
    step: int | None = None
    prompt_index: int | None = None
    prompt: str = ""
    output_name: str | None = None
    timestamp: str | None = None
    seed: int | None = None

    @property
    def column(self) -> tuple[str, int | None]:
        if self.epoch is not None:
            return ("epoch", self.epoch)
        if self.step is not None:
            return ("step", self.step)
        return ("unknown", None)

    @property
    def column_label(self) -> str:
        kind, value = self.column
        if kind == "epoch":
            return f"epoch {value}"
        if kind == "step":
            return f"step {value}"
        return "epoch ?"

    @property
    def sort_key(self) -> tuple:
        kind, value = self.column
        return (
            self.run,
            {"epoch": 0, "step": 1, "unknown": 2}[kind],
            value if value is not None else -1,
            self.prompt_index if self.prompt_index is not None else 1 << 30,
            self.prompt,
            self.path.name,
        )


@dataclass
class SampleSet:
    samples: list[SampleInfo] = field(default_factory=list)
    messages: list[Finding] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)

    def epochs(self, run: str | None = None) -> list[int]:
        return sorted(
            {s.epoch for s in self.samples if s.epoch is not None and (run is None or s.run == run)}
        )

    def prompts(self, run: str | None = None) -> list[str]:
        seen: dict[str, tuple] = {}
        for s in self.samples:
            if run is None or s.run == run:
                key = (s.prompt_index if s.prompt_index is not None else 1 << 30, s.prompt)
                seen.setdefault(s.prompt, key)
        return sorted(seen, key=lambda p: seen[p])

    def for_run(self, run: str) -> list[SampleInfo]:
        return [s for s in self.samples if s.run == run]


@dataclass(frozen=True)
class ParsedName:
    epoch: int | None
    step: int | None
    prompt_index: int | None
    output_name: str | None
    timestamp: str | None
    seed: int | None

    @property
    def recognised(self) -> bool:
        return self.prompt_index is not None


def parse_sample_name(name: str) -> ParsedName:
    """Read epoch or step, prompt index, output name, timestamp and seed from a file name.

    Both the epoch form (``x_e000008_03_20240101123456[_42].png``) and the step form
    (``x_000500_03_20240101123456.png``) are understood; anything else gives all None.
    """
    stem = Path(name).stem if Path(name).suffix.lower() in IMAGE_EXTENSIONS else name
    match = EPOCH_NAME_RE.match(stem)
    if match:
        return ParsedName(
            epoch=int(match["epoch"]),
            step=None,
            prompt_index=int(match["prompt"]),
            output_name=match["output"],
            timestamp=match["timestamp"],
            seed=int(match["seed"]) if match["seed"] else None,
        )
    match = STEP_NAME_RE.match(stem)
    if match:
        return ParsedName(
            epoch=None,
            step=int(match["step"]),
            prompt_index=int(match["prompt"]),
            output_name=match["output"],
            timestamp=match["timestamp"],
            seed=int(match["seed"]) if match["seed"] else None,
        )
    return ParsedName(None, None, None, None, None, None)


def parse_epoch_folder(name: str) -> int | None:
    """The epoch a folder name gives (``epoch_8``, ``ep08``, ``e8``, ``epoch-008``), or None."""
    match = EPOCH_FOLDER_RE.match(name.strip())
    return int(match["epoch"]) if match else None


def _subfolders(folder: Path) -> list[Path]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return sorted(
        (Path(e.path) for e in entries if e.is_dir() and not e.name.startswith(".")), key=lambda p: p.name
    )


def run_for_folder(folder: Path) -> tuple[str, Path]:
    """A dropped sample folder's run label and the folder that names it.

    The folder itself, or its parent when its own name is an epoch or a generic
    ``sample``/``samples`` folder (``run_512/sample`` is run ``run_512``; two epoch
    folders of one run are one run).
    """
    if parse_epoch_folder(folder.name) is not None or folder.name.lower() in _GENERIC_FOLDER_NAMES:
        parent = folder.parent
        if parent.name and parent != folder:
            if parent.name.lower() in _GENERIC_FOLDER_NAMES and parent.parent.name:
                return parent.parent.name, parent.parent
            return parent.name, parent
    return folder.name or str(folder), folder


def describe_sample(path: Path, run: str, folder_epoch: int | None) -> tuple[SampleInfo, str | None]:
    """The SampleInfo for one image, and a message when its name was not understood."""
    parsed = parse_sample_name(path.name)
    epoch = parsed.epoch if parsed.epoch is not None else (folder_epoch if parsed.step is None else None)
    info = SampleInfo(
        path=path,
        run=run,
        epoch=epoch,
        step=parsed.step,
        prompt_index=parsed.prompt_index,
        prompt=f"{parsed.prompt_index:02d}" if parsed.prompt_index is not None else path.stem,
        output_name=parsed.output_name,
        timestamp=parsed.timestamp,
        seed=parsed.seed,
    )
    message = None
    if not parsed.recognised:
        # No epoch number in the words: the same note for every such file makes one line.
        where = "epoch from the folder name" if folder_epoch is not None else "epoch unknown"
        message = f"name not in sd-scripts' sample form; {where}, prompt taken from the file name"
    return info, message


def collect_samples(paths: Iterable[Path | str], run_labels: Iterable[str] | None = None) -> SampleSet:
    """Gather sample images from dropped folders and files.

    Each path may be an epoch folder, sd-scripts' flat ``sample/`` folder, a parent of
    per-epoch folders (one level down), or a single image. Every image is loaded once,
    however often it is dropped. ``run_labels`` (one per path) overrides the run names.
    """
    result = SampleSet()
    labels = list(run_labels) if run_labels is not None else []
    seen_files: set[Path] = set()
    seen_roots: set[Path] = set()
    used_runs: dict[str, Path] = {}
    pending_messages: list[Finding] = []
    infos: list[SampleInfo] = []

    def run_name(base: str, root: Path) -> str:
        name = base
        n = 2
        while name in used_runs and used_runs[name] != root:
            name = f"{base} ({n})"
            n += 1
        used_runs[name] = root
        if name not in result.runs:
            result.runs.append(name)
        return name

    for index, raw in enumerate(paths):
        path = Path(raw).expanduser()
        try:
            resolved = path.resolve()
        except OSError:
            resolved = path.absolute()
        if resolved in seen_roots:
            pending_messages.append(Finding.note(str(path), "dropped more than once; loaded once"))
            continue
        seen_roots.add(resolved)
        if not path.exists():
            pending_messages.append(Finding.note(str(path), "not found"))
            continue
        label = labels[index] if index < len(labels) else None
        # (image, folder epoch) pairs found under this path.
        found: list[tuple[Path, int | None]] = []
        if path.is_file():
            if not is_image_file(path):
                pending_messages.append(Finding.note(str(path), "not an image file (by its extension)"))
                continue
            base, root = run_for_folder(resolved.parent)
            run = run_name(label or base, root)
            found.append((path, parse_epoch_folder(path.parent.name)))
        else:
            base, root = run_for_folder(resolved)
            run = run_name(label or base, root)
            direct = list_images(path)
            folder_epoch = parse_epoch_folder(path.name)
            found.extend((image, folder_epoch) for image in direct)
            for sub in _subfolders(path):
                sub_epoch = parse_epoch_folder(sub.name)
                sub_images = list_images(sub)
                if sub_epoch is None and sub.name.lower() not in _GENERIC_FOLDER_NAMES:
                    # Only folders that look like sample folders; a parent of anything
                    # else (a workspace) would sweep in the training images.
                    if sub_images and not any(parse_sample_name(p.name).recognised for p in sub_images):
                        continue
                if sub_epoch is None and sub.name.lower() in _GENERIC_FOLDER_NAMES:
                    for deeper in _subfolders(sub):
                        deeper_epoch = parse_epoch_folder(deeper.name)
                        if deeper_epoch is not None:
                            found.extend((image, deeper_epoch) for image in list_images(deeper))
                found.extend((image, sub_epoch) for image in sub_images)
            if not found:
                pending_messages.append(Finding.note(str(path), "no sample images found in this folder"))
                continue
            if not any(
                folder_epoch is not None
                or (parsed := parse_sample_name(image.name)).epoch is not None
                or parsed.step is not None
                for image, folder_epoch in found
            ):
                # No epoch or step anywhere: training images, not samples (they would show as "epoch ?").
                pending_messages.append(
                    Finding.note(
                        str(path),
                        "not loaded: no epoch or step in its folder or file names "
                        "(sample images are named like x_e000008_00_….png); training images?",
                    )
                )
                if not any(info.run == run for info in infos):
                    result.runs.remove(run)
                    used_runs.pop(run, None)
                continue
        for image, folder_epoch in found:
            try:
                key = image.resolve()
            except OSError:
                key = image.absolute()
            if key in seen_files:
                pending_messages.append(
                    Finding.note(str(image), "already loaded from another dropped path; loaded once")
                )
                continue
            seen_files.add(key)
            info, message = describe_sample(image, run, folder_epoch)
            infos.append(info)
            if message:
                pending_messages.append(Finding.note(str(image), message))
    infos.sort(key=lambda s: (result.runs.index(s.run),) + s.sort_key[1:])
    result.samples = infos
    result.messages = pending_messages
    return result
