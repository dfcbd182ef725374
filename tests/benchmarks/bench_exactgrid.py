"""How fast find_exact_grid is on 512 px images (target: well under 10 ms each).

Run: python tests/benchmarks/bench_exactgrid.py
Times generated 24x24 art upscaled to 512 (RGB and RGBA), a Lanczos upscale and noise
(the "no grid" paths), and the real training images when ../shared/realdata is present.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

from bespoke_gui.core.exactgrid import find_exact_grid, upscale_blocks

REALDATA = (
    Path(__file__).resolve().parents[2].parent / "shared" / "realdata" / "bespokebaby2" / "training_data_512"
)


def time_ms(pixels: np.ndarray, repeats: int = 30) -> list[float]:
    find_exact_grid(pixels)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        find_exact_grid(pixels)
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    print(
        f"{name:<34} median {statistics.median(times):6.2f} ms   max {max(times):6.2f} ms   (n={len(times)})"
    )


def main() -> None:
    rng = np.random.default_rng(0)
    palette = rng.integers(0, 256, size=(12, 3), dtype=np.uint8)
    art = palette[rng.integers(0, 12, size=(24, 24))]
    rgb = np.asarray(Image.fromarray(art).resize((512, 512), Image.Resampling.NEAREST))
    rgba = np.concatenate([rgb, np.full((512, 512, 1), 255, dtype=np.uint8)], axis=2)
    blocks_256 = upscale_blocks(art, 256, 256)
    lanczos = np.asarray(Image.fromarray(art).resize((512, 512), Image.Resampling.LANCZOS))
    noise = rng.integers(0, 256, size=(512, 512, 3), dtype=np.uint8)
    flat = np.zeros((512, 512, 3), dtype=np.uint8)

    print("find_exact_grid, one call per image (target: well under 10 ms at 512 px)")
    report("512 RGB nearest upscale of 24x24", time_ms(rgb))
    report("512 RGBA nearest upscale of 24x24", time_ms(rgba))
    report("256 RGB upscale_blocks of 24x24", time_ms(blocks_256))
    report("512 Lanczos upscale (no grid)", time_ms(lanczos))
    report("512 noise (no grid)", time_ms(noise))
    report("512 flat (1x1 grid)", time_ms(flat))

    if REALDATA.is_dir():
        paths = sorted(REALDATA.glob("*.png"))
        images = []
        for path in paths:
            with Image.open(path) as image:
                images.append(np.asarray(image))
        per_image = []
        found = 0
        for pixels in images:
            start = time.perf_counter()
            grid = find_exact_grid(pixels)
            per_image.append((time.perf_counter() - start) * 1000)
            found += grid is not None
        report(f"real training images ({found}/{len(images)} exact)", per_image)
    else:
        print("real data absent: skipped the real training images")


if __name__ == "__main__":
    main()
