"""Safe image loading: every mode becomes RGB/RGBA uint8, every bad file a clear ImageLoadError."""

from __future__ import annotations

import errno
import os
import platform
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bespoke_gui.core import imageio
from bespoke_gui.core.files import TEMP_PREFIX
from bespoke_gui.core.imageio import (
    MAX_PIXELS,
    ImageLoadError,
    ensure_writable_folder,
    load_image,
    probe_image,
    save_image_atomic,
    save_png_atomic,
)
from bespoke_gui.core.jobs import describe_exception


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def write_raw_png(
    path: Path,
    width: int,
    height: int,
    bit_depth: int,
    colour_type: int,
    rows: bytes | None,
    idat: bytes | None = None,
) -> Path:
    """A PNG written byte by byte (Pillow cannot write 16-bit RGB, and bombs need a lying header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    data = idat if idat is not None else zlib.compress(rows or b"")
    path.write_bytes(
        imageio.PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")
    )
    return path


def art(seed: int = 0, cells: int = 24, colours: int = 8) -> np.ndarray:
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, size=(colours, 3), dtype=np.uint8)
    return palette[rng.integers(0, colours, size=(cells, cells))]


def test_rgb_png_loads_as_rgb_uint8(tmp_path: Path) -> None:
    pixels = art(1)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    loaded = load_image(tmp_path / "a.png")
    assert loaded.pixels.dtype == np.uint8 and loaded.pixels.shape == (24, 24, 3)
    assert np.array_equal(loaded.pixels, pixels)
    assert (loaded.mode, loaded.format, loaded.bit_depth, loaded.has_alpha) == ("RGB", "PNG", 8, False)
    assert loaded.size == (24, 24)
    assert loaded.pixels.flags.writeable


def test_rgba_keeps_alpha(tmp_path: Path) -> None:
    rgba = np.dstack([art(2), np.full((24, 24), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    loaded = load_image(tmp_path / "a.png")
    assert loaded.has_alpha and loaded.pixels.shape == (24, 24, 4)
    assert np.array_equal(loaded.pixels, rgba)


def test_palette_without_and_with_transparency(tmp_path: Path) -> None:
    pixels = art(3, colours=5)
    paletted = Image.fromarray(pixels).quantize(colors=5)
    paletted.save(tmp_path / "p.png")
    loaded = load_image(tmp_path / "p.png")
    assert loaded.mode == "P" and not loaded.has_alpha and loaded.pixels.shape[2] == 3
    assert np.array_equal(loaded.pixels, np.asarray(paletted.convert("RGB")))
    paletted.save(tmp_path / "pt.png", transparency=0)
    loaded_t = load_image(tmp_path / "pt.png")
    assert loaded_t.has_alpha and loaded_t.pixels.shape[2] == 4
    assert set(np.unique(loaded_t.pixels[:, :, 3]).tolist()) <= {0, 255}
    assert (loaded_t.pixels[:, :, 3] == 0).any()


def test_grey_with_alpha_and_one_bit(tmp_path: Path) -> None:
    grey = np.arange(24 * 24, dtype=np.uint8).reshape(24, 24)
    Image.fromarray(np.dstack([grey, np.full_like(grey, 200)]), "LA").save(tmp_path / "la.png")
    loaded = load_image(tmp_path / "la.png")
    assert loaded.mode == "LA" and loaded.has_alpha
    assert np.array_equal(loaded.pixels[:, :, 0], grey) and np.array_equal(loaded.pixels[:, :, 2], grey)
    assert (loaded.pixels[:, :, 3] == 200).all()
    Image.fromarray(grey > 100).save(tmp_path / "bw.png")
    bw = load_image(tmp_path / "bw.png")
    assert bw.mode == "1" and bw.pixels.shape == (24, 24, 3)
    assert set(np.unique(bw.pixels).tolist()) == {0, 255}


def test_sixteen_bit_grey_and_rgb_keep_the_high_byte(tmp_path: Path) -> None:
    values = (np.arange(16, dtype=np.uint16) * 4097).reshape(4, 4)  # 0 .. 61455
    rows = b"".join(b"\x00" + values[y].astype(">u2").tobytes() for y in range(4))
    write_raw_png(tmp_path / "g16.png", 4, 4, 16, 0, rows)
    header = probe_image(tmp_path / "g16.png")
    assert (header.mode, header.bit_depth) == ("I;16", 16)
    loaded = load_image(tmp_path / "g16.png")
    assert loaded.bit_depth == 16 and loaded.pixels.shape == (4, 4, 3)
    assert np.array_equal(loaded.pixels[:, :, 1], (values >> 8).astype(np.uint8))

    rgb16 = np.stack([values, values[::-1], np.full_like(values, 0x1234)], axis=2)
    rows = b"".join(b"\x00" + rgb16[y].astype(">u2").tobytes() for y in range(4))
    write_raw_png(tmp_path / "rgb16.png", 4, 4, 16, 2, rows)
    loaded = load_image(tmp_path / "rgb16.png")
    assert loaded.bit_depth == 16 and loaded.mode == "RGB"
    assert np.array_equal(loaded.pixels, (rgb16 >> 8).astype(np.uint8))


def test_probe_reads_the_header_only(tmp_path: Path) -> None:
    Image.fromarray(art(4)).resize((512, 512), Image.Resampling.NEAREST).save(tmp_path / "big.png")
    data = (tmp_path / "big.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 3])
    header = probe_image(tmp_path / "cut.png")  # the pixels are gone, the header is not
    assert (header.width, header.height, header.mode, header.format) == (512, 512, "RGB", "PNG")
    assert header.file_size == len(data) // 3
    Image.fromarray(art(5)).save(tmp_path / "x.jpg", quality=90)
    jpeg = probe_image(tmp_path / "x.jpg")
    assert (jpeg.format, jpeg.size_text) == ("JPEG", "24x24")


def test_truncated_png_is_refused_not_padded(tmp_path: Path) -> None:
    Image.fromarray(art(6)).resize((512, 512), Image.Resampling.NEAREST).save(tmp_path / "a.png")
    data = (tmp_path / "a.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageLoadError, match="corrupt or truncated"):
        load_image(tmp_path / "cut.png")
    (tmp_path / "tiny.png").write_bytes(data[:20])
    with pytest.raises(ImageLoadError, match="truncated PNG"):
        load_image(tmp_path / "tiny.png")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty file (0 bytes)"),
        (b"a cat sitting on a chair, pixel art\n", "holds text"),
        (bytes(range(200, 256)) * 10, "not a PNG image"),
    ],
)
def test_bad_files_get_one_clear_line(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    for reader in (load_image, probe_image):
        with pytest.raises(ImageLoadError) as caught:
            reader(path)
        assert expected in str(caught.value)
        assert caught.value.path == path
        # The job contract shows just the message, no class name or traceback.
        assert describe_exception(caught.value) == str(caught.value)
        assert "\n" not in str(caught.value)


def test_missing_folder_and_unreadable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImageLoadError, match="file not found"):
        load_image(tmp_path / "nope.png")
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(ImageLoadError, match="is a folder"):
        load_image(tmp_path / "dir.png")
    Image.fromarray(art(7)).save(tmp_path / "locked.png")

    # Tests run as root, where chmod 000 does not stop reading: simulate the refusal the OS gives a user.
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(imageio, "open", refuse, raising=False)
    with pytest.raises(ImageLoadError, match="permission denied"):
        load_image(tmp_path / "locked.png")
    with pytest.raises(ImageLoadError, match="permission denied"):
        probe_image(tmp_path / "locked.png")


def test_png_bomb_is_refused_from_its_header_without_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_raw_png(tmp_path / "bomb.png", 30000, 30000, 8, 2, None, idat=zlib.compress(b"\x00" * 1000))
    header = probe_image(path)
    assert header.pixels == 900_000_000 and header.pixels > MAX_PIXELS
    assert imageio.pixel_limit_message(header) is not None

    def never_decode(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a bomb must not reach the decoder")

    monkeypatch.setattr(Image, "open", never_decode)
    with pytest.raises(ImageLoadError) as caught:
        load_image(path)
    message = str(caught.value)
    assert "30000x30000" in message and "megapixel limit" in message and "refused" in message


def test_bomb_in_another_format_is_refused(tmp_path: Path) -> None:
    # A BMP header claiming 20000x20000 (400 MP): Pillow's own guard fires at open.
    width = height = 20000
    row = ((width * 3 + 3) // 4) * 4
    header = b"BM" + struct.pack("<IHHI", 54 + row * height, 0, 0, 54)
    header += struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, row * height, 2835, 2835, 0, 0)
    (tmp_path / "bomb.bmp").write_bytes(header + b"\x00" * 64)
    with pytest.raises(ImageLoadError, match="too large|megapixel"):
        load_image(tmp_path / "bomb.bmp")


def test_a_smaller_limit_applies(tmp_path: Path) -> None:
    Image.fromarray(art(8)).resize((100, 100), Image.Resampling.NEAREST).save(tmp_path / "a.png")
    with pytest.raises(ImageLoadError, match="100x100"):
        load_image(tmp_path / "a.png", max_pixels=5000)
    assert load_image(tmp_path / "a.png", max_pixels=10000).size == (100, 100)


def test_jpeg_named_png_still_loads_and_says_what_it_is(tmp_path: Path) -> None:
    Image.fromarray(art(9)).save(tmp_path / "really_a_jpeg.png", format="JPEG", quality=95)
    loaded = load_image(tmp_path / "really_a_jpeg.png")
    assert loaded.format == "JPEG" and loaded.pixels.shape == (24, 24, 3)


def test_icc_profile_is_kept_and_saved_again(tmp_path: Path) -> None:
    profile = b"\x00\x00\x02\x30fake-icc-profile-bytes" + bytes(500)
    Image.fromarray(art(10)).save(tmp_path / "icc.png", icc_profile=profile)
    loaded = load_image(tmp_path / "icc.png")
    assert loaded.icc_profile == profile
    save_png_atomic(tmp_path / "copy.png", loaded.pixels, icc_profile=loaded.icc_profile)
    with Image.open(tmp_path / "copy.png") as again:
        assert again.info.get("icc_profile") == profile


def test_names_with_spaces_and_non_ascii_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "pörträt nº 1 ☺ 猫.png"
    pixels = np.dstack([art(11), np.full((24, 24), 255, np.uint8)])
    save_png_atomic(path, pixels)
    assert np.array_equal(load_image(path).pixels, pixels)
    assert probe_image(path).size_text == "24x24"


def test_save_refuses_a_read_only_file_and_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "keep.png"
    Image.fromarray(art(12)).save(path)
    before = path.read_bytes()
    os.chmod(path, 0o444)
    try:
        with pytest.raises(PermissionError):
            save_png_atomic(path, art(13))
        assert path.read_bytes() == before
    finally:
        os.chmod(path, 0o644)


def test_full_disk_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.png"
    Image.fromarray(art(14)).save(path)
    before = path.read_bytes()
    real_save = Image.Image.save

    def save_then_fill_disk(self: Image.Image, fp: object, *args: object, **kwargs: object) -> None:
        real_save(self, fp, *args, **kwargs)  # bytes reach the temporary file...
        raise OSError(errno.ENOSPC, "No space left on device")  # ...then the disk is full

    monkeypatch.setattr(Image.Image, "save", save_then_fill_disk)
    with pytest.raises(OSError) as caught:
        save_png_atomic(path, art(15))
    assert caught.value.errno == errno.ENOSPC
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]
    with pytest.raises(OSError):
        save_image_atomic(tmp_path / "new.jpg", art(15))
    assert not (tmp_path / "new.jpg").exists()


def test_save_image_atomic_picks_the_format_from_the_name(tmp_path: Path) -> None:
    rgba = np.dstack([art(16), np.full((24, 24), 255, np.uint8)])
    save_image_atomic(tmp_path / "a.jpg", rgba)  # JPEG has no alpha: dropped, not an error
    with Image.open(tmp_path / "a.jpg") as img:
        assert img.format == "JPEG" and img.mode == "RGB"
    save_image_atomic(tmp_path / "b.png", art(16))
    assert probe_image(tmp_path / "b.png").format == "PNG"
    with pytest.raises(ValueError, match=".xyz"):
        save_image_atomic(tmp_path / "c.xyz", art(16))


def test_read_only_folder_is_detected_even_for_root(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    assert ensure_writable_folder(folder) == folder and folder.is_dir()
    os.chmod(folder, 0o555)
    try:
        with pytest.raises(PermissionError, match="read-only"):
            ensure_writable_folder(folder)
    finally:
        os.chmod(folder, 0o755)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError):
        ensure_writable_folder(tmp_path / "file", create=False)


# Where pyspng has wheels, and so is a dependency (pyproject.toml's marker).
PYSPNG_PLATFORMS = {("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "arm64"), ("win32", "AMD64")}


def _count_fast_decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count calls to libspng's decoder (it must be installed where it is a dependency)."""
    if (sys.platform, platform.machine()) not in PYSPNG_PLATFORMS:
        pytest.skip("pyspng has no wheel for this platform: Pillow decodes every PNG")
    assert imageio.pyspng is not None, "pyspng is a dependency on this platform"
    calls: list[int] = []
    real_load = imageio.pyspng.load

    def counting_load(data: bytes) -> np.ndarray:
        calls.append(len(data))
        return real_load(data)

    monkeypatch.setattr(imageio.pyspng, "load", counting_load)
    return calls


