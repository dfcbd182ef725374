"""The training package: contents, config path rewriting, sums, pre-flight, atomic write."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from bespoke_gui.cli import main
from bespoke_gui.core.dataset.package import (
    PackageError,
    plan_package,
    safe_arcname,
)
from bespoke_gui.core.dataset.package_zip import verify_package, write_package
from bespoke_gui.core.demo.demo_workspace import write_demo_workspace
from bespoke_gui.core.jobs import CancelFlag


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A small demo workspace whose captions carry no planted mistakes (the lint passes)."""
    root = write_demo_workspace(tmp_path / "ws", count=6, epochs=2, prompts=2)
    for caption in (root / "training_data" / "10_bespoke").glob("*.txt"):
        caption.write_text(f"pixel art, portrait number {caption.stem[:3]}\n")
    return root


def _unzip(path: Path, dest: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(dest)
    (folder,) = list(dest.iterdir())
    return folder


def test_package_holds_data_config_prompts_and_nothing_else(demo: Path, tmp_path: Path) -> None:
    (demo / "training_data" / "10_bespoke" / ".hidden.png").write_bytes(b"x")
    (demo / "backups").mkdir()
    (demo / "backups" / "old.png").write_bytes(b"x")
    out = tmp_path / "pod run.zip"
    plan = plan_package(demo, out)
    assert plan.name == "pod_run" and plan.subset == "10_bespoke" and plan.images == 6
    assert not plan.preflight.has_errors, plan.preflight.errors
    result = write_package(plan, out)
    assert result.path == out
    folder = _unzip(out, tmp_path / "unz")
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    data = [n for n in names if n.startswith("training_data/")]
    assert len(data) == 12 and all(n.startswith("training_data/10_bespoke/") for n in data)
    assert sorted(set(names) - set(data)) == [
        "MANIFEST.json",
        "SHA256SUMS",
        "prompts.txt",
        "train.sh",
        "training_config.toml",
    ]
    with zipfile.ZipFile(out) as archive:
        assert archive.getinfo("pod_run/train.sh").external_attr >> 16 == 0o100755
    assert out.stat().st_mode & 0o777 == 0o644
    script = (folder / "train.sh").read_text()
    assert "train_network.py --config_file /workspace/pod_run/training_config.toml" in script
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    assert manifest["images"] == 6 and manifest["preflight"]["lint"]["captions"] == 6
    assert {r["path"] for r in manifest["files"]} == set(names) - {"MANIFEST.json", "SHA256SUMS"}


def test_config_differs_only_in_path_keys_and_keeps_every_other_byte(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.zip"
    plan = plan_package(demo, out, pod_root="/pod/here/")
    write_package(plan, out)
    folder = _unzip(out, tmp_path / "unz")
    before = (demo / "training_config.toml").read_text()
    after = (folder / "training_config.toml").read_text()
    changed = {c.key.split(".")[-1]: c.new for c in plan.changes}
    assert changed == {
        "output_dir": "/pod/here/output",
        "train_data_dir": "/pod/here/training_data",
        "logging_dir": "/pod/here/logs",
        "sample_prompts": "/pod/here/prompts.txt",
    }
    differing = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(before.splitlines()) == len(after.splitlines()) and len(differing) == 4
    # Putting the old values back gives the original bytes: nothing else moved.
    restored = after
    for change in plan.changes:
        restored = restored.replace(f'"{change.new}"', f'"{change.old}"', 1)
    assert restored == before


def test_sha256sum_binary_accepts_the_sums(demo: Path, tmp_path: Path) -> None:
    binary = shutil.which("sha256sum")
    if binary is None:
        pytest.skip("no sha256sum binary on this machine")
    out = tmp_path / "p.zip"
    write_package(plan_package(demo, out), out)
    folder = _unzip(out, tmp_path / "unz")
    done = subprocess.run([binary, "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK") == 12 + 4
    # ...and a changed byte is caught by the real tool too.
    caption = next((folder / "training_data" / "10_bespoke").glob("*.txt"))
    caption.write_text(caption.read_text() + " x")
    assert (
        subprocess.run([binary, "-c", "--quiet", "SHA256SUMS"], cwd=folder, capture_output=True).returncode
        != 0
    )


def test_preflight_errors_need_allow_errors(demo: Path, tmp_path: Path) -> None:
    images = demo / "training_data" / "10_bespoke"
    first = sorted(images.glob("*.png"))[0]
    first.with_suffix(".txt").unlink()
    Image.new("RGB", (256, 256)).save(sorted(images.glob("*.png"))[1])
    plan = plan_package(demo, tmp_path / "p.zip")
    errors = "\n".join(plan.preflight.errors)
    assert "1 images have no caption" in errors and first.name in errors
    assert "mixed image sizes: 4 at 512x512, 1 at 256x256" in errors
    with pytest.raises(PackageError, match="pre-flight found 2 errors"):
        write_package(plan, tmp_path / "p.zip")
    assert not (tmp_path / "p.zip").exists()
    result = write_package(plan, tmp_path / "p.zip", allow_errors=True)
    manifest = json.loads(zipfile.ZipFile(result.path).read("p/MANIFEST.json"))
    assert len(manifest["errors_allowed"]) == 2 and manifest["images"] == 5


def test_loose_images_without_repeats_folder_get_repeats(tmp_path: Path, demo: Path) -> None:
    data = demo / "training_data"
    (data / "10_bespoke").rename(data / "pixels")
    plan = plan_package(demo, tmp_path / "p.zip")
    # The workspace's layout reads as zero images in sd-scripts: an error.
    assert any("would read zero images" in e for e in plan.preflight.errors)
    assert plan.subset == "10_pixels"
    assert plan_package(demo, tmp_path / "p.zip", repeats=3).subset == "3_pixels"


def test_link_out_of_the_workspace_is_never_packaged(demo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    Image.new("RGB", (512, 512)).save(outside)
    images = demo / "training_data" / "10_bespoke"
    (images / "zz_link.png").symlink_to(outside)
    (images / "zz_link.txt").write_text("pixel art, a link")
    plan = plan_package(demo, tmp_path / "p.zip")
    assert any("zz_link.png: a link out of the workspace" in e for e in plan.preflight.errors)
    assert all("zz_link" not in f.arcname for f in plan.files)


def test_names_never_escape() -> None:
    for bad in ("../x", "/etc/passwd", "a/../../b", "a\\b", "a\nb", ""):
        with pytest.raises(PackageError):
            safe_arcname(bad)
    assert safe_arcname("training_data/10_x/a.png") == "training_data/10_x/a.png"


def test_cancel_and_failure_leave_no_zip(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "p.zip"
    plan = plan_package(demo, out)
    flag = CancelFlag()

    def progress(done: int, total: int, message: str) -> None:
        if done == 3:
            flag.set()

    result = write_package(plan, out, progress=progress, cancelled=flag)
    assert result.cancelled and not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ws"]

    import bespoke_gui.core.dataset.package_zip as package_zip

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(package_zip, "_add_bytes", boom)
    with pytest.raises(PackageError, match="No space left"):
        write_package(plan, out)
    assert [p.name for p in tmp_path.iterdir()] == ["ws"]


def test_killed_run_leaves_no_partial_zip(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.zip"
    code = (
        "import os, sys\n"
        "import bespoke_gui.core.dataset.package as p\n"
        "import bespoke_gui.core.dataset.package_zip as z\n"
        "plan = p.plan_package(sys.argv[1], sys.argv[2])\n"
        "def progress(done, total, message):\n"
        "    if done == 4: os._exit(9)\n"
        "z.write_package(plan, sys.argv[2], progress=progress)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(demo), str(out)], cwd=Path(__file__).parents[3])
    assert done.returncode == 9
    assert not out.exists()
    assert not list(tmp_path.glob("*.zip"))


def test_verify_package_finds_tampering(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.zip"
    write_package(plan_package(demo, out), out)
    report = verify_package(out)
    assert report.ok, report.problems
    assert report.images == 6 and report.checked == 12 + 4
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if (
                info.filename.endswith(".txt")
                and "training_data" in info.filename
                and b"tampered" not in data
            ):
                data += b" tampered"
            dst.writestr(info, data)
        dst.writestr("p/extra.txt", b"x")
        dst.writestr("p/../evil.txt", b"x")
    problems = "\n".join(verify_package(bad).problems)
    assert "SHA-256 differs" in problems and "extra.txt: in the zip but not in SHA256SUMS" in problems
    assert "not a path inside the package" in problems


def test_cli_package_and_verify(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.zip"
    assert main(["package", str(demo), "--out", str(out), "--root", "/workspace/x"]) == 0
    text = capsys.readouterr().out
    assert "training_arguments.train_data_dir: 'training_data' -> '/workspace/x/training_data'" in text
    assert main(["verify-package", str(out)]) == 0
    (demo / "training_data" / "10_bespoke" / "000_extra.png").write_bytes(
        (demo / "training_data" / "10_bespoke")
        .joinpath(sorted(p.name for p in (demo / "training_data" / "10_bespoke").glob("*.png"))[0])
        .read_bytes()
    )
    assert main(["package", str(demo), "--out", str(tmp_path / "two.zip")]) == 1
    assert "not packaged" in capsys.readouterr().err and not (tmp_path / "two.zip").exists()
    assert main(["package", str(demo), "--out", str(tmp_path / "two.zip"), "--allow-errors"]) == 0
    assert main(["package", str(demo), "--out", str(tmp_path / "two.zip"), "--allow-errors"]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["package", str(demo), "--out", str(out), "--allow-errors", "--overwrite"]) == 0
    # --overwrite does not replace a package the user made read-only.
    out.chmod(0o444)
    try:
        before = out.read_bytes()
        assert main(["package", str(demo), "--out", str(out), "--allow-errors", "--overwrite"]) == 1
        assert "the file is read-only" in capsys.readouterr().err and out.read_bytes() == before
    finally:
        out.chmod(0o644)
    plan = plan_package(demo, out)
    with pytest.raises(PackageError, match="exists"):
        write_package(plan, out, allow_errors=True)


def test_real_dataset_package(realdata: Path, tmp_path: Path) -> None:
    """The 203 real images in a 10_bespoke folder with the real 256 config."""
    ws = tmp_path / "ws"
    images = ws / "training_data" / "10_bespoke"
    shutil.copytree(realdata / "bespokebaby2" / "training_data_512", images)
    config = realdata / "configs" / "bespokebaby2__runpod_package_FIXED__training_config.toml"
    shutil.copy(config, ws / "training_config.toml")
    out = tmp_path / "bespoke256.zip"
    plan = plan_package(ws, out)
    assert plan.images == 203 and not plan.preflight.has_errors
    write_package(plan, out)
    assert verify_package(out).ok
    folder = _unzip(out, tmp_path / "unz")
    before = config.read_bytes().decode().splitlines()
    after = (folder / "training_config.toml").read_text().splitlines()
    changed = [b.split(" = ")[0] for a, b in zip(before, after) if a != b]
    assert sorted(changed) == ["logging_dir", "output_dir", "train_data_dir"]
    binary = shutil.which("sha256sum")
    if binary:
        assert subprocess.run([binary, "-c", "--quiet", "SHA256SUMS"], cwd=folder).returncode == 0


def test_no_captioned_images_is_zero_images(demo: Path, tmp_path: Path) -> None:
    for caption in (demo / "training_data" / "10_bespoke").glob("*.txt"):
        caption.unlink()
    errors = plan_package(demo, tmp_path / "p.zip").preflight.errors
    assert any("sd-scripts would find zero images" in e for e in errors)
    assert any("6 images have no caption" in e for e in errors)
