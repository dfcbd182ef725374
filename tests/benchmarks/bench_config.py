"""Config speed: load+save round trips, one-key edits, diffs and checks (with a workspace).

Run: ``python tests/benchmarks/bench_config.py [WORKSPACE]``. Uses the real configs in
../shared/realdata/configs when present, otherwise a generated one; the workspace check
uses WORKSPACE if given (e.g. a copy of the real 203-image dataset).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bespoke_gui.core.config.checks import check_config
from bespoke_gui.core.config.diff import diff_flattened, diff_grouped, side_by_side
from bespoke_gui.core.config.document import loads_config
from bespoke_gui.core.config.editing import set_value
from bespoke_gui.core.config.key_paths import iter_entries
from bespoke_gui.core.workspace import discover

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "realdata" / "configs"


def timed(label: str, repeat: int, fn) -> None:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    per = (time.perf_counter() - start) / repeat
    print(f"{label:<48} {per * 1000:8.2f} ms")


def main() -> None:
    texts = (
        {p.name: p.read_text(encoding="utf-8") for p in sorted(REAL.glob("*.toml"))} if REAL.is_dir() else {}
    )
    if not texts:
        texts = {"generated.toml": "[t]\n" + "".join(f"key_{i} = {i}  # comment {i}\n" for i in range(80))}
    big_name = max(texts, key=lambda n: len(texts[n]))
    big = texts[big_name]
    print(f"largest config: {big_name} ({len(big)} chars, {len(big.splitlines())} lines)")
    timed("parse + dump (round trip), largest", 50, lambda: loads_config(big).text())
    first_key = next(e for e in iter_entries(loads_config(big).doc) if not e.is_table)

    def edit() -> None:
        cfg = loads_config(big)
        set_value(cfg.doc, first_key.path, "12345")
        cfg.text()

    timed("parse + one edit + dump", 50, edit)
    names = list(texts)
    a, b = loads_config(texts[names[0]]), loads_config(texts[names[-1]])
    timed(
        "key diff (grouped + flattened)",
        200,
        lambda: (diff_grouped(a.data(), b.data()), diff_flattened(a.data(), b.data())),
    )
    timed("side-by-side text diff", 50, lambda: side_by_side(texts[names[0]], texts[names[-1]]))
    cfg = loads_config(big)
    timed("checks without workspace", 50, lambda: check_config(cfg))
    if len(sys.argv) > 1:
        workspace = discover(sys.argv[1])
        timed(f"checks with workspace {workspace.root.name}", 3, lambda: check_config(cfg, workspace))


if __name__ == "__main__":
    main()
