"""Checks of an sd-scripts config: against what sd-scripts knows, and against the workspace.

Against sd-scripts (no files read):
* keys it does not know (a ``--config_file`` key it ignores without a word; a
  ``--dataset_config`` key it refuses);
* the same key in two sections (the later one wins, the earlier line does nothing);
* wrong types (values from a TOML reach sd-scripts unconverted: ``resolution = 512`` in a
  training config breaks ``resolution.split(",")``; a dataset config wants an integer or
  ``[W, H]``);
* values out of range (resolution not a multiple of 64, ``min_bucket_reso`` above
  ``max_bucket_reso``, ...).

Against the workspace (reads image headers and captions, so it runs as a job):
``resolution`` vs the images' real size, ``caption_extension`` vs the caption files,
``keep_tokens`` vs the captions' first phrases, ``max_token_length`` vs the longest caption
in CLIP tokens, ``train_data_dir``, ``output_name``, ``sample_every_n_epochs`` and
``sample_prompts`` (does every prompt fix a seed with ``--d``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from bespoke_gui.core.config.diff import FlatValue, flatten_for_sdscripts, format_value, toml_type
from bespoke_gui.core.config.sdscripts_args import (
    TRAIN_NETWORK_ARGS,
    ArgSpec,
    ArgType,
    SchemaType,
    dataset_schema_for,
    suggest_arg,
    suggest_dataset_key,
)
from bespoke_gui.core.config.tomlconfig import (
    ConfigDocument,
    ConfigError,
    TomlSyntaxError,
    format_key_path,
    load_config,
    scan_keys,
)
from bespoke_gui.core.findings import Finding, Severity
from bespoke_gui.core.jobs import CancelFn, ProgressFn, never_cancelled, no_progress
from bespoke_gui.core.workspace import Workspace, caption_path_for, list_images

TRAINING = "training"
DATASET = "dataset"


@dataclass
class CheckReport:
    path: Path | None
    kind: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {Severity.ERROR: 0, Severity.WARNING: 0, Severity.INFO: 0}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts


def config_kind(data: dict[str, Any]) -> str:
    """A ``--dataset_config`` has ``[[datasets]]``; anything else is a ``--config_file``."""
    return DATASET if isinstance(data.get("datasets"), list) else TRAINING


class _Collector:
    def __init__(self, lines: dict[str, int]) -> None:
        self.lines = lines
        self.findings: list[Finding] = []

    def add(self, severity: Severity, key: str, message: str, code: str) -> None:
        self.findings.append(Finding.at_key(severity, key, message, self.lines.get(key), code))


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


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_problem(spec: ArgSpec, value: Any) -> tuple[Severity, str] | None:
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
        if _is_int(value):
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
                if _is_int(value)
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


def _schema_problem(kind: SchemaType, value: Any) -> str | None:
    got = f"{toml_type(value)} {format_value(value)}"
    if kind is SchemaType.BOOL:
        return None if isinstance(value, bool) else f"is {got}; the dataset config needs true or false"
    if kind is SchemaType.INT:
        return None if _is_int(value) else f"is {got}; the dataset config needs an integer"
    if kind is SchemaType.FLOAT:
        if isinstance(value, float):
            return None
        if _is_int(value):
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


def _check_ranges(view: dict[str, Any], key_of: dict[str, str], out: _Collector, training: bool) -> None:
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
    if _is_int(every):
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
    if mtl is not None and _is_int(mtl) and mtl not in (150, 225):
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


# ---------------------------------------------------------------- training config


def _check_training(data: dict[str, Any], out: _Collector) -> dict[str, FlatValue]:
    flat = flatten_for_sdscripts(data)
    key_of: dict[str, str] = {}
    # Repeats: walk in file order so each ignored occurrence is reported at its own line.
    seen: dict[str, str] = {}
    for section, value in data.items():
        entries = [(k, section) for k in value] if isinstance(value, dict) else [(section, "")]
        for name, sect in entries:
            path = f"{format_key_path((sect, name))}" if sect else format_key_path((name,))
            if name in seen:
                winner = flat[name]
                later_key = format_key_path((winner.section, name)) if winner.section else name
                out.add(
                    Severity.WARNING,
                    seen[name],
                    f"also set in [{sect or 'top level'}] (line {out.lines.get(path, '?')}); sd-scripts merges "
                    f"all sections and the later one wins, so this line does nothing "
                    f"(in effect: {name} = {format_value(winner.value)} from {later_key})",
                    "duplicate",
                )
            seen[name] = path
    unknown = 0
    for name, entry in flat.items():
        path = format_key_path((entry.section, name)) if entry.section else format_key_path((name,))
        key_of[name] = path
        spec = TRAIN_NETWORK_ARGS.get(name)
        if isinstance(entry.value, dict) and spec is None:
            out.add(
                Severity.WARNING,
                path,
                "a table nested two levels deep: sd-scripts flattens only one level, so its keys "
                "are never read",
                "nested-table",
            )
            continue
        if spec is None:
            unknown += 1
            # difflib costs ~1 ms a key: a config with thousands of unknown keys (a pasted
            # data file) gets its suggestions for the first ones only.
            hint = suggest_arg(name) if unknown <= _MAX_SUGGESTIONS else []
            extra = f" Did you mean {' or '.join(hint)}?" if hint else ""
            out.add(
                Severity.WARNING,
                path,
                f'sd-scripts has no argument "{name}": it ignores this key without a word, so '
                f"changing it changes nothing.{extra}",
                "unknown-key",
            )
            continue
        problem = _type_problem(spec, entry.value)
        if problem is not None:
            out.add(problem[0], path, problem[1], "type")
            continue
        if spec.choices and entry.value not in spec.choices and name != "max_token_length":
            allowed = ", ".join(format_value(c) for c in spec.choices if c is not None)
            out.add(
                Severity.ERROR,
                path,
                f"{format_value(entry.value)} is not one of {allowed} (sd-scripts does not check "
                "values from a config file; the run fails later)",
                "choices",
            )
        if name == "caption_extention":
            out.add(
                Severity.INFO,
                path,
                "old misspelling that sd-scripts still reads; caption_extension is the current name",
                "misspelled-alias",
            )
    view = {name: entry.value for name, entry in flat.items()}
    _check_ranges(view, key_of, out, training=True)
    if not view.get("train_data_dir") and not view.get("dataset_config") and not view.get("in_json"):
        out.add(
            Severity.ERROR,
            "",
            "neither train_data_dir nor dataset_config is set: sd-scripts has no images to train on",
            "no-data",
        )
    if view.get("dataset_config"):
        for name in ("train_data_dir", "reg_data_dir", "in_json"):
            if view.get(name):
                out.add(
                    Severity.WARNING,
                    key_of.get(name, name),
                    "ignored because dataset_config is set (sd-scripts takes the "
                    "images from the dataset config)",
                    "ignored-with-dataset-config",
                )
    # Keys train_network.py cannot run without, unless they come from the command line.
    required = [
        ("pretrained_model_name_or_path", "the base model"),
        ("output_dir", "where the LoRA is saved"),
    ]
    if any(name.startswith("network_") for name in view):
        required.append(("network_module", "networks.lora for a LoRA"))
    for name, what in required:
        if not view.get(name):
            out.add(
                Severity.WARNING,
                "",
                f"{name} is not set ({what}); train_network.py fails unless it is given on the command line",
                "required-missing",
            )
    keep = view.get("keep_tokens")
    if (
        _is_int(keep)
        and keep > 0
        and view.get("shuffle_caption") is not True
        and not view.get("caption_tag_dropout_rate")
    ):
        out.add(
            Severity.INFO,
            key_of.get("keep_tokens", "keep_tokens"),
            "only matters when shuffle_caption (or caption_tag_dropout_rate) is on",
            "keep-tokens-idle",
        )
    return flat


# ---------------------------------------------------------------- dataset config


def _check_dataset(data: dict[str, Any], out: _Collector) -> list[dict[str, Any]]:
    """Returns, per subset, the values it really gets (subset > dataset > general)."""
    for name in data:
        if name not in ("general", "datasets"):
            out.add(
                Severity.ERROR,
                format_key_path((name,)),
                "a dataset config has only [general] and [[datasets]]; sd-scripts refuses the file",
                "unknown-key",
            )

    def check_level(table: Any, path: tuple, level: str) -> None:
        if not isinstance(table, dict):
            out.add(Severity.ERROR, format_key_path(path), "must be a table", "type")
            return
        schema = dataset_schema_for(level)
        for name, value in table.items():
            key = format_key_path(path + (name,))
            if level == "dataset" and name == "subsets":
                continue
            if name not in schema:
                hint = suggest_dataset_key(name, level)
                extra = f" Did you mean {' or '.join(hint)}?" if hint else ""
                where = "training config" if name in TRAIN_NETWORK_ARGS else "dataset config"
                reason = (
                    f"belongs in the training config (--config_file), not in [{level}]"
                    if where == "training config"
                    else f"is not a key of [{level}]"
                )
                out.add(
                    Severity.ERROR,
                    key,
                    f'"{name}" {reason}; sd-scripts refuses the file.{extra}',
                    "unknown-key",
                )
                continue
            problem = _schema_problem(schema[name], value)
            if problem is not None:
                out.add(Severity.ERROR, key, problem, "type")

    general = data.get("general", {})
    check_level(general, ("general",), "general")
    resolved: list[dict[str, Any]] = []
    datasets = data.get("datasets", [])
    if not datasets:
        out.add(Severity.ERROR, "datasets", "no [[datasets]]: nothing to train on", "no-data")
    for d_index, dataset in enumerate(datasets):
        d_path = ("datasets", d_index)
        check_level(dataset, d_path, "dataset")
        if not isinstance(dataset, dict):
            continue
        subsets = dataset.get("subsets", [])
        if not subsets:
            out.add(
                Severity.ERROR,
                format_key_path(d_path),
                "has no [[datasets.subsets]]: no images",
                "no-subsets",
            )
        view = {
            **(general if isinstance(general, dict) else {}),
            **{k: v for k, v in dataset.items() if k != "subsets"},
        }
        key_of = {
            name: format_key_path(d_path + (name,)) if name in dataset else format_key_path(("general", name))
            for name in view
        }
        _check_ranges(view, key_of, out, training=False)
        for s_index, subset in enumerate(subsets if isinstance(subsets, list) else []):
            s_path = d_path + ("subsets", s_index)
            check_level(subset, s_path, "subset")
            if isinstance(subset, dict):
                if "image_dir" not in subset and "metadata_file" not in subset:
                    out.add(
                        Severity.ERROR,
                        format_key_path(s_path),
                        "needs image_dir (or metadata_file)",
                        "subset-no-dir",
                    )
                where = {**key_of, **{name: format_key_path(s_path + (name,)) for name in subset}}
                resolved.append({**view, **subset, "__keys__": where})
    return resolved


# ---------------------------------------------------------------- workspace


def _resolve_path(value: str, workspace: Workspace | None, config_dir: Path | None) -> Path | None:
    raw = Path(value).expanduser()
    candidates = (
        [raw]
        if raw.is_absolute()
        else [base / raw for base in (workspace.root if workspace else None, config_dir) if base is not None]
    )
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return None


def read_image_sizes(
    images: list[Path], progress: ProgressFn = no_progress, cancelled: CancelFn = never_cancelled
) -> dict[Path, tuple[int, int]]:
    """Width and height from each image's header (Pillow opens lazily: no pixel decode)."""
    from PIL import Image

    sizes: dict[Path, tuple[int, int]] = {}
    total = len(images)
    for index, path in enumerate(images):
        if cancelled():
            break
        try:
            with Image.open(path) as image:
                sizes[path] = image.size
        except (OSError, ValueError, Image.DecompressionBombError):
            pass
        progress(index + 1, total, path.name)
    return sizes


