"""Checks of a whole ``--config_file`` (training) or ``--dataset_config`` (datasets) against sd-scripts' keys."""

from __future__ import annotations

from typing import Any

from bespoke_gui.core.config.check_report import MAX_SUGGESTIONS, FindingCollector
from bespoke_gui.core.config.diff import FlatValue, flatten_for_sdscripts, format_value
from bespoke_gui.core.config.key_paths import format_key_path
from bespoke_gui.core.config.sdscripts_args import (
    TRAIN_NETWORK_ARGS,
    dataset_schema_for,
    suggest_arg,
    suggest_dataset_key,
)
from bespoke_gui.core.config.value_checks import check_ranges, is_int, schema_problem, type_problem
from bespoke_gui.core.findings import Severity

# ---------------------------------------------------------------- training config


def check_training(data: dict[str, Any], out: FindingCollector) -> dict[str, FlatValue]:
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
            hint = suggest_arg(name) if unknown <= MAX_SUGGESTIONS else []
            extra = f" Did you mean {' or '.join(hint)}?" if hint else ""
            out.add(
                Severity.WARNING,
                path,
                f'sd-scripts has no argument "{name}": it ignores this key without a word, so '
                f"changing it changes nothing.{extra}",
                "unknown-key",
            )
            continue
        problem = type_problem(spec, entry.value)
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
    check_ranges(view, key_of, out, training=True)
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
        is_int(keep)
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


def check_dataset(data: dict[str, Any], out: FindingCollector) -> list[dict[str, Any]]:
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
            problem = schema_problem(schema[name], value)
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
        check_ranges(view, key_of, out, training=False)
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
