"""Checks of single values against what sd-scripts expects: resolutions, types, schema types, ranges."""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from bespoke_gui.core.config.check_report import FindingCollector
from bespoke_gui.core.config.diff import format_value, toml_type
from bespoke_gui.core.config.sdscripts_args import (
    ArgSpec,
    ArgType,
    SchemaType,
)
from bespoke_gui.core.findings import Severity

# ---------------------------------------------------------------- values


def parse_training_resolution(value: Any) -> tuple[int, int] | None:
    """sd-scripts: ``tuple(int(r) for r in resolution.split(","))``, one number meaning square."""
    if not isinstance(value, str):
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) not in (1, 2) or not all(re.fullmatch(r"\d+", p) for p in parts):
        return None
    numbers = [int(p) for p in parts]
    return (numbers[0], numbers[0]) if len(numbers) == 1 else (numbers[0], numbers[1])


def parse_dataset_resolution(value: Any) -> tuple[int, int] | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return (value[0], value[1])
    return None


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def type_problem(spec: ArgSpec, value: Any) -> tuple[Severity, str] | None:
    """(severity, message) when ``value`` is not what sd-scripts' code expects for this argument."""
    got = toml_type(value)
    kind = spec.type
    if kind is ArgType.BOOL:
        if isinstance(value, bool):
            return None
        if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "off", ""):
            return (
                Severity.ERROR,
                f"is the string {format_value(value)}, which Python reads as true; write false without quotes",
            )
        if isinstance(value, str):
            return Severity.ERROR, "is a string; this is an on/off switch: write true or false without quotes"
        return (
            Severity.WARNING,
            f"is {got} {format_value(value)}; this is an on/off switch: write true or false",
        )
    if kind is ArgType.INT:
        if is_int(value):
            return None
        if isinstance(value, float) and value.is_integer():
            return (
                Severity.ERROR,
                f"is the float {format_value(value)}; sd-scripts needs an integer here: write {int(value)}",
            )
        return Severity.ERROR, f"is {got} {format_value(value)}; sd-scripts needs an integer"
    if kind is ArgType.FLOAT:
        if _is_number(value):
            return None
        return Severity.ERROR, f"is {got} {format_value(value)}; sd-scripts needs a number"
    if kind is ArgType.INT_OR_FLOAT:
        return None if _is_number(value) else (Severity.ERROR, f"is {got}; sd-scripts needs a number")
    if kind is ArgType.STR:
        if isinstance(value, str):
            return None
        if spec.name == "resolution":
            return Severity.ERROR, (
                f"is {got} {format_value(value)}; in a training config sd-scripts needs the string "
                f'"W,H" (it calls resolution.split(",")): write "{value},{value}"'
                if is_int(value)
                else f'is {got} {format_value(value)}; in a training config sd-scripts needs the string "W,H"'
            )
        if spec.choices and value in spec.choices:
            return None
        if value is False:
            return (
                Severity.INFO,
                "false acts as unset here; sd-scripts expects a string, so removing the key says it plainly",
            )
        return Severity.ERROR, f"is {got} {format_value(value)}; sd-scripts needs a string (in quotes)"
    if kind is ArgType.STR_LIST:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return None
        if isinstance(value, str):
            return Severity.ERROR, (
                f"is a string; sd-scripts loops over this as a list and would read it one character at a "
                f"time: write [{format_value(value)}]"
            )
        return Severity.ERROR, f"is {got}; sd-scripts needs an array of strings"
    if kind is ArgType.FLOAT_LIST:
        if isinstance(value, list) and all(_is_number(v) for v in value):
            return None
        return Severity.ERROR, f"is {got}; sd-scripts needs an array of numbers"
    if kind is ArgType.FLOAT_OR_LIST:
        if _is_number(value) or (isinstance(value, list) and all(_is_number(v) for v in value)):
            return None
        return Severity.ERROR, f"is {got}; sd-scripts needs a number (or one per text encoder)"
    if kind is ArgType.BOOL_OR_STR:
        return (
            None
            if isinstance(value, (bool, str))
            else (Severity.ERROR, f"is {got}; write true, false or a path")
        )
    return None


