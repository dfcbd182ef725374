"""Colour maths for pixel art: sRGB <-> OKLab, perceptual distance, hex codes.

OKLab (Björn Ottosson, 2020) is a perceptual space where Euclidean distance tracks
how different two colours look, which is what "is this a near-duplicate of that
palette colour?" needs. Everything here is vectorised: arrays of shape (..., 3).

- ``srgb_to_oklab(rgb)``: uint8 (or 0..255 numbers) -> float32 OKLab (L in 0..1).
- ``oklab_to_srgb(lab)``: float OKLab -> uint8 sRGB (clipped to the gamut).
- ``oklab_distance(a, b)``: Euclidean distance in OKLab, broadcasting.
- ``colour_distance(rgb_a, rgb_b)``: the same, from sRGB, in ``perceptual_lab`` (OKLab
  with a linear toe near black, see ``srgb_to_oklab``).
- ``parse_hex("#c06148")`` -> (192, 97, 72); ``to_hex((192, 97, 72))`` -> "#c06148".

Rough scale of distances: 0.02 is about the smallest difference people notice side by
side; the shades an artist puts next to each other in a 24x24 portrait are usually
0.05 or more apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

# Just-noticeable difference in OKLab, for callers that want a named scale.
JUST_NOTICEABLE = 0.02

_M1 = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ],
    dtype=np.float64,
)
_M2 = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ],
    dtype=np.float64,
)
_M2_INV = np.linalg.inv(_M2)
_M1_INV = np.linalg.inv(_M1)


def _srgb_to_linear_table() -> np.ndarray:
    c = np.arange(256, dtype=np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


# A 256-entry table: uint8 input (the common case) never pays for the power function.
_LINEAR_TABLE = _srgb_to_linear_table().astype(np.float32)


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB 0..255 -> linear light 0..1 (float32)."""
    arr = np.asarray(rgb)
    if arr.dtype == np.uint8:
        return _LINEAR_TABLE[arr]
    c = np.clip(arr.astype(np.float64) / 255.0, 0.0, 1.0)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear light 0..1 -> sRGB uint8 (rounded, clipped)."""
    c = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    s = np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1 / 2.4) - 0.055)
    return np.clip(np.rint(s * 255.0), 0, 255).astype(np.uint8)


# A linear segment below delta**3 (CIELAB's construction, with a smaller delta than
# CIELAB's 6/29 so that the near-blacks artists do use, like #0d080a, stay apart from
# black): the cube root's slope is infinite at 0.
_TOE_DELTA = 0.12
_TOE_EDGE = _TOE_DELTA**3


def srgb_to_oklab(rgb: np.ndarray, dark_toe: bool = False) -> np.ndarray:
    """sRGB (..., 3) in 0..255 -> OKLab (..., 3) float32.

    ``dark_toe=True`` replaces the cube root below 0.0017 (in LMS, about sRGB 11/255)
    by its tangent line. Plain OKLab puts (0, 0, 1) and (0, 0, 0) 0.037 apart, more
    than two visibly different mid-tones; with the toe they are 0.003 apart (and #0d080a
    stays 0.06 from black); distances between colours that are not near black do not
    change. The perceptual
    distances here (``colour_distance``, ``perceptual_lab``) use the toe; the result is
    then for comparing colours, not for converting back.
    """
    arr = np.asarray(rgb)
    if arr.shape[-1] != 3:
        raise ValueError(f"expected (..., 3) colours, got shape {arr.shape}")
    lin = srgb_to_linear(arr).astype(np.float32)
    lms = np.maximum(lin @ _M1.T.astype(np.float32), 0.0)
    if dark_toe:
        lms = np.where(
            lms > _TOE_EDGE, np.cbrt(lms), lms / (3.0 * _TOE_DELTA**2) + 2.0 * _TOE_DELTA / 3.0
        ).astype(np.float32)
    else:
        lms = np.cbrt(lms)
    return (lms @ _M2.T.astype(np.float32)).astype(np.float32)


def perceptual_lab(rgb: np.ndarray) -> np.ndarray:
    """The space every distance in Bespoke GUI is measured in: OKLab with a dark toe."""
    return srgb_to_oklab(rgb, dark_toe=True)


def oklab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """OKLab (..., 3) -> sRGB (..., 3) uint8, clipped to the gamut."""
    arr = np.asarray(lab, dtype=np.float64)
    lms = arr @ _M2_INV.T
    lin = (lms**3) @ _M1_INV.T
    return linear_to_srgb(lin)


def oklab_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between OKLab colours; broadcasts like numpy."""
    d = np.asarray(a, dtype=np.float32) - np.asarray(b, dtype=np.float32)
    return np.sqrt(np.sum(d * d, axis=-1))


