"""EpochsState without Qt: the load queue, the messages, what the views show; the stored preferences."""

from __future__ import annotations

from pathlib import Path

import pytest
from epoch_fixtures import write_epoch_samples

from bespoke_gui.core.epochs import preferences
from bespoke_gui.core.epochs.analysis import AnalysisSettings
from bespoke_gui.core.epochs.jobs import append_samples, load_more_roots
from bespoke_gui.core.epochs.metrics import Targets
from bespoke_gui.core.epochs.state import EpochsState, resolve
from bespoke_gui.core.jobs import never_cancelled, no_progress


def _load(state: EpochsState, settings: AnalysisSettings) -> None:
    """What the tab does for a load: queue, run the job on a snapshot, take its result."""
    roots = state.next_load()
    loaded = load_more_roots(
        state.snapshot(), roots, settings, None, progress=no_progress, cancelled=never_cancelled
    )
    state.load_finished(loaded, settings.targets)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("state")
    a = base / "run_a" / "sample"
    b = base / "run_b" / "sample"
    write_epoch_samples(a, {1: 0.6, 2: 0.0}, prompts=2)
    write_epoch_samples(b, {1: 0.3}, prompts=2)
    return a, b


def test_a_path_queued_or_loaded_twice_loads_once_and_says_so(runs: tuple[Path, Path]) -> None:
    a, b = runs
    state = EpochsState()
    added, notes = state.queue([a, a])
    assert added == [resolve(a)] and len(notes) == 1 and "loaded once" in notes[0]
    assert state.next_load() == [resolve(a)] and state.loading_roots == [resolve(a)]
    added, notes = state.queue([a, b])  # a is in flight: only b waits
    assert added == [resolve(b)] and "already being loaded" in notes[0]
    assert state.pending_roots == [resolve(b)]
    assert notes[0] in state.messages


def test_loads_merge_and_the_views_get_words_and_marks(runs: tuple[Path, Path]) -> None:
    a, b = runs
    settings = AnalysisSettings()
    state = EpochsState()
    state.queue([a])
    _load(state, settings)
    assert not state.loading_roots and state.image_count() == 4
    state.queue([b])
    _load(state, settings)
    assert state.result.runs == ["run_a", "run_b"] and state.image_count() == 6
    text = state.summary_text(loading=False)
    assert text.startswith("6 samples · 2 run(s) · 3 column(s) · 2 prompt(s)") and "best" in text
    assert state.summary_text(loading=True) == "Analysing samples…"
    assert state.cell_title(0, 0).startswith("run_a · e1 · ")
    best = {(run, summary.column) for run, summary in state.result.best.items()}
    chosen = {("run_a", ("epoch", 1))}
    marks = state.column_marks(best, chosen)
    assert marks[0].endswith("✓") and all(
        "★" in marks[i] for i, c in enumerate(state.grid.columns) if c.key in best
    )
    assert state.newest_epoch() == ("run_a", 2)
    assert state.known_paths() == frozenset(str(i.sample.path) for i in state.result.images)
    assert state.watched_roots() == [resolve(a), resolve(b)]


def test_samples_that_arrive_join_their_run(runs: tuple[Path, Path], tmp_path: Path) -> None:
    folder = tmp_path / "run_c" / "sample"
    first = write_epoch_samples(folder, {1: 0.5}, prompts=1)
    settings = AnalysisSettings()
    state = EpochsState()
    state.queue([folder])
    _load(state, settings)
    later = write_epoch_samples(folder, {2: 0.0}, prompts=1)
    arrived = append_samples(
        state.snapshot(), later, settings, progress=no_progress, cancelled=never_cancelled
    )
    state.adopt(arrived, settings.targets)
    assert [str(i.sample.path) for i in state.result.images] == [str(first[0]), str(later[0])]
    assert state.result.runs == ["run_c"] and len(state.grid.columns) == 2


def test_cancel_failure_and_reset_leave_a_clear_trail(runs: tuple[Path, Path]) -> None:
    a, b = runs
    state = EpochsState(workspace_root=Path("/ws"))
    state.queue([a])
    state.next_load()
    state.queue([b])
    state.load_cancelled()
    assert not state.pending_roots and not state.loading_roots
    assert state.messages[-1].startswith("loading cancelled")
    state.load_failed("disk gone")
    assert state.messages[-1] == "loading failed: disk gone"
    state.reset()
    assert state.is_empty and not state.messages and state.workspace_root == Path("/ws")


def test_the_same_workspace_loads_only_its_new_sample_folders(runs: tuple[Path, Path]) -> None:
    a, b = runs
    state = EpochsState()
    another, roots = state.set_workspace(Path("/ws"), [a])
    assert another and roots == [a]
    state.queue(roots)
    another, roots = state.set_workspace(Path("/ws"), [a, b])
    assert not another and roots == [b]
    another, _roots = state.set_workspace(Path("/other"), [a])
    assert another


def test_stored_preferences_read_back_and_bad_values_fall_back() -> None:
    chosen = {"run": ("epoch", 8), "other": ("step", None)}
    text = preferences.chosen_to_text(chosen)
    assert preferences.chosen_from_text(text) == chosen
    for garbage in (None, "", "not json", "[1, 2]", '{"run": ["epoch", "eight"]}'):
        assert preferences.chosen_from_text(garbage) == {}
    assert preferences.with_choice(chosen, "run", None) == {"other": ("step", None)}

    stored = {"targets/unique_colors_target": "12", "targets/messy_share_target": "oops"}
    targets = preferences.stored_targets(stored.get)
    assert targets.unique_colors_target == 12.0
    assert targets.messy_share_target == Targets().messy_share_target
    shown = {name: preferences.shown_value(name, v) for name, v in preferences.target_values(targets).items()}
    assert preferences.targets_from_shown(shown) == targets  # a share shows in percent and comes back
    assert preferences.as_bool("true", False) and not preferences.as_bool(None, False)
    assert preferences.as_int("7", 5) == 7 and preferences.as_int("x", 5) == 5
    assert preferences.chosen_key(Path("/a")) != preferences.chosen_key(Path("/b"))


def test_many_files_with_the_same_note_make_one_message_line(tmp_path: Path) -> None:
    # Renamed samples in epoch folders (as the real epoch-8 set is): a note per file, which
    # the messages show as one line, not one per file.
    source = write_epoch_samples(tmp_path / "src", {1: 0.0}, prompts=2)
    for epoch in range(1, 6):
        folder = tmp_path / "samples" / f"epoch{epoch}"
        folder.mkdir(parents=True)
        for index, path in enumerate(source):
            (folder / f"portrait_{index}.png").write_bytes(path.read_bytes())
    state = EpochsState()
    state.queue([tmp_path / "samples"])
    _load(state, AnalysisSettings())
    assert state.image_count() == 10 and len(state.result.messages) == 10
    notes = [m for m in state.messages if "sd-scripts' sample form" in m]
    assert notes == [
        "10 files (portrait_0.png, ...): name not in sd-scripts' sample form; epoch from the folder name, "
        "prompt taken from the file name"
    ]
