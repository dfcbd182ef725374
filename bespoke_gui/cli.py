"""Command line: every capability a training machine without a screen needs.

``bespoke-gui`` (a console program, so every command prints and returns its exit code on
Windows too) opens the window when given no subcommand; ``bespoke-gui-window`` (a window
program: no console on Windows) only opens the window, for the desktop entry and the start
menu. Each feature registers its own
subcommands from a module in ``bespoke_gui.commands``; none of them imports Qt, except
``app`` (open, screenshot), which imports it lazily.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import sys
from collections.abc import Sequence

from bespoke_gui import __version__
from bespoke_gui.core.resources import ResourceError

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
    _ensure_standard_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from bespoke_gui.commands.app import open_window

            return open_window(workspace=args.workspace, demo=args.demo)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        sys.stderr.write("cancelled\n")
        return 130
    except ResourceError as exc:
        # A damaged install, not the user's input: one line saying what to do.
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except BrokenPipeError:
        # `bespoke-gui lint DIR | head`: the reader left; that is not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def window_main(argv: Sequence[str] | None = None) -> int:
    """``bespoke-gui-window [FOLDER] [--demo]``: the window only (the gui-script entry point)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    return main(["gui", *arguments])


def _ensure_standard_streams() -> None:
    # A Windows window program (gui-script, or pythonw) has no console: sys.stdout and
    # sys.stderr are None there, and a write to them would raise.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


if __name__ == "__main__":
    raise SystemExit(main())
