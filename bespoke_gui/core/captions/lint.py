"""Caption lint: the problems this dataset's owner actually hit, found in the text and checked against the pixels.

Rules (id: severity):

- ``hex-shared`` (error): one hex code names two different features ("hair (#c06148)",
  "lips (#c06148)"), so the model cannot learn which colour belongs where.
- ``hex-not-in-palette`` (warning): a hex code that is not a colour of the image
  (within a tolerance); needs the image's palette passed in.
- ``hex-invalid`` (warning): ``#`` followed by something that is not a 6-digit code.
- ``colour-conflict`` (warning): one feature given two colours that contradict each other
  (two phrases, or a colour word and a hex code that are far apart).
- ``similar-features`` (warning): two look-alike features (eyes and hair) given the same
  colour words or near-identical codes.
- ``trigger-missing`` (error), ``trigger-not-first`` (error), ``trigger-differs`` (warning):
  the first ``keep_tokens`` phrases against the dataset's majority trigger.
- ``empty-phrase``, ``double-comma``, ``duplicate-phrase`` (warning), ``double-space`` (info).
- ``token-overflow`` (warning): the caption runs past the token window; names the phrases cut.
- ``multi-line`` (warning): sd-scripts reads only the first line.
- ``control-character`` (warning): a tab or other invisible control character in the caption.
- ``empty-caption`` (error), ``not-utf8`` (error), ``utf8-bom`` (warning): how sd-scripts will read the file.

A finding has a span in the caption text and, where a change is safe, a fix: the whole new text.
Linting never reads files: a whole dataset of 10,000 captions lints in well under 2 s.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bespoke_gui.core.captions.caption_files import (
    UTF8,
    UTF8_BOM,
    Phrase,
    first_line,
    normalize_phrase,
    split_phrases,
)
from bespoke_gui.core.captions.colour_rules import ColourRules
from bespoke_gui.core.captions.keywords import (
    COLOUR_KIND,
    HEX_KIND,
    KeywordMatch,
    Keywords,
    default_keywords,
)
from bespoke_gui.core.captions.tokens import DEFAULT_MAX_TOKEN_LENGTH, TokenCounter, default_counter
from bespoke_gui.core.findings import Finding, Fix, Severity

RULES: dict[str, str] = {
    "hex-shared": "one hex code names several features",
    "hex-not-in-palette": "hex code not in the image",
    "hex-invalid": "malformed hex code",
    "colour-conflict": "a feature given conflicting colours",
    "similar-features": "look-alike features with the same colour",
    "trigger-missing": "trigger phrase missing",
    "trigger-not-first": "trigger phrase not first",
    "trigger-differs": "trigger differs from the dataset",
    "empty-phrase": "empty phrase",
    "double-comma": "doubled comma",
    "duplicate-phrase": "duplicated phrase",
    "double-space": "doubled space",
    "token-overflow": "longer than the token window",
    "clarity-missing": "no pixel-art clarity phrase",
    "multi-line": "more than one line",
    "control-character": "tab or control character",
    "empty-caption": "empty caption",
    "not-utf8": "not UTF-8",
    "utf8-bom": "UTF-8 with a BOM",
    "missing-caption": "image without a caption",
    "orphan-caption": "caption without an image",
    "unreadable": "caption could not be read",
}

CLARITY_PHRASE = "hard color borders, sharp pixel edges"
_DOUBLE_SPACE_RE = re.compile(r"(?<=\S) {2,}(?=\S)")
# Control characters but line breaks (multi-line has its own rule): a tab typed by mistake.
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]+")


def without_control_characters(text: str) -> str:
    """The text with each run of control characters gone (a space where it split two words)."""
    out = _CONTROL_RE.sub(" ", text)
    return _DOUBLE_SPACE_RE.sub(" ", out).strip(" ") if out != text else text


@dataclass
class LintSettings:
    keep_tokens: int = 1
    max_token_length: int = DEFAULT_MAX_TOKEN_LENGTH
    shuffle_caption: bool = False
    # The dataset's majority trigger (the first keep_tokens phrases, as written); None = unknown.
    trigger: tuple[str, ...] | None = None


@dataclass
class CaptionFacts:
    """What lint learned about a caption besides its findings (the tab reuses them)."""

    matches: list[KeywordMatch] = field(default_factory=list)
    phrases: list[Phrase] = field(default_factory=list)
    feature_colours: dict[str, list[tuple[int, KeywordMatch]]] = field(default_factory=dict)
    token_total: int = 0
    cut_offset: int | None = None


# --------------------------------------------------------------------------- attribution


def _attribute(
    phrase_matches: list[KeywordMatch], features: set[str]
) -> list[tuple[KeywordMatch, str | None]]:
    """Which feature each colour (hex code or colour word) in one phrase describes.

    Hex codes follow their noun ("hair (#c06148)"): the nearest feature before them,
    else the first after. Colour words come before their noun ("brown eyes"): the nearest
    feature after them, else the phrase's first feature ("sunglasses with white reflection").
    """
    feats = [(i, m) for i, m in enumerate(phrase_matches) if m.kind in features]
    out: list[tuple[KeywordMatch, str | None]] = []
    for i, m in enumerate(phrase_matches):
        if m.kind not in (HEX_KIND, COLOUR_KIND):
            continue
        before = [f for j, f in feats if j < i]
        after = [f for j, f in feats if j > i]
        target: KeywordMatch | None
        if m.kind == HEX_KIND:
            target = before[-1] if before else (after[0] if after else None)
        else:
            target = after[0] if after else (feats[0][1] if feats else None)
        out.append((m, target.kind if target else None))
    return out


# --------------------------------------------------------------------------- fixes


def _remove_segment(text: str, start: int, end: int, empty: bool = False) -> str:
    """Remove text[start:end] together with one neighbouring comma separator.

    ``empty``: the span is an empty phrase ("a,, b" -> "a, b"): only its comma and the
    spaces next to it go.
    """
    left = start
    while left > 0 and text[left - 1] in " \t":
        left -= 1
    if left > 0 and text[left - 1] == ",":
        return text[: left - 1] + text[left if empty else end :]
    right = end
    while right < len(text) and text[right] in " \t":
        right += 1
    if right < len(text) and text[right] == ",":
        right += 1
        while right < len(text) and text[right] in " \t":
            right += 1
    return text[: left if empty else start] + text[right:]


def _move_to_front(text: str, phrases: list[Phrase], wanted: list[Phrase], after: int = 0) -> str:
    """The first line's phrases re-joined with ``wanted`` placed after the first ``after`` phrases."""
    line = first_line(text)
    rest = text[len(line) :]
    on_line = [p for p in phrases if p.line == 0]
    keep = [p for p in on_line if p not in wanted]
    ordered = keep[:after] + list(wanted) + keep[after:]
    return ", ".join(p.text for p in ordered) + rest


