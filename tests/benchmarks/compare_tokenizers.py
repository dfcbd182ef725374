"""Proof that the pure-Python CLIP BPE (core/captions/tokens.py) equals instant-clip-tokenizer.

For every caption: the whole caption's token ids, and the per-word token ends that every
cut point comes from (so identical ends mean identical cuts for every max_token_length), and the
cut for 75, 150, 225 and a few small windows that do cut. Also the counting speed.

    pip install instant-clip-tokenizer      # the test-only extra, CPython <= 3.12
    python tests/benchmarks/compare_tokenizers.py [--demo 10000] [--realdata ../shared/realdata]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bespoke_gui.core.captions.tokens import TokenCounter, load_clip_bpe  # noqa: E402

LIMITS = (5, 20, 40, 75, 150, 225)


class InstantClipWords:
    """instant-clip-tokenizer behind the same per-word interface the counter uses."""

    def __init__(self) -> None:
        import instant_clip_tokenizer

        self.tokenizer = instant_clip_tokenizer.Tokenizer()

    def bpe(self, word: str) -> list[int]:
        return self.tokenizer.encode(word)


def reference_counter() -> TokenCounter:
    counter = TokenCounter(force_estimate=True)
    counter._encoder = InstantClipWords()  # type: ignore[assignment]
    return counter


def real_captions(realdata: Path) -> dict[str, list[str]]:
    """Every caption file's text, per caption folder (and every non-empty line on its own)."""
    out: dict[str, list[str]] = {}
    for folder in sorted(p for p in (realdata / "bespokebaby2").iterdir() if p.is_dir()):
        texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
        if texts:
            out[folder.name] = texts
    return out


def demo_captions(count: int) -> list[str]:
    from bespoke_gui.core.demo.portraits import draw_portrait

    return [draw_portrait(seed).caption for seed in range(count)]


def differences(texts: Iterable[str]) -> list[str]:
    import instant_clip_tokenizer

    whole = instant_clip_tokenizer.Tokenizer()
    bpe = load_clip_bpe()
    ours, theirs = TokenCounter(), reference_counter()
    problems = []
    for text in texts:
        if bpe.encode(text) != whole.encode(text):
            problems.append(f"ids differ: {text[:80]!r}")
        elif ours.token_ends(text) != theirs.token_ends(text):
            problems.append(f"token ends differ: {text[:80]!r}")
        elif any(ours.cut(text, n) != theirs.cut(text, n) for n in LIMITS):
            problems.append(f"cut differs: {text[:80]!r}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=int, default=10_000, help="demo captions to compare")
    parser.add_argument("--realdata", type=Path, default=ROOT.parent / "shared" / "realdata")
    args = parser.parse_args()
    try:
        import instant_clip_tokenizer  # noqa: F401
    except ImportError:
        print("instant-clip-tokenizer is not installed (pip install '.[tokenizer-check]', CPython <= 3.12)")
        return 2
    sets = real_captions(args.realdata) if args.realdata.is_dir() else {}
    started = time.perf_counter()
    sets[f"demo (seeds 0-{args.demo - 1})"] = demo_captions(args.demo)
    print(f"drew {args.demo} demo captions in {time.perf_counter() - started:.1f} s")
    failed = 0
    for name, texts in sets.items():
        lines = [line for text in texts for line in text.splitlines() if line.strip()]
        problems = differences([*texts, *lines])
        tokens = sum(TokenCounter().count(t) for t in texts)
        print(
            f"{name}: {len(texts)} captions, {tokens} tokens: {'identical' if not problems else 'DIFFERENT'}"
        )
        for problem in problems[:10]:
            print("   ", problem)
        failed += len(problems)

    # Speed: a cold counter (no word cache) over the real captions, then a warm one, and one
    # keystroke-sized recount of a long caption.
    texts = next(iter(sets.values()))
    load_clip_bpe.cache_clear()
    started = time.perf_counter()
    load_clip_bpe()
    print(f"vocabulary load: {1000 * (time.perf_counter() - started):.0f} ms (once per process)")
    counter = TokenCounter()
    started = time.perf_counter()
    for text in texts:
        counter.cut(text, 75)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    for text in texts:
        counter.cut(text, 75)
    warm = time.perf_counter() - started
    longest = max(texts, key=len)
    started = time.perf_counter()
    for _ in range(1000):
        counter.cut(longest + " x", 75)
    keystroke = (time.perf_counter() - started) / 1000
    print(
        f"counting {len(texts)} captions: cold cache {1000 * cold:.1f} ms, warm {1000 * warm:.1f} ms; "
        f"one recount of the longest ({len(longest)} chars): {1e6 * keystroke:.0f} us"
    )
    print("RESULT:", "identical" if not failed else f"{failed} differences")
    return 0 if not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
