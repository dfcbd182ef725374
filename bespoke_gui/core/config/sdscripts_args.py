"""What kohya-ss sd-scripts knows: the arguments train_network.py accepts and the
dataset-config schema.

Facts taken from sd-scripts' source (library/train_util.py ``add_sd_models_arguments``,
``add_dataset_arguments``, ``add_training_arguments``, ``add_masked_loss_arguments``,
``add_optimizer_arguments``; library/custom_train_functions.py; library/deepspeed_utils.py;
library/sai_model_spec.py; library/utils.py ``add_logging_arguments``; library/config_util.py
``ConfigSanitizer``; train_network.py ``setup_parser``), written down here as a table.

Two behaviours of sd-scripts shape every check built on this table:

* ``--config_file``: ``read_config_from_file`` flattens every section into one namespace
  (a key in a later section overwrites the same key in an earlier one) and hands it to
  argparse as the starting namespace. argparse neither type-converts nor checks ``choices``
  for values that arrive this way, and names it does not know are carried along and never
  read: a misspelled or invented key changes nothing, without a word.
* ``--dataset_config``: validated by voluptuous schemas that reject unknown keys, so there
  an unknown key stops the run.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import Enum


class ArgType(str, Enum):
    BOOL = "bool"  # argparse store_true: TOML true/false
    INT = "int"
    FLOAT = "float"
    STR = "str"
    INT_OR_FLOAT = "int_or_float"  # lr_warmup_steps: steps, or a ratio below 1
    STR_LIST = "str_list"  # nargs="*" of strings: a TOML array of strings
    FLOAT_LIST = "float_list"  # nargs="*" of floats
    FLOAT_OR_LIST = "float_or_list"  # text_encoder_lr: one value or one per encoder
    BOOL_OR_STR = "bool_or_str"  # deepspeed: a flag, or a path to a deepspeed config


@dataclass(frozen=True)
class ArgSpec:
    name: str
    type: ArgType
    default: object = None
    choices: tuple[object, ...] = ()
    group: str = ""
    help: str = ""


def _specs(group: str, rows: list[tuple]) -> list[ArgSpec]:
    out = []
    for row in rows:
        name, arg_type = row[0], row[1]
        default = row[2] if len(row) > 2 else None
        choices = tuple(row[3]) if len(row) > 3 and row[3] else ()
        help_text = row[4] if len(row) > 4 else ""
        out.append(ArgSpec(name, arg_type, default, choices, group, help_text))
    return out


B, I, F, S = ArgType.BOOL, ArgType.INT, ArgType.FLOAT, ArgType.STR  # noqa: E741 (a table's column of types)

_LOGGING = _specs(
    "logging",
    [
        ("console_log_level", S, None, ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
        ("console_log_file", S),
        ("console_log_simple", B, False),
    ],
)

_MODELS = _specs(
    "model",
    [
        ("v2", B, False, None, "load a Stable Diffusion 2.x model"),
        ("v_parameterization", B, False, None, "v-prediction training (SD 2.x 768 models)"),
        ("pretrained_model_name_or_path", S, None, None, "base model: checkpoint file or Diffusers folder"),
        ("tokenizer_cache_dir", S),
    ],
)

_MODEL_SPEC = _specs(
    "metadata",
    [
        ("metadata_title", S),
        ("metadata_author", S),
        ("metadata_description", S),
        ("metadata_license", S),
        ("metadata_tags", S),
        ("metadata_usage_hint", S),
        ("metadata_thumbnail", S),
    ],
)

_DATASET = _specs(
    "dataset",
    [
        ("train_data_dir", S, None, None, "folder whose N_name subfolders hold the training images"),
        ("cache_info", B, False),
        ("shuffle_caption", B, False, None, "shuffle the comma-separated phrases of each caption"),
        ("caption_separator", S, ","),
        (
            "caption_extension",
            S,
            ".caption",
            None,
            "extension of the caption files (sd-scripts' default is .caption)",
        ),
        ("caption_extention", S, None, None, "old misspelling of caption_extension, still read"),
        ("keep_tokens", I, 0, None, "leading phrases kept in place when shuffling"),
        ("keep_tokens_separator", S, ""),
        ("secondary_separator", S),
        ("enable_wildcard", B, False),
        ("caption_prefix", S),
        ("caption_suffix", S),
        ("color_aug", B, False),
        ("flip_aug", B, False),
        ("face_crop_aug_range", S),
        ("random_crop", B, False),
        ("debug_dataset", B, False),
        ("resolution", S, None, None, 'training resolution as the string "W,H" (or "N")'),
        ("cache_latents", B, False),
        ("vae_batch_size", I, 1),
        ("cache_latents_to_disk", B, False),
        ("skip_cache_check", B, False),
        ("enable_bucket", B, False, None, "aspect-ratio buckets"),
        ("min_bucket_reso", I, 256),
        ("max_bucket_reso", I, 1024),
        ("bucket_reso_steps", I, 64),
        ("bucket_no_upscale", B, False),
        (
            "resize_interpolation",
            S,
            None,
            ["lanczos", "nearest", "bilinear", "linear", "bicubic", "cubic", "area"],
        ),
        ("token_warmup_min", I, 1),
        ("token_warmup_step", F, 0.0),
        ("alpha_mask", B, False),
        ("dataset_class", S),
        ("caption_dropout_rate", F, 0.0),
        ("caption_dropout_every_n_epochs", I, 0),
        ("caption_tag_dropout_rate", F, 0.0),
        ("reg_data_dir", S),
        ("in_json", S),
        ("dataset_repeats", I, 1),
    ],
)

_TRAINING = _specs(
    "training",
    [
        ("output_dir", S),
        ("output_name", S, None, None, "base name of the saved LoRA and its sample images"),
        ("huggingface_repo_id", S),
        ("huggingface_repo_type", S),
        ("huggingface_path_in_repo", S),
        ("huggingface_token", S),
        ("huggingface_repo_visibility", S),
        ("save_state_to_huggingface", B, False),
        ("resume_from_huggingface", B, False),
        ("async_upload", B, False),
        ("save_precision", S, None, [None, "float", "fp16", "bf16"]),
        ("save_every_n_epochs", I),
        ("save_every_n_steps", I),
        ("save_n_epoch_ratio", I),
        ("save_last_n_epochs", I),
        ("save_last_n_epochs_state", I),
        ("save_last_n_steps", I),
        ("save_last_n_steps_state", I),
        ("save_state", B, False),
        ("save_state_on_train_end", B, False),
        ("resume", S),
        ("train_batch_size", I, 1),
        (
            "max_token_length",
            I,
            None,
            [None, 150, 225],
            "caption length limit in CLIP tokens (none means 75)",
        ),
        ("mem_eff_attn", B, False),
        ("torch_compile", B, False),
        (
            "dynamo_backend",
            S,
            "inductor",
            [
                "eager",
                "aot_eager",
                "inductor",
                "aot_ts_nvfuser",
                "nvprims_nvfuser",
                "cudagraphs",
                "ofi",
                "fx2trt",
                "onnxrt",
                "tensort",
                "ipex",
                "tvm",
            ],
        ),
        ("xformers", B, False),
        ("sdpa", B, False),
        ("vae", S),
        ("max_train_steps", I, 1600),
        ("max_train_epochs", I, None, None, "epochs (overrides max_train_steps)"),
        ("max_data_loader_n_workers", I, 8),
        ("persistent_data_loader_workers", B, False),
        ("seed", I),
        ("gradient_checkpointing", B, False),
        ("gradient_accumulation_steps", I, 1),
        ("mixed_precision", S, "no", ["no", "fp16", "bf16"]),
        ("full_fp16", B, False),
        ("full_bf16", B, False),
        ("fp8_base", B, False),
        ("ddp_timeout", I),
        ("ddp_gradient_as_bucket_view", B, False),
        ("ddp_static_graph", B, False),
        ("clip_skip", I),
        ("logging_dir", S),
        ("log_with", S, None, ["tensorboard", "wandb", "all"]),
        ("log_prefix", S),
        ("log_tracker_name", S),
        ("wandb_run_name", S),
        ("log_tracker_config", S),
        ("wandb_api_key", S),
        ("log_config", B, False),
        ("noise_offset", F),
        ("noise_offset_random_strength", B, False),
        ("multires_noise_iterations", I),
        ("ip_noise_gamma", F),
        ("ip_noise_gamma_random_strength", B, False),
        ("multires_noise_discount", F, 0.3),
        ("adaptive_noise_scale", F),
        ("zero_terminal_snr", B, False),
        ("min_timestep", I),
        ("max_timestep", I),
        ("loss_type", S, "l2", ["l1", "l2", "huber", "smooth_l1"]),
        ("huber_schedule", S, "snr", ["constant", "exponential", "snr"]),
        ("huber_c", F, 0.1),
        ("huber_scale", F, 1.0),
        ("lowram", B, False),
        ("highvram", B, False),
        ("sample_every_n_steps", I),
        ("sample_at_first", B, False),
        ("sample_every_n_epochs", I, None, None, "sample images every N epochs"),
        ("sample_prompts", S, None, None, "file of sample prompts (one per line; --d sets the seed)"),
        (
            "sample_sampler",
            S,
            "ddim",
            [
                "ddim",
                "pndm",
                "lms",
                "euler",
                "euler_a",
                "heun",
                "dpm_2",
                "dpm_2_a",
                "dpmsolver",
                "dpmsolver++",
                "dpmsingle",
                "k_lms",
                "k_euler",
                "k_euler_a",
                "k_dpm_2",
                "k_dpm_2_a",
            ],
        ),
        ("config_file", S),
        ("output_config", B, False),
        ("prior_loss_weight", F, 1.0),
        ("conditioning_data_dir", S),
        ("masked_loss", B, False),
    ],
)

_DEEPSPEED = _specs(
    "deepspeed",
    [
        ("deepspeed", ArgType.BOOL_OR_STR, False),
        ("zero_stage", I, 2, [0, 1, 2, 3]),
        ("offload_optimizer_device", S, None, [None, "cpu", "nvme"]),
        ("offload_optimizer_nvme_path", S),
        ("offload_param_device", S, None, [None, "cpu", "nvme"]),
        ("offload_param_nvme_path", S),
        ("zero3_init_flag", B, False),
        ("zero3_save_16bit_model", B, False),
        ("fp16_master_weights_and_gradients", B, False),
    ],
)

_OPTIMIZER = _specs(
    "optimizer",
    [
        (
            "optimizer_type",
            S,
            "",
            None,
            "AdamW (default), AdamW8bit, Lion, Prodigy, AdaFactor, DAdapt*, or a class path",
        ),
        ("use_8bit_adam", B, False),
        ("use_lion_optimizer", B, False),
        ("learning_rate", F, 2.0e-6),
        ("max_grad_norm", F, 1.0),
        ("optimizer_args", ArgType.STR_LIST),
        ("lr_scheduler_type", S, ""),
        ("lr_scheduler_args", ArgType.STR_LIST),
        ("lr_scheduler", S, "constant"),
        ("lr_warmup_steps", ArgType.INT_OR_FLOAT, 0),
        ("lr_decay_steps", ArgType.INT_OR_FLOAT, 0),
        ("lr_scheduler_num_cycles", I, 1),
        ("lr_scheduler_power", F, 1.0),
        ("fused_backward_pass", B, False),
        ("lr_scheduler_timescale", I),
        ("lr_scheduler_min_lr_ratio", F),
    ],
)

_CONFIG = _specs("config", [("dataset_config", S, None, None, "path of a --dataset_config TOML")])

_CUSTOM = _specs(
    "loss",
    [
        ("min_snr_gamma", F),
        ("scale_v_pred_loss_like_noise_pred", B, False),
        ("v_pred_like_loss", F),
        ("debiased_estimation_loss", B, False),
        ("weighted_captions", B, False),
    ],
)

_NETWORK = _specs(
    "network",
    [
        ("cpu_offload_checkpointing", B, False),
        ("no_metadata", B, False),
        ("save_model_as", S, "safetensors", [None, "ckpt", "pt", "safetensors"]),
        ("unet_lr", F),
        ("text_encoder_lr", ArgType.FLOAT_OR_LIST),
        ("fp8_base_unet", B, False),
        ("network_weights", S),
        ("network_module", S, None, None, "networks.lora for LoRA"),
        ("network_dim", I, None, None, "LoRA rank"),
        ("network_alpha", F, 1.0, None, "LoRA alpha (scale = alpha/dim)"),
        ("network_dropout", F),
        ("network_args", ArgType.STR_LIST),
        ("network_train_unet_only", B, False),
        ("network_train_text_encoder_only", B, False),
        ("training_comment", S),
        ("dim_from_weights", B, False),
        ("scale_weight_norms", F),
        ("base_weights", ArgType.STR_LIST),
        ("base_weights_multiplier", ArgType.FLOAT_LIST),
        ("no_half_vae", B, False),
        ("skip_until_initial_step", B, False),
        ("initial_epoch", I),
        ("initial_step", I),
        ("validation_seed", I),
        ("validation_split", F, 0.0),
        ("validate_every_n_steps", I),
        ("validate_every_n_epochs", I),
        ("max_validation_steps", I),
    ],
)

TRAIN_NETWORK_ARGS: dict[str, ArgSpec] = {
    spec.name: spec
    for spec in (
        _LOGGING
        + _MODELS
        + _MODEL_SPEC
        + _DATASET
        + _TRAINING
        + _DEEPSPEED
        + _OPTIMIZER
        + _CONFIG
        + _CUSTOM
        + _NETWORK
    )
}


def arg_spec(name: str) -> ArgSpec | None:
    return TRAIN_NETWORK_ARGS.get(name)


def is_known_arg(name: str) -> bool:
    return name in TRAIN_NETWORK_ARGS


def suggest_arg(name: str, limit: int = 2) -> list[str]:
    """Known names close to an unknown one (``caption_extention`` is itself known)."""
    return difflib.get_close_matches(name, list(TRAIN_NETWORK_ARGS), n=limit, cutoff=0.75)


# ---- --dataset_config schema (library/config_util.py ConfigSanitizer, DreamBooth style) ----


class SchemaType(str, Enum):
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"  # voluptuous ``float``: an integer is refused
    NUMBER = "number"  # Any(float, int)
    STR = "str"
    RESOLUTION = "resolution"  # an int, or [W, H] of ints
    FLOAT_PAIR = "float_pair"  # [a, b]
    TABLE = "table"


_SUBSET_ASCENDABLE: dict[str, SchemaType] = {
    "color_aug": SchemaType.BOOL,
    "face_crop_aug_range": SchemaType.FLOAT_PAIR,
    "flip_aug": SchemaType.BOOL,
    "num_repeats": SchemaType.INT,
    "random_crop": SchemaType.BOOL,
    "shuffle_caption": SchemaType.BOOL,
    "keep_tokens": SchemaType.INT,
    "keep_tokens_separator": SchemaType.STR,
    "secondary_separator": SchemaType.STR,
    "caption_separator": SchemaType.STR,
    "enable_wildcard": SchemaType.BOOL,
    "token_warmup_min": SchemaType.INT,
    "token_warmup_step": SchemaType.NUMBER,
    "caption_prefix": SchemaType.STR,
    "caption_suffix": SchemaType.STR,
    "custom_attributes": SchemaType.TABLE,
}
_DROPOUT_ASCENDABLE: dict[str, SchemaType] = {
    "caption_dropout_every_n_epochs": SchemaType.INT,
    "caption_dropout_rate": SchemaType.NUMBER,
    "caption_tag_dropout_rate": SchemaType.NUMBER,
}
_DREAMBOOTH_ASCENDABLE: dict[str, SchemaType] = {
    "caption_extension": SchemaType.STR,
    "class_tokens": SchemaType.STR,
    "cache_info": SchemaType.BOOL,
}
_DREAMBOOTH_DISTINCT: dict[str, SchemaType] = {
    "image_dir": SchemaType.STR,
    "is_reg": SchemaType.BOOL,
    "alpha_mask": SchemaType.BOOL,
}
_FINETUNE_DISTINCT: dict[str, SchemaType] = {
    "metadata_file": SchemaType.STR,
    "image_dir": SchemaType.STR,
    "alpha_mask": SchemaType.BOOL,
}
_DATASET_ASCENDABLE: dict[str, SchemaType] = {
    "batch_size": SchemaType.INT,
    "bucket_no_upscale": SchemaType.BOOL,
    "bucket_reso_steps": SchemaType.INT,
    "enable_bucket": SchemaType.BOOL,
    "max_bucket_reso": SchemaType.INT,
    "min_bucket_reso": SchemaType.INT,
    "validation_seed": SchemaType.INT,
    "validation_split": SchemaType.FLOAT,
    "resolution": SchemaType.RESOLUTION,
    "network_multiplier": SchemaType.FLOAT,
}

# [general]: dataset-level and subset-level keys that apply to every dataset.
DATASET_GENERAL_KEYS: dict[str, SchemaType] = {
    **_DATASET_ASCENDABLE,
    **_SUBSET_ASCENDABLE,
    **_DREAMBOOTH_ASCENDABLE,
    **_DROPOUT_ASCENDABLE,
}
# [[datasets]]: the same, plus its subsets.
DATASET_KEYS: dict[str, SchemaType] = {**DATASET_GENERAL_KEYS}
# [[datasets.subsets]]
SUBSET_KEYS: dict[str, SchemaType] = {
    **_SUBSET_ASCENDABLE,
    **_DREAMBOOTH_ASCENDABLE,
    **_DROPOUT_ASCENDABLE,
    **_DREAMBOOTH_DISTINCT,
    **_FINETUNE_DISTINCT,
}
SUBSET_REQUIRED_ONE_OF = ("image_dir", "metadata_file")


def dataset_schema_for(level: str) -> dict[str, SchemaType]:
    """``level`` is "general", "dataset" or "subset"."""
    return {"general": DATASET_GENERAL_KEYS, "dataset": DATASET_KEYS, "subset": SUBSET_KEYS}[level]


def suggest_dataset_key(name: str, level: str) -> list[str]:
    return difflib.get_close_matches(name, list(dataset_schema_for(level)), n=2, cutoff=0.75)


def find_key(data: object, key: str) -> object:
    """The first value of ``key`` anywhere in a parsed TOML tree, or None.

    sd-scripts flattens a --config_file's sections, so a key means the same in any of
    them; this also looks inside arrays of tables ([[datasets.subsets]]).
    """
    if isinstance(data, dict):
        if key in data:
            return data[key]
        children: list[object] = list(data.values())
    elif isinstance(data, list):
        children = list(data)
    else:
        return None
    for child in children:
        found = find_key(child, key)
        if found is not None:
            return found
    return None