def test_plain_png_is_decoded_by_libspng_exactly_as_pillow_decodes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_fast_decodes(monkeypatch)
    rgb = Image.fromarray(art(11)).resize((512, 512), Image.Resampling.NEAREST)
    noisy = np.asarray(rgb).astype(np.int16) + np.random.default_rng(3).integers(-3, 4, (512, 512, 3))
    cases = {
        "rgb.png": Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)),
        "rgba.png": Image.fromarray(
            np.dstack([art(12), np.arange(576, dtype=np.uint16).reshape(24, 24) % 256]).astype(np.uint8),
            "RGBA",
        ),
    }
    for name, image in cases.items():
        image.save(tmp_path / name, compress_level=9 if name == "rgb.png" else 1)
        loaded = load_image(tmp_path / name)
        assert np.array_equal(loaded.pixels, np.asarray(image)), name
        assert loaded.pixels.flags.writeable and loaded.pixels.flags.c_contiguous
        assert (loaded.mode, loaded.has_alpha, loaded.frames, loaded.icc_profile) == (
            image.mode,
            image.mode == "RGBA",
            1,
            None,
        )
    assert len(calls) == 2


def test_pngs_libspng_would_read_differently_go_to_pillow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_fast_decodes(monkeypatch)
    pixels = art(13)
    # An ICC profile to keep, a transparent colour key, and an animation's frame count.
    Image.fromarray(pixels).save(tmp_path / "icc.png", icc_profile=b"profile bytes")
    Image.fromarray(pixels).save(tmp_path / "key.png", transparency=tuple(int(v) for v in pixels[0, 0]))
    frames = [Image.fromarray(art(14)), Image.fromarray(art(15))]
    frames[0].save(tmp_path / "anim.png", save_all=True, append_images=frames[1:])
    assert load_image(tmp_path / "icc.png").icc_profile == b"profile bytes"
    keyed = load_image(tmp_path / "key.png")
    assert keyed.has_alpha and keyed.pixels[0, 0, 3] == 0
    assert load_image(tmp_path / "anim.png").frames == 2
    # Adam7 interlaced (one pixel: pass 1 holds it, stored like a plain row).
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 1)
    (tmp_path / "interlaced.png").write_bytes(
        imageio.PNG_SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\x00\x0a\x14\x1e"))
        + _chunk(b"IEND", b"")
    )
    assert load_image(tmp_path / "interlaced.png").pixels.tolist() == [[[10, 20, 30]]]
    assert calls == []


def test_a_damaged_png_libspng_refuses_gets_pillows_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_fast_decodes(monkeypatch)
    Image.fromarray(art(16)).resize((512, 512), Image.Resampling.NEAREST).save(tmp_path / "a.png")
    data = (tmp_path / "a.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) * 2 // 3])  # the header is whole
    with pytest.raises(ImageLoadError) as caught:
        load_image(tmp_path / "cut.png")
    assert str(caught.value).startswith("corrupt or truncated image")
    assert len(calls) == 1
