"""bespoke_gui.core never imports Qt, not even indirectly (the CLI runs on machines with no screen)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import bespoke_gui.core

QT_MODULES = ("PySide6", "qasync", "shiboken6")


def core_modules() -> list[str]:
    """Every module under bespoke_gui/core, found on disk so new modules are covered too."""
    return sorted(
        info.name for info in pkgutil.walk_packages(bespoke_gui.core.__path__, prefix="bespoke_gui.core.")
    )


def test_core_modules_are_discovered() -> None:
    names = core_modules()
    core_dir = Path(bespoke_gui.core.__file__).parent
    files_on_disk = {
        "bespoke_gui.core." + ".".join(p.relative_to(core_dir).with_suffix("").parts)
        for p in core_dir.rglob("*.py")
        if p.stem != "__init__"
    }
    assert files_on_disk <= set(names)
    assert {
        "bespoke_gui.core.jobs",
        "bespoke_gui.core.files",
        "bespoke_gui.core.exactgrid",
        "bespoke_gui.core.epochs.pixelgrid",
    } <= set(names)


def test_importing_every_core_module_loads_no_qt() -> None:
    names = ["bespoke_gui.core", *core_modules()]
    # A fresh interpreter: this test process has Qt loaded already (pytest-qt).
    script = (
        "import importlib, json, sys\n"
        f"names = {names!r}\n"
        "failed = {}\n"
        "for name in names:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed[name] = f'{type(exc).__name__}: {exc}'\n"
        f"qt = sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r})\n"
        "print(json.dumps({'failed': failed, 'qt': qt}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["failed"] == {}, report["failed"]
    assert report["qt"] == [], f"core pulled in Qt: {report['qt']}"


def test_the_check_would_notice_qt(tmp_path: Path) -> None:
    # The same subprocess check, pointed at a module that does import Qt, must see it.
    (tmp_path / "uses_qt.py").write_text("import PySide6.QtCore\n")
    script = (
        "import sys, json\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import uses_qt\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r})))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "PySide6" in json.loads(completed.stdout.strip().splitlines()[-1])
