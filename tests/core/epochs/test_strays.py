"""The one stray decision: each reason, and what it keeps."""

from __future__ import annotations

import numpy as np
import pytest

from bespoke_gui.core.epochs.strays import (
    BACKGROUND_SPECK,
    DARK_SPECK,
    KEPT_DARKER,
    KEPT_PAIRED,
    KEPT_SHADE,
    LIGHTER_DOT,
    NEAR_DUPLICATE,
    ODD_COLOUR,
    STRAY_AT,
    find_strays,
)

BG = (40, 90, 160)
SKIN = (220, 170, 130)
HAIR = (60, 30, 20)


def portrait() -> np.ndarray:
    """24x24: flat background, a skin block (face) with a hair band on top."""
    art = np.zeros((24, 24, 3), dtype=np.uint8)
    art[:] = BG
    art[6:20, 6:18] = SKIN
    art[6:9, 6:18] = HAIR
    return art


def test_clean_art_has_no_strays() -> None:
    report = find_strays(portrait())
    assert report.count == 0
    assert not report.mask.any()
    assert report.background == BG


def test_background_speck() -> None:
    art = portrait()
    art[2, 3] = SKIN  # a palette colour where it does not belong
    report = find_strays(art)
    assert [(s.x, s.y, s.reason) for s in report.strays] == [(3, 2, BACKGROUND_SPECK)]
    assert report.confidence[2, 3] >= STRAY_AT
    assert report.describe(3, 2).startswith("stray (")
    assert report.by_reason() == {BACKGROUND_SPECK: 1}


def test_near_duplicate_shade_in_the_face() -> None:
    art = portrait()
    art[14, 10] = (236, 180, 140)  # ~20 off the skin
    report = find_strays(art)
    assert [(s.x, s.y, s.reason) for s in report.strays] == [(10, 14, NEAR_DUPLICATE)]


def test_lighter_dot_is_stray_darker_dot_is_kept() -> None:
    art = portrait()
    art[12, 9] = (250, 250, 250)  # lighter than skin, far from it
    art[12, 14] = HAIR  # darker: an eye
    report = find_strays(art)
    assert report.mask[12, 9] and report.reason[12, 9] == LIGHTER_DOT
    assert not report.mask[12, 14] and report.reason[12, 14] == KEPT_DARKER
    assert report.confidence[12, 14] < STRAY_AT
    assert "darker dot" in report.describe(14, 12)


def test_dark_speck_is_a_darker_colour_on_no_other_cell() -> None:
    art = portrait()
    art[14, 9] = (90, 55, 40)  # darker than skin, near the hair colour, on no other cell
    report = find_strays(art)
    assert [(s.x, s.y, s.reason) for s in report.strays] == [(9, 14, DARK_SPECK)]
    assert report.confidence[14, 9] >= STRAY_AT
    # The same colour elsewhere too (a pupil in another row): a feature colour, kept.
    art[11, 12] = (90, 55, 40)
    report = find_strays(art)
    assert not report.mask[14, 9] and report.reason[14, 9] == KEPT_DARKER


def test_odd_colour_and_what_it_keeps() -> None:
    art = portrait()
    # Where hair meets skin (not one flat region): a colour used once, far from all others.
    art[9, 8] = (120, 200, 60)
    report = find_strays(art)
    assert report.mask[9, 8] and report.reason[9, 8] == ODD_COLOUR
    # The same colour twice in one row is a pair (two earrings): kept.
    art[9, 14] = (120, 200, 60)
    report = find_strays(art)
    assert not report.mask[9, 8] and report.reason[9, 8] == KEPT_PAIRED
    # A one-off shade close to a palette colour where regions meet is shading: kept.
    art = portrait()
    art[9, 8] = (200, 150, 115)
    report = find_strays(art)
    assert not report.mask[9, 8]


def test_a_shade_closer_than_the_minimum_is_drawn_on_purpose() -> None:
    art = portrait()
    art[14, 10] = (224, 173, 133)  # 5 off the skin: the artist's shade (lossless path)
    report = find_strays(art)
    assert not report.mask[14, 10] and report.reason[14, 10] == KEPT_SHADE


def test_an_odd_colour_darker_than_its_flat_region_is_stray() -> None:
    art = portrait()
    art[15, 12] = (20, 120, 40)  # dark green, used nowhere else, inside the skin
    report = find_strays(art)
    assert report.mask[15, 12] and report.reason[15, 12] == ODD_COLOUR


def test_given_background_overrides_the_border_guess() -> None:
    art = portrait()
    art[2, 3] = SKIN
    report = find_strays(art, background=SKIN)
    assert report.background == SKIN
    assert report.reason[2, 3] != BACKGROUND_SPECK


def test_rejects_non_images() -> None:
    with pytest.raises(ValueError):
        find_strays(np.zeros((4, 4), dtype=np.float32))


def test_a_region_of_two_close_shades_is_still_flat() -> None:
    art = portrait()
    art[12:20, 12:18] = (225, 173, 133)  # the lower right of the face 6 off the skin
    art[14, 12] = (238, 182, 142)  # 18-25 off: on the seam of the two shades
    art[11, 13] = (20, 120, 40)  # an odd colour next to both shades
    report = find_strays(art)
    assert report.mask[14, 12] and report.reason[14, 12] == NEAR_DUPLICATE
    assert report.mask[11, 13]
    # Neither shade of the face is a stray where they meet.
    assert report.count == 2


def test_a_background_cell_a_few_levels_off_is_a_shade_not_a_speck() -> None:
    art = portrait()
    art[0, 0] = (44, 93, 163)  # 6 off the background, in the corner
    art[3, 3] = (52, 100, 170)  # 18 off: a speck
    report = find_strays(art)
    assert not report.mask[0, 0] and report.reason[0, 0] == KEPT_SHADE
    assert report.mask[3, 3] and report.reason[3, 3] == BACKGROUND_SPECK
