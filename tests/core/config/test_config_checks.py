"""config_checks: findings against sd-scripts' rules and against a workspace made by the test."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bespoke_gui.core.config import checks as cc
from bespoke_gui.core.config.check_report import DATASET
from bespoke_gui.core.config.document import load_config, loads_config
from bespoke_gui.core.config.errors import ConfigError
from bespoke_gui.core.config.presets import list_presets, preview_preset, save_user_preset, user_presets_dir
from bespoke_gui.core.findings import Finding, Severity
from bespoke_gui.core.workspace import discover

REAL_CONFIGS = Path(__file__).resolve().parents[3].parent / "shared" / "realdata" / "configs"

GOOD = """\
[model]
pretrained_model_name_or_path = "runwayml/stable-diffusion-v1-5"
network_module = "networks.lora"

[general]
enable_bucket = true
min_bucket_reso = 256
max_bucket_reso = 1024
bucket_no_upscale = true

[training_arguments]
output_name = "bespoke"
output_dir = "output"
train_data_dir = "training_data"
resolution = "512,512"
max_train_epochs = 8
learning_rate = 1e-4
network_dim = 32
network_alpha = 16
shuffle_caption = true
keep_tokens = 1
caption_extension = ".txt"
sample_every_n_epochs = 1
sample_prompts = "prompts.txt"
"""


def check(text: str, workspace=None) -> list[Finding]:
    return cc.check_config(loads_config(text), workspace).findings


def codes(findings: list[Finding], severity: str | None = None) -> set[str]:
    return {f.rule for f in findings if severity is None or f.severity == severity}


def find(findings: list[Finding], code: str) -> Finding:
    matches = [f for f in findings if f.rule == code]
    assert matches, f"no {code} in {[f.describe() for f in findings]}"
    return matches[0]


# ---------------------------------------------------------------- against sd-scripts


def test_a_clean_config_has_no_errors_or_warnings() -> None:
    findings = check(GOOD)
    assert [f for f in findings if f.severity != Severity.INFO] == []


def test_unknown_key_is_a_warning_with_its_line() -> None:
    findings = check(
        GOOD.replace("bucket_no_upscale = true", "bucket_no_upscale = true\nbucket_resolution = 512")
    )
    finding = find(findings, "unknown-key")
    assert finding.severity == Severity.WARNING
    assert finding.key == "general.bucket_resolution" and finding.line == 10
    assert "ignores" in finding.message


def test_misspelled_key_gets_a_suggestion() -> None:
    finding = find(check(GOOD + "max_train_epoch = 3\n"), "unknown-key")
    assert "max_train_epochs" in finding.message


def test_same_key_in_two_sections_reports_the_line_that_does_nothing() -> None:
    text = GOOD.replace("[training_arguments]", "[training_arguments]\nmax_bucket_reso = 512")
    finding = find(check(text), "duplicate")
    assert finding.key == "general.max_bucket_reso" and finding.line == 8
    assert "later one wins" in finding.message and "512" in finding.message


@pytest.mark.parametrize(
    "line, severity, words",
    [
        ("resolution = 512", Severity.ERROR, 'write "512,512"'),
        ("max_train_epochs = 8.0", Severity.ERROR, "write 8"),
        ('max_train_epochs = "8"', Severity.ERROR, "integer"),
        ('learning_rate = "1e-4"', Severity.ERROR, "number"),
        ('shuffle_caption = "false"', Severity.ERROR, "reads as true"),
        ("shuffle_caption = 1", Severity.WARNING, "true or false"),
        ('network_args = "conv_dim=4"', Severity.ERROR, "one character at a time"),
        ("output_name = 12", Severity.ERROR, "string"),
    ],
)
def test_wrong_types(line: str, severity: str, words: str) -> None:
    key = line.split(" =")[0]
    text = "\n".join(line if old.startswith(key + " =") else old for old in GOOD.splitlines()) + "\n"
    if key not in GOOD:
        text = GOOD + line + "\n"
    finding = find(check(text), "type")
    assert finding.severity == severity and words in finding.message
    assert finding.key == f"training_arguments.{key}"


def test_int_where_float_is_expected_is_fine_in_a_training_config() -> None:
    assert "type" not in codes(check(GOOD.replace("learning_rate = 1e-4", "learning_rate = 1")))


@pytest.mark.parametrize(
    "old, new, code, severity",
    [
        ('resolution = "512,512"', 'resolution = "500,500"', "resolution-64", Severity.WARNING),
        ('resolution = "512,512"', 'resolution = "512x512"', "resolution-format", Severity.ERROR),
        ("min_bucket_reso = 256", "min_bucket_reso = 2048", "bucket-order", Severity.ERROR),
        ("max_bucket_reso = 1024", "max_bucket_reso = 256", "bucket-max-below-resolution", Severity.WARNING),
        ("keep_tokens = 1", "keep_tokens = -1", "negative", Severity.ERROR),
        ("max_train_epochs = 8", "max_train_epochs = 0", "min-1", Severity.ERROR),
        ("network_alpha = 16", "network_alpha = 64", "alpha-above-dim", Severity.WARNING),
        ("sample_every_n_epochs = 1", "sample_every_n_epochs = 0", "sample-off", Severity.WARNING),
        ("sample_every_n_epochs = 1", "sample_every_n_epochs = 9", "sample-too-rare", Severity.WARNING),
        ('sample_prompts = "prompts.txt"', "", "sample-no-prompts", Severity.WARNING),
        ('output_name = "bespoke"', 'output_name = "a/b"', "output-name-chars", Severity.ERROR),
        ('output_name = "bespoke"', "", "output-name-missing", Severity.WARNING),
        ('train_data_dir = "training_data"', "", "no-data", Severity.ERROR),
    ],
)
def test_ranges_and_cross_checks(old: str, new: str, code: str, severity: str) -> None:
    finding = find(check(GOOD.replace(old, new)), code)
    assert finding.severity == severity


def test_max_token_length_outside_choices() -> None:
    assert find(check(GOOD + "max_token_length = 300\n"), "choices").severity == Severity.ERROR
    assert find(check(GOOD + "max_token_length = 75\n"), "choices").severity == Severity.WARNING
    assert "choices" not in codes(check(GOOD + "max_token_length = 225\n"))


def test_mixed_precision_outside_choices() -> None:
    assert find(check(GOOD + 'mixed_precision = "fp32"\n'), "choices").severity == Severity.ERROR


def test_dataset_config_checks() -> None:
    text = """\