def _read_caption_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace").strip()
    except OSError:
        return None


def _count_tokens(text: str) -> int:
    from bespoke_gui.core.captions.tokens import count_tokens

    return count_tokens(text)


# "Did you mean" for this many unknown keys at most (see _check_training).
_MAX_SUGGESTIONS = 200
# A prompts file is a few lines; anything bigger is not one (and is never read whole).
MAX_PROMPTS_BYTES = 1 << 20
PROMPTS_SUFFIXES = (".txt", ".toml", ".json")


def _prompts_file_problem(path: Path) -> str | None:
    """Why ``path`` is not read as a prompts file, or None when it looks like one."""
    if path.suffix.lower() not in PROMPTS_SUFFIXES:
        return f"{path.name} does not look like a prompts file (.txt, .toml or .json); not read"
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"cannot read {path.name}: {exc.strerror or exc}"
    if size > MAX_PROMPTS_BYTES:
        return f"{path.name} is {size / 1e6:.1f} MB, too big for a prompts file; not read"
    return None


def _prompt_lines(path: Path) -> list[tuple[str, bool]]:
    """(prompt, sets a seed) for each prompt in an sd-scripts sample prompts file."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_PROMPTS_BYTES + 1)
    if len(raw) > MAX_PROMPTS_BYTES:
        raise ValueError("too big for a prompts file")
    if b"\0" in raw:
        raise ValueError("not a text file")
    text = raw.decode("utf-8", errors="replace")
    suffix = path.suffix.lower()
    if suffix in (".toml", ".json"):
        import tomllib

        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
        prompts = data.get("prompt", data.get("prompts", [])) if isinstance(data, dict) else data
        if isinstance(prompts, dict):
            prompts = [prompts]
        out = []
        for entry in prompts if isinstance(prompts, list) else []:
            if isinstance(entry, dict):
                out.append((str(entry.get("prompt", "")), "seed" in entry))
            elif isinstance(entry, str):
                out.append((entry, False))
        return out
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        seed = re.search(r"(?:^|\s)--d\s+\d+", line) is not None
        out.append((line, seed))
    return out


def _check_workspace(
    view: dict[str, Any],
    key_of: dict[str, str],
    workspace: Workspace,
    config_dir: Path | None,
    out: _Collector,
    progress: ProgressFn,
    cancelled: CancelFn,
) -> None:
    def key(name: str) -> str:
        return key_of.get(name, name)

    images_dir = workspace.images_dir
    images = list_images(images_dir) if images_dir else []
    # ---- train_data_dir
    data_dir = view.get("train_data_dir")
    if isinstance(data_dir, str) and data_dir:
        found = _resolve_path(data_dir, workspace, config_dir)
        if found is None:
            where = f"; this workspace's images are in {images_dir}" if images_dir else ""
            out.add(
                Severity.INFO,
                key("train_data_dir"),
                f"{data_dir} does not exist on this machine (fine if the config is "
                f"for another machine, such as a cloud GPU){where}",
                "train-data-dir-missing",
            )
        elif found.is_dir():
            repeat_dirs = [p for p in found.iterdir() if p.is_dir() and re.match(r"^\d+_", p.name)]
            if not repeat_dirs and list_images(found):
                out.add(
                    Severity.ERROR,
                    key("train_data_dir"),
                    f"{data_dir} holds images directly, but sd-scripts reads only subfolders named "
                    f'<repeats>_<name> (for example 10_{found.name}): it stops with "No data found ... '
                    'train_data_dir must be the parent of folders with images"',
                    "train-data-dir-layout",
                )
    # ---- images and resolution
    sizes = read_image_sizes(images, progress, cancelled) if images else {}
    if cancelled():
        return
    raw_res = view.get("resolution")
    resolution = (
        parse_training_resolution(raw_res) if isinstance(raw_res, str) else parse_dataset_resolution(raw_res)
    )
    if sizes and resolution is not None:
        common = Counter(sizes.values())
        (iw, ih), count = common.most_common(1)[0]
        rw, rh = resolution
        described = f"{count} of {len(sizes)} images are {iw}x{ih}"
        if len(common) > 1 and view.get("enable_bucket") is not True:
            out.add(
                Severity.WARNING,
                key("enable_bucket"),
                f"images come in {len(common)} sizes ({described}) and buckets "
                "are off: every image is cropped or resized to the one training size",
                "mixed-sizes",
            )
        if iw * ih > rw * rh:
            interp = view.get("resize_interpolation")
            if interp == "nearest":
                out.add(
                    Severity.INFO,
                    key("resolution"),
                    f"{described}; sd-scripts scales them down to {rw}x{rh} with "
                    "nearest neighbour (resize_interpolation)",
                    "resolution-downscale",
                )
            else:
                out.add(
                    Severity.WARNING,
                    key("resolution"),
                    f"{described} but training runs at {rw}x{rh}: sd-scripts scales them down with "
                    f"{interp or 'area'} interpolation, which blends pixel-art edges; resize the images with "
                    'nearest neighbour first (Dataset tab) or set resize_interpolation = "nearest"',
                    "resolution-downscale",
                )
        elif iw * ih < rw * rh:
            if view.get("enable_bucket") is True and view.get("bucket_no_upscale") is True:
                out.add(
                    Severity.INFO,
                    key("resolution"),
                    f"{described}, smaller than {rw}x{rh}; with bucket_no_upscale they "
                    "train at their own size",
                    "resolution-upscale",
                )
            else:
                out.add(
                    Severity.WARNING,
                    key("resolution"),
                    f"{described}, smaller than {rw}x{rh}: sd-scripts scales them up, blurring pixel edges",
                    "resolution-upscale",
                )
    # ---- captions
    ext = view.get("caption_extension") or view.get("caption_extention")
    ext_key = key("caption_extension") if "caption_extension" in view else key("caption_extention")
    effective_ext = ext if isinstance(ext, str) and ext else ".caption"
    if not effective_ext.startswith("."):
        effective_ext = "." + effective_ext
    if images:
        with_caption = [img for img in images if caption_path_for(img, effective_ext).exists()]
        if not with_caption:
            others = {
                e: sum(1 for img in images if caption_path_for(img, e).exists())
                for e in (".txt", ".caption")
                if e != effective_ext
            }
            best = max(others.items(), key=lambda kv: kv[1]) if others else (None, 0)
            default_note = "" if ext else " (unset: sd-scripts' default is .caption)"
            if best[1]:
                out.add(
                    Severity.ERROR,
                    ext_key if ext else "",
                    f"caption_extension is {effective_ext}{default_note} but the "
                    f"captions are {best[0]} files ({best[1]} of {len(images)} images): every image would "
                    f'train with an empty caption; set caption_extension = "{best[0]}"',
                    "caption-extension",
                )
            else:
                out.add(
                    Severity.WARNING,
                    ext_key if ext else "",
                    f"no {effective_ext} caption files beside the images{default_note}",
                    "caption-extension",
                )
        elif len(with_caption) < len(images):
            out.add(
                Severity.WARNING,
                ext_key if ext else "",
                f"{len(images) - len(with_caption)} of {len(images)} images have "
                f"no {effective_ext} caption (they train with an empty caption)",
                "caption-missing",
            )
        read = {img: _read_caption_text(caption_path_for(img, effective_ext)) for img in with_caption}
        captions = {img: text for img, text in read.items() if text is not None}
        if captions and not cancelled():
            _check_captions(view, key, captions, out)


def _check_captions(view: dict[str, Any], key: Any, captions: dict[Path, str], out: _Collector) -> None:
    separator = view.get("caption_separator") if isinstance(view.get("caption_separator"), str) else ","
    separator = separator or ","
    phrases = {img: [p.strip() for p in text.split(separator) if p.strip()] for img, text in captions.items()}
    keep = view.get("keep_tokens")
    keep_sep = view.get("keep_tokens_separator")
    if isinstance(keep_sep, str) and keep_sep and any(keep_sep in t for t in captions.values()):
        out.add(
            Severity.INFO,
            key("keep_tokens_separator"),
            f"captions contain {keep_sep!r}, which decides the fixed part instead of keep_tokens",
            "keep-tokens-separator",
        )
    elif _is_int(keep) and keep > 0:
        heads = Counter(tuple(p[:keep]) for p in phrases.values())
        short = sum(1 for p in phrases.values() if len(p) < keep)
        if len(heads) > 1:
            top = ", ".join(f'"{", ".join(h)}" ({n})' for h, n in heads.most_common(3))
            out.add(
                Severity.WARNING,
                key("keep_tokens"),
                f"keep_tokens = {keep} keeps the first {'phrase' if keep == 1 else f'{keep} phrases'} in place, "
                f"but the captions start "
                f"{len(heads)} different ways: {top}",
                "keep-tokens-mismatch",
            )
        else:
            head = ", ".join(next(iter(heads)))
            out.add(
                Severity.INFO,
                key("keep_tokens"),
                f'all {len(phrases)} captions start with "{head}", which stays first',
                "keep-tokens-ok",
            )
        if short:
            out.add(
                Severity.WARNING,
                key("keep_tokens"),
                f"{short} captions have fewer than {keep} phrases",
                "keep-tokens-short",
            )
    elif view.get("shuffle_caption") is True:
        firsts = Counter(p[0] for p in phrases.values() if p)
        if firsts and firsts.most_common(1)[0][1] == len(phrases) and len(phrases) > 1:
            out.add(
                Severity.INFO,
                key("keep_tokens") if "keep_tokens" in view else "",
                f'every caption starts with "{firsts.most_common(1)[0][0]}" but keep_tokens is 0, so '
                "shuffle_caption moves it; keep_tokens = 1 would keep it first",
                "keep-tokens-trigger",
            )
    mtl = view.get("max_token_length")
    limit = mtl if _is_int(mtl) and mtl > 0 else 75
    counts = {img: _count_tokens(text) for img, text in captions.items()}
    longest_img = max(counts, key=lambda img: counts[img])
    longest = counts[longest_img]
    over = sum(1 for n in counts.values() if n > limit)
    where = key("max_token_length") if "max_token_length" in view else ""
    if over:
        out.add(
            Severity.WARNING,
            where,
            f"{over} of {len(counts)} captions are longer than {limit} CLIP tokens (longest: "
            f"{longest}, {longest_img.name}); sd-scripts cuts off the rest",
            "captions-too-long",
        )
    elif limit > 75 and longest <= 75:
        out.add(
            Severity.INFO,
            where,
            f"the longest caption is {longest} CLIP tokens, so max_token_length = {limit} is not needed",
            "max-token-length-unneeded",
        )
    else:
        out.add(
            Severity.INFO,
            where,
            f"the longest caption is {longest} CLIP tokens, within {limit}",
            "captions-fit",
        )


def _check_samples(
    view: dict[str, Any],
    key_of: dict[str, str],
    workspace: Workspace | None,
    config_dir: Path | None,
    out: _Collector,
) -> None:
    prompts_value = view.get("sample_prompts")
    key = key_of.get("sample_prompts", "sample_prompts")
    relative_unknowable = (
        workspace is None and config_dir is None and not Path(str(prompts_value)).is_absolute()
    )
    if isinstance(prompts_value, str) and prompts_value and not relative_unknowable:
        found = _resolve_path(prompts_value, workspace, config_dir)
        if found is None or not found.is_file():
            out.add(
                Severity.WARNING,
                key,
                f"{prompts_value} not found here (relative paths are tried from the workspace and "
                "the config's folder)",
                "sample-prompts-missing",
            )
        elif (problem := _prompts_file_problem(found)) is not None:
            out.add(Severity.WARNING, key, problem, "sample-prompts-unreadable")
        else:
            try:
                prompts = _prompt_lines(found)
            except (OSError, ValueError) as exc:
                out.add(Severity.ERROR, key, f"cannot read {found.name}: {exc}", "sample-prompts-unreadable")
                prompts = None
            if prompts is not None:
                if not prompts:
                    out.add(Severity.WARNING, key, f"{found.name} has no prompts", "sample-prompts-empty")
                unseeded = [p for p, seeded in prompts if not seeded]
                if unseeded:
                    out.add(
                        Severity.WARNING,
                        key,
                        f"{len(unseeded)} of {len(prompts)} prompts set no seed with --d: each "
                        "epoch samples them with a new random seed, so epochs cannot be compared fairly "
                        f"(first: {unseeded[0][:60]})",
                        "sample-prompts-seed",
                    )
                elif prompts:
                    out.add(
                        Severity.INFO,
                        key,
                        f"all {len(prompts)} prompts fix a seed with --d",
                        "sample-prompts-ok",
                    )
    output_name = view.get("output_name")
    if workspace is not None and isinstance(output_name, str) and output_name:
        from bespoke_gui.core.epochs.samples import parse_sample_name

        names: Counter[str] = Counter()
        for folder in workspace.sample_dirs:
            for image in list_images(folder)[:500]:
                parsed = parse_sample_name(image.name)
                if parsed.output_name:
                    names[parsed.output_name] += 1
        if names and output_name not in names:
            seen = ", ".join(f'"{n}"' for n, _ in names.most_common(3))
            out.add(
                Severity.INFO,
                key_of.get("output_name", "output_name"),
                f"the workspace's sample images come from "
                f'{seen}, not "{output_name}" (a new run, or the config of another run)',
                "output-name-samples",
            )


# ---------------------------------------------------------------- entry points


def _sort(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.severity.rank, f.line or 10**9, f.key))


def check_config(
    cfg: ConfigDocument,
    workspace: Workspace | None = None,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
    unchanged_since_load: bool = False,
) -> CheckReport:
    """All checks of an open config (a job: the workspace part reads files).

    ``unchanged_since_load``: the document is as it was read, so its key lines come from the
    text read rather than from tomlkit rendering it again (quadratic in the number of keys:
    most of the 95 s an 11 MB TOML took).
    """
    data = cfg.data()
    out = _Collector(scan_keys(cfg.original_text).lines if unchanged_since_load else cfg.key_lines())
    kind = config_kind(data)
    config_dir = cfg.path.parent if cfg.path else None
    if kind == TRAINING:
        flat = _check_training(data, out)
        view = {name: entry.value for name, entry in flat.items()}
        key_of = {
            name: format_key_path((e.section, name)) if e.section else format_key_path((name,))
            for name, e in flat.items()
        }
        if workspace is not None:
            _check_workspace(view, key_of, workspace, config_dir, out, progress, cancelled)
        _check_samples(view, key_of, workspace, config_dir, out)
    else:
        subsets = _check_dataset(data, out)
        if workspace is not None and subsets:
            first = dict(subsets[0])
            key_of = first.pop("__keys__")
            _check_workspace(first, key_of, workspace, config_dir, out, progress, cancelled)
    return CheckReport(cfg.path, kind, _sort(out.findings))


def check_file(
    path: str | Path,
    workspace: Workspace | None = None,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> CheckReport:
    """Load and check; a file that cannot be loaded is one error finding (with line when known)."""
    path = Path(path)

    def without_path(exc: Exception) -> str:
        # The report names the file; its message must not name it a second time.
        text = str(exc)
        return text[len(f"{path}: ") :] if text.startswith(f"{path}: ") else text

    try:
        cfg = load_config(path)
    except TomlSyntaxError as exc:
        return CheckReport(
            path, TRAINING, [Finding.at_key(Severity.ERROR, "", without_path(exc), exc.line, "toml")]
        )
    except ConfigError as exc:
        return CheckReport(
            path, TRAINING, [Finding.at_key(Severity.ERROR, "", without_path(exc), None, "load")]
        )
    return check_config(cfg, workspace, progress, cancelled, unchanged_since_load=True)
