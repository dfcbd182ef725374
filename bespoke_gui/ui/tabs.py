"""The tabs the main window shows, in order. A tab appears here only once it is built.

Each entry names a QWidget subclass taking ``(context: AppContext)``; it follows
``context.workspace_changed`` and may define ``busy_jobs()`` for nothing else to know.
"""

from __future__ import annotations

TAB_SPECS: list[tuple[str, str]] = [
    ("Captions", "bespoke_gui.ui.captions.tab:CaptionsTab"),
    # (title, "module:ClassName")
    ("Dataset", "bespoke_gui.ui.dataset.tab:DatasetTab"),
    ("Config", "bespoke_gui.ui.config.tab:ConfigTab"),
    ("Epochs", "bespoke_gui.ui.epochs.tab:EpochsTab"),
]