def schema_problem(kind: SchemaType, value: Any) -> str | None:
    got = f"{toml_type(value)} {format_value(value)}"
    if kind is SchemaType.BOOL:
        return None if isinstance(value, bool) else f"is {got}; the dataset config needs true or false"
    if kind is SchemaType.INT:
        return None if is_int(value) else f"is {got}; the dataset config needs an integer"
    if kind is SchemaType.FLOAT:
        if isinstance(value, float):
            return None
        if is_int(value):
            return f"is the integer {value}; the dataset config's schema accepts only a float here: write {value}.0"
        return f"is {got}; the dataset config needs a float"
    if kind is SchemaType.NUMBER:
        return None if _is_number(value) else f"is {got}; the dataset config needs a number"
    if kind is SchemaType.STR:
        return None if isinstance(value, str) else f"is {got}; the dataset config needs a string"
    if kind is SchemaType.RESOLUTION:
        if parse_dataset_resolution(value) is not None:
            return None
        if isinstance(value, str):
            return (
                f"is the string {format_value(value)}; a dataset config needs an integer or [W, H] "
                f'(the "W,H" string is for the training config)'
            )
        return f"is {got}; a dataset config needs an integer or [W, H]"
    if kind is SchemaType.FLOAT_PAIR:
        ok = isinstance(value, list) and len(value) == 2 and all(isinstance(v, float) for v in value)
        return None if ok else f"is {got}; the dataset config needs [a, b] of floats"
    if kind is SchemaType.TABLE:
        return None if isinstance(value, dict) else f"is {got}; the dataset config needs a table"
    return None


# ---------------------------------------------------------------- ranges (shared)


