"""Lint rules: each one fires on the problem it names and stays quiet on a clean caption."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bespoke_gui.core.captions.caption_files import UTF8_BOM, read_caption
from bespoke_gui.core.captions.dataset_lint import (
    LintInput,
    dataset_trigger,
    lint_dataset,
    read_training_settings,
)
from bespoke_gui.core.captions.lint import CaptionLinter, LintSettings
from bespoke_gui.core.findings import Severity

CLEAN = (
    "pixel art, 24x24, portrait of bespoke punk lad, dark brown hair, wearing black rectangular sunglasses, "
    "blue eyes, lips, light skin, solid green background, hard color borders, sharp pixel edges"
)


def lint(text: str, palette=None, encoding: str = "utf-8", **settings) -> list:
    base = dict(keep_tokens=1, max_token_length=75, trigger=("pixel art",))
    base.update(settings)
    return CaptionLinter(settings=LintSettings(**base)).lint(text, palette, encoding)


def rules(findings) -> list[str]:
    return [f.rule for f in findings]


def test_clean_caption_has_no_findings() -> None:
    assert lint(CLEAN) == []


def test_one_hex_naming_several_features_is_an_error() -> None:
    text = "pixel art, hair (#c06148), lips (#c06148), dark brown eyes (#6b4a2a), brick background (#c06148)"
    found = [f for f in lint(text) if f.rule == "hex-shared"]
    assert len(found) == 1
    assert found[0].severity == Severity.ERROR
    assert "hair" in found[0].message and "lips" in found[0].message and "background" in found[0].message
    assert text[found[0].start : found[0].end] == "#c06148"
    assert len(found[0].other_spans) == 2


def test_palette_codes_not_naming_features_are_not_shared() -> None:
    text = "pixel art, hair (#c06148), palette: #c06148, #b27f60, #000000"
    assert "hex-shared" not in rules(lint(text))


def test_hex_not_in_palette_with_tolerance_and_fix() -> None:
    palette = [(192, 97, 72), (0, 0, 0), (255, 255, 255)]
    text = "pixel art, hair (#c26349), eyes (#123456), lips (#d07050)"
    found = {f.message.split()[0]: f for f in lint(text, palette) if f.rule == "hex-not-in-palette"}
    assert "#c26349" not in found  # 2 away: within the tolerance
    assert "#123456" in found and found["#123456"].fix is None  # far from everything: no safe fix
    near = found["#d07050"]
    assert near.fix is not None and "#c06148" in near.fix.text
    assert "hex-not-in-palette" not in rules(lint(text))  # no palette: not checked


def test_feature_with_conflicting_colours() -> None:
    found = lint("pixel art, brown hair (#0153fd), lips")
    assert "colour-conflict" in rules(found)
    found = lint("pixel art, blonde hair, lips, black hair")
    assert "colour-conflict" in rules(found)
    assert "colour-conflict" not in rules(lint("pixel art, golden blonde hair (#e0c070), lips"))


def test_eyes_and_hair_alike() -> None:
    text_only = [f for f in lint("pixel art, brown hair, brown eyes") if f.rule == "similar-features"]
    assert len(text_only) == 1 and "not compared" in text_only[0].message
    with_codes = lint("pixel art, hair (#cdc2c8), gray eyes (#beb1b8)")
    assert "similar-features" in rules(with_codes)
    distinct = lint("pixel art, brown hair (#7b4a2a), brown eyes (#2a1408)")
    assert "similar-features" not in rules(distinct)


def test_trigger_missing_not_first_and_different() -> None:
    missing = [f for f in lint("24x24, portrait, hat") if f.rule == "trigger-missing"][0]
    assert missing.severity == Severity.ERROR and missing.fix.text == "pixel art, 24x24, portrait, hat"
    late = [f for f in lint("24x24, pixel art, hat") if f.rule == "trigger-not-first"][0]
    assert late.fix.text == "pixel art, 24x24, hat"
    differs = [f for f in lint("pixel-art, 24x24, hat") if f.rule == "trigger-differs"][0]
    assert differs.fix.text == "pixel art, 24x24, hat"
    assert not any(r.startswith("trigger") for r in rules(lint("pixel art, hat")))
    assert not any(r.startswith("trigger") for r in rules(lint("24x24, hat", keep_tokens=0)))


def test_separators_duplicates_and_spaces_with_fixes() -> None:
    text = "pixel art,, red hair,  hat, red hair, lips,"
    found = lint(text)
    by_rule = {f.rule: f for f in found}
    assert by_rule["double-comma"].fix.text == "pixel art, red hair,  hat, red hair, lips,"
    assert by_rule["empty-phrase"].fix.text == "pixel art,, red hair,  hat, red hair, lips"
    assert by_rule["duplicate-phrase"].fix.text == "pixel art,, red hair,  hat, lips,"
    assert text[by_rule["duplicate-phrase"].start : by_rule["duplicate-phrase"].end] == "red hair"
    spaced = lint("pixel art, red  hair")
    assert [f.fix.text for f in spaced if f.rule == "double-space"] == ["pixel art, red hair"]


def test_token_overflow_names_the_phrases_past_the_cut_and_moves_clarity_up() -> None:
    filler = ", ".join(f"detail number {i}" for i in range(30))
    text = f"pixel art, {filler}, hard color borders, sharp pixel edges"
    found = [f for f in lint(text) if f.rule == "token-overflow"][0]
    assert '"hard color borders"' in found.message and '"sharp pixel edges"' in found.message
    assert found.start > 0 and found.end == len(text)
    assert found.fix is not None and found.fix.text.startswith(
        "pixel art, hard color borders, sharp pixel edges, detail"
    )
    assert "token-overflow" not in rules(lint(text, max_token_length=225))
    shuffled = [f for f in lint(text, shuffle_caption=True) if f.rule == "token-overflow"][0]
    assert "shuffle_caption" in shuffled.message and shuffled.fix is None


def test_file_level_rules() -> None:
    assert rules(lint("")) == ["empty-caption"]
    assert "multi-line" in rules(lint("pixel art, hat\nsecond line"))
    fix = [f for f in lint("pixel art, hat\nsecond line") if f.rule == "multi-line"][0].fix
    assert fix.text == "pixel art, hat, second line"
    assert "not-utf8" in rules(lint("pixel art, caf\u00e9", encoding="cp1252"))
    assert "utf8-bom" in rules(lint("pixel art", encoding=UTF8_BOM))


def test_every_fix_resolves_its_own_finding() -> None:
    text = "24x24, pixel art,, hat, hat,  lips,\nmore"
    for finding in lint(text):
        if finding.fix is None:
            continue
        after = lint(finding.fix.text)
        assert sum(f.rule == finding.rule for f in after) < sum(f.rule == finding.rule for f in lint(text))


def test_dataset_majority_trigger_and_lint_job() -> None:
    clear = ", sharp pixel edges"  # so only the trigger rules speak
    texts = [
        t + clear for t in ["pixel art, a", "pixel art, b", "Pixel  Art, c", "pixelart, d", "hat, pixel art"]
    ]
    assert dataset_trigger(texts, 1) == ("pixel art",)
    assert dataset_trigger(["a, x", "b, y"], 1) is None
    items = [LintInput(f"{i}.txt", t) for i, t in enumerate(texts)]
    seen = []
    result = lint_dataset(items, LintSettings(keep_tokens=1), progress=lambda d, t, m: seen.append((d, t)))
    assert result.trigger == ("pixel art",)
    assert [f.rule for f in result.findings["3.txt"]] == ["trigger-differs"]
    assert [f.rule for f in result.findings["4.txt"]] == ["trigger-not-first"]
    assert result.findings["0.txt"] == [] and result.has_errors
    assert seen[-1] == (5, 5)


def test_lint_job_is_fast_enough_for_big_datasets() -> None:
    texts = [CLEAN.replace("blue", f"blue{i % 7}") + f", detail {i}" for i in range(2000)]
    items = [LintInput(f"{i}.txt", t) for i, t in enumerate(texts)]
    start = time.perf_counter()
    lint_dataset(items, LintSettings())
    # The benchmark measures 10,000; here only a sanity bound with lots of headroom.
    assert time.perf_counter() - start < 5


def test_training_settings_from_real_shaped_toml(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        "[training_arguments]\nkeep_tokens = 2\nmax_token_length = 225\nshuffle_caption = true\n"
        '[[datasets]]\n[[datasets.subsets]]\ncaption_extension = "caption"\n',
        encoding="utf-8",
    )
    s = read_training_settings(config)
    assert (s.keep_tokens, s.max_token_length, s.shuffle_caption, s.caption_extension) == (
        2,
        225,
        True,
        ".caption",
    )
    assert read_training_settings(None).lint_settings().max_token_length == 75
    bad = tmp_path / "bad.toml"
    bad.write_text("keep_tokens = ", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid TOML"):
        read_training_settings(bad)


def test_real_captions_with_hex_show_the_shared_code_problem(realdata: Path) -> None:
    folder = realdata / "bespokebaby2" / "captions_with_hex"
    items = [LintInput(p.name, read_caption(p).text) for p in sorted(folder.glob("*.txt"))]
    result = lint_dataset(items, LintSettings(keep_tokens=1, max_token_length=225))
    files = result.files_by_rule()
    assert files["hex-shared"] >= 0.9 * len(items)
    final = realdata / "bespokebaby2" / "training_data_512"
    clean = lint_dataset(
        [LintInput(p.name, read_caption(p).text) for p in sorted(final.glob("*.txt"))],
        LintSettings(keep_tokens=1, max_token_length=225),
    )
    assert not clean.has_errors
    assert clean.files_by_rule()["hex-shared"] == 0


def test_missing_clarity_phrase_is_noted_with_a_fix_after_the_trigger() -> None:
    from bespoke_gui.core.captions.lint import CaptionLinter, LintSettings

    linter = CaptionLinter(settings=LintSettings(keep_tokens=1))
    text = "pixel art, red hair, blue eyes"
    found = [f for f in linter.lint(text) if f.rule == "clarity-missing"]
    assert len(found) == 1 and found[0].severity == "info"
    assert found[0].fix is not None
    assert found[0].fix.text == "pixel art, hard color borders, sharp pixel edges, red hair, blue eyes"
    assert not [f for f in linter.lint(found[0].fix.text) if f.rule == "clarity-missing"]
    assert not [f for f in linter.lint(text + ", sharp pixel edges") if f.rule == "clarity-missing"]


def test_phrase_results_are_reused_without_mixing_up_offsets() -> None:
    # The linter caches what a phrase's text decides; spans must still follow each caption.
    linter = CaptionLinter(settings=LintSettings(keep_tokens=1, max_token_length=75, trigger=("pixel art",)))
    shared = "hair (#c06148), lips (#c06148)"
    for text in ("pixel art, " + shared, "pixel art, red hat, blue eyes, " + shared):
        found = [f for f in linter.lint(text) if f.rule == "hex-shared"]
        assert len(found) == 1
        assert text[found[0].start : found[0].end] == "#c06148"
        assert found[0].start == text.index("#c06148")
        assert [text[s:e] for s, e in found[0].other_spans] == ["#c06148"]
        assert found[0].other_spans[0][0] == text.rindex("#c06148")


def test_facts_are_filled_only_when_asked_and_findings_do_not_depend_on_it() -> None:
    from bespoke_gui.core.captions.lint import CaptionFacts

    linter = CaptionLinter(settings=LintSettings(keep_tokens=1, max_token_length=75, trigger=("pixel art",)))
    text = "pixel art, hair (#c06148), brown eyes, brown hair,, " + ", ".join(
        f"phrase {i}" for i in range(40)
    )
    facts = CaptionFacts()
    with_facts = linter.lint(text, [(192, 97, 72)], "utf-8", facts)
    assert with_facts == linter.lint(text, [(192, 97, 72)], "utf-8")
    assert [text[m.start : m.end] for m in facts.matches][:3] == ["pixel art", "hair", "#c06148"]
    assert facts.cut_offset is not None and facts.token_total > 75
    assert "token-overflow" in rules(with_facts) and "similar-features" in rules(with_facts)


def test_dataset_lint_matches_linting_each_caption() -> None:
    texts = [
        CLEAN,
        CLEAN + ", blue eyes",
        "pixel art,, hat (#zzz)",
        "pixel art, hair (#c06148), lips (#c06148)",
        CLEAN + "\nsecond line",
        "hat, pixel art",
    ]
    result = lint_dataset([LintInput(str(i), t) for i, t in enumerate(texts)], LintSettings(keep_tokens=1))
    linter = CaptionLinter(settings=LintSettings(keep_tokens=1, trigger=result.trigger))
    assert result.trigger == ("pixel art",)
    for i, text in enumerate(texts):
        assert result.findings[str(i)] == linter.lint(text)
    assert "trigger-not-first" in rules(result.findings["5"]) and "multi-line" in rules(result.findings["4"])


def test_tabs_and_control_characters_are_flagged_and_the_fix_removes_them() -> None:
    text = "\t\t\t" + CLEAN.replace(", blue eyes", ",\tblue eyes") + "\x07"
    found = [f for f in lint(text) if f.rule == "control-character"]
    assert len(found) == 1 and found[0].severity == Severity.WARNING
    assert found[0].fix is not None and found[0].fix.text == CLEAN
    assert not [f for f in lint(CLEAN) if f.rule == "control-character"]
