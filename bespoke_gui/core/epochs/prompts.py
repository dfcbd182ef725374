"""The sd-scripts sample prompts behind a run's samples: where the file is, what each prompt says.

The grid labels a prompt row by what sets it apart (``distinct_parts``) and shows the
whole prompt in its tooltip.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from bespoke_gui.core.config.sdscripts_args import find_key

_PROMPT_FILE_NAMES = ("prompts.txt", "sample_prompts.txt", "sample_prompt.txt")
_MAX_PROMPT_FILE_BYTES = 1_000_000


def find_prompts_file(root: Path | None, config_path: Path | None) -> Path | None:
    """The sd-scripts sample prompts file: the config's ``sample_prompts``, else a usual name."""
    candidates: list[Path] = []
    if config_path is not None:
        try:
            with open(config_path, "rb") as handle:
                value = find_key(tomllib.load(handle), "sample_prompts")
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            value = None
        if isinstance(value, str) and value.strip():
            named = Path(value.strip()).expanduser()
            if named.is_absolute():
                candidates.append(named)
            else:
                candidates.append(config_path.parent / named)
                if root is not None:
                    candidates.append(root / named)
    if root is not None:
        candidates.extend(root / name for name in _PROMPT_FILE_NAMES)
    for candidate in candidates:
        if candidate.suffix.lower() == ".txt" and candidate.is_file():
            return candidate
    return None


def read_prompt_texts(path: Path | None) -> dict[int, str]:
    """Prompt index -> prompt text of an sd-scripts prompts .txt file (options after `` --`` cut)."""
    if path is None:
        return {}
    try:
        if os.path.getsize(path) > _MAX_PROMPT_FILE_BYTES:
            return {}
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    prompts: dict[int, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        prompts[len(prompts)] = line.split(" --", 1)[0].strip()
    return prompts


def distinct_parts(texts: dict[int, str]) -> dict[int, str]:
    """Each prompt without the phrases every prompt has ("pixel art", "24x24", ...)."""
    if len(texts) < 2:
        return dict(texts)
    split = {i: [part.strip() for part in t.split(",") if part.strip()] for i, t in texts.items()}
    shared = set.intersection(*(set(parts) for parts in split.values()))
    out = {}
    for i, parts in split.items():
        kept = [part for part in parts if part not in shared]
        out[i] = ", ".join(kept) if kept else texts[i]
    return out
