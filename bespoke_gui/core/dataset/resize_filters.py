"""The three resize filters on one image, and what each does to it (the resize dialog's preview).

* ``lanczos``: smooth resampling (what the training plan used). On pixel art it blurs
  every hard edge into new in-between colours.
* ``nearest``: picks source pixels. No new colours, but when the target is not a
  whole multiple of the art's grid, blocks come out of uneven sizes.
* ``pixel`` (pixel-exact): recovers the true grid of a clean nearest-neighbour
  upscale (24x24 here) and scales it up so each source pixel becomes one solid block,
  block sizes spread as evenly as possible (256/24: blocks of 10 and 11 px). An image
  touched up after upscaling (a few pixels painted over block edges) has no exact grid:
  its grid is fitted, each cell takes its majority colour, and the file gets a note of
  how many cells were mixed. Only an image with no block grid at all (a photo) is
  refused (``ResizeItemError``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from bespoke_gui.core.dataset.scan import colour_keys
from bespoke_gui.core.exactgrid import (
    FittedGrid,
    downsample_exact,
    downsample_majority,
    find_exact_grid,
    fit_grid,
    upscale_blocks,
)
from bespoke_gui.core.imageio import (
    load_image,
)
from bespoke_gui.core.jobs import (
    CancelFn,
    ProgressFn,
    never_cancelled,
    no_progress,
)

DEFAULT_SIZE = 256


FILTERS: dict[str, str] = {"lanczos": "Lanczos", "nearest": "Nearest", "pixel": "Pixel-exact"}


FILTER_EXPLANATIONS: dict[str, str] = {
    "lanczos": "Smooth resampling. Blurs hard pixel edges into new in-between colours.",
    "nearest": "Keeps the original colours, but blocks can come out of uneven sizes.",
    "pixel": "Finds the true pixel grid (e.g. 24x24) and makes each pixel one solid block, "
    "block sizes as even as possible. Images touched up after upscaling take each cell's "
    "majority colour (with a note); images with no pixel grid (photos) are reported, not guessed.",
}


class ResizeItemError(OSError):
    """One file cannot be resized; the job carries on with the rest."""

    def __init__(self, message: str) -> None:
        super().__init__(0, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def mixed_cells_note(mixed_cells: int, off_pixels: int, grid: tuple[int, int] | None) -> str:
    if not mixed_cells or grid is None:
        return ""
    were = "was" if mixed_cells == 1 else "were"
    pixels = "pixel" if off_pixels == 1 else "pixels"
    return (
        f"edited after upscaling: {mixed_cells} of the {grid[0] * grid[1]} cells ({grid[0]}x{grid[1]} grid) "
        f"{were} mixed; each took its majority colour ({off_pixels} {pixels} changed)"
    )


def _pillow_image(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(pixels), "RGBA" if pixels.shape[2] == 4 else "RGB")


@dataclass(frozen=True)
class ResizedPixels:
    pixels: np.ndarray  # at the target size
    grid: tuple[int, int] | None = None  # the pixel filter's grid (cols, rows)
    mixed_cells: int = 0  # the pixel filter on a touched-up image: cells with more than one colour
    off_pixels: int = 0  # pixels unlike their cell's majority colour

    @property
    def note(self) -> str:
        return mixed_cells_note(self.mixed_cells, self.off_pixels, self.grid)


def resize_pixels(pixels: np.ndarray, size: int, filter_name: str) -> ResizedPixels:
    """``pixels`` (HxWxC uint8) at ``size`` x ``size``, with the grid the pixel filter used.

    Raises ResizeItemError when the pixel filter finds no block grid at all (a photo).
    """
    if filter_name not in FILTERS:
        raise ValueError(f"unknown filter {filter_name!r}; choose one of {', '.join(FILTERS)}")
    if size < 1:
        raise ValueError("the target size must be at least 1 px")
    if filter_name == "pixel":
        fitted: FittedGrid | None = fit_grid(pixels)
        if fitted is None:
            raise ResizeItemError(
                "no pixel grid (not pixel art upscaled in blocks, e.g. a photo); "
                "use the Lanczos or Nearest filter for this image"
            )
        grid = fitted.grid
        if grid.cols > size or grid.rows > size:
            raise ResizeItemError(f"its {grid.cols}x{grid.rows} pixel grid does not fit in {size} px")
        if fitted.mixed_cells:
            small, mixed, off = downsample_majority(pixels, grid)
        else:
            small, mixed, off = downsample_exact(pixels, grid), 0, 0
        return ResizedPixels(upscale_blocks(small, size, size), (grid.cols, grid.rows), mixed, off)
    resample = Image.Resampling.LANCZOS if filter_name == "lanczos" else Image.Resampling.NEAREST
    return ResizedPixels(np.asarray(_pillow_image(pixels).resize((size, size), resample)))


@dataclass(frozen=True)
class FilterPreview:
    filter: str
    pixels: np.ndarray | None  # the result at the target size (None when the filter refused)
    colours: int
    new_colours: int  # colours the source does not have
    block_sizes: tuple[int, ...]  # block widths/heights of an exact grid in the result; () if none
    differs_from_exact: int | None = None  # pixels unlike the pixel-exact result (None: no such result)
    error: str = ""
    note: str = ""  # pixel-exact on a touched-up image: how many cells were mixed

    def describe(self, with_note: bool = True) -> str:
        name = FILTERS[self.filter]
        if self.error:
            return f"{name}: {self.error}"
        if self.block_sizes:
            lo, hi = min(self.block_sizes), max(self.block_sizes)
            blocks = f"solid blocks of {lo} px" if lo == hi else f"solid blocks of {lo}-{hi} px"
        else:
            blocks = "no solid pixel blocks"
        text = f"{name}: {self.colours} colours ({self.new_colours} not in the original), {blocks}"
        if self.filter != "pixel" and self.differs_from_exact and self.pixels is not None:
            share = self.differs_from_exact / (self.pixels.shape[0] * self.pixels.shape[1])
            text += f"; {self.differs_from_exact} pixels ({share:.1%}) differ from pixel-exact"
        if self.note and with_note:
            text += f"; {self.note}"
        return text


@dataclass(frozen=True)
class FilterComparison:
    """What each filter does to one image: the numbers behind "why pixel-exact"."""

    source_size: tuple[int, int]
    source_colours: int
    source_grid: tuple[int, int] | None
    size: int
    previews: dict[str, FilterPreview]

    def lines(self) -> list[str]:
        grid = (
            f"{self.source_grid[0]}x{self.source_grid[1]} pixel grid" if self.source_grid else "no pixel grid"
        )
        head = (
            f"original: {self.source_size[0]}x{self.source_size[1]}, {self.source_colours} colours, {grid}; "
            f"at {self.size}x{self.size}:"
        )
        return [head] + [p.describe() for p in self.previews.values()]


def compare_filters(pixels: np.ndarray, size: int = DEFAULT_SIZE) -> FilterComparison:
    source_keys = colour_keys(pixels)
    fitted = fit_grid(pixels)
    source_grid = fitted.grid if fitted is not None else None
    previews: dict[str, FilterPreview] = {}
    outputs: dict[str, np.ndarray] = {}
    # Pixel-exact first, so the others can be measured against it.
    for name in sorted(FILTERS, key=lambda n: n != "pixel"):
        try:
            resized = resize_pixels(pixels, size, name)
        except ResizeItemError as exc:
            previews[name] = FilterPreview(name, None, 0, 0, (), error=exc.message)
            continue
        out = resized.pixels
        outputs[name] = out
        exact = outputs.get("pixel")
        differs = int(np.any(out != exact, axis=2).sum()) if exact is not None else None
        keys = colour_keys(out)
        out_grid = find_exact_grid(out) if source_grid is not None else None
        blocks: tuple[int, ...] = ()
        if out_grid is not None:
            blocks = tuple(
                sorted(set(np.diff(out_grid.x_edges).tolist()) | set(np.diff(out_grid.y_edges).tolist()))
            )
        previews[name] = FilterPreview(
            name,
            out,
            int(keys.size),
            int(np.setdiff1d(keys, source_keys, assume_unique=True).size),
            blocks,
            differs,
            note=resized.note,
        )
    previews = {name: previews[name] for name in FILTERS}
    return FilterComparison(
        (int(pixels.shape[1]), int(pixels.shape[0])),
        int(source_keys.size),
        (source_grid.cols, source_grid.rows) if source_grid else None,
        size,
        previews,
    )


def compare_filters_for_file(
    path: str | Path,
    size: int = DEFAULT_SIZE,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> FilterComparison:
    """Load one image and compare the filters on it (a job for the resize dialog's preview)."""
    progress(0, 1, "loading")
    comparison = compare_filters(load_image(path).pixels, size)
    progress(1, 1, "compared")
    return comparison
