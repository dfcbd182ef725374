"""The app as it is installed: wheel and sdist contents, entry points, start-up without a display."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"


def _resource_files() -> list[str]:
    return sorted(
        p.relative_to(RESOURCES).as_posix()
        for p in RESOURCES.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from that sdist (as pip and `python -m build` do), once.

    Built from a copy: setuptools writes build/ and *.egg-info into the tree it builds, and a
    stale build/ would leak removed files into a later wheel.
    """
    pytest.importorskip("build")
    scratch = tmp_path_factory.mktemp("dist")
    source = scratch / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", ".venv*", "__pycache__", ".pytest_cache"
        ),
    )
    out = scratch / "out"
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)], capture_output=True, text=True
    )
    if result.returncode != 0 and "Could not find a version that satisfies" in result.stdout + result.stderr:
        pytest.skip("no package index to fetch the build backend from")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return out


def test_the_wheel_holds_every_resource_file_and_the_entry_points(built: Path) -> None:
    (wheel,) = built.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"bespoke_gui/_resources/{name}" for name in _resource_files()}
    assert expected <= names, sorted(expected - names)
    assert "bespoke_gui/_resources/bpe_simple_vocab_16e6.txt.gz" in names
    assert not any("__pycache__" in n for n in names)
    (entry_points,) = (n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[console_scripts]\nbespoke-gui = bespoke_gui.cli:main" in text
    assert "[gui_scripts]\nbespoke-gui-window = bespoke_gui.cli:window_main" in text
    (metadata,) = (n for n in names if n.endswith(".dist-info/METADATA"))
    assert (
        "instant-clip-tokenizer"
        not in zipfile.ZipFile(wheel).read(metadata).decode().split("Provides-Extra")[0]
    )


def test_the_sdist_holds_tests_packaging_resources_and_the_license(built: Path) -> None:
    (sdist,) = built.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert "LICENSE" in names and "setup.py" in names
    assert {f"resources/{name}" for name in _resource_files()} <= names
    assert "tests/conftest.py" in names and "packaging/bespoke-gui.spec" in names
    assert "packaging/build.sh" in names or not (ROOT / "packaging" / "build.sh").exists()


def _clean_env(**extra: str) -> dict[str, str]:
    # No DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM: a server or an SSH session.
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "SYSTEMROOT", "TMPDIR") if k in os.environ}
    return {**keep, **extra}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux needs a display server variable")
@pytest.mark.parametrize("args", [["--demo"], [], ["gui"]])
def test_the_window_without_a_display_is_one_line_and_exit_1(args: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bespoke_gui", *args],
        cwd=ROOT,
        env=_clean_env(HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "no display" in result.stderr
    assert "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_command_prints_and_returns_its_code_with_no_display(tmp_path: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "bespoke_gui", "--version"],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and ok.stdout.startswith("bespoke-gui ")
    missing = subprocess.run(
        [sys.executable, "-m", "bespoke_gui", "lint", str(tmp_path / "nowhere")],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "Traceback" not in missing.stderr


def test_window_main_runs_the_window_command_and_survives_no_console(monkeypatch: pytest.MonkeyPatch) -> None:
    from bespoke_gui import cli

    seen: list[tuple[str | None, bool]] = []
    monkeypatch.setattr(
        "bespoke_gui.commands.app.open_window",
        lambda workspace=None, demo=False: seen.append((workspace, demo)) or 0,
    )
    # A Windows gui-script has no console: the streams are None.
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert cli.window_main(["/some/folder"]) == 0
    assert cli.window_main(["--demo"]) == 0
    assert seen == [("/some/folder", False), (None, True)]
    assert sys.stdout is not None and sys.stderr is not None


def test_missing_resources_are_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bespoke_gui import cli
    from bespoke_gui.core import resources
    from bespoke_gui.core.captions import keywords

    assert cli.main(["demo", str(tmp_path / "ws")]) == 0
    capsys.readouterr()
    monkeypatch.setattr(resources, "RESOURCE_PACKAGE", "bespoke_gui_no_such_package")
    monkeypatch.setattr(resources, "_checkout_dir", lambda: tmp_path / "gone")
    keywords.default_keywords.cache_clear()
    try:
        assert cli.main(["lint", str(tmp_path / "ws")]) == 1
    finally:
        keywords.default_keywords.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("error: Bespoke GUI's resources are missing") and err.count("\n") == 1, err


def test_resources_are_found_through_importlib_in_an_installed_layout(tmp_path: Path) -> None:
    # The wheel's layout without building one: bespoke_gui with resources/ as bespoke_gui/_resources.
    shutil.copytree(
        ROOT / "bespoke_gui", tmp_path / "bespoke_gui", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(
        RESOURCES, tmp_path / "bespoke_gui" / "_resources", ignore=shutil.ignore_patterns("__pycache__")
    )
    code = (
        "from bespoke_gui.core.resources import resources_dir, resource_path\n"
        "from bespoke_gui.core.captions.tokens import TokenCounter\n"
        "print(resources_dir()); print(TokenCounter().count('pixel art, 24x24'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(tmp_path / "bespoke_gui" / "_resources"), "8"]