# --------------------------------------------------------------------------- the rules


class PhraseInfo(NamedTuple):
    """What a phrase's text alone decides; cached per text (a dataset repeats most phrases,
    and a keystroke leaves all but one phrase of the caption as they were)."""

    normalized: str
    matches: tuple[KeywordMatch, ...]  # offsets relative to the phrase
    roles: tuple[tuple[int, str | None], ...]  # (index in matches, the feature it describes) per colour
    hexes: tuple[int, ...]  # indices of the hex codes in matches
    has_clarity: bool


def _shifted(m: KeywordMatch, shift: int) -> KeywordMatch:
    return KeywordMatch(m.start + shift, m.end + shift, m.kind, m.text, m.colour)


class CaptionLinter(ColourRules):
    """Lints one caption at a time; holds the keywords, the token counter and the settings."""

    def __init__(
        self,
        keywords: Keywords | None = None,
        settings: LintSettings | None = None,
        counter: TokenCounter | None = None,
    ) -> None:
        self.keywords = keywords or default_keywords()
        self.settings = settings or LintSettings()
        self.counter = counter or default_counter()
        self._features = set(self.keywords.feature_kinds)
        self._phrase_cache: dict[str, PhraseInfo] = {}

    def lint(
        self,
        text: str,
        palette: Sequence[tuple[int, int, int]] | None = None,
        encoding: str = UTF8,
        facts: CaptionFacts | None = None,
    ) -> list[Finding]:
        findings: list[Finding] = []
        # Every keyword match with caption offsets is built only for a caller that asks for
        # the facts (the editor); a dataset lint needs the few that findings point at.
        want_matches = facts is not None
        facts = facts if facts is not None else CaptionFacts()
        if not text.strip():
            findings.append(
                Finding.in_text(
                    "empty-caption",
                    Severity.ERROR,
                    "the caption is empty: the image trains with no text at all",
                    0,
                    len(text),
                )
            )
            return findings
        self._encoding(findings, text, encoding)
        all_phrases = split_phrases(text, keep_empty=True)
        phrases = [p for p in all_phrases if p.text]
        # Phrases come in text order, so the first line's are a prefix.
        on_first_line = len(phrases)
        if "\n" in text:
            for k, p in enumerate(phrases):
                if p.line:
                    on_first_line = k
                    break
        facts.phrases = phrases
        # One pass: what each phrase's text decides (cached), the phrases naming colours, the hex
        # codes (caption offsets), the clarity phrases.
        cached = self._phrase_cache.get
        infos: list[PhraseInfo] = []
        coloured: list[tuple[Phrase, PhraseInfo]] = []
        hexes: list[KeywordMatch] = []
        clarity: set[int] = set()
        for p in phrases:
            info = cached(p.text) or self._phrase_info(p.text)
            infos.append(info)
            if info.roles:
                coloured.append((p, info))
                for i in info.hexes:
                    hexes.append(_shifted(info.matches[i], p.start))
            if info.has_clarity:
                clarity.add(p.index)
        if want_matches:
            facts.matches = [_shifted(m, p.start) for p, info in zip(phrases, infos) for m in info.matches]
        self._separators(findings, text, all_phrases)
        self._duplicates(findings, text, phrases, infos)
        self._lines(findings, text)
        self._colours(findings, text, coloured, hexes, palette, facts)
        self._trigger(findings, text, phrases[:on_first_line], infos[:on_first_line])
        self._clarity(findings, text, phrases[:on_first_line], clarity)
        self._tokens(findings, text, phrases[:on_first_line], clarity, facts, exact_total=want_matches)
        findings.sort(key=lambda f: (f.start, f.severity.rank))
        return findings

    def _phrase_info(self, phrase: str) -> PhraseInfo:
        info = self._phrase_cache.get(phrase)
        if info is None:
            matches = tuple(self.keywords.classify_phrase(phrase))
            roles = tuple(
                (matches.index(m), feature) for m, feature in _attribute(list(matches), self._features)
            )
            hexes = tuple(i for i, m in enumerate(matches) if m.kind == HEX_KIND)
            info = PhraseInfo(
                normalize_phrase(phrase), matches, roles, hexes, any(m.kind == "clarity" for m in matches)
            )
            if len(self._phrase_cache) > 65536:
                self._phrase_cache.clear()
            self._phrase_cache[phrase] = info
        return info

    # -- file-level

    def _encoding(self, findings: list[Finding], text: str, encoding: str) -> None:
        if encoding not in (UTF8, UTF8_BOM) and not text.isascii():
            findings.append(
                Finding.in_text(
                    "not-utf8",
                    Severity.ERROR,
                    f"stored as {encoding}: sd-scripts reads captions as UTF-8 and stops with a decode error; "
                    "save it as UTF-8",
                    0,
                    0,
                )
            )
        elif encoding == UTF8_BOM:
            findings.append(
                Finding.in_text(
                    "utf8-bom",
                    Severity.WARNING,
                    "starts with a byte-order mark: sd-scripts keeps it glued to the first phrase, "
                    "so the trigger no longer matches; save it as UTF-8 without BOM",
                    0,
                    0,
                )
            )

    # -- separators, duplicates, lines

    def _separators(self, findings: list[Finding], text: str, all_phrases: list[Phrase]) -> None:
        for p in all_phrases:
            if p.text:
                continue
            before = text[: p.start].rstrip(" \t")
            after = text[p.end :].lstrip(" \t")
            doubled = before.endswith(",") and after.startswith(",")
            rule = "double-comma" if doubled else "empty-phrase"
            message = "two commas with nothing between them" if doubled else "an empty phrase (a stray comma)"
            comma = before.rfind(",") if before.endswith(",") else p.start
            span_start = comma if comma >= 0 else p.start
            span_end = max(p.end, span_start + 1)
            fixed = _remove_empty(text, p)
            findings.append(
                Finding.in_text(
                    rule,
                    Severity.WARNING,
                    message,
                    span_start,
                    span_end,
                    Fix("remove the stray comma", fixed),
                )
            )
        controls = list(_CONTROL_RE.finditer(text))
        if controls:
            first, last = controls[0], controls[-1]
            findings.append(
                Finding.in_text(
                    "control-character",
                    Severity.WARNING,
                    f"{sum(len(m.group()) for m in controls)} tab/control character(s): invisible here, "
                    "but sd-scripts tokenises them",
                    first.start(),
                    last.end(),
                    Fix("remove them", without_control_characters(text)),
                )
            )
        if "  " in text:
            for m in _DOUBLE_SPACE_RE.finditer(text):
                fixed = text[: m.start()] + " " + text[m.end() :]
                findings.append(
                    Finding.in_text(
                        "double-space",
                        Severity.INFO,
                        "doubled space",
                        m.start(),
                        m.end(),
                        Fix("collapse to one space", fixed),
                    )
                )

    def _duplicates(
        self, findings: list[Finding], text: str, phrases: list[Phrase], infos: list[PhraseInfo]
    ) -> None:
        seen: dict[str, Phrase] = {}
        for p, info in zip(phrases, infos):
            key = info.normalized
            if key in seen:
                findings.append(
                    Finding.in_text(
                        "duplicate-phrase",
                        Severity.WARNING,
                        f'"{p.text}" appears twice (also phrase {seen[key].index + 1})',
                        p.start,
                        p.end,
                        Fix("remove the repeat", _remove_segment(text, p.start, p.end)),
                        ((seen[key].start, seen[key].end),),
                    )
                )
            else:
                seen[key] = p

    def _lines(self, findings: list[Finding], text: str) -> None:
        if "\n" not in text:
            return
        lines = text.split("\n")
        extra = [ln for ln in lines[1:] if ln.strip()]
        if not extra:
            return
        first_end = len(lines[0])
        joined = ", ".join(ln.strip().strip(",").strip() for ln in lines if ln.strip())
        findings.append(
            Finding.in_text(
                "multi-line",
                Severity.WARNING,
                f"{len(extra)} more line(s): sd-scripts reads only the first line of a caption file",
                first_end,
                len(text),
                Fix("join the lines with commas", joined),
            )
        )

    # -- trigger

    def _trigger(
        self, findings: list[Finding], text: str, line_phrases: list[Phrase], line_infos: list[PhraseInfo]
    ) -> None:
        """``line_phrases``: the first line's phrases (what sd-scripts reads)."""
        keep = self.settings.keep_tokens
        trigger = self.settings.trigger
        if keep <= 0 or not trigger:
            return
        wanted = [normalize_phrase(t) for t in trigger]
        head = [info.normalized for info in line_infos[:keep]]
        if head == wanted:
            return
        positions: list[Phrase] = []
        for w in wanted:
            found = next(
                (
                    p
                    for p, info in zip(line_phrases, line_infos)
                    if info.normalized == w and p not in positions
                ),
                None,
            )
            if found is None:
                break
            positions.append(found)
        span_end = line_phrases[min(keep, len(line_phrases)) - 1].end if line_phrases else 0
        shown = ", ".join(trigger)
        if len(positions) == len(wanted):
            fixed = _move_to_front(text, line_phrases, positions)
            findings.append(
                Finding.in_text(
                    "trigger-not-first",
                    Severity.ERROR,
                    f'the trigger "{shown}" is not in the first {keep} phrase(s), so shuffle_caption moves it',
                    positions[0].start,
                    positions[0].end,
                    Fix("move the trigger to the front", fixed),
                )
            )
            return
        head_text = " ".join(head)
        similar = difflib.SequenceMatcher(None, _squash(head_text), _squash(" ".join(wanted))).ratio() >= 0.75
        if similar and len(line_phrases) >= keep:
            first = line_phrases[0]
            last = line_phrases[keep - 1]
            fixed = text[: first.start] + ", ".join(trigger) + text[last.end :]
            findings.append(
                Finding.in_text(
                    "trigger-differs",
                    Severity.WARNING,
                    f'starts with "{text[first.start : last.end]}" where the rest of the dataset has "{shown}"',
                    first.start,
                    last.end,
                    Fix(f'use "{shown}"', fixed),
                )
            )
            return
        fixed = ", ".join(trigger) + (", " + text if text.strip() else "")
        findings.append(
            Finding.in_text(
                "trigger-missing",
                Severity.ERROR,
                f'the dataset\'s trigger "{shown}" is missing from the first {keep} phrase(s)',
                0,
                span_end,
                Fix("add the trigger at the front", fixed),
            )
        )

    # -- tokens

    def _clarity(
        self, findings: list[Finding], text: str, line_phrases: list[Phrase], clarity: set[int]
    ) -> None:
        """The user's captions carry a clarity phrase so the model keeps hard pixel edges.
        ``clarity``: the indices of the phrases (on any line) that have one."""
        if clarity:
            return
        keep = max(self.settings.keep_tokens, 0)
        # Insert right after the kept trigger phrases: early enough never to be cut off.
        if keep and len(line_phrases) >= keep:
            at = line_phrases[keep - 1].end
            fixed = text[:at] + ", " + CLARITY_PHRASE + text[at:]
        else:
            fixed = CLARITY_PHRASE + (", " + text if text.strip() else "")
        findings.append(
            Finding.in_text(
                "clarity-missing",
                Severity.INFO,
                f'no pixel-art clarity phrase such as "{CLARITY_PHRASE}": the model is not told to keep hard edges',
                0,
                len(first_line(text)),
                Fix(f'add "{CLARITY_PHRASE}" after the trigger', fixed),
            )
        )

    def _tokens(
        self,
        findings: list[Finding],
        text: str,
        line_phrases: list[Phrase],
        clarity: set[int],
        facts: CaptionFacts,
        exact_total: bool = True,
    ) -> None:
        """``exact_total``: the caller reads ``facts.token_total``; without it, a line that cannot
        reach the window is not counted (a CLIP token always covers at least one byte)."""
        line = first_line(text)
        limit = self.settings.max_token_length
        if not exact_total and len(line) <= limit and line.isascii():
            facts.token_total = -1  # not counted: it fits
            facts.cut_offset = None
            return
        total = self.counter.count(line)
        facts.token_total = total
        facts.cut_offset = None
        if total <= limit:
            return
        cut_offset = self.counter.cut_offset(line, limit)
        facts.cut_offset = cut_offset
        offset = cut_offset if cut_offset is not None else len(line)
        lost = [p for p in line_phrases if p.start >= offset]
        partly = [p for p in line_phrases if p.start < offset < p.end]
        names = [f'"{p.text}"' for p in lost]
        detail = ("phrases past the cut: " + ", ".join(names)) if names else "no whole phrase is lost"
        if partly:
            detail += f'; "{partly[0].text}" is cut in the middle'
        note = ""
        if self.settings.shuffle_caption:
            note = f" (shuffle_caption is on: any phrase after the first {self.settings.keep_tokens} can land past it)"
        fix = None
        late_clarity = [p for p in lost + partly if p.index in clarity]
        if late_clarity and not self.settings.shuffle_caption:
            keep = max(self.settings.keep_tokens, 0)
            fix = Fix(
                "move the clarity phrases up, after the trigger",
                _move_to_front(text, line_phrases, late_clarity, after=keep),
            )
        findings.append(
            Finding.in_text(
                "token-overflow",
                Severity.WARNING,
                f"{total} tokens, over the {limit}-token window{' (estimate)' if self.counter.is_estimate else ''}: "
                f"{detail}{note}",
                offset,
                len(line),
                fix,
            )
        )


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _remove_empty(text: str, p: Phrase) -> str:
    """Remove an empty phrase's comma (and the spaces around it)."""
    return _remove_segment(text, p.start, p.end, empty=True)
