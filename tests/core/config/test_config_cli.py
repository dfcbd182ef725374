"""The config commands end to end through ``bespoke_gui.cli.main``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bespoke_gui.cli import main

REAL_CONFIGS = Path(__file__).resolve().parents[3].parent / "shared" / "realdata" / "configs"

A = """\
[general]
enable_bucket = true
max_bucket_reso = 1024

[training_arguments]
resolution = 512
max_train_epochs = 9   # CHANGED: 10 → 9
learning_rate = 1e-4
output_name = "run"
train_data_dir = "data"
"""

B = """\
[general]
enable_bucket = true
max_bucket_reso = 512

[training_arguments]
resolution = "512,512"
max_train_epochs = 9
learning_rate = 1e-4
output_name = "run"
train_data_dir = "data"
seed = 42
"""


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(A, encoding="utf-8")
    b.write_text(B, encoding="utf-8")
    return a, b


def test_config_diff_json(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config-diff", str(pair[0]), str(pair[1]), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {(c["key"], c["kind"]) for c in out} == {
        ("general.max_bucket_reso", "changed"),
        ("training_arguments.resolution", "type_changed"),
        ("training_arguments.seed", "added"),
    }
    resolution = next(c for c in out if c["key"] == "training_arguments.resolution")
    assert (resolution["old"], resolution["new"]) == (512, "512,512")
    assert all({"key", "kind", "old", "new"} <= set(c) for c in out)


def test_config_diff_text_and_flat(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config-diff", str(pair[0]), str(pair[1]), "--flat"]) == 0
    out = capsys.readouterr().out
    assert '~ resolution: 512 -> "512,512"  (integer -> string)' in out
    assert "3 differences (keys sd-scripts sees)" in out
    assert main(["config-diff", str(pair[0]), str(pair[1]), "--text"]) == 0
    captured = capsys.readouterr()
    assert "-resolution = 512" in captured.out and "+seed = 42" in captured.out
    assert "insertions" in captured.err


def test_config_diff_bad_file(
    tmp_path: Path, pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("a = \n", encoding="utf-8")
    assert main(["config-diff", str(pair[0]), str(bad)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "line 1" in err and len(err.strip().splitlines()) == 1


def test_config_set_changes_only_the_named_lines_and_backs_up(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = pair[0]
    assert (
        main(
            [
                "config-set",
                str(path),
                'training_arguments.resolution="256,256"',
                "general.max_bucket_reso=512",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert 'training_arguments.resolution: 512 -> "256,256"' in out and "backup:" in out
    text = path.read_text(encoding="utf-8")
    assert text == A.replace("resolution = 512", 'resolution = "256,256"').replace(
        "max_bucket_reso = 1024", "max_bucket_reso = 512"
    )
    backups = list((path.parent / "backups").iterdir())
    assert len(backups) == 1 and (backups[0] / "a.toml").read_text(encoding="utf-8") == A


def test_config_set_reports_and_fixes_a_lying_comment(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = pair[0]
    assert main(["config-set", str(path), "training_arguments.max_train_epochs=8"]) == 0
    out = capsys.readouterr().out
    assert "comment may now be wrong" in out and "# CHANGED: 9 → 8" in out
    assert "max_train_epochs = 8   # CHANGED: 10 → 9\n" in path.read_text(encoding="utf-8")
    assert (
        main(["config-set", str(path), "training_arguments.max_train_epochs=7", "--comments", "update"]) == 0
    )
    assert "max_train_epochs = 7   # CHANGED: 8 → 7" in path.read_text(encoding="utf-8")
    assert main(["config-set", str(path), "training_arguments.max_train_epochs=6", "--comments", "drop"]) == 0
    assert "max_train_epochs = 6\n" in path.read_text(encoding="utf-8")


def test_config_set_bad_value_changes_nothing(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = pair[0]
    assert (
        main(
            [
                "config-set",
                str(path),
                "training_arguments.max_train_epochs=8",
                "training_arguments.resolution=256,256",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert 'a string needs quotes: "256,256"' in err and "nothing was changed" in err
    assert path.read_text(encoding="utf-8") == A
    assert not (path.parent / "backups").exists()


def test_config_set_workspace_backups(pair: tuple[Path, Path], tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    assert main(["config-set", str(pair[0]), "training_arguments.seed=1", "--workspace", str(workspace)]) == 0
    assert len(list((workspace / "backups").iterdir())) == 1


def test_config_check_exit_codes(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config-check", str(pair[0])]) == 1  # resolution = 512 in a training config
    captured = capsys.readouterr()
    assert "error: " in captured.err and ":6: training_arguments.resolution" in captured.err
    assert main(["config-check", str(pair[1]), "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert all(f["severity"] != "error" for f in findings)


def test_config_check_with_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    images = tmp_path / "training_data"
    images.mkdir()
    Image.new("RGB", (512, 512)).save(images / "a.png")
    (images / "a.txt").write_text("pixel art, lad", encoding="utf-8")
    config = tmp_path / "training_config.toml"
    config.write_text(B.replace('"512,512"', '"256,256"'), encoding="utf-8")
    # No caption_extension: sd-scripts' default .caption finds none of the .txt captions.
    assert main(["config-check", str(config), "--workspace", str(tmp_path), "--json"]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert any(f["code"] == "resolution-downscale" for f in findings)
    assert [f["code"] for f in findings if f["severity"] == "error"] == ["caption-extension"]
    config.write_text(B.replace('"512,512"', '"256,256"') + 'caption_extension = ".txt"\n', encoding="utf-8")
    assert main(["config-check", str(config), "--workspace", str(tmp_path), "--json"]) == 0
    capsys.readouterr()
    assert main(["config-check", str(config), "--workspace", str(tmp_path / "nope")]) == 2


def test_real_configs_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not REAL_CONFIGS.is_dir():
        pytest.skip("realdata absent")
    a = REAL_CONFIGS / "bespokebaby2__training_config_512px_backup.toml"
    b = REAL_CONFIGS / "bespokebaby2__runpod_package_FIXED__training_config.toml"
    assert main(["config-diff", str(a), str(b), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 8
    copy = tmp_path / "config.toml"
    shutil.copyfile(a, copy)
    copy.chmod(0o644)
    assert main(["config-set", str(copy), "training_arguments.max_train_epochs=8"]) == 0
    before, after = a.read_text(encoding="utf-8").splitlines(), copy.read_text(encoding="utf-8").splitlines()
    assert [i for i, (x, y) in enumerate(zip(before, after)) if x != y] == [48] and len(before) == len(after)
    for path in sorted(REAL_CONFIGS.glob("*.toml")):
        code = main(["config-check", str(path)])
        assert code == (1 if "aa70433" in path.name else 0), path.name
