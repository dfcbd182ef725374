"""Resize 1,000 512 px PNGs to 256: our resize job (all cores) against ImageMagick's mogrify.

    python tests/benchmarks/bench_resize.py [--count 1000] [--keep]

The images are nearest-neighbour upscales of random 24x24 pixel art, like the real
dataset. mogrify (``apt-get install imagemagick``; not a project dependency) runs on
copies of the same files with ``-resize 256x256!``. Prints both times and the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from bespoke_gui.core.dataset.resize import resize_dataset
from bespoke_gui.core.jobs import default_workers


def portrait(seed: int) -> np.ndarray:
    """24x24 art: a flat background, a face-like blob, a dozen colours."""
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, size=(12, 3), dtype=np.uint8)
    index = np.zeros((24, 24), np.int64)
    yy, xx = np.mgrid[0:24, 0:24]
    index[(yy - 13) ** 2 + (xx - 12) ** 2 < 64] = 1
    index[3:8, 5:19] = 2
    speckle = rng.random((24, 24)) < 0.25
    index[speckle] = rng.integers(3, 12, size=int(speckle.sum()))
    return palette[index]


def write_images(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)

    def write(i: int) -> None:
        img = Image.fromarray(portrait(i)).resize((512, 512), Image.Resampling.NEAREST)
        img.save(folder / f"img_{i:05d}.png")
        (folder / f"img_{i:05d}.txt").write_text(f"pixel art portrait {i}")

    with ThreadPoolExecutor(default_workers()) as pool:
        list(pool.map(write, range(count)))


def time_ours(source: Path, out: Path, filter_name: str) -> float:
    started = time.perf_counter()
    report = resize_dataset(source, 256, filter_name, out_dir=out)
    elapsed = time.perf_counter() - started
    if report.errors or len(report.written) != report.total:
        raise SystemExit(f"our resize failed: {report.errors[:3]}")
    return elapsed


def time_mogrify(source: Path, copies: Path) -> float:
    copies.mkdir()
    for png in source.glob("*.png"):
        shutil.copy2(png, copies / png.name)
    started = time.perf_counter()
    # One mogrify over every file, as the plan ran it (the shell glob expanded by us).
    subprocess.run(
        ["mogrify", "-resize", "256x256!", *sorted(str(p) for p in copies.glob("*.png"))], check=True
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if shutil.which("mogrify") is None:
        print("mogrify not found: apt-get update && apt-get install -y imagemagick", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="bench_resize_"))
    try:
        source = tmp / "images"
        started = time.perf_counter()
        write_images(source, args.count)
        print(
            f"wrote {args.count} 512 px PNGs in {time.perf_counter() - started:.1f} s; "
            f"{default_workers()} cores (os.cpu_count={os.cpu_count()})"
        )
        mogrify_s = time_mogrify(source, tmp / "mogrify")
        print(f"mogrify -resize 256x256!      : {mogrify_s:6.2f} s  ({args.count / mogrify_s:6.1f} images/s)")
        for filter_name in ("lanczos", "nearest", "pixel"):
            ours = time_ours(source, tmp / f"ours_{filter_name}", filter_name)
            print(
                f"bespoke-gui resize {filter_name:<8}   : {ours:6.2f} s  ({args.count / ours:6.1f} images/s)"
                f"  mogrify/ours = {mogrify_s / ours:.2f}x"
            )
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
