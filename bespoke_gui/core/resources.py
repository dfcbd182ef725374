"""Where the shipped resources (keywords, presets) live, in a checkout or an installed app."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    # A PyInstaller bundle unpacks data beside the executable; a checkout has it at the top.
    bundled = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundled) / "resources"] if bundled else []
    candidates.append(Path(__file__).resolve().parents[2] / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("Bespoke GUI's resources folder is missing; reinstall the app")


def resource_path(name: str) -> Path:
    return resources_dir() / name
