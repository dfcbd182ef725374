"""Safe image loading and atomic saving.

Training folders hold whatever people put in them: truncated downloads, 0-byte files,
text files named ``.png``, 16-bit or paletted PNGs, and now and then an image whose
header claims billions of pixels. ``load_image`` turns every readable image into an
RGB or RGBA ``uint8`` array and refuses everything else with an :class:`ImageLoadError`
whose message a user can read. Oversized images are refused from their header, before
a single pixel is decoded. ``probe_image`` reads only the header, so a table of
thousands of images can show at once.
"""

from __future__ import annotations

import io
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

try:
    # libspng decodes a plain 8-bit PNG in about half Pillow's time (3.1 against 5.6 ms for a
    # 512 px epoch sample). Optional: there is no wheel for macOS x86_64 or Windows arm64,
    # where Pillow decodes everything.
    import pyspng
except ImportError:  # pragma: no cover - depends on the platform
    pyspng = None

from bespoke_gui.core.files import atomic_write_with, check_folder_writable, make_folder, require_folder
from bespoke_gui.core.jobs import CancelFn, ProgressFn, never_cancelled, no_progress

# 64 megapixels (8192x8192) is far beyond any training image (the datasets here are
# 0.26 MP) yet small enough that decoding never exhausts memory.
MAX_PIXELS = 64 * 1024 * 1024
# A compressed image file bigger than this is not a training image.
MAX_FILE_BYTES = 256 * 1024 * 1024

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_HEADER_BYTES = 33  # signature, IHDR length and type, 13 bytes of IHDR data, CRC

# PNG colour type -> the mode Pillow opens it as (16-bit grey is Pillow's "I;16").
_PNG_MODES = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}
_PNG_BIT_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}

_SAVE_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".webp": "WEBP",
    ".bmp": "BMP",
    ".gif": "GIF",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}


