"""What the Epochs tab knows, without Qt: the samples loaded so far, the loads queued, the messages.

The tab loads sample folders in steps (drop one run, then another): an
:class:`EpochsState` keeps the roots loaded so far, the merged ``AnalysisResult``, the
samples that failed (with where they belong in the grid, so a broken file shows as an
error cell in its own row and column), the roots waiting for their load and the lines of
the Messages panel. The jobs that fill it (``core.epochs.jobs``) get a ``snapshot()`` and
return a new state, which ``load_finished`` / ``adopt`` take in; the tab only shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from bespoke_gui.core.epochs.analysis import AnalysisResult, ImageAnalysis, retarget
from bespoke_gui.core.epochs.grid_data import (
    GridCell,
    GridColumn,
    GridData,
    GridRow,
    column_label,
    heatmap_rgba,
)
from bespoke_gui.core.epochs.metrics import Targets
from bespoke_gui.core.epochs.prompts import distinct_parts
from bespoke_gui.core.epochs.samples import SampleInfo, parse_epoch_folder
from bespoke_gui.core.findings import grouped_lines
from bespoke_gui.core.workspace import IMAGE_EXTENSIONS

Column = tuple[str, int | None]
SummaryKey = tuple[str, Column]  # (run, column): one epoch of one run


@dataclass(frozen=True)
class FailedSample:
    """A sample that could not be analysed, placed in the grid by its name when possible."""

    path: str
    message: str
    sample: SampleInfo | None = None


@dataclass
class EpochsState:
    """Everything loaded so far (roots resolved), the loads still to come and the tab's messages."""

    roots: list[Path] = field(default_factory=list)
    result: AnalysisResult = field(default_factory=AnalysisResult)
    failed: list[FailedSample] = field(default_factory=list)
    grid: GridData = field(default_factory=GridData)
    prompt_texts: dict[int, str] = field(default_factory=dict)  # prompt index -> prompt (sample_prompts file)
    messages: list[str] = field(default_factory=list)
    pending_roots: list[Path] = field(default_factory=list)  # dropped while a load runs
    loading_roots: list[Path] = field(default_factory=list)  # the roots of the load in flight
    workspace_root: Path | None = None

    @property
    def is_empty(self) -> bool:
        return not self.roots

    @property
    def has_images(self) -> bool:
        return bool(self.result.images) and not self.is_empty

    def image_count(self) -> int:
        return len(self.result.images)

    # --- loading ----------------------------------------------------------------------------
    def set_workspace(self, root: Path | None, sample_dirs: Sequence[Path]) -> tuple[bool, list[Path]]:
        """A workspace opened: (whether it is another one, so what is loaded goes; the roots to load).

        The same workspace again (a part pointed at, File > Add Sample Folder…) loads only
        its new sample folders; what is on screen stays.
        """
        same = root is not None and root == self.workspace_root
        self.workspace_root = root
        roots = workspace_sample_roots(list(sample_dirs))
        if same:
            known = set(self.roots) | set(self.pending_roots) | set(self.loading_roots)
            return False, [r for r in roots if resolve(r) not in known]
        return True, roots

    def queue(self, paths: Iterable[Path | str]) -> tuple[list[Path], list[str]]:
        """Queue the paths not loaded or queued yet: (those queued, a message for each other one).

        The messages join the tab's messages too.
        """
        queued = set(self.pending_roots) | set(self.loading_roots)
        fresh, notes = split_new_roots(self, [Path(p) for p in paths])
        added = []
        for root in fresh:
            if root in queued:
                notes.append(f"{root}: already being loaded; dropped again, loaded once")
            else:
                added.append(root)
        self.pending_roots.extend(added)
        self.messages.extend(notes)
        return added, notes

    def next_load(self) -> list[Path]:
        """The queued roots, now the load in flight (empty: nothing queued)."""
        roots, self.pending_roots = self.pending_roots, []
        self.loading_roots = list(roots)
        return roots

    def snapshot(self) -> EpochsState:
        """What a job works on: its own copy of the samples, as the tab may change while it runs."""
        return EpochsState(
            roots=list(self.roots),
            result=self.result,
            failed=list(self.failed),
            grid=self.grid,
            prompt_texts=dict(self.prompt_texts),
        )

    def adopt(self, loaded: EpochsState, targets: Targets) -> None:
        """Take a job's state (a load or newly arrived samples), checked against ``targets`` (which
        may have been edited while the job ran)."""
        self.roots = loaded.roots
        self.result = retarget(loaded.result, targets)
        self.failed = loaded.failed
        self.grid = loaded.grid
        self.prompt_texts = loaded.prompt_texts
        self.rebuild_messages()

    def retarget(self, targets: Targets) -> None:
        """Check every epoch against new targets (no image is touched)."""
        if not self.is_empty:
            self.result = retarget(self.result, targets)

    def load_finished(self, loaded: EpochsState, targets: Targets) -> None:
        self.loading_roots = []
        self.messages = [m for m in self.messages if not m.startswith("loaded:")]
        self.adopt(loaded, targets)

    def load_failed(self, message: str) -> None:
        self.loading_roots = []
        self.messages.append(f"loading failed: {message}")

    def load_cancelled(self) -> None:
        self.loading_roots = []
        self.pending_roots.clear()
        self.messages.append("loading cancelled; nothing from that load was kept")

    def reset(self) -> None:
        """Forget every sample, queued load and message (the workspace stays)."""
        self.roots, self.failed, self.messages = [], [], []
        self.pending_roots, self.loading_roots = [], []
        self.result, self.grid, self.prompt_texts = AnalysisResult(), GridData(), {}

    def rebuild_messages(self) -> None:
        """The messages: the tab's own lines, then the current failures and notes of the analysis."""
        loaded = [f"error: {f.path}: {f.message}" for f in self.failed]
        loaded += grouped_lines(self.result.messages)
        self.messages = [m for m in self.messages if m not in loaded] + loaded

    # --- what the views show ----------------------------------------------------------------
    def errors_by_key(self) -> dict[SummaryKey, int]:
        """How many samples of each epoch could not be read."""
        errors: dict[SummaryKey, int] = {}
        for failed in self.failed:
            if failed.sample is not None:
                key = (failed.sample.run, failed.sample.column)
                errors[key] = errors.get(key, 0) + 1
        return errors

    def column_marks(self, best: set[SummaryKey], chosen: set[SummaryKey]) -> dict[int, str]:
        """Grid column -> "★" (best), "✓" (chosen for production) or both."""
        marks: dict[int, str] = {}
        for index, column in enumerate(self.grid.columns):
            text = [symbol for symbol, keys in (("★", best), ("✓", chosen)) if column.key in keys]
            if text:
                marks[index] = " ".join(text)
        return marks

    def summary_text(self, loading: bool) -> str:
        if loading:
            return "Analysing samples…"
        if self.is_empty:
            return "No samples loaded. Drop sample folders here or use Add samples…"
        grid = self.grid
        text = (
            f"{len(self.result.images)} samples · {len(grid.runs)} run(s) · "
            f"{len(grid.columns)} column(s) · {len(grid.rows)} prompt(s)"
        )
        if self.failed:
            text += f" · {len(self.failed)} could not be read"
        best = [f"{run}: {s.label}" for run, s in self.result.best.items()]
        if best:
            text += " · best " + ", ".join(best)
        return text

    def loaded_status(self) -> str:
        return f"Epochs: {self.image_count()} samples analysed" + (
            f", {len(self.failed)} could not be read" if self.failed else ""
        )

    def cell_title(self, column: int, row: int) -> str:
        """ "run · epoch 8 · prompt 2": the name of one grid cell."""
        grid = self.grid
        return f"{grid.columns[column].run} · {grid.columns[column].label} · {grid.rows[row].label}"

    # --- watching ---------------------------------------------------------------------------
    def watched_roots(self) -> list[Path]:
        """The loaded roots that are folders (new samples may arrive in them)."""
        return [r for r in self.roots if r.is_dir()]

    def known_paths(self) -> frozenset[str]:
        """Every sample already loaded or failed: not new when it shows up in a folder again."""
        return frozenset(
            [str(i.sample.path) for i in self.result.images] + [str(f.path) for f in self.failed]
        )

    def newest_epoch(self) -> tuple[str, int] | None:
        """(run, epoch) of the highest epoch loaded."""
        epochs = [
            (s.run, s.column[1])
            for s in self.result.epochs
            if s.column[0] == "epoch" and s.column[1] is not None
        ]
        return max(epochs, key=lambda pair: pair[1]) if epochs else None


def resolve(path: Path | str) -> Path:
    try:
        return Path(path).expanduser().resolve()
    except OSError:
        return Path(path).expanduser().absolute()


def is_droppable(path: Path) -> bool:
    """A folder, or an image file by its extension: what a drop onto the Epochs tab may load."""
    return path.is_dir() or (path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS)


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
    short = distinct_parts(state.prompt_texts)
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
