"""The Backups dialog: an outside file is restored only after its exact path is confirmed;
half-made backup folders are listed apart and can be removed (issue 11)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from bespoke_gui.core.dataset.backup import MANIFEST_NAME, list_backups
from tests.ui.dataset.test_dataset_tab import open_tab, workspace_root  # noqa: F401


def add_outside_entry(backup: Path, victim: Path, data: bytes) -> None:
    (backup / "_external" / "0").mkdir(parents=True)
    (backup / "_external" / "0" / victim.name).write_bytes(data)
    manifest = json.loads((backup / MANIFEST_NAME).read_text())
    manifest["files"].append(
        {
            "path": f"_external/0/{victim.name}",
            "original": str(victim),
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    )
    (backup / MANIFEST_NAME).write_text(json.dumps(manifest))


def test_an_outside_file_is_restored_only_after_its_path_is_confirmed(
    qtbot,
    context,
    workspace_root: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    victim = tmp_path / "elsewhere.toml"
    victim.write_text("kept")
    tab = open_tab(qtbot, context, workspace_root)
    tab.back_up_now()
    assert context.runner.wait_idle(30)
    add_outside_entry(tab.state.last_backup.path, victim, b"from the backup")
    caption = workspace_root / "training_data" / "img_0.txt"

    for accept_outside in (False, True):
        caption.write_text("overwritten by mistake")
        dialog = tab.open_backups()
        assert context.runner.wait_idle(30)
        row = next(i for i, b in enumerate(dialog.backups) if b.path == tab.state.last_backup.path)
        dialog.select_row(row)
        box = dialog.ask_restore_selected()
        assert f"into {workspace_root.resolve()}" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()
        outside_box = dialog.confirm_box
        assert outside_box is not box and outside_box.isVisible()
        assert str(victim) in outside_box.text() and "OUTSIDE the workspace" in outside_box.text()
        if accept_outside:
            outside_box.button(QMessageBox.StandardButton.Yes).click()
            assert context.runner.wait_idle(30)
            assert victim.read_text() == "from the backup"
            assert caption.read_text() == "pixel art portrait 0"
        else:
            outside_box.button(QMessageBox.StandardButton.Cancel).click()
            assert context.runner.wait_idle(30)
            # Cancel restores nothing, inside or out.
            assert victim.read_text() == "kept"
            assert caption.read_text() == "overwritten by mistake"
        dialog.close()


def test_incomplete_backups_are_listed_apart_and_removed(
    qtbot,
    context,
    workspace_root: Path,  # noqa: F811
) -> None:
    half = workspace_root / "backups" / "dataset-20260101-120000"
    (half / "training_data").mkdir(parents=True)
    (half / "training_data" / "img_0.png").write_bytes(b"half a copy")
    os.utime(half, (1000, 1000))
    tab = open_tab(qtbot, context, workspace_root)
    dialog = tab.open_backups()
    assert context.runner.wait_idle(30)
    assert dialog.model.rowCount() == 0
    assert "1 incomplete backup folder(s)" in dialog.list_label.text()
    assert dialog.remove_incomplete_button.isEnabled()
    box = dialog.ask_remove_incomplete()
    assert str(half) in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    assert context.runner.wait_idle(30)
    assert not half.exists()
    assert not dialog.remove_incomplete_button.isEnabled()
    assert list_backups(workspace_root / "backups") == []
    dialog.close()
