"""Keyword kinds (accessories, colours, clarity phrases, hair, eyes...) and classifying caption text.

The kinds live in ``resources/keywords.toml``; a user file of the same shape (in the user's
config folder or the workspace) is merged over it. :meth:`Keywords.classify` finds every
keyword, colour word and ``#rrggbb`` code in a text with its span, in one regex pass,
so it is cheap enough to run on every keystroke.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from bespoke_gui.core.resources import resource_path

TRIGGER_KIND = "trigger"
HEX_KIND = "hex"
COLOUR_KIND = "colour"
USER_KEYWORDS_NAME = "keywords.toml"

# Words (with inner hyphens and apostrophes: "t-shirt", "o'clock", "24x24") and #hex codes.
_PIECE_RE = re.compile(r"[,\n]")
_TOKEN_RE = re.compile(r"#[0-9a-fA-F]+\b|#\w+|[^\W_]+(?:['-][^\W_]+)*")


class KeywordsError(Exception):
    """A keywords file could not be read; the message names the file."""


@dataclass
class KeywordKind:
    name: str
    label: str
    colour: str
    words: list[str] = field(default_factory=list)
    feature: bool = False


class KeywordMatch(NamedTuple):
    start: int
    end: int
    kind: str
    text: str
    colour: str | None = None  # the hex code's own colour, or a colour word's reference colour


@dataclass
class LintTuning:
    similar_feature_pairs: list[tuple[str, str]] = field(default_factory=lambda: [("eyes", "hair")])
    single_colour_features: list[str] = field(
        default_factory=lambda: ["eyes", "hair", "skin", "lips", "background"]
    )
    palette_tolerance: int = 12
    similar_delta_e: float = 12.0
    word_conflict_delta_e: float = 70.0


def user_keywords_path() -> Path:
    """``$XDG_CONFIG_HOME/bespoke-gui/keywords.toml`` (``~/.config`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "bespoke-gui" / USER_KEYWORDS_NAME


def normalize_hex(code: str) -> str | None:
    """``#rrggbb`` lowercased, ``#rgb`` expanded; None for anything else."""
    body = code.lstrip("#")
    if len(body) == 3 and all(c in "0123456789abcdefABCDEF" for c in body):
        body = "".join(c * 2 for c in body)
    if len(body) != 6 or not all(c in "0123456789abcdefABCDEF" for c in body):
        return None
    return "#" + body.lower()


@lru_cache(maxsize=65536)
def hex_to_rgb(code: str) -> tuple[int, int, int]:
    """Cached: lint converts the same few codes for every caption."""
    norm = normalize_hex(code)
    if norm is None:
        raise ValueError(f"not a colour code: {code}")
    return int(norm[1:3], 16), int(norm[3:5], 16), int(norm[5:7], 16)


def rgb_to_hex(rgb: Iterable[int]) -> str:
    r, g, b = (int(v) for v in list(rgb)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def _srgb_to_lab(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    def lin(c: float) -> float:
        c /= 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(v) for v in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


@lru_cache(maxsize=65536)
def _lab_cached(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    return _srgb_to_lab(rgb)


def delta_e(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """CIE76 colour difference: about 2.3 is just noticeable, above 50 is a different colour."""
    la, lb = _lab_cached(tuple(a)), _lab_cached(tuple(b))
    return ((la[0] - lb[0]) ** 2 + (la[1] - lb[1]) ** 2 + (la[2] - lb[2]) ** 2) ** 0.5


class Keywords:
    """The merged keyword kinds plus a compiled matcher."""

    def __init__(
        self,
        kinds: dict[str, KeywordKind],
        colours: dict[str, str],
        tuning: LintTuning,
        sources: list[Path] | None = None,
    ) -> None:
        self.kinds = kinds
        self.colours = {k.lower(): v.lower() for k, v in colours.items() if normalize_hex(v)}
        self.tuning = tuning
        self.sources = sources or []
        self._word_kind: dict[str, str] = {}
        for kind in kinds.values():
            if kind.name in (TRIGGER_KIND, HEX_KIND):
                continue
            for word in kind.words:
                key = " ".join(word.lower().split())
                self._word_kind.setdefault(key, kind.name)
        if COLOUR_KIND in kinds:
            for name in self.colours:
                self._word_kind.setdefault(name, COLOUR_KIND)
        # Whole words only; a plural s/es is accepted. Matching looks words up, n-grams
        # longest first, instead of running a regex of hundreds of alternatives: several
        # times faster, and this runs on every keystroke and on every caption of a dataset.
        # For the first word of each phrase keyword: the most words a keyword starting with it has.
        self._span_from: dict[str, int] = {}
        for word in self._word_kind:
            parts = word.split()
            if len(parts) > 1:
                self._span_from[parts[0]] = max(self._span_from.get(parts[0], 1), len(parts))
        self._cache: dict[str, tuple[KeywordMatch, ...]] = {}

    @property
    def feature_kinds(self) -> list[str]:
        return [k.name for k in self.kinds.values() if k.feature]

    def kind_colour(self, kind: str) -> str:
        found = self.kinds.get(kind)
        return found.colour if found else "#808080"

    def classify(self, text: str) -> list[KeywordMatch]:
        """Every keyword, colour word and hex code in ``text``, in order, without overlaps.

        A keyword never spans a comma or a line end, so the text is classified phrase by
        phrase, and each phrase's result is cached: captions of a dataset share most of
        their phrases ("pixel art", "lips", "hard color borders").
        """
        out: list[KeywordMatch] = []
        start = 0
        for piece in _PIECE_RE.split(text):
            if piece.strip():
                for m in self.classify_phrase(piece):
                    out.append(KeywordMatch(m.start + start, m.end + start, m.kind, m.text, m.colour))
            start += len(piece) + 1
        return out

    def classify_phrase(self, phrase: str) -> tuple[KeywordMatch, ...]:
        """Matches in one phrase (no comma or line end in it), offsets relative to it; cached."""
        cached = self._cache.get(phrase)
        if cached is None:
            cached = tuple(self._classify(phrase))
            if len(self._cache) > 65536:
                self._cache.clear()
            self._cache[phrase] = cached
        return cached

    def _lookup(self, key: str) -> tuple[str, str] | None:
        """(kind, the word as listed) for ``key`` or its singular."""
        kind = self._word_kind.get(key)
        if kind is not None:
            return kind, key
        for suffix in ("es", "s"):
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                base = key[: -len(suffix)]
                kind = self._word_kind.get(base)
                if kind is not None:
                    return kind, base
        return None

    def _classify(self, text: str) -> list[KeywordMatch]:
        out: list[KeywordMatch] = []
        tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN_RE.finditer(text)]
        lowered = [t[2].lower() for t in tokens]
        i = 0
        n = len(tokens)
        while i < n:
            start, end, word = tokens[i]
            if word.startswith("#"):
                out.append(KeywordMatch(start, end, HEX_KIND, word, normalize_hex(word)))
                i += 1
                continue
            found = None
            # Longest n-gram first; the words of an n-gram are separated by whitespace only.
            span = self._span_from.get(lowered[i], 1)
            last = i
            while (
                last + 1 < n and last + 1 - i < span and text[tokens[last][1] : tokens[last + 1][0]].isspace()
            ):
                last += 1
            for j in range(last, i - 1, -1):
                hit = self._lookup(" ".join(lowered[i : j + 1]))
                if hit is not None:
                    found = (j, hit)
                    break
            if found is None:
                i += 1
                continue
            j, (kind, base) = found
            match_end = tokens[j][1]
            colour = self.colours.get(base) if kind == COLOUR_KIND else None
            out.append(KeywordMatch(start, match_end, kind, text[start:match_end], colour))
            i = j + 1
        return out


def _read_toml(path: Path) -> tuple[dict, str]:
    try:
        text = path.read_bytes().decode("utf-8")
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise KeywordsError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise KeywordsError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise KeywordsError(f"{path}: {exc.strerror or exc}") from None


def _line_of(text: str, dotted: str) -> int | None:
    """The line that sets ``dotted`` (``kinds.hair.words``), found by looking: tomllib keeps none."""
    parts = dotted.split(".")
    lines = text.splitlines()
    for n, line in enumerate(lines, 1):
        if re.match(rf"\s*{re.escape(dotted)}\s*=", line):
            return n
    section: list[str] = []
    for n, line in enumerate(lines, 1):
        header = re.match(r"\s*\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            section = [part.strip().strip('"') for part in header.group(1).split(".")]
            if section == parts:
                return n
            continue
        key = re.match(r"\s*([\w.\"-]+)\s*=", line)
        if key and section + [k.strip('"') for k in key.group(1).split(".")] == parts:
            return n
    return None


def _check_keywords(data: dict, path: Path, text: str) -> None:
    """One clear line naming the file, the line and the key for a value of the wrong kind."""

    def bad(dotted: str, expected: str) -> KeywordsError:
        line = _line_of(text, dotted)
        where = f"{path}, line {line}" if line else str(path)
        return KeywordsError(f"{where}: {dotted} must be {expected}")

    kinds = data.get("kinds", {})
    if not isinstance(kinds, dict):
        raise bad("kinds", "a table of kinds ([kinds.hair] …)")
    for name, spec in kinds.items():
        if not isinstance(spec, dict):
            raise bad(f"kinds.{name}", "a table (words, label, colour, feature)")
        words = spec.get("words", [])
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise bad(f"kinds.{name}.words", 'a list of words (["red hair", "blonde"])')
        for key in ("label", "colour", "color"):
            if key in spec and not isinstance(spec[key], str):
                raise bad(f"kinds.{name}.{key}", "text in quotes")
        for key in ("feature", "replace"):
            if key in spec and not isinstance(spec[key], bool):
                raise bad(f"kinds.{name}.{key}", "true or false")
    for table in ("colours", "colors"):
        if table in data and not isinstance(data[table], dict):
            raise bad(table, 'a table of names and colour codes (red = "#ff0000")')
    lint = data.get("lint", {})
    if not isinstance(lint, dict):
        raise bad("lint", "a table ([lint])")
    for key in ("palette_tolerance", "similar_delta_e", "word_conflict_delta_e"):
        value = lint.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad(f"lint.{key}", "a number")
    pairs = lint.get("similar_feature_pairs", [])
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) >= 2 and all(isinstance(x, str) for x in p) for p in pairs
    ):
        raise bad("lint.similar_feature_pairs", 'a list of pairs ([["hair", "eyes"]])')
    single = lint.get("single_colour_features", [])
    if not isinstance(single, list) or not all(isinstance(x, str) for x in single):
        raise bad("lint.single_colour_features", "a list of kind names")


def _merge(kinds: dict[str, KeywordKind], colours: dict[str, str], tuning: LintTuning, data: dict) -> None:
    for name, spec in (data.get("kinds") or {}).items():
        if not isinstance(spec, dict):
            continue
        words = [str(w) for w in spec.get("words", []) if str(w).strip()]
        existing = kinds.get(name)
        if existing is None or spec.get("replace"):
            kinds[name] = KeywordKind(
                name=name,
                label=str(spec.get("label", existing.label if existing else name.replace("_", " ").title())),
                colour=str(spec.get("colour", spec.get("color", existing.colour if existing else "#808080"))),
                words=words,
                feature=bool(spec.get("feature", existing.feature if existing else False)),
            )
        else:
            existing.words.extend(w for w in words if w not in existing.words)
            existing.label = str(spec.get("label", existing.label))
            existing.colour = str(spec.get("colour", spec.get("color", existing.colour)))
            existing.feature = bool(spec.get("feature", existing.feature))
    for name, code in (data.get("colours") or data.get("colors") or {}).items():
        if isinstance(code, str) and normalize_hex(code):
            colours[str(name)] = normalize_hex(code)  # type: ignore[assignment]
    lint = data.get("lint") or {}
    if "similar_feature_pairs" in lint:
        tuning.similar_feature_pairs = [tuple(p[:2]) for p in lint["similar_feature_pairs"] if len(p) >= 2]
    if "single_colour_features" in lint:
        tuning.single_colour_features = [str(f) for f in lint["single_colour_features"]]
    for key in ("palette_tolerance", "similar_delta_e", "word_conflict_delta_e"):
        if key in lint:
            setattr(tuning, key, type(getattr(tuning, key))(lint[key]))


def load_keywords(extra_files: Iterable[Path] = (), include_user_file: bool = True) -> Keywords:
    """The shipped kinds, then the user's file, then ``extra_files`` (e.g. the workspace's) merged over."""
    kinds: dict[str, KeywordKind] = {}
    colours: dict[str, str] = {}
    tuning = LintTuning()
    sources: list[Path] = []
    files = [resource_path(USER_KEYWORDS_NAME)]
    if include_user_file:
        files.append(user_keywords_path())
    files.extend(Path(p) for p in extra_files)
    for index, path in enumerate(files):
        if index > 0 and not path.is_file():
            continue
        data, text = _read_toml(path)
        _check_keywords(data, path, text)
        _merge(kinds, colours, tuning, data)
        sources.append(path)
    return Keywords(kinds, colours, tuning, sources)


def keywords_for_workspace(root: Path | None) -> Keywords:
    """Shipped + user + ``<workspace>/keywords.toml`` when it exists."""
    extra = [root / USER_KEYWORDS_NAME] if root is not None else []
    return load_keywords(extra)


@lru_cache(maxsize=1)
def default_keywords() -> Keywords:
    """The shipped kinds only (tests and the CLI default)."""
    return load_keywords(include_user_file=False)
