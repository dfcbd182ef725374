"""Epoch commands: ``downscale``, ``analyze`` and ``report`` for sample images.

- ``bespoke-gui downscale IN... --out DIR [--cells 24] [--method grid|two-stage|nearest]``
  writes one cells x cells PNG per input image under the same file name (a non-PNG
  input keeps its stem and gets ``.png``: the art must stay lossless). ``--cleaned``: also
  ``NAME_cleaned.png`` (strays replaced by their neighbourhood's majority colour) and both
  upscaled by ``--upscale`` (default 20) under ``xN/``.
- ``bespoke-gui analyze PATH... [--json]`` prints per image the unique colours, palette
  size, stray pixels and the messy flag (``--json``: a JSON list), and a per-epoch
  summary with the target checks.
- ``bespoke-gui definitions [--markdown]`` prints what every figure means.
- ``bespoke-gui report SAMPLES... --out DIR`` writes collage.png, report.md, epochs.csv,
  images.csv and cleaned.png (the best epoch's samples before and after cleaning);
  ``--cleaned`` also exports their raw and cleaned art into ``cleaned/``.

Problems go to stderr as ``error: <path>: <message>``; notes (names not understood) as
``note: ...``; the exit code is 1 when any input failed, 2 when nothing could be done.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from PIL import Image

from bespoke_gui.commands._args import whole_number_between, worker_count
from bespoke_gui.commands._progress import TerminalProgress, print_errors
from bespoke_gui.core.epochs.analysis import (
    AnalysisResult,
    AnalysisSettings,
    ImageAnalysis,
    analyze_samples,
    load_sample_pixels,
)
from bespoke_gui.core.epochs.cleanup import DEFAULT_UPSCALE, CleanedItem, export_cleaned
from bespoke_gui.core.epochs.definitions import definitions_markdown, definitions_text
from bespoke_gui.core.epochs.metrics import REASON_KEYS, Targets, measure_image
from bespoke_gui.core.epochs.pixelgrid import DEFAULT_CELLS, DEFAULT_MERGE_THRESHOLD, METHODS, downscale
from bespoke_gui.core.epochs.report import write_report
from bespoke_gui.core.files import atomic_write_with, make_folder
from bespoke_gui.core.findings import Finding, grouped_lines
from bespoke_gui.core.jobs import describe_exception, map_items
from bespoke_gui.core.workspace import list_images


def _positive_factor(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"the upscale factor must be between 1 and 64, not {value}")
    return value


def _add_options(parser: argparse.ArgumentParser, cleaned: bool = False) -> None:
    """The recovery options every command shares; ``cleaned``: also --cleaned and --upscale."""
    if cleaned:
        parser.add_argument(
            "--cleaned",
            action="store_true",
            help="also write the art with its strays replaced by their neighbourhood's majority colour "
            "(NAME_cleaned.png) beside the raw recovery, and both upscaled (nearest) under xN/",
        )
        parser.add_argument(
            "--upscale",
            type=_positive_factor,
            default=DEFAULT_UPSCALE,
            metavar="N",
            help=f"whole-number zoom of the upscaled copies (default {DEFAULT_UPSCALE}: 480 px for 24x24 art)",
        )
    parser.add_argument(
        "--cells",
        type=whole_number_between(1, 1024, "the cell count"),
        default=DEFAULT_CELLS,
        help="cells across the art (default 24)",
    )
    parser.add_argument("--method", choices=METHODS, default="grid", help="recovery pipeline (default grid)")
    parser.add_argument(
        "--merge",
        type=float,
        default=DEFAULT_MERGE_THRESHOLD,
        metavar="DIST",
        help="0 keeps every cell's own colour; otherwise near-duplicate colours merge by each image's "
        f"own measured drift (default {DEFAULT_MERGE_THRESHOLD}: merge)",
    )
    parser.add_argument("--sharpen", action="store_true", help="sharpen in the two-stage pipeline")
    parser.add_argument("--workers", type=worker_count, default=None, help="threads (default: all cores)")


def register(subparsers: argparse._SubParsersAction) -> None:
    commands: list[tuple[str, Callable[[argparse.Namespace], int], str, str | None]] = [
        # (name, function, help, description)
        (
            "downscale",
            cmd_downscale,
            "recover the true 24x24 pixel art from sample images",
            "Write one cells x cells PNG per input image, under the same name, into --out.",
        ),
        (
            "analyze",
            cmd_analyze,
            "measure sample images: unique colours, palette, stray pixels, messy, per epoch",
            "Analyse sample images (epoch folders, sd-scripts' sample/ folder, or files).",
        ),
        ("report", cmd_report, "write a collage PNG and a Markdown + CSV report of sample images", None),
        (
            "definitions",
            cmd_definitions,
            "what every figure of the Epochs tab, analyze and report means",
            "Print the definitions the app's Help > What the numbers mean shows.",
        ),
    ]
    parsers = {}
    for name, func, help_text, description in commands:
        parsers[name] = subparsers.add_parser(name, help=help_text, description=description)
        parsers[name].set_defaults(func=func)

    p = parsers["downscale"]
    p.add_argument("inputs", nargs="+", metavar="IN", help="image files or folders of images")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    _add_options(p, cleaned=True)

    p = parsers["analyze"]
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per image")
    _add_options(p)

    p = parsers["report"]
    p.add_argument("paths", nargs="+", metavar="SAMPLES")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--scale", type=int, default=6, help="collage zoom per art pixel (default 6)")
    _add_options(p, cleaned=True)

    parsers["definitions"].add_argument(
        "--markdown", action="store_true", help="as a Markdown list (the README's form)"
    )


def cmd_definitions(args: argparse.Namespace) -> int:
    sys.stdout.write(definitions_markdown() if args.markdown else definitions_text())
    return 0


def _settings(args: argparse.Namespace) -> AnalysisSettings:
    return AnalysisSettings(
        cells=args.cells,
        method=args.method,
        merge_threshold=args.merge,
        sharpen=args.sharpen,
        workers=args.workers,
        targets=Targets(),
    )


def _print_notes(messages: list[Finding], stream: TextIO | None = None) -> None:
    """Notes grouped by message, so 200 unrecognised names make one line, not 200."""
    out = stream or sys.stderr
    for line in grouped_lines(messages):
        out.write(f"note: {line}\n")


# ---------------------------------------------------------------------------------------
# downscale


def _gather_images(inputs: list[str]) -> tuple[list[Path], list[Finding]]:
    images: list[Path] = []
    errors: list[Finding] = []
    seen: set[Path] = set()
    for raw in inputs:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = list_images(path)
            if not found:
                errors.append(Finding.error(str(path), "no images in this folder"))
        elif path.is_file():
            found = [path]
        else:
            errors.append(Finding.error(str(path), "not found"))
            found = []
        for image in found:
            key = image.resolve()
            if key not in seen:
                seen.add(key)
                images.append(image)
    return images, errors


def cmd_downscale(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out_dir = Path(args.out).expanduser()
    images, errors = _gather_images(args.inputs)
    try:
        make_folder(out_dir)
    except OSError as exc:
        print_errors(
            [Finding.error(str(out_dir), f"cannot create the output folder: {describe_exception(exc)}")]
        )
        return 2
    targets: dict[Path, Path] = {}
    jobs: list[tuple[Path, Path]] = []
    for image in images:
        target = out_dir / (image.name if image.suffix.lower() == ".png" else image.stem + ".png")
        if target.resolve() == image.resolve():
            errors.append(
                Finding.error(str(image), "the output would replace the input; choose another --out folder")
            )
            continue
        if target in targets:
            errors.append(Finding.error(str(image), f"same output name as {targets[target]}; skipped"))
            continue
        targets[target] = image
        jobs.append((image, target))

    def work(job: tuple[Path, Path]) -> Path:
        source, target = job
        pixels, _notes = load_sample_pixels(source, settings)
        recovery = downscale(
            pixels,
            settings.cells,
            settings.method,
            merge_threshold=settings.merge_threshold,
            sharpen=settings.sharpen,
        )
        if args.cleaned:
            strays = measure_image(pixels, recovery).strays
            mask = strays.mask if strays is not None else np.zeros(recovery.pixels.shape[:2], dtype=bool)
            export_cleaned([CleanedItem(target.stem, recovery.pixels, mask)], out_dir, args.upscale)
            return target
        art = Image.fromarray(np.ascontiguousarray(recovery.pixels), "RGB")
        atomic_write_with(target, lambda handle: art.save(handle, format="PNG"))
        return target

    batch = map_items(
        work,
        jobs,
        progress=TerminalProgress("downscaling"),
        workers=settings.workers,
        label=lambda job: str(job[0]),
    )
    written = len(batch.ok)
    errors.extend(batch.errors)
    print(f"wrote {written} image(s) of {settings.cells}x{settings.cells} to {out_dir}")
    if args.cleaned and written:
        print(
            f"with each one's cleaned art (NAME_cleaned.png) and both upscaled x{args.upscale} "
            f"in {out_dir / f'x{args.upscale}'}"
        )
    print_errors(errors)
    if errors:
        return 1 if written else 2
    return 0


# ---------------------------------------------------------------------------------------
# analyze


def image_record(item: ImageAnalysis) -> dict[str, Any]:
    """The JSON object for one image (the CLI's contract; keep keys stable)."""
    s, m, r = item.sample, item.metrics, item.recovery
    return {
        "path": str(s.path),
        "run": s.run,
        "epoch": s.epoch,
        "step": s.step,
        "prompt": s.prompt_index,
        "prompt_label": s.prompt,
        "seed": s.seed,
        "size": list(item.size),
        "method": r.method,
        "exact": r.exact,
        "unique_colors": m.unique_colors,
        "palette_size": m.palette_size,
        "palette": [
            {"hex": hexcode, "count": int(count)}
            for hexcode, count in zip(r.palette.hex_codes(), r.palette.counts)
        ],
        "stray_pixels": [[x, y] for x, y in m.stray_pixels],
        "stray_reasons": [REASON_KEYS.get(str(m.stray_reason[y, x]), "stray") for x, y in m.stray_pixels],
        "strays": [
            {"x": s.x, "y": s.y, "reason": s.reason, "confidence": round(s.confidence, 3)}
            for s in (m.strays.strays if m.strays is not None else [])
        ],
        "messy": m.messy,
        "messy_reasons": list(m.messy_reasons),
        "background": m.background.hex,
        "background_colours": m.background.colours_original if m.background.colour else None,
        "background_colours_nearest": m.background.colours_nearest if m.background.colour else None,
        "grid_fit": round(m.grid_fit, 4) if np.isfinite(m.grid_fit) else None,
    }


def _table(result: AnalysisResult) -> list[str]:
    names = [item.sample.path.name for item in result.images]
    width = max([len(n) for n in names] + [5])
    lines = [
        f"{'image':<{width}}  {'run':<12} {'epoch':>6} {'prompt':<24} {'unique':>6} {'palette':>7} {'strays':>6} "
        f"{'messy':<5} {'bg':<8} {'bg col':>6} {'fit':>5}"
    ]
    for item, name in zip(result.images, names):
        s, m = item.sample, item.metrics
        column = s.column_label.replace("epoch ", "e").replace("step ", "s")
        bg_count = str(m.background.colours_original) if m.background.colour else "-"
        fit = f"{m.grid_fit:.2f}" if np.isfinite(m.grid_fit) else "-"
        lines.append(
            f"{name:<{width}}  {s.run[:12]:<12} {column:>6} {s.prompt[:24]:<24} {m.unique_colors:>6} "
            f"{m.palette_size:>7} {m.stray_count:>6} {'yes' if m.messy else 'no':<5} "
            f"{(m.background.hex or '-'):<8} {bg_count:>6} {fit:>5}"
        )
    return lines


def _epoch_table(result: AnalysisResult) -> list[str]:
    lines = [
        f"{'run':<14} {'epoch':<10} {'images':>6} {'unique':>7} {'palette':>7} {'strays':>6} {'bg col':>7} "
        f"{'messy':>6}  checks"
    ]
    for summary in result.epochs:
        best = result.best.get(summary.run)
        mark = " *best*" if best is not None and best.column == summary.column else ""
        bg = f"{summary.avg_background_colours:.1f}" if summary.avg_background_colours is not None else "-"
        checks = ", ".join(f"{c.name}: {c.status}" for c in summary.checks)
        lines.append(
            f"{summary.run[:14]:<14} {summary.label:<10} {summary.images:>6} {summary.avg_unique_colors:>7.1f} "
            f"{summary.avg_palette_size:>7.1f} {summary.avg_stray_pixels:>6.1f} {bg:>7} {summary.messy_share:>6.0%}  "
            f"{checks}{mark}"
        )
    return lines


def _run_analysis(args: argparse.Namespace) -> AnalysisResult:
    return analyze_samples(
        [Path(p).expanduser() for p in args.paths], _settings(args), progress=TerminalProgress("analysing")
    )


def _exit_code(result: AnalysisResult) -> int:
    if not result.images:
        return 2
    return 1 if result.errors else 0


def cmd_analyze(args: argparse.Namespace) -> int:
    result = _run_analysis(args)
    if args.json:
        json.dump([image_record(item) for item in result.images], sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif result.images:  # no empty tables: the error below says what happened
        print("\n".join(_table(result)))
        print()
        print("\n".join(_epoch_table(result)))
    _print_notes(result.messages)
    print_errors(result.errors)
    if not result.images and not result.errors:
        sys.stderr.write("error: no sample images found\n")
    return _exit_code(result)


def cmd_report(args: argparse.Namespace) -> int:
    result = _run_analysis(args)
    _print_notes(result.messages)
    print_errors(result.errors)
    if not result.images:
        if not result.errors:
            sys.stderr.write("error: no sample images found\n")
        return 2
    try:
        files = write_report(
            result,
            Path(args.out).expanduser(),
            scale=max(1, args.scale),
            cleaned=args.cleaned,
            cleaned_upscale=args.upscale,
        )
    except OSError as exc:
        sys.stderr.write(f"error: {args.out}: cannot write the report: {describe_exception(exc)}\n")
        return 2
    for path in (files.collage, files.markdown, files.epochs_csv, files.images_csv, files.before_after):
        if path is not None:
            print(f"wrote {path}")
    if files.cleaned:
        print(
            f"wrote the raw and cleaned art of {len(files.cleaned)} sample(s) to "
            f"{files.cleaned[0].raw.parent} (upscaled in {files.cleaned[0].raw_upscaled.parent.name}/)"
        )
    return _exit_code(result)
