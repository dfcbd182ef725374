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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from bespoke_gui.core.resources import resource_path

TRIGGER_KIND = "trigger"
HEX_KIND = "hex"
COLOUR_KIND = "colour"
USER_KEYWORDS_NAME = "keywords.toml"

HEX_RE = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b|#[0-9a-fA-F]{1,8}\b")
_VALID_HEX_RE = re.compile(r"#[0-9a-fA-F]{6}")


class KeywordsError(Exception):
    """A keywords file could not be read; the message names the file."""


@dataclass
class KeywordKind:
    name: str
    label: str
    colour: str
    words: list[str] = field(default_factory=list)
    feature: bool = False


@dataclass(frozen=True)
class KeywordMatch:
    start: int
    end: int
    kind: str
    text: str
    colour: str | None = None  # the hex code's own colour, or a colour word's reference colour

    @property
    def is_hex(self) -> bool:
        return self.kind == HEX_KIND


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


def hex_to_rgb(code: str) -> tuple[int, int, int]:
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
    la, lb = _lab_cached(tuple(a)), _lab_cached(tuple(b))  # type: ignore[arg-type]
    return ((la[0] - lb[0]) ** 2 + (la[1] - lb[1]) ** 2 + (la[2] - lb[2]) ** 2) ** 0.5


class Keywords:
    """The merged keyword kinds plus a compiled matcher."""

    def __init__(self, kinds: dict[str, KeywordKind], colours: dict[str, str], tuning: LintTuning,
                 sources: list[Path] | None = None) -> None:
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
        words = sorted(self._word_kind, key=len, reverse=True)
        parts = [r"\s+".join(re.escape(w) for w in word.split()) for word in words]
        # Whole words only; a plural s/es is accepted. Hex codes are their own alternative.
        alternation = "|".join(parts) if parts else r"(?!x)x"
        self._pattern = re.compile(
            r"(?P<hex>#[0-9a-fA-F]+\b)|(?<![\w#])(?P<word>(?:" + alternation + r"))(?:e?s)?(?![\w-])",
            re.IGNORECASE,
        )

    @property
    def feature_kinds(self) -> list[str]:
        return [k.name for k in self.kinds.values() if k.feature]

    def kind_colour(self, kind: str) -> str:
        found = self.kinds.get(kind)
        return found.colour if found else "#808080"

    def kind_label(self, kind: str) -> str:
        found = self.kinds.get(kind)
        return found.label if found else kind

    def kind_of(self, word: str) -> str | None:
        return self._word_kind.get(" ".join(word.lower().split()))

    def classify(self, text: str) -> list[KeywordMatch]:
        """Every keyword, colour word and hex code in ``text``, in order, without overlaps."""
        out: list[KeywordMatch] = []
        for match in self._pattern.finditer(text):
            if match.group("hex") is not None:
                code = normalize_hex(match.group("hex"))
                out.append(KeywordMatch(match.start(), match.end(), HEX_KIND, match.group(0), code))
                continue
            word = match.group("word")
            key = " ".join(word.lower().split())
            kind = self._word_kind.get(key)
            if kind is None:
                continue
            colour = self.colours.get(key) if kind == COLOUR_KIND else None
            out.append(KeywordMatch(match.start(), match.end(), kind, match.group(0), colour))
        return out

    def words_of(self, kind: str) -> list[str]:
        return sorted(w for w, k in self._word_kind.items() if k == kind)


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise KeywordsError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise KeywordsError(f"{path}: {exc.strerror or exc}") from None


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
        _merge(kinds, colours, tuning, _read_toml(path))
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