[general]
caption_extension = '.txt'
bucket_resolution = 512
learning_rate = 1e-4

[[datasets]]
resolution = "512,512"
validation_split = 0
min_bucket_reso = 1024
max_bucket_reso = 512

  [[datasets.subsets]]
  num_repeats = 10
"""
    report = cc.check_config(loads_config(text))
    assert report.kind == DATASET
    by_key = {(f.key, f.rule): f for f in report.findings}
    assert by_key[("general.bucket_resolution", "unknown-key")].severity == Severity.ERROR
    assert "training config" in by_key[("general.learning_rate", "unknown-key")].message
    resolution = by_key[("datasets[0].resolution", "type")]
    assert "integer or [W, H]" in resolution.message and resolution.line == 7
    assert "write 0.0" in by_key[("datasets[0].validation_split", "type")].message
    assert ("datasets[0].min_bucket_reso", "bucket-order") in by_key
    assert ("datasets[0].subsets[0]", "subset-no-dir") in by_key
    assert report.has_errors


def test_dataset_resolution_int_or_pair_is_fine() -> None:
    text = "[[datasets]]\nresolution = [512, 512]\n[[datasets.subsets]]\nimage_dir = 'x'\n"
    assert cc.check_config(loads_config(text)).findings == []
    assert cc.check_config(loads_config(text.replace("[512, 512]", "512"))).findings == []


def test_unloadable_file_is_one_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("a = 1\nb = = 2\n", encoding="utf-8")
    report = cc.check_file(path)
    assert report.has_errors and report.findings[0].line == 2


# ---------------------------------------------------------------- against a workspace


def make_workspace(root: Path, captions: list[str], size: int = 512, ext: str = ".txt") -> Path:
    images = root / "training_data"
    images.mkdir(parents=True)
    for index, caption in enumerate(captions):
        Image.new("RGB", (size, size), (index * 10 % 255, 40, 60)).save(images / f"img_{index:02d}.png")
        (images / f"img_{index:02d}{ext}").write_text(caption, encoding="utf-8")
    (root / "training_config.toml").write_text(GOOD, encoding="utf-8")
    (root / "prompts.txt").write_text(
        "pixel art, a lad --d 42\n# comment\npixel art, a lady --w 512\n", encoding="utf-8"
    )
    return root


def test_workspace_checks_on_a_matching_workspace(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, ["pixel art, lad, red hair", "pixel art, lady, blue hair"])
    findings = check(GOOD, discover(root))
    assert find(findings, "keep-tokens-ok").message.startswith('all 2 captions start with "pixel art"')
    assert find(findings, "captions-fit").severity == Severity.INFO
    seed = find(findings, "sample-prompts-seed")
    assert seed.severity == Severity.WARNING and "1 of 2 prompts" in seed.message and "--d" in seed.message
    layout = find(findings, "train-data-dir-layout")
    assert layout.severity == Severity.ERROR and "10_training_data" in layout.message
    assert "resolution-downscale" not in codes(findings)


def test_resolution_below_image_size_warns_about_interpolation(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, ["pixel art, lad"])
    findings = check(GOOD.replace('"512,512"', '"256,256"'), discover(root))
    finding = find(findings, "resolution-downscale")
    assert (
        finding.severity == Severity.WARNING and "512x512" in finding.message and "nearest" in finding.message
    )
    quiet = check(
        GOOD.replace('"512,512"', '"256,256"') + 'resize_interpolation = "nearest"\n', discover(root)
    )
    assert find(quiet, "resolution-downscale").severity == Severity.INFO


def test_caption_extension_mismatch_is_an_error(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, ["pixel art, lad", "pixel art, lady"])
    finding = find(
        check(GOOD.replace('caption_extension = ".txt"\n', ""), discover(root)), "caption-extension"
    )
    assert finding.severity == Severity.ERROR and ".caption" in finding.message and ".txt" in finding.message


def test_missing_captions_are_counted(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, ["pixel art, lad", "pixel art, lady"])
    (root / "training_data" / "img_01.txt").unlink()
    assert "1 of 2 images" in find(check(GOOD, discover(root)), "caption-missing").message


def test_keep_tokens_against_different_first_phrases(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, ["pixel art, lad", "pixel art, lady", "portrait, pixel art"])
    finding = find(check(GOOD, discover(root)), "keep-tokens-mismatch")
    assert '"pixel art" (2)' in finding.message and '"portrait" (1)' in finding.message


def test_trigger_phrase_shuffled_without_keep_tokens(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, ["bespoke, lad", "bespoke, lady"])
    findings = check(GOOD.replace("keep_tokens = 1", "keep_tokens = 0"), discover(root))
    assert "bespoke" in find(findings, "keep-tokens-trigger").message


def test_captions_longer_than_max_token_length(tmp_path: Path) -> None:
    long_caption = ", ".join(f"detail number {i}" for i in range(40))
    root = make_workspace(tmp_path, ["pixel art, lad", long_caption])
    finding = find(check(GOOD, discover(root)), "captions-too-long")
    assert "1 of 2 captions are longer than 75" in finding.message and "img_01.png" in finding.message
    fits = check(GOOD + "max_token_length = 225\n", discover(root))
    assert "captions-too-long" not in codes(fits)


def test_sample_prompts_missing_and_all_seeded(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, ["pixel art, lad"])
    missing = check(GOOD.replace("prompts.txt", "nowhere.txt"), discover(root))
    assert find(missing, "sample-prompts-missing").severity == Severity.WARNING
    (root / "prompts.txt").write_text("a --d 1\nb --n bad --d 2\n", encoding="utf-8")
    assert "all 2 prompts" in find(check(GOOD, discover(root)), "sample-prompts-ok").message


def test_train_data_dir_missing_here_is_only_a_note(tmp_path: Path) -> None:
    root = make_workspace(tmp_path, ["pixel art, lad"])
    findings = check(GOOD.replace('"training_data"', '"/workspace/nowhere/training_data"'), discover(root))
    assert find(findings, "train-data-dir-missing").severity == Severity.INFO


def test_real_configs_check_without_crashing_and_flag_bucket_resolution() -> None:
    if not REAL_CONFIGS.is_dir():
        pytest.skip("realdata absent")
    for path in sorted(REAL_CONFIGS.glob("*.toml")):
        report = cc.check_file(path)
        if path.name.startswith("bespokebaby2"):
            assert any(
                f.key.endswith("bucket_resolution") and f.rule == "unknown-key" for f in report.findings
            )
    old = cc.check_file(REAL_CONFIGS / "bespokebaby2__runpod_package__training_config@aa70433.toml")
    assert [f.key for f in old.errors] == ["training_arguments.resolution"]


# ---------------------------------------------------------------- presets


def test_builtin_256px_preset_preview_on_a_512_config() -> None:
    preset = next(p for p in list_presets() if p.path.stem == "train_at_256px")
    target = loads_config(
        GOOD.replace("bucket_no_upscale = true", "bucket_no_upscale = true\nbucket_resolution = 512").replace(
            "max_train_epochs = 8", "max_train_epochs = 9  # CHANGED: 10 → 9"
        )
    )
    before = target.text()
    preview = preview_preset(target, preset.load())
    changes = {c.key: (c.old, c.new) for c in preview.changes}
    assert changes == {
        "general.max_bucket_reso": (1024, 512),
        "general.bucket_resolution": (512, 256),
        "training_arguments.resolution": ("512,512", "256,256"),
        "training_arguments.max_train_epochs": (9, 8),
    }
    assert [lie.key for lie in preview.lies] == ["training_arguments.max_train_epochs"]
    assert target.text() == before  # a preview touches nothing


def test_preset_keys_land_where_the_target_keeps_them() -> None:
    preset = loads_config('[training_arguments]\nresolution = "256,256"\nnot_an_arg = 1\n')
    target = loads_config('[Basics]\nresolution = "512"\n')
    preview = preview_preset(target, preset)
    assert [e.key for e in preview.edits] == ["Basics.resolution"]  # unknown keys are not added
    assert 'resolution = "256,256"' in preview.new_text


def test_user_preset_saved_to_the_user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BESPOKE_GUI_PRESETS_DIR", str(tmp_path / "presets"))
    path = save_user_preset("[t]\nx = 1\n", "My Run!")
    assert path == user_presets_dir() / "my_run.toml"
    assert any(p.path == path and not p.builtin for p in list_presets())
    with pytest.raises(ConfigError, match="already exists"):
        save_user_preset("[t]\nx = 2\n", "my run")
    with pytest.raises(ConfigError):
        save_user_preset("not toml = = 1", "broken")


def test_real_512_config_preset_preview() -> None:
    if not REAL_CONFIGS.is_dir():
        pytest.skip("realdata absent")
    target = load_config(REAL_CONFIGS / "bespokebaby2__training_config_512px_backup.toml")
    preset = next(p for p in list_presets() if p.path.stem == "train_at_256px").load()
    preview = preview_preset(target, preset)
    assert {c.key for c in preview.changes} == {
        "general.bucket_resolution",
        "general.max_bucket_reso",
        "training_arguments.max_train_epochs",
        "training_arguments.resolution",
    }
    assert preview.lies[0].suggestion == "# CHANGED: 9 → 8 (Epoch 10 regressed)"


def test_required_keys_and_keys_ignored_with_a_dataset_config() -> None:
    findings = check(
        GOOD.replace('network_module = "networks.lora"\n', "").replace('output_dir = "output"\n', "")
    )
    missing = [f.message for f in findings if f.rule == "required-missing"]
    assert (
        len(missing) == 2
        and any("network_module" in m for m in missing)
        and any("output_dir" in m for m in missing)
    )
    ignored = find(check(GOOD + 'dataset_config = "dataset.toml"\n'), "ignored-with-dataset-config")
    assert ignored.key == "training_arguments.train_data_dir"
