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

from collections import OrderedDict
from pathlib import Path

import shiboken6
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import (
    QAction,
    QKeySequence,
    QShortcut,
    QTextCursor,
    QTextDocument,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QPlainTextDocumentLayout,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from bespoke_gui.core.captions.batch import (
    ApplyResult,
    BatchPlan,
    apply_plan,
    list_caption_backups,
    restore_caption_backup,
)
from bespoke_gui.core.captions.caption_files import (
    CaptionEncodeError,
    CaptionFile,
)
from bespoke_gui.core.captions.dataset_lint import DatasetLint, TrainingSettings, read_training_settings
from bespoke_gui.core.captions.keywords import (
    COLOUR_KIND,
    HEX_KIND,
    Keywords,
    KeywordsError,
    default_keywords,
    load_keywords,
    user_keywords_path,
)
from bespoke_gui.core.captions.lint import CaptionFacts, CaptionLinter
from bespoke_gui.core.captions.pixels import ImagePixels, colour_mask, nearest_named_mask
from bespoke_gui.core.captions.state import (
    CaptionItem,
    CaptionsState,
    DiskChange,
    SaveResult,
    changed_on_disk,
    diff_with_backup,
    lint_captions,
    load_caption_items,
    read_palettes,
    read_pixels,
    save_captions,
)
from bespoke_gui.core.dataset.backup import BackupInfo
from bespoke_gui.core.dataset.restore import RestoreReport
from bespoke_gui.core.imageio import load_thumbnails
from bespoke_gui.core.workspace import Workspace
from bespoke_gui.ui.bridge import JobHandle
from bespoke_gui.ui.captions.dialogs import BatchDialog, CaptionBackupsDialog
from bespoke_gui.ui.captions.highlighter import CaptionHighlighter
from bespoke_gui.ui.captions.model import (
    THUMB_SIZE,
)
from bespoke_gui.ui.captions.panels import (
    ENCODING_RULES,
    CaptionEditor,
    LegendLabel,
    LintFindingsModel,
)
from bespoke_gui.ui.captions.views import CaptionListPane, FindingsTable, PixelPane
from bespoke_gui.ui.context import AppContext
from bespoke_gui.ui.tabs import FeatureTab
from bespoke_gui.ui.widgets.banner import Banner
from bespoke_gui.ui.widgets.confirm import Choice, ask_save_discard_cancel, ask_to_confirm
from bespoke_gui.ui.widgets.file_watch import FileWatch
from bespoke_gui.ui.widgets.timers import single_shot_timer

KEYWORDS_SETTING = "captions/keywords_file"
PANEL_DELAY_MS = 120
_PATH_PROPERTY = "caption_path"  # on each caption's QTextDocument: whose caption it is  # the findings table follows typing after this pause
PIXEL_CACHE = 48


def replace_document_text(document: QTextDocument, new_text: str) -> None:
    """Change the document to ``new_text`` as one undoable edit touching only what differs."""
    old = document.toPlainText()
    if old == new_text:
        return
    start = 0
    limit = min(len(old), len(new_text))
    while start < limit and old[start] == new_text[start]:
        start += 1
    end_old, end_new = len(old), len(new_text)
    while end_old > start and end_new > start and old[end_old - 1] == new_text[end_new - 1]:
        end_old -= 1
        end_new -= 1
    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    cursor.setPosition(start)
    cursor.setPosition(end_old, QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText(new_text[start:end_new])
    cursor.endEditBlock()


class BatchCommand(QUndoCommand):
    """A batch change already previewed; redo/undo write the after/before texts (with a backup)."""

    def __init__(self, tab: CaptionsTab, plan: BatchPlan) -> None:
        super().__init__(plan.description)
        self.tab = tab
        self.plan = plan

    def redo(self) -> None:
        self.tab.run_plan(self.plan)

    def undo(self) -> None:
        self.tab.run_plan(self.plan.inverted())


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
        self.documents: dict[Path, QTextDocument] = {}
        self.current: CaptionItem | None = None
        self.facts = CaptionFacts()
        self._analysed_text: str | None = None  # the text self.facts describe
        self._analysed_path: Path | None = None  # the caption they belong to
        self._panel_path: Path | None = None  # the caption whose findings the table shows
        self.state = CaptionsState()
        self.pixels_cache: OrderedDict[Path, ImagePixels] = OrderedDict()
        self.current_pixels: ImagePixels | None = None
        self._backups_dialog: CaptionBackupsDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.switch_box: QMessageBox | None = None  # save / discard / cancel before reading again
        self._hovering = False
        self._highlight_key: tuple | None = None
        self.batch_stack = QUndoStack(self)
        self.last_batch: ApplyResult | None = None

        self._build_ui()
        self._build_actions()

        self._disk_timer = single_shot_timer(self, 150, self.check_disk)
        self.watcher = FileWatch(self)
        # Bound methods (not lambdas): Qt drops the connection when this tab is destroyed.
        self.watcher.changed.connect(self._disk_event)
        self._analyse_timer = single_shot_timer(self, 0, self.analyse_current)
        # While typing, the findings table (word-wrapped rows measured again on every change:
        # the costliest widget of a keystroke) follows once the typing pauses; the editor's
        # underlines, cut and token count follow every key.
        self._panel_timer = single_shot_timer(self, PANEL_DELAY_MS, self.update_findings_panel)

        context.workspace_changed.connect(self.set_workspace)
        context.workspace_part_changed.connect(self._part_changed)
        if context.workspace is not None:
            self.set_workspace(context.workspace)

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
        self.filter_kind.currentIndexChanged.connect(self._kind_filter_changed)

        self.toolbar = QToolBar()
        self.header = QLabel("")
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner = Banner("#fff3cd")
        self.reload_button = self.banner.add_button("Reload from disk", self.reload_from_disk)
        self.keep_button = self.banner.add_button("Keep mine", self.keep_mine)
        self.dismiss_button = self.banner.add_button("OK", self.banner.hide)

        self.editor = CaptionEditor()
        self.editor.setPlaceholderText("Open a workspace to edit its captions.")
        self.highlighter = CaptionHighlighter(self, self.keywords)
        self.editor.hovered_position.connect(self._hovered_text)
        self.editor.cursorPositionChanged.connect(self._cursor_moved)
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
        self.pixel_view.hovered.connect(self._pixel_hovered)
        self.palette_strip.hovered.connect(self._palette_hovered)

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
        self._refresh_kind_filter()

    def _build_actions(self) -> None:
        def action(text: str, slot, shortcuts: tuple[str, ...] = (), tip: str = "") -> QAction:
            act = QAction(text, self)
            act.triggered.connect(lambda _checked=False: slot())
            if shortcuts:
                act.setShortcuts([QKeySequence(s) for s in shortcuts])
                act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.addAction(act)
            act.setToolTip(tip or text)
            return act

        self.save_action = action("Save", self.save_current, ("Ctrl+S",), "Save this caption (Ctrl+S)")
        self.save_all_action = action(
            "Save all", self.save_all, ("Ctrl+Shift+S",), "Save every edited caption"
        )
        self.undo_action = action("Undo", self.editor.undo, (), "Undo in this caption (Ctrl+Z)")
        self.redo_action = action("Redo", self.editor.redo, (), "Redo in this caption (Ctrl+Shift+Z)")
        self.batch_action = action(
            "Batch…", self.open_batch_dialog, (), "Find & replace, add/remove phrases, rules"
        )
        self.batch_undo_action = self.batch_stack.createUndoAction(self, "Undo batch")
        self.batch_redo_action = self.batch_stack.createRedoAction(self, "Redo batch")
        self.backups_action = action(
            "Backups…", self.open_backups_dialog, (), "Caption backups: diff and restore"
        )
        self.colours_action = action(
            "Check colours",
            self.check_colours,
            (),
            "Read every image's palette and check the hex codes against it",
        )
        for act in (
            self.save_action,
            self.save_all_action,
            self.undo_action,
            self.redo_action,
            self.batch_action,
            self.batch_undo_action,
            self.batch_redo_action,
            self.backups_action,
            self.colours_action,
        ):
            self.toolbar.addAction(act)
        for keys, step in (("Alt+Down", 1), ("Ctrl+PgDown", 1), ("Alt+Up", -1), ("Ctrl+PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda s=step: self.step(s))

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
        self._update_header()

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
                self._save_now(unsaved)
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
        self._refresh_kind_filter()
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
        self.watcher.clear()
        self.current = None
        self.editor.setDocument(self._blank_document())
        self.highlighter.setDocument(None)
        for doc in self.documents.values():
            doc.deleteLater()
        self.documents.clear()
        self.state.clear()
        self.model.set_items(self.state.items)
        self.pixels_cache.clear()
        self.batch_stack.clear()
        self.current_pixels = None
        self.pixel_view.set_pixels(None)
        self.palette_strip.set_palette([])
        self._panel_timer.stop()
        self.findings_model.set_findings([])
        self._analysed_text = self._analysed_path = self._panel_path = None
        self.token_label.setText("")
        self.header.setText("")
        self.banner.hide()

    def _blank_document(self) -> QTextDocument:
        doc = QTextDocument(self)
        doc.setDocumentLayout(QPlainTextDocumentLayout(doc))
        return doc

    def _loaded(self, items: list[CaptionItem]) -> None:
        self.state.set_items(items)
        self.model.set_items(self.state.items)
        if self.images_dir is not None:
            self.watcher.watch(self.images_dir)
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

    def _document_for(self, item: CaptionItem) -> QTextDocument:
        doc = self.documents.get(item.caption_path)
        if doc is None:
            doc = self._blank_document()
            doc.setDefaultFont(self.editor.font())
            doc.setPlainText(item.text)
            doc.clearUndoRedoStacks()
            # Connected before any highlighter is given this document, so an edit is analysed
            # before Qt highlights it: the edited block is drawn once, with fresh overlays.
            # Bound methods, not lambdas: Qt drops them when the tab goes, so a document
            # changed while the tab is torn down calls nothing.
            doc.setProperty(_PATH_PROPERTY, str(item.caption_path))
            doc.contentsChange.connect(self._document_edited)
            doc.contentsChanged.connect(self._document_changed)
            self.documents[item.caption_path] = doc
        return doc

    def open_item(self, item: CaptionItem | None) -> None:
        if item is self.current:
            return
        if self.current is not None:
            self.watcher.unwatch(self.current.caption_path)
        self.current = item
        self.banner.hide()
        if item is None:
            self.editor.setDocument(self._blank_document())
            self.highlighter.setDocument(None)
            return
        doc = self._document_for(item)
        self.highlighter.setDocument(doc)
        self.editor.setDocument(doc)
        self.editor.setReadOnly(item.caption is None)
        self.undo_action.setEnabled(True)
        self.watcher.watch(item.caption_path)
        self._update_header()
        if item.error:
            self.show_banner(item.error, choices=False)
        elif item.caption_path in self.state.pending_disk:
            self._offer_disk_choice(item)
        self._load_pixels(item)
        self.analyse_current()

    def _update_header(self) -> None:
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
    def _document_edited(self, _position: int, removed: int, added: int) -> None:
        document = self.sender()
        if document is not None:
            self._text_edited(Path(str(document.property(_PATH_PROPERTY))), removed, added)

    def _document_changed(self) -> None:
        document = self.sender()
        if document is not None:
            self._contents_changed(Path(str(document.property(_PATH_PROPERTY))))

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
            self._update_header()
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
        palette = list(self.current_pixels.palette) if self.current_pixels is not None else None
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
        self._analysed_path = item.caption_path
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
            self.save_as_utf8()
            return
        cursor = self.editor.textCursor()
        length = len(self.editor.toPlainText())
        cursor.setPosition(min(finding.start, length))
        cursor.setPosition(min(finding.end, length), QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)

    def save_as_utf8(self) -> JobHandle | None:
        """Re-save the open caption as plain UTF-8 (what sd-scripts reads), line ends kept."""
        item = self.current
        if item is None or item.caption is None:
            return None
        item.caption = item.caption.as_utf8()
        return self._save([item])

    def apply_fix(self, new_text: str) -> None:
        """A fix is one undoable edit of the open caption (not saved until the user saves)."""
        if self.current is None:
            return
        replace_document_text(self._document_for(self.current), new_text)
        self.analyse_current()

    # --- pixels -------------------------------------------------------------------------------
    def _load_pixels(self, item: CaptionItem) -> None:
        self.current_pixels = None
        self._highlight_key = None
        self.pixel_view.set_pixels(None)
        self.palette_strip.set_palette([])
        self.pixel_label.setText("")
        if item.image is None:
            self.pixel_label.setText("No image for this caption.")
            return
        cached = self.pixels_cache.get(item.image)
        if cached is not None:
            self._show_pixels(item, cached)
            return

        def done(pixels: ImagePixels, path: Path = item.image) -> None:
            self.pixels_cache[path] = pixels
            while len(self.pixels_cache) > PIXEL_CACHE:
                self.pixels_cache.popitem(last=False)
            self.state.palettes[path] = tuple(pixels.palette)
            if self.current is not None and self.current.image == path:
                self._show_pixels(self.current, pixels)

        def failed(message: str, path: Path = item.image) -> None:
            if self.current is not None and self.current.image == path:
                self.pixel_label.setText(f"Cannot show {path.name}: {message}")

        self.jobs.start(
            read_pixels, item.image, description=f"reading {item.image.name}", finished=done, failed=failed
        )

    def _show_pixels(self, item: CaptionItem, pixels: ImagePixels) -> None:
        self.current_pixels = pixels
        self._highlight_key = None
        self.pixel_view.set_pixels(pixels.pixels)
        self.palette_strip.set_palette(pixels.palette)
        h, w = pixels.pixels.shape[:2]
        how = (
            "true pixels of a clean upscale" if pixels.exact_grid else "as stored (not a clean block upscale)"
        )
        self.pixel_label.setText(f"{w}x{h} {how}; {len(pixels.palette)} colours")
        self.analyse_current()

    def _match_at(self, position: int):
        for match in self.facts.matches:
            if (
                match.start <= position <= match.end
                and match.kind in (HEX_KIND, COLOUR_KIND)
                and match.colour
            ):
                return match
        return None

    def highlight_match_at(self, position: int) -> bool:
        """Light the pixels of the hex code or colour word at ``position``; True when one was there."""
        pixels = self.current_pixels
        match = self._match_at(position) if position >= 0 else None
        key = (
            (id(pixels), match.kind, match.colour, match.text)
            if pixels is not None and match is not None
            else None
        )
        if key == self._highlight_key:
            return key is not None  # unchanged: no repaint of the image on every keystroke
        self._highlight_key = key
        if pixels is None or match is None:
            self.pixel_view.set_highlight(None)
            return False
        if match.kind == HEX_KIND:
            mask = colour_mask(pixels.pixels, match.colour, self.keywords.tuning.palette_tolerance)
        elif pixels.pixels.shape[0] * pixels.pixels.shape[1] <= 128 * 128:
            mask = nearest_named_mask(pixels.pixels, match.colour, self.keywords.colours, match.text.lower())
        else:
            mask = colour_mask(pixels.pixels, match.colour, 48)
        self.pixel_view.set_highlight(mask)
        self.pixel_label.setText(f"{match.text}: {int(mask.sum())} pixel(s)")
        return True

    def _hovered_text(self, position: int) -> None:
        self._hovering = position >= 0 and self._match_at(position) is not None
        if self._hovering:
            self.highlight_match_at(position)
        else:
            self._cursor_moved()

    def _cursor_moved(self) -> None:
        if not self._hovering:
            self.highlight_match_at(self.editor.textCursor().position())

    def _palette_hovered(self, code: str) -> None:
        self._highlight_key = ("palette", code)
        if self.current_pixels is None or not code:
            self.pixel_view.set_highlight(None)
            return
        self.pixel_view.set_highlight(colour_mask(self.current_pixels.pixels, code, 0))
        self.pixel_label.setText(
            f"{code}: {int(colour_mask(self.current_pixels.pixels, code, 0).sum())} pixel(s)"
        )

    def _pixel_hovered(self, x: int, y: int) -> None:
        if self.current_pixels is None or x < 0:
            return
        r, g, b = (int(v) for v in self.current_pixels.pixels[y, x, :3])
        self.pixel_label.setText(f"pixel {x},{y}: #{r:02x}{g:02x}{b:02x}")

    # --- thumbnails -------------------------------------------------------------------------
    def _request_thumbnails(self, paths: list[Path]) -> None:
        self.jobs.start(
            load_thumbnails, paths, THUMB_SIZE, description="thumbnails", finished=self.model.set_thumbnails
        )

    def _kind_filter_changed(self, _index: int) -> None:
        kind = self.filter_kind.currentData()
        if not kind:
            self.proxy.set_filters(kind_test=None)
            return
        keywords = self.keywords
        self.proxy.set_filters(kind_test=lambda text: any(m.kind == kind for m in keywords.classify(text)))

    def _refresh_kind_filter(self) -> None:
        with signals_blocked(self.filter_kind):
            self.filter_kind.clear()
            self.filter_kind.addItem("Any keyword", "")
            for kind in self.keywords.kinds.values():
                if kind.name != "trigger":
                    self.filter_kind.addItem(f"Has {kind.label.lower()}", kind.name)

    # --- saving -------------------------------------------------------------------------------
    def save_current(self) -> JobHandle | None:
        if self.current is None or not self.current.dirty:
            return None
        return self._save([self.current])

    def save_all(self) -> JobHandle | None:
        dirty = self.state.dirty_items()
        return self._save(dirty) if dirty else None

    def _save(self, items: list[CaptionItem]) -> JobHandle | None:
        work = []
        not_encodable: list[tuple[CaptionItem, CaptionEncodeError]] = []
        for item in items:
            if item.caption is None or item.caption_path in self.state.pending_disk:
                if item.caption_path in self.state.pending_disk:
                    self.show_banner(
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
        return self.jobs.start(
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
            self._save(items)

        self.confirm_box = ask_to_confirm(
            self,
            "Save as UTF-8?",
            f"{failures[0][1]}.\n\nSave {names} as UTF-8?",
            "Save as UTF-8",
            save_as_utf8,
        )
        return self.confirm_box

    def _save_now(self, items: list[CaptionItem]) -> None:
        """Save on the spot (switching workspace): the items are about to be dropped."""
        work = [(item.caption, item.text) for item in items if item.caption is not None]
        for result in save_captions(work):
            if result.saved is None:
                self.context.show_status(f"Captions: {result.message}")

    def _saved(self, results: list[SaveResult]) -> None:
        outcome = self.state.apply_save_results(results)
        if self.current is not None and self.current in outcome.conflicts:
            self._offer_disk_choice(self.current)
        for item in outcome.touched:
            self.model.refresh_row(self.model.row_of(item.caption_path))
        self._update_header()
        if self.current is not None and self.current in outcome.touched:
            self.analyse_current()  # e.g. a "not UTF-8" finding is gone once saved as UTF-8
        problems = outcome.problems
        status = f"Saved {outcome.saved} caption(s)"
        if problems:
            status += f"; {len(problems)} not saved: {problems[0]}"
            if not self.banner.isVisible():
                self.show_banner(problems[0], choices=False)
        self.context.show_status(status)

    # --- changes on disk ------------------------------------------------------------------------
    def _disk_event(self, _path: str) -> None:
        self._disk_timer.start()  # a burst of events (an atomic replace is several) becomes one check

    def check_disk(self) -> JobHandle | None:
        if not self.state.items:
            return None
        self.watcher.rearm()
        known = [(item.caption_path, item.stat_key) for item in self.state.items]
        return self.jobs.start(
            changed_on_disk, known, description="checking captions on disk", finished=self._disk_checked
        )

    def _disk_checked(self, changed: list[DiskChange]) -> None:
        outcome = self.state.apply_disk_changes(changed)
        on_disk = {change.path: change.on_disk for change in changed}
        for item in outcome.reloaded:
            self._take_disk_version(item, on_disk[item.caption_path])
        if self.current is not None and self.current in outcome.conflicts:
            self._offer_disk_choice(self.current)
        for item in outcome.reloaded + outcome.conflicts:
            self.model.refresh_row(self.model.row_of(item.caption_path))
        reloaded = outcome.reloaded
        if reloaded:
            names = ", ".join(i.name for i in reloaded[:3]) + ("…" if len(reloaded) > 3 else "")
            self.context.show_status(f"Reloaded {len(reloaded)} caption(s) changed on disk: {names}")
            if self.current in reloaded:
                self.show_banner(
                    f"{self.current.name} changed on disk and was reloaded (Undo brings back the "
                    "previous text).",
                    choices=False,
                )

    def _take_disk_version(self, item: CaptionItem, on_disk: CaptionFile) -> None:
        doc = self.documents.get(item.caption_path)
        if doc is not None:
            replace_document_text(doc, on_disk.text)  # undoable: the previous text is one Undo away
        self.state.take_disk_version(item, on_disk)
        if item is self.current:
            self._update_header()
            self.analyse_current()

    def _offer_disk_choice(self, item: CaptionItem) -> None:
        self.show_banner(
            f"{item.name} changed on disk while you were editing it. Reload the disk version "
            "(Undo brings your text back), or keep yours (saving will then replace the disk version).",
            choices=True,
        )

    def show_banner(self, message: str, choices: bool = False) -> None:
        self.banner.message.setText(message)
        self.reload_button.setVisible(choices)
        self.keep_button.setVisible(choices)
        self.dismiss_button.setVisible(not choices)
        self.banner.show()

    def reload_from_disk(self) -> None:
        item = self.current
        if item is None or item.caption_path not in self.state.pending_disk:
            self.banner.hide()
            return
        self._take_disk_version(item, self.state.pending_disk[item.caption_path])
        self.banner.hide()
        self.model.refresh_row(self.model.row_of(item.caption_path))

    def keep_mine(self) -> None:
        item = self.current
        if item is None or not self.state.keep_mine(item):
            self.banner.hide()
            return
        self.banner.hide()
        self._update_header()
        self.model.refresh_row(self.model.row_of(item.caption_path))

    # --- batch --------------------------------------------------------------------------------
    def texts_for_scope(self, scope: str) -> tuple[dict[Path, str], str]:
        if scope == "selected":
            rows = [self.proxy.mapToSource(i).row() for i in self.list.selectionModel().selectedIndexes()]
            items = [self.model.items[r] for r in sorted(set(rows)) if r >= 0]
        elif scope == "filtered":
            items = [
                self.model.items[self.proxy.mapToSource(self.proxy.index(r, 0)).row()]
                for r in range(self.proxy.rowCount())
            ]
        else:
            items = list(self.model.items)
        return self.state.batch_texts(items)

    def open_batch_dialog(self) -> BatchDialog:
        # open(), not exec(): a nested event loop inside qasync's loop is one of its traps.
        dialog = BatchDialog(self.texts_for_scope, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda d=dialog: self._batch_dialog_accepted(d))
        dialog.open()
        return dialog

    def _batch_dialog_accepted(self, dialog: BatchDialog) -> None:
        if dialog.plan is not None and dialog.plan.changes:
            self.apply_batch(dialog.plan)

    def apply_batch(self, plan: BatchPlan) -> None:
        """Apply a previewed plan as an undoable step (a backup is made before each write)."""
        self.batch_stack.push(BatchCommand(self, plan))

    def run_plan(self, plan: BatchPlan) -> JobHandle | None:
        if self.workspace is None or self.images_dir is None or not plan.changes:
            return None
        # Writes of ours are coming: the disk check leaves these captions to _plan_applied.
        self.state.batch_paths.update(change.path for change in plan.changes)
        return self.jobs.start(
            apply_plan,
            plan,
            self.images_dir,
            self.workspace.backups_dir,
            description=plan.description,
            finished=lambda result, p=plan: self._plan_applied(p, result),
        )

    def _plan_applied(self, plan: BatchPlan, result: ApplyResult) -> None:
        self.last_batch = result
        self.state.batch_paths.difference_update(c.path for c in plan.changes)
        for path, saved in result.saved.items():
            row = self.model.row_of(path)
            item = self.model.item(row)
            if item is None:
                continue
            item.caption = saved
            item.stat_key = saved.stat_key
            doc = self.documents.get(path)
            if doc is not None:
                replace_document_text(doc, saved.text)
            item.text = saved.text
            item.findings = self.linter.lint(
                item.text, self.state.palettes.get(item.image) if item.image else None, saved.encoding
            )
            self.model.refresh_row(row)
        self.analyse_current()
        message = f"{plan.description}: {len(result.written)} caption(s) written"
        if result.backup is not None:
            message += f", backup {result.backup.path.name}"
        if result.errors:
            message += f"; {len(result.errors)} not changed ({result.errors[0].message})"
            self.show_banner(message, choices=False)
        self.context.show_status(message)

    # --- backups --------------------------------------------------------------------------------
    def open_backups_dialog(self) -> CaptionBackupsDialog | None:
        if self.workspace is None:
            return None
        dialog = CaptionBackupsDialog(
            list_caption_backups(self.workspace.backups_dir), self._diff_backup, self._restore_backup, self
        )
        self._backups_dialog = dialog
        dialog.open()
        return dialog

    def _diff_backup(self, backup) -> None:
        dialog = self._backups_dialog
        if dialog is None:
            return
        self.jobs.start(
            diff_with_backup,
            backup.path,
            description="comparing with the backup",
            finished=lambda diffs, b=backup: dialog.show_diff(b, diffs),
        )

    def _restore_backup(self, backup: BackupInfo) -> QMessageBox | None:
        """Ask (open(), not exec()), then restore; unsaved edits must be saved or undone first."""
        if self.has_unsaved_changes():
            message = "Save or undo your edits before restoring a backup."
            self.show_banner(message, choices=False)
            self.context.show_status(message)
            return None
        self.confirm_box = ask_to_confirm(
            self,
            "Restore captions",
            f"Put back the {backup.file_count} caption(s) of {backup.path.name}? "
            "The captions as they are now are backed up first.",
            "Restore",
            lambda: self._start_restore(backup),
        )
        return self.confirm_box

    def _start_restore(self, backup: BackupInfo) -> JobHandle | None:
        def done(report: RestoreReport) -> None:
            self.context.show_status(f"Restored {len(report.restored)} caption(s) from {backup.path.name}")
            if self.workspace is not None:
                self.set_workspace(self.workspace)

        return self.jobs.start(
            restore_caption_backup, backup.path, description="restoring captions", finished=done
        )
