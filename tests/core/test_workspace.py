"""Workspace discovery: find images, captions, config and sample folders without asking."""

from __future__ import annotations

from pathlib import Path

import pytest

from bespoke_gui.core.files import TEMP_PREFIX
from bespoke_gui.core.workspace import (
    IMAGE_EXTENSIONS,
    Workspace,
    caption_path_for,
    discover,
    find_workspace_file,
    is_inside,
    list_captions,
    list_images,
)

CONFIG = 'pretrained_model_name_or_path = "sd15.safetensors"\ntrain_data_dir = "training_data"\noutput_name = "bespoke"\n'


def add_pairs(folder: Path, count: int, stem: str = "portrait", captions: bool = True) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    images = []
    for i in range(count):
        image = folder / f"{stem}_{i:03d}.png"
        image.write_bytes(b"\x89PNG fake")
        if captions:
            image.with_suffix(".txt").write_text(f"pixel art, {stem} {i}\n")
        images.append(image)
    return images


def add_samples(folder: Path, epoch: int, count: int = 3) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for prompt in range(count):
        (folder / f"bespoke_e{epoch:06d}_{prompt:02d}_20251103121314.png").write_bytes(b"\x89PNG")


def make_demo_layout(root: Path) -> None:
    add_pairs(root / "training_data", 12)
    (root / "training_config.toml").write_text(CONFIG)
    for epoch in (2, 4, 10):
        add_samples(root / "samples" / f"epoch_{epoch:02d}", epoch)


def test_demo_layout(tmp_path: Path) -> None:
    make_demo_layout(tmp_path)
    workspace = discover(tmp_path)
    assert workspace.root == tmp_path.resolve()
    assert workspace.images_dir == tmp_path / "training_data"
    assert workspace.config_path == tmp_path / "training_config.toml"
    assert workspace.sample_dirs == tuple(tmp_path / "samples" / f"epoch_{e:02d}" for e in (2, 4, 10))
    assert workspace.caption_extension == ".txt"
    assert workspace.backups_dir == tmp_path / "backups"
    text = "\n".join(workspace.describe())
    assert "training_data" in text and "training_config.toml" in text and "epoch_10" in text


def test_sample_folders_come_in_epoch_order(tmp_path: Path) -> None:
    add_pairs(tmp_path / "training_data", 3)
    for epoch in (10, 2, 1, 20):
        add_samples(tmp_path / "samples" / f"epoch_{epoch}", epoch)
    names = [p.name for p in discover(tmp_path).sample_dirs]
    assert names == ["epoch_1", "epoch_2", "epoch_10", "epoch_20"]


def test_flat_folder_of_images_and_captions(tmp_path: Path) -> None:
    add_pairs(tmp_path, 5)
    workspace = discover(tmp_path)
    assert workspace.images_dir == tmp_path
    assert workspace.config_path is None
    assert workspace.sample_dirs == ()


def test_kohya_repeat_subfolder_layout(tmp_path: Path) -> None:
    add_pairs(tmp_path / "train" / "10_bespoke", 8)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "lora.toml").write_text(CONFIG)
    add_samples(tmp_path / "output" / "sample", 5)
    workspace = discover(tmp_path)
    assert workspace.images_dir == tmp_path / "train" / "10_bespoke"
    assert workspace.config_path == tmp_path / "config" / "lora.toml"
    assert workspace.sample_dirs == (tmp_path / "output" / "sample",)


@pytest.mark.parametrize("name", ["sample", "samples", "epoch_8", "ep08", "epoch8", "e000008", "Epoch 8"])
def test_sample_folder_names(tmp_path: Path, name: str) -> None:
    add_pairs(tmp_path / "dataset", 6)
    folder = tmp_path / name
    folder.mkdir()
    for i in range(3):
        (folder / f"image_{i}.png").write_bytes(b"\x89PNG")  # not sd-scripts names: the folder name decides
    workspace = discover(tmp_path)
    assert workspace.images_dir == tmp_path / "dataset"
    assert workspace.sample_dirs == (folder,)


def test_sd_scripts_sample_names_mark_a_folder_whatever_its_name(tmp_path: Path) -> None:
    add_pairs(tmp_path / "dataset", 6)
    add_samples(tmp_path / "renders", 3)
    assert discover(tmp_path).sample_dirs == (tmp_path / "renders",)


def test_a_folder_of_more_images_without_captions_is_not_the_images_dir(tmp_path: Path) -> None:
    add_pairs(tmp_path / "training_data_512", 5)
    add_pairs(tmp_path / "originals_24", 9, captions=False)
    workspace = discover(tmp_path)
    assert workspace.images_dir == tmp_path / "training_data_512"
    assert tmp_path / "originals_24" not in workspace.sample_dirs


def test_uncaptioned_dataset_is_found_but_sample_folders_are_not_taken_for_it(tmp_path: Path) -> None:
    add_pairs(tmp_path / "to_caption", 4, captions=False)
    add_samples(tmp_path / "renders", 1, count=9)
    workspace = discover(tmp_path)
    assert workspace.images_dir == tmp_path / "to_caption"
    assert workspace.sample_dirs == (tmp_path / "renders",)


def test_only_sample_images_means_no_images_dir(tmp_path: Path) -> None:
    add_samples(tmp_path / "samples" / "epoch_01", 1)
    assert discover(tmp_path).images_dir is None


def test_backups_folder_is_ignored(tmp_path: Path) -> None:
    add_pairs(tmp_path / "training_data", 3)
    # A backup holds more pairs (several copies) and a config, but is never the workspace.
    add_pairs(tmp_path / "backups" / "dataset-20250101-101010" / "training_data", 30)
    (tmp_path / "backups" / "dataset-20250101-101010" / "training_config.toml").write_text(CONFIG)
    add_samples(tmp_path / "backups" / "samples-x" / "epoch_1", 1)
    workspace = discover(tmp_path)
    assert workspace.images_dir == tmp_path / "training_data"
    assert workspace.config_path is None
    assert workspace.sample_dirs == ()


