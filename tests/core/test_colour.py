from __future__ import annotations

import numpy as np
import pytest

from bespoke_gui.core.colour import (
    colour_distance,
    count_unique_colours,
    cross_distances,
    oklab_distance,
    oklab_to_srgb,
    pack_rgb,
    parse_hex,
    perceptual_lab,
    srgb_to_oklab,
    to_hex,
    unique_colours,
    unpack_rgb,
)


def test_hex_round_trip_and_short_form() -> None:
    assert parse_hex("#c06148") == (192, 97, 72)
    assert parse_hex("C06148") == (192, 97, 72)
    assert parse_hex(" #c64 ") == (204, 102, 68)
    assert to_hex((192, 97, 72)) == "#c06148"
    assert to_hex(np.array([0, 255, 16], dtype=np.uint8)) == "#00ff10"


@pytest.mark.parametrize("bad", ["", "#12345", "#gg0000", "red", "#1234567"])
def test_parse_hex_refuses_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_hex(bad)


def test_to_hex_refuses_out_of_range() -> None:
    with pytest.raises(ValueError):
        to_hex((256, 0, 0))


def test_oklab_reference_values() -> None:
    # Reference values from Ottosson's OKLab definition.
    white = srgb_to_oklab(np.array([255, 255, 255], dtype=np.uint8))
    assert white == pytest.approx([1.0, 0.0, 0.0], abs=1e-3)
    red = srgb_to_oklab(np.array([255, 0, 0], dtype=np.uint8))
    assert red == pytest.approx([0.62796, 0.22486, 0.12585], abs=1e-3)
    blue = srgb_to_oklab(np.array([0, 0, 255], dtype=np.uint8))
    assert blue == pytest.approx([0.45201, -0.03246, -0.31153], abs=1e-3)
    assert srgb_to_oklab(np.zeros(3, dtype=np.uint8)) == pytest.approx([0, 0, 0], abs=1e-6)


def test_oklab_round_trip_is_exact_for_every_sampled_colour() -> None:
    rng = np.random.default_rng(1)
    colours = rng.integers(0, 256, (5000, 3)).astype(np.uint8)
    assert np.array_equal(oklab_to_srgb(srgb_to_oklab(colours)), colours)


def test_vectorised_shapes_are_kept() -> None:
    image = np.zeros((4, 5, 3), dtype=np.uint8)
    assert srgb_to_oklab(image).shape == (4, 5, 3)
    assert oklab_distance(srgb_to_oklab(image), srgb_to_oklab(image)).shape == (4, 5)
    with pytest.raises(ValueError):
        srgb_to_oklab(np.zeros((4, 2), dtype=np.uint8))


def test_dark_toe_tames_near_black_without_changing_the_rest() -> None:
    black, almost = np.array([0, 0, 0], np.uint8), np.array([0, 0, 1], np.uint8)
    plain = float(oklab_distance(srgb_to_oklab(black), srgb_to_oklab(almost)))
    assert plain > 0.03  # plain OKLab: as far apart as two visibly different mid-tones
    assert float(colour_distance(black, almost)) < 0.01
    # The artist's near-black stays distinct from black.
    assert float(colour_distance(black, np.array([13, 8, 10], np.uint8))) > 0.05
    a, b = np.array([120, 80, 200], np.uint8), np.array([130, 90, 190], np.uint8)
    assert float(colour_distance(a, b)) == pytest.approx(
        float(oklab_distance(srgb_to_oklab(a), srgb_to_oklab(b))), abs=1e-6
    )


def test_cross_distances_match_brute_force() -> None:
    rng = np.random.default_rng(2)
    a = perceptual_lab(rng.integers(0, 256, (30, 3)).astype(np.uint8))
    b = perceptual_lab(rng.integers(0, 256, (20, 3)).astype(np.uint8))
    brute = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
    assert np.allclose(cross_distances(a, b), brute, atol=1e-4)


def test_unique_colours_count_like_numpy() -> None:
    rng = np.random.default_rng(3)
    image = rng.integers(0, 4, (40, 40, 3)).astype(np.uint8) * 60
    colours, counts = unique_colours(image)
    expected, expected_counts = np.unique(image.reshape(-1, 3), axis=0, return_counts=True)
    assert np.array_equal(colours, expected)
    assert np.array_equal(counts, expected_counts)
    assert count_unique_colours(image) == len(expected)
    assert np.array_equal(unpack_rgb(pack_rgb(image)), image)
    assert count_unique_colours(np.zeros((0, 3), dtype=np.uint8)) == 0
