"""Clean upscales match Pillow; diffusion-like degradation is deterministic and honest about what it did."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from bespoke_gui.core.colour import srgb_to_oklab
from bespoke_gui.core.demo.degrade import (
    STRAY_MIN_DISTANCE,
    degrade_like_diffusion,
    nearest_indices,
    upscale_nearest,
)
from bespoke_gui.core.demo.portraits import draw_portrait
from bespoke_gui.core.exactgrid import downsample_exact, find_exact_grid


@pytest.fixture(scope="module")
def art() -> np.ndarray:
    return draw_portrait(8).pixels


def _nearest_24(image: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(image).resize((24, 24), Image.NEAREST))


def _unique(pixels: np.ndarray) -> int:
    return len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0))


def _oklab_gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(((srgb_to_oklab(a) - srgb_to_oklab(b)) ** 2).sum(-1))


@pytest.mark.parametrize(
    ("rows", "cols", "height", "width"),
    [
        (24, 24, 512, 512),
        (24, 24, 256, 256),
        (24, 24, 100, 100),
        (24, 24, 333, 333),
        (16, 32, 24, 1000),
        (7, 13, 511, 2048),
        (64, 64, 48, 10),
        (3, 5, 7, 9),
    ],
)
def test_upscale_nearest_equals_pillow(rows: int, cols: int, height: int, width: int) -> None:
    rng = np.random.default_rng(rows * 1000 + width)
    small = rng.integers(0, 256, (rows, cols, 3), dtype=np.uint8)
    theirs = np.asarray(Image.fromarray(small).resize((width, height), Image.NEAREST))
    ours = small[nearest_indices(rows, height)][:, nearest_indices(cols, width)]
    assert np.array_equal(ours, theirs)
    if height == width and rows == cols:
        assert np.array_equal(upscale_nearest(small, height), theirs)


def test_upscale_to_512_has_cells_of_21_or_22(art: np.ndarray) -> None:
    big = upscale_nearest(art, 512)
    assert big.shape == (512, 512, 3) and big.dtype == np.uint8
    assert set(np.bincount(nearest_indices(24, 512)).tolist()) == {21, 22}
    grid = find_exact_grid(big)
    assert grid is not None and (grid.cols, grid.rows) == (24, 24)
    assert np.array_equal(downsample_exact(big, grid), art)


def test_upscale_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        upscale_nearest(np.zeros((2, 2, 2, 2), np.uint8))
    with pytest.raises(ValueError):
        upscale_nearest(np.zeros((2, 2, 3), np.uint8), 0)


def test_strength_zero_is_the_clean_upscale(art: np.ndarray) -> None:
    result = degrade_like_diffusion(art, 0.0, seed=3)
    assert np.array_equal(result.image, upscale_nearest(art, 512))
    assert result.stray_cells == [] and result.grid_offset == (0.0, 0.0) and result.grid_scale == 1.0
    big = upscale_nearest(art, 512)
    same = degrade_like_diffusion(big, 0.0, seed=3)
    assert np.array_equal(same.image, big)
    assert np.array_equal(same.source, art)


def test_deterministic_from_seed(art: np.ndarray) -> None:
    a = degrade_like_diffusion(art, 0.6, seed=11)
    b = degrade_like_diffusion(art, 0.6, seed=11)
    c = degrade_like_diffusion(art, 0.6, seed=12)
    assert np.array_equal(a.image, b.image)
    assert (a.stray_cells, a.grid_offset, a.grid_scale) == (b.stray_cells, b.grid_offset, b.grid_scale)
    assert not np.array_equal(a.image, c.image)


def test_output_size_and_type(art: np.ndarray) -> None:
    result = degrade_like_diffusion(art, 0.5, seed=1)
    assert result.image.shape == (512, 512, 3) and result.image.dtype == np.uint8
    assert degrade_like_diffusion(art, 0.5, seed=1, size=256).image.shape == (256, 256, 3)
    big = upscale_nearest(art, 512)
    from_big = degrade_like_diffusion(big, 0.5, seed=1)
    assert np.array_equal(from_big.source, art)
    assert np.array_equal(from_big.image, result.image)


def test_stronger_means_messier(art: np.ndarray) -> None:
    counts = []
    strays = []
    for strength in (0.05, 0.3, 0.6, 1.0):
        result = degrade_like_diffusion(art, strength, seed=5)
        counts.append(_unique(_nearest_24(result.image)))
        strays.append(len(result.stray_cells))
    clean = _unique(art)
    assert clean < counts[0] < counts[1] < counts[2] <= counts[3]
    assert strays == sorted(strays) and strays[-1] >= 10
    assert 1 <= strays[0] <= 3


def test_late_epochs_look_like_real_epoch8_samples(art: np.ndarray) -> None:
    # The plan's epoch 8 averaged 216.6 unique colours in the nearest-neighbour 24x24.
    counts = [_unique(_nearest_24(degrade_like_diffusion(art, 0.07, seed=s).image)) for s in range(4)]
    assert 100 < np.mean(counts) < 300


def test_stray_cells_are_recorded_truthfully(art: np.ndarray) -> None:
    for seed in range(6):
        result = degrade_like_diffusion(art, 0.8, seed=seed)
        assert result.stray_cells, seed
        stray = np.zeros((24, 24), dtype=bool)
        for x, y in result.stray_cells:
            assert 0 <= x < 24 and 0 <= y < 24
            stray[y, x] = True
        gap = _oklab_gap(result.cells, result.source)
        assert np.all(gap[stray] >= STRAY_MIN_DISTANCE - 0.005), seed
        # Everything else only drifted: a near-duplicate of the colour it should be.
        assert gap[~stray].max() < 0.15, seed


def test_recorded_grid_finds_the_cells(art: np.ndarray) -> None:
    result = degrade_like_diffusion(art, 1.0, seed=21)
    assert abs(result.grid_scale - 1.0) <= 0.025
    pitch = 512 / 24
    assert max(abs(v) for v in result.grid_offset) <= 0.3 * pitch + 1e-9
    assert result.grid_offset != (0.0, 0.0)
    step = pitch * result.grid_scale
    centres_x = np.clip((result.grid_offset[0] + (np.arange(24) + 0.5) * step).astype(int), 0, 511)
    centres_y = np.clip((result.grid_offset[1] + (np.arange(24) + 0.5) * step).astype(int), 0, 511)
    sampled = result.image[centres_y][:, centres_x]
    # Inner cells (edge cells may be cut off by the drift) come back near their rendered colour.
    gap = _oklab_gap(sampled, result.cells)[1:-1, 1:-1]
    assert np.median(gap) < 0.03


def test_edges_are_soft_and_noise_is_everywhere(art: np.ndarray) -> None:
    result = degrade_like_diffusion(art, 0.5, seed=2)
    clean = upscale_nearest(art, 512)
    assert _unique(result.image) > 20 * _unique(clean)
    # Blur: a hard black/skin edge in the clean image has in-between values after.
    row = result.image[256].astype(int).sum(axis=1)
    assert np.count_nonzero(np.abs(np.diff(row)) > 200) == 0


def test_invalid_strength_is_refused(art: np.ndarray) -> None:
    with pytest.raises(ValueError):
        degrade_like_diffusion(art, 1.5, seed=0)
    with pytest.raises(ValueError):
        degrade_like_diffusion(art, -0.1, seed=0)


def test_grey_and_rgba_inputs(art: np.ndarray) -> None:
    grey = art[:, :, 0]
    result = degrade_like_diffusion(grey, 0.3, seed=4)
    assert result.image.shape == (512, 512, 3)
    assert np.array_equal(result.source[:, :, 0], grey)
    rgba = np.dstack([art, np.full((24, 24), 255, np.uint8)])
    assert np.array_equal(degrade_like_diffusion(rgba, 0.0, seed=4).image, upscale_nearest(art, 512))
    with pytest.raises(ValueError):
        degrade_like_diffusion(np.zeros((0, 5, 3), np.uint8), 0.3, seed=0)
