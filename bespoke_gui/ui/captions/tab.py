"""The Captions tab: edit captions beside the zoomed image, keywords highlighted by kind, live
token count and cut point, lint with one-click fixes, batch edits with preview, backup and undo.

Layout: the list of captions (filterable) | the editor with its token count, legend and
findings | the image at nearest-neighbour zoom with its palette.

Each caption has its own QTextDocument, so undo/redo is per caption; batch operations have
their own QUndoStack (undoing one writes the previous texts back, after a backup). Files
are read and written by jobs on the runner; a QFileSystemWatcher notices captions changed
on disk, and an unsaved caption is never overwritten without the user choosing.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import (
    QTextCursor,
)
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from bespoke_gui.core.captions.dataset_lint import DatasetLint, TrainingSettings, read_training_settings
from bespoke_gui.core.captions.keywords import (
    HEX_KIND,
    Keywords,
    KeywordsError,
    default_keywords,
    load_keywords,
    user_keywords_path,
)
from bespoke_gui.core.captions.lint import CaptionFacts, CaptionLinter
from bespoke_gui.core.captions.state import (
    CaptionItem,
    CaptionsState,
    lint_captions,
    load_caption_items,
    read_palettes,
)
from bespoke_gui.core.imageio import load_thumbnails
from bespoke_gui.core.workspace import Workspace
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.captions.batch_actions import CaptionBatches
from bespoke_gui.ui.captions.disk_sync import CaptionDiskSync
from bespoke_gui.ui.captions.documents import CaptionDocuments, blank_document, replace_document_text
from bespoke_gui.ui.captions.highlighter import CaptionHighlighter
from bespoke_gui.ui.captions.image_inspector import ImageInspector
from bespoke_gui.ui.captions.model import (
    THUMB_SIZE,
)
from bespoke_gui.ui.captions.panels import (
    ENCODING_RULES,
    CaptionEditor,
    LegendLabel,
    LintFindingsModel,
)
from bespoke_gui.ui.captions.toolbar import CaptionToolbar
from bespoke_gui.ui.captions.views import CaptionListPane, FindingsTable, PixelPane
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.tabs import FeatureTab
from bespoke_gui.ui.widgets.banner import Banner
from bespoke_gui.ui.widgets.confirm import Choice, ask_save_discard_cancel
from bespoke_gui.ui.widgets.timers import single_shot_timer

KEYWORDS_SETTING = "captions/keywords_file"
PANEL_DELAY_MS = 120  # the findings table follows typing after this pause


# --------------------------------------------------------------------------- the tab


class CaptionsTab(FeatureTab):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.workspace: Workspace | None = None
        self.images_dir: Path | None = None
        self.keywords: Keywords = default_keywords()
        self.training = TrainingSettings()
        self.trigger: tuple[str, ...] | None = None
        self.linter = CaptionLinter(self.keywords, self.training.lint_settings())
        self.current: CaptionItem | None = None
        self.facts = CaptionFacts()
        self._analysed_text: str | None = None  # the text self.facts describe
        self._panel_path: Path | None = None  # the caption whose findings the table shows
        self.state = CaptionsState()
        # Bound methods (not lambdas): Qt drops them with the tab, so a document changed
        # while the tab is torn down calls nothing.
        self.documents = CaptionDocuments(self)
        self.documents.edited.connect(self._text_edited)
        self.documents.changed.connect(self._contents_changed)
        self.switch_box: QMessageBox | None = None  # save / discard / cancel before reading again

        # The parts: saving and the disk, batch edits and backups, the image's pixels.
        self.disk = CaptionDiskSync(self)
        self.batches = CaptionBatches(self)
        self._build_ui()
        self.inspector = ImageInspector(self, self.pixel_pane)

        self._analyse_timer = single_shot_timer(self, 0, self.analyse_current)
        # While typing, the findings table (word-wrapped rows measured again on every change:
        # the costliest widget of a keystroke) follows once the typing pauses; the editor's
        # underlines, cut and token count follow every key.
        self._panel_timer = single_shot_timer(self, PANEL_DELAY_MS, self.update_findings_panel)

        context.workspace_part_changed.connect(self._part_changed)
        self.follow_workspace(self.set_workspace)

    # --- building -----------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.list_pane = CaptionListPane(self._request_thumbnails)
        pane = self.list_pane
        self.model, self.proxy, self.list = pane.model, pane.proxy, pane.list
        self.filter_text, self.filter_kind, self.filter_lint = (
            pane.filter_text,
            pane.filter_kind,
            pane.filter_lint,
        )
        self.count_label = pane.count_label
        self.list.selectionModel().currentChanged.connect(self._current_changed)

        self.header = QLabel("")
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner = Banner("#fff3cd")
        self.reload_button = self.banner.add_button("Reload from disk", self.disk.reload_from_disk)
        self.keep_button = self.banner.add_button("Keep mine", self.disk.keep_mine)
        self.dismiss_button = self.banner.add_button("OK", self.banner.hide)

        self.editor = CaptionEditor()
        self.editor.setPlaceholderText("Open a workspace to edit its captions.")
        self.toolbar = CaptionToolbar(self)
        self.highlighter = CaptionHighlighter(self, self.keywords)
        self.token_label = QLabel("")
        self.legend = LegendLabel(self.keywords)
        self.findings_view = FindingsTable()
        self.findings_model = self.findings_view.findings_model
        self.findings_view.clicked.connect(self._finding_clicked)

        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.toolbar)
        middle_layout.addWidget(self.header)
        middle_layout.addWidget(self.banner)
        middle_layout.addWidget(self.editor, 3)
        middle_layout.addWidget(self.token_label)
        middle_layout.addWidget(self.legend)
        middle_layout.addWidget(self.findings_view, 2)

        self.pixel_pane = PixelPane()
        self.pixel_view, self.palette_strip = self.pixel_pane.pixel_view, self.pixel_pane.palette_strip
        self.pixel_label = self.pixel_pane.pixel_label

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list_pane)
        splitter.addWidget(middle)
        splitter.addWidget(self.pixel_pane)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 4)
        splitter.setStretchFactor(2, 3)
        splitter.setSizes([330, 620, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.list_pane.set_keywords(self.keywords)

    # --- workspace ----------------------------------------------------------------------
    def has_unsaved_changes(self) -> bool:
        return self.state.has_unsaved_changes()

    def discard_unsaved_changes(self) -> None:
        for item in self.model.items:
            if item.dirty and item.caption is not None:
                document = self.documents.get(item.caption_path)
                if document is not None:
                    replace_document_text(document, item.caption.text)
                item.text = item.caption.text
                self.model.refresh_row(self.model.row_of(item.caption_path))
        self.update_header()

    def _job_failed(self, description: str, message: str) -> None:
        self._show_problem(f"{description}: {message}")

    def _show_problem(self, message: str) -> None:
        self.context.show_status(message)
        self.show_banner(message, choices=False)

    def _part_changed(self, part: str) -> None:
        if self.context.workspace is not None:
            self.set_workspace(self.context.workspace)

    def set_workspace(self, workspace: Workspace | None) -> None:
        unsaved = [item for item in self.model.items if item.dirty] if self.has_unsaved_changes() else []
        if not unsaved:
            self._switch_to(workspace)
            return

        # The window asks before it switches; this is a switch it did not see (a folder of the
        # workspace pointed at again): Save writes the edits, Discard drops them, Cancel keeps
        # editing what is loaded.
        def chosen(choice: Choice) -> None:
            self.switch_box = None
            if choice == Choice.CANCEL:
                return
            if choice == Choice.SAVE:
                self.disk.save_now(unsaved)
            self._switch_to(workspace)

        self.switch_box = ask_save_discard_cancel(
            self,
            f"Save the {len(unsaved)} edited caption(s) before the captions are read again?",
            chosen,
            title="Unsaved captions",
            default=Choice.SAVE,
        )

    def _switch_to(self, workspace: Workspace | None) -> None:
        self.workspace = workspace
        self._clear()
        if workspace is None:
            self.count_label.setText("No workspace")
            return
        self.keywords = self._load_keywords(workspace)
        try:
            self.training = read_training_settings(workspace.config_path)
        except ValueError as exc:
            self.training = TrainingSettings()
            self.context.show_status(f"Captions: {exc}; using sd-scripts defaults")
        self.highlighter.set_keywords(self.keywords)
        self.legend.set_keywords(self.keywords)
        self.list_pane.set_keywords(self.keywords)
        self._update_linter()
        self.images_dir = workspace.images_dir or workspace.root
        extension = self.training.caption_extension if workspace.config_path else workspace.caption_extension
        self.count_label.setText("Reading captions…")
        self.jobs.start(
            load_caption_items,
            self.images_dir,
            extension,
            description="reading captions",
            slot="load",
            finished=self._loaded,
        )

    def _load_keywords(self, workspace: Workspace) -> Keywords:
        user_file = Path(str(self.context.settings.value(KEYWORDS_SETTING, str(user_keywords_path()))))
        try:
            return load_keywords([user_file, workspace.root / "keywords.toml"], include_user_file=False)
        except KeywordsError as exc:
            self.context.show_status(f"Captions: {exc}; using the shipped keywords")
            return default_keywords()

    def _clear(self) -> None:
        self.disk.watcher.clear()
        self.current = None
        self.editor.setDocument(blank_document(self))
        self.highlighter.setDocument(None)
        self.documents.clear()
        self.state.clear()
        self.model.set_items(self.state.items)
        self.batches.stack.clear()
        self.inspector.clear()
        self._panel_timer.stop()
        self.findings_model.set_findings([])
        self._analysed_text = self._panel_path = None
        self.token_label.setText("")
        self.header.setText("")
        self.banner.hide()

    def _loaded(self, items: list[CaptionItem]) -> None:
        self.state.set_items(items)
        self.model.set_items(self.state.items)
        if self.images_dir is not None:
            self.disk.watcher.watch(self.images_dir)
        self.count_label.setText(self.state.load_note())
        if items:
            self.list.setCurrentIndex(self.proxy.index(0, 0))
            # The first screenful straight away; the rest as the view asks for them.
            for row in range(min(40, len(items))):
                self.model.data(self.model.index(row), Qt.ItemDataRole.DecorationRole)
        self.lint_all()

    # --- lint -----------------------------------------------------------------------------
    def _update_linter(self) -> None:
        settings = self.training.lint_settings(self.trigger)
        self.linter = CaptionLinter(self.keywords, settings)

    def lint_all(self) -> JobHandle | None:
        if not self.state.items:
            return None
        return self.jobs.start(
            lint_captions,
            self.state.lint_inputs(),
            self.training.lint_settings(),
            self.keywords,
            description="linting captions",
            finished=self._linted,
        )

    def _linted(self, result: DatasetLint) -> None:
        self.trigger = result.trigger
        self._update_linter()
        self.state.apply_lint(result, keep=self.current)
        self.model.refresh_all()
        self.proxy.refilter()
        self.analyse_current()
        errors = self.state.error_count()
        trigger = ", ".join(self.trigger) if self.trigger else "none agreed"
        self.context.show_status(f"Captions linted: {errors} with errors; trigger: {trigger}")

    def check_colours(self) -> JobHandle | None:
        images = [item.image for item in self.model.items if item.image is not None]
        if not images:
            return None

        def done(palettes: dict) -> None:
            self.state.palettes.update(palettes)
            self.lint_all()

        return self.jobs.start(read_palettes, images, description="reading image palettes", finished=done)

    # --- opening captions -------------------------------------------------------------------
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        source = self.proxy.mapToSource(current)
        self.open_item(self.model.item(source.row()) if source.isValid() else None)

    def open_item(self, item: CaptionItem | None) -> None:
        if item is self.current:
            return
        if self.current is not None:
            self.disk.watcher.unwatch(self.current.caption_path)
        self.current = item
        self.banner.hide()
        if item is None:
            self.editor.setDocument(blank_document(self))
            self.highlighter.setDocument(None)
            return
        doc = self.documents.document_for(item.caption_path, item.text, self.editor.font())
        self.highlighter.setDocument(doc)
        self.editor.setDocument(doc)
        self.editor.setReadOnly(item.caption is None)
        self.toolbar.undo_action.setEnabled(True)
        self.disk.watcher.watch(item.caption_path)
        self.update_header()
        if item.error:
            self.show_banner(item.error, choices=False)
        elif item.caption_path in self.state.pending_disk:
            self.disk.offer_disk_choice(item)
        self.inspector.load(item)
        self.analyse_current()

    def update_header(self) -> None:
        item = self.current
        if item is None:
            self.header.setText("")
            return
        parts = [f"<b>{item.name}</b>"]
        if item.caption is not None:
            if item.caption.raw:
                parts.append(f"{item.caption.encoding_label}, {item.caption.newline_label}")
            else:
                parts.append("no caption file yet: saving creates it")
        if item.image is None:
            parts.append("no image")
        if item.dirty:
            parts.append("<span style='color:#ef6c00'>● unsaved</span>")
        self.header.setText(" · ".join(parts))

    def step(self, delta: int) -> None:
        """Next/previous caption in the list as filtered, keeping the focus where it is."""
        count = self.proxy.rowCount()
        if count == 0:
            return
        had_focus = self.editor.hasFocus()
        row = self.list.currentIndex().row()
        row = 0 if row < 0 else max(0, min(count - 1, row + delta))
        index = self.proxy.index(row, 0)
        self.list.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.list.scrollTo(index)
        if had_focus:
            self.editor.setFocus()

    # --- editing and analysis ------------------------------------------------------------------
    def _contents_changed(self, path: Path) -> None:
        if not shiboken6.isValid(self.model):
            return  # the tab is being destroyed and its documents emit as they go
        row = self.model.row_of(path)
        item = self.model.item(row)
        doc = self.documents.get(path)
        if item is None or doc is None:
            return
        was_dirty = item.dirty
        item.text = doc.toPlainText()
        if item is self.current and item.text != self._analysed_text:
            self._analyse_timer.start()  # an edit the highlighter did not see first (no layout yet)
        if was_dirty != item.dirty:
            self.update_header()
        self.model.refresh_row(row)

    def _text_edited(self, path: Path, removed: int, added: int) -> None:
        """The open caption's text changed and Qt is about to highlight it: analyse it first, so
        the highlighter draws the edited block once, with the new token cut and findings."""
        if not shiboken6.isValid(self.model) or (removed == 0 and added == 0):
            return
        if self.current is None or self.current.caption_path != path:
            return
        doc = self.documents.get(path)
        if doc is None or doc is not self.highlighter.document():
            return
        self.analyse_current(overlays_later=True)

    def analyse_current(self, overlays_later: bool = False) -> None:
        """Lint the open caption and show the result: highlighter overlays, cut marker, findings,
        token count, palette marks and the list row. ``overlays_later``: an edit Qt is about to
        highlight (only the blocks it does not redraw are highlighted again, on the next pass)."""
        self._analyse_timer.stop()
        item = self.current
        if item is None:
            return
        doc = self.documents.get(item.caption_path)
        text = doc.toPlainText() if doc is not None else item.text
        pixels = self.inspector.pixels
        palette = list(pixels.palette) if pixels is not None else None
        facts = CaptionFacts()
        encoding = item.caption.encoding if item.caption is not None else "utf-8"
        findings = self.linter.lint(text, palette, encoding, facts)
        self.facts = facts
        self._analysed_text = text
        item.findings = findings
        keep = self.linter.settings.keep_tokens
        line_phrases = [p for p in facts.phrases if p.line == 0]
        trigger_end = line_phrases[keep - 1].end if keep > 0 and len(line_phrases) >= keep else 0
        self.highlighter.set_overlays(trigger_end, facts.cut_offset, findings, later=overlays_later)
        self.editor.set_cut_position(facts.cut_offset)
        if overlays_later:
            self._panel_timer.start()  # typing: the table follows when it pauses
        else:
            self.update_findings_panel()
        limit = self.linter.settings.max_token_length
        estimate = (
            " (estimate: the CLIP tokenizer is not installed)" if self.linter.counter.is_estimate else ""
        )
        label = f"{facts.token_total} / {limit} tokens{estimate}"
        if facts.cut_offset is not None:
            lost = [p.text for p in line_phrases if p.start >= facts.cut_offset]
            label += f" — cut at character {facts.cut_offset}; {len(lost)} phrase(s) past it"
        style = "color: #c62828;" if facts.cut_offset is not None else ""
        if style != self.token_label.styleSheet():
            self.token_label.setStyleSheet(style)  # a style change re-polishes the label: only when it flips
        self.token_label.setText(label)
        codes = {m.colour for m in facts.matches if m.kind == HEX_KIND and m.colour}
        self.palette_strip.set_marked(codes)
        self.model.refresh_row(self.model.row_of(item.caption_path))

    def update_findings_panel(self) -> None:
        """Show the last analysis in the findings table: another caption's findings replace the
        table, an edit's update the rows that changed."""
        self._panel_timer.stop()
        item = self.current
        findings = item.findings if item is not None else []
        path = item.caption_path if item is not None else None
        self.findings_model.set_findings(findings, reset=path != self._panel_path)
        self._panel_path = path

    def _finding_clicked(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        finding = self.findings_model.findings[index.row()]
        if self._panel_timer.isActive() or self.current is None or finding not in self.current.findings:
            # The table is behind the typing: its fixes hold an older text. Catch up; the user
            # sees the current findings and clicks again.
            self.update_findings_panel()
            return
        if index.column() == LintFindingsModel.FIX_COLUMN and finding.fix is not None:
            self.apply_fix(finding.fix.text)
            return
        if index.column() == LintFindingsModel.FIX_COLUMN and finding.rule in ENCODING_RULES:
            self.disk.save_as_utf8()
            return
        cursor = self.editor.textCursor()
        length = len(self.editor.toPlainText())
        cursor.setPosition(min(finding.start, length))
        cursor.setPosition(min(finding.end, length), QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)

    def apply_fix(self, new_text: str) -> None:
        """A fix is one undoable edit of the open caption (not saved until the user saves)."""
        if self.current is None:
            return
        replace_document_text(
            self.documents.document_for(self.current.caption_path, self.current.text, self.editor.font()),
            new_text,
        )
        self.analyse_current()

    # --- thumbnails -------------------------------------------------------------------------
    def _request_thumbnails(self, paths: list[Path]) -> None:
        self.jobs.start(
            load_thumbnails, paths, THUMB_SIZE, description="thumbnails", finished=self.model.set_thumbnails
        )

    # --- the banner ------------------------------------------------------------------------
    def show_banner(self, message: str, choices: bool = False) -> None:
        """A line above the editor; ``choices``: Reload from disk / Keep mine instead of OK."""
        self.banner.message.setText(message)
        self.reload_button.setVisible(choices)
        self.keep_button.setVisible(choices)
        self.dismiss_button.setVisible(not choices)
        self.banner.show()

    def save_all(self) -> JobHandle | None:
        return self.disk.save_all()
