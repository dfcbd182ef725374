"""The definitions of the Epochs figures: one text, stated from the code's own limits, in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from bespoke_gui.cli import main
from bespoke_gui.core.epochs import strays
from bespoke_gui.core.epochs.definitions import (
    DEFINITIONS,
    definition,
    definitions_markdown,
    definitions_text,
)
from bespoke_gui.core.epochs.metrics import StraySettings, Targets

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_figure_has_one_definition() -> None:
    keys = [d.key for d in DEFINITIONS]
    assert len(keys) == len(set(keys))
    for key in ("unique_colours", "palette", "strays", "messy", "background_colours", "grid_fit", "verdict"):
        assert definition(key).text.strip()


def test_definitions_state_the_limits_the_code_uses() -> None:
    settings, targets = StraySettings(), Targets()
    assert f"{settings.messy_strays} or more strays" in definition("messy").text
    assert f"below {settings.messy_grid_fit:g}" in definition("messy").text
    assert f"pass below {targets.unique_colors_target:g}" in definition("unique_colours").text
    text = definition("strays").text
    assert f"closer than {strays.NEAR_DUPLICATE_MIN:g} RGB" in text
    assert f"up to {strays.NEAR_DUPLICATE_REACH:g} RGB" in text
    assert f"shades closer than {strays.SAME_SHADE:g} RGB" in text
    assert f"{strays.ODD_COLOUR_APART:g} RGB" in text and f"{strays.STRAY_AT:g} or more" in text
    for reason in strays.STRAY_REASONS:
        assert reason in text


def test_the_readme_holds_the_definitions_verbatim() -> None:
    if not README.is_file():
        pytest.skip("README.md is not beside the package (an installed copy)")
    readme = README.read_text(encoding="utf-8")
    assert "## What the numbers mean" in readme
    assert definitions_markdown() in readme


def test_cli_prints_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["definitions"]) == 0
    assert capsys.readouterr().out == definitions_text()
    assert main(["definitions", "--markdown"]) == 0
    assert capsys.readouterr().out == definitions_markdown()
