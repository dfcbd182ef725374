"""The colour rules of the caption lint (``hex-shared``, ``hex-not-in-palette``,
``hex-invalid``, ``colour-conflict``, ``similar-features``): a part of ``CaptionLinter``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bespoke_gui.core.captions.caption_files import Phrase
from bespoke_gui.core.captions.keywords import (
    COLOUR_KIND,
    HEX_KIND,
    KeywordMatch,
    Keywords,
    delta_e,
    hex_to_rgb,
    rgb_to_hex,
)
from bespoke_gui.core.findings import Finding, Fix, Severity

if TYPE_CHECKING:
    from bespoke_gui.core.captions.lint import CaptionFacts, LintSettings, PhraseInfo


class ColourRules:
    """What the colour rules need of the linter: its keywords and settings."""

    keywords: Keywords
    settings: LintSettings

    # -- colours

    def _colours(
        self,
        findings: list[Finding],
        text: str,
        coloured: list[tuple[Phrase, PhraseInfo]],
        hexes: list[KeywordMatch],
        palette: Sequence[tuple[int, int, int]] | None,
        facts: CaptionFacts,
    ) -> None:
        """``coloured``: the phrases with a colour word or hex code; ``hexes``: every hex code."""
        tuning = self.keywords.tuning
        # feature -> [(phrase index, colour match)]
        by_feature: dict[str, list[tuple[int, KeywordMatch]]] = {}
        hex_features: dict[str, dict[str, KeywordMatch]] = {}
        hex_order: list[str] = []
        make = tuple.__new__  # KeywordMatch(...) without the Python-level __new__: this loop is hot
        for p, info in coloured:
            shift = p.start
            for i, feature in info.roles:
                r = info.matches[i]
                m = make(KeywordMatch, (r.start + shift, r.end + shift, r.kind, r.text, r.colour))
                if m.kind == HEX_KIND and m.colour and m.colour not in hex_features:
                    hex_features[m.colour] = {}
                    hex_order.append(m.colour)
                if feature is None:
                    continue
                by_feature.setdefault(feature, []).append((p.index, m))
                if m.kind == HEX_KIND and m.colour:
                    hex_features[m.colour].setdefault(feature, m)
        facts.feature_colours = by_feature

        for m in hexes:
            if m.colour is None:
                findings.append(
                    Finding.in_text(
                        "hex-invalid",
                        Severity.WARNING,
                        f"{m.text} is not a colour code (#rrggbb)",
                        m.start,
                        m.end,
                    )
                )

        for code in hex_order:
            feats = hex_features[code]
            if len(feats) >= 2:
                names = list(feats)
                spans = [(m.start, m.end) for m in feats.values()]
                listed = ", ".join(names[:-1]) + " and " + names[-1]
                findings.append(
                    Finding.in_text(
                        "hex-shared",
                        Severity.ERROR,
                        f"{code} names {listed}: one colour cannot be the truth for different features",
                        spans[0][0],
                        spans[0][1],
                        None,
                        tuple(spans[1:]),
                    )
                )

        if palette and hexes:
            self._palette(findings, text, hexes, palette, tuning.palette_tolerance)

        for feature in tuning.single_colour_features:
            items = by_feature.get(feature)
            if items is not None and len(items) >= 2:  # one colour cannot conflict with itself
                self._conflicts(findings, feature, items, tuning.word_conflict_delta_e)
        for a, b in tuning.similar_feature_pairs:
            self._similar(findings, a, b, by_feature.get(a, []), by_feature.get(b, []), palette)

    def _palette(
        self,
        findings: list[Finding],
        text: str,
        hexes: list[KeywordMatch],
        palette: Sequence[tuple[int, int, int]],
        tolerance: int,
    ) -> None:
        reported: set[str] = set()
        for m in hexes:
            if m.colour is None or m.colour in reported:
                continue
            rgb = hex_to_rgb(m.colour)
            nearest = min(
                palette, key=lambda c: max(abs(c[0] - rgb[0]), abs(c[1] - rgb[1]), abs(c[2] - rgb[2]))
            )
            gap = max(abs(nearest[0] - rgb[0]), abs(nearest[1] - rgb[1]), abs(nearest[2] - rgb[2]))
            if gap <= tolerance:
                continue
            reported.add(m.colour)
            near_hex = rgb_to_hex(nearest)
            fix = None
            if gap <= tolerance * 3:
                fixed = re.sub(re.escape(m.text), near_hex, text, flags=re.IGNORECASE)
                fix = Fix(f"use the image's {near_hex}", fixed)
            findings.append(
                Finding.in_text(
                    "hex-not-in-palette",
                    Severity.WARNING,
                    f"{m.colour} is not a colour of the image (nearest is {near_hex}, {gap} away)",
                    m.start,
                    m.end,
                    fix,
                )
            )

    def _colour_refs(self, items: list[tuple[int, KeywordMatch]]) -> dict[int, list[KeywordMatch]]:
        per_phrase: dict[int, list[KeywordMatch]] = {}
        for index, m in items:
            if m.colour:
                per_phrase.setdefault(index, []).append(m)
        return per_phrase

    def _conflicts(
        self, findings: list[Finding], feature: str, items: list[tuple[int, KeywordMatch]], threshold: float
    ) -> None:
        if len(items) < 2:
            return  # one colour cannot conflict with itself
        per_phrase = self._colour_refs(items)
        modifiers: dict[int, set[str]] = {}
        for index, m in items:
            if m.kind == COLOUR_KIND and m.colour is None:
                modifiers.setdefault(index, set()).add(m.text.lower())
        # A colour word next to a hex code that is nowhere near it.
        for index, colours in per_phrase.items():
            hexes = [m for m in colours if m.kind == HEX_KIND]
            words = [m for m in colours if m.kind == COLOUR_KIND]
            if not hexes or not words:
                continue
            refs = _shaded_refs([hex_to_rgb(w.colour) for w in words], modifiers.get(index, set()))
            for h in hexes:
                best = min(delta_e(hex_to_rgb(h.colour), ref) for ref in refs)
                if best > threshold:
                    said = " ".join(w.text for w in words)
                    findings.append(
                        Finding.in_text(
                            "colour-conflict",
                            Severity.WARNING,
                            f'{feature}: the words say "{said}" but {h.colour} is a different colour (ΔE {best:.0f})',
                            h.start,
                            h.end,
                        )
                    )
        # Two phrases describing the feature in colours that have nothing in common.
        phrases = sorted(per_phrase)
        for i, a in enumerate(phrases):
            for b in phrases[i + 1 :]:
                ca, cb = per_phrase[a], per_phrase[b]
                best = min(delta_e(hex_to_rgb(x.colour), hex_to_rgb(y.colour)) for x in ca for y in cb)
                if best > threshold:
                    first, second = ca[0], cb[0]
                    findings.append(
                        Finding.in_text(
                            "colour-conflict",
                            Severity.WARNING,
                            f'{feature} is "{first.text}" in one phrase and "{second.text}" in another',
                            second.start,
                            second.end,
                            None,
                            ((first.start, first.end),),
                        )
                    )

    def _similar(
        self,
        findings: list[Finding],
        a: str,
        b: str,
        items_a: list[tuple[int, KeywordMatch]],
        items_b: list[tuple[int, KeywordMatch]],
        palette: Sequence[tuple[int, int, int]] | None,
    ) -> None:
        if not items_a or not items_b:
            return
        hex_a = [m for _, m in items_a if m.kind == HEX_KIND and m.colour]
        hex_b = [m for _, m in items_b if m.kind == HEX_KIND and m.colour]
        words_a = {m.text.lower(): m for _, m in items_a if m.kind == COLOUR_KIND and m.colour}
        words_b = {m.text.lower(): m for _, m in items_b if m.kind == COLOUR_KIND and m.colour}
        shared = [w for w in words_b if w in words_a]
        threshold = self.keywords.tuning.similar_delta_e
        if hex_a and hex_b:
            pairs = [
                (x, y, delta_e(hex_to_rgb(x.colour), hex_to_rgb(y.colour))) for x in hex_a for y in hex_b
            ]
            close = [(x, y, d) for x, y, d in pairs if x.colour != y.colour and d < threshold]
            if close:
                x, y, d = min(close, key=lambda t: t[2])
                also = f' and both are called "{shared[0]}"' if shared else ""
                findings.append(
                    Finding.in_text(
                        "similar-features",
                        Severity.WARNING,
                        f"{a} ({x.colour}) and {b} ({y.colour}) are near-identical colours (ΔE {d:.1f}){also}: "
                        "the model will blur them together",
                        y.start,
                        y.end,
                        None,
                        ((x.start, x.end),),
                    )
                )
            return
        if shared:
            word = shared[0]
            reason = (
                "their pixels were not compared: the caption gives no hex codes for them"
                if palette
                else "their pixels were not compared: no image palette and no hex codes"
            )
            findings.append(
                Finding.in_text(
                    "similar-features",
                    Severity.WARNING,
                    f'{a} and {b} are both "{word}": describe them so they differ ({reason})',
                    words_b[word].start,
                    words_b[word].end,
                    None,
                    ((words_a[word].start, words_a[word].end),),
                )
            )


_LIGHTER = {"light", "pale", "pastel", "bright", "off white"}
_DARKER = {"dark", "deep", "near black"}


def _shaded_refs(refs: list[tuple[int, int, int]], modifiers: set[str]) -> list[tuple[int, int, int]]:
    """Reference colours plus their lighter/darker shades when the words say "light"/"dark"."""
    out = list(refs)
    for r in refs:
        red, green, blue = r
        if modifiers & _LIGHTER:
            out.append(
                (
                    int(red + (255 - red) * 0.5),
                    int(green + (255 - green) * 0.5),
                    int(blue + (255 - blue) * 0.5),
                )
            )
        if modifiers & _DARKER:
            out.append((int(red * 0.55), int(green * 0.55), int(blue * 0.55)))
    return out
