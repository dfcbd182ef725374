"""The jobs the Epochs tab runs (plain functions taking ``progress`` and ``cancelled``, run off the GUI thread).

- ``load_more_roots``: analyse dropped or workspace sample folders and merge them beside what
  is loaded (``load_roots`` + ``merge_states``; runs renamed where names collide);
- ``append_samples``: analyse samples that arrived while the tab watched and add them to their runs;
- ``inspect_sample``: decode one sample and run every pipeline on it, for the inspector;
- ``write_epochs_report``: the report with the epochs chosen for production (and the comparison
  of two runs); ``save_comparison``: the comparison of two runs on its own.

Each takes the state (or a snapshot of it) and returns a new value; the tab hands it to its
``EpochsState``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from bespoke_gui.core.colour import count_unique_colours
from bespoke_gui.core.epochs.analysis import (
    AnalysisResult,
    AnalysisSettings,
    ImageAnalysis,
    analyze_one,
    analyze_pixels,
    analyze_samples,
    compare_pipelines,
    load_sample_pixels,
    retarget,
)
from bespoke_gui.core.epochs.compare import (
    ComparisonFiles,
    RunComparison,
    add_comparison_to_report,
    write_comparison,
)
from bespoke_gui.core.epochs.grid_data import column_label
from bespoke_gui.core.epochs.metrics import ImageMetrics, Targets
from bespoke_gui.core.epochs.pixelgrid import Recovery
from bespoke_gui.core.epochs.prompts import find_prompts_file, read_prompt_texts
from bespoke_gui.core.epochs.report import ReportFiles, write_report
from bespoke_gui.core.epochs.samples import SampleInfo, describe_sample, parse_epoch_folder, run_for_folder
from bespoke_gui.core.epochs.state import EpochsState, FailedSample, build_grid, resolve
from bespoke_gui.core.findings import Finding
from bespoke_gui.core.jobs import CancelFn, ProgressFn, map_items
from bespoke_gui.core.workspace import Workspace

# --------------------------------------------------------------------------- loading


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


def _run_of_root(state: EpochsState, root: Path) -> str:
    """The run label the loaded samples under ``root`` carry (a new root: the loader's name)."""
    for item in state.result.images:
        if root == item.sample.path or root in resolve(item.sample.path).parents:
            return item.sample.run
    return run_for_folder(root)[0]


def append_samples(
    old: EpochsState,
    files: Sequence[Path],
    settings: AnalysisSettings,
    *,
    progress: ProgressFn,
    cancelled: CancelFn,
) -> EpochsState:
    """Analyse newly arrived files and add them to their runs (the job SampleWatch runs)."""
    infos = []
    for path in files:
        resolved = resolve(path)
        root = next((r for r in old.roots if r == resolved or r in resolved.parents), resolved.parent)
        info, _message = describe_sample(path, _run_of_root(old, root), parse_epoch_folder(path.parent.name))
        infos.append(info)
    batch = map_items(
        partial(analyze_one, settings=settings),
        infos,
        progress=progress,
        cancelled=cancelled,
        label=lambda s: str(s.path),
        message="analysing new samples",
    )
    new_images = [item for item in batch.results if item is not None]
    failed_infos = {str(info.path): info for info, item in zip(infos, batch.results) if item is None}
    result = old.result
    runs = list(result.runs) + [i.sample.run for i in new_images if i.sample.run not in result.runs]
    merged = replace(
        result,
        images=list(result.images) + new_images,
        errors=list(result.errors) + list(batch.errors),
        failed=list(result.failed) + [failed_infos[e.path] for e in batch.errors if e.path in failed_infos],
        runs=list(dict.fromkeys(runs)),
    )
    state = EpochsState(
        roots=list(old.roots),
        result=retarget(merged, settings.targets),
        failed=list(old.failed)
        + [FailedSample(e.path, e.message, failed_infos.get(e.path)) for e in batch.errors],
        prompt_texts=dict(old.prompt_texts),
    )
    state.grid = build_grid(state)
    return state


# --------------------------------------------------------------------------- inspecting

# The original is shown at most this big: a 512 sample needs no more to be read.
ORIGINAL_PREVIEW = 256
PIPELINE_NAMES = {
    "grid": "grid recovery",
    "two-stage": "two-stage",
    "two-stage+sharpen": "two-stage + sharpen",
    "nearest": "nearest",
}


@dataclass(frozen=True)
class PipelineResult:
    method: str
    pixels: np.ndarray  # (cells, cells, 3)
    unique_colours: int


@dataclass(frozen=True)
class InspectorData:
    path: Path
    title: str
    original: np.ndarray  # the sample, reduced to at most ORIGINAL_PREVIEW px for display
    original_size: tuple[int, int]
    recovery: Recovery
    metrics: ImageMetrics
    pipelines: tuple[PipelineResult, ...]


def _preview(pixels: np.ndarray, limit: int = ORIGINAL_PREVIEW) -> np.ndarray:
    """Every k-th pixel (nearest neighbour), so the sample's own blur and noise stay visible."""
    height, width = pixels.shape[:2]
    step = max(1, int(np.ceil(max(height, width) / limit)))
    return np.ascontiguousarray(pixels[::step, ::step, :3])


def inspect_sample(
    path: str | Path,
    title: str,
    settings: AnalysisSettings,
    *,
    progress: ProgressFn,
    cancelled: CancelFn,
) -> InspectorData:
    """Decode one sample and run every pipeline on it (a job: runs off the GUI thread)."""
    progress(0, 3, "decoding")
    pixels, _notes = load_sample_pixels(path, settings)
    progress(1, 3, "recovering")
    recovery, measured = analyze_pixels(pixels, settings)
    if cancelled():
        raise RuntimeError("cancelled")
    progress(2, 3, "comparing pipelines")
    compared = compare_pipelines(pixels, settings.cells, settings.merge_threshold)
    results = tuple(
        PipelineResult(method, compared[method].pixels, count_unique_colours(compared[method].pixels))
        for method in PIPELINE_NAMES
        if method in compared
    )
    progress(3, 3, "done")
    return InspectorData(
        path=Path(path),
        title=title or Path(path).name,
        original=_preview(pixels),
        original_size=(pixels.shape[1], pixels.shape[0]),
        recovery=recovery,
        metrics=measured,
        pipelines=results,
    )


# --------------------------------------------------------------------------- export


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


def save_comparison(
    comparison: RunComparison, folder: Path, *, progress: ProgressFn, cancelled: CancelFn
) -> ComparisonFiles:
    """Write compare.png and compare.md of two runs into ``folder``."""
    return write_comparison(comparison, folder)
