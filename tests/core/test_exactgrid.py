"""Exact grids of clean nearest-neighbour upscales: found exactly, or not at all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from bespoke_gui.core.exactgrid import (
    ExactGrid,
    block_edges,
    downsample_exact,
    find_exact_grid,
    upscale_blocks,
)

PALETTE = np.array(
    [
        [20, 20, 30],
        [200, 160, 120],
        [90, 50, 20],
        [240, 240, 240],
        [30, 120, 200],
        [180, 30, 40],
        [60, 160, 70],
    ],
    dtype=np.uint8,
)


def random_art(seed: int, rows: int = 24, cols: int = 24, alpha: bool = False) -> np.ndarray:
    """A small image in a pixel-art palette (random enough that no two columns match)."""
    rng = np.random.default_rng(seed)
    art = PALETTE[rng.integers(0, len(PALETTE), size=(rows, cols))]
    if alpha:
        a = rng.choice(np.array([0, 128, 255], dtype=np.uint8), size=(rows, cols, 1))
        art = np.concatenate([art, a], axis=2)
    return art


def pillow_nearest(small: np.ndarray, width: int, height: int) -> np.ndarray:
    mode = "RGBA" if small.shape[2] == 4 else "RGB"
    return np.asarray(Image.fromarray(small, mode).resize((width, height), Image.Resampling.NEAREST))


def assert_recovers(big: np.ndarray, small: np.ndarray) -> ExactGrid:
    grid = find_exact_grid(big)
    assert grid is not None
    assert (grid.cols, grid.rows) == (small.shape[1], small.shape[0])
    assert grid.x_edges[0] == 0 and grid.x_edges[-1] == big.shape[1]
    assert grid.y_edges[0] == 0 and grid.y_edges[-1] == big.shape[0]
    assert np.array_equal(downsample_exact(big, grid), small)
    return grid


# ---------------------------------------------------------------------------------------
# block_edges


def test_block_edges_24_in_256_are_10_and_11_spread_evenly() -> None:
    edges = block_edges(24, 256)
    sizes = np.diff(edges)
    assert edges[0] == 0 and edges[-1] == 256 and len(edges) == 25
    assert set(sizes.tolist()) == {10, 11}
    assert sizes.sum() == 256 and sizes.max() - sizes.min() <= 1
    assert (sizes == 11).sum() == 16 and (sizes == 10).sum() == 8
    # Spread, not bunched: no two 10 px blocks are neighbours.
    tens = np.flatnonzero(sizes == 10)
    assert np.all(np.diff(tens) > 1)


@pytest.mark.parametrize(
    ("cells", "size"), [(24, 256), (24, 512), (24, 500), (7, 100), (24, 24), (1, 9), (13, 200)]
)
def test_block_edges_are_balanced_in_every_window(cells: int, size: int) -> None:
    sizes = np.diff(block_edges(cells, size))
    assert sizes.sum() == size and len(sizes) == cells
    assert sizes.max() - sizes.min() <= 1
    # Any run of w blocks holds w * size / cells px, give or take one: big blocks never bunch up.
    for window in range(1, cells + 1):
        run_sums = np.convolve(sizes, np.ones(window, dtype=np.int64), mode="valid")
        assert np.all(np.abs(run_sums - window * size / cells) < 1)


def test_block_edges_rejects_impossible_splits() -> None:
    with pytest.raises(ValueError):
        block_edges(0, 10)
    with pytest.raises(ValueError):
        block_edges(30, 24)


# ---------------------------------------------------------------------------------------
# find_exact_grid on clean upscales


@pytest.mark.parametrize("size", [512, 256, 500, 48])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_pillow_nearest_upscales_exactly(size: int, seed: int) -> None:
    small = random_art(seed)
    assert_recovers(pillow_nearest(small, size, size), small)


@pytest.mark.parametrize("size", [512, 256, 500])
def test_recovers_rgba_upscales_exactly(size: int) -> None:
    small = random_art(7, alpha=True)
    big = pillow_nearest(small, size, size)
    assert big.shape[2] == 4
    assert_recovers(big, small)


def test_recovers_a_floor_rounding_upscaler_too() -> None:
    # Not Pillow's centre sampling: source index = floor(x * n / size).
    small = random_art(3)
    xs = (np.arange(500) * 24) // 500
    assert_recovers(small[xs][:, xs], small)


def test_recovers_greyscale_and_16_bit() -> None:
    rng = np.random.default_rng(5)
    grey = rng.integers(0, 6, size=(24, 24)).astype(np.uint8) * 40
    assert_recovers(upscale_blocks(grey, 512, 512), grey)
    deep = (rng.integers(0, 5, size=(24, 24, 3)) * 13000).astype(np.uint16)
    assert_recovers(upscale_blocks(deep, 256, 256), deep)


def test_non_square_art_keeps_its_own_cell_counts() -> None:
    small = random_art(11, rows=16, cols=24)
    assert_recovers(pillow_nearest(small, 480, 320), small)  # 20 px square cells
    assert_recovers(pillow_nearest(small, 512, 341), small)  # 21.3 px cells, rounded size


def test_background_columns_and_rows_at_the_edges_still_give_24() -> None:
    small = random_art(4)
    small[:, :4] = PALETTE[3]  # four columns of background on the left
    small[:, -3:] = PALETTE[3]  # and three on the right
    small[:2, :] = PALETTE[3]  # two rows at the top
    for size in (512, 256, 500):
        grid = assert_recovers(pillow_nearest(small, size, size), small)
        assert grid.cell_sizes[0] <= {size // 24, size // 24 + 1}


@pytest.mark.parametrize("size", [512, 256, 500])
def test_portrait_on_a_wide_flat_background_stays_24x24(size: int) -> None:
    # Only columns 11 and 12 change, so the x axis alone also fits 22 cells at 256 px;
    # square cells (the y axis has 24) settle it.
    small = np.repeat(np.repeat(PALETTE[3][None, None, :], 24, axis=0), 24, axis=1)
    small[3:21, 11:13] = random_art(9, rows=18, cols=2)
    assert_recovers(pillow_nearest(small, size, size), small)


def test_stretched_art_keeps_its_cell_counts_rather_than_subdividing_into_squares() -> None:
    small = random_art(12)
    # 12.5 x 8.33 px cells: 72x48 cells of 4.17 px would be square, but only subdivide.
    assert_recovers(pillow_nearest(small, 300, 200), small)
    assert_recovers(pillow_nearest(small, 512, 256), small)


def test_art_made_of_2x2_blocks_gives_the_coarsest_grid() -> None:
    small = random_art(6, rows=12, cols=12)
    doubled = np.repeat(np.repeat(small, 2, axis=0), 2, axis=1)
    assert_recovers(pillow_nearest(doubled, 480, 480), small)


@pytest.mark.parametrize("size", [256, 512, 500, 333])
@pytest.mark.parametrize("cells", [24, 17, 1])
def test_upscale_blocks_then_find_round_trips(size: int, cells: int) -> None:
    small = random_art(cells, rows=cells, cols=cells)
    big = upscale_blocks(small, size, size)
    assert big.shape == (size, size, 3)
    grid = assert_recovers(big, small)
    assert np.array_equal(grid.x_edges, block_edges(cells, size))
    assert np.array_equal(grid.y_edges, block_edges(cells, size))


def test_upscale_blocks_puts_each_pixel_in_one_solid_block() -> None:
    small = random_art(8)
    big = upscale_blocks(small, 256, 256)
    edges = block_edges(24, 256)
    for r in range(24):
        for c in range(24):
            block = big[edges[r] : edges[r + 1], edges[c] : edges[c + 1]]
            assert np.all(block == small[r, c])


def test_a_flat_image_is_a_1x1_grid() -> None:
    flat = np.full((512, 512, 3), 77, dtype=np.uint8)
    grid = find_exact_grid(flat)
    assert grid is not None and (grid.cols, grid.rows) == (1, 1)
    assert np.array_equal(downsample_exact(flat, grid), flat[:1, :1])


# ---------------------------------------------------------------------------------------
# find_exact_grid says None when there is no exact grid


def test_lanczos_upscale_has_no_exact_grid() -> None:
    small = random_art(0)
    image = Image.fromarray(small).resize((512, 512), Image.Resampling.LANCZOS)
    assert find_exact_grid(np.asarray(image)) is None


def test_blurred_upscale_has_no_exact_grid() -> None:
    image = Image.fromarray(pillow_nearest(random_art(1), 512, 512)).filter(ImageFilter.GaussianBlur(1.5))
    assert find_exact_grid(np.asarray(image)) is None


def test_one_stray_pixel_breaks_the_grid() -> None:
    big = pillow_nearest(random_art(2), 512, 512).copy()
    big[100, 100] = [1, 2, 3]
    assert find_exact_grid(big) is None


def test_noise_has_no_exact_grid() -> None:
    rng = np.random.default_rng(0)
    assert find_exact_grid(rng.integers(0, 256, size=(512, 512, 3), dtype=np.uint8)) is None
    assert find_exact_grid(rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)) is None


def test_art_at_its_true_size_has_no_grid_to_undo() -> None:
    assert find_exact_grid(random_art(0)) is None
    # A 24 px line that changes at 5 and 17 is not a 4-cell upscale with cells of 5, 7, 5
    # and 7 px: no upscaler makes cells that differ by more than 1 px.
    small = np.zeros((24, 24, 3), dtype=np.uint8)
    small[5:17, 5:17] = 255
    grid = find_exact_grid(small)
    if grid is not None:
        for sizes in grid.cell_sizes:
            assert max(sizes) - min(sizes) <= 1
        assert np.array_equal(upscale_blocks(downsample_exact(small, grid), 24, 24), small)


def test_cells_below_two_pixels_are_not_an_upscale() -> None:
    # 24 px art with two equal neighbouring columns and rows could pass for 23 cells of
    # 1 or 2 px; that is the art at its true size, not an upscale.
    small = random_art(12)
    small[:, 13] = small[:, 12]
    small[13, :] = small[12, :]
    assert find_exact_grid(small) is None


def test_rejects_arrays_that_are_not_images() -> None:
    with pytest.raises(ValueError):
        find_exact_grid(np.zeros((4,), dtype=np.uint8))
    with pytest.raises(ValueError):
        find_exact_grid(np.zeros((0, 5, 3), dtype=np.uint8))


# ---------------------------------------------------------------------------------------
# The real dataset: 24x24 portraits upscaled to 512


def test_real_training_images_are_exact_upscales_of_the_originals(realdata: Path) -> None:
    data = realdata / "bespokebaby2"
    images = sorted((data / "training_data_512").glob("*.png"))
    assert len(images) >= 200
    with_grid = 0
    equal_to_original = 0
    for path in images:
        with Image.open(path) as image:
            pixels = np.asarray(image)
        grid = find_exact_grid(pixels)
        if grid is None:
            continue
        with_grid += 1
        # Real 512 px upscales of 24 px art have cells of 21 or 22 px.
        assert (grid.cols, grid.rows) == (24, 24), path.name
        assert grid.cell_sizes == ({21, 22}, {21, 22}), path.name
        original = data / "originals_24" / path.name
        if original.exists():
            with Image.open(original) as image:
                expected = np.asarray(image.convert("RGB"))
            if np.array_equal(downsample_exact(pixels[:, :, :3], grid), expected):
                equal_to_original += 1
    # Measured: 200 of 203 have an exact grid, 194 equal their original exactly.
    assert with_grid >= 195
    assert equal_to_original >= 185


def test_real_originals_and_samples_have_no_grid_to_undo(realdata: Path) -> None:
    data = realdata / "bespokebaby2"
    for folder in ("originals_24", "epoch8_samples"):
        for path in sorted((data / folder).glob("*.png"))[:40]:
            with Image.open(path) as image:
                assert find_exact_grid(np.asarray(image)) is None, path.name