def test_config_is_found_by_its_content_when_not_named_training_config(tmp_path: Path) -> None:
    add_pairs(tmp_path / "training_data", 2)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "my_lora_v2.toml").write_text(CONFIG)
    assert discover(tmp_path).config_path == tmp_path / "my_lora_v2.toml"


def test_other_caption_extension(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for i in range(3):
        (folder / f"a{i}.png").write_bytes(b"x")
        (folder / f"a{i}.caption").write_text("x")
    add_pairs(tmp_path / "other", 2)  # .txt pairs elsewhere
    workspace = discover(tmp_path, caption_extension="caption")
    assert workspace.caption_extension == ".caption"
    assert workspace.images_dir == folder


def test_missing_folder_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="no such folder: .*nowhere"):
        discover(tmp_path / "nowhere")
    file = tmp_path / "a.png"
    file.write_bytes(b"x")
    with pytest.raises(NotADirectoryError, match="not a folder"):
        discover(file)


def test_discovery_writes_nothing(tmp_path: Path) -> None:
    make_demo_layout(tmp_path)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    discover(tmp_path)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_list_images_and_captions(tmp_path: Path) -> None:
    (tmp_path / "b image.PNG").write_bytes(b"x")
    (tmp_path / "a_café.jpg").write_bytes(b"x")
    (tmp_path / "c.webp").write_bytes(b"x")
    (tmp_path / ".hidden.png").write_bytes(b"x")
    (tmp_path / f"{TEMP_PREFIX}abc.png").write_bytes(b"x")
    (tmp_path / "notes.md").write_text("x")
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "a_café.txt").write_text("x")
    (tmp_path / "b image.txt").write_text("x")
    assert [p.name for p in list_images(tmp_path)] == ["a_café.jpg", "b image.PNG", "c.webp"]
    assert [p.name for p in list_captions(tmp_path)] == ["a_café.txt", "b image.txt"]
    assert list_images(tmp_path / "missing") == []
    assert caption_path_for(tmp_path / "x.png") == tmp_path / "x.txt"
    assert caption_path_for(tmp_path / "x.png", "caption") == tmp_path / "x.caption"
    assert ".png" in IMAGE_EXTENSIONS and ".txt" not in IMAGE_EXTENSIONS


def test_with_overrides_replaces_only_the_given_parts(tmp_path: Path) -> None:
    make_demo_layout(tmp_path)
    workspace = discover(tmp_path)
    other = workspace.with_overrides(images_dir=tmp_path / "elsewhere")
    assert isinstance(other, Workspace)
    assert other.images_dir == tmp_path / "elsewhere"
    assert other.config_path == workspace.config_path and other.sample_dirs == workspace.sample_dirs


def test_real_dataset_folder(realdata: Path) -> None:
    root = realdata / "bespokebaby2"
    workspace = discover(root)
    assert workspace.images_dir == root / "training_data_512"
    assert workspace.images_dir != root / "originals_24"
    assert root / "epoch8_samples" in workspace.sample_dirs
    assert root / "originals_24" not in workspace.sample_dirs
    assert root / "training_data_512" not in workspace.sample_dirs
    assert len(list_images(workspace.images_dir)) >= 200


def test_real_data_root_finds_a_real_config(realdata: Path) -> None:
    workspace = discover(realdata)
    assert workspace.images_dir == realdata / "bespokebaby2" / "training_data_512"
    assert workspace.config_path is not None and workspace.config_path.suffix == ".toml"
    assert "train_data_dir" in workspace.config_path.read_text(encoding="utf-8") or "[[datasets]]" in (
        workspace.config_path.read_text(encoding="utf-8")
    )


def test_the_configs_train_data_dir_wins_over_a_resized_copy_beside_it(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    for folder in ("resized", "training_data/10_bespoke"):
        data = root / folder
        data.mkdir(parents=True)
        for i in range(3):
            (data / f"img_{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n")
            (data / f"img_{i}.txt").write_text("pixel art", encoding="utf-8")
    config = root / "training_config.toml"
    config.write_text('[training_arguments]\ntrain_data_dir = "training_data"\n', encoding="utf-8")
    assert discover(root).images_dir == (root / "training_data" / "10_bespoke").resolve()
    # A path for another machine says nothing about this one: discovery falls back to looking.
    config.write_text('[training_arguments]\ntrain_data_dir = "/workspace/training_data"\n', encoding="utf-8")
    assert discover(root).images_dir is not None


def test_a_file_the_config_names_is_found_in_the_workspace_and_never_through_a_link_out(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    (root / "configs").mkdir(parents=True)
    (root / "prompts.txt").write_text("a portrait\n", encoding="utf-8")
    config_dir = root / "configs"
    # By its path from the config's folder, by its path from the root, or by its name at the root.
    assert find_workspace_file("../prompts.txt", config_dir, root) == config_dir / "../prompts.txt"
    assert find_workspace_file("prompts.txt", config_dir, root) == root / "prompts.txt"
    assert find_workspace_file("/gpu-host/data/prompts.txt", config_dir, root) == root / "prompts.txt"
    assert find_workspace_file("missing.txt", config_dir, root) is None
    # A link inside the workspace to a file outside it is not the workspace's file.
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not yours\n", encoding="utf-8")
    (root / "linked.txt").symlink_to(outside)
    assert find_workspace_file("linked.txt", config_dir, root) is None
    assert not is_inside(root / "linked.txt", root) and is_inside(root / "prompts.txt", root)
