"""How often each pipeline recovers known 24x24 art from a 512 px render of it.

Ground truth the honest way: portraits drawn by ``core.portraits`` (24x24), upscaled to
512 with Pillow-identical nearest neighbour (21.33-px cells), then degraded like
diffusion output by ``core.degrade`` (grid offset and scale, uneven cells, blur, noise,
colour drift, near-duplicate shades, stray cells), then recovered by each pipeline.

Columns, per pipeline and strength (share of images):
- exact: every recovered pixel equals the art (the stray cells as drawn: they are in the
  image) -- only reachable without colour drift, i.e. at strength 0;
- structure: the recovered colour partition equals the art's (same cells share a colour
  exactly when they do in the art): the palette the artist meant, up to the drift;
- cells: mean share of cells whose colour maps to the right art colour;
- strays found: share of the planted stray cells listed as stray pixels by metrics
  (grid only), and how many other pixels were listed per image.

Run: python tests/benchmarks/eval_recovery.py [--images 40]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bespoke_gui.core.colour import pack_rgb
from bespoke_gui.core.demo.degrade import degrade_like_diffusion, upscale_nearest
from bespoke_gui.core.demo.portraits import draw_portrait
from bespoke_gui.core.epochs.metrics import measure_image
from bespoke_gui.core.epochs.pixelgrid import downscale

STRENGTHS = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0)
METHODS = ("grid", "two-stage", "nearest")


def truth_of(result) -> np.ndarray:
    """The art as drawn into the image: the source with the stray cells' colours."""
    truth = result.source.copy()
    for x, y in result.stray_cells:
        truth[y, x] = result.cells[y, x]
    return truth


def partition_scores(truth: np.ndarray, got: np.ndarray) -> tuple[bool, float]:
    """(same partition?, share of cells whose recovered colour maps to their true colour)."""
    t = np.unique(pack_rgb(truth).ravel(), return_inverse=True)[1]
    g = np.unique(pack_rgb(got).ravel(), return_inverse=True)[1]
    pairs = t.astype(np.int64) * (g.max() + 1) + g
    unique_pairs = np.unique(pairs)
    same = unique_pairs.size == np.unique(t).size == np.unique(g).size
    # Map each recovered colour to the true colour most of its cells have.
    correct = 0
    for label in np.unique(g):
        counts = np.bincount(t[g == label])
        correct += int(counts.max())
    # A true colour split over several recovered labels is still "right" per cell, so
    # also require the reverse mapping to agree.
    reverse = 0
    for label in np.unique(t):
        counts = np.bincount(g[t == label])
        reverse += int(counts.max())
    return bool(same), min(correct, reverse) / t.size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=40)
    args = parser.parse_args()
    print(f"{args.images} portraits per strength, 24x24 art rendered at 512 px\n")
    header = f"{'strength':>8}  {'method':<10} {'exact':>6} {'structure':>9} {'cells':>7}  {'strays found':>12} {'other strays':>12} {'ms/img':>7}"
    print(header)
    print("-" * len(header))
    for strength in STRENGTHS:
        for method in METHODS:
            exact = structure = 0
            cells = []
            found = planted = other = 0
            seconds = 0.0
            for index in range(args.images):
                portrait = draw_portrait(1000 + index)
                art = portrait.pixels[:, :, :3]
                if strength == 0:
                    degraded = degrade_like_diffusion(upscale_nearest(art, 512), 0.0, seed=index)
                else:
                    degraded = degrade_like_diffusion(art, strength, seed=index)
                truth = truth_of(degraded)
                started = time.perf_counter()
                recovery = downscale(degraded.image, 24, method)
                seconds += time.perf_counter() - started
                exact += int(np.array_equal(recovery.pixels, truth))
                same, share = partition_scores(truth, recovery.pixels)
                structure += int(same)
                cells.append(share)
                if method == "grid":
                    metrics = measure_image(degraded.image, recovery)
                    listed = set(metrics.stray_pixels)
                    planted_here = set(degraded.stray_cells) if strength > 0 else set()
                    found += len(listed & planted_here)
                    planted += len(planted_here)
                    other += len(listed - planted_here)
            n = args.images
            strays = (
                f"{found}/{planted}" if method == "grid" and planted else ("-" if method != "grid" else "0/0")
            )
            others = f"{other / n:.1f}" if method == "grid" else "-"
            print(
                f"{strength:>8.2f}  {method:<10} {exact / n:>6.0%} {structure / n:>9.0%} {np.mean(cells):>7.1%}  "
                f"{strays:>12} {others:>12} {seconds / n * 1e3:>7.2f}"
            )
        print()


if __name__ == "__main__":
    main()
