"""What the window remembers about workspaces: the recent list and the parts pointed at by hand.

Kept in QSettings. A throwaway demo copy in the temporary folder is never remembered.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from bespoke_gui.core.workspace import Workspace, discover

MAX_RECENT = 10
DEMO_PREFIX = "bespoke-demo-"


def is_temporary_demo(root: Path) -> bool:
    """A demo workspace written into the temporary folder (File > Open Demo Workspace)."""
    try:
        return (
            root.name.startswith(DEMO_PREFIX)
            and root.resolve().parent == Path(tempfile.gettempdir()).resolve()
        )
    except OSError:
        return False


def _workspace_key(root: Path) -> str:
    # QSettings keys cannot hold arbitrary paths; a short hash names the workspace.
    return "workspaces/" + hashlib.sha1(str(root).encode("utf-8")).hexdigest()[:16]


def _as_list(value: Any) -> list[Any]:
    # QSettings gives a one-item list back as a plain string.
    return [value] if isinstance(value, str) else list(value or [])


def discover_with_overrides(root: str | Path, overrides: dict[str, Any]) -> Workspace:
    """Find the workspace's parts, then apply what the user pointed at earlier."""
    workspace = discover(root)
    parts: dict[str, Any] = {}
    if overrides.get("images_dir") and Path(overrides["images_dir"]).is_dir():
        parts["images_dir"] = Path(overrides["images_dir"])
    if overrides.get("config_path") and Path(overrides["config_path"]).is_file():
        parts["config_path"] = Path(overrides["config_path"])
    extra = [Path(p) for p in overrides.get("sample_dirs", []) if Path(p).is_dir()]
    if extra:
        parts["sample_dirs"] = tuple(dict.fromkeys([*workspace.sample_dirs, *extra]))
    return workspace.with_overrides(**parts) if parts else workspace


class WorkspaceSettings:
    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def recent(self) -> list[str]:
        value = _as_list(self.settings.value("recent_workspaces", []))
        return [str(v) for v in value if not is_temporary_demo(Path(str(v)))]

    def remember(self, root: Path) -> bool:
        """Put ``root`` first in the recent list; False for a throwaway demo copy (not kept)."""
        if is_temporary_demo(root):
            return False  # a throwaway copy in the temp folder: gone after a restart
        recent = [str(root)] + [p for p in self.recent() if p != str(root)]
        self.settings.setValue("recent_workspaces", recent[:MAX_RECENT])
        return True

    def overrides(self, root: Path) -> dict[str, Any]:
        key = _workspace_key(root)
        return {
            "images_dir": self.settings.value(f"{key}/images_dir", ""),
            "config_path": self.settings.value(f"{key}/config_path", ""),
            "sample_dirs": _as_list(self.settings.value(f"{key}/sample_dirs", [])),
        }

    def point_at(self, workspace: Workspace, part: str, path: Path) -> Workspace:
        """Remember one part of the workspace chosen by hand; the workspace with it."""
        key = _workspace_key(workspace.root)
        if part == "sample_dirs":
            dirs = tuple(dict.fromkeys([*workspace.sample_dirs, path]))
            self.settings.setValue(f"{key}/sample_dirs", [str(p) for p in dirs])
            return workspace.with_overrides(sample_dirs=dirs)
        self.settings.setValue(f"{key}/{part}", str(path))
        return workspace.with_overrides(**{part: path})