def colour_distance(rgb_a: np.ndarray, rgb_b: np.ndarray) -> np.ndarray:
    """Perceptual distance between sRGB colours (OKLab Euclidean, with the dark toe)."""
    return oklab_distance(perceptual_lab(np.asarray(rgb_a)), perceptual_lab(np.asarray(rgb_b)))


def cross_distances(lab_a: np.ndarray, lab_b: np.ndarray) -> np.ndarray:
    """(N, M) OKLab distances between the rows of (N, 3) and (M, 3) arrays.

    Uses |a|^2 + |b|^2 - 2ab (one matrix product) instead of an (N, M, 3) difference
    array: several times faster for the few hundred colours of a sample.
    """
    return np.sqrt(cross_sq_distances(lab_a, lab_b))


def cross_sq_distances(lab_a: np.ndarray, lab_b: np.ndarray) -> np.ndarray:
    """Squared OKLab distances (N, M), float32; compare with threshold**2 to skip the sqrt."""
    a = np.asarray(lab_a, dtype=np.float32).reshape(-1, 3)
    b = np.asarray(lab_b, dtype=np.float32).reshape(-1, 3)
    sq = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :]
    sq -= 2.0 * (a @ b.T)
    return np.maximum(sq, 0.0, out=sq)


_HEX_RE = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def parse_hex(text: str) -> tuple[int, int, int]:
    """ "#c06148", "c06148" or "#c64" -> (r, g, b). Raises ValueError on anything else."""
    match = _HEX_RE.match(text.strip())
    if not match:
        raise ValueError(f"not a hex colour: {text!r}")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def to_hex(rgb: Sequence[int] | np.ndarray) -> str:
    """(r, g, b) -> "#rrggbb" (lower case, as the captions write it)."""
    r, g, b = (int(v) for v in list(rgb)[:3])
    for v in (r, g, b):
        if not 0 <= v <= 255:
            raise ValueError(f"channel out of range: {v}")
    return f"#{r:02x}{g:02x}{b:02x}"


def _sorted_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # np.sort + run lengths is several times faster than np.unique on numpy 2.x for
    # packed colours (np.unique goes through a slower general path).
    if values.size == 0:
        return values, np.zeros(0, dtype=np.int64)
    s = np.sort(values, kind="stable" if values.size < 64 else None)
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    counts = np.diff(np.append(starts, s.size))
    return s[starts], counts.astype(np.int64)


def unique_colours(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct RGB colours of an (..., 3) uint8 array and how often each occurs.

    Colours come back sorted by their packed 0xRRGGBB value.
    """
    values, counts = _sorted_unique(pack_rgb(pixels).ravel())
    return unpack_rgb(values), counts


def count_unique_colours(pixels: np.ndarray) -> int:
    """How many distinct RGB colours an (..., 3) uint8 array holds."""
    return count_unique_packed(pack_rgb(pixels).ravel())


def count_unique_packed(values: np.ndarray) -> int:
    if values.size == 0:
        return 0
    s = np.sort(values.ravel())
    return int(1 + np.count_nonzero(s[1:] != s[:-1]))


def unpack_rgb(values: np.ndarray) -> np.ndarray:
    """(...) int 0xRRGGBB -> (..., 3) uint8."""
    v = np.asarray(values, dtype=np.int64)
    return np.stack([(v >> 16) & 255, (v >> 8) & 255, v & 255], axis=-1).astype(np.uint8)


def pack_rgb(pixels: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 -> (...) int32 with 0xRRGGBB, for fast equality and counting."""
    arr = np.asarray(pixels, dtype=np.uint8).astype(np.int32)
    return (arr[..., 0] << 16) | (arr[..., 1] << 8) | arr[..., 2]
