"""CLIP token counting and the point where sd-scripts cuts a caption.

SD1.5's text encoder reads 77 positions: a start token, 75 caption tokens and an end
token. sd-scripts tokenizes a caption to ``max_token_length + 2`` positions (``75 + 2``
when ``max_token_length`` is unset; 150 or 225 are the other allowed values) with
truncation, then feeds the text encoder chunks of 75. So a caption keeps its first
``max_token_length`` tokens and loses the rest.

The counts come from :class:`ClipBpe`, CLIP's byte-pair encoder in pure Python over the
MIT-licensed CLIP vocabulary shipped in ``resources/bpe_simple_vocab_16e6.txt.gz`` (49408
entries, the one SD1.5 uses): it installs on every Python and OS, and gives the same tokens
as the compiled ``instant-clip-tokenizer`` it replaced (``tests/benchmarks/compare_tokenizers.py``
checks every real caption and 10,000 demo captions). Where the vocabulary cannot be read, an
estimate is used and says so (:attr:`TokenCounter.is_estimate`, :attr:`TokenCounter.error`).

CLIP splits lowercased text into words (letters, single digits, runs of other symbols,
English contractions) and byte-pair encodes each word on its own; counting per word with
a cache gives the same total as encoding the whole text, plus the character offset of
every token boundary, which is what marks the cut in the editor.
"""

from __future__ import annotations

import gzip
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bespoke_gui.core.resources import ResourceError, read_resource_bytes

DEFAULT_MAX_TOKEN_LENGTH = 75
ALLOWED_MAX_TOKEN_LENGTHS = (75, 150, 225)
CHUNK_TOKENS = 75

# CLIP's pre-tokenizer: 's|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
# Python's re has no \p{..}: letters are [^\W\d_], numbers \d, the rest "neither".
_WORD_RE = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|(?:[^\s\w]|_)+", re.IGNORECASE)


def normalize_max_token_length(value: Any) -> int:
    """75 when unset or invalid; sd-scripts accepts 75, 150 or 225 (others round up to a chunk)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return DEFAULT_MAX_TOKEN_LENGTH
    if number <= 0:
        return DEFAULT_MAX_TOKEN_LENGTH
    return number


VOCAB_RESOURCE = "bpe_simple_vocab_16e6.txt.gz"
# CLIP uses the first 49152 - 256 - 2 merges of the file (its first line is a header).
_MERGE_COUNT = 49152 - 256 - 2


def _bytes_to_unicode() -> dict[int, str]:
    """CLIP's (GPT-2's) reversible byte -> printable character table."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


