"""Measure how the real epoch-8 LoRA samples are degraded (the figures eval_real.py uses).

Run: python tests/benchmarks/measure_samples.py
Reads ../shared/realdata/bespokebaby2/epoch8_samples (13 real 512x512 outputs); prints per
image and the median over images:

- grid pitch and phase: the comb fit of core.epochs.grid.fit_grid (no per-line
  refinement): first line (phase), pitch, and where the 24th line ends;
- edge: across every grid line between two flat cells whose inner colours differ by more
  than 60 in luma, the luma profile along a row through the cells' middle third,
  normalised 0..1 between the two inner levels; 10-90 % width (px) and overshoot (how far
  the profile goes beyond 0..1 within 4 px of the line, as a share of the step);
- inner noise: standard deviation of each channel over the inner window (4 px in from
  each line) of cells with a small spread, minus the cell's median; median over cells;
- drift: the background (cells connected to the border within 24 RGB of the median border
  colour); a bilinear-plus-quadratic surface fitted to its cell medians: "smooth" is the
  standard deviation of the fitted surface, "per-cell" the standard deviation of the
  residuals (RGB units, mean over channels); "per-cell robust" the same after leaving
  out cells more than 3 robust sigma off the surface (shades drawn on purpose within 24
  of the background, which inflate the plain figure) and refitting; "neighbour corr"
  how much two side-by-side background cells' residuals agree (0: independent).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from bespoke_gui.core.epochs.grid import fit_grid

SAMPLES = (
    Path(__file__).resolve().parents[2].parent / "shared" / "realdata" / "bespokebaby2" / "epoch8_samples"
)
CELLS = 24
INSET = 4


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def measure(path: Path) -> dict[str, float]:
    rgb = np.asarray(Image.open(path).convert("RGB")).astype(np.float64)
    grid = fit_grid(rgb.astype(np.uint8), CELLS, refine=False)
    xe, ye = grid.x_edges, grid.y_edges
    medians = np.zeros((CELLS, CELLS, 3))
    noise = []
    spreads = np.zeros((CELLS, CELLS))
    for r in range(CELLS):
        for c in range(CELLS):
            y0, y1 = int(np.ceil(ye[r] + INSET)), int(np.floor(ye[r + 1] - INSET))
            x0, x1 = int(np.ceil(xe[c] + INSET)), int(np.floor(xe[c + 1] - INSET))
            y0, x0 = max(y0, 0), max(x0, 0)
            y1, x1 = min(y1, 512), min(x1, 512)
            block = rgb[y0:y1, x0:x1].reshape(-1, 3)
            if block.shape[0] < 16:
                continue
            med = np.median(block, axis=0)
            medians[r, c] = med
            spreads[r, c] = np.abs(block - med).mean()
            if spreads[r, c] < 3.0:
                noise.append((block - med).std(axis=0).mean())
    widths, overshoots = [], []
    lum = luma(rgb)
    for axis in (0, 1):
        edges = xe if axis == 0 else ye
        for k in range(1, CELLS):
            for j in range(CELLS):
                a = (j, k - 1) if axis == 0 else (k - 1, j)
                b = (j, k) if axis == 0 else (k, j)
                if spreads[a] > 3 or spreads[b] > 3:
                    continue
                la, lb = luma(medians[a]), luma(medians[b])
                if abs(lb - la) < 60:
                    continue
                across = edges[k]
                along = ye if axis == 0 else xe
                mid = np.arange(int(along[j] + 7), int(along[j + 1] - 7))
                pos = np.arange(int(across) - 8, int(across) + 9)
                if pos.min() < 0 or pos.max() >= 512 or mid.size == 0:
                    continue
                prof = lum[np.ix_(mid, pos)].mean(axis=0) if axis == 0 else lum[np.ix_(pos, mid)].mean(axis=1)
                t = (prof - la) / (lb - la)
                inside = (pos >= across - 4) & (pos <= across + 4)
                overshoots.append(max(t[inside].max() - 1.0, -t[inside].min(), 0.0))
                # 10 and 90 % crossings of the monotone envelope.
                tm = np.maximum.accumulate(np.clip(t, 0, 1))
                x10 = np.interp(0.1, tm, pos.astype(float))
                x90 = np.interp(0.9, tm, pos.astype(float))
                widths.append(x90 - x10)
    # Background drift.
    border = np.concatenate([medians[0], medians[-1], medians[1:-1, 0], medians[1:-1, -1]])
    bg = np.median(border, axis=0)
    near = np.abs(medians - bg).max(axis=2) < 24
    ys, xs = np.nonzero(near & (spreads < 6))
    smooth = per_cell = robust = correlation = float("nan")
    if ys.size > 30:
        u, v = xs / (CELLS - 1) - 0.5, ys / (CELLS - 1) - 0.5
        design = np.column_stack([np.ones_like(u), u, v, u * v, u * u, v * v])
        values = medians[ys, xs]
        coef, *_ = np.linalg.lstsq(design, values, rcond=None)
        fitted = design @ coef
        smooth = float(fitted.std(axis=0).mean())
        per_cell = float((values - fitted).std(axis=0).mean())
        # The same fit without the cells that are shades drawn on purpose (within 24 of the
        # background, but more than 3 robust sigma off the surface): refit three times.
        keep = np.ones(ys.size, dtype=bool)
        for _ in range(3):
            coef, *_ = np.linalg.lstsq(design[keep], values[keep], rcond=None)
            residual = values - design @ coef
            scale = 1.4826 * np.median(np.abs(residual[keep]), axis=0)
            keep = np.all(np.abs(residual) < 3.0 * np.maximum(scale, 0.5), axis=1)
        robust = float(residual[keep].std(axis=0).mean())
        # How much two side-by-side background cells drift together.
        lattice = np.full((CELLS, CELLS, 3), np.nan)
        lattice[ys[keep], xs[keep]] = residual[keep]
        a = np.concatenate([lattice[:, :-1].reshape(-1, 3), lattice[:-1].reshape(-1, 3)])
        b = np.concatenate([lattice[:, 1:].reshape(-1, 3), lattice[1:].reshape(-1, 3)])
        both = ~np.isnan(a).any(axis=1) & ~np.isnan(b).any(axis=1)
        if np.count_nonzero(both) > 20:
            correlation = float(np.mean([np.corrcoef(a[both, c], b[both, c])[0, 1] for c in range(3)]))
    return {
        "phase_x": grid.offset_x,
        "phase_y": grid.offset_y,
        "pitch_x": grid.pitch_x,
        "pitch_y": grid.pitch_y,
        "end_x": grid.offset_x + CELLS * grid.pitch_x,
        "edge_10_90": float(np.median(widths)) if widths else float("nan"),
        "overshoot": float(np.median(overshoots)) if overshoots else float("nan"),
        "noise": float(np.median(noise)) if noise else float("nan"),
        "drift_smooth": smooth,
        "drift_cell": per_cell,
        "drift_cell_robust": robust,
        "neighbour_corr": correlation,
        "edges_measured": float(len(widths)),
    }


def main() -> None:
    if not SAMPLES.is_dir():
        print(f"no real samples at {SAMPLES}: nothing to measure")
        return
    rows = []
    for path in sorted(SAMPLES.glob("*.png")):
        m = measure(path)
        rows.append(m)
        print(f"{path.stem:<28} " + " ".join(f"{k}={v:.2f}" for k, v in m.items()))
    keys = rows[0].keys()
    print("median over images:")
    print("  " + " ".join(f"{k}={np.nanmedian([r[k] for r in rows]):.2f}" for k in keys))
    print("max over images:")
    print("  " + " ".join(f"{k}={np.nanmax([r[k] for r in rows]):.2f}" for k in keys))


if __name__ == "__main__":
    main()
