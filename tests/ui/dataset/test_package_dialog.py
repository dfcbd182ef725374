"""The Dataset tab's Package dialog: diff before writing, errors need "Allow errors"."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from bespoke_gui.core.demo.demo_workspace import write_demo_workspace
from bespoke_gui.core.workspace import discover
from bespoke_gui.ui.dataset.tab import DatasetTab


@pytest.fixture
def workspace_root(tmp_path: Path) -> Path:
    root = write_demo_workspace(tmp_path / "ws", count=5, epochs=1, prompts=2)
    for caption in (root / "training_data" / "10_bespoke").glob("*.txt"):
        caption.write_text(f"pixel art, portrait {caption.stem[:3]}\n")
    return root


def test_package_button_shows_the_diff_then_writes(
    qtbot, context, workspace_root: Path, tmp_path: Path
) -> None:
    tab = DatasetTab(context)
    qtbot.addWidget(tab)
    context.set_workspace(discover(workspace_root))
    assert context.runner.wait_idle(30)
    qtbot.mouseClick(tab.package_button, Qt.MouseButton.LeftButton)
    dialog = tab.package_dialog
    assert dialog is not None and dialog.isVisible()
    out = tmp_path / "pod.zip"
    dialog.out_edit.setText(str(out))
    dialog.replan()
    assert context.runner.wait_idle(30)
    diff = dialog.diff_view.toPlainText()
    assert "training_arguments.train_data_dir: 'training_data' -> '/workspace/pod/training_data'" in diff
    assert "sample_prompts" in diff and "no errors" in dialog.status_label.text()
    assert dialog.write_button.isEnabled() and not out.exists()
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    assert context.runner.wait_idle(30)
    assert dialog.result is not None and dialog.result.path == out
    assert "pod/SHA256SUMS" in zipfile.ZipFile(out).namelist()
    assert "training package written" in tab.report_text()
    # Writing again over it asks first; Cancel keeps the old file.
    before = out.stat().st_mtime_ns
    box = dialog.write()
    assert box is dialog.confirm_box and box.isVisible()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert context.runner.wait_idle(10) and out.stat().st_mtime_ns == before
    box = dialog.write()
    box.button(QMessageBox.StandardButton.Yes).click()
    assert context.runner.wait_idle(30)
    assert out.stat().st_mtime_ns != before


def test_errors_need_the_allow_errors_box(qtbot, context, workspace_root: Path, tmp_path: Path) -> None:
    next((workspace_root / "training_data" / "10_bespoke").glob("*.txt")).unlink()
    tab = DatasetTab(context)
    qtbot.addWidget(tab)
    context.set_workspace(discover(workspace_root))
    assert context.runner.wait_idle(30)
    dialog = tab.open_package_dialog()
    assert dialog is not None
    dialog.out_edit.setText(str(tmp_path / "p.zip"))
    dialog.replan()
    assert context.runner.wait_idle(30)
    assert "1 images have no caption" in dialog.findings_view.toPlainText()
    assert "pre-flight error" in dialog.status_label.text()
    assert not dialog.write_button.isEnabled()
    qtbot.mouseClick(dialog.allow_errors, Qt.MouseButton.LeftButton)
    assert dialog.allow_errors.isChecked() and dialog.write_button.isEnabled()
    dialog.write()
    assert context.runner.wait_idle(30)
    assert (tmp_path / "p.zip").is_file()


def test_repeats_for_a_folder_without_them(qtbot, context, workspace_root: Path, tmp_path: Path) -> None:
    data = workspace_root / "training_data"
    (data / "10_bespoke").rename(data / "pixels")
    (workspace_root / "training_config.toml").write_text(
        (workspace_root / "training_config.toml")
        .read_text()
        .replace('"training_data"', '"training_data/pixels"')
    )
    tab = DatasetTab(context)
    qtbot.addWidget(tab)
    context.set_workspace(discover(workspace_root))
    assert context.runner.wait_idle(30)
    dialog = tab.open_package_dialog()
    assert dialog is not None
    dialog.repeats_spin.setValue(4)
    dialog.replan()
    assert context.runner.wait_idle(30)
    assert dialog.plan is not None and dialog.plan.subset == "4_pixels"