class ClipBpe:
    """CLIP's byte-pair encoder for one pre-tokenized, lowercased word (see the module doc)."""

    def __init__(self, vocab_gz: bytes) -> None:
        lines = gzip.decompress(vocab_gz).decode("utf-8").split("\n")[1 : _MERGE_COUNT + 1]
        merges = [tuple(line.split()) for line in lines]
        if len(merges) != _MERGE_COUNT or any(len(pair) != 2 for pair in merges):
            raise ValueError(f"{VOCAB_RESOURCE} is not the CLIP vocabulary (bad merge list)")
        self._byte_chars = _bytes_to_unicode()
        symbols = list(self._byte_chars.values())
        vocab = symbols + [s + "</w>" for s in symbols] + ["".join(pair) for pair in merges]
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        self.encoder: dict[str, int] = {token: index for index, token in enumerate(vocab)}
        self._ranks: dict[tuple[str, ...], int] = {pair: rank for rank, pair in enumerate(merges)}

    def bpe(self, word: str) -> list[str]:
        """The BPE pieces of ``word`` (already lowercased and split by the CLIP word pattern)."""
        chars = [self._byte_chars[b] for b in word.encode("utf-8")]
        if not chars:
            return []
        parts = [*chars[:-1], chars[-1] + "</w>"]
        ranks = self._ranks
        while len(parts) > 1:
            # Merge the lowest-ranked adjacent pair everywhere it occurs, left to right.
            best_rank = None
            best: tuple[str, str] | None = None
            for pair in zip(parts, parts[1:]):
                rank = ranks.get(pair)
                if rank is not None and (best_rank is None or rank < best_rank):
                    best_rank, best = rank, pair
            if best is None:
                break
            first, second = best
            merged: list[str] = []
            i = 0
            while i < len(parts):
                if i < len(parts) - 1 and parts[i] == first and parts[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        return parts

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` (no start/end tokens), as CLIP encodes it after cleaning."""
        ids: list[int] = []
        for match in _WORD_RE.finditer(text.lower()):
            ids.extend(self.encoder[piece] for piece in self.bpe(match.group(0)))
        return ids


@lru_cache(maxsize=1)
def load_clip_bpe() -> ClipBpe:
    """The shipped CLIP vocabulary, read once (about 0.3 s); raises ResourceError when unreadable."""
    data = read_resource_bytes(VOCAB_RESOURCE)
    try:
        return ClipBpe(data)
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise ResourceError(f"{VOCAB_RESOURCE} is damaged ({exc}); reinstall Bespoke GUI") from None


class TokenCounter:
    """Counts CLIP tokens per word (cached), exactly with the tokenizer or as a labelled estimate."""

    def __init__(self, force_estimate: bool = False) -> None:
        self._encoder: ClipBpe | None = None
        self.error = ""
        if not force_estimate:
            try:
                self._encoder = load_clip_bpe()
            except ResourceError as exc:
                self.error = str(exc)
        self._cache: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def is_estimate(self) -> bool:
        return self._encoder is None

    @property
    def label(self) -> str:
        return "estimate" if self.is_estimate else "CLIP"

    def _word_tokens(self, word: str) -> int:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if self._encoder is not None:
            count = len(self._encoder.bpe(word))
        else:
            count = _estimate_word(word)
        if len(self._cache) < 200_000:
            with self._lock:
                self._cache[word] = count
        return count

    def count(self, text: str) -> int:
        """Caption tokens (without the start and end tokens)."""
        return sum(self._word_tokens(m.group(0).lower()) for m in _WORD_RE.finditer(text))

    def token_ends(self, text: str) -> list[tuple[int, int]]:
        """``(token count so far, character end)`` after each word, in order."""
        out: list[tuple[int, int]] = []
        total = 0
        for match in _WORD_RE.finditer(text):
            total += self._word_tokens(match.group(0).lower())
            out.append((total, match.end()))
        return out

    def cut_offset(self, text: str, max_token_length: int | None = None) -> int | None:
        """Only where :meth:`cut` cuts ``text`` (None when it fits): stops at the cut, without
        counting the rest (the editor asks on every keystroke in a long caption)."""
        limit = normalize_max_token_length(max_token_length)
        total = 0
        cached = self._cache.get
        for match in _WORD_RE.finditer(text):
            word = match.group(0).lower()
            count = cached(word)
            total += count if count is not None else self._word_tokens(word)
            if total > limit:
                return match.start()
        return None

    def cut(self, text: str, max_token_length: int | None = None) -> TokenCut:
        """Where sd-scripts cuts ``text`` with this ``max_token_length``."""
        limit = normalize_max_token_length(max_token_length)
        total = 0
        cut_at: int | None = None
        for match in _WORD_RE.finditer(text):
            count = self._word_tokens(match.group(0).lower())
            if cut_at is None and total + count > limit:
                # The word that crosses the limit loses at least its last tokens: mark its start.
                cut_at = match.start()
            total += count
        return TokenCut(total=total, limit=limit, offset=cut_at, is_estimate=self.is_estimate)


@dataclass(frozen=True)
class TokenCut:
    total: int
    limit: int
    offset: int | None  # character offset where the text stops being seen; None when it all fits
    is_estimate: bool = False

    @property
    def overflows(self) -> bool:
        return self.offset is not None

    def describe(self) -> str:
        suffix = " (estimate)" if self.is_estimate else ""
        return f"{self.total}/{self.limit} tokens{suffix}"


def _estimate_word(word: str) -> int:
    """A rough BPE count: common short words are one token, long or odd ones several."""
    if not word:
        return 0
    if word.isalpha():
        return 1 if len(word) <= 7 else (len(word) + 5) // 6
    if word.isdigit():
        return 1
    # Punctuation runs: CLIP merges common pairs such as "),".
    return max(1, (len(word) + 1) // 2)


@lru_cache(maxsize=1)
def default_counter() -> TokenCounter:
    return TokenCounter()


def count_tokens(text: str) -> int:
    """CLIP tokens in ``text`` (without start/end tokens)."""
    return default_counter().count(text)


def token_cut(text: str, max_token_length: int | None = None) -> TokenCut:
    return default_counter().cut(text, max_token_length)
