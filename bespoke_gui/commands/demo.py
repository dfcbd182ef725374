"""``bespoke-gui demo DIR``: write the deterministic demo workspace (no screen needed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bespoke_gui.commands._args import add_commands
from bespoke_gui.commands._progress import TerminalProgress
from bespoke_gui.core.demo.demo_workspace import DemoError, write_demo_workspace
from bespoke_gui.core.jobs import describe_exception


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = add_commands(
        subparsers,
        [
            (
                "demo",
                run_demo,
                "write the demo workspace (portraits, captions, config, samples per epoch)",
                "Write the procedurally generated demo workspace into DIR: 512x512 training images "
                "with captions, training_config.toml, prompts.txt and degraded samples per epoch. DIR must be "
                "new, empty, or an earlier demo; the same arguments always write the same bytes.",
            )
        ],
    )["demo"]
    demo.add_argument("dir", metavar="DIR", help="folder to write (new, empty, or an earlier demo)")
    demo.add_argument("--count", type=int, default=48, help="training portraits (default 48)")
    demo.add_argument("--epochs", type=int, default=8, help="epochs of samples (default 8)")
    demo.add_argument("--prompts", type=int, default=7, help="sample prompts per epoch (default 7)")


def run_demo(args: argparse.Namespace) -> int:
    dest = Path(args.dir).expanduser()
    try:
        write_demo_workspace(
            dest,
            count=args.count,
            epochs=args.epochs,
            prompts=args.prompts,
            progress=TerminalProgress("demo"),
        )
    except DemoError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"error: {dest}: {describe_exception(exc)}\n")
        return 1
    print(f"demo workspace: {dest}")
    print(f"  {args.count} training images with captions in {dest / 'training_data'}")
    print(f"  {args.epochs} epochs x {args.prompts} prompts of samples in {dest / 'samples'}")
    print(f"  config {dest / 'training_config.toml'}, prompts {dest / 'prompts.txt'}")
    return 0
