"""Command line: every capability a training machine without a screen needs.

``bespoke-gui`` with no subcommand opens the window. Each feature registers its own
subcommands from a module in ``bespoke_gui.commands``; none of them imports Qt, except
``app`` (open, screenshot), which imports it lazily.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import sys
from collections.abc import Sequence

from bespoke_gui import __version__

# Each module has ``register(subparsers)``; a subparser sets ``func(args) -> int``.
COMMAND_MODULES = (
    "bespoke_gui.commands.app",
    "bespoke_gui.commands.dataset",
    "bespoke_gui.commands.captions",
    "bespoke_gui.commands.config",
    "bespoke_gui.commands.epochs",
    "bespoke_gui.commands.package",
    "bespoke_gui.commands.demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bespoke-gui",
        description="Bespoke GUI: captions, dataset, config and epochs for SD1.5 pixel-art LoRA training. "
        "With no subcommand the window opens.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="open the window on a fresh copy of the demo workspace"
    )
    parser.add_argument("--workspace", help="open the window on this workspace folder")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # A frozen (PyInstaller) app starts its worker processes through this entry point.
    multiprocessing.freeze_support()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from bespoke_gui.commands.app import open_window

        return open_window(workspace=args.workspace, demo=args.demo)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        sys.stderr.write("cancelled\n")
        return 130
    except BrokenPipeError:
        # `bespoke-gui lint DIR | head`: the reader left; that is not an error of ours.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
