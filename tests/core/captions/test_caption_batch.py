"""Batch edits: preview first, a verified backup before writing, undo by the inverted plan, restore."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from bespoke_gui.core.captions.batch import (
    BatchError,
    apply_plan,
    apply_rules,
    diff_backup,
    list_caption_backups,
    parse_rules,
    plan_add_phrase,
    plan_remove_phrase,
    plan_replace,
    plan_rules,
    restore_caption_backup,
)
from bespoke_gui.core.captions.caption_files import read_caption


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "ws" / "training_data"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_bytes(b"pixel art, wearing black stunner shades, brown hair\r\n")
    (folder / "b.txt").write_bytes(codecs.BOM_UTF8 + "pixel art, red hat, caf\u00e9".encode("utf-8"))
    (folder / "c.txt").write_bytes(b"pixel art, blue eyes")
    return folder


def texts(folder: Path) -> dict[Path, str]:
    return {p: read_caption(p).text for p in sorted(folder.glob("*.txt"))}


def test_replace_previews_without_touching_files(dataset: Path) -> None:
    before = {p: p.read_bytes() for p in dataset.glob("*.txt")}
    plan = plan_replace(texts(dataset), "brown", "chestnut brown")
    assert [c.path.name for c in plan.changes] == ["a.txt"]
    assert plan.changes[0].after == "pixel art, wearing black stunner shades, chestnut brown hair"
    assert "+chestnut brown hair" in plan.changes[0].diff()
    assert plan.unchanged == 2
    assert {p: p.read_bytes() for p in dataset.glob("*.txt")} == before


def test_regex_whole_phrase_and_case(dataset: Path) -> None:
    plan = plan_replace(texts(dataset), r"(\w+) eyes", r"bright \1 eyes", regex=True)
    assert plan.changes[0].after == "pixel art, bright blue eyes"
    whole = plan_replace(texts(dataset), "red hat", "crimson beret", whole_phrase=True)
    assert whole.changes[0].after == "pixel art, crimson beret, caf\u00e9"
    assert not plan_replace(texts(dataset), "red", "x", whole_phrase=True).changes  # "red" alone is no phrase
    assert not plan_replace(texts(dataset), "PIXEL", "x").changes
    assert len(plan_replace(texts(dataset), "PIXEL", "x", case_sensitive=False).changes) == 3
    with pytest.raises(BatchError):
        plan_replace(texts(dataset), "(", "x", regex=True)
    with pytest.raises(BatchError):
        plan_replace(texts(dataset), "(a)", r"\2", regex=True)


def test_add_and_remove_phrase(dataset: Path) -> None:
    added = plan_add_phrase(texts(dataset), "hard color borders")
    assert len(added.changes) == 3 and all(c.after.endswith(", hard color borders") for c in added.changes)
    front = plan_add_phrase(texts(dataset), "24x24", position=1)
    assert front.changes[0].after.startswith("pixel art, 24x24, ")
    removed = plan_remove_phrase(texts(dataset), "Red  Hat")
    assert [c.after for c in removed.changes] == ["pixel art, caf\u00e9"]


def test_rules_file_text_and_toml() -> None:
    rules = parse_rules(
        "# phase 1A\nblack stunner shades -> black rectangular sunglasses covering eyes\nred hat ->\n"
    )
    text = "pixel art, wearing black stunner shades, red hat, lips"
    assert apply_rules(text, rules) == "pixel art, wearing black rectangular sunglasses covering eyes, lips"
    toml_rules = parse_rules(
        '[[rules]]\nbefore = "stunner shades"\nafter = "sunglasses"\n[replace]\n"lips" = "red lips"\n'
    )
    assert apply_rules(text, toml_rules) == "pixel art, wearing black sunglasses, red hat, red lips"
    with pytest.raises(BatchError):
        parse_rules("just some words\n")


def test_apply_backs_up_then_writes_keeping_encoding_and_line_ends(dataset: Path) -> None:
    backups = dataset.parent / "backups"
    plan = plan_rules(texts(dataset), parse_rules("stunner shades -> sunglasses\nred hat -> red beret\n"))
    result = apply_plan(plan, dataset, backups)
    assert result.errors == [] and sorted(p.name for p in result.written) == ["a.txt", "b.txt"]
    assert (dataset / "a.txt").read_bytes() == b"pixel art, wearing black sunglasses, brown hair\r\n"
    assert (dataset / "b.txt").read_bytes() == codecs.BOM_UTF8 + "pixel art, red beret, caf\u00e9".encode(
        "utf-8"
    )
    listed = list_caption_backups(backups)
    assert len(listed) == 1 and listed[0].file_count == 2 and listed[0].kind == "captions"
    diffs = {d.path.name: d for d in diff_backup(listed[0].path)}
    assert diffs["a.txt"].changed and "-wearing black stunner shades" in diffs["a.txt"].diff()

    # Undo is the inverted plan, applied the same careful way.
    undo = apply_plan(plan.inverted(), dataset, backups)
    assert undo.errors == []
    assert (dataset / "a.txt").read_bytes() == b"pixel art, wearing black stunner shades, brown hair\r\n"
    assert len(list_caption_backups(backups)) == 2


def test_file_changed_since_preview_is_left_alone(dataset: Path) -> None:
    plan = plan_replace(texts(dataset), "pixel art", "pixel-art")
    (dataset / "c.txt").write_bytes(b"edited meanwhile")
    result = apply_plan(plan, dataset, dataset.parent / "backups")
    assert [Path(e.path).name for e in result.errors] == ["c.txt"]
    assert "changed on disk" in result.errors[0].message
    assert (dataset / "c.txt").read_bytes() == b"edited meanwhile"
    assert len(result.written) == 2


def test_captions_that_cannot_be_written_are_refused_before_the_backup(dataset: Path) -> None:
    backups = dataset.parent / "backups"
    sub = dataset / "more"
    sub.mkdir()
    (sub / "d.txt").write_bytes(b"pixel art, green hat")
    (dataset / "e.txt").symlink_to(dataset / "c.txt")
    every = {p: read_caption(p).text for p in [*sorted(dataset.glob("*.txt")), sub / "d.txt"]}
    plan = plan_add_phrase(every, "hard color borders")
    assert len(plan.changes) == 5
    sub.chmod(0o555)  # read-only, even for root (the owner's write bit is checked)
    (dataset / "b.txt").chmod(0o444)
    try:
        result = apply_plan(plan, dataset, backups)
    finally:
        sub.chmod(0o755)
        (dataset / "b.txt").chmod(0o644)
    refused = {Path(e.path).name: e.message for e in result.errors}
    assert set(refused) == {"d.txt", "b.txt", "e.txt"}
    # The words a save gives (save_caption), one line each.
    assert refused["d.txt"].startswith("d.txt is read-only (or its folder is), so it was not written")
    assert refused["b.txt"].startswith("b.txt is read-only")
    assert refused["e.txt"].startswith("cannot save e.txt:") and "link" in refused["e.txt"]
    assert sorted(p.name for p in result.written) == ["a.txt", "c.txt"]
    # The backup holds only the two captions that changed.
    listed = list_caption_backups(backups)
    assert len(listed) == 1 and listed[0].file_count == 2
    assert (sub / "d.txt").read_bytes() == b"pixel art, green hat"

    # Nothing writable: no backup at all.
    sub.chmod(0o555)
    try:
        only_sub = plan_add_phrase({sub / "d.txt": "pixel art, green hat"}, "x")
        assert apply_plan(only_sub, dataset, backups).backup is None
    finally:
        sub.chmod(0o755)
    assert len(list_caption_backups(backups)) == 1


def test_restore_a_caption_backup(dataset: Path) -> None:
    backups = dataset.parent / "backups"
    original = {p.name: p.read_bytes() for p in dataset.glob("*.txt")}
    apply_plan(plan_add_phrase(texts(dataset), "hard color borders"), dataset, backups)
    assert all(p.read_bytes() != original[p.name] for p in dataset.glob("*.txt"))
    backup = list_caption_backups(backups)[0]
    report = restore_caption_backup(backup.path)
    assert report.errors == [] and len(report.restored) == 3
    assert {p.name: p.read_bytes() for p in dataset.glob("*.txt")} == original
    assert report.safety_backup is not None  # the state before the restore is kept too
