"""Saving captions and following them on disk: the Captions tab's part that writes files.

Saves run as jobs; a QFileSystemWatcher (through ``FileWatch``) notices captions changed by
another program, and an unsaved caption is never overwritten without the user choosing
(Reload from disk / Keep mine in the tab's banner).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from bespoke_gui.core.captions.caption_files import CaptionEncodeError, CaptionFile
from bespoke_gui.core.captions.state import (
    CaptionItem,
    DiskChange,
    SaveResult,
    changed_on_disk,
    save_captions,
)
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.captions.documents import replace_document_text
from bespoke_gui.ui.widgets.confirm import ask_to_confirm
from bespoke_gui.ui.widgets.file_watch import FileWatch
from bespoke_gui.ui.widgets.timers import single_shot_timer

if TYPE_CHECKING:
    from bespoke_gui.ui.captions.tab import CaptionsTab

# A burst of watcher events (an atomic replace is several) becomes one check after this pause.
DISK_CHECK_DELAY_MS = 150


class CaptionDiskSync:
    """Save, save as UTF-8, and reconcile the loaded captions with what is on disk."""

    def __init__(self, tab: CaptionsTab) -> None:
        self.tab = tab
        self.state = tab.state
        self.confirm_box: QMessageBox | None = None
        self._disk_timer = single_shot_timer(tab, DISK_CHECK_DELAY_MS, self.check_disk)
        self.watcher = FileWatch(tab)
        self.watcher.changed.connect(self._disk_event)

    # --- saving -------------------------------------------------------------------------------
    def save_current(self) -> JobHandle | None:
        current = self.tab.current
        if current is None or not current.dirty:
            return None
        return self.save([current])

    def save_all(self) -> JobHandle | None:
        dirty = self.state.dirty_items()
        return self.save(dirty) if dirty else None

    def save_as_utf8(self) -> JobHandle | None:
        """Re-save the open caption as plain UTF-8 (what sd-scripts reads), line ends kept."""
        item = self.tab.current
        if item is None or item.caption is None:
            return None
        item.caption = item.caption.as_utf8()
        return self.save([item])

    def save(self, items: list[CaptionItem]) -> JobHandle | None:
        work = []
        not_encodable: list[tuple[CaptionItem, CaptionEncodeError]] = []
        for item in items:
            if item.caption is None or item.caption_path in self.state.pending_disk:
                if item.caption_path in self.state.pending_disk:
                    self.tab.show_banner(
                        f"{item.name} changed on disk: choose Reload or Keep mine before saving."
                    )
                continue
            try:
                self.state.own_writes[item.caption_path] = item.caption.encode(item.text)
            except CaptionEncodeError as exc:
                not_encodable.append((item, exc))
                continue
            work.append((item.caption, item.text))
        if not_encodable:
            self._ask_save_as_utf8(not_encodable)
        if not work:
            return None
        return self.tab.jobs.start(
            save_captions, work, description=f"saving {len(work)} caption(s)", finished=self._saved
        )

    def _ask_save_as_utf8(self, failures: list[tuple[CaptionItem, CaptionEncodeError]]) -> QMessageBox:
        """Text the file's encoding cannot hold: ask (open(), not exec()) to save those as UTF-8."""
        items = [item for item, _exc in failures]
        names = ", ".join(item.name for item in items[:3]) + ("…" if len(items) > 3 else "")

        def save_as_utf8() -> None:
            for item in items:
                if item.caption is not None:
                    item.caption = item.caption.as_utf8()
            self.save(items)

        self.confirm_box = ask_to_confirm(
            self.tab,
            "Save as UTF-8?",
            f"{failures[0][1]}.\n\nSave {names} as UTF-8?",
            "Save as UTF-8",
            save_as_utf8,
        )
        return self.confirm_box

    def save_now(self, items: list[CaptionItem]) -> None:
        """Save on the spot (switching workspace): the items are about to be dropped."""
        work = [(item.caption, item.text) for item in items if item.caption is not None]
        for result in save_captions(work):
            if result.saved is None:
                self.tab.context.show_status(f"Captions: {result.message}")

    def _saved(self, results: list[SaveResult]) -> None:
        tab = self.tab
        outcome = self.state.apply_save_results(results)
        if tab.current is not None and tab.current in outcome.conflicts:
            self.offer_disk_choice(tab.current)
        for item in outcome.touched:
            tab.model.refresh_row(tab.model.row_of(item.caption_path))
        tab.update_header()
        if tab.current is not None and tab.current in outcome.touched:
            tab.analyse_current()  # e.g. a "not UTF-8" finding is gone once saved as UTF-8
        problems = outcome.problems
        status = f"Saved {outcome.saved} caption(s)"
        if problems:
            status += f"; {len(problems)} not saved: {problems[0]}"
            if not tab.banner.isVisible():
                tab.show_banner(problems[0], choices=False)
        tab.context.show_status(status)

    # --- changes on disk ------------------------------------------------------------------------
    def _disk_event(self, _path: str) -> None:
        self._disk_timer.start()

    def check_disk(self) -> JobHandle | None:
        if not self.state.items:
            return None
        self.watcher.rearm()
        known = [(item.caption_path, item.stat_key) for item in self.state.items]
        return self.tab.jobs.start(
            changed_on_disk, known, description="checking captions on disk", finished=self._disk_checked
        )

    def _disk_checked(self, changed: list[DiskChange]) -> None:
        tab = self.tab
        outcome = self.state.apply_disk_changes(changed)
        on_disk = {change.path: change.on_disk for change in changed}
        for item in outcome.reloaded:
            self.take_disk_version(item, on_disk[item.caption_path])
        if tab.current is not None and tab.current in outcome.conflicts:
            self.offer_disk_choice(tab.current)
        for item in outcome.reloaded + outcome.conflicts:
            tab.model.refresh_row(tab.model.row_of(item.caption_path))
        reloaded = outcome.reloaded
        if reloaded:
            names = ", ".join(i.name for i in reloaded[:3]) + ("…" if len(reloaded) > 3 else "")
            tab.context.show_status(f"Reloaded {len(reloaded)} caption(s) changed on disk: {names}")
            if tab.current in reloaded:
                tab.show_banner(
                    f"{tab.current.name} changed on disk and was reloaded (Undo brings back the "
                    "previous text).",
                    choices=False,
                )

    def take_disk_version(self, item: CaptionItem, on_disk: CaptionFile) -> None:
        doc = self.tab.documents.get(item.caption_path)
        if doc is not None:
            replace_document_text(doc, on_disk.text)  # undoable: the previous text is one Undo away
        self.state.take_disk_version(item, on_disk)
        if item is self.tab.current:
            self.tab.update_header()
            self.tab.analyse_current()

    def offer_disk_choice(self, item: CaptionItem) -> None:
        self.tab.show_banner(
            f"{item.name} changed on disk while you were editing it. Reload the disk version "
            "(Undo brings your text back), or keep yours (saving will then replace the disk version).",
            choices=True,
        )

    def reload_from_disk(self) -> None:
        tab = self.tab
        item = tab.current
        if item is None or item.caption_path not in self.state.pending_disk:
            tab.banner.hide()
            return
        self.take_disk_version(item, self.state.pending_disk[item.caption_path])
        tab.banner.hide()
        tab.model.refresh_row(tab.model.row_of(item.caption_path))

    def keep_mine(self) -> None:
        tab = self.tab
        item = tab.current
        if item is None or not self.state.keep_mine(item):
            tab.banner.hide()
            return
        tab.banner.hide()
        tab.update_header()
        tab.model.refresh_row(tab.model.row_of(item.caption_path))