def check_ranges(view: dict[str, Any], key_of: dict[str, str], out: FindingCollector, training: bool) -> None:
    """Range and cross-key checks on the values one dataset (or one training run) really uses."""

    def key(name: str) -> str:
        return key_of.get(name, name)

    def number(name: str) -> Any:
        value = view.get(name)
        return value if _is_number(value) else None

    raw_res = view.get("resolution")
    resolution = parse_training_resolution(raw_res) if training else parse_dataset_resolution(raw_res)
    if training and isinstance(raw_res, str) and resolution is None:
        out.add(
            Severity.ERROR,
            key("resolution"),
            f'{format_value(raw_res)} is not "W,H" or "N" with whole numbers',
            "resolution-format",
        )
    if resolution is not None:
        w, h = resolution
        if w <= 0 or h <= 0:
            out.add(Severity.ERROR, key("resolution"), "must be positive", "resolution-range")
        elif w % 64 or h % 64:
            out.add(
                Severity.WARNING,
                key("resolution"),
                f"{w}x{h} is not a multiple of 64; SD1.5 trains on sizes in steps of 64",
                "resolution-64",
            )
    min_b, max_b, steps = number("min_bucket_reso"), number("max_bucket_reso"), number("bucket_reso_steps")
    if min_b is not None and max_b is not None and min_b > max_b:
        out.add(
            Severity.ERROR,
            key("min_bucket_reso"),
            f"min_bucket_reso {min_b} is above max_bucket_reso {max_b}",
            "bucket-order",
        )
    if steps is not None:
        if steps <= 0:
            out.add(Severity.ERROR, key("bucket_reso_steps"), "must be positive", "bucket-steps")
        elif steps % 64:
            out.add(
                Severity.ERROR,
                key("bucket_reso_steps"),
                f"{steps} is not a multiple of 64; train_network.py asserts bucket_reso_steps % 64 == 0 for SD1.5",
                "bucket-steps",
            )
    step = steps if steps and steps > 0 else 64
    enable_bucket = view.get("enable_bucket") is True
    if enable_bucket:
        for name, value in (("min_bucket_reso", min_b), ("max_bucket_reso", max_b)):
            if value is not None and value % step:
                out.add(
                    Severity.WARNING,
                    key(name),
                    f"{value} is not divisible by bucket_reso_steps ({step})",
                    "bucket-divisible",
                )
        if resolution is not None:
            if max_b is not None and max(resolution) > max_b:
                out.add(
                    Severity.WARNING,
                    key("max_bucket_reso"),
                    f"{max_b} is below the resolution's side {max(resolution)}; buckets cannot reach the "
                    "training size",
                    "bucket-max-below-resolution",
                )
            if min_b is not None and min(resolution) < min_b:
                out.add(
                    Severity.WARNING,
                    key("min_bucket_reso"),
                    f"{min_b} is above the resolution's side {min(resolution)}",
                    "bucket-min-above-resolution",
                )
    for name in ("caption_dropout_rate", "caption_tag_dropout_rate"):
        value = number(name)
        if value is not None and not 0 <= value <= 1:
            out.add(Severity.ERROR, key(name), f"{value} is outside 0..1", "rate-range")
    for name in ("keep_tokens", "caption_dropout_every_n_epochs", "num_repeats"):
        value = number(name)
        if value is not None and value < 0:
            out.add(Severity.ERROR, key(name), "must not be negative", "negative")
    if not training:
        return
    for name in (
        "max_train_epochs",
        "train_batch_size",
        "network_dim",
        "gradient_accumulation_steps",
        "max_train_steps",
    ):
        value = number(name)
        if value is not None and value < 1:
            out.add(Severity.ERROR, key(name), f"{value} must be at least 1", "min-1")
    for name in ("learning_rate", "unet_lr", "text_encoder_lr"):
        value = number(name)
        if value is not None and value < 0:
            out.add(Severity.ERROR, key(name), "a learning rate cannot be negative", "lr-negative")
    dim, alpha = number("network_dim"), number("network_alpha")
    if dim and alpha is not None and alpha > dim:
        out.add(
            Severity.WARNING,
            key("network_alpha"),
            f"network_alpha {format_value(alpha)} is above network_dim {dim}: the LoRA is scaled up by "
            f"{alpha / dim:g}",
            "alpha-above-dim",
        )
    if view.get("cache_latents") is True or view.get("cache_latents_to_disk") is True:
        for name in ("color_aug", "random_crop"):
            if view.get(name) is True:
                out.add(
                    Severity.ERROR,
                    key(name),
                    f"cannot be used with cached latents (sd-scripts refuses {name} with cache_latents)",
                    "cache-aug",
                )
    if view.get("v_parameterization") is True and view.get("v2") is not True:
        out.add(
            Severity.WARNING,
            key("v_parameterization"),
            "is for SD 2.x v-prediction models, not SD1.5",
            "vparam-sd15",
        )
    if view.get("use_8bit_adam") is True and view.get("optimizer_type"):
        out.add(
            Severity.ERROR,
            key("use_8bit_adam"),
            "cannot be combined with optimizer_type (sd-scripts asserts)",
            "optimizer-conflict",
        )
    epochs = number("max_train_epochs")
    every = view.get("sample_every_n_epochs")
    if is_int(every):
        if every <= 0:
            out.add(
                Severity.WARNING,
                key("sample_every_n_epochs"),
                f"{every} turns sampling off (sd-scripts ignores values of 0 or less)",
                "sample-off",
            )
        elif epochs is not None and every > epochs:
            out.add(
                Severity.WARNING,
                key("sample_every_n_epochs"),
                f"{every} is more than max_train_epochs ({epochs}): no epoch gets samples",
                "sample-too-rare",
            )
    if (every or view.get("sample_every_n_steps")) and not view.get("sample_prompts"):
        out.add(
            Severity.WARNING,
            key("sample_every_n_epochs" if every else "sample_every_n_steps"),
            "no sample_prompts file is set, so sd-scripts makes no samples",
            "sample-no-prompts",
        )
    if view.get("sample_prompts") and not (
        every or view.get("sample_every_n_steps") or view.get("sample_at_first")
    ):
        out.add(
            Severity.INFO,
            key("sample_prompts"),
            "is set but neither sample_every_n_epochs nor sample_every_n_steps is: "
            "no samples are made during training",
            "sample-never",
        )
    if not every and not view.get("sample_every_n_steps"):
        out.add(
            Severity.INFO,
            "",
            "no sample_every_n_epochs: training makes no sample images, so the Epochs tab has "
            "nothing to compare",
            "no-samples",
        )
    mtl = view.get("max_token_length")
    if mtl is not None and is_int(mtl) and mtl not in (150, 225):
        message = (
            "75 is what sd-scripts uses when max_token_length is unset; remove the key"
            if mtl == 75
            else f"{mtl} is not one of 150 or 225 (sd-scripts' choices; unset means 75)"
        )
        out.add(
            Severity.WARNING if mtl == 75 else Severity.ERROR, key("max_token_length"), message, "choices"
        )
    output_name = view.get("output_name")
    if isinstance(output_name, str) and re.search(r'[\\/:*?"<>|]', output_name):
        out.add(
            Severity.ERROR,
            key("output_name"),
            "contains a character that cannot be in a file name",
            "output-name-chars",
        )
    elif output_name is None:
        out.add(
            Severity.WARNING,
            "",
            'no output_name: sd-scripts names the files "last" and "epoch-NNNNNN", so runs '
            "overwrite each other and samples cannot be told apart",
            "output-name-missing",
        )
