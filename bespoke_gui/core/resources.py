"""The one lookup for the shipped resources (keywords, presets, the CLIP vocabulary, the icon).

The repository keeps them in the top-level ``resources/`` folder. The build maps that folder
into the wheel and sdist as the package ``bespoke_gui._resources`` (setup.py's ``package_dir``),
(``resources/__init__.py`` makes it a regular package), so an installed app, an editable
install and the PyInstaller bundle (built from the installed package) all find them with :mod:`importlib.resources`. A plain checkout run with
``python -m bespoke_gui`` has no such package on ``sys.path``: there the folder beside the
package is used.

A missing or damaged file is a :class:`ResourceError` whose message is one line for the user.
"""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable
from pathlib import Path

RESOURCE_PACKAGE = "bespoke_gui._resources"
REINSTALL_HINT = "reinstall Bespoke GUI"


class ResourceError(FileNotFoundError):
    """A shipped resource is missing or unreadable; ``str()`` is one line for the user."""


def _checkout_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "resources"


def resources_root() -> Traversable:
    """The shipped resources, wherever this copy of the app was installed from."""
    try:
        root: Traversable = importlib.resources.files(RESOURCE_PACKAGE)
    except ModuleNotFoundError:
        root = _checkout_dir()
    if not root.is_dir():
        raise ResourceError(f"Bespoke GUI's resources are missing; {REINSTALL_HINT}")
    return root


def resources_dir() -> Path:
    """The resources as a real folder: every way the app is installed keeps them on disk."""
    root = resources_root()
    if not isinstance(root, Path):
        raise ResourceError(f"Bespoke GUI's resources are not in a folder on disk; {REINSTALL_HINT}")
    return root


def resource_path(name: str) -> Path:
    """A shipped file's path; a :class:`ResourceError` (one line) when it is missing."""
    path = resources_dir() / name
    if not path.exists():
        raise ResourceError(f"Bespoke GUI's resource {name} is missing; {REINSTALL_HINT}")
    return path


def read_resource_bytes(name: str) -> bytes:
    """A shipped file's bytes; a :class:`ResourceError` (one line) when missing or unreadable."""
    try:
        return resource_path(name).read_bytes()
    except ResourceError:
        raise
    except OSError as exc:
        raise ResourceError(
            f"Bespoke GUI's resource {name} cannot be read ({exc.strerror or exc}); {REINSTALL_HINT}"
        ) from None
