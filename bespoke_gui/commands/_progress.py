"""What the commands write to the terminal: a progress line (count, rate, time left) and errors, on stderr."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from bespoke_gui.core.jobs import RateEstimator, format_duration


class TerminalProgress:
    """Callable as a job's ``progress(done, total, message)``; quiet when not a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None, min_interval: float = 0.1) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.rate = RateEstimator()
        self.min_interval = min_interval
        self._last = 0.0
        self._interactive = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int, message: str) -> None:
        if not self._interactive:
            return
        now = time.monotonic()
        if done < total and now - self._last < self.min_interval:
            return
        self._last = now
        rate, left = self.rate.estimate(done, total)
        line = f"\r{self.label}: {done}/{total}  {rate:6.1f}/s  left {format_duration(left)}"
        self.stream.write(line[:120].ljust(80))
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


_CONTROL = {i: f"\\x{i:02x}" for i in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t", 127: "\\x7f"}


def one_line(text: object) -> str:
    """``text`` with control characters escaped: a newline in a file name must not split a line."""
    return str(text).translate(_CONTROL)


def print_errors(errors: list, stream: TextIO | None = None) -> None:
    """One line per problem, as the CLI contract promises."""
    out = stream or sys.stderr
    for err in errors:
        out.write(f"error: {one_line(err)}\n")


def print_error(message: object) -> None:
    """One ``error: ...`` line on stderr."""
    sys.stderr.write(f"error: {one_line(message)}\n")
