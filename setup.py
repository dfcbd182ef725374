"""The one build step pyproject.toml cannot say: ship the top-level resources/ inside the package.

The repository keeps its data in resources/ (beside bespoke_gui/, as the design card has it); the
wheel and sdist carry it as the package ``bespoke_gui._resources`` (each subfolder a subpackage,
as setuptools wants data folders to be), which ``bespoke_gui.core.resources`` finds with
importlib.resources. Everything else is in pyproject.toml.
"""

from pathlib import Path

from setuptools import find_packages, setup

RESOURCES = Path(__file__).resolve().parent / "resources"
resource_packages = {
    ".".join(("bespoke_gui._resources", *folder.relative_to(RESOURCES).parts)): folder.relative_to(
        RESOURCES.parent
    ).as_posix()
    for folder in [
        RESOURCES,
        *sorted(p for p in RESOURCES.rglob("*") if p.is_dir() and p.name != "__pycache__"),
    ]
}

setup(
    packages=[*find_packages(include=["bespoke_gui", "bespoke_gui.*"]), *resource_packages],
    package_dir=resource_packages,
    package_data={name: ["*"] for name in resource_packages},
    exclude_package_data={name: ["*.pyc"] for name in resource_packages},
)
