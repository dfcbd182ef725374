"""CaptionsState and the Captions jobs, without Qt: load, edit, save, disk changes, batch scope."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from bespoke_gui.core.captions.state import (
    CaptionsState,
    SaveProblem,
    changed_on_disk,
    load_caption_items,
    save_captions,
)


def make_folder(root: Path) -> Path:
    for name, caption in (("a", "pixel art, one"), ("b", "pixel art, two"), ("c", None)):
        Image.new("RGB", (4, 4), (10, 20, 30)).save(root / f"{name}.png")
        if caption is not None:
            (root / f"{name}.txt").write_text(caption + "\n", encoding="utf-8")
    (root / "orphan.txt").write_text("no image\n", encoding="utf-8")
    return root


def loaded(root: Path) -> CaptionsState:
    state = CaptionsState()
    state.set_items(load_caption_items(root, ".txt"))
    return state


def test_load_counts_and_lint_inputs(tmp_path: Path) -> None:
    state = loaded(make_folder(tmp_path))
    assert [i.name for i in state.items] == ["a.png", "b.png", "c.png", "orphan.txt"]
    assert state.load_note() == "4 captions (1 without a caption, 1 caption(s) without an image)"
    assert [Path(i.name).name for i in state.lint_inputs()] == ["a.txt", "b.txt", "c.txt", "orphan.txt"]
    assert not state.has_unsaved_changes()


def test_edit_save_and_a_second_writer_is_never_overwritten(tmp_path: Path) -> None:
    root = make_folder(tmp_path)
    state = loaded(root)
    a, b = state.item(root / "a.txt"), state.item(root / "b.txt")
    a.text, b.text = "pixel art, one, hat", "pixel art, two, scarf"
    assert state.dirty_items() == [a, b]
    (root / "b.txt").write_text("someone else\n", encoding="utf-8")  # written behind our back
    os.utime(root / "b.txt", ns=(1, 1))
    results = save_captions([(a.caption, a.text), (b.caption, b.text)])
    assert [r.problem for r in results] == [None, SaveProblem.CHANGED_ON_DISK]
    outcome = state.apply_save_results(results)
    assert outcome.saved == 1 and outcome.conflicts == [b] and len(outcome.problems) == 1
    assert (root / "a.txt").read_text(encoding="utf-8") == "pixel art, one, hat\n"
    assert (root / "b.txt").read_text(encoding="utf-8") == "someone else\n"
    assert not a.dirty and b.dirty and b.disk_changed
    assert state.pending_disk[root / "b.txt"].text == "someone else"
    assert state.keep_mine(b) and not b.disk_changed and b.caption.text == "someone else"
    assert state.apply_save_results(save_captions([(b.caption, b.text)])).saved == 1


def test_disk_changes_reload_saved_captions_and_hold_edited_ones(tmp_path: Path) -> None:
    root = make_folder(tmp_path)
    state = loaded(root)
    a, b = state.item(root / "a.txt"), state.item(root / "b.txt")
    b.text = "pixel art, two, edited"
    for name in ("a", "b"):
        (root / f"{name}.txt").write_text(f"changed {name}\n", encoding="utf-8")
        os.utime(root / f"{name}.txt", ns=(2, 2))
    changes = changed_on_disk([(i.caption_path, i.stat_key) for i in state.items])
    assert sorted(c.path.name for c in changes) == ["a.txt", "b.txt"]
    outcome = state.apply_disk_changes(changes)
    assert outcome.reloaded == [a] and outcome.conflicts == [b]
    state.take_disk_version(a, next(c.on_disk for c in changes if c.path == a.caption_path))
    assert a.text == "changed a" and not a.dirty
    assert b.text == "pixel art, two, edited" and b.disk_changed and root / "b.txt" in state.pending_disk


def test_our_own_write_is_not_an_outside_change(tmp_path: Path) -> None:
    root = make_folder(tmp_path)
    state = loaded(root)
    a = state.item(root / "a.txt")
    a.text = "pixel art, mine"
    state.own_writes[a.caption_path] = a.caption.encode(a.text)
    (root / "a.txt").write_bytes(a.caption.encode(a.text))
    os.utime(root / "a.txt", ns=(3, 3))
    outcome = state.apply_disk_changes(changed_on_disk([(a.caption_path, a.stat_key)]))
    assert outcome.reloaded == [] and outcome.conflicts == [] and not a.disk_changed


def test_batch_scope_leaves_out_unsaved_and_unreadable(tmp_path: Path) -> None:
    root = make_folder(tmp_path)
    state = loaded(root)
    state.item(root / "a.txt").text = "edited"
    texts, note = state.batch_texts(state.items)
    assert sorted(p.name for p in texts) == ["b.txt", "c.txt", "orphan.txt"]
    assert note.startswith("1 caption(s) with unsaved edits")


def test_two_images_sharing_one_caption_save_once_without_a_false_disk_change(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "anim.gif")
    Image.new("RGB", (4, 4)).save(tmp_path / "anim.webp")
    (tmp_path / "anim.txt").write_text("pixel art, anim\n", encoding="utf-8")
    state = loaded(tmp_path)
    gif, webp = state.items_sharing(tmp_path / "anim.txt")
    gif.text = webp.text = "pixel art, anim, blinking"
    results = save_captions([(i.caption, i.text) for i in state.dirty_items()])
    assert [r.problem for r in results] == [None]
    outcome = state.apply_save_results(results)
    assert outcome.problems == [] and outcome.conflicts == []
    assert not state.has_unsaved_changes() and not gif.disk_changed and not webp.disk_changed
    assert (tmp_path / "anim.txt").read_text(encoding="utf-8") == "pixel art, anim, blinking\n"
