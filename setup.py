"""The one build step pyproject.toml cannot say: ship the top-level resources/ inside the package.

The repository keeps its data in resources/ (beside bespoke_gui/, as the design card has it); the
wheel and sdist carry it as the package ``bespoke_gui._resources``, which
``bespoke_gui.core.resources`` finds with importlib.resources. Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bespoke_gui", "bespoke_gui.*"]), "bespoke_gui._resources"],
    package_dir={"bespoke_gui._resources": "resources"},
    package_data={"bespoke_gui._resources": ["**/*"]},
    exclude_package_data={"bespoke_gui._resources": ["__pycache__/*", "*.pyc"]},
)
