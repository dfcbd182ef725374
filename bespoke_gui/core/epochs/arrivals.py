"""Samples as training writes them: which new files are complete, and when a run has stalled.

Training (or a sync tool copying from the pod) writes sample PNGs into a watched folder
while the Epochs tab is open. A file is handed on only when it is *settled*: the same size
and modification time at two looks at least ``settle_s`` apart, and it decodes to the
last pixel. A file still growing, or truncated, is looked at again later and never
reported as broken while it may still be on its way.

``ArrivalTracker.poll(roots, known)`` is a job (it lists folders and decodes new files);
``StallClock`` says when samples have stopped arriving for longer than twice the run's
seconds per epoch.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bespoke_gui.core.epochs.samples import collect_samples
from bespoke_gui.core.jobs import CancelFn, ProgressFn, never_cancelled, no_progress

DEFAULT_SETTLE_S = 0.6


def decodes_completely(path: Path) -> bool:
    """True when the image decodes to its last pixel (a half-written PNG does not)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
        return True
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # when this size/mtime was first seen


@dataclass(frozen=True)
class ArrivalPoll:
    ready: list[Path] = field(default_factory=list)  # settled and complete: analyse these
    waiting: list[Path] = field(default_factory=list)  # still being written (or truncated)
    folders: list[Path] = field(default_factory=list)  # every folder that holds samples (to watch)


class ArrivalTracker:
    """Remembers what each new file looked like, so a file is passed on only once settled.

    Thread-safe: the tab polls from a worker thread, one poll at a time.
    """

    def __init__(
        self,
        settle_s: float = DEFAULT_SETTLE_S,
        clock: Callable[[], float] = time.monotonic,
        complete: Callable[[Path], bool] = decodes_completely,
    ) -> None:
        self.settle_s = settle_s
        self.clock = clock
        self.complete = complete
        self._seen: dict[str, _Seen] = {}
        self._lock = threading.Lock()

    def poll(
        self,
        roots: Sequence[Path],
        known: Iterable[str],
        progress: ProgressFn = no_progress,
        cancelled: CancelFn = never_cancelled,
    ) -> ArrivalPoll:
        """New sample images under ``roots`` (as the sample loader finds them), not in ``known``."""
        known_set = set(known)
        found = collect_samples([r for r in roots if r.is_dir()]).samples
        candidates = [s.path for s in found if str(s.path) not in known_set]
        folders = sorted({s.path.parent for s in found} | {r for r in roots if r.is_dir()})
        ready: list[Path] = []
        waiting: list[Path] = []
        now = self.clock()
        with self._lock:
            alive = {str(p) for p in candidates}
            for stale in [k for k in self._seen if k not in alive]:
                del self._seen[stale]
            for index, path in enumerate(candidates):
                if cancelled():
                    break
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                key = str(path)
                seen = self._seen.get(key)
                if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                    self._seen[key] = _Seen(st.st_size, st.st_mtime_ns, now)
                    waiting.append(path)
                elif now - seen.since < self.settle_s or not self.complete(path):
                    waiting.append(path)
                else:
                    del self._seen[key]
                    ready.append(path)
                progress(index + 1, len(candidates), path.name)
        return ArrivalPoll(ready, waiting, folders)


class StallClock:
    """When did the last sample arrive, and is that longer ago than the run allows?"""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last_arrival: float | None = None
        self.last_arrival_wall: float | None = None
        self._reported = False

    def arrived(self) -> None:
        self.last_arrival = self.clock()
        self.last_arrival_wall = time.time()
        self._reported = False

    def seconds_since(self) -> float | None:
        return None if self.last_arrival is None else self.clock() - self.last_arrival

    def stalled(self, seconds_per_epoch: float | None, factor: float = 2.0) -> bool:
        """True once per silence: the first check after ``factor`` x seconds per epoch."""
        since = self.seconds_since()
        if since is None or not seconds_per_epoch or self._reported:
            return False
        if since > factor * seconds_per_epoch:
            self._reported = True
            return True
        return False


def seconds_per_epoch(from_names: float | None, first_seen: Iterable[float]) -> float | None:
    """A run's seconds per epoch: ``from_names`` (the sample names' timestamps) when known,
    else the median gap between the times each of its epochs was first seen, or None."""
    if from_names is not None:
        return from_names
    times = sorted(first_seen)
    gaps = [b - a for a, b in zip(times, times[1:]) if b > a]
    return statistics.median(gaps) if gaps else None