class ImageLoadError(OSError):
    """An image that cannot be used, with a message for the user (no traceback).

    It is an OSError so that the job contract's ``describe_exception`` shows just the
    message; ``path`` says which file.
    """

    def __init__(self, path: str | Path, message: str) -> None:
        super().__init__(0, message)
        self.path = Path(path)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ImageHeader:
    """What the header says, without decoding pixels."""

    path: Path
    width: int
    height: int
    mode: str  # Pillow's mode name for the stored data ("RGB", "P", "LA", "I;16", ...)
    format: str  # "PNG", "JPEG", ...
    bit_depth: int  # bits per channel sample (PNG header); 8 where the format does not say
    has_alpha: bool  # alpha channel in the header (a PNG tRNS chunk is only seen on load)
    file_size: int

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def size_text(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image: ``pixels`` is HxWx3 (RGB) or HxWx4 (RGBA) uint8."""

    path: Path
    pixels: np.ndarray
    mode: str  # the original mode, before conversion to RGB/RGBA
    format: str
    bit_depth: int
    has_alpha: bool
    file_size: int
    icc_profile: bytes | None = None
    frames: int = 1

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)


def _stat_file(path: Path) -> os.stat_result:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ImageLoadError(path, "file not found") from None
    except PermissionError:
        raise ImageLoadError(path, "cannot read: permission denied") from None
    except OSError as exc:
        raise ImageLoadError(path, f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageLoadError(path, "is a folder, not an image file")
    if st.st_size == 0:
        raise ImageLoadError(path, "empty file (0 bytes)")
    if st.st_size > MAX_FILE_BYTES:
        raise ImageLoadError(path, f"file is {st.st_size / 1e6:.0f} MB, too large for a training image")
    return st


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes (the first ``limit`` only, when given)."""
    try:
        with open(path, "rb") as handle:
            return handle.read() if limit is None else handle.read(limit)
    except PermissionError:
        raise ImageLoadError(path, "cannot read: permission denied") from None
    except OSError as exc:
        raise ImageLoadError(path, f"cannot read: {exc.strerror or exc}") from None


def png_header_fields(head: bytes) -> tuple[int, int, str, int, bool] | str:
    """(width, height, mode, bit depth, has alpha) from a PNG's first 33 bytes, or why not.

    Pure parsing, no file access: a scan of thousands of files reads the bytes itself.
    """
    if len(head) < _PNG_HEADER_BYTES:
        return "truncated PNG"
    length, chunk_type = struct.unpack(">I4s", head[8:16])
    if chunk_type != b"IHDR" or length != 13:
        return "corrupt PNG: the header chunk is missing"
    width, height, bit_depth, colour_type = struct.unpack(">IIBB", head[16:26])
    if width == 0 or height == 0:
        return f"corrupt PNG: size {width}x{height}"
    if colour_type not in _PNG_MODES or bit_depth not in _PNG_BIT_DEPTHS[colour_type]:
        return f"corrupt PNG: colour type {colour_type} with bit depth {bit_depth}"
    mode = _PNG_MODES[colour_type]
    if colour_type == 0:
        mode = {1: "1", 16: "I;16"}.get(bit_depth, "L")
    return width, height, mode, bit_depth, colour_type in (4, 6)


def _parse_png_header(path: Path, head: bytes, file_size: int) -> ImageHeader:
    fields = png_header_fields(head)
    if isinstance(fields, str):
        raise ImageLoadError(
            path, f"truncated PNG: only {file_size} bytes" if fields == "truncated PNG" else fields
        )
    width, height, mode, bit_depth, has_alpha = fields
    return ImageHeader(
        path=path,
        width=width,
        height=height,
        mode=mode,
        format="PNG",
        bit_depth=bit_depth,
        has_alpha=has_alpha,
        file_size=file_size,
    )


def _describe_unreadable(path: Path, head: bytes) -> str:
    if _looks_like_text(head[:512]):
        return "not an image: the file holds text"
    if path.suffix.lower() == ".png":
        return "not a PNG image (unknown or damaged file)"
    return "not an image file (unknown or damaged format)"


def _header_from_pillow(path: Path, data: bytes | None, file_size: int) -> ImageHeader:
    source: object = io.BytesIO(data) if data is not None else path
    try:
        with Image.open(source) as img:  # type: ignore[arg-type]
            width, height = img.size
            mode, fmt = img.mode, img.format or "?"
            has_alpha = "A" in mode or "transparency" in img.info
    except Image.DecompressionBombError:
        raise ImageLoadError(path, "image is too large (decompression bomb protection); refused") from None
    except (UnidentifiedImageError, SyntaxError, ValueError, struct.error, EOFError):
        head = data[:512] if data is not None else _read_bytes(path, 512)
        raise ImageLoadError(path, _describe_unreadable(path, head)) from None
    except PermissionError:
        raise ImageLoadError(path, "cannot read: permission denied") from None
    except OSError as exc:
        raise ImageLoadError(path, f"cannot read the header: {exc}") from None
    bit_depth = 16 if mode.startswith("I;16") else 8
    return ImageHeader(path, width, height, mode, fmt, bit_depth, has_alpha, file_size)


def _refuse_short_png(path: Path, head: bytes) -> None:
    """A .png shorter than the PNG signature: text, or the start of a cut-off file."""
    if len(head) >= len(PNG_SIGNATURE) or path.suffix.lower() != ".png":
        return
    if _looks_like_text(head):
        raise ImageLoadError(path, "not an image: the file holds text")
    raise ImageLoadError(path, f"truncated PNG: only {len(head)} bytes")


def probe_image(path: str | Path) -> ImageHeader:
    """Size, mode and format from the header only (a PNG costs one 33-byte read)."""
    path = Path(path)
    st = _stat_file(path)
    head = _read_bytes(path, _PNG_HEADER_BYTES)
    if head.startswith(PNG_SIGNATURE):
        return _parse_png_header(path, head, st.st_size)
    _refuse_short_png(path, head)
    return _header_from_pillow(path, None, st.st_size)


def pixel_limit_message(header: ImageHeader, max_pixels: int = MAX_PIXELS) -> str | None:
    """Why an image is refused for its size, or None when it is within the limit."""
    if header.pixels <= max_pixels:
        return None
    return (
        f"image claims {header.width}x{header.height} ({header.pixels / 1e6:.0f} megapixels), over the "
        f"{max_pixels / 1e6:.0f}-megapixel limit; refused without decoding (possible decompression bomb)"
    )


def _to_rgb_array(img: Image.Image) -> tuple[np.ndarray, bool]:
    """RGB or RGBA uint8 pixels from any Pillow mode, and whether alpha is kept."""
    mode = img.mode
    transparent = bool(img.has_transparency_data)
    if mode == "RGB" and not transparent:
        return np.asarray(img), False
    if mode == "RGBA":
        return np.asarray(img), True
    if mode.startswith("I;16") or mode == "I":
        # 16-bit grey: keep the high byte, as every viewer does for display.
        wide = np.asarray(img).astype(np.int64)
        grey = (np.clip(wide, 0, 65535) >> 8).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2), False
    if mode == "F":
        grey = np.clip(np.asarray(img), 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2), False
    with_alpha = transparent or "A" in mode or mode in ("RGBa", "La", "PA")
    converted = img.convert("RGBA" if with_alpha else "RGB")
    return np.asarray(converted), with_alpha


