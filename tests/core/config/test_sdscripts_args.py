"""sdscripts_args: the table of what train_network.py and the dataset config accept."""

from __future__ import annotations

from bespoke_gui.core.config import sdscripts_args as sa


def test_bucket_resolution_is_unknown() -> None:
    assert not sa.is_known_arg("bucket_resolution")
    assert "bucket_resolution" not in sa.DATASET_GENERAL_KEYS


def test_common_lora_arguments_are_known_with_types() -> None:
    expected = {
        "resolution": sa.ArgType.STR,
        "max_bucket_reso": sa.ArgType.INT,
        "min_bucket_reso": sa.ArgType.INT,
        "enable_bucket": sa.ArgType.BOOL,
        "max_train_epochs": sa.ArgType.INT,
        "learning_rate": sa.ArgType.FLOAT,
        "network_dim": sa.ArgType.INT,
        "network_alpha": sa.ArgType.FLOAT,
        "keep_tokens": sa.ArgType.INT,
        "caption_extension": sa.ArgType.STR,
        "sample_prompts": sa.ArgType.STR,
        "sample_every_n_epochs": sa.ArgType.INT,
        "network_args": sa.ArgType.STR_LIST,
        "lr_warmup_steps": sa.ArgType.INT_OR_FLOAT,
        "text_encoder_lr": sa.ArgType.FLOAT_OR_LIST,
        "output_name": sa.ArgType.STR,
        "train_data_dir": sa.ArgType.STR,
        "max_token_length": sa.ArgType.INT,
    }
    for name, arg_type in expected.items():
        spec = sa.arg_spec(name)
        assert spec is not None, name
        assert spec.type is arg_type, name


def test_choices_and_defaults_from_sd_scripts() -> None:
    assert sa.arg_spec("max_token_length").choices == (None, 150, 225)
    assert sa.arg_spec("caption_extension").default == ".caption"
    assert "bf16" in sa.arg_spec("mixed_precision").choices


def test_every_key_of_the_real_bespoke_configs_but_bucket_resolution_is_known() -> None:
    names = [
        "enable_bucket",
        "min_bucket_reso",
        "max_bucket_reso",
        "bucket_no_upscale",
        "pretrained_model_name_or_path",
        "v2",
        "v_parameterization",
        "network_module",
        "network_dim",
        "network_alpha",
        "network_train_unet_only",
        "network_train_text_encoder_only",
        "output_dir",
        "output_name",
        "save_precision",
        "save_model_as",
        "max_train_epochs",
        "train_batch_size",
        "gradient_accumulation_steps",
        "mixed_precision",
        "xformers",
        "sdpa",
        "optimizer_type",
        "learning_rate",
        "unet_lr",
        "text_encoder_lr",
        "lr_scheduler",
        "lr_warmup_steps",
        "lr_scheduler_num_cycles",
        "train_data_dir",
        "resolution",
        "shuffle_caption",
        "keep_tokens",
        "caption_dropout_rate",
        "caption_dropout_every_n_epochs",
        "max_token_length",
        "caption_extension",
        "prior_loss_weight",
        "min_snr_gamma",
        "logging_dir",
        "log_prefix",
        "save_every_n_epochs",
        "save_state",
        "gradient_checkpointing",
        "cache_latents",
        "cache_latents_to_disk",
        "noise_offset",
        "multires_noise_iterations",
        "multires_noise_discount",
        "seed",
    ]
    assert [n for n in names if not sa.is_known_arg(n)] == []


def test_suggestions_for_misspellings() -> None:
    assert "max_train_epochs" in sa.suggest_arg("max_train_epoch")
    assert sa.suggest_arg("completely_unrelated_thing") == []


def test_dataset_schema_levels() -> None:
    assert sa.DATASET_KEYS["resolution"] is sa.SchemaType.RESOLUTION
    assert "image_dir" in sa.SUBSET_KEYS and "image_dir" not in sa.DATASET_GENERAL_KEYS
    assert "num_repeats" in sa.SUBSET_KEYS and "batch_size" not in sa.SUBSET_KEYS
    assert "learning_rate" not in sa.DATASET_GENERAL_KEYS
    assert sa.dataset_schema_for("subset") is sa.SUBSET_KEYS
    assert sa.DATASET_KEYS["validation_split"] is sa.SchemaType.FLOAT


def test_find_key_looks_in_every_section_and_array_of_tables() -> None:
    from bespoke_gui.core.config.sdscripts_args import find_key

    data = {"general": {"a": 1}, "datasets": [{"subsets": [{"keep_tokens": 2}]}], "training": {"b": False}}
    assert find_key(data, "a") == 1
    assert find_key(data, "keep_tokens") == 2
    assert find_key(data, "b") is False
    assert find_key(data, "missing") is None
