"""Checks of a config against the workspace: image sizes, captions, tokens, sample prompts.

They read image headers and captions, so they run as a job."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from bespoke_gui.core.config.check_report import FindingCollector
from bespoke_gui.core.config.value_checks import is_int, parse_dataset_resolution, parse_training_resolution
from bespoke_gui.core.findings import Severity
from bespoke_gui.core.jobs import CancelFn, ProgressFn, never_cancelled, no_progress
from bespoke_gui.core.workspace import Workspace, caption_path_for, list_images

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


# "Did you mean" for this many unknown keys at most (see check_training).
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


def prompt_lines(path: Path) -> list[tuple[str, bool]]:
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


def check_workspace(
    view: dict[str, Any],
    key_of: dict[str, str],
    workspace: Workspace,
    config_dir: Path | None,
    out: FindingCollector,
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


def _check_captions(view: dict[str, Any], key: Any, captions: dict[Path, str], out: FindingCollector) -> None:
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
    elif is_int(keep) and keep > 0:
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
    limit = mtl if is_int(mtl) and mtl > 0 else 75
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


def check_samples(
    view: dict[str, Any],
    key_of: dict[str, str],
    workspace: Workspace | None,
    config_dir: Path | None,
    out: FindingCollector,
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
                prompts = prompt_lines(found)
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