# Chunks before the pixel data that make Pillow return something libspng would not: an ICC
# profile to keep, animation frames to count, a transparent colour key.
_PILLOW_ONLY_CHUNKS = (b"iCCP", b"acTL", b"tRNS")
_PNG_INTERLACE_BYTE = 28  # the last of IHDR's 13 data bytes


def _decode_plain_png(data: bytes, header: ImageHeader) -> np.ndarray | None:
    """libspng's decode of an 8-bit RGB or RGBA PNG, or None where Pillow must decode.

    Pillow also decodes whatever libspng refuses, so a damaged file gets Pillow's
    message and every outcome but the speed stays as Pillow's.
    """
    if pyspng is None or header.bit_depth != 8 or header.mode not in ("RGB", "RGBA"):
        return None
    if data[_PNG_INTERLACE_BYTE] != 0:
        return None  # Adam7 interlacing: rare in training data, and Pillow's tested path
    pos = len(PNG_SIGNATURE)
    while True:
        if pos + 8 > len(data):
            return None
        length, kind = struct.unpack_from(">I4s", data, pos)
        if kind == b"IDAT":
            break
        if kind in _PILLOW_ONLY_CHUNKS:
            return None
        pos += 12 + length
    try:
        pixels = pyspng.load(data)
    except (RuntimeError, ValueError, MemoryError):
        return None
    channels = 4 if header.mode == "RGBA" else 3
    if pixels.dtype != np.uint8 or pixels.shape != (header.height, header.width, channels):
        return None
    return np.ascontiguousarray(pixels)


def load_image(path: str | Path, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Decode ``path`` into RGB/RGBA uint8, or raise :class:`ImageLoadError`.

    The header is checked first: an image over ``max_pixels`` is refused without
    decoding. A truncated or corrupt file is refused (never padded with grey).
    """
    path = Path(path)
    _stat_file(path)
    return decode_image(_read_bytes(path), path, max_pixels)


def decode_image(data: bytes, path: str | Path, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Decode an image file's bytes (``path`` names it in messages) like ``load_image``."""
    path = Path(path)
    if not data:
        raise ImageLoadError(path, "empty file (0 bytes)")
    file_size = len(data)
    if data.startswith(PNG_SIGNATURE):
        header = _parse_png_header(path, data[:_PNG_HEADER_BYTES], file_size)
    else:
        _refuse_short_png(path, data)
        header = _header_from_pillow(path, data, file_size)
    refusal = pixel_limit_message(header, max_pixels)
    if refusal:
        raise ImageLoadError(path, refusal)
    plain = _decode_plain_png(data, header) if header.format == "PNG" else None
    if plain is not None:
        return LoadedImage(
            path=path,
            pixels=plain,
            mode=header.mode,
            format=header.format,
            bit_depth=header.bit_depth,
            has_alpha=header.mode == "RGBA",
            file_size=file_size,
        )
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            icc = img.info.get("icc_profile")
            frames = int(getattr(img, "n_frames", 1) or 1)
            original_mode = img.mode
            pixels, has_alpha = _to_rgb_array(img)
    except Image.DecompressionBombError:
        raise ImageLoadError(path, pixel_limit_message(header, 0) or "image too large") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, MemoryError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, UnidentifiedImageError):
            raise ImageLoadError(path, _describe_unreadable(path, data[:512])) from None
        raise ImageLoadError(path, f"corrupt or truncated image ({detail})") from None
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    if not pixels.flags.writeable:
        pixels = pixels.copy()
    return LoadedImage(
        path=path,
        pixels=pixels,
        mode=original_mode,
        format=header.format,
        bit_depth=header.bit_depth,
        has_alpha=has_alpha,
        file_size=file_size,
        icc_profile=icc if isinstance(icc, bytes) else None,
        frames=frames,
    )


