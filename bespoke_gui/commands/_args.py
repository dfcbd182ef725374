"""Argument types the commands share: argparse turns their ValueError into a usage error."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def whole_number_between(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``low`` to ``high``; ``what`` names it in the error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low} and {high}")
        return value

    return parse


# --workers: 0 (or leaving it out) means every core.
worker_count = whole_number_between(0, 1024, "the worker count")


def positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


# (name, function, help, description or None): one subcommand.
Command = tuple[str, Callable[[argparse.Namespace], int], str, "str | None"]


def add_commands(
    subparsers: argparse._SubParsersAction, commands: list[Command]
) -> dict[str, argparse.ArgumentParser]:
    """Add the subcommands in order (``--help`` lists them so); their parsers by name, for arguments."""
    parsers = {}
    for name, func, help_text, description in commands:
        parsers[name] = subparsers.add_parser(name, help=help_text, description=description)
        parsers[name].set_defaults(func=func)
    return parsers
