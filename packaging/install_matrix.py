"""Does Bespoke GUI install everywhere it says it does? A pip dry run per Python x platform.

For CPython 3.11-3.14 on Linux x86_64/aarch64, macOS arm64/x86_64 and Windows amd64/arm64, pip
resolves the app's dependencies (from pyproject.toml) with binary wheels only, as an installer on
that machine would, and the table says which resolved and the oldest OS each needs (the highest
manylinux glibc or macOS version among the chosen wheels). Nothing is installed.

    python packaging/install_matrix.py            # prints a Markdown table (the README's)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("3.11", "3.12", "3.13", "3.14")
# pip expands a macOS tag to older versions but not a manylinux_2_x tag: list those.
_LINUX = [f"manylinux_2_{minor}" for minor in range(17, 41)] + ["manylinux2014"]
PLATFORMS: dict[str, list[str]] = {
    "Linux x86_64": [f"{tag}_x86_64" for tag in _LINUX],
    "Linux aarch64": [f"{tag}_aarch64" for tag in _LINUX],
    "macOS arm64": ["macosx_15_0_arm64"],
    "macOS x86_64": ["macosx_15_0_x86_64"],
    "Windows amd64": ["win_amd64"],
    "Windows arm64": ["win_arm64"],
}


# The environment markers of each platform: pip evaluates a requirement's marker against the
# machine it runs on, not the --platform asked for, so the markers are applied here.
MARKER_ENVIRONMENTS: dict[str, dict[str, str]] = {
    "Linux x86_64": {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"},
    "Linux aarch64": {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64"},
    "macOS arm64": {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64"},
    "macOS x86_64": {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "x86_64"},
    "Windows amd64": {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64"},
    "Windows arm64": {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "ARM64"},
}


def requirements(python: str, platform: str) -> list[str]:
    """The dependencies that apply on ``platform`` under ``python``, markers removed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    environment = {
        **MARKER_ENVIRONMENTS[platform],
        "python_version": python,
        "python_full_version": f"{python}.0",
    }
    chosen = []
    for line in project["dependencies"]:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            requirement.marker = None
            chosen.append(str(requirement))
    return chosen


def _floor(filenames: list[str]) -> str:
    glibc = [(int(a), int(b)) for name in filenames for a, b in re.findall(r"manylinux_(\d+)_(\d+)", name)]
    glibc += [(2, 17) for name in filenames if "manylinux2014" in name]
    macos = [(int(a), int(b)) for name in filenames for a, b in re.findall(r"macosx_(\d+)_(\d+)", name)]
    # The floor is the newest of each wheel's oldest tag.
    if glibc:
        per_wheel = []
        for name in filenames:
            tags = [(int(a), int(b)) for a, b in re.findall(r"manylinux_(\d+)_(\d+)", name)]
            tags += [(2, 17)] if "manylinux2014" in name else []
            if tags:
                per_wheel.append(min(tags))
        major, minor = max(per_wheel)
        return f"glibc {major}.{minor}"
    if macos:
        per_wheel = []
        for name in filenames:
            tags = [(int(a), int(b)) for a, b in re.findall(r"macosx_(\d+)_(\d+)", name)]
            if tags:
                per_wheel.append(min(tags))
        major, minor = max(per_wheel)
        return f"macOS {major}.{minor}" if minor else f"macOS {major}"
    return ""


def resolve(python: str, platform: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--only-binary=:all:",
            "--target", str(Path(scratch) / "never-written"), "--python-version", python,
            "--implementation", "cp", "--report", str(report),
        ]  # fmt: skip
        for tag in PLATFORMS[platform]:
            command += ["--platform", tag]
        result = subprocess.run([*command, *requirements(python, platform)], capture_output=True, text=True)
        if result.returncode != 0 or not report.exists():
            errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
            return False, (errors[0] if errors else result.stderr.strip()[-200:])
        files = [
            item["download_info"]["url"].rsplit("/", 1)[-1]
            for item in json.loads(report.read_text())["install"]
        ]
        pyside = next((f for f in files if f.lower().startswith("pyside6_essentials")), "")
        version = pyside.split("-")[1] if pyside else "?"
        decoder = "libspng" if any(f.lower().startswith("pyspng") for f in files) else "Pillow"
        return True, f"{_floor(files)}, PySide6 {version}, PNG by {decoder}".lstrip(", ")


def main() -> int:
    cells = [(python, platform) for python in PYTHONS for platform in PLATFORMS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(cells, pool.map(lambda cell: resolve(*cell), cells)))
    print("| Python | " + " | ".join(PLATFORMS) + " |")
    print("|---" * (len(PLATFORMS) + 1) + "|")
    for python in PYTHONS:
        row = [f"{'ok' if ok else 'FAILS'}: {note}" for ok, note in (results[python, p] for p in PLATFORMS)]
        print(f"| {python} | " + " | ".join(row) + " |")
    failed = [cell for cell, (ok, _note) in results.items() if not ok]
    print(
        f"\n{len(cells) - len(failed)} of {len(cells)} resolve" + (f"; failing: {failed}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
