"""From the engine's analysis to what the Epochs tab shows (plain data, no Qt).

The tab loads sample folders in steps (drop one run, then another), so this module
keeps an :class:`EpochsState`: the roots loaded so far, the merged ``AnalysisResult``
and the samples that failed (with where they belong in the grid, so a broken file
shows as an error cell in its own row and column). ``load_roots`` is the job the tab
runs; ``merge_states`` and ``build_grid`` are cheap enough to run in the same job.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

from bespoke_gui.core.config.sdscripts_args import find_key
from bespoke_gui.core.epochs.analysis import (
    AnalysisResult,
    AnalysisSettings,
    ImageAnalysis,
    analyze_samples,
    retarget,
)
from bespoke_gui.core.epochs.compare import add_comparison_to_report
from bespoke_gui.core.epochs.grid_data import (
    GridCell,
    GridColumn,
    GridData,
    GridRow,
    column_label,
    heatmap_rgba,
)
from bespoke_gui.core.epochs.metrics import Targets
from bespoke_gui.core.epochs.report import ReportFiles, write_report
from bespoke_gui.core.epochs.samples import SampleInfo, parse_epoch_folder
from bespoke_gui.core.findings import Finding
from bespoke_gui.core.jobs import CancelFn, ProgressFn
from bespoke_gui.core.workspace import Workspace


@dataclass(frozen=True)
class FailedSample:
    """A sample that could not be analysed, placed in the grid by its name when possible."""

    path: str
    message: str
    sample: SampleInfo | None = None


@dataclass
class EpochsState:
    """Everything loaded so far: the roots (resolved), the merged analysis, the failures."""

    roots: list[Path] = field(default_factory=list)
    result: AnalysisResult = field(default_factory=AnalysisResult)
    failed: list[FailedSample] = field(default_factory=list)
    grid: GridData = field(default_factory=GridData)
    prompt_texts: dict[int, str] = field(default_factory=dict)  # prompt index -> prompt (sample_prompts file)

    @property
    def is_empty(self) -> bool:
        return not self.roots

    def image_count(self) -> int:
        return len(self.result.images)


def resolve(path: Path | str) -> Path:
    try:
        return Path(path).expanduser().resolve()
    except OSError:
        return Path(path).expanduser().absolute()


def workspace_sample_roots(sample_dirs: Sequence[Path]) -> list[Path]:
    """The roots to load for a workspace's sample folders.

    Discovery lists every epoch folder (``samples/epoch_08``) on its own; loaded one by
    one they would become one run each, so epoch folders are replaced by their parent,
    which the sample parser reads as one run with an epoch per sub-folder.
    """
    roots: list[Path] = []
    for folder in sample_dirs:
        root = (
            folder.parent
            if parse_epoch_folder(folder.name) is not None and folder.parent != folder
            else folder
        )
        if root not in roots:
            roots.append(root)
    # A parent already covers any of its own sub-folders that were listed too.
    return [r for r in roots if not any(other != r and other in r.parents for other in roots)]


def split_new_roots(state: EpochsState, paths: Iterable[Path | str]) -> tuple[list[Path], list[str]]:
    """The dropped paths not loaded yet, and a message for each one that was."""
    fresh: list[Path] = []
    messages: list[str] = []
    loaded = set(state.roots)
    for raw in paths:
        path = resolve(raw)
        if path in loaded or path in fresh:
            messages.append(f"{path}: already loaded; dropped again, loaded once")
            continue
        covering = next((root for root in loaded if root in path.parents), None)
        if covering is not None:
            messages.append(f"{path}: already loaded as part of {covering}")
            continue
        fresh.append(path)
    return fresh, messages


_PROMPT_FILE_NAMES = ("prompts.txt", "sample_prompts.txt", "sample_prompt.txt")
_MAX_PROMPT_FILE_BYTES = 1_000_000


def find_prompts_file(root: Path | None, config_path: Path | None) -> Path | None:
    """The sd-scripts sample prompts file: the config's ``sample_prompts``, else a usual name."""
    candidates: list[Path] = []
    if config_path is not None:
        try:
            with open(config_path, "rb") as handle:
                value = find_key(tomllib.load(handle), "sample_prompts")
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            value = None
        if isinstance(value, str) and value.strip():
            named = Path(value.strip()).expanduser()
            if named.is_absolute():
                candidates.append(named)
            else:
                candidates.append(config_path.parent / named)
                if root is not None:
                    candidates.append(root / named)
    if root is not None:
        candidates.extend(root / name for name in _PROMPT_FILE_NAMES)
    for candidate in candidates:
        if candidate.suffix.lower() == ".txt" and candidate.is_file():
            return candidate
    return None


