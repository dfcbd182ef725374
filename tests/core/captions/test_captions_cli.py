"""``bespoke-gui lint`` / ``caption-replace`` / ``caption-backups`` from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bespoke_gui.cli import main


def make_image(path: Path, colours: list[tuple[int, int, int]]) -> None:
    small = np.zeros((24, 24, 3), dtype=np.uint8)
    for i, c in enumerate(colours):
        small[i * 4 : (i + 1) * 4, :, :] = c
    Image.fromarray(small).resize((240, 240), Image.Resampling.NEAREST).save(path)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name, caption in {
        "a": "pixel art, hair (#c06148), lips (#c06148)",
        "b": "pixel art, red hat, lips",
        "c": "pixel art, blue eyes (#123456)",
    }.items():
        make_image(folder / f"{name}.png", [(192, 97, 72), (0, 0, 0), (18, 52, 86)])
        (folder / f"{name}.txt").write_text(caption, encoding="utf-8")
    (tmp_path / "config.toml").write_text("keep_tokens = 1\nmax_token_length = 150\n", encoding="utf-8")
    return folder


def test_lint_json_lists_findings_and_exits_1_on_errors(
    dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["lint", str(dataset), "--json", "--config", str(dataset.parent / "config.toml")])
    rows = json.loads(capsys.readouterr().out)
    assert code == 1
    shared = [r for r in rows if r["rule"] == "hex-shared"]
    assert len(shared) == 1 and shared[0]["file"] == "a.txt" and shared[0]["severity"] == "error"
    assert shared[0]["span"] == [17, 24]
    assert {"file", "rule", "severity", "message", "span"} <= set(rows[0])


def test_lint_clean_dataset_exits_0_and_reports_counts(
    dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (dataset / "a.txt").write_text("pixel art, hair (#c06148), lips (#000000)", encoding="utf-8")
    code = main(["lint", str(dataset)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "3 captions linted; trigger: pixel art" in out


def test_lint_reports_missing_captions_and_bad_config(
    dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (dataset / "b.txt").unlink()
    assert main(["lint", str(dataset), "--json", "--no-images"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert any(r["rule"] == "missing-caption" and r["file"] == "b.txt" for r in rows)
    # A config that does not parse is one note; the captions are still linted, with sd-scripts'
    # defaults (as the Captions tab does).
    bad = dataset.parent / "bad.toml"
    bad.write_text("keep_tokens = ", encoding="utf-8")
    assert main(["lint", str(dataset), "--json", "--no-images", "--config", str(bad)]) == 1
    captured = capsys.readouterr()
    assert any(r["rule"] == "missing-caption" for r in json.loads(captured.out))
    assert captured.err.startswith("note: ") and "not valid TOML" in captured.err
    assert "defaults" in captured.err and captured.err.count("\n") == 1


def test_replace_previews_then_applies_with_backup(dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["caption-replace", str(dataset), "--find", "red hat", "--replace", "red beret"]) == 0
    assert "preview only" in capsys.readouterr().out
    assert (dataset / "b.txt").read_text(encoding="utf-8") == "pixel art, red hat, lips"
    assert (
        main(["caption-replace", str(dataset), "--find", "red hat", "--replace", "red beret", "--apply"]) == 0
    )
    assert (dataset / "b.txt").read_text(encoding="utf-8") == "pixel art, red beret, lips"
    capsys.readouterr()
    assert main(["caption-backups", str(dataset)]) == 0
    listing = capsys.readouterr().out.strip().splitlines()
    assert len(listing) == 1 and listing[0].startswith("captions-")
    name = listing[0].split()[0]
    assert main(["caption-backups", str(dataset), "--diff", name]) == 0
    assert "-red hat" in capsys.readouterr().out
    assert main(["caption-backups", str(dataset), "--restore", name]) == 0
    assert (dataset / "b.txt").read_text(encoding="utf-8") == "pixel art, red hat, lips"


def test_lint_real_hex_captions_in_a_tmp_copy(
    realdata: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = realdata / "bespokebaby2"
    folder = tmp_path / "hex"
    folder.mkdir()
    for txt in sorted((source / "captions_with_hex").glob("*.txt"))[:20]:
        shutil.copy(txt, folder / txt.name)
        shutil.copy(source / "training_data_512" / (txt.stem + ".png"), folder / (txt.stem + ".png"))
    assert main(["lint", str(folder), "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    files_with_shared = {r["file"] for r in rows if r["rule"] == "hex-shared"}
    assert len(files_with_shared) >= 18


def test_lint_a_workspace_root_finds_its_images_folder(
    dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = dataset.parent
    (root / "prompts.txt").write_text("pixel art, a prompt\nanother line\n", encoding="utf-8")
    (root / "training_config.toml").write_text(
        'train_data_dir = "data"\noutput_name = "x"\nkeep_tokens = 1\n', encoding="utf-8"
    )
    main(["lint", str(root), "--json", "--no-images"])
    files = {r["file"] for r in json.loads(capsys.readouterr().out)}
    assert "prompts.txt" not in files and "a.txt" in files
