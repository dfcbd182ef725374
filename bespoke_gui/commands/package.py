"""Pod commands: ``package``, ``verify-package`` and ``estimate``.

``package`` runs the pre-flight (config-check, caption lint, dataset checks), prints
what it found and the config's path changes, and writes the zip only when there are no
errors or ``--allow-errors`` is given. ``verify-package`` re-checks a zip. ``estimate``
prints the steps, samples, checkpoints, hours and cost a config will take, with every
assumption beside the figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bespoke_gui.commands._args import add_commands, positive_number, whole_number_between
from bespoke_gui.commands._progress import TerminalProgress, print_error


def cmd_package(args: argparse.Namespace) -> int:
    from bespoke_gui.core.dataset.package import PackageError, plan_package
    from bespoke_gui.core.dataset.package_zip import write_package

    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".zip":
        print_error(f"{out}: the package is a .zip file; name it FILE.zip")
        return 2
    if out.exists() and not args.overwrite:
        print_error(f"{out}: exists; choose another name or replace it with --overwrite")
        return 2
    try:
        plan = plan_package(args.dir, out, args.root, args.repeats, progress=TerminalProgress("pre-flight"))
    except PackageError as exc:
        print_error(str(exc))
        return 2
    print(f"package {plan.name}: {plan.images} images in {plan.subset}, pod root {plan.pod_root}")
    print("config changes (path keys only):")
    for line in plan.diff_lines() or ["  none"]:
        print(f"  {line}")
    for line in plan.preflight.lines():
        if line.startswith("error: "):
            sys.stderr.write(line + "\n")
        else:
            print(line)
    if plan.preflight.has_errors and not args.allow_errors:
        print_error(
            f"not packaged: {len(plan.preflight.errors)} pre-flight errors (--allow-errors packages anyway)"
        )
        return 1
    try:
        result = write_package(
            plan,
            out,
            allow_errors=args.allow_errors,
            progress=TerminalProgress("packaging"),
            overwrite=args.overwrite,
        )
    except PackageError as exc:
        print_error(str(exc))
        return 1
    if result.cancelled or result.path is None:
        print_error("cancelled: no package written")
        return 1
    print(f"wrote {result.path} ({result.files} files, {result.total_bytes / 1e6:.1f} MB)")
    return 0


def cmd_verify_package(args: argparse.Namespace) -> int:
    from bespoke_gui.core.dataset.package_zip import verify_package

    report = verify_package(Path(args.zip).expanduser(), progress=TerminalProgress("verifying"))
    for problem in report.problems:
        print_error(f"{report.path}: {problem}")
    if report.ok:
        print(
            f"{report.path}: {report.checked} files match SHA256SUMS and the manifest; {report.images} images"
        )
        return 0
    return 1


def cmd_estimate(args: argparse.Namespace) -> int:
    from bespoke_gui.core.config.estimate import EstimateError, estimate_workspace

    workspace, config = args.dir, args.config
    if config is None and Path(workspace).suffix.lower() == ".toml" and Path(workspace).is_file():
        # "estimate training_config.toml": the config, in its workspace.
        workspace, config = str(Path(workspace).parent), workspace
    try:
        estimate = estimate_workspace(
            workspace,
            config=config,
            seconds_per_step=args.seconds_per_step,
            price_per_hour=args.price,
            gpu=args.gpu,
            samples_dir=args.samples,
        )
    except EstimateError as exc:
        print_error(str(exc))
        return 2
    if args.json:
        json.dump(estimate.to_json(), sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("\n".join(estimate.lines()) + "\n")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parsers = add_commands(
        subparsers,
        [
            (
                "package",
                cmd_package,
                "a verified training package (.zip) for a GPU pod",
                "Images and captions in sd-scripts' layout, the config with its path keys "
                "rewritten for the pod, the prompts file, train.sh, MANIFEST.json and SHA256SUMS.",
            ),
            ("verify-package", cmd_verify_package, "re-check a training package", None),
            (
                "estimate",
                cmd_estimate,
                "steps, samples, checkpoints, hours and cost of a training run",
                "Steps computed the way sd-scripts computes them (buckets, repeats, batch size, "
                "gradient accumulation, max_train_epochs over max_train_steps).",
            ),
        ],
    )
    package = parsers["package"]
    package.add_argument("dir", help="the workspace")
    package.add_argument("--out", required=True, help="the .zip to write")
    package.add_argument("--root", help="where the package will sit on the pod (default /workspace/<name>)")
    package.add_argument(
        "--repeats",
        type=whole_number_between(1, 10000, "repeats"),
        help="repeats for the <repeats>_<name> folder (default: the images folder's own, else 10)",
    )
    package.add_argument(
        "--allow-errors", action="store_true", help="package even when the pre-flight found errors"
    )
    package.add_argument("--overwrite", action="store_true", help="replace FILE.zip when it exists")

    parsers["verify-package"].add_argument("zip", help="the package .zip")

    estimate = parsers["estimate"]
    estimate.add_argument("dir", help="the workspace (or its config .toml)")
    estimate.add_argument("--config", help="the config (default: the workspace's)")
    estimate.add_argument("--json", action="store_true", help="print the figures as JSON")
    estimate.add_argument(
        "--seconds-per-step", type=positive_number, help="measured seconds per optimizer step"
    )
    estimate.add_argument("--gpu", help="a GPU from the table of typical figures (e.g. RTX 4090)")
    estimate.add_argument("--price", type=positive_number, help="price per GPU hour (default 1.69)")
    estimate.add_argument(
        "--samples", help="a previous run's sample folder: seconds per epoch from its timestamps"
    )