def read_prompt_texts(path: Path | None) -> dict[int, str]:
    """Prompt index -> prompt text of an sd-scripts prompts .txt file (options after `` --`` cut)."""
    if path is None:
        return {}
    try:
        if os.path.getsize(path) > _MAX_PROMPT_FILE_BYTES:
            return {}
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    prompts: dict[int, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        prompts[len(prompts)] = line.split(" --", 1)[0].strip()
    return prompts


def _distinct_parts(texts: dict[int, str]) -> dict[int, str]:
    """Each prompt without the phrases every prompt has ("pixel art", "24x24", ...)."""
    if len(texts) < 2:
        return dict(texts)
    split = {i: [part.strip() for part in t.split(",") if part.strip()] for i, t in texts.items()}
    shared = set.intersection(*(set(parts) for parts in split.values()))
    out = {}
    for i, parts in split.items():
        kept = [part for part in parts if part not in shared]
        out[i] = ", ".join(kept) if kept else texts[i]
    return out


def _root_of(image: Path, roots: Sequence[Path]) -> Path | None:
    resolved = resolve(image)
    for root in roots:
        if resolved == root or root in resolved.parents:
            return root
    return None


def _join_epoch_folder_runs(result: AnalysisResult, roots: Sequence[Path]) -> AnalysisResult:
    """Epoch folders dropped together (``epoch_1`` and ``epoch_2`` of one run) are one run.

    The sample parser names each dropped folder's run; two epoch folders with the same
    parent would otherwise come out as "run" and "run (2)".
    """
    groups: dict[Path, list[Path]] = {}
    for root in roots:
        if root.is_dir() and parse_epoch_folder(root.name) is not None:
            groups.setdefault(root.parent, []).append(root)
    groups = {parent: members for parent, members in groups.items() if len(members) > 1}
    if not groups:
        return result
    run_of_root: dict[Path, str] = {}
    for item in result.images:
        owner = _root_of(item.sample.path, roots)
        if owner is not None:
            run_of_root.setdefault(owner, item.sample.run)
    rename: dict[str, str] = {}
    for members in groups.values():
        labels = [run_of_root[m] for m in members if m in run_of_root]
        for label in labels[1:]:
            rename[label] = labels[0]
    if not rename:
        return result
    images = [
        replace(item, sample=replace(item.sample, run=rename.get(item.sample.run, item.sample.run)))
        for item in result.images
    ]
    runs = list(dict.fromkeys(rename.get(run, run) for run in result.runs))
    return retarget(replace(result, images=images, runs=runs), result.settings.targets)


def load_roots(
    roots: Sequence[Path],
    settings: AnalysisSettings,
    prompts_file: Path | None = None,
    *,
    progress: ProgressFn,
    cancelled: CancelFn,
) -> EpochsState:
    """Analyse the samples under ``roots`` (the job the tab runs for a drop or a workspace)."""
    result = analyze_samples(list(roots), settings, progress=progress, cancelled=cancelled)
    result = _join_epoch_folder_runs(result, roots)
    infos = {str(s.path): s for s in result.failed}
    failed = [FailedSample(error.path, error.message, infos.get(error.path)) for error in result.errors]
    state = EpochsState(
        roots=list(roots), result=result, failed=failed, prompt_texts=read_prompt_texts(prompts_file)
    )
    state.grid = build_grid(state)
    return state


def _unique_run(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


def merge_states(old: EpochsState, new: EpochsState, targets: Targets) -> EpochsState:
    """The state after loading ``new`` beside ``old``: runs renamed where names collide."""
    if old.is_empty:
        new.grid = build_grid(new)
        return new
    taken = set(old.result.runs) | {f.sample.run for f in old.failed if f.sample is not None}
    rename: dict[str, str] = {}
    new_runs = list(new.result.runs) + [f.sample.run for f in new.failed if f.sample is not None]
    for run in dict.fromkeys(new_runs):
        unique = _unique_run(run, taken)
        taken.add(unique)
        if unique != run:
            rename[run] = unique

    def renamed(sample: SampleInfo) -> SampleInfo:
        return replace(sample, run=rename[sample.run]) if sample.run in rename else sample

    images: list[ImageAnalysis] = list(old.result.images) + [
        replace(item, sample=renamed(item.sample)) for item in new.result.images
    ]
    failed = list(old.failed) + [
        replace(f, sample=renamed(f.sample)) if f.sample is not None else f for f in new.failed
    ]
    runs = list(dict.fromkeys(list(old.result.runs) + [rename.get(r, r) for r in new.result.runs]))
    messages: list[Finding] = list(old.result.messages) + list(new.result.messages)
    merged = replace(
        old.result,
        images=images,
        errors=list(old.result.errors) + list(new.result.errors),
        messages=messages,
        runs=runs,
        cancelled=old.result.cancelled or new.result.cancelled,
    )
    state = EpochsState(
        roots=list(old.roots) + list(new.roots),
        result=retarget(merged, targets),
        failed=failed,
        prompt_texts=new.prompt_texts or old.prompt_texts,
    )
    state.grid = build_grid(state)
    return state


def _column_order(column: tuple[str, int | None]) -> tuple[int, int]:
    kind, value = column
    return ({"epoch": 0, "step": 1}.get(kind, 2), value if value is not None else -1)


def _row(prompt: str, index: int | None, texts: dict[int, str], short: dict[int, str]) -> GridRow:
    if index is not None and index in texts:
        return GridRow(
            prompt=prompt, label=f"{prompt} · {short[index]}", tooltip=f"prompt {prompt}: {texts[index]}"
        )
    label = f"prompt {prompt}" if prompt.isdigit() else prompt
    return GridRow(prompt=prompt, label=label, tooltip=label)


def cell_caption(item: ImageAnalysis, extra: int = 0) -> str:
    m = item.metrics
    text = f"{m.unique_colors} col · {m.stray_count} stray"
    if extra:
        text += f" · +{extra}"
    return text


def build_grid(state: EpochsState) -> GridData:
    """Prompts down; for each run its epochs across; one cell per (run, epoch, prompt)."""
    result = state.result
    failed_placed = [f for f in state.failed if f.sample is not None]
    runs = list(result.runs)
    for f in failed_placed:
        if f.sample is not None and f.sample.run not in runs:
            runs.append(f.sample.run)
    prompt_keys: dict[str, tuple[int, str]] = {}
    samples = [item.sample for item in result.images] + [
        f.sample for f in failed_placed if f.sample is not None
    ]
    for s in samples:
        prompt_keys.setdefault(
            s.prompt, (s.prompt_index if s.prompt_index is not None else 1 << 30, s.prompt)
        )
    prompts = sorted(prompt_keys, key=lambda p: prompt_keys[p])
    index_of = {s.prompt: s.prompt_index for s in samples}
    short = _distinct_parts(state.prompt_texts)
    data = GridData(rows=[_row(p, index_of.get(p), state.prompt_texts, short) for p in prompts])
    row_of = {p: i for i, p in enumerate(prompts)}
    for run in runs:
        columns = sorted({s.column for s in samples if s.run == run}, key=_column_order)
        for column in columns:
            data.columns.append(GridColumn(run=run, column=column, label=column_label(column)))
    column_of = {(c.run, c.column): i for i, c in enumerate(data.columns)}
    stray_at = result.settings.strays.stray_at
    for item in result.images:
        s = item.sample
        key = (column_of[(s.run, s.column)], row_of[s.prompt])
        existing = data.cells.get(key)
        if existing is not None and existing.ok:
            # Several images in one cell (seeds, or no epoch in the names): the first is shown.
            existing.extra_images += 1
            existing.caption = cell_caption(cast(ImageAnalysis, existing.payload), existing.extra_images)
            continue
        metrics = item.metrics
        data.cells[key] = GridCell(
            path=s.path,
            pixels=item.recovery.pixels,
            stray_score=metrics.stray_score,
            stray_reason=metrics.stray_reason,
            strays=metrics.strays,
            stray_at=stray_at,
            overlay=heatmap_rgba(metrics.stray_score, stray_at),
            caption=cell_caption(item),
            flagged=metrics.messy,
            unique_colours=metrics.unique_colors,
            stray_count=metrics.stray_count,
            payload=item,
        )
    for f in failed_placed:
        assert f.sample is not None
        key = (column_of[(f.sample.run, f.sample.column)], row_of[f.sample.prompt])
        if key not in data.cells:
            data.cells[key] = GridCell(path=Path(f.path), error=f.message, caption="not analysed")
    return data


def load_more_roots(
    old: EpochsState,
    roots: list[Path],
    settings: AnalysisSettings,
    workspace: Workspace | None,
    *,
    progress: ProgressFn,
    cancelled: CancelFn,
) -> EpochsState:
    """Analyse new roots and merge them beside what was loaded (runs on the runner)."""
    prompts_file = find_prompts_file(workspace.root, workspace.config_path) if workspace is not None else None
    new = load_roots(roots, settings, prompts_file, progress=progress, cancelled=cancelled)
    if new.result.cancelled:
        return new
    return merge_states(old, new, settings.targets)


def write_epochs_report(
    state: EpochsState,
    folder: Path,
    chosen: dict[str, tuple[str, int | None]],
    cleaned: bool = False,
    *,
    progress: ProgressFn,
    cancelled: CancelFn,
) -> ReportFiles:
    """Write the engine's report, with the epochs chosen for production (and their cleaned art)."""
    progress(0, 1, "writing the report")
    labels = {(s.run, s.column): s.label for s in state.result.epochs}
    named = {run: labels.get((run, column), column_label(column)) for run, column in chosen.items()}
    files = write_report(state.result, folder, chosen=named, cleaned=cleaned)
    if len(state.result.runs) >= 2:
        add_comparison_to_report(state.result, files.markdown, chosen)
    progress(1, 1, "report written")
    return files
