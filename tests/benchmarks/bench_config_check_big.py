"""config-check on a big TOML (issue 11: an 11 MB TOML took 95 s; find what is quadratic).

Run: python tests/benchmarks/bench_config_check_big.py [KEYS ...]
Prints seconds per size; the time should grow about linearly with the number of keys.
Before the fix, 20,000 and 40,000 unknown keys took 15 s and 48 s on the 2-core CI box
(difflib suggestions for every key, and tomlkit rendering the document again for key lines).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bespoke_gui.core.config.checks import check_file


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for keys in sizes:
            path = Path(tmp) / f"k{keys}.toml"
            lines = ['output_name = "x"', 'train_data_dir = "t"']
            lines += [f'key_{i} = "{"v" * 20}"' for i in range(keys)]
            path.write_text("\n".join(lines) + "\n")
            start = time.perf_counter()
            report = check_file(path)
            seconds = time.perf_counter() - start
            size_mb = path.stat().st_size / 1e6
            print(f"{keys:>7} keys ({size_mb:5.1f} MB): {seconds:6.1f} s, {len(report.findings)} findings")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20_000, 40_000, 80_000])
