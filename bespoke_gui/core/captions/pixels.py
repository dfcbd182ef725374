"""The pixels behind a caption: the image's true pixels, its palette, and masks of one colour.

For a clean nearest-neighbour upscale the true 24x24 pixels come back exactly
(``exactgrid``); any other image is used as it is. The lint gets the palette passed in
(it never decodes images), so that linting text stays fast; this module is what a job
calls to decode them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bespoke_gui.core.captions.keywords import hex_to_rgb
from bespoke_gui.core.exactgrid import downsample_exact, find_exact_grid
from bespoke_gui.core.imageio import MAX_PIXELS as IMAGEIO_MAX_PIXELS
from bespoke_gui.core.imageio import load_image

# Beyond this many distinct colours a picture is not pixel art; the palette keeps the commonest.
MAX_PALETTE = 256
# The same limit as scan and resize, so the lint never refuses with another figure.
MAX_PIXELS = IMAGEIO_MAX_PIXELS


@dataclass(frozen=True)
class ImagePixels:
    pixels: np.ndarray  # HxWx3 uint8: the true pixels (24x24 for the dataset's portraits)
    palette: list[tuple[int, int, int]]  # distinct colours, commonest first
    counts: list[int]
    exact_grid: bool  # True when the pixels came back exactly from a block upscale
    source_size: tuple[int, int]


def load_rgb(path: Path) -> np.ndarray:
    """An image as HxWx3 uint8; transparent pixels are composited on black (what training sees).

    Decoding goes through ``imageio.load_image``, so a broken file gets the same one-line
    message here as in the Dataset tab.
    """
    loaded = load_image(path, max_pixels=MAX_PIXELS)
    pixels = loaded.pixels
    if pixels.shape[2] == 4:
        alpha = pixels[:, :, 3:4].astype(np.uint16)
        return (pixels[:, :, :3].astype(np.uint16) * alpha // 255).astype(np.uint8)
    return pixels


def palette_of(pixels: np.ndarray) -> tuple[list[tuple[int, int, int]], list[int]]:
    flat = pixels.reshape(-1, pixels.shape[-1])[:, :3]
    packed = (flat[:, 0].astype(np.uint32) << 16) | (flat[:, 1].astype(np.uint32) << 8) | flat[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:MAX_PALETTE]
    palette = [(int(v >> 16) & 255, int(v >> 8) & 255, int(v) & 255) for v in values[order]]
    return palette, [int(c) for c in counts[order]]


def image_pixels(path: Path) -> ImagePixels:
    full = load_rgb(path)
    grid = find_exact_grid(full)
    small = downsample_exact(full, grid) if grid is not None else full
    palette, counts = palette_of(small)
    return ImagePixels(small, palette, counts, grid is not None, (full.shape[1], full.shape[0]))


def colour_mask(pixels: np.ndarray, code: str, tolerance: int = 0) -> np.ndarray:
    """Pixels within ``tolerance`` (max channel difference) of the colour ``code``."""
    target = np.array(hex_to_rgb(code), dtype=np.int16)
    diff = np.abs(pixels[:, :, :3].astype(np.int16) - target).max(axis=2)
    return diff <= tolerance


# A broad colour word covers its family: "red" hair drawn #9b333e (nearest "auburn") or
# #c06148 (nearest "ginger") is red to whoever wrote the caption. A finer name keeps its
# own narrow range. A name may belong to two families (auburn: red and brown).
COLOUR_FAMILIES: dict[str, tuple[str, ...]] = {
    "red": ("crimson", "maroon", "auburn", "ginger"),
    "brown": ("chestnut", "auburn", "brunette", "hazel", "copper"),
    "orange": ("ginger", "copper", "amber", "peach"),
    "yellow": ("gold", "golden", "amber", "blonde", "blond"),
    "green": ("lime", "olive", "mint", "seafoam"),
    "blue": ("navy", "indigo", "periwinkle"),
    "purple": ("violet", "lavender", "indigo", "magenta"),
    "pink": ("salmon", "magenta"),
    "grey": ("silver", "charcoal"),
    "gray": ("silver", "charcoal"),
}


def nearest_named_mask(
    pixels: np.ndarray, reference: str, references: dict[str, str], name: str
) -> np.ndarray:
    """Pixels whose nearest reference colour (among ``references``) is ``name``'s, or one of
    its family's when ``name`` is a broad word (see ``COLOUR_FAMILIES``).

    A colour word names a range, not one value: "brown" hair is every pixel closer to
    brown (or chestnut, brunette...) than to any other named colour.
    """
    names = sorted(references)
    table = np.array([hex_to_rgb(references[n]) for n in names], dtype=np.float32)
    flat = pixels[:, :, :3].reshape(-1, 3).astype(np.float32)
    # Weighted RGB distance: cheap and close enough to perceptual for picking a family.
    weights = np.array([0.3, 0.59, 0.11], dtype=np.float32)
    dist = (((flat[:, None, :] - table[None, :, :]) ** 2) * weights).sum(axis=2)
    nearest = np.argmin(dist, axis=1)
    family = {name, *COLOUR_FAMILIES.get(name, ())}
    wanted = {i for i, n in enumerate(names) if references[n] == reference or n in family}
    mask = np.isin(nearest, list(wanted))
    return mask.reshape(pixels.shape[:2])
