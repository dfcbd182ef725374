"""What the Epochs tab remembers between sessions, read and written as plain values (no Qt).

The tab keeps them in the app's settings store under ``epochs/``; this module says what
the keys are and turns their stored text back into targets, the epochs chosen for
production per run (per workspace) and the view's switches, falling back to the
defaults for anything missing or unreadable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bespoke_gui.core.epochs.metrics import Targets

SETTINGS_PREFIX = "epochs"
Column = tuple[str, int | None]
# (Targets field, label, maximum, shown as percent)
TARGET_FIELDS: tuple[tuple[str, str, float, bool], ...] = (
    ("unique_colors_target", "Unique colours: target <", 4096.0, False),
    ("unique_colors_minimum", "Unique colours: minimum <", 4096.0, False),
    ("background_colours_target", "Background colours: target <", 100000.0, False),
    ("background_colours_minimum", "Background colours: minimum <", 100000.0, False),
    ("messy_share_target", "Messy images: target <", 100.0, True),
    ("messy_share_minimum", "Messy images: minimum <", 100.0, True),
)

ReadSetting = Callable[[str], object]  # key (without the prefix) -> stored value, or None


def key(name: str) -> str:
    """The settings key of one of the tab's values."""
    return f"{SETTINGS_PREFIX}/{name}"


def as_bool(value: object, default: bool) -> bool:
    if value is None:
        return default
    return value in (True, "true", "True", 1, "1")


def as_int(value: object, default: int) -> int:
    try:
        return int(value) if isinstance(value, (int, float, str)) else default
    except ValueError:
        return default


def stored_targets(read: ReadSetting) -> Targets:
    """The targets the user set, the plan's defaults for any not set (or unreadable)."""
    defaults = Targets()
    values: dict[str, Any] = {}  # replace() checks them against every field's type
    for name, _label, _maximum, _percent in TARGET_FIELDS:
        raw = read(f"targets/{name}")
        values[name] = float(getattr(defaults, name))
        if isinstance(raw, (int, float, str)):
            try:
                values[name] = float(raw)
            except ValueError:
                pass
    return replace(defaults, **values)


def target_values(targets: Targets) -> dict[str, float]:
    """Each target's stored value (a share as a fraction)."""
    return {name: float(getattr(targets, name)) for name, _label, _maximum, _percent in TARGET_FIELDS}


def shown_value(name: str, value: float) -> float:
    """A target as its spin box shows it (a share in percent)."""
    return value * 100.0 if _is_percent(name) else value


def targets_from_shown(shown: dict[str, float]) -> Targets:
    """Targets from what the spin boxes show."""
    values: dict[str, Any] = {
        name: value / 100.0 if _is_percent(name) else value for name, value in shown.items()
    }
    return replace(Targets(), **values)


def _is_percent(name: str) -> bool:
    return any(field == name and percent for field, _label, _maximum, percent in TARGET_FIELDS)


def workspace_key(root: Path | None) -> str:
    """A short stable key for a workspace (the chosen epochs are remembered per workspace)."""
    text = str(root) if root is not None else "no workspace"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def chosen_key(root: Path | None) -> str:
    return f"chosen/{workspace_key(root)}"


def chosen_from_text(raw: object) -> dict[str, Column]:
    """The stored epochs chosen for production (run -> column); {} for anything unreadable."""
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    out: dict[str, Column] = {}
    if isinstance(data, dict):
        for run, column in data.items():
            if isinstance(column, list) and len(column) == 2:
                try:
                    out[str(run)] = (str(column[0]), None if column[1] is None else int(column[1]))
                except (TypeError, ValueError):
                    continue
    return out


def chosen_to_text(chosen: dict[str, Column]) -> str:
    return json.dumps({run: list(column) for run, column in chosen.items()})


def with_choice(chosen: dict[str, Column], run: str, column: Column | None) -> dict[str, Column]:
    """``chosen`` with ``run``'s choice set (``column``) or cleared (None)."""
    out = dict(chosen)
    if column is None:
        out.pop(run, None)
    else:
        out[run] = column
    return out
