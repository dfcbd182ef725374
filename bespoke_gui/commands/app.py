"""Commands that need Qt: opening the window and offscreen screenshots (Qt imported lazily)."""

from __future__ import annotations

import argparse
import sys

from bespoke_gui.commands._args import add_commands
from bespoke_gui.core.jobs import describe_exception


def register(subparsers: argparse._SubParsersAction) -> None:
    parsers = add_commands(
        subparsers,
        [
            (
                "screenshot",
                _screenshot,
                "render the window with one tab to a PNG, offscreen (no screen needed)",
                "Render the window with one tab to a PNG offscreen, after the tab's work finishes.",
            ),
            (
                "gui",
                lambda args: open_window(args.workspace, args.demo),
                "open the window (the same as no subcommand)",
                None,
            ),
        ],
    )
    shot = parsers["screenshot"]
    shot.add_argument("--workspace", help="workspace folder to open")
    shot.add_argument(
        "--demo",
        action="store_true",
        help="write a fresh demo workspace (into --workspace if given) and open it",
    )
    shot.add_argument("--tab", required=True, help="tab title: Captions, Dataset, Config or Epochs")
    shot.add_argument("--out", required=True, help="PNG file to write")
    shot.add_argument("--size", default="1400x900", help="window size WxH (default 1400x900)")

    gui = parsers["gui"]
    gui.add_argument("workspace", nargs="?", help="workspace folder to open")
    gui.add_argument("--demo", action="store_true", help="open a fresh copy of the demo workspace")


def open_window(workspace: str | None = None, demo: bool = False) -> int:
    from bespoke_gui.ui.app import run_window

    return run_window(workspace=workspace, demo=demo)


def _screenshot(args: argparse.Namespace) -> int:
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        sys.stderr.write(f"error: --size must look like 1400x900, not {args.size!r}\n")
        return 2
    from bespoke_gui.ui.app import render_screenshot

    try:
        out = render_screenshot(args.workspace, args.tab, args.out, (width, height), demo=args.demo)
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"error: {describe_exception(exc) if isinstance(exc, OSError) else exc}\n")
        return 1
    print(out)
    return 0
