"""Shared ground truth for the Epochs engine tests: known art, its upscales, sample folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from bespoke_gui.core.demo.degrade import degrade_like_diffusion, upscale_nearest
from bespoke_gui.core.demo.portraits import draw_portrait

BACKGROUND = (120, 200, 140)
SKIN = (230, 190, 160)
HAIR = (60, 40, 30)
BLACK = (0, 0, 0)
EYE = (40, 120, 200)


def blocky_art(seed: int, cells: int = 24, colours: int = 7) -> np.ndarray:
    """Random rectangles of a few well-separated colours on a flat background."""
    rng = np.random.default_rng(seed)
    palette = [np.array(BACKGROUND, dtype=np.uint8)]
    while len(palette) < colours:
        candidate = rng.integers(0, 256, 3).astype(np.uint8)
        if all(np.abs(candidate.astype(int) - p.astype(int)).sum() > 90 for p in palette):
            palette.append(candidate)
    art = np.empty((cells, cells, 3), dtype=np.uint8)
    art[:] = palette[0]
    for _ in range(12):
        x0, y0 = rng.integers(0, cells - 2, 2)
        w, h = rng.integers(1, cells // 2, 2)
        art[y0 : y0 + h, x0 : x0 + w] = palette[int(rng.integers(1, colours))]
    return art


def face_art(cells: int = 24) -> np.ndarray:
    """A tiny face: flat background, hair, skin, a pair of two-pixel eyes, a one-pixel nose."""
    art = np.empty((cells, cells, 3), dtype=np.uint8)
    art[:] = BACKGROUND
    art[3:21, 6:18] = HAIR
    art[7:20, 8:16] = SKIN
    art[11, 9:11] = [BLACK, EYE]
    art[11, 13:15] = [BLACK, EYE]
    art[14, 12] = BLACK  # the nose: a darker dot inside the skin, on purpose
    art[17, 10:14] = (200, 90, 100)  # lips
    return art


def portrait_art(seed: int) -> np.ndarray:
    return draw_portrait(seed).pixels[:, :, :3].copy()


def save_png(path: Path, pixels: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(pixels)).save(path)
    return path


def sample_name(epoch: int, prompt: int, output_name: str = "demo", seed: int | None = None) -> str:
    stamp = f"20250101{epoch:02d}{prompt:02d}00"
    suffix = f"_{seed}" if seed is not None else ""
    return f"{output_name}_e{epoch:06d}_{prompt:02d}_{stamp}{suffix}.png"


def write_epoch_samples(
    folder: Path, strengths: dict[int, float], prompts: int = 2, output_name: str = "demo"
) -> list[Path]:
    """sd-scripts' flat sample/ folder: one image per (epoch, prompt); cleaner epochs have lower strength."""
    paths = []
    for epoch, strength in strengths.items():
        for prompt in range(prompts):
            art = portrait_art(300 + prompt)
            if strength == 0:
                pixels = upscale_nearest(art, 512)
            else:
                pixels = degrade_like_diffusion(art, strength, seed=epoch * 10 + prompt).image
            paths.append(save_png(folder / sample_name(epoch, prompt, output_name), pixels))
    return paths