def ensure_writable_folder(folder: str | Path, create: bool = True) -> Path:
    """Make sure ``folder`` exists (when ``create``) and is writable, or raise PermissionError.

    The mode bits are checked as well as ``os.access`` because root may write anywhere,
    yet a folder the user made read-only should be respected.
    """
    folder = Path(folder)
    if create:
        make_folder(folder)
    require_folder(folder)
    check_folder_writable(folder)
    return folder


def _as_pillow_image(image: np.ndarray | Image.Image) -> Image.Image:
    if isinstance(image, Image.Image):
        return image
    array = np.ascontiguousarray(image)
    if array.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {array.dtype}")
    if array.ndim == 2:
        return Image.fromarray(array, "L")
    channels = array.shape[2]
    if channels == 3:
        return Image.fromarray(array, "RGB")
    if channels == 4:
        return Image.fromarray(array, "RGBA")
    raise ValueError(f"expected 1, 3 or 4 channels, got {channels}")


def save_image_atomic(
    path: str | Path,
    image: np.ndarray | Image.Image,
    icc_profile: bytes | None = None,
    compress_level: int = 6,
) -> None:
    """Save in the format the file name says, atomically (old or new file, never half)."""
    path = Path(path)
    fmt = _SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot save {path.suffix or 'files without an extension'} images")
    _save_atomic(path, image, fmt, icc_profile, compress_level)


def save_png_atomic(
    path: str | Path,
    image: np.ndarray | Image.Image,
    icc_profile: bytes | None = None,
    compress_level: int = 6,
) -> None:
    """Save a PNG atomically through ``core.files`` (a read-only target is refused)."""
    _save_atomic(Path(path), image, "PNG", icc_profile, compress_level)


def _save_atomic(
    path: Path, image: np.ndarray | Image.Image, fmt: str, icc_profile: bytes | None, compress_level: int
) -> None:
    img = _as_pillow_image(image)
    options: dict[str, object] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if fmt == "PNG":
        options["compress_level"] = compress_level
    elif fmt in ("JPEG", "WEBP"):
        options["quality"] = 95
        if fmt == "JPEG" and img.mode == "RGBA":
            img = img.convert("RGB")
    atomic_write_with(path, lambda handle: img.save(handle, format=fmt, **options))


def load_thumbnails(
    paths: list[Path],
    size: int,
    progress: ProgressFn = no_progress,
    cancelled: CancelFn = never_cancelled,
) -> dict[Path, np.ndarray]:
    """Nearest-neighbour thumbnails (a job: runs off the GUI thread)."""
    out: dict[Path, np.ndarray] = {}
    for index, path in enumerate(paths):
        if cancelled():
            break
        try:
            with Image.open(path) as img:
                img.draft("RGB", (size * 2, size * 2))
                rgb = img.convert("RGB")
                rgb.thumbnail((size, size), Image.Resampling.NEAREST)
                out[path] = np.asarray(rgb).copy()
        except (OSError, ValueError, Image.DecompressionBombError):
            continue  # the list shows no thumbnail; the Dataset tab reports broken images
        progress(index + 1, len(paths), path.name)
    return out
